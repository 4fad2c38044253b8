import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { compressHostList } from './hostlist-compress.js';
import { expandHostList } from './hostlist.js';
import { assertOnlyModelError, assertSyntaxError } from './test-support.js';

const HL = 'CANOPY_ERR_INVALID_HOSTLIST';

void describe('expandHostList', () => {
  void it('expands ranges', () => {
    assert.deepEqual(expandHostList('node-[1-3]'), ['node-1', 'node-2', 'node-3']);
    assert.equal(expandHostList('node-[1-10]').length, 10);
    assert.equal(expandHostList('node-[1-10]')[9], 'node-10');
  });

  void it('keeps zero padding by the width of the lower bound', () => {
    assert.deepEqual(expandHostList('node-[08-10,15]'), [
      'node-08',
      'node-09',
      'node-10',
      'node-15',
    ]);
    assert.deepEqual(expandHostList('n[098-101]'), ['n098', 'n099', 'n100', 'n101']);
    assert.deepEqual(expandHostList('n[9-10]'), ['n9', 'n10']);
    assert.deepEqual(expandHostList('[007]'), ['007']);
  });

  void it('expands a bare bracket', () => {
    assert.deepEqual(expandHostList('[10002]'), ['10002']);
    assert.deepEqual(expandHostList('[10002-10003]'), ['10002', '10003']);
  });

  void it('expands products with the left-most bracket varying slowest', () => {
    assert.deepEqual(expandHostList('node-[1-2]-[10002-10003]'), [
      'node-1-10002',
      'node-1-10003',
      'node-2-10002',
      'node-2-10003',
    ]);
    assert.equal(expandHostList('node-[1-4]-[10002-10003]').length, 8);
    assert.deepEqual(expandHostList('r[1-2]c[1,3]n'), ['r1c1n', 'r1c3n', 'r2c1n', 'r2c3n']);
  });

  void it('splits top-level lists but not commas inside brackets', () => {
    assert.deepEqual(expandHostList('a,b-[1-2]'), ['a', 'b-1', 'b-2']);
    assert.deepEqual(expandHostList(' a , b-[1,3] '), ['a', 'b-1', 'b-3']);
    assert.deepEqual(expandHostList('a.example.org,b'), ['a.example.org', 'b']);
  });

  void it('gives an empty list for an empty text', () => {
    assert.deepEqual(expandHostList(''), []);
    assert.deepEqual(expandHostList('  '), []);
  });

  void it('enforces maxHosts before expanding', () => {
    assert.equal(expandHostList('n[1-5]', { maxHosts: 5 }).length, 5);
    assertSyntaxError(() => expandHostList('n[1-5]', { maxHosts: 4 }), HL, 0, 'maxHosts (4)');
    assertSyntaxError(() => expandHostList('a,n[1-5]', { maxHosts: 5 }), HL, 2, 'maxHosts');
    // 10^15 x 10^15 names: refused from the count, never allocated.
    const huge = 'n[0-999999999999999]-[0-999999999999999]';
    assertSyntaxError(() => expandHostList(huge), HL, 0, 'maxHosts (1000000)');
    assert.throws(() => expandHostList('a', { maxHosts: -1 }), { code: HL });
  });

  const errors: [string, number, string][] = [
    ['node-[10-1]', 6, 'reversed range 10-1'],
    ['node-[1-3', 5, 'unterminated "["'],
    ['node-[1-3,', 5, 'unterminated "["'],
    ['node-[[1-3]]', 6, 'nested "["'],
    ['node-[1-[2]]', 8, 'nested "["'],
    ['a,,b', 2, 'empty item'],
    ['a,', 2, 'empty item'],
    [',a', 0, 'empty item'],
    ['node-[]', 6, 'empty range'],
    ['node-[1,,2]', 8, 'empty range'],
    ['node-[a-c]', 6, 'non-numeric range'],
    ['node-[1-c]', 8, 'non-numeric range'],
    ['node-[1-2-3]', 9, 'non-numeric range'],
    ['node-[1-]', 8, 'missing upper bound'],
    ['node-1]', 6, 'unbalanced "]"'],
    ['node-[1234567890123456]', 6, 'longer than 15 digits'],
    ['a b', 2, 'expected ","'],
    ['a:b', 1, 'invalid character ":"'],
    ['a*', 1, 'invalid character "*"'],
    [`${'x'.repeat(250)}[1-100000]`, 0, 'longer than 255 bytes'],
  ];
  for (const [text, offset, fragment] of errors) {
    void it(`rejects ${JSON.stringify(text.slice(0, 30))} at offset ${offset}`, () => {
      assertSyntaxError(() => expandHostList(text), HL, offset, fragment);
    });
  }

  void it('never throws anything but a host-list ModelError on garbage', () => {
    const garbage = fc.oneof(
      fc.string({ maxLength: 40 }),
      fc.string({ unit: fc.constantFrom(...'[]-,0129a '), maxLength: 30 }),
    );
    fc.assert(
      fc.property(garbage, (text) => {
        assertOnlyModelError(() => expandHostList(text, { maxHosts: 10_000 }), HL, text.length);
      }),
      { numRuns: 5000 },
    );
  });
});

