import { StemConfigError } from "../errors";
import type { Role, SigningAlgorithm } from "../keyring/types";
import { Finding, finding } from "./finding";
import {
  STEM_SIGNING_ENV,
  dartErrorText,
  dartTrim,
  displayKeyId,
  parseStemAlgorithm,
  parseStemSigningEnv,
  redactStemMessage,
} from "./parse-signing-env";
import type { EnvMap, StemSigningConfig } from "./signing-config";
import { checkEd25519Pairs, checkKeyList, KeyListKind } from "./strict-check-keys";
import { checkSigningRoles } from "./strict-check-roles";
import { checkTlsEnv } from "./strict-check-tls";

export type { Finding } from "./finding";

/** Options of checkSigningEnv. */
export interface CheckSigningEnvOptions {
  /** The component the env is for (docs/stem-compat.md §1.5); without it, role problems are warnings. */
  readonly role?: Role;
  /**
   * Accept an Ed25519 worker without private keys, with a warning: it verifies
   * but cannot re-sign retries (docs/stem-compat.md §1.4).
   *
   * @default false
   */
  readonly allowVerifyOnlyWorker?: boolean;
}

/** What Stem makes of an env: the loaded signing config, or the error that stops every Stem process. */
export type StemLoadResult =
  | { readonly ok: true; readonly config: StemSigningConfig }
  | { readonly ok: false; readonly error: StemConfigError };

/** Stem's verdict plus stemguard's findings. */
export interface SigningEnvReport {
  readonly stem: StemLoadResult;
  /** Stem's failure (if any) first, then stemguard's rules. Never contains material. */
  readonly findings: readonly Finding[];
  /** No error finding (and therefore Stem accepts the env). */
  readonly ok: boolean;
}

const BROKER_URL = "STEM_BROKER_URL";
const BROKER_MISSING = `Missing ${BROKER_URL} environment variable (e.g. redis://host:6379).`;

/**
 * Stem's `StemConfig.fromEnvironment` as far as it can fail on this env: an
 * empty STEM_BROKER_URL (checked first, untrimmed), then the signing config.
 * An env without STEM_BROKER_URL is taken as a fragment that the workload
 * completes, so its absence is not a failure here. TLS parsing never throws.
 */
export function loadStemSigning(env: EnvMap): StemLoadResult {
  try {
    if (env[BROKER_URL] === "") throw new StemConfigError("StateError", BROKER_MISSING);
    return { ok: true, config: parseStemSigningEnv(env) };
  } catch (err) {
    if (err instanceof StemConfigError) return { ok: false, error: err };
    throw err;
  }
}

/** Like `stem health`: `Failed to load StemConfig: <Dart error>`, with key material redacted. */
export function stemFailureLine(error: StemConfigError): string {
  return `Failed to load StemConfig: ${dartErrorText(new StemConfigError(error.kind, redactStemMessage(error.stemMessage)))}`;
}

/** stemguard's findings for a Stem env (see inspectSigningEnv). */
export function checkSigningEnv(env: EnvMap, options: CheckSigningEnvOptions = {}): Finding[] {
  return [...inspectSigningEnv(env, options).findings];
}

/**
 * Loads `env` the way Stem does, then applies stemguard's stricter rules to
 * the raw text: explicit lowercase algorithm, standard padded base64, unique
 * well-formed ids, key lengths, Ed25519 seed/public pairs, role fitness,
 * variables Stem ignores or never reads, STEM_TLS_* values.
 */
export function inspectSigningEnv(env: EnvMap, options: CheckSigningEnvOptions = {}): SigningEnvReport {
  const stem = loadStemSigning(env);
  const findings: Finding[] = [];
  if (!stem.ok) findings.push(stemFinding(env, stem.error));

  const algorithm = checkAlgorithm(env, findings);
  if (algorithm) checkLists(env, algorithm, findings);
  checkUnknownSigningVariables(env, findings);
  // After an empty STEM_BROKER_URL Stem stops before signing, but the signing rules still apply.
  const signing = stem.ok ? stem : loadStemSigning({ ...env, [BROKER_URL]: undefined });
  if (signing.ok) findings.push(...checkSigningRoles(env, signing.config, options));
  findings.push(...checkTlsEnv(env));
  if (env.STEM_REDIS_URL !== undefined) {
    findings.push(finding("warning", "STEM_REDIS_URL", "Stem reads no such variable (it appears only in a checklist)", `use ${BROKER_URL} (and STEM_RESULT_BACKEND_URL)`));
  }
  return { stem, findings, ok: !findings.some((f) => f.severity === "error") };
}

