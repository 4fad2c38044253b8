import assert from 'node:assert/strict';
import { once } from 'node:events';
import { connect, createServer } from 'node:net';
import type { AddressInfo, Server, Socket } from 'node:net';
import { Transform } from 'node:stream';
import { after, describe, it } from 'node:test';
import { ManualClock } from '../common/index.js';
import { acceptWire, connectWire, connectWireStream } from './connect.js';
import type { AcceptWireOptions } from './connect.js';
import type { WireConnection } from './connection.js';
import { FrameDecoder } from './decoder.js';
import { ProtocolError } from './errors.js';
import type { AuthConfig } from './handshake.js';
import type { DataMessage, Message } from './messages.js';
import { duplexPair, mixedSet, sample, samplesEqual } from './test-helpers.js';

const SECRET: AuthConfig = { mode: 'secret', secret: 'correct horse battery staple' };
const servers: Server[] = [];
after(() => servers.forEach((s) => s.close()));

type Accepted = { conn: WireConnection } | { error: ProtocolError };

/** A loopback server that runs acceptWire on every connection and queues the outcomes. */
async function wireServer(
  opts: AcceptWireOptions,
): Promise<{ port: number; next: () => Promise<Accepted> }> {
  const outcomes: Promise<Accepted>[] = [];
  const waiters: ((p: Promise<Accepted>) => void)[] = [];
  const server = createServer((socket) => {
    const p = acceptWire(socket, opts).then(
      (conn) => ({ conn }),
      (error: ProtocolError) => ({ error }),
    );
    const w = waiters.shift();
    if (w) w(p);
    else outcomes.push(p);
  });
  servers.push(server);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    next: () =>
      outcomes.shift() ?? new Promise<Promise<Accepted>>((r) => waiters.push(r)).then((p) => p),
  };
}

/** Collects messages of a connection; next(type) returns the oldest not yet taken message of a type. */
function inbox(conn: WireConnection): { next: (type: Message['type']) => Promise<Message> } {
  const unread: Message[] = [];
  const waiting: { type: Message['type']; resolve: (m: Message) => void }[] = [];
  conn.onMessage((m) => {
    const i = waiting.findIndex((w) => w.type === m.type);
    if (i >= 0) waiting.splice(i, 1)[0]!.resolve(m);
    else unread.push(m);
  });
  return {
    next: (type) => {
      const i = unread.findIndex((m) => m.type === type);
      if (i >= 0) return Promise.resolve(unread.splice(i, 1)[0]!);
      return new Promise((resolve) => waiting.push({ type, resolve }));
    },
  };
}

function closed(conn: WireConnection): Promise<Error | undefined> {
  return new Promise((resolve) => conn.onClose(resolve));
}

const client = (port: number, auth: AuthConfig, name = 'node-1') =>
  connectWire({ host: '127.0.0.1', port, role: 'sampler', name, auth });

const okConn = (a: Accepted): WireConnection => {
  if ('error' in a) throw a.error;
  return a.conn;
};

