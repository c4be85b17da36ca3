/**
 * The hub's gate policy, from configuration: how many distinct approvers each gate needs (per kind
 * where it differs), and how waits are chased. The API fixes it into each onboarding when it starts.
 */
import { defaultGatePolicy, defaultJwsKeyOverlapMs, gateNames, supportedKinds } from '../workflows/messages';
import type { GateName, GatePolicy, SupportedKind, WaitTimers } from '../workflows/messages';

export interface GatePolicyConfig {
  /** Approvals per gate, for every kind (`go-live=2`) or one kind (`tpp.contract=2`, which wins). */
  approvals: { kind: SupportedKind | null; gate: GateName; count: number }[];
  timers: WaitTimers;
  renewalLeadMs: number;
  jwsKeyOverlapMs: number;
}

export const defaultGatePolicyConfig: GatePolicyConfig = {
  approvals: Object.entries(defaultGatePolicy.approvals).map(([gate, count]) => ({
    kind: null,
    gate: gate as GateName,
    count: count as number,
  })),
  timers: defaultGatePolicy.timers,
  renewalLeadMs: defaultGatePolicy.renewalLeadMs,
  jwsKeyOverlapMs: defaultJwsKeyOverlapMs,
};

/** `go-live=2,tpp.contract=1` → entries; an unknown gate or kind, or a count outside 1-10, is refused with a message. */
export function parseApprovals(text: string): GatePolicyConfig['approvals'] | string {
  const entries: GatePolicyConfig['approvals'] = [];
  for (const raw of text
    .split(',')
    .map((e) => e.trim())
    .filter((e) => e !== '')) {
    const match = /^(?:([a-z]+)\.)?([a-z-]+)=(\d{1,2})$/.exec(raw);
    if (!match) return `"${raw}" is not [kind.]gate=count`;
    const [, kind, gate, count] = match as unknown as [string, string | undefined, string, string];
    if (kind !== undefined && !(supportedKinds as readonly string[]).includes(kind))
      return `"${raw}": kind must be one of ${supportedKinds.join(', ')}`;
    if (!(gateNames as readonly string[]).includes(gate)) return `"${raw}": gate must be one of ${gateNames.join(', ')}`;
    const n = Number(count);
    if (n < 1 || n > 10) return `"${raw}": count must be 1-10`;
    entries.push({ kind: (kind as SupportedKind | undefined) ?? null, gate: gate as GateName, count: n });
  }
  return entries;
}

/** The policy an onboarding of `kind` starts with. */
export function policyFor(config: GatePolicyConfig, kind: SupportedKind): GatePolicy {
  const approvals: GatePolicy['approvals'] = {};
  for (const e of config.approvals) if (e.kind === null) approvals[e.gate] = e.count;
  for (const e of config.approvals) if (e.kind === kind) approvals[e.gate] = e.count;
  return {
    approvals,
    timers: { ...config.timers },
    renewalLeadMs: config.renewalLeadMs,
    jwsKeyOverlapMs: config.jwsKeyOverlapMs,
  };
}
