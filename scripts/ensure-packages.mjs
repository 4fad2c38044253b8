// Installs the Debian packages the test suite uses as real peers (listed in
// .ci/apt-packages) when they are missing: `npm test` must work on a fresh
// machine. Needs root; otherwise it says what to install and carries on (the
// tests that need a missing program then fail with a clear message).
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

export function ensurePackages(listFile = '.ci/apt-packages') {
  let wanted;
  try {
    wanted = readFileSync(listFile, 'utf8')
      .split('\n')
      .map((l) => l.replace(/#.*/, '').trim())
      .filter(Boolean);
  } catch {
    return;
  }
  const missing = wanted.filter(
    (pkg) => spawnSync('dpkg', ['-s', pkg], { stdio: 'ignore' }).status !== 0,
  );
  if (missing.length === 0) return;
  if (process.getuid?.() !== 0) {
    console.warn(`run-tests: missing Debian packages (install as root): ${missing.join(' ')}`);
    return;
  }
  console.log(`run-tests: installing Debian packages: ${missing.join(' ')}`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const run = (args) => spawnSync('apt-get', args, { stdio: 'inherit', env }).status === 0;
  if (
    !run(['update', '-qq']) ||
    !run(['install', '-y', '-qq', '--no-install-recommends', ...missing])
  )
    console.warn('run-tests: apt-get failed; tests that need these packages will fail');
}
