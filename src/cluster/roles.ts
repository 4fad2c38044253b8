import type { ConfigReader } from '../common/index.js';
import type { AggregatorEntry } from './aggregators.js';
import { quoteList } from './read-helpers.js';
import type { Registry } from './registry.js';
import type { SamplerEntry } from './samplers.js';

/** What a daemon is, and the entry that says so. */
export interface Role {
  readonly role: 'sampler' | 'aggregator';
  readonly group: string;
  readonly where: string;
}

function claim(
  r: ConfigReader,
  roles: Map<string, Role>,
  section: 'aggregators' | 'samplers',
  index: number,
  e: { group: string; members: readonly string[] },
): void {
  const role = section === 'aggregators' ? 'aggregator' : 'sampler';
  const where = `${section}[${index}]`;
  const taken = e.members.filter((m) => roles.has(m));
  if (taken.length > 0) {
    const first = roles.get(taken[0]!)!;
    r.fail(
      [section, index, 'daemons'],
      `daemons ${quoteList(taken)} are already in ${first.where} (a daemon is in one samplers or aggregators entry)`,
    );
  }
  for (const m of e.members) if (!roles.has(m)) roles.set(m, { role, group: e.group, where });
}

/**
 * Give every daemon its role from the one samplers or aggregators entry that
 * names it. A daemon in no entry is a problem (it would run nothing), unless
 * some reference did not resolve: then that is the problem to fix first.
 */
export function assignRoles(
  r: ConfigReader,
  reg: Registry,
  aggs: readonly AggregatorEntry[],
  samplers: readonly SamplerEntry[],
): Map<string, Role> {
  const roles = new Map<string, Role>();
  for (const a of aggs) claim(r, roles, 'aggregators', a.index, a.spec);
  for (const s of samplers) claim(r, roles, 'samplers', s.index, s.spec);
  if (reg.unresolved > 0) return roles;
  const unused = new Map<number, string[]>();
  for (const d of reg.daemons.values()) {
    if (!roles.has(d.name)) unused.set(d.entry, [...(unused.get(d.entry) ?? []), d.name]);
  }
  for (const [entry, names] of unused)
    r.fail(
      ['daemons', entry, 'names'],
      `daemons ${quoteList(names)} are in no samplers or aggregators entry`,
    );
  return roles;
}

/**
 * Every sampler daemon must be a peer of exactly one aggregator group: with
 * none its data goes nowhere, with two it would be collected twice.
 */
export function checkSamplerCoverage(
  r: ConfigReader,
  reg: Registry,
  aggs: readonly AggregatorEntry[],
  samplers: readonly SamplerEntry[],
  roles: Map<string, Role>,
): void {
  if (reg.unresolved > 0) return;
  const consumers = new Map<string, string[]>();
  for (const a of aggs) {
    for (const p of a.producers) consumers.set(p, [...(consumers.get(p) ?? []), a.spec.group]);
  }
  for (const s of samplers) {
    const path = ['samplers', s.index, 'daemons'];
    const own = s.spec.members.filter((m) => roles.get(m)?.where === `samplers[${s.index}]`);
    const none = own.filter((m) => !consumers.has(m));
    if (none.length > 0)
      r.fail(
        path,
        `sampler daemons ${quoteList(none)} are not a peer of any aggregator group (nothing collects their data)`,
      );
    const many = own.filter((m) => (consumers.get(m)?.length ?? 0) > 1);
    if (many.length > 0) {
      const groups = consumers
        .get(many[0]!)!
        .map((g) => `'${g}'`)
        .join(', ');
      r.fail(
        path,
        `sampler daemons ${quoteList(many)} are peers of several aggregator groups (${groups}); each must be a peer of exactly one`,
      );
    }
  }
}
