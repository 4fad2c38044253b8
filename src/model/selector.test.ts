import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { ModelError } from './errors.js';
import { formatName, parseName } from './name.js';
import { compileSelector, parseSelector } from './selector.js';
import type { SelectorOptions } from './selector.js';
import {
  assertOnlyModelError,
  assertSyntaxError,
  metricNameArb,
  tokenArb,
} from './test-support.js';

const SEL = 'CANOPY_ERR_INVALID_SELECTOR';

function sel(text: string, name: string, options?: SelectorOptions): boolean {
  return parseSelector(text, options).matches(parseName(name));
}

void describe('selector tokens', () => {
  void it('matches literal names exactly', () => {
    assert.equal(sel('Lab::h1:cpu:user', 'Lab::h1:cpu:user'), true);
    assert.equal(sel('Lab::h1:cpu:user', 'Lab::h1:cpu:sys'), false);
    assert.equal(sel('Lab::h1:cpu:user', 'Lab::h2:cpu:user'), false);
    assert.equal(sel('Lab::h1:cpu:user', 'Lab::h1:cpu:cpu0:user'), false);
    assert.equal(sel('Lab::h1:cpu:user', 'Lab::h1:user'), false);
  });

  void it('supports *, ?, [abc], [a-z], [!a] and {a,b} globs', () => {
    assert.equal(sel('Lab::*:cpu:user', 'Lab::anything:cpu:user'), true);
    assert.equal(sel('Lab::node-?:cpu:user', 'Lab::node-7:cpu:user'), true);
    assert.equal(sel('Lab::node-?:cpu:user', 'Lab::node-17:cpu:user'), false);
    assert.equal(sel('Lab::node-[13]:cpu:user', 'Lab::node-3:cpu:user'), true);
    assert.equal(sel('Lab::node-[13]:cpu:user', 'Lab::node-2:cpu:user'), false);
    assert.equal(sel('Lab::node-[0-4]*:cpu:user', 'Lab::node-42:cpu:user'), true);
    assert.equal(sel('Lab::node-[!0-4]:cpu:user', 'Lab::node-2:cpu:user'), false);
    assert.equal(sel('Lab::node-[!0-4]:cpu:user', 'Lab::node-9:cpu:user'), true);
    assert.equal(sel('Lab::h:cpu:{user,sys}', 'Lab::h:cpu:sys'), true);
    assert.equal(sel('Lab::h:cpu:{user,sys}', 'Lab::h:cpu:idle'), false);
    assert.equal(sel('Lab::h:cpu:{u{ser,x},s*}', 'Lab::h:cpu:ux'), true);
    assert.equal(sel('Lab::h:cpu:a.b', 'Lab::h:cpu:aXb'), false, 'a dot is literal in a glob');
    assert.equal(sel('Lab::h:cpu:a+', 'Lab::h:cpu:aa'), false, '+ is literal in a glob');
  });

  void it('anchors a /regex/ to the whole token and lets it hold ":"', () => {
    assert.equal(sel('Lab::/node-[0-9]+/:cpu:user', 'Lab::node-12:cpu:user'), true);
    assert.equal(sel('Lab::/node-[0-9]+/:cpu:user', 'Lab::xnode-12:cpu:user'), false);
    assert.equal(sel('Lab::/node/:cpu:user', 'Lab::node-1:cpu:user'), false);
    assert.equal(sel('Lab::h:/cpu|mem/:user', 'Lab::h:mem:user'), true);
    assert.equal(sel('Lab::h:/a:b|c[:/]|d/:user', 'Lab::h:d:user'), true);
    assert.equal(sel('Lab::h:/a\\/b|e/:user', 'Lab::h:e:user'), true);
    assert.equal(sel('Lab::h:/CPU/i:user', 'Lab::h:cpu:user'), true);
    assert.equal(sel('Lab::h:/c{2}/:user', 'Lab::h:cc:user'), true, '{ inside a regex');
    assert.equal(sel('Lab::h:cpu:/u.*/{}', 'Lab::h:cpu:user'), true);
    // The body is validated alone, so it cannot break out of the anchoring group.
    assertSyntaxError(() => parseSelector('Lab::h:/a)|(b/:m'), SEL, 7, 'invalid regex');
  });

  void it('lets ** match zero or more groups', () => {
    const s = parseSelector('Lab::h:**:user');
    assert.equal(s.matches(parseName('Lab::h:user')), true);
    assert.equal(s.matches(parseName('Lab::h:cpu:user')), true);
    assert.equal(s.matches(parseName('Lab::h:cpu:cpu0:user')), true);
    assert.equal(s.matches(parseName('Lab::h:cpu:cpu0:sys')), false);
    const mid = parseSelector('Lab::h:cpu:**:cpu*:**:user');
    assert.equal(mid.matches(parseName('Lab::h:cpu:cpu3:user')), true);
    assert.equal(mid.matches(parseName('Lab::h:cpu:a:b:cpu3:c:user')), true);
    assert.equal(mid.matches(parseName('Lab::h:cpu:a:b:c:user')), false);
    assert.equal(mid.matches(parseName('Lab::h:mem:cpu3:user')), false);
  });

  void it('lets ** match zero or more OUs', () => {
    const s = parseSelector('World:**:Berkeley::*:cpu:user');
    assert.equal(s.matches(parseName('World:Berkeley::h:cpu:user')), true);
    assert.equal(s.matches(parseName('World:US:CA:Berkeley::h:cpu:user')), true);
    assert.equal(s.matches(parseName('World:US:CA:Berkeley:Soda::h:cpu:user')), true);
    assert.equal(s.matches(parseName('World:US:CA::h:cpu:user')), false);
    assert.equal(s.matches(parseName('Mars:Berkeley::h:cpu:user')), false);
  });
});

