/**
 * The register of workflow patches: every change to a journey that running onboardings may have
 * started under is a `patched` branch whose id is listed here, with why and since when. Empty
 * until the first release: before it no onboarding outside tests ran older code, so journeys change
 * freely and the replay histories are re-recorded (README, "Changing a workflow").
 *
 * Lifecycle of an entry: `patched` with the id (old and new paths) → `deprecatePatch` once no open run
 * predates `since` (checked with a visibility query) → removed, with its replay history, once no
 * run that recorded its marker is open.
 */
export interface PatchEntry {
  id: string;
  /** What changed for running onboardings, in one line. */
  why: string;
  /** The release (ISO date) that introduced it. */
  since: string;
  /** Set once no open run predates `since`: the code calls `deprecatePatch` instead of `patched`. */
  deprecated?: string;
  /** The replay history that guards it (test/fixtures/histories/). */
  history: string;
}

export const patches: readonly PatchEntry[] = [];
