import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { ModelError } from './errors.js';
import { formatName, parseName } from './name.js';
import type { MetricName } from './name.js';
import { assertOnlyModelError, assertSyntaxError, metricNameArb } from './test-support.js';

const NAME = 'CANOPY_ERR_INVALID_NAME';

void describe('parseName', () => {
  void it('splits OUs, host, groups and metric', () => {
    assert.deepEqual(parseName('World:US:Berkeley:Millennium::mm56:cpu:user'), {
      ous: ['World', 'US', 'Berkeley', 'Millennium'],
      host: 'mm56',
      groups: ['cpu'],
      metric: 'user',
    });
    assert.deepEqual(parseName('Lab::node-1:cpu:cpu0:user'), {
      ous: ['Lab'],
      host: 'node-1',
      groups: ['cpu', 'cpu0'],
      metric: 'user',
    });
  });

  void it('accepts a name without groups', () => {
    assert.deepEqual(parseName('Lab::h:uptime'), {
      ous: ['Lab'],
      host: 'h',
      groups: [],
      metric: 'uptime',
    });
  });

  void it('reads labels with Prometheus escapes and spacing', () => {
    const n = parseName('Lab::h:cpu:user{ job = "a\\"b" , path="c:\\\\d\\n",}');
    assert.deepEqual(n.labels, { job: 'a"b', path: 'c:\\d\n' });
    assert.equal(n.metric, 'user');
  });

  void it('drops an empty label block', () => {
    assert.equal(parseName('Lab::h:m{}').labels, undefined);
  });

  void it('keeps a label named __proto__ as a label', () => {
    const n = parseName('Lab::h:m{__proto__="x"}');
    assert.equal(Object.getPrototypeOf(n.labels), Object.prototype);
    assert.deepEqual(Object.entries(n.labels ?? {}), [['__proto__', 'x']]);
  });

  const errors: [string, number, string][] = [
    ['', 0, 'empty name'],
    ['A::', 3, 'missing host after "::"'],
    ['A', 1, 'missing "::"'],
    ['A:h:m', 5, 'missing "::"'],
    ['::h:m', 0, 'missing OU'],
    ['A::h', 4, 'missing metric'],
    ['A:::h:m', 3, 'empty host'],
    ['A::h::m', 4, 'second "::"'],
    ['A:B:::h:m', 5, 'empty host'],
    [':A::h:m', 0, 'empty OU'],
    ['A::h:m:', 7, 'empty metric'],
    ['A::h::', 4, 'second "::"'],
    ['A::h:c*u:m', 6, 'invalid character "*" in group token "c*u"'],
    ['A B::h:m', 1, 'invalid character " " in OU token'],
    ['A::h/x:m', 4, 'invalid character "/" in host token'],
    ['A::h:m{a="1",a="2"}', 13, 'duplicate label "a"'],
    ['A::h:m{a!="1"}', 7, 'takes only "="'],
    ['A::h:m{a="1"}x', 13, 'after the label block'],
    ['A::h:m{a="1"', 6, 'unterminated label block'],
    ['A::h:m{a="1', 9, 'unterminated label value'],
    ['A::h:m{a="\\t"}', 10, 'invalid escape'],
    ['A::h:m{1a="x"}', 7, 'expected a label name'],
    ['A::h:m{a "x"}', 9, 'expected =, !=, =~ or !~'],
    ['A::h:m{a=x}', 9, "expected '\"'"],
    ['A::h:m{a="x" b="y"}', 13, 'expected "," or "}"'],
    [`A::${'h'.repeat(256)}:m`, 3, 'longer than 255 bytes'],
  ];
  for (const [text, offset, fragment] of errors) {
    void it(`rejects ${JSON.stringify(text.slice(0, 40))} at offset ${offset}`, () => {
      assertSyntaxError(() => parseName(text), NAME, offset, fragment);
    });
  }

  void it('quotes the input in the message and cuts long inputs', () => {
    assert.throws(() => parseName('A::'), {
      message: 'invalid name "A::": missing host after "::" at offset 3',
    });
    const long = `${'x'.repeat(500)}`;
    assert.throws(
      () => parseName(long),
      (err: unknown) => {
        assert.ok(err instanceof ModelError);
        assert.ok(err.message.length < 250, err.message);
        assert.equal(err.offset, 500);
        return true;
      },
    );
  });
});

void describe('formatName', () => {
  void it('formats the canonical text', () => {
    const n: MetricName = {
      ous: ['World', 'US'],
      host: 'mm56',
      groups: ['cpu', 'cpu0'],
      metric: 'user',
      labels: { job: 'a"b\\c\nd', z: '' },
    };
    assert.equal(formatName(n), 'World:US::mm56:cpu:cpu0:user{job="a\\"b\\\\c\\nd",z=""}');
  });

  void it('omits an empty label record', () => {
    assert.equal(
      formatName({ ous: ['A'], host: 'h', groups: [], metric: 'm', labels: {} }),
      'A::h:m',
    );
  });

  void it('refuses names it could not parse back', () => {
    const base = { ous: ['A'], host: 'h', groups: [], metric: 'm' };
    const bad: MetricName[] = [
      { ...base, ous: [] },
      { ...base, host: 'a:b' },
      { ...base, groups: [''] },
      { ...base, metric: 'x y' },
      { ...base, labels: { 'bad-name': 'v' } },
    ];
    for (const n of bad) assert.throws(() => formatName(n), { code: NAME });
  });
});

void describe('name properties', () => {
  void it('parse(format(n)) equals n and format is stable', () => {
    fc.assert(
      fc.property(metricNameArb, (n) => {
        const text = formatName(n);
        const back = parseName(text);
        assert.deepEqual(back, n);
        assert.equal(formatName(back), text);
      }),
      { numRuns: 2000 },
    );
  });

  void it('garbage only ever throws a ModelError with a code and offset', () => {
    const garbage = fc.oneof(
      fc.string({ maxLength: 40 }),
      fc.string({ unit: fc.constantFrom(...':{}"\\=!~a1 ,'), maxLength: 30 }),
      metricNameArb
        .map(formatName)
        .chain((s) => fc.nat({ max: s.length }).map((i) => s.slice(0, i) + s.slice(i + 1))),
    );
    fc.assert(
      fc.property(garbage, (text) => {
        assertOnlyModelError(() => parseName(text), NAME, text.length);
      }),
      { numRuns: 3000 },
    );
  });
});