function stemFinding(env: EnvMap, error: StemConfigError): Finding {
  const message = `Stem refuses this env: ${dartErrorText(new StemConfigError(error.kind, redactStemMessage(error.stemMessage)))}`;
  const text = error.stemMessage;
  const make = (field: string, fix: string): Finding => ({ severity: "error", field, message, fix, source: "stem" });
  if (text === BROKER_MISSING) return make(BROKER_URL, `set ${BROKER_URL} (e.g. rediss://:<password>@host:6379/0) or remove the empty line`);
  if (text.startsWith("Unsupported signing algorithm")) return make(STEM_SIGNING_ENV.algorithm, "set STEM_SIGNING_ALGORITHM=hmac-sha256 or ed25519");
  const list = /^(?:Invalid )?(signing key|public key|private key)\b/.exec(text);
  if (list) {
    const name = { "signing key": STEM_SIGNING_ENV.keys, "public key": STEM_SIGNING_ENV.publicKeys, "private key": STEM_SIGNING_ENV.privateKeys }[list[1]];
    return make(name ?? STEM_SIGNING_ENV.keys, "write the list as id1:<standard base64>,id2:<standard base64> (see the findings for this variable)");
  }
  // An "id" that is really a pasted secret is not echoed (displayKeyId).
  const active = displayKeyId(dartTrim(env[STEM_SIGNING_ENV.activeKey] ?? ""), false);
  if (text.startsWith("Missing STEM_SIGNING_ACTIVE_KEY")) {
    return make(STEM_SIGNING_ENV.activeKey, `set ${STEM_SIGNING_ENV.activeKey} to the id of the key this process signs with`);
  }
  if (text.endsWith(`not present in ${STEM_SIGNING_ENV.keys}.`)) {
    return make(STEM_SIGNING_ENV.activeKey, `add "${active}" to ${STEM_SIGNING_ENV.keys}, or set ${STEM_SIGNING_ENV.activeKey} to a listed id`);
  }
  return make(STEM_SIGNING_ENV.activeKey, `add "${active}" to ${STEM_SIGNING_ENV.privateKeys}, or set ${STEM_SIGNING_ENV.activeKey} to a listed id`);
}

/** Requires an explicit, exact lowercase algorithm; returns the algorithm Stem uses, if it accepts one. */
function checkAlgorithm(env: EnvMap, findings: Finding[]): SigningAlgorithm | undefined {
  const raw = env[STEM_SIGNING_ENV.algorithm];
  let algorithm: SigningAlgorithm;
  try {
    algorithm = parseStemAlgorithm(raw === undefined ? undefined : dartTrim(raw));
  } catch {
    return undefined; // Stem's own finding says it
  }
  const signingVars = Object.keys(env).filter((k) => k.startsWith("STEM_SIGNING_") && env[k] !== undefined);
  if (raw === undefined || dartTrim(raw) === "") {
    if (signingVars.some((k) => dartTrim(env[k] ?? "") !== "")) {
      findings.push(
        finding("error", STEM_SIGNING_ENV.algorithm, `${raw === undefined ? "not set" : "empty"}; Stem falls back to hmac-sha256`, "set STEM_SIGNING_ALGORITHM=hmac-sha256 or ed25519 explicitly"),
      );
    }
  } else if (raw !== algorithm) {
    findings.push(
      finding("error", STEM_SIGNING_ENV.algorithm, `${JSON.stringify(raw.slice(0, 40))} is accepted by Stem (trimmed, any case), but stemguard requires exactly "${algorithm}"`, `set STEM_SIGNING_ALGORITHM=${algorithm}`),
    );
  }
  return algorithm;
}

function checkLists(env: EnvMap, algorithm: SigningAlgorithm, findings: Finding[]): void {
  const E = STEM_SIGNING_ENV;
  const present = (name: string) => dartTrim(env[name] ?? "") !== "";
  const lists: [string, KeyListKind][] =
    algorithm === "hmac-sha256" ? [[E.keys, "hmac-secret"]] : [[E.publicKeys, "ed25519-public"], [E.privateKeys, "ed25519-seed"]];
  const decoded = new Map<string, Map<string, Uint8Array>>();
  for (const [name, kind] of lists) {
    if (!present(name)) continue;
    const result = checkKeyList(name, env[name] as string, kind);
    findings.push(...result.findings);
    decoded.set(name, result.decoded);
  }
  if (algorithm === "ed25519") {
    const seeds = decoded.get(E.privateKeys);
    if (seeds) findings.push(...checkEd25519Pairs(decoded.get(E.publicKeys) ?? new Map(), seeds, dartTrim(env[E.activeKey] ?? "") || undefined));
  }
  const ignored = algorithm === "hmac-sha256" ? [E.publicKeys, E.privateKeys] : [E.keys];
  for (const name of ignored.filter(present)) {
    findings.push(
      finding(
        "warning",
        name,
        `ignored: STEM_SIGNING_ALGORITHM is ${algorithm}, and Stem reads only one algorithm's keys`,
        `remove it, or set STEM_SIGNING_ALGORITHM=${algorithm === "ed25519" ? "hmac-sha256" : "ed25519"} if these are the keys meant`,
      ),
    );
  }
}

function checkUnknownSigningVariables(env: EnvMap, findings: Finding[]): void {
  const known = new Set<string>(Object.values(STEM_SIGNING_ENV));
  for (const name of Object.keys(env)) {
    if (!name.startsWith("STEM_SIGNING_") || known.has(name) || env[name] === undefined) continue;
    findings.push(
      name === "STEM_SIGNING_PRIVATE_KEY"
        ? finding(
            "error",
            name,
            "Stem reads no such variable (it appears only in a doc comment), so this key is ignored",
            `use ${STEM_SIGNING_ENV.privateKeys}=<id>:<base64 seed> (plural, with a key id) and ${STEM_SIGNING_ENV.activeKey}=<id>`,
          )
        : finding("error", name, `Stem reads no such variable (its signing variables are ${[...known].join(", ")})`, "remove it or fix the name"),
    );
  }
}