void describe('compressHostList', () => {
  void it('compresses ranges, padding and lists', () => {
    assert.equal(compressHostList(expandHostList('node-[1-10]')), 'node-[1-10]');
    assert.equal(compressHostList(['node-08', 'node-09', 'node-10']), 'node-[08-10]');
    assert.equal(compressHostList(['n9', 'n10', 'n12']), 'n[9-10,12]');
    assert.equal(compressHostList(['a', 'b-1', 'b-2']), 'a,b-[1-2]');
    assert.equal(compressHostList(['solo7']), 'solo7');
    assert.equal(compressHostList([]), '');
  });

  void it('folds products back into several brackets', () => {
    assert.equal(
      compressHostList(expandHostList('node-[1-4]-[10002-10003]')),
      'node-[1-4]-[10002-10003]',
    );
    assert.equal(compressHostList(expandHostList('r[1-2]c[1,3]n')), 'r[1-2]c[1,3]n');
  });

  void it('does not merge numbers that print differently', () => {
    // `9` then `010` is not one range: the range `9-10` would print `10`.
    const names = ['n9', 'n010'];
    assert.deepEqual(expandHostList(compressHostList(names)), names);
  });

  void it('refuses names that cannot appear in a host list', () => {
    assert.throws(() => compressHostList(['a,b']), { code: HL });
    assert.throws(() => compressHostList(['a b']), { code: HL });
    assert.throws(() => compressHostList(['']), { code: HL });
  });

  const hostArb = fc
    .tuple(
      fc.constantFrom('', 'node-', 'n', 'rack'),
      fc.nat({ max: 30 }),
      fc.constantFrom(1, 2, 3),
      fc.constantFrom('', '-', 'c'),
      fc.option(fc.nat({ max: 12 }), { nil: undefined }),
      fc.constantFrom('', '.x'),
    )
    .map(([p, a, w, mid, b, s]) => `${p}${String(a).padStart(w, '0')}${mid}${b ?? ''}${s}`);

  void it('expand(compress(x)) equals x, in order, for any list', () => {
    fc.assert(
      fc.property(fc.array(hostArb, { maxLength: 40 }), (names) => {
        assert.deepEqual(expandHostList(compressHostList(names)), names);
      }),
      { numRuns: 2000 },
    );
  });

  void it('compresses sorted expansions at least as well as they were written', () => {
    const listArb = fc
      .tuple(fc.nat({ max: 20 }), fc.nat({ max: 20 }), fc.nat({ max: 5 }), fc.nat({ max: 5 }))
      .map(
        ([a, b, c, d]) =>
          `node-[${Math.min(a, b)}-${Math.max(a, b)}]-[${Math.min(c, d)}-${Math.max(c, d)}]`,
      );
    fc.assert(
      fc.property(listArb, (text) => {
        const names = expandHostList(text);
        const compact = compressHostList(names);
        assert.deepEqual(expandHostList(compact), names);
        assert.ok(compact.length <= text.length, `${compact} vs ${text}`);
      }),
      { numRuns: 500 },
    );
  });
});
