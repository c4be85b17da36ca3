// The bench's worker bundle: the product's workflows and the baseline the CSR bench compares with.
import { condition, proxyActivities, setHandler } from '@temporalio/workflow';
import { noopUpdate, stopBaseline } from './baseline-messages';

export * from '../workflows';

const { benchNoop } = proxyActivities<{ benchNoop(n: number): Promise<number> }>({ startToCloseTimeout: '30 seconds' });

/** A bare Update whose handler runs one no-op activity: the floor under any submission round trip. */
export async function benchBaseline(): Promise<void> {
  let stopped = false;
  setHandler(noopUpdate, (n) => benchNoop(n));
  setHandler(stopBaseline, () => {
    stopped = true;
  });
  await condition(() => stopped);
}
