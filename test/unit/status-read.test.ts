import type { Client } from '@temporalio/client';
import { WorkflowNotFoundError } from '@temporalio/client';
import { ApiError } from '../../api/errors';
import { OnboardingGateway } from '../../api/onboarding-gateway';
import { memoOfStatus } from '../support/read-model';
import { sampleStatus } from '../support/samples';

/** A client whose describe answers `memo` and whose status query does `query`. */
function clientWith(memo: Record<string, unknown> | undefined, query: () => Promise<unknown>): { client: Client; queried: () => number } {
  let queries = 0;
  const handle = {
    describe: async () => ({ memo }),
    query: async () => {
      queries += 1;
      return query();
    },
  };
  const client = {
    connection: { withDeadline: <T>(_deadline: number, call: () => Promise<T>) => call() },
    workflow: { getHandle: () => handle },
  } as unknown as Client;
  return { client, queried: () => queries };
}

const memoOf = (participantId: string) => memoOfStatus(sampleStatus(participantId));

describe('the status read', () => {
  it('answers from the read model without asking the workflow', async () => {
    const { client, queried } = clientWith(memoOf('read-1'), () => Promise.reject(new Error('no worker')));
    const view = await new OnboardingGateway(client, 'q').status('read-1');
    expect(view.onboarding).toEqual(JSON.parse(JSON.stringify(sampleStatus('read-1'))));
    expect(queried()).toBe(0);
  });

  it('asks the workflow when no status is recorded yet, and answers what it says', async () => {
    const status = sampleStatus('read-2');
    const { client, queried } = clientWith({ requestFingerprint: 'x' }, () => Promise.resolve(status));
    expect((await new OnboardingGateway(client, 'q').status('read-2')).onboarding).toBe(status);
    expect(queried()).toBe(1);
  });

  it('answers 503 TEMPORAL_UNAVAILABLE when no status is recorded yet and the query fails for another reason than absence', async () => {
    const { client } = clientWith(undefined, () => Promise.reject(new Error('Failed to query Workflow')));
    const read = new OnboardingGateway(client, 'q').status('read-3');
    await expect(read).rejects.toBeInstanceOf(ApiError);
    await expect(read).rejects.toMatchObject({ code: 'TEMPORAL_UNAVAILABLE' });
  });

  it('keeps a missing onboarding a missing one', async () => {
    const { client } = clientWith(undefined, () => Promise.reject(new WorkflowNotFoundError('gone', 'onboarding-read-4', undefined)));
    await expect(new OnboardingGateway(client, 'q').status('read-4')).rejects.toBeInstanceOf(WorkflowNotFoundError);
  });
});
