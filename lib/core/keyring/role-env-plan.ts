import { StemguardError } from "../errors";
import type { LedgerKey, Role, SigningAlgorithm } from "./types";

/** Which bytes of a key's material a variable needs. */
export type MaterialField = "secret" | "seed" | "publicKey";

/** A piece of an env value: fixed text, or a key's material as standard padded base64. */
export type EnvPart =
  | { readonly kind: "literal"; readonly text: string }
  | { readonly kind: "material"; readonly keyId: string; readonly field: MaterialField };

export interface EnvVariablePlan {
  readonly name: string;
  readonly parts: readonly EnvPart[];
}

/**
 * A role's Stem signing env for one phase, with material left as references.
 * Constructs turn the references into Terraform expressions; the CLI fills
 * them from material files. The plan itself holds no secret.
 */
export interface RoleEnvPlan {
  readonly role: Role;
  readonly algorithm: SigningAlgorithm;
  readonly variables: readonly EnvVariablePlan[];
  /** Every material reference, as `keyId/field`, in first-use order. */
  readonly materialRefs: readonly { readonly keyId: string; readonly field: MaterialField }[];
}

export interface RoleEnvOptions {
  /** Ed25519 workers without private keys (cannot re-sign retries; docs/stem-compat.md §1.4). */
  readonly verifyOnlyWorkers?: boolean;
  /**
   * Whether workers verify signatures in this phase. When false (a
   * `producersFirst` ledger before `enforce`), workers get only
   * `STEM_SIGNING_ALGORITHM`: Stem then has signing disabled on them.
   *
   * @default true
   */
  readonly workersVerify?: boolean;
}

/** States whose keys verifiers trust. */
const TRUSTED = new Set(["staged", "active", "retiring"]);

/**
 * The signing env plan of `role` for a set of key states (docs/architecture.md, "The rotation model" table):
 * every role trusts staged, active and retiring keys, in ledger order; every
 * signer (producers, beat and workers, which re-sign retries) signs with the
 * active key. Ed25519 private keys go only where signing happens, and only
 * the active one.
 */
export function planRoleEnvForKeys(
  keys: readonly LedgerKey[],
  algorithm: SigningAlgorithm,
  role: Role,
  options: RoleEnvOptions = {},
): RoleEnvPlan {
  const trusted = keys.filter((k) => TRUSTED.has(k.state));
  const active = keys.find((k) => k.state === "active");
  if (!active) {
    throw new StemguardError("the keyring has no active key, so nothing can sign", {
      field: "keys",
      value: keys.map((k) => `${k.id}=${k.state}`),
      fix: "create the first key with 'stemguard rotate init <id>'",
    });
  }
  const list = (ids: readonly string[], field: MaterialField): EnvPart[] =>
    ids.flatMap((id, i): EnvPart[] => [
      { kind: "literal", text: `${i === 0 ? "" : ","}${id}:` },
      { kind: "material", keyId: id, field },
    ]);
  const literal = (name: string, text: string): EnvVariablePlan => ({ name, parts: [{ kind: "literal", text }] });
  const trustedIds = trusted.map((k) => k.id);
  const variables: EnvVariablePlan[] = [literal("STEM_SIGNING_ALGORITHM", algorithm)];
  if (role === "worker" && options.workersVerify === false) {
    // Signing disabled: the worker accepts unsigned and signed messages alike.
  } else if (algorithm === "hmac-sha256") {
    variables.push({ name: "STEM_SIGNING_KEYS", parts: list(trustedIds, "secret") });
    variables.push(literal("STEM_SIGNING_ACTIVE_KEY", active.id));
  } else {
    variables.push({ name: "STEM_SIGNING_PUBLIC_KEYS", parts: list(trustedIds, "publicKey") });
    const signs = !(role === "worker" && options.verifyOnlyWorkers);
    if (signs) {
      variables.push({ name: "STEM_SIGNING_PRIVATE_KEYS", parts: list([active.id], "seed") });
      variables.push(literal("STEM_SIGNING_ACTIVE_KEY", active.id));
    }
  }
  const materialRefs = variables.flatMap((v) =>
    v.parts.flatMap((p) => (p.kind === "material" ? [{ keyId: p.keyId, field: p.field }] : [])),
  );
  return { role, algorithm, variables, materialRefs };
}

/** Fills a plan's material references; `resolve` returns standard padded base64 (or a token for it). */
export function resolveRoleEnv(
  plan: RoleEnvPlan,
  resolve: (ref: { keyId: string; field: MaterialField }) => string,
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const v of plan.variables) {
    env[v.name] = v.parts.map((p) => (p.kind === "literal" ? p.text : resolve(p))).join("");
  }
  return env;
}

/** A stable text form of a plan (no material): equal iff the role's env is equal. */
export function planFingerprint(plan: RoleEnvPlan): string {
  return plan.variables
    .map((v) => `${v.name}=${v.parts.map((p) => (p.kind === "literal" ? p.text : `<${p.keyId}.${p.field}>`)).join("")}`)
    .join("\n");
}

