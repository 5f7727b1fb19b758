import type { Role } from "../keyring/types";
import { Finding, finding } from "./finding";
import { STEM_SIGNING_ENV, dartTrim, displayKeyId } from "./parse-signing-env";
import type { EnvMap, StemSigningConfig } from "./signing-config";

/**
 * Rules on what a loaded config can do (docs/stem-compat.md §1.3-1.5, §9.4-9.5): is
 * signing on at all, can this process sign, and does that fit its role.
 */
export interface RoleRuleOptions {
  /** The component this env is for; without it, role problems are warnings. */
  readonly role?: Role;
  /**
   * Accept an Ed25519 worker that only verifies (warning instead of error).
   *
   * @default false
   */
  readonly allowVerifyOnlyWorker?: boolean;
}

const E = STEM_SIGNING_ENV;

/** Findings for a config Stem loaded (`config`) from `env`. */
export function checkSigningRoles(env: EnvMap, config: StemSigningConfig, options: RoleRuleOptions): Finding[] {
  const findings: Finding[] = [];
  const { role } = options;
  const nonBlank = (name: string) => dartTrim(env[name] ?? "") !== "";

  if (!config.isEnabled) {
    const ed25519 = dartTrim(env[E.algorithm] ?? "").toLowerCase() === "ed25519";
    const trustList = ed25519 ? E.publicKeys : E.keys;
    const leftovers = (ed25519 ? [E.privateKeys, E.activeKey] : [E.activeKey]).filter(nonBlank);
    if (leftovers.length > 0) {
      findings.push(
        finding(
          "error",
          trustList,
          `${nonBlank(trustList) ? "has no entries" : "is empty or not set"} while ${leftovers.join(" and ")} ${leftovers.length > 1 ? "are" : "is"} set, so Stem silently disables signing`,
          `list the trusted keys in ${trustList}, or remove ${leftovers.join(" and ")} if signing is meant to be off`,
        ),
      );
    }
    const signingOff = "signing is disabled: producers send unsigned envelopes and workers verify nothing";
    findings.push(
      role
        ? finding("error", "STEM_SIGNING_*", `${signingOff}, but a ${role} must ${role === "worker" ? "verify" : "sign"}`, "configure the signing keys for this role (stemguard env render)")
        : finding("warning", "STEM_SIGNING_*", signingOff, "configure signing keys, or pass --role to require them"),
    );
    return findings;
  }
  if (config.algorithm !== "ed25519") return findings; // HMAC: Stem's own parse already demands an active key

  const active = config.activeKeyId === undefined ? undefined : displayKeyId(config.activeKeyId, false);
  if (config.canSign && config.activeKeyId !== undefined && !config.publicKeys.has(config.activeKeyId)) {
    findings.push(
      finding(
        "error",
        `${E.publicKeys}[${active}]`,
        `active key "${active}" has a private key but no public key; Stem loads this env, then every sign fails with 'Missing public key for "${active}"'`,
        `add "${active}" to ${E.publicKeys}`,
      ),
    );
  }
  if (config.canSign) return findings;

  const missing = [...(config.privateKeys.size === 0 ? [E.privateKeys] : []), ...(active === undefined ? [E.activeKey] : [])];
  const lacking = missing.map((name) => `no ${name}`).join(", ");
  const field = missing[0];
  const stemFailure =
    active === undefined ? `${E.activeKey} must be provided to sign with Ed25519.` : `Missing private key for "${active}".`;
  const signFix = `set ${E.privateKeys} with the active key's seed and ${E.activeKey}`;
  if (role === "producer" || role === "beat") {
    findings.push(finding("error", field, `a ${role} must sign, but this env is verify-only (${lacking}); every enqueue fails with "${stemFailure}"`, signFix));
  } else if (role === "worker") {
    findings.push(
      finding(
        options.allowVerifyOnlyWorker ? "warning" : "error",
        field,
        `verify-only Ed25519 worker (${lacking}): Stem's worker re-signs every retry and requeue, which then fails with "${stemFailure}"`,
        options.allowVerifyOnlyWorker ? `accepted by --allow-verify-only-worker; ${signFix} to make retries work` : `${signFix}, or pass --allow-verify-only-worker if this worker's tasks never retry`,
      ),
    );
  } else {
    findings.push(
      finding("warning", field, `verify-only config (${lacking}): fine for a pure verifier, but producers and beat cannot enqueue and workers cannot retry with it`, `${signFix} where this env must sign; pass --role to check it for a component`),
    );
  }
  return findings;
}
