/**
 * The Gateway port: what participants may reach, per environment — who they are (the exact client
 * certificates they may present, pinned by fingerprint: those the hub CA issued them and those of
 * their own the hub accepted) and where from (their allowlist). Adapters turn
 * the whole desired state into running configuration; each change is a new revision.
 */
import type { Environment } from '../../workflows/vocabulary';

/** One exact certificate a participant may present: identity is the certificate itself, never a CA. */
export interface PinnedCertificate {
  /** SHA-1 of the DER, lower-case hex: what nginx's `$ssl_client_fingerprint` gives. */
  sha1: string;
  /** SHA-256 of the DER, lower-case hex: what the edge's verifying hop checks too. */
  sha256: string;
}

export interface GatewayParticipant {
  participantId: string;
  /** The participant's live client certificates (hub-issued, or its own accepted), pinned. */
  certificates: PinnedCertificate[];
  /** Normalised CIDRs; empty: identified but let in from nowhere. */
  allow: string[];
}

export type GatewayState = Record<Environment, GatewayParticipant[]>;

export interface GatewayApplied {
  /** sha256 of the rendered configuration: the revision's identity. */
  configSha256: string;
  /** `unavailable`: the gateway is installed but not running — nothing was applied (the caller retries). */
  status: 'applied' | 'refused' | 'unavailable';
  /** Why a revision was refused (the adapter's own message), or what happened to an applied one. */
  message: string;
  /** Whether a gateway process runs (false with `applied` only where the gateway is off: no nginx on the machine). */
  running: boolean;
  /** Whether the running gateway serves this revision now. */
  live: boolean;
}

export interface Gateway {
  apply(state: GatewayState, reason: string): Promise<GatewayApplied>;
}
