/**
 * Real etcd servers for tests: each member runs `/usr/bin/etcd` (Debian
 * package `etcd-server`) on free loopback ports with a temporary data dir,
 * and is killed when the test process exits, whatever happens.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { get } from 'node:http';
import { freePort } from './ports.js';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Override with CANOPY_ETCD_BIN to test against another build. */
const ETCD_BIN = process.env['CANOPY_ETCD_BIN'] ?? '/usr/bin/etcd';
const HEALTH_TIMEOUT_MS = 20_000;

/** One running etcd member. */
export interface EtcdServer {
  /** `127.0.0.1:port` of the client listener. */
  readonly endpoint: string;
  /** `etcd://127.0.0.1:port`, as openCoord takes it. */
  readonly url: string;
  readonly dataDir: string;
  /** Kill the member for good and remove its data dir. */
  stop(): Promise<void>;
  /** Send a signal (SIGSTOP freezes it, SIGCONT thaws it); waits for exit when the signal ends it. */
  kill(signal: NodeJS.Signals): Promise<void>;
  /** Stop the member if it runs (SIGTERM) and start it again on the same ports and data dir. */
  restart(): Promise<void>;
}

/** A cluster of members that know each other. */
export interface EtcdCluster {
  readonly members: readonly EtcdServer[];
  readonly endpoints: readonly string[];
  /** `etcd://h:p,h:p,h:p`. */
  readonly url: string;
  stop(): Promise<void>;
}

interface MemberSpec {
  name: string;
  clientPort: number;
  peerPort: number;
  dataDir: string;
  initialCluster: string;
  clusterToken: string;
}

const running = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

function requireEtcd(): void {
  if (!existsSync(ETCD_BIN)) {
    throw new Error(
      `etcd binary not found at ${ETCD_BIN}: install it (apt-get install -y etcd-server) or set CANOPY_ETCD_BIN`,
    );
  }
}

function etcdArgs(m: MemberSpec): string[] {
  const client = `http://127.0.0.1:${m.clientPort}`;
  const peer = `http://127.0.0.1:${m.peerPort}`;
  return [
    ['--name', m.name],
    ['--data-dir', m.dataDir],
    ['--listen-client-urls', client],
    ['--advertise-client-urls', client],
    ['--listen-peer-urls', peer],
    ['--initial-advertise-peer-urls', peer],
    ['--initial-cluster', m.initialCluster],
    ['--initial-cluster-token', m.clusterToken],
    ['--initial-cluster-state', 'new'],
    ['--heartbeat-interval', '100'],
    ['--election-timeout', '1000'],
    ['--log-level', 'error'],
    ['--logger', 'zap'],
  ].flat();
}

function healthy(clientPort: number): Promise<boolean> {
  return new Promise((resolve) => {
    const req = get(
      { host: '127.0.0.1', port: clientPort, path: '/health', timeout: 1000 },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve(res.statusCode === 200 && body.includes('"true"')));
        res.on('error', () => resolve(false));
      },
    );
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
  });
}

async function waitHealthy(
  clientPort: number,
  child: ChildProcess,
  stderr: () => string,
): Promise<void> {
  const deadline = Date.now() + HEALTH_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`etcd exited (${child.exitCode ?? child.signalCode}): ${stderr()}`);
    }
    if (await healthy(clientPort)) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(
    `etcd on port ${clientPort} not healthy after ${HEALTH_TIMEOUT_MS} ms: ${stderr()}`,
  );
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

/** A member process that can be signalled, restarted and stopped. */
class EtcdMember implements EtcdServer {
  readonly #spec: MemberSpec;
  #child: ChildProcess | undefined;
  #stderr = '';
  readonly endpoint: string;
  readonly url: string;
  readonly dataDir: string;

  constructor(spec: MemberSpec) {
    this.#spec = spec;
    this.endpoint = `127.0.0.1:${spec.clientPort}`;
    this.url = `etcd://${this.endpoint}`;
    this.dataDir = spec.dataDir;
  }

