import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { DISTRIBUTED_ERROR_CODES, SumStatsDistributedError } from './errors.js';

const DOC = fileURLToPath(new URL('../../../../docs/sumstats.md', import.meta.url));

test('every distribution error code is documented in docs/sumstats.md', () => {
  const doc = readFileSync(DOC, 'utf8');
  const missing = Object.values(DISTRIBUTED_ERROR_CODES).filter((c) => !doc.includes(`\`${c}\``));
  assert.deepEqual(missing, []);
  const err = new SumStatsDistributedError(DISTRIBUTED_ERROR_CODES.badOption, 'x');
  assert.equal(err.code, 'CANOPY_ERR_SUMSTATS_OPTION');
  assert.equal(err.retryable, false);
});
