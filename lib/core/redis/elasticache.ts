import { createHash } from "node:crypto";
import { StemguardError } from "../errors";
import type { RedisLedger } from "./ledger-file";
import { redisPasswordVariableName, type RedisPasswordInputPlan } from "./revisions";
import { REDIS_EDITOR } from "./tls-kind";
import type { RedisPhase } from "./types";

/*
 * What a Redis ledger phase means on ElastiCache, as pure functions (no
 * cdktf): the transit encryption settings of the replication group, the
 * RBAC default user's passwords, the engine rules, and the password inputs.
 * lib/aws/redis.ts turns them into resources.
 */

/** The ElastiCache engines Stem can use: Redis OSS and Valkey (both speak the Redis protocol Stem uses). */
export const ELASTICACHE_ENGINES = ["redis", "valkey"] as const;
export type ElastiCacheEngine = (typeof ELASTICACHE_ENGINES)[number];

/** ElastiCache allows at most two passwords per RBAC user: the overlap of a rotation. */
export const ELASTICACHE_MAX_PASSWORDS = 2;

/** `transit_encryption_enabled` and `transit_encryption_mode` of a replication group in one phase. */
export interface ElastiCacheTransit {
  readonly transitEncryptionEnabled: boolean;
  /** `preferred` (TLS and plain on the one port) or `required` (TLS only); unset while transit encryption is off. */
  readonly transitEncryptionMode?: "preferred" | "required";
}

/**
 * ElastiCache's documented migration to TLS: `plain` -> encryption off;
 * `dual` and `clients-tls` -> enabled, `preferred` (the server accepts TLS and
 * plain on the same port, so the URL port never changes); `tls-only` ->
 * `required`. ElastiCache itself refuses `required` before `preferred`, which
 * the ledger's one-step rule already guarantees.
 */
export function elastiCacheTransit(phase: Pick<RedisPhase, "mode">): ElastiCacheTransit {
  switch (phase.mode) {
    case "plain":
      return { transitEncryptionEnabled: false };
    case "dual":
    case "clients-tls":
      return { transitEncryptionEnabled: true, transitEncryptionMode: "preferred" };
    case "tls-only":
      return { transitEncryptionEnabled: true, transitEncryptionMode: "required" };
  }
}

/**
 * Refuses a phase ElastiCache cannot run: client certificates (ElastiCache
 * has none; its TLS authenticates the server only) and more than two accepted
 * passwords (ElastiCache keeps at most two per user).
 */
export function assertElastiCachePhase(phase: RedisPhase, field: string): void {
  if (phase.clientAuth !== "no") {
    throw new StemguardError(`client-auth ${phase.clientAuth}: ElastiCache has no client certificates (its TLS authenticates the server only; clients authenticate with the password)`, {
      field,
      value: phase.clientAuth,
      fix: "keep client-auth at no in a ledger for ElastiCache (revert the client-auth step); rotate passwords instead, or run Redis yourself (stemguard/kubernetes) for mutual TLS",
    });
  }
  if (phase.acceptedPasswords.length > ELASTICACHE_MAX_PASSWORDS) {
    throw new StemguardError(`the server would accept ${phase.acceptedPasswords.length} passwords (${phase.acceptedPasswords.join(", ")}); ElastiCache keeps at most ${ELASTICACHE_MAX_PASSWORDS} per user`, {
      field,
      value: phase.acceptedPasswords,
      fix: `retire the retiring password first ('${REDIS_EDITOR} password retire <id>'), then stage the new one`,
    });
  }
}

/** What an engine and version give: the parameter group family. */
export interface ElastiCacheEngineVersion {
  readonly engine: ElastiCacheEngine;
  readonly major: number;
  readonly minor: number;
  /** `aws_elasticache_parameter_group.family`: `redis7`, `valkey7`, `valkey8`. */
  readonly family: string;
}

