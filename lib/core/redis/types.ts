import type { StepRecord } from "../ledger/kind";

/**
 * The Redis TLS modes, in the order a deployment moves through them:
 * `plain`: TLS off; `dual`: the server accepts TLS and plain, clients still
 * plain; `clients-tls`: every role's Redis URLs are `rediss://`; `tls-only`:
 * plain refused.
 */
export const REDIS_TLS_MODES = ["plain", "dual", "clients-tls", "tls-only"] as const;
export type RedisTlsMode = (typeof REDIS_TLS_MODES)[number];

/**
 * Redis's `tls-auth-clients` (client certificates), in rollout order. Redis
 * defaults to `yes`; stemguard renders `no` until a step moves it.
 */
export const REDIS_CLIENT_AUTH = ["no", "optional", "yes"] as const;
export type RedisClientAuth = (typeof REDIS_CLIENT_AUTH)[number];

/** A step of the Redis TLS section. */
export interface RedisTlsStep extends StepRecord {
  readonly op: "init" | "mode" | "client-auth";
  /** init (plain or tls-only) and mode steps. */
  readonly mode?: RedisTlsMode;
  /** client-auth steps. */
  readonly clientAuth?: RedisClientAuth;
}

/** What replaying the Redis TLS section yields. */
export interface RedisTlsState {
  /** Undefined before init. */
  mode?: RedisTlsMode;
  clientAuth: RedisClientAuth;
}

/** A Redis password's state: the same life cycle as a signing key. */
export const REDIS_PASSWORD_STATES = ["staged", "active", "retiring", "retired"] as const;
export type RedisPasswordState = (typeof REDIS_PASSWORD_STATES)[number];

/** A step of the Redis passwords section; `tlsPhase` is the TLS section's phase when it was taken. */
export interface RedisPasswordStep extends StepRecord {
  readonly op: "init" | "stage" | "activate" | "retire";
  readonly passwordId: string;
  readonly tlsPhase: number;
}

/** One password of the ledger: an id and a state; the value is material and lives outside it. */
export interface RedisPasswordEntry {
  readonly id: string;
  readonly state: RedisPasswordState;
}

/** What replaying the Redis passwords section yields. */
export interface RedisPasswordsState {
  readonly passwords: RedisPasswordEntry[];
  readonly index: Map<string, number>;
  readonly collapsed: Map<string, string>;
  readonly holder: Partial<Record<Exclude<RedisPasswordState, "retired">, string>>;
}

/**
 * The Redis security of one phase: what both the server configuration and
 * every role's URLs are rendered from.
 */
export interface RedisPhase {
  readonly mode: RedisTlsMode;
  readonly clientAuth: RedisClientAuth;
  /** Ids the server accepts (staged, active, retiring), in ledger order. */
  readonly acceptedPasswords: readonly string[];
  /** The id every role's URLs carry; undefined when the ledger has no passwords (no AUTH). */
  readonly activePassword?: string;
}
