/**
 * The ProcessingCenter port (seed 001): the digital-currency processing centre a bank counterparty
 * is set up in — the counterparty with its asset code, its system URLs, its first employee, its
 * identification and processing entities, and the identifiers its system operator requests. Every
 * call is idempotent: a repeat finds what the first one made. The embedded default adapter keeps
 * it all in the project's registry database (`RegistryProcessingCenter`).
 */
import { randomUUID } from 'node:crypto';
import type { Environment } from '../../workflows/vocabulary';
import { inTransaction, type RegistryDb } from '../registry/database';
import { DomainError } from '../domain-error';
import { CheckReport, Finding, finding, summarise } from '../pki/findings';

export interface CounterpartySpec {
  participantId: string;
  environment: Environment;
  alias: string;
  legalName: string;
  assetCode: string;
}

export interface SystemUrls {
  api: string;
  backoffice: string;
  authorization: string;
}

export interface CounterpartyView extends CounterpartySpec {
  counterpartyId: string;
  systemUrls: SystemUrls | null;
  employees: { employeeId: string; email: string; role: string }[];
  entities: { entityId: string; type: 'identification' | 'processing' }[];
  identifiers: string[];
}

export interface IdentifiersReport extends CheckReport {
  /** The identifiers in force after this request (sorted). */
  identifiers: string[];
}

export interface ProcessingCenter {
  registerCounterparty(spec: CounterpartySpec): Promise<{ counterpartyId: string; created: boolean }>;
  setSystemUrls(counterpartyId: string, urls: SystemUrls): Promise<void>;
  createEmployee(counterpartyId: string, email: string, role: string): Promise<{ employeeId: string; created: boolean }>;
  createEntities(counterpartyId: string): Promise<{ identification: string; processing: string }>;
  /** The whole list the operator requested (PUT semantics): new ones registered, absent ones withdrawn; refused when one is another counterparty's. */
  registerIdentifiers(counterpartyId: string, identifiers: string[]): Promise<IdentifiersReport>;
  /** Every identifier of the counterparty withdrawn (a cancelled onboarding); returns how many. Idempotent. */
  withdrawIdentifiers(counterpartyId: string): Promise<number>;
  counterparty(participantId: string, environment: Environment): Promise<CounterpartyView | null>;
}

/** What an identifier may look like: a wallet, account or card reference (letters, digits, `.`, `_`, `:`, `-`). */
export const identifierPattern = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/;
const maxIdentifiers = 1000;

/** The identifiers' own rules, before the processing centre is asked. */
export function checkIdentifiers(identifiers: unknown[]): { findings: Finding[]; valid: string[] } {
  const strings = identifiers.filter((i): i is string => typeof i === 'string');
  const bad = identifiers.filter((i) => typeof i !== 'string' || !identifierPattern.test(i)).map((i) => String(i).slice(0, 70));
  const findings: Finding[] = [];
  if (identifiers.length === 0 || identifiers.length > maxIdentifiers) {
    findings.push(finding('IDENTIFIERS_VALID', 'fail', `send 1-${maxIdentifiers} identifiers`, { count: identifiers.length }));
  } else if (bad.length > 0) {
    findings.push(
      finding('IDENTIFIERS_VALID', 'fail', `not identifiers (letters, digits, . _ : -, up to 64): ${bad.slice(0, 5).join(', ')}`, {
        invalid: bad.slice(0, 20),
      }),
    );
  } else if (new Set(strings).size !== strings.length) {
    findings.push(finding('IDENTIFIERS_VALID', 'fail', 'an identifier appears twice', {}));
  } else {
    findings.push(finding('IDENTIFIERS_VALID', 'pass', `${strings.length} identifiers`));
  }
  return { findings, valid: findings[0]?.result === 'pass' ? [...strings].sort() : [] };
}

export class RegistryProcessingCenter implements ProcessingCenter {
  constructor(private readonly db: RegistryDb) {}

