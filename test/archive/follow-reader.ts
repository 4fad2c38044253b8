/**
 * Child process of the follow test: follows an archive another process
 * writes and prints `got <key> <t>` for every sample delivered. Prints
 * `ready` once following; exits when stdin closes.
 *
 * Usage: node follow-reader.js DIR
 */
import { ArchiveReader } from '../../src/archive/index.js';

const dir = process.argv[2]!;
const r = await ArchiveReader.open(dir);
const stop = r.follow(
  (samples) => {
    let out = '';
    for (const s of samples) out += `got ${s.key} ${s.sample.timestampMs} ${s.sample.values[0]}\n`;
    process.stdout.write(out);
  },
  { pollMs: 200, onError: (err) => process.stderr.write(`follow error: ${String(err)}\n`) },
);
process.stdout.write('ready\n');
process.stdin.resume();
process.stdin.on('end', () => {
  stop();
  void r.close().then(() => process.exit(0));
});