void describe('selector OU prefix semantics', () => {
  void it('selects the subtree of an OU', () => {
    assert.equal(sel('World:US::*:cpu:user', 'World:US:Berkeley::h1:cpu:user'), true);
    assert.equal(sel('World:US::*:cpu:user', 'World:US::h1:cpu:user'), true);
    assert.equal(sel('World::*:cpu:user', 'World:US:Berkeley:Millennium::mm56:cpu:user'), true);
    assert.equal(sel('World:US::*:cpu:user', 'World:EU:Paris::h1:cpu:user'), false);
    assert.equal(sel('World:US:Berkeley::*:cpu:user', 'World:US::h1:cpu:user'), false);
  });

  void it('applies globs to the prefix tokens only', () => {
    assert.equal(sel('*:U?::*:cpu:user', 'World:US:Berkeley::h1:cpu:user'), true);
    assert.equal(sel('/W.*/::*:cpu:user', 'World:US::h1:cpu:user'), true);
    assert.equal(sel('/W.*/::*:cpu:user', 'Lab:World::h1:cpu:user'), false);
  });
});

void describe('selector regex options', () => {
  void it('anchors string regexes over the OU part and over host:groups:metric', () => {
    const name = 'World:US:Berkeley::mm56:cpu:user';
    assert.equal(sel('', name, { ouRegex: 'World:US:.*' }), true);
    assert.equal(sel('', name, { ouRegex: 'World:US' }), false, 'a string is anchored');
    assert.equal(sel('', name, { hostMetricRegex: 'mm[0-9]+:cpu:(user|sys)' }), true);
    assert.equal(sel('', name, { hostMetricRegex: 'mm[0-9]+:cpu' }), false);
  });

  void it('uses a RegExp object as written', () => {
    const name = 'World:US:Berkeley::mm56:cpu:user';
    assert.equal(sel('', name, { ouRegex: /US/ }), true);
    assert.equal(sel('', name, { ouRegex: /^US/ }), false);
    // A global regex would alternate true/false through lastIndex; the flag is dropped.
    const s = parseSelector('', { hostMetricRegex: /cpu/g });
    const n = parseName(name);
    assert.deepEqual([s.matches(n), s.matches(n), s.matches(n)], [true, true, true]);
  });

  void it('requires both regexes and the tokens to match', () => {
    const options = { ouRegex: 'World:.*', hostMetricRegex: '.*:user' };
    assert.equal(sel('*::mm*:cpu:*', 'World:US::mm1:cpu:user', options), true);
    assert.equal(sel('*::mm*:cpu:*', 'Lab:US::mm1:cpu:user', options), false);
    assert.equal(sel('*::mm*:cpu:*', 'World:US::mm1:cpu:sys', options), false);
    assert.equal(sel('*::xx*:cpu:*', 'World:US::mm1:cpu:user', options), false);
  });

  void it('rejects bad option regexes with the selector code', () => {
    assert.throws(() => parseSelector('', { ouRegex: '(' }), { code: SEL });
    assert.throws(() => parseSelector('', { hostMetricRegex: 'a)|(b' }), { code: SEL });
  });
});