describe('WireConnection over loopback TCP', () => {
  it('authenticates with a shared secret and carries schema, data and acks', async () => {
    const srv = await wireServer({ name: 'agg-1', auth: SECRET });
    const c = await client(srv.port, SECRET);
    const s = okConn(await srv.next());
    assert.deepEqual(c.peer, { name: 'agg-1', role: 'aggregator' });
    assert.deepEqual(s.peer, { name: 'node-1', role: 'sampler' });
    const sIn = inbox(s);
    const cIn = inbox(c);
    const one = sample(1000, [5, 0.25, NaN, -1], [undefined, undefined, 'ok', undefined]);
    c.sendSchema(3, mixedSet());
    const written = c.sendData(1, [{ setId: 3, sample: one }]);
    assert.ok(written > 0);
    const data = (await sIn.next('data')) as DataMessage;
    assert.ok(samplesEqual(data.entries[0]!.sample, one));
    assert.equal((await sIn.next('schema')).type, 'schema');
    s.sendAck(1);
    assert.deepEqual(await cIn.next('ack'), { type: 'ack', seq: 1 });
    // hello, auth, schema, data
    assert.equal(c.framesOut, 4);
    assert.equal(s.framesIn, 4);
    assert.equal(s.bytesIn, c.bytesOut);
    assert.equal(c.bytesIn, s.bytesOut);
    const closing = closed(s);
    c.close();
    assert.equal(await closing, undefined);
  });

  it('fails on both sides with a wrong secret', async () => {
    const srv = await wireServer({ name: 'agg-1', auth: SECRET });
    await assert.rejects(
      client(srv.port, { mode: 'secret', secret: 'wrong' }),
      (e: unknown) => e instanceof ProtocolError && e.code === 'CANOPY_ERR_AUTH_FAILED' && e.remote,
    );
    const outcome = await srv.next();
    assert.ok('error' in outcome && outcome.error.code === 'CANOPY_ERR_AUTH_FAILED');
  });

  it('accepts auth none from loopback', async () => {
    const srv = await wireServer({ name: 'agg-1', auth: { mode: 'none' } });
    const c = await client(srv.port, { mode: 'none' });
    const s = okConn(await srv.next());
    assert.equal(s.peer.name, 'node-1');
    c.close();
  });

  it('refuses auth none from a non-loopback address, on both sides', async () => {
    const [serverEnd, clientEnd] = duplexPair('10.9.8.7');
    const accepting = acceptWire(serverEnd, { name: 'agg-1', auth: { mode: 'none' } });
    const connecting = connectWireStream(clientEnd, {
      role: 'sampler',
      name: 'n',
      auth: { mode: 'none' },
    });
    await assert.rejects(accepting, { code: 'CANOPY_ERR_AUTH_REQUIRED' });
    await assert.rejects(connecting, { code: 'CANOPY_ERR_AUTH_REQUIRED' });
  });

  it('re-sends a lost schema when the receiver asks for it', async () => {
    const srv = await wireServer({ name: 'agg-1', auth: SECRET });
    const proxyPort = await dropFirstFrameProxy(srv.port, 0x10);
    const c = await client(proxyPort, SECRET);
    const s = okConn(await srv.next());
    const sIn = inbox(s);
    const cIn = inbox(c);
    c.sendSchema(8, mixedSet()); // dropped by the proxy
    c.sendData(1, [
      { setId: 8, sample: sample(1000, [1, 1.5, NaN, 1], [undefined, undefined, 'a', undefined]) },
    ]);
    const first = (await sIn.next('data')) as DataMessage;
    assert.deepEqual(first.unknownSetIds, [8]);
    assert.deepEqual(await cIn.next('schema-request'), { type: 'schema-request', setIds: [8] });
    const two = sample(2000, [2, 1.75, NaN, 1], [undefined, undefined, 'a', undefined]);
    c.sendData(2, [{ setId: 8, sample: two }]);
    const schema = await sIn.next('schema');
    assert.equal(schema.type === 'schema' && schema.setId, 8);
    const second = (await sIn.next('data')) as DataMessage;
    assert.deepEqual(second.unknownSetIds, []);
    assert.ok(samplesEqual(second.entries[0]!.sample, two));
    c.close();
  });

  it('closes a garbage-sending client and keeps serving another client', async () => {
    const srv = await wireServer({ name: 'agg-1', auth: SECRET });
    const good = await client(srv.port, SECRET, 'good');
    const goodServer = okConn(await srv.next());
    const goodIn = inbox(goodServer);

    const raw = connect(srv.port, '127.0.0.1');
    const received: Buffer[] = [];
    raw.on('data', (d: Buffer) => received.push(d));
    raw.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    const outcome = await srv.next();
    assert.ok('error' in outcome && outcome.error.code === 'CANOPY_ERR_BAD_MAGIC');
    await once(raw, 'close');
    const reply = new FrameDecoder().push(Buffer.concat(received));
    assert.deepEqual(
      reply.map((m) => m.type === 'error' && m.code),
      ['CANOPY_ERR_BAD_MAGIC'],
    );

    good.sendSchema(1, mixedSet());
    good.sendData(9, [
      { setId: 1, sample: sample(5, [1, 2, NaN, 3], [undefined, undefined, 'z', undefined]) },
    ]);
    assert.equal(((await goodIn.next('data')) as DataMessage).seq, 9);
    good.close();
  });

  it('closes only the offending connection on a malformed frame after the handshake', async () => {
    const srv = await wireServer({ name: 'agg-1', auth: SECRET });
    const socket = connect(srv.port, '127.0.0.1');
    await once(socket, 'connect');
    const c = await connectWireStream(socket, { role: 'sampler', name: 'n', auth: SECRET });
    const s = okConn(await srv.next());
    const serverClosed = closed(s);
    const clientClosed = closed(c);
    socket.write(Uint8Array.of(0x43, 0x4e, 1, 0x7e, 0, 0, 0, 0, 0, 0));
    const local = await serverClosed;
    const remote = await clientClosed;
    assert.ok(
      local instanceof ProtocolError &&
        local.code === 'CANOPY_ERR_UNKNOWN_MESSAGE' &&
        !local.remote,
    );
    assert.ok(
      remote instanceof ProtocolError &&
        remote.code === 'CANOPY_ERR_UNKNOWN_MESSAGE' &&
        remote.remote,
    );
    assert.throws(() => c.sendAck(1), { code: 'CANOPY_ERR_CONNECTION_CLOSED' });
    await assert.rejects(c.waitDrain(), { code: 'CANOPY_ERR_CONNECTION_CLOSED' });
  });

  it('refuses data for a set whose schema was not sent on this connection', async () => {
    const srv = await wireServer({ name: 'agg-1', auth: SECRET });
    const c = await client(srv.port, SECRET);
    okConn(await srv.next());
    assert.throws(() => c.sendData(1, [{ setId: 5, sample: sample(1, [1, 2, NaN, 3]) }]), {
      code: 'CANOPY_ERR_UNKNOWN_SET',
    });
    assert.equal(c.writableNeedDrain, false);
    await c.waitDrain();
    c.close();
  });

  it('reports a refused TCP connection as retryable', async () => {
    const probe = createServer();
    probe.listen(0, '127.0.0.1');
    await once(probe, 'listening');
    const port = (probe.address() as AddressInfo).port;
    probe.close();
    await once(probe, 'close');
    await assert.rejects(
      client(port, SECRET),
      (e: unknown) =>
        e instanceof ProtocolError && e.code === 'CANOPY_ERR_CONNECT_FAILED' && e.retryable,
    );
  });
});

