/**
 * The onboarding's status kept in the workflow's memo: the API's read model. A status read is a
 * DescribeWorkflowExecution, answered by the Temporal server from the execution's record, instead
 * of a query, which a worker answers only after replaying the history of an onboarding that is no
 * longer in its cache (at 7,854 open with 300 cached, a status read took 12× what it took empty).
 *
 * The memo is encrypted with the rest of the payloads (the payload codec encodes memo fields), and
 * each transition writes only the entries that changed: one entry per top-level field, the arrays
 * that only grow (history, instances, tasks, …) one entry per element, so a transition adds a few
 * small entries to the history rather than the whole status. The header entry (`status`) names every
 * field and each array's length; a read takes exactly those entries and nothing else, and finds
 * the status incomplete (null: the caller asks the workflow instead) when one is missing.
 *
 * Pure: shared by the workflow (JourneyState.transition) and the API (OnboardingGateway.status).
 */
import type { OnboardingStatus } from '../state';

/** The header's memo key; the fields' keys are `status.<field>` and `status.<field>.<index>`. */
export const statusMemoKey = 'status';
export const statusMemoVersion = 1;

/** A field's shape in the memo: an array (its length), a whole value, or null (no entry). */
type FieldShape = number | 'value' | 'null';

export interface StatusMemoHeader {
  version: typeof statusMemoVersion;
  fields: Record<string, FieldShape>;
}

/** Arrays that only grow and whose elements change one at a time: one entry per element. */
const splitArrays: ReadonlySet<string> = new Set(['history', 'instances', 'tasks', 'interventions', 'access', 'certificates']);

const fieldKey = (field: string) => `${statusMemoKey}.${field}`;
const elementKey = (field: string, index: number) => `${statusMemoKey}.${field}.${index}`;

export interface MemoEntry {
  /** The value as it is now (serialised by the caller at once). */
  value: unknown;
  /** Its JSON text: what tells a changed entry from an unchanged one. */
  json: string;
}

const entry = (value: unknown): MemoEntry => ({ value, json: JSON.stringify(value) });

/** Every memo entry of a status by key, the header among them. */
export function statusMemoEntries(status: OnboardingStatus): Map<string, MemoEntry> {
  const entries = new Map<string, MemoEntry>();
  const fields: Record<string, FieldShape> = {};
  for (const [field, value] of Object.entries(status)) {
    if (value === undefined) continue;
    if (value === null) {
      fields[field] = 'null';
    } else if (Array.isArray(value) && splitArrays.has(field)) {
      fields[field] = value.length;
      value.forEach((element: unknown, index) => entries.set(elementKey(field, index), entry(element)));
    } else {
      fields[field] = 'value';
      entries.set(fieldKey(field), entry(value));
    }
  }
  const header: StatusMemoHeader = { version: statusMemoVersion, fields };
  entries.set(statusMemoKey, entry(header));
  return entries;
}

function isHeader(value: unknown): value is StatusMemoHeader {
  if (typeof value !== 'object' || value === null) return false;
  const { version, fields } = value as Partial<StatusMemoHeader>;
  return version === statusMemoVersion && typeof fields === 'object' && fields !== null;
}

/**
 * The status a memo holds, or null when it holds none or an incomplete one (an execution started
 * before the read model, a memo from a newer format): then only the workflow can answer.
 */
export function statusFromMemo(memo: Record<string, unknown> | undefined): OnboardingStatus | null {
  if (memo === undefined) return null;
  const header = memo[statusMemoKey];
  if (!isHeader(header)) return null;
  const status: Record<string, unknown> = {};
  for (const [field, shape] of Object.entries(header.fields)) {
    if (shape === 'null') {
      status[field] = null;
    } else if (shape === 'value') {
      if (!(fieldKey(field) in memo)) return null;
      status[field] = memo[fieldKey(field)];
    } else if (typeof shape === 'number' && Number.isInteger(shape) && shape >= 0) {
      const elements: unknown[] = [];
      for (let index = 0; index < shape; index++) {
        if (!(elementKey(field, index) in memo)) return null;
        elements.push(memo[elementKey(field, index)]);
      }
      status[field] = elements;
    } else {
      return null;
    }
  }
  return status as unknown as OnboardingStatus;
}
