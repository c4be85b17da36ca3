import { statusFromMemo, statusMemoEntries, statusMemoKey } from '../../workflows/frame/status-memo';
import type { OnboardingStatus } from '../../workflows/messages';
import { memoOfStatus } from '../support/read-model';
import { sampleGate, sampleStatus } from '../support/samples';

/** The keys whose JSON differs between two statuses' entries (what a transition writes). */
function changedKeys(before: OnboardingStatus, after: OnboardingStatus): string[] {
  const old = statusMemoEntries(before);
  return [...statusMemoEntries(after)].filter(([key, { json }]) => old.get(key)?.json !== json).map(([key]) => key);
}

const clone = (status: OnboardingStatus) => JSON.parse(JSON.stringify(status)) as OnboardingStatus;

describe('the status memo (the read model)', () => {
  it('gives back the very status the query answers, nulls and optional fields included', () => {
    const status = sampleStatus('memo-1');
    status.liveSince = '2026-11-24T10:00:00.000Z';
    status.instances.push(sampleGate('contract', 'approved'));
    // A memo holds other keys too (the start's request fingerprint): they are not part of the status.
    const read = statusFromMemo(memoOfStatus(status, { requestFingerprint: 'x' }));
    expect(read).toEqual(JSON.parse(JSON.stringify(status)));
    expect(read?.halt).toBeNull();
    expect(Object.keys(read ?? {})).toEqual(Object.keys(status));
  });

  it('writes an appended history entry as that entry, the header and the fields that changed: not the whole status', () => {
    const before = sampleStatus('memo-2');
    const after = clone(before);
    after.updatedAt = '2026-11-23T11:00:00.000Z';
    after.history.push({ at: after.updatedAt, step: 'application-review', environment: 'sandbox', state: 'awaiting-approval', note: 'x' });
    expect(changedKeys(before, after).sort()).toEqual([statusMemoKey, 'status.history.1', 'status.updatedAt'].sort());
  });

  it('writes a changed instance as that instance alone', () => {
    const before = sampleStatus('memo-3');
    before.instances.push(sampleGate('contract', 'open'));
    const after = clone(before);
    (after.instances[1] as { status: string }).status = 'approved';
    expect(changedKeys(before, after)).toEqual(['status.instances.1']);
  });

  it('reads no status from a memo without one, of another format, or missing an entry the header names', () => {
    const status = sampleStatus('memo-4');
    expect(statusFromMemo(undefined)).toBeNull();
    expect(statusFromMemo({ requestFingerprint: 'x' })).toBeNull();
    const memo = memoOfStatus(status);
    expect(statusFromMemo({ ...memo, [statusMemoKey]: { version: 2, fields: {} } })).toBeNull();
    const withoutElement = { ...memo };
    delete withoutElement['status.history.0'];
    expect(statusFromMemo(withoutElement)).toBeNull();
    const withoutField = { ...memo };
    delete withoutField['status.participant'];
    expect(statusFromMemo(withoutField)).toBeNull();
    expect(statusFromMemo({ ...memo, [statusMemoKey]: { version: 1, fields: { history: -1 } } })).toBeNull();
  });

  it('takes only the elements the header counts: a longer array left from an earlier run is cut to its length', () => {
    const longer = sampleStatus('memo-5');
    longer.interventions.push({ at: longer.startedAt, action: 'suspended', by: 'ops', via: 'api', reason: 'r' });
    const shorter = sampleStatus('memo-5');
    // Entries merge: the shorter status's header over the longer one's elements.
    const read = statusFromMemo({ ...memoOfStatus(longer), ...memoOfStatus(shorter) });
    expect(read?.interventions).toEqual([]);
  });
});
