/**
 * The Temporal Web UI's workflow list, filtered for each question ops ask ("what waits on legal?",
 * "what did we refuse that nobody sent again?"), and the columns that answer it. The UI reads the
 * list query from the URL (`?query=`) and keeps its columns per browser in local storage under
 * `namespace-workflow-table-columns` ({ [namespace]: [{ label }] }, custom search attributes by
 * name): `columnsSnippet` sets them once.
 */
import { approverRoles } from '../workflows/messages';

export interface UiView {
  title: string;
  query: string;
  url: string;
}

/** The columns ops read an onboarding list by: the UI's own first, then the search attributes. */
export const onboardingColumns = [
  'Status',
  'Workflow ID',
  'Type',
  'ParticipantId',
  'OnboardingState',
  'OpenWaits',
  'RefusedSubmissions',
  'AwaitingRole',
  'WaitingSince',
  'Environment',
  'Start',
] as const;

/** The UI's local-storage key for the workflow list's columns (Temporal UI 2.x, as the CLI 1.5.1 serves it). */
export const columnsStorageKey = 'namespace-workflow-table-columns';

/** The stored value for `namespace`, merged into what the browser already keeps for other namespaces. */
export function columnsSetting(namespace: string, existing: Record<string, unknown> = {}): Record<string, unknown> {
  return { ...existing, [namespace]: onboardingColumns.map((label) => ({ label })) };
}

const running = 'WorkflowId STARTS_WITH "onboarding-" AND ExecutionStatus = "Running"';

export function uiViews(uiUrl: string, namespace: string, now = new Date()): { lists: UiView[]; columnsSnippet: string } {
  const base = `${uiUrl.replace(/\/$/, '')}/namespaces/${encodeURIComponent(namespace)}/workflows`;
  const view = (title: string, clause: string): UiView => {
    const query = `${running} AND ${clause}`;
    return { title, query, url: `${base}?query=${encodeURIComponent(query)}` };
  };
  const threeDaysAgo = new Date(now.getTime() - 3 * 24 * 3600 * 1000).toISOString();
  const lists = [
    view('Waiting on the participant', 'AwaitingRole = "participant"'),
    ...approverRoles.map((role) => view(`Waiting on ${role}`, `AwaitingRole = "${role}"`)),
    view('Refused submissions nobody sent again', 'RefusedSubmissions IS NOT NULL'),
    view('One open wait (change the name): client CSR in sandbox', 'OpenWaits = "client-csr@sandbox"'),
    view('Waiting more than 3 days (as of now)', `WaitingSince < "${threeDaysAgo}"`),
    view('Suspended', 'OnboardingState = "suspended"'),
    view('Live with certificates to renew', 'CertificateState IN ("renewal-due", "expired")'),
  ];
  const setting = JSON.stringify(columnsSetting(namespace)[namespace]);
  const columnsSnippet =
    `localStorage.setItem('${columnsStorageKey}', JSON.stringify({ ...JSON.parse(localStorage.getItem('${columnsStorageKey}') || '{}'), ` +
    `${JSON.stringify(namespace)}: ${setting} })); location.reload();`;
  return { lists, columnsSnippet };
}