  /** Spawn the process; `waitHealthy` is separate because cluster members only get healthy together. */
  spawn(): ChildProcess {
    this.#stderr = '';
    const child = spawn(ETCD_BIN, etcdArgs(this.#spec), { stdio: ['ignore', 'ignore', 'pipe'] });
    child.stderr?.setEncoding('utf8');
    // Keep the tail only: enough to explain a failed start.
    child.stderr?.on(
      'data',
      (chunk: string) => (this.#stderr = (this.#stderr + chunk).slice(-4000)),
    );
    child.on('error', (err) => (this.#stderr += String(err)));
    running.add(child);
    child.once('exit', () => running.delete(child));
    this.#child = child;
    return child;
  }

  waitHealthy(): Promise<void> {
    const child = this.#child;
    if (child === undefined) return Promise.reject(new Error('etcd member not started'));
    return waitHealthy(this.#spec.clientPort, child, () => this.#stderr);
  }

  async kill(signal: NodeJS.Signals): Promise<void> {
    const child = this.#child;
    if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
    child.kill(signal);
    if (signal === 'SIGKILL' || signal === 'SIGTERM' || signal === 'SIGINT') await exited(child);
    // Signals arrive asynchronously: a test that freezes etcd must not race a
    // request that is still answered. Wait until the kernel says it is stopped
    // (or running again).
    if (signal === 'SIGSTOP' || signal === 'SIGCONT')
      await processState(child.pid, signal === 'SIGSTOP');
  }

  async restart(): Promise<void> {
    await this.#terminate();
    this.spawn();
    await this.waitHealthy();
  }

  async #terminate(): Promise<void> {
    const child = this.#child;
    if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
    // A frozen (SIGSTOP) process would ignore SIGTERM until thawed.
    child.kill('SIGCONT');
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exited(child);
    clearTimeout(timer);
  }

  async stop(): Promise<void> {
    const child = this.#child;
    if (child !== undefined && child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await exited(child);
    }
    rmSync(this.dataDir, { recursive: true, force: true });
  }
}

async function memberSpecs(count: number): Promise<MemberSpec[]> {
  const token = `canopy-test-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  const specs: MemberSpec[] = [];
  for (let i = 0; i < count; i++) {
    specs.push({
      name: `m${i}`,
      clientPort: await freePort(),
      peerPort: await freePort(),
      dataDir: mkdtempSync(join(tmpdir(), `canopy-etcd-m${i}-`)),
      initialCluster: '',
      clusterToken: token,
    });
  }
  const initialCluster = specs.map((s) => `${s.name}=http://127.0.0.1:${s.peerPort}`).join(',');
  return specs.map((s) => ({ ...s, initialCluster }));
}

/** Start one etcd member on free loopback ports; resolves once `/health` says true. */
export async function startEtcd(): Promise<EtcdServer> {
  requireEtcd();
  const [spec] = await memberSpecs(1);
  const member = new EtcdMember(spec!);
  member.spawn();
  try {
    await member.waitHealthy();
  } catch (err) {
    await member.stop();
    throw err;
  }
  return member;
}

/** Start a cluster of `count` members (3 for quorum-loss tests); resolves once every member is healthy. */
export async function startEtcdCluster(count: number): Promise<EtcdCluster> {
  requireEtcd();
  const members = (await memberSpecs(count)).map((s) => new EtcdMember(s));
  for (const m of members) m.spawn();
  const stop = async (): Promise<void> => {
    await Promise.all(members.map((m) => m.stop()));
  };
  try {
    await Promise.all(members.map((m) => m.waitHealthy()));
  } catch (err) {
    await stop();
    throw err;
  }
  const endpoints = members.map((m) => m.endpoint);
  return { members, endpoints, url: `etcd://${endpoints.join(',')}`, stop };
}

/** Wait (≤ 2 s) until /proc says the process is stopped (`T`) or not. */
async function processState(pid: number | undefined, stopped: boolean): Promise<void> {
  if (pid === undefined) return;
  const deadline = Date.now() + 2000;
  while (Date.now() < deadline) {
    let state = '';
    try {
      // Format: "pid (comm) S …"; comm may contain spaces, the state follows the last ')'.
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    } catch {
      return;
    }
    if ((state === 'T' || state === 't') === stopped) return;
    await new Promise((r) => setTimeout(r, 5));
  }
}