describe('WireConnection over an in-memory stream', () => {
  it('times out a silent peer on the injected clock', async () => {
    const clock = new ManualClock(0);
    const [serverEnd] = duplexPair();
    const accepting = acceptWire(serverEnd, {
      name: 'agg',
      auth: SECRET,
      clock,
      handshakeTimeoutMs: 5000,
    });
    clock.advance(4999);
    clock.advance(1);
    await assert.rejects(
      accepting,
      (e: unknown) =>
        e instanceof ProtocolError && e.code === 'CANOPY_ERR_HANDSHAKE_TIMEOUT' && e.retryable,
    );
  });

  it('delivers messages that arrive before the first handler is registered', async () => {
    const [a, b] = duplexPair();
    const [s, c] = await Promise.all([
      acceptWire(a, { name: 'agg', auth: SECRET }),
      connectWireStream(b, { role: 'client', name: 'put', auth: SECRET }),
    ]);
    c.sendControl({ op: 'hello' });
    c.sendSummary({ n: 1 });
    await new Promise((r) => setImmediate(r));
    const got: Message[] = [];
    s.onMessage((m) => got.push(m));
    await Promise.resolve();
    assert.deepEqual(got, [
      { type: 'control', body: { op: 'hello' } },
      { type: 'summary', body: { n: 1 } },
    ]);
    c.close();
  });

  it('closes the connection when a message handler throws, and tells the peer', async () => {
    const [a, b] = duplexPair();
    const [s, c] = await Promise.all([
      acceptWire(a, { name: 'agg', auth: SECRET }),
      connectWireStream(b, { role: 'client', name: 'put', auth: SECRET }),
    ]);
    s.onMessage(() => {
      throw new Error('boom');
    });
    const sClosed = closed(s);
    const cClosed = closed(c);
    c.sendAck(1);
    assert.equal(((await sClosed) as ProtocolError).code, 'CANOPY_ERR_HANDLER_FAILED');
    assert.equal(((await cClosed) as ProtocolError).code, 'CANOPY_ERR_HANDLER_FAILED');
  });
});

/** A TCP proxy to `port` that drops the first client→server frame of `type`. */
async function dropFirstFrameProxy(port: number, type: number): Promise<number> {
  const proxy = createServer((inbound: Socket) => {
    const outbound = connect(port, '127.0.0.1');
    let pending = Buffer.alloc(0);
    let dropped = false;
    const filter = new Transform({
      transform(chunk: Buffer, _enc, cb) {
        pending = Buffer.concat([pending, chunk]);
        const keep: Buffer[] = [];
        while (pending.length >= 10 && pending.length >= 10 + pending.readUInt32LE(6)) {
          const frame = pending.subarray(0, 10 + pending.readUInt32LE(6));
          pending = pending.subarray(frame.length);
          if (!dropped && frame[3] === type) dropped = true;
          else keep.push(frame);
        }
        cb(null, Buffer.concat(keep));
      },
    });
    inbound.pipe(filter).pipe(outbound);
    outbound.pipe(inbound);
    const end = (): void => {
      inbound.destroy();
      outbound.destroy();
    };
    inbound.on('error', end).on('close', end);
    outbound.on('error', end).on('close', end);
  });
  servers.push(proxy);
  proxy.listen(0, '127.0.0.1');
  await once(proxy, 'listening');
  return (proxy.address() as AddressInfo).port;
}
