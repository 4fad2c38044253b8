import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { SUMSTATS_ENGINE_ERROR_CODES, SumStatsEngineError, defError } from './errors.js';
import { SUMSTATS_ERROR_CODES } from './reducers/index.js';

const DOC = fileURLToPath(new URL('../../../docs/sumstats.md', import.meta.url));

test('every sumstats error code is documented in docs/sumstats.md', () => {
  const doc = readFileSync(DOC, 'utf8');
  const codes = [
    ...Object.values(SUMSTATS_ENGINE_ERROR_CODES),
    ...Object.values(SUMSTATS_ERROR_CODES),
  ];
  const missing = codes.filter((c) => !doc.includes(`\`${c}\``));
  assert.deepEqual(missing, []);
});

test('defError locates the problem in message and path', () => {
  const err = defError('sumstats[2].reducers[0].stream', 'must be a non-empty string');
  assert.ok(err instanceof SumStatsEngineError);
  assert.equal(err.code, 'CANOPY_ERR_SUMSTATS_DEF');
  assert.equal(err.path, 'sumstats[2].reducers[0].stream');
  assert.equal(err.message, 'sumstats[2].reducers[0].stream: must be a non-empty string');
  assert.equal(err.retryable, false);
});
