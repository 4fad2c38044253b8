#!/usr/bin/env node
// Runs every compiled test file under dist/ with node:test. Node 20 does not
// expand globs, so the files are listed here. The run fails when no test ran,
// so a broken build or an empty glob can never pass silently.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensurePackages } from './ensure-packages.mjs';

const roots = process.argv.slice(2).length > 0 ? process.argv.slice(2) : ['dist/src', 'dist/test'];

function collect(dir, out) {
  let entries;
  try {
    entries = readdirSync(dir);
  } catch {
    return out;
  }
  for (const name of entries.sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) collect(path, out);
    else if (name.endsWith('.test.js')) out.push(path);
  }
  return out;
}

const files = roots.flatMap((root) => (root.endsWith('.js') ? [root] : collect(root, [])));
if (files.length === 0) {
  console.error('run-tests: no test files found under', roots.join(', '));
  process.exit(1);
}

ensurePackages();

const tapFile = join(mkdtempSync(join(tmpdir(), 'canopy-tests-')), 'report.tap');
const result = spawnSync(
  process.execPath,
  [
    '--enable-source-maps',
    '--test',
    '--test-concurrency=2',
    // No single test may hang the suite.
    '--test-timeout=180000',
    '--test-reporter=spec',
    '--test-reporter-destination=stdout',
    '--test-reporter=tap',
    `--test-reporter-destination=${tapFile}`,
    ...files,
  ],
  { stdio: 'inherit' },
);

const tap = readFileSync(tapFile, 'utf8');
const count = (key) => Number(new RegExp(`^# ${key} (\\d+)$`, 'm').exec(tap)?.[1] ?? 0);
const tests = count('tests');
const passed = count('pass');
const failed = count('fail');
const skipped = count('skipped');
console.log(`\n${passed} passed, ${failed} failed, ${skipped} skipped`);
if (tests === 0) {
  console.error('run-tests: zero tests ran');
  process.exit(1);
}
process.exit(result.status === 0 && failed === 0 ? 0 : 1);
