import type { RedisPhase } from "./types";

/** What the server listens for in a phase. */
export interface ServerTransport {
  /** The plain port is open. */
  readonly plain: boolean;
  /** The TLS port is open. */
  readonly tls: boolean;
  /** `tls-auth-clients`, rendered in every phase (Redis defaults to yes). */
  readonly clientAuth: "no" | "optional" | "yes";
}

/** How every role connects in a phase. */
export interface ClientTransport {
  readonly scheme: "redis" | "rediss";
  /** Clients present their certificate (STEM_TLS_CLIENT_CERT / _KEY): from client-auth optional on, over rediss only. */
  readonly clientCertificate: boolean;
}

/** The server side of a phase: plain until tls-only, TLS from dual on. */
export function serverTransport(phase: Pick<RedisPhase, "mode" | "clientAuth">): ServerTransport {
  return { plain: phase.mode !== "tls-only", tls: phase.mode !== "plain", clientAuth: phase.mode === "plain" ? "no" : phase.clientAuth };
}

/** The client side of a phase: rediss:// from clients-tls on (Stem ignores STEM_TLS_* on redis://). */
export function clientTransport(phase: Pick<RedisPhase, "mode" | "clientAuth">): ClientTransport {
  const scheme = phase.mode === "clients-tls" || phase.mode === "tls-only" ? "rediss" : "redis";
  return { scheme, clientCertificate: scheme === "rediss" && phase.clientAuth !== "no" };
}
