import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { silentLogger } from '../common/index.js';
import { EXIT } from './errors.js';
import { joinNegativeValues, main } from './main.js';

async function run(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(argv, {
    stdout: (t) => (out += t),
    stderr: (t) => (err += t),
    logger: silentLogger,
    stopSignal: Promise.resolve(),
  });
  return { code, out, err };
}

test('every command answers --help with its usage and exit 0', async () => {
  for (const cmd of ['up', 'sampler', 'aggregator', 'put', 'query']) {
    const r = await run([cmd, '--help']);
    assert.equal(r.code, EXIT.ok, cmd);
    assert.match(r.out, new RegExp(`canopy ${cmd}`), cmd);
    assert.match(r.out, /Options:/, cmd);
  }
  const top = await run(['--help']);
  assert.equal(top.code, EXIT.ok);
  assert.match(top.out, /Commands:/);
});

test('unknown commands and options are usage errors (exit 2) that say what is wrong', async () => {
  const unknown = await run(['frobnicate']);
  assert.equal(unknown.code, EXIT.usage);
  assert.match(unknown.err, /unknown command 'frobnicate'/);
  const badOpt = await run(['query', 'A::h:m', '--colour']);
  assert.equal(badOpt.code, EXIT.usage);
  assert.match(badOpt.err, /--colour/);
  const noSel = await run(['query']);
  assert.equal(noSel.code, EXIT.usage);
  assert.match(noSel.err, /selector is required/);
});

test('put validates its value against the type before touching the network', async () => {
  const nan = await run(['put', '--name', 'x', '--value', 'abc']);
  assert.equal(nan.code, EXIT.usage);
  assert.match(nan.err, /--value: "abc" is not a number/);
  const frac = await run(['put', '--name', 'x', '--value', '1.5', '--type', 'u64']);
  assert.equal(frac.code, EXIT.usage);
  assert.match(frac.err, /not an integer/);
  const badName = await run(['put', '--name', 'a b', '--value', '1']);
  assert.equal(badName.code, EXIT.usage);
  assert.match(badName.err, /not valid/);
});

test('put to a port where nobody listens exits 3 (unavailable)', async () => {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const { port } = server.address() as { port: number };
  await new Promise<void>((r) => server.close(() => r()));
  const r = await run([
    'put',
    '--name',
    'x',
    '--value',
    '1',
    '--to',
    `127.0.0.1:${port}`,
    '--timeout',
    '2s',
  ]);
  assert.equal(r.code, EXIT.unavailable);
  assert.match(r.err, /connect/i);
});

test('a world-readable secret file is refused', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'canopy-secret-'));
  const path = join(dir, 'secret');
  writeFileSync(path, '0123456789abcdef0123456789abcdef');
  chmodSync(path, 0o644);
  const r = await run([
    'aggregator',
    '--secret-file',
    path,
    '--listen',
    '127.0.0.1:0',
    '--api',
    'off',
  ]);
  assert.equal(r.code, EXIT.usage);
  assert.match(r.err, /world-readable/);
});

test('an offset not below the interval is refused', async () => {
  const r = await run(['up', '--interval', '1s', '--offset', '1s', '--port', '0']);
  assert.equal(r.code, EXIT.usage);
  assert.match(r.err, /--offset/);
});

test('query against an API that is not running exits 3', async () => {
  const r = await run(['query', 'A::h:m', '--api', 'http://127.0.0.1:9']);
  assert.equal(r.code, EXIT.unavailable);
  assert.match(r.err, /cannot reach/);
});

test('an option followed by a negative duration takes it as its value', () => {
  assert.deepEqual(joinNegativeValues(['query', 'A::h:m', '--from', '-2h', '--follow']), [
    'query',
    'A::h:m',
    '--from=-2h',
    '--follow',
  ]);
  assert.deepEqual(joinNegativeValues(['query', '--to', 'now', '-h']), [
    'query',
    '--to',
    'now',
    '-h',
  ]);
});