void describe('selector label matchers', () => {
  const name = 'Lab::h:http:requests{job="api",code="200"}';
  void it('supports =, !=, =~ and !~ with a missing label read as ""', () => {
    assert.equal(sel('Lab::h:http:requests{job="api"}', name), true);
    assert.equal(sel('Lab::h:http:requests{job="web"}', name), false);
    assert.equal(sel('Lab::h:http:requests{job!="web",code=~"2.."}', name), true);
    assert.equal(sel('Lab::h:http:requests{code=~"2"}', name), false, '=~ is anchored');
    assert.equal(sel('Lab::h:http:requests{code!~"5.."}', name), true);
    assert.equal(sel('Lab::h:http:requests{code!~"2.."}', name), false);
    assert.equal(sel('Lab::h:http:requests{zone=""}', name), true);
    assert.equal(sel('Lab::h:http:requests{zone!=""}', name), false);
    assert.equal(sel('Lab::h:cpu:user{zone=""}', 'Lab::h:cpu:user'), true);
    assert.equal(sel('Lab::h:cpu:user{constructor=""}', 'Lab::h:cpu:user'), true);
  });

  void it('accepts a bare label block as a selector over every path', () => {
    assert.equal(sel('{job="api"}', name), true);
    assert.equal(sel('{job="web"}', name), false);
  });

  void it('tells label blocks from glob alternations', () => {
    assert.equal(sel('Lab::h:http:{requests,errors}', name), true);
    assert.equal(sel('Lab::h:http:{requests,errors}{job="api"}', name), true);
    assert.equal(sel('Lab::h:http:/req.*/{job="api"}', name), true);
  });
});

void describe('matchesSetPrefix', () => {
  void it('keeps sets whose metrics could match and skips the rest', () => {
    const s = parseSelector('World:US::mm*:cpu:user');
    assert.equal(s.matchesSetPrefix(['World', 'US', 'Berkeley'], 'mm56', ['cpu']), true);
    assert.equal(s.matchesSetPrefix(['World', 'US'], 'mm56', []), true, 'metric may be cpu:user');
    assert.equal(s.matchesSetPrefix(['World', 'US'], 'mm56', ['mem']), false);
    assert.equal(s.matchesSetPrefix(['World', 'US'], 'mm56', ['cpu', 'cpu0']), false);
    assert.equal(s.matchesSetPrefix(['World', 'EU'], 'mm56', ['cpu']), false);
    assert.equal(s.matchesSetPrefix(['World', 'US'], 'nn1', ['cpu']), false);
  });

  void it('follows ** through the set groups', () => {
    const s = parseSelector('Lab::h:proc:**:rss');
    assert.equal(s.matchesSetPrefix(['Lab'], 'h', ['proc', 'sshd-1', 'x']), true);
    assert.equal(s.matchesSetPrefix(['Lab'], 'h', ['cpu']), false);
    assert.equal(s.matchesSetPrefix(['Lab'], 'h', []), true);
  });

  void it('is conservative for the host:metric regex and labels but exact for ouRegex', () => {
    const s = parseSelector('{job="x"}', { hostMetricRegex: 'nothing', ouRegex: 'Lab' });
    assert.equal(s.matchesSetPrefix(['Lab'], 'h', ['cpu']), true);
    assert.equal(s.matchesSetPrefix(['Other'], 'h', ['cpu']), false);
  });

  void it('agrees with matches() on every metric of a set', () => {
    const prefixArb = fc.record({
      ous: fc.array(fc.constantFrom('A', 'B'), { minLength: 1, maxLength: 3 }),
      groups: fc.array(fc.constantFrom('g', 'h'), { maxLength: 3 }),
      metric: fc.array(fc.constantFrom('g', 'm'), { minLength: 1, maxLength: 2 }),
    });
    const selArb = fc.constantFrom(
      'A::x:g:m',
      'A:B::x:**:m',
      '**:B::x:g:**:g:m',
      'A::x:{g,h}:*',
      'B::x:**:g',
      '*::x:h:**:m',
    );
    fc.assert(
      fc.property(selArb, prefixArb, (text, p) => {
        const s = parseSelector(text);
        const metric = p.metric[p.metric.length - 1] as string;
        const name = {
          ous: p.ous,
          host: 'x',
          groups: [...p.groups, ...p.metric.slice(0, -1)],
          metric,
        };
        if (s.matches(name)) assert.equal(s.matchesSetPrefix(p.ous, 'x', p.groups), true);
      }),
      { numRuns: 3000 },
    );
  });
});

