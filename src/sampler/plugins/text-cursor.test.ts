import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CHAR, TextCursor } from './text-cursor.js';

describe('TextCursor', () => {
  it('walks tokens and numbers line by line without crossing newlines', () => {
    const cur = new TextCursor('eth0:  12 -3 0.25\n\tnext 18446744073709551615\n');
    assert.equal(cur.token(CHAR.colon), 'eth0');
    assert.ok(cur.accept(CHAR.colon));
    assert.equal(cur.uint(), 12);
    assert.equal(cur.int(), -3);
    assert.equal(cur.float(), 0.25);
    assert.ok(cur.atEol());
    assert.ok(Number.isNaN(cur.uint()), 'no number at end of line');
    cur.nextLine();
    assert.equal(cur.token(), 'next');
    assert.equal(cur.uint(), 2 ** 64, 'u64 max rounds to the nearest f64');
    cur.nextLine();
    assert.ok(cur.eof());
    assert.equal(cur.token(), '');
  });
});
