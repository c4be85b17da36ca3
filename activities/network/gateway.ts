/**
 * The Gateway port: what participants may reach, per environment — who they are (the serials of
 * the client certificates the hub CA issued them) and where from (their allowlist). Adapters turn
 * the whole desired state into running configuration; each change is a new revision.
 */
import type { Environment } from '../../workflows/vocabulary';

export interface GatewayParticipant {
  participantId: string;
  /** Serials of the participant's live client certificates, hex. */
  serials: string[];
  /** Normalised CIDRs; empty: identified but let in from nowhere. */
  allow: string[];
}

export type GatewayState = Record<Environment, GatewayParticipant[]>;

export interface GatewayApplied {
  /** sha256 of the rendered configuration: the revision's identity. */
  configSha256: string;
  status: 'applied' | 'refused';
  /** Why a revision was refused (the adapter's own message), or what happened to an applied one. */
  message: string;
  /** Whether a gateway process runs (when not, the revision is used at its next start). */
  running: boolean;
  /** Whether the running gateway serves this revision now. */
  live: boolean;
}

export interface Gateway {
  apply(state: GatewayState, reason: string): Promise<GatewayApplied>;
}
