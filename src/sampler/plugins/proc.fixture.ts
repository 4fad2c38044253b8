/**
 * Small /proc trees for the plugin tests, embedded as strings because tsc
 * does not copy data files into dist/. Values are hand-made so deltas and
 * percentages are known exactly.
 */

/** /proc/stat at t0: two CPUs; the total line is their sum. */
export const STAT_T0 = `cpu  10000 100 3000 80000 500 0 400 0 50 0
cpu0 5000 50 1500 40000 250 0 200 0 25 0
cpu1 5000 50 1500 40000 250 0 200 0 25 0
intr 115985 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 1 1 13
ctxt 273953
btime 1795454148
processes 3422
procs_running 2
procs_blocked 0
softirq 47664 0 6159 5 4574 7827 0 3 15539 0 13557
`;

/**
 * /proc/stat at t1, 200 ticks per CPU later. cpu0 moved user+60 (30 of them
 * guest) system+20 idle+100 iowait+10 softirq+10; cpu1 user+20 nice+20
 * system+20 idle+120 irq+10 steal+10.
 */
export const STAT_T1 = `cpu  10080 120 3040 80220 510 10 410 10 80 0
cpu0 5060 50 1520 40100 260 0 210 0 55 0
cpu1 5020 70 1520 40120 250 10 200 10 25 0
intr 116985 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 1 1 13
ctxt 275953
btime 1795454148
processes 3430
procs_running 3
procs_blocked 1
softirq 47964 0 6159 5 4574 7827 0 3 15539 0 13857
`;

/** Expected shares (%) of each CPU block between STAT_T0 and STAT_T1. */
export const STAT_SHARES: Readonly<Record<string, Readonly<Record<string, number>>>> = {
  '': { user: 20, nice: 5, system: 10, idle: 55, iowait: 2.5, irq: 2.5, softirq: 2.5, steal: 2.5 },
  'cpu0:': { user: 30, nice: 0, system: 10, idle: 50, iowait: 5, irq: 0, softirq: 5, steal: 0 },
  'cpu1:': { user: 10, nice: 10, system: 10, idle: 60, iowait: 0, irq: 5, softirq: 0, steal: 5 },
};

/** /proc/meminfo: kB lines and unit-less HugePages counts. */
export const MEMINFO = `MemTotal:       24684084 kB
MemFree:        24277056 kB
MemAvailable:   24378736 kB
Buffers:            1284 kB
Cached:           303472 kB
Active(anon):       1520 kB
HugePages_Total:       0
HugePages_Free:        0
Hugepagesize:       2048 kB
`;

/** /proc/vmstat: gauges, an nr_ counter, a kB counter, event counters. */
export const VMSTAT = `nr_free_pages 969332
nr_dirtied 4412
workingset_nodes 17
pgpgin 317909
pgfault 1234567
oom_kill 0
`;

/** /proc/loadavg. */
export const LOADAVG = `0.10 0.08 0.03 1/86 3423
`;

/** /proc/net/dev: a counter glued to the interface colon, as the kernel prints large values. */
export const NET_DEV = `Inter-|   Receive                                                |  Transmit
 face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed
    lo:    3193      29    0    0    0     0          0         0     3193      29    0    0    0     0       0          0
  eth0:142824966    4229    1    2    3     4          5         6   279390    2357    7    8    9    10      11         12
`;

/** NET_DEV after a docker bridge appeared. */
export const NET_DEV_WITH_BRIDGE = `${NET_DEV}docker0:       0       0    0    0    0     0          0         0        0       0    0    0    0     0       0          0
`;

/** Modern kernel: 17 columns; loop and ram devices present. */
export const DISKSTATS = `   7       0 loop0 10 0 20 1 0 0 0 0 0 1 1 0 0 0 0 0 0
   1       0 ram0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0
 254       0 vda 7839 3659 635818 2337 981 8911 502360 1594 2 1176 4104 3093 19 38384 172 4 9
 254       1 vda1 7000 3000 600000 2000 900 8000 500000 1500 0 1000 3500 3000 10 38000 170 0 0
`;

/** An older kernel (pre-4.18): 11 columns only. */
export const DISKSTATS_OLD = `   8       0 sda 100 1 2000 30 50 2 800 40 0 60 70
`;

/** A process tree: sshd, a process whose name contains parentheses, a kernel thread, one that vanished. */
export const PID_FILES: Readonly<Record<string, string>> = {
  '100/stat':
    '100 (sshd) S 1 100 100 0 -1 4194560 1500 0 5 0 120 45 0 0 20 0 1 0 5000 15000000 1200 18446744073709551615 1 1 0 0 0 0 0 4096 1256 0 0 0 17 1 0 0 0 0 0\n',
  '100/status':
    'Name:\tsshd\nState:\tS (sleeping)\nVmSize:\t   14648 kB\nVmRSS:\t    4800 kB\nThreads:\t1\nvoluntary_ctxt_switches:\t300\nnonvoluntary_ctxt_switches:\t12\n',
  '100/cmdline': '/usr/sbin/sshd\0-D\0',
  '200/stat':
    '200 (my (odd) proc) R 1 200 200 0 -1 4194304 99 0 0 0 700 300 0 0 20 0 4 0 9000 250000000 30000 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 0 0 0 0 0 0\n',
  '200/status':
    'Name:\tmy (odd) proc\nState:\tR (running)\nVmRSS:\t  120000 kB\nThreads:\t4\nvoluntary_ctxt_switches:\t5\nnonvoluntary_ctxt_switches:\t7\n',
  '200/cmdline': 'python3\0worker.py\0--fast\0',
  '300/stat':
    '300 (sshd) S 1 300 300 0 -1 4194560 1 0 0 0 1 1 0 0 20 0 1 0 9100 15000000 900 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 0 0 0 0 0 0\n',
  '400/stat':
    '400 (kworker/0:1) I 2 0 0 0 -1 69238880 0 0 0 0 3 9 0 0 20 0 1 0 40 0 0 18446744073709551615 0 0 0 0 0 0 0 2147483647 0 0 0 0 17 0 0 0 0 0 0\n',
  '400/status':
    'Name:\tkworker/0:1\nState:\tI (idle)\nThreads:\t1\nvoluntary_ctxt_switches:\t4000\nnonvoluntary_ctxt_switches:\t3\n',
  '400/cmdline': '',
};
