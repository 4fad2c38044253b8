import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FrameDecoder } from './decoder.js';
import { FrameEncoder } from './encoder.js';
import { ProtocolError } from './errors.js';
import { ClientHandshake, ServerHandshake, computeProof, isLoopbackAddress } from './handshake.js';
import type { AuthConfig, PeerInfo } from './handshake.js';
import type { Message } from './messages.js';

const inputs = {
  clientNonce: new Uint8Array(32).fill(1),
  serverNonce: new Uint8Array(32).fill(2),
  clientName: 'node-1',
  serverName: 'agg-1',
};

/** Drive both state machines against each other through real frames; returns the peers or the first error. */
function run(
  clientAuth: AuthConfig,
  serverAuth: AuthConfig,
): { client?: PeerInfo; server?: PeerInfo; error?: ProtocolError; side?: string } {
  const client = new ClientHandshake(new FrameEncoder(), {
    role: 'sampler',
    name: 'node-1',
    auth: clientAuth,
  });
  const server = new ServerHandshake(new FrameEncoder(), {
    role: 'aggregator',
    name: 'agg-1',
    auth: serverAuth,
  });
  const toServer = new FrameDecoder();
  const toClient = new FrameDecoder();
  const result: { client?: PeerInfo; server?: PeerInfo; error?: ProtocolError; side?: string } = {};
  let pending: { side: 'server' | 'client'; frames: readonly Uint8Array[] } = {
    side: 'server',
    frames: client.start().send,
  };
  for (let round = 0; round < 6 && pending.frames.length > 0; round++) {
    const { side, frames } = pending;
    const msgs: Message[] = frames.flatMap((f) =>
      (side === 'server' ? toServer : toClient).push(f),
    );
    const next: Uint8Array[] = [];
    for (const m of msgs) {
      try {
        const step = side === 'server' ? server.receive(m) : client.receive(m);
        next.push(...step.send);
        if (step.peer) result[side] = step.peer;
      } catch (err) {
        result.error = err as ProtocolError;
        result.side = side;
        return result;
      }
    }
    pending = { side: side === 'server' ? 'client' : 'server', frames: next };
  }
  return result;
}

describe('handshake proofs', () => {
  it('differ by side, secret, nonce and name, and are 32 bytes', () => {
    const base = computeProof('client', 's3cret', inputs);
    assert.equal(base.length, 32);
    assert.deepEqual(computeProof('client', 's3cret', inputs), base);
    assert.notDeepEqual(computeProof('server', 's3cret', inputs), base);
    assert.notDeepEqual(computeProof('client', 'other', inputs), base);
    assert.notDeepEqual(
      computeProof('client', 's3cret', { ...inputs, serverNonce: new Uint8Array(32).fill(3) }),
      base,
    );
    assert.notDeepEqual(
      computeProof('client', 's3cret', { ...inputs, clientName: 'node-2' }),
      base,
    );
    assert.deepEqual(computeProof('client', Buffer.from('s3cret'), inputs), base);
  });

  it('keep name boundaries unambiguous', () => {
    const a = computeProof('client', 'k', { ...inputs, clientName: 'ab', serverName: 'c' });
    const b = computeProof('client', 'k', { ...inputs, clientName: 'a', serverName: 'bc' });
    assert.notDeepEqual(a, b);
  });
});

describe('isLoopbackAddress', () => {
  it('accepts 127/8, ::1 and IPv4-mapped loopback only', () => {
    for (const a of ['127.0.0.1', '127.255.3.4', '::1', '::ffff:127.0.0.1', undefined])
      assert.ok(isLoopbackAddress(a), String(a));
    for (const a of [
      '10.0.0.1',
      '192.168.1.1',
      '::ffff:10.0.0.1',
      '128.0.0.1',
      'fe80::1',
      '1127.0.0.1',
      '::2',
    ])
      assert.ok(!isLoopbackAddress(a), a);
  });
});

describe('handshake state machines', () => {
  const secret: AuthConfig = { mode: 'secret', secret: 'cluster-secret' };

  it('authenticate both sides with the same secret', () => {
    const r = run(secret, secret);
    assert.equal(r.error, undefined);
    assert.deepEqual(r.client, { name: 'agg-1', role: 'aggregator' });
    assert.deepEqual(r.server, { name: 'node-1', role: 'sampler' });
  });

  it('fail on the server with a wrong client secret', () => {
    const r = run({ mode: 'secret', secret: 'wrong' }, secret);
    assert.equal(r.side, 'server');
    assert.equal(r.error?.code, 'CANOPY_ERR_AUTH_FAILED');
  });

  it('complete without secrets when both sides use none', () => {
    const r = run({ mode: 'none' }, { mode: 'none' });
    assert.equal(r.error, undefined);
    assert.equal(r.client?.name, 'agg-1');
  });

  it('refuse a client without a secret when the server requires one', () => {
    const r = run({ mode: 'none' }, secret);
    assert.equal(r.side, 'server');
    assert.equal(r.error?.code, 'CANOPY_ERR_AUTH_REQUIRED');
  });

  it('refuse a client with a secret when the server has none', () => {
    const r = run(secret, { mode: 'none' });
    assert.equal(r.error?.code, 'CANOPY_ERR_AUTH_FAILED');
  });

  it('client rejects a server proof that does not verify', () => {
    const client = new ClientHandshake(new FrameEncoder(), {
      role: 'sampler',
      name: 'n',
      auth: secret,
    });
    client.start();
    client.receive({ type: 'challenge', role: 'aggregator', name: 'a', nonce: new Uint8Array(32) });
    assert.throws(() => client.receive({ type: 'auth-ok', proof: new Uint8Array(32) }), {
      code: 'CANOPY_ERR_AUTH_FAILED',
    });
  });

  it('reject out-of-order messages, other versions and reported errors', () => {
    const server = new ServerHandshake(new FrameEncoder(), {
      role: 'aggregator',
      name: 'a',
      auth: secret,
    });
    assert.throws(() => server.receive({ type: 'auth', proof: new Uint8Array(0) }), {
      code: 'CANOPY_ERR_UNEXPECTED_MESSAGE',
    });
    const hello = {
      type: 'hello',
      version: 0,
      role: 'sampler',
      name: 'n',
      nonce: new Uint8Array(32),
      authMode: 'secret',
    } as const;
    assert.throws(() => server.receive(hello), { code: 'CANOPY_ERR_UNSUPPORTED_VERSION' });
    const client = new ClientHandshake(new FrameEncoder(), {
      role: 'sampler',
      name: 'n',
      auth: secret,
    });
    client.start();
    assert.throws(
      () => client.receive({ type: 'error', code: 'CANOPY_ERR_AUTH_REQUIRED', message: 'no' }),
      (e: unknown) =>
        e instanceof ProtocolError && e.code === 'CANOPY_ERR_AUTH_REQUIRED' && e.remote,
    );
    assert.throws(() => client.receive({ type: 'error', code: 'SOMETHING_ELSE', message: 'no' }), {
      code: 'CANOPY_ERR_PEER_ERROR',
    });
  });

  it('refuse empty secrets and empty names', () => {
    assert.throws(
      () =>
        new ClientHandshake(new FrameEncoder(), {
          role: 'client',
          name: 'n',
          auth: { mode: 'secret', secret: '' },
        }),
      { code: 'CANOPY_ERR_INVALID_ARGUMENT' },
    );
    assert.throws(
      () =>
        new ServerHandshake(new FrameEncoder(), {
          role: 'aggregator',
          name: '',
          auth: { mode: 'none' },
        }),
      { code: 'CANOPY_ERR_INVALID_ARGUMENT' },
    );
  });
});
