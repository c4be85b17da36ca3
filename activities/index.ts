/** Composes every capability's activities from the ports (the only place adapters are wired to activities). */
import type { ActivityFunction } from './activity-edge';
import { createBankActivities, type BankDeps } from './bank/activities';
import { createCredentialActivities, type CredentialDeps } from './credentials/activities';
import { createIdentityActivities, type IdentityDeps } from './identity/request-proof';
import { createKeyActivities, type KeyDeps } from './keys/activities';
import { createLedgerActivities, type LedgerDeps } from './ledger/activities';
import { createNetworkActivities, type NetworkDeps } from './network/activities';
import { createNotifyActivities, type NotifyDeps } from './notify/activities';
import { createPkiActivities, type PkiDeps } from './pki/activities';
import { createUatActivities, type UatDeps } from './uat/activities';

export * from './bank/activities';
export * from './credentials/activities';
export * from './identity/request-proof';
export * from './keys/activities';
export * from './ledger/activities';
export * from './network/activities';
export * from './notify/activities';
export * from './pki/activities';
export * from './uat/activities';

/** Every port and setting the activities need: the union of each capability's own. */
export type ActivityDeps = NotifyDeps & PkiDeps & NetworkDeps & CredentialDeps & KeyDeps & LedgerDeps & BankDeps & UatDeps & IdentityDeps;

/** The only place ports are wired to activities, one group per capability; tests pass fakes here. */
export function createActivities(deps: ActivityDeps) {
  return {
    notify: createNotifyActivities(deps),
    pki: createPkiActivities(deps),
    network: createNetworkActivities(deps),
    credentials: createCredentialActivities(deps),
    keys: createKeyActivities(deps),
    ledger: createLedgerActivities(deps),
    bank: createBankActivities(deps),
    uat: createUatActivities(deps),
    identity: createIdentityActivities(deps),
  };
}

export type ActivityGroups = ReturnType<typeof createActivities>;
export type NotifyActivities = ActivityGroups['notify'];
export type PkiActivities = ActivityGroups['pki'];
export type NetworkActivities = ActivityGroups['network'];
export type CredentialActivities = ActivityGroups['credentials'];
export type KeyActivities = ActivityGroups['keys'];
export type LedgerActivities = ActivityGroups['ledger'];
export type BankActivities = ActivityGroups['bank'];
export type IdentityActivities = ActivityGroups['identity'];

/** The flat record a Worker registers; activity names must be unique across groups. */
export function activitiesOf(groups: ActivityGroups): Record<string, ActivityFunction> {
  const flat: Record<string, ActivityFunction> = {};
  for (const [group, activities] of Object.entries(groups)) {
    for (const [name, fn] of Object.entries(activities as Record<string, ActivityFunction>)) {
      if (name in flat) throw new TypeError(`activity ${name} of group ${group} is already registered by another group`);
      flat[name] = fn;
    }
  }
  return flat;
}
