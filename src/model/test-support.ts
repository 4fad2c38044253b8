/**
 * Helpers shared by the model's unit tests (not exported from the index):
 * an assertion for parser errors and fast-check arbitraries for names.
 */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ModelError } from './errors.js';
import type { MetricName } from './name.js';

/** Assert `fn` throws a ModelError with `code`, `offset`, and a message naming that offset. */
export function assertSyntaxError(
  fn: () => unknown,
  code: string,
  offset: number,
  fragment?: string,
): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof ModelError, `expected a ModelError, got ${String(err)}`);
    assert.equal(err.code, code);
    assert.equal(err.offset, offset, err.message);
    assert.match(err.message, new RegExp(`at offset ${offset}$`));
    if (fragment !== undefined) assert.ok(err.message.includes(fragment), err.message);
    return true;
  });
}

/** Assert that `fn` either returns or throws a ModelError with `code` and an in-range offset. */
export function assertOnlyModelError(fn: () => unknown, code: string, length: number): void {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof ModelError, `unexpected ${String(err)}`);
    assert.equal(err.code, code);
    assert.ok(err.offset !== undefined && err.offset >= 0 && err.offset <= length, err.message);
  }
}

const tokenChar = fc.constantFrom(...'abcXYZ019-_.+=,!~@#é€😀');

/** A valid namespace token. */
export const tokenArb = fc.string({ unit: tokenChar, minLength: 1, maxLength: 8 });

const labelName = fc.stringMatching(/^[a-zA-Z_][a-zA-Z0-9_]{0,6}$/);
const labelValue = fc.string({ unit: fc.constantFrom(...'ab"\\\n{},=: '), maxLength: 8 });

/** Arbitrary valid names, with or without labels. */
export const metricNameArb: fc.Arbitrary<MetricName> = fc
  .record({
    ous: fc.array(tokenArb, { minLength: 1, maxLength: 4 }),
    host: tokenArb,
    groups: fc.array(tokenArb, { maxLength: 3 }),
    metric: tokenArb,
    labels: fc.option(fc.dictionary(labelName, labelValue, { minKeys: 1, maxKeys: 3 }), {
      nil: undefined,
    }),
  })
  // fast-check builds null-prototype dictionaries; names carry plain objects.
  .map(({ labels, ...rest }) =>
    labels === undefined ? rest : { ...rest, labels: Object.fromEntries(Object.entries(labels)) },
  );
