#!/usr/bin/env node
import { main } from '../cli/index.js';

// Thin entry point: signals become the stop promise every daemon waits on.
// Daemon timers are unref()ed, so a referenced timer keeps the process alive
// until a signal arrives (a sampler with no open socket would otherwise exit).
let keepAlive: NodeJS.Timeout | undefined;
const stopSignal = new Promise<void>((resolve) => {
  keepAlive = setInterval(() => undefined, 1 << 30);
  const stop = (): void => {
    clearInterval(keepAlive);
    resolve();
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
});

const code = await main(process.argv.slice(2), {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  stopSignal,
});
clearInterval(keepAlive);
process.exitCode = code;
// Daemons unref their timers; make sure a stopped stack also ends the process.
setTimeout(() => process.exit(code), 2000).unref();
