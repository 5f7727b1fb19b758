import { createHash } from "node:crypto";
import { collapsedId } from "../keyring/key-id";
import { redisWalk, type RedisLedger } from "./ledger-file";
import { clientTransport } from "./transport";
import type { RedisPhase } from "./types";

/*
 * Revisions of a Redis ledger, counted in the combined walk (redisWalk: one
 * per step of either section, 1 = init). What a platform writes from the
 * ledger is rewritten exactly when its revision moves.
 */

const latest = (ledger: RedisLedger, view: (p: RedisPhase) => string): number => {
  let revision = 0;
  let previous: string | undefined;
  for (const { index, phase } of redisWalk(ledger)) {
    const now = view(phase);
    if (now !== previous) revision = index;
    previous = now;
  }
  return revision;
};

/** The ledger's position in the combined walk: the number of steps taken in both sections. */
export function redisWalkPosition(ledger: RedisLedger): number {
  return ledger.tls.phase + (ledger.passwords?.phase ?? 0);
}

/** The latest walk position that changed what the server authenticates: the accepted passwords or the active one (users.acl and the reloader's password). */
export function redisAuthRevision(ledger: RedisLedger): number {
  return latest(ledger, (p) => JSON.stringify([p.acceptedPasswords, p.activePassword ?? null]));
}

/** The latest walk position that changed every role's Redis env: scheme, client certificates or the active password. */
export function redisClientEnvRevision(ledger: RedisLedger): number {
  return latest(ledger, (p) => JSON.stringify([clientTransport(p), p.activePassword ?? null]));
}

/** The Terraform variable of a Redis password: `<prefix_with_underscores>_password_<collapsed id>`, like the keyring's `<prefix>_key_<id>`. */
export function redisPasswordVariableName(namePrefix: string, passwordId: string): string {
  return `${namePrefix.replace(/[^A-Za-z0-9_]/g, "_")}_password_${collapsedId(passwordId)}`;
}

/** One Redis password that reaches `terraform plan`/`apply` as an ephemeral input. Names only, never the value. */
export interface RedisPasswordInputPlan {
  readonly passwordId: string;
  readonly variableName: string;
  /** `TF_VAR_<variableName>`: set it to the password file's content without the newline. */
  readonly envVarName: string;
  /**
   * True in the phases whose step writes an object holding it: the server's
   * ACL (`server`: every accepted password when the accepted set or the
   * active one changed) and the roles' URLs (`clients`: the active password
   * when the clients' env changed). Otherwise the objects keep their
   * revision and the input may be left unset.
   */
  readonly required: boolean;
}

/**
 * The password inputs of the current phase, in ledger order: every password
 * the server accepts (with `server`) or the active one only (clients only).
 */
export function planRedisPasswordInputs(ledger: RedisLedger, namePrefix: string, writes: { readonly server: boolean; readonly clients: boolean }): RedisPasswordInputPlan[] {
  const now = redisWalkPosition(ledger);
  const accepted = (ledger.passwords?.state.passwords ?? []).filter((p) => p.state !== "retired").map((p) => p.id);
  const active = ledger.passwords?.state.holder.active;
  const serverWrites = writes.server && redisAuthRevision(ledger) === now;
  const clientWrites = writes.clients && redisClientEnvRevision(ledger) === now;
  return accepted
    .filter((id) => writes.server || id === active)
    .map((passwordId) => {
      const variableName = redisPasswordVariableName(namePrefix, passwordId);
      return { passwordId, variableName, envVarName: `TF_VAR_${variableName}`, required: serverWrites || (clientWrites && passwordId === active) };
    });
}

/** A short fingerprint of rendered files (names and contents): 16 hex digits. */
export function redisFilesFingerprint(files: Readonly<Record<string, string>>): string {
  const sorted = Object.keys(files).sort().map((k) => [k, files[k]]);
  return createHash("sha256").update(JSON.stringify(sorted)).digest("hex").slice(0, 16);
}