  async registerCounterparty(spec: CounterpartySpec, at = new Date()): Promise<{ counterpartyId: string; created: boolean }> {
    const holder = await this.db
      .selectFrom('processingCounterparties')
      .select('participantId')
      .where('alias', '=', spec.alias)
      .where('environment', '=', spec.environment)
      .executeTakeFirst();
    if (holder && holder.participantId !== spec.participantId) {
      throw new DomainError('PROCESSING_REFUSED', `the alias ${spec.alias} belongs to another counterparty in ${spec.environment}`, {
        alias: spec.alias,
        environment: spec.environment,
      });
    }
    const inserted = await this.db
      .insertInto('processingCounterparties')
      .values({
        id: randomUUID(),
        participantId: spec.participantId,
        environment: spec.environment,
        alias: spec.alias,
        legalName: spec.legalName,
        assetCode: spec.assetCode,
        systemUrlsJson: null,
        createdAt: at.toISOString(),
        updatedAt: at.toISOString(),
      })
      .onConflict((oc) => oc.columns(['participantId', 'environment']).doNothing())
      .executeTakeFirst();
    const row = await this.db
      .selectFrom('processingCounterparties')
      .select('id')
      .where('participantId', '=', spec.participantId)
      .where('environment', '=', spec.environment)
      .executeTakeFirstOrThrow();
    return { counterpartyId: row.id, created: Number(inserted.numInsertedOrUpdatedRows ?? 0) > 0 };
  }

  async setSystemUrls(counterpartyId: string, urls: SystemUrls, at = new Date()): Promise<void> {
    await this.db
      .updateTable('processingCounterparties')
      .set({ systemUrlsJson: JSON.stringify(urls), updatedAt: at.toISOString() })
      .where('id', '=', counterpartyId)
      .execute();
  }

  async createEmployee(
    counterpartyId: string,
    email: string,
    role: string,
    at = new Date(),
  ): Promise<{ employeeId: string; created: boolean }> {
    const inserted = await this.db
      .insertInto('processingEmployees')
      .values({ id: randomUUID(), counterpartyId, email: email.toLowerCase(), role, createdAt: at.toISOString() })
      .onConflict((oc) => oc.columns(['counterpartyId', 'email']).doNothing())
      .executeTakeFirst();
    const row = await this.db
      .selectFrom('processingEmployees')
      .select('id')
      .where('counterpartyId', '=', counterpartyId)
      .where('email', '=', email.toLowerCase())
      .executeTakeFirstOrThrow();
    return { employeeId: row.id, created: Number(inserted.numInsertedOrUpdatedRows ?? 0) > 0 };
  }

  async createEntities(counterpartyId: string, at = new Date()): Promise<{ identification: string; processing: string }> {
    for (const type of ['identification', 'processing'] as const) {
      await this.db
        .insertInto('processingEntities')
        .values({ id: randomUUID(), counterpartyId, type, createdAt: at.toISOString() })
        .onConflict((oc) => oc.columns(['counterpartyId', 'type']).doNothing())
        .execute();
    }
    const rows = await this.db
      .selectFrom('processingEntities')
      .select(['id', 'type'])
      .where('counterpartyId', '=', counterpartyId)
      .execute();
    const idOf = (type: string) => rows.find((r) => r.type === type)?.id ?? '';
    return { identification: idOf('identification'), processing: idOf('processing') };
  }