/**
 * Checks an engine and its `major.minor` version and derives the parameter
 * group family. Refuses Redis OSS below 7.0: turning transit encryption on
 * in an existing replication group needs engine 7.0.5 or later (ElastiCache
 * 7.0 is 7.0.5+ today); on 6.x the AWS provider plans a REPLACE of the group
 * (a new, empty Redis under the same name), which would cut every worker off
 * and drop every queued task. Valkey starts at 7.2.
 */
export function elastiCacheEngineVersion(engine: unknown, version: unknown, fields: { readonly engine: string; readonly engineVersion: string }): ElastiCacheEngineVersion {
  if (!ELASTICACHE_ENGINES.includes(engine as ElastiCacheEngine)) {
    throw new StemguardError(`engine must be one of ${ELASTICACHE_ENGINES.join(", ")}`, { field: fields.engine, value: engine, fix: 'use "redis" (Redis OSS) or "valkey"' });
  }
  const e = engine as ElastiCacheEngine;
  const match = typeof version === "string" ? /^(\d{1,2})\.(\d{1,2})$/.exec(version) : null;
  if (!match) {
    throw new StemguardError("engineVersion must be major.minor (ElastiCache picks the patch release)", { field: fields.engineVersion, value: version, fix: e === "redis" ? 'e.g. "7.1"' : 'e.g. "8.0"' });
  }
  const [major, minor] = [Number(match[1]), Number(match[2])];
  if (e === "redis" && major < 7) {
    throw new StemguardError(
      "Redis OSS below 7.0 cannot turn TLS on in place: the provider plans a replace of the replication group for a transit_encryption_enabled change below engine 7.0.5, i.e. a new, empty Redis (every worker cut off, every queued task lost)",
      { field: fields.engineVersion, value: version, fix: 'upgrade the group to engineVersion "7.1" first (an engine upgrade is in place; its own pull request), or use engine "valkey"' },
    );
  }
  if (e === "valkey" && (major < 7 || (major === 7 && minor < 2))) {
    throw new StemguardError("ElastiCache's first Valkey is 7.2", { field: fields.engineVersion, value: version, fix: 'use "7.2" or later, e.g. "8.0"' });
  }
  return { engine: e, major, minor, family: `${e}${major}` };
}

/**
 * The password inputs of the ledger's current phase: every password the
 * server accepts (`scope: "server"`, the stack that owns the replication
 * group) or only the active one (`scope: "clients"`, a stack that writes the
 * URLs of a Redis another stack owns).
 */
export function planElastiCachePasswordInputs(ledger: RedisLedger, namePrefix: string, scope: "server" | "clients"): RedisPasswordInputPlan[] {
  const passwords = ledger.passwords;
  if (!passwords) return [];
  const last = passwords.history.at(-1);
  // The step of this phase is a password step only when no TLS step followed it.
  const stepNow = last && last.tlsPhase === ledger.tls.phase ? last : undefined;
  const adds = scope === "server" ? ["init", "stage"] : ["init", "activate"];
  const gained = stepNow && adds.includes(stepNow.op) ? stepNow.passwordId : undefined;
  const active = passwords.state.holder.active;
  return passwords.state.passwords
    .filter((p) => p.state !== "retired" && (scope === "server" || p.id === active))
    .map((p) => {
      const variableName = redisPasswordVariableName(namePrefix, p.id);
      return { passwordId: p.id, variableName, envVarName: `TF_VAR_${variableName}`, required: p.id === gained };
    });
}

/**
 * A short fingerprint (16 hex digits) of what ElastiCache runs in a phase:
 * the transit settings and which password ids the default user holds and
 * sends. Ids only, never a value.
 */
export function elastiCacheServerFingerprint(phase: RedisPhase): string {
  const server = { transit: elastiCacheTransit(phase), accepted: phase.acceptedPasswords, active: phase.activePassword ?? null };
  return createHash("sha256").update(JSON.stringify(server)).digest("hex").slice(0, 16);
}
