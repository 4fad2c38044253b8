import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { CanopyError, isRetryableError } from '../common/index.js';
import { PROTOCOL_ERROR_CODES, ProtocolError, isProtocolErrorCode } from './errors.js';

// dist/src/protocol/errors.test.js → docs/protocol.md at the package root
const DOC = new URL('../../../docs/protocol.md', import.meta.url);

describe('protocol error codes', () => {
  it('are each documented in docs/protocol.md', () => {
    const doc = readFileSync(DOC, 'utf8');
    for (const code of Object.keys(PROTOCOL_ERROR_CODES)) {
      assert.match(
        doc,
        new RegExp(`^\\|\\s*\`${code}\`\\s*\\| .+\\|$`, 'm'),
        `${code} is missing from the error table`,
      );
    }
  });

  it('documents no code the implementation does not have', () => {
    const doc = readFileSync(DOC, 'utf8');
    const table = doc.slice(doc.indexOf('## Error codes'));
    const documented = [...table.matchAll(/^\|\s*`(CANOPY_ERR_[A-Z_]+)`\s*\|/gm)].map((m) => m[1]!);
    assert.deepEqual(documented.sort(), Object.keys(PROTOCOL_ERROR_CODES).sort());
  });

  it('are CanopyErrors with a stable code, retryable only for connection failures', () => {
    const e = new ProtocolError('CANOPY_ERR_CONNECT_TIMEOUT', 'x', {
      offset: 4,
      messageType: 'data',
    });
    assert.ok(e instanceof CanopyError);
    assert.equal(e.name, 'ProtocolError');
    assert.equal(e.offset, 4);
    assert.equal(e.messageType, 'data');
    assert.ok(isRetryableError(e));
    assert.ok(!isRetryableError(new ProtocolError('CANOPY_ERR_BAD_MAGIC', 'x')));
    assert.ok(isProtocolErrorCode('CANOPY_ERR_BAD_MAGIC'));
    assert.ok(!isProtocolErrorCode('toString'));
  });
});