  async registerIdentifiers(counterpartyId: string, identifiers: string[], at = new Date()): Promise<IdentifiersReport> {
    const own = checkIdentifiers(identifiers);
    if (own.valid.length === 0) return { ...summarise(own.findings, true), identifiers: [] };
    return inTransaction(this.db, async (trx) => {
      // Identifiers are unique within an environment's processing centre: the same bank holds its own in sandbox and production.
      const self = await trx
        .selectFrom('processingCounterparties')
        .select('environment')
        .where('id', '=', counterpartyId)
        .executeTakeFirst();
      if (!self) throw new TypeError(`no counterparty ${counterpartyId}`);
      const taken = await trx
        .selectFrom('processingIdentifiers')
        .innerJoin('processingCounterparties', 'processingCounterparties.id', 'processingIdentifiers.counterpartyId')
        .select('processingIdentifiers.identifier as identifier')
        .where('processingIdentifiers.identifier', 'in', own.valid)
        .where('processingIdentifiers.counterpartyId', '!=', counterpartyId)
        .where('processingCounterparties.environment', '=', self.environment)
        .where('processingIdentifiers.withdrawnAt', 'is', null)
        .execute();
      if (taken.length > 0) {
        const names = taken.map((t) => t.identifier).sort();
        const findings = [
          ...own.findings,
          finding('IDENTIFIERS_AVAILABLE', 'fail', `held by another counterparty: ${names.slice(0, 5).join(', ')}`, {
            taken: names.slice(0, 20),
          }),
        ];
        return { ...summarise(findings, true), identifiers: [] };
      }
      const entity = await trx
        .selectFrom('processingEntities')
        .select('id')
        .where('counterpartyId', '=', counterpartyId)
        .where('type', '=', 'identification')
        .executeTakeFirst();
      if (!entity) throw new TypeError(`counterparty ${counterpartyId} has no identification entity yet`);
      const stamp = at.toISOString();
      for (const identifier of own.valid) {
        await trx
          .insertInto('processingIdentifiers')
          .values({ counterpartyId, identifier, entityId: entity.id, registeredAt: stamp, withdrawnAt: null })
          .onConflict((oc) => oc.columns(['counterpartyId', 'identifier']).doUpdateSet({ withdrawnAt: null }))
          .execute();
      }
      await trx
        .updateTable('processingIdentifiers')
        .set({ withdrawnAt: stamp })
        .where('counterpartyId', '=', counterpartyId)
        .where('identifier', 'not in', own.valid)
        .where('withdrawnAt', 'is', null)
        .execute();
      const findings = [...own.findings, finding('IDENTIFIERS_AVAILABLE', 'pass', 'none is held by another counterparty')];
      return { ...summarise(findings, true), identifiers: own.valid };
    });
  }

  /** Every identifier the counterparty holds is withdrawn (a cancelled onboarding): another bank may then register them. Idempotent. */
  async withdrawIdentifiers(counterpartyId: string, at = new Date()): Promise<number> {
    const withdrawn = await this.db
      .updateTable('processingIdentifiers')
      .set({ withdrawnAt: at.toISOString() })
      .where('counterpartyId', '=', counterpartyId)
      .where('withdrawnAt', 'is', null)
      .executeTakeFirst();
    return Number(withdrawn.numUpdatedRows);
  }

  async counterparty(participantId: string, environment: Environment): Promise<CounterpartyView | null> {
    const row = await this.db
      .selectFrom('processingCounterparties')
      .selectAll()
      .where('participantId', '=', participantId)
      .where('environment', '=', environment)
      .executeTakeFirst();
    if (!row) return null;
    const employees = await this.db
      .selectFrom('processingEmployees')
      .select(['id', 'email', 'role'])
      .where('counterpartyId', '=', row.id)
      .orderBy('createdAt')
      .execute();
    const entities = await this.db
      .selectFrom('processingEntities')
      .select(['id', 'type'])
      .where('counterpartyId', '=', row.id)
      .orderBy('type')
      .execute();
    const identifiers = await this.db
      .selectFrom('processingIdentifiers')
      .select('identifier')
      .where('counterpartyId', '=', row.id)
      .where('withdrawnAt', 'is', null)
      .orderBy('identifier')
      .execute();
    return {
      counterpartyId: row.id,
      participantId: row.participantId,
      environment: row.environment as Environment,
      alias: row.alias,
      legalName: row.legalName,
      assetCode: row.assetCode,
      systemUrls: row.systemUrlsJson ? (JSON.parse(row.systemUrlsJson) as SystemUrls) : null,
      employees: employees.map((e) => ({ employeeId: e.id, email: e.email, role: e.role })),
      entities: entities.map((e) => ({ entityId: e.id, type: e.type })),
      identifiers: identifiers.map((i) => i.identifier),
    };
  }
}