void describe('selector errors', () => {
  const errors: [string, number, string][] = [
    ['', 0, 'empty selector'],
    ['A::/x:m', 3, 'unterminated regex'],
    ['A::h:/(/:m', 5, 'invalid regex'],
    ['A::h://:m', 5, 'empty regex'],
    ['A::h:/a/g:m', 8, 'unsupported regex flags'],
    ['A::h:/a/-b:m', 8, 'whole token'],
    ['A::h:x/a/:m', 6, 'invalid character "/"'],
    ['A::h:[ab:m', 5, 'unterminated "["'],
    ['A::h:[]:m', 5, 'empty "[]"'],
    ['A::h:[z-a]:m', 6, 'reversed range'],
    ['A::h:a]:m', 6, 'unbalanced "]"'],
    ['A::h:{a,b:m', 5, 'unterminated "{"'],
    ['A::h:a}:m', 6, 'unbalanced "}"'],
    ['A::h:a b:m', 6, 'invalid character " "'],
    ['A::h::m', 4, 'second "::"'],
    ['A::h:', 5, 'empty token'],
    ['A:::h:m', 3, 'empty token'],
    ['::h:m', 0, 'empty token'],
    ['A:h:m', 5, 'missing "::"'],
    ['A::h', 4, 'missing metric'],
    ['A::**:m', 3, '"**" cannot stand for the host'],
    ['A::h:**', 5, '"**" cannot stand for the metric'],
    ['A::h:m{a=~"("}', 7, 'invalid regex for label "a"'],
    ['A::h:m{a="b"}x', 13, 'after the label block'],
    ['A::h:m{a="b"', 6, 'unterminated label block'],
  ];
  for (const [text, offset, fragment] of errors) {
    void it(`rejects ${JSON.stringify(text)} at offset ${offset}`, () => {
      assertSyntaxError(() => parseSelector(text), SEL, offset, fragment);
    });
  }

  void it('never throws anything but a selector ModelError on garbage', () => {
    const garbage = fc.oneof(
      fc.string({ maxLength: 40 }),
      fc.string({ unit: fc.constantFrom(...':/*?[]{}!^-,\\"=~ a1'), maxLength: 30 }),
    );
    fc.assert(
      fc.property(garbage, (text) => {
        assertOnlyModelError(() => parseSelector(text), SEL, text.length);
      }),
      { numRuns: 5000 },
    );
  });
});

void describe('selector text and cache', () => {
  void it('prints a canonical text that parses to the same selector', () => {
    const s = parseSelector('World:**::mm*:cpu:/u.*/i{ job = "a\\"b" ,x!~"y"}');
    assert.equal(s.toString(), 'World:**::mm*:cpu:/u.*/i{job="a\\"b",x!~"y"}');
    assert.equal(parseSelector(s.toString()).toString(), s.toString());
    assert.deepEqual(s.labelMatchers, [
      { name: 'job', op: '=', value: 'a"b' },
      { name: 'x', op: '!~', value: 'y' },
    ]);
  });

  void it('caches compiled selectors by text and options', () => {
    const a = compileSelector('Lab::h:cpu:user');
    assert.equal(compileSelector('Lab::h:cpu:user'), a);
    assert.notEqual(compileSelector('Lab::h:cpu:user', { ouRegex: 'Lab' }), a);
    assert.throws(() => compileSelector('A::'), ModelError);
  });

  void it('a name read as a selector selects itself', () => {
    fc.assert(
      fc.property(metricNameArb, tokenArb, (n, other) => {
        const { labels: _labels, ...path } = n;
        const s = parseSelector(formatName(path));
        assert.equal(s.matches(n), true);
        assert.equal(s.matchesSetPrefix(n.ous, n.host, n.groups), true);
        if (other !== n.metric) assert.equal(s.matches({ ...n, metric: other }), false);
      }),
      { numRuns: 1000 },
    );
  });
});

describe('matchesOuSubtree', () => {
  it('selects delegates whose OU subtree may hold matches', () => {
    const sel = parseSelector('World:US::*:cpu:user');
    assert.equal(sel.matchesOuSubtree(['World', 'US', 'Berkeley']), true);
    assert.equal(sel.matchesOuSubtree(['World']), true, 'a parent OU may hold World:US below it');
    assert.equal(sel.matchesOuSubtree(['World', 'EU']), false);
    assert.equal(sel.matchesOuSubtree(['Mars']), false);
    assert.equal(parseSelector('Lab:/[AB]/::*:m').matchesOuSubtree(['Lab', 'C']), false);
    assert.equal(parseSelector('Lab:/[AB]/::*:m').matchesOuSubtree(['Lab', 'B', 'x']), true);
  });
});
