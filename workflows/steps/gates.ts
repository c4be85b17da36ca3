import type { GateSpec, Journey } from '../journey';
import type { GateInstance } from '../messages';
import { notifyOpened } from './notify';

/**
 * A human gate: opens its instance (state, search attributes and UI details move together), tells
 * the awaited role, and waits for the decision that arrives through the `decideGate` update, or
 * for the deadline. An instance already in the carried state is not opened again.
 */
export async function awaitGate(journey: Journey, spec: GateSpec): Promise<GateInstance> {
  await journey.checkpoint();
  const instance = journey.openGate(spec);
  if (instance.status === 'open') await notifyOpened(journey, instance);
  return journey.waitClosed(instance);
}
