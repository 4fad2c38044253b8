import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { silentLogger } from '../common/index.js';
import { COORD_ERROR_CODES, CoordError } from './errors.js';
import { openCoord, parseCoordUrl } from './open-coord.js';

test('coordination URLs name etcd endpoints, a directory, or memory', () => {
  assert.deepEqual(parseCoordUrl('etcd://10.0.0.1:2379,10.0.0.2:2379'), {
    kind: 'etcd',
    endpoints: ['10.0.0.1:2379', '10.0.0.2:2379'],
  });
  assert.deepEqual(parseCoordUrl('http://etcd-1:2379/'), {
    kind: 'etcd',
    endpoints: ['etcd-1:2379'],
  });
  assert.deepEqual(parseCoordUrl('etcd://[::1]:2379'), { kind: 'etcd', endpoints: ['[::1]:2379'] });
  assert.deepEqual(parseCoordUrl('file:/var/lib/canopy/coord'), {
    kind: 'embedded',
    dir: '/var/lib/canopy/coord',
  });
  assert.deepEqual(parseCoordUrl('file://./state'), { kind: 'embedded', dir: './state' });
  assert.deepEqual(parseCoordUrl('memory:'), { kind: 'embedded', dir: undefined });
});

test('a bad coordination URL is refused with CANOPY_ERR_COORD_URL saying why', () => {
  const cases: [string, RegExp][] = [
    ['etcd://', /is not host:port/],
    ['etcd://host', /'host' is not host:port/],
    ['etcd://a:1,b:99999', /'b:99999'/],
    ['https://a:2379', /TLS/],
    ['redis://a:1', /unknown scheme/],
    ['file:', /no directory/],
    ['', /unknown scheme/],
  ];
  for (const [url, why] of cases) {
    assert.throws(
      () => parseCoordUrl(url),
      (err: unknown) =>
        err instanceof CoordError && err.code === COORD_ERROR_CODES.url && why.test(err.message),
      url,
    );
  }
});

test('openCoord opens the embedded store in memory and on disk', async () => {
  const mem = await openCoord('memory:', { logger: silentLogger });
  assert.equal(mem.kind, 'embedded');
  await mem.put('/k', 'v');
  await mem.close();
  const dir = mkdtempSync(join(tmpdir(), 'canopy-open-'));
  const disk = await openCoord(`file:${dir}`, { logger: silentLogger });
  await disk.put('/k', 'v');
  await disk.close();
  const again = await openCoord(`file:${dir}`, { logger: silentLogger });
  assert.equal((await again.get('/k'))?.value, 'v');
  await again.close();
  rmSync(dir, { recursive: true });
});
