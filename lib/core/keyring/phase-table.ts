import { planRoleEnv } from "./env-plan";
import { ROLES, type KeyState, type Role, type SigningLedger } from "./types";

export interface PhaseTableRow {
  readonly keyId: string;
  readonly state: KeyState;
  /** Roles that accept signatures by this key (it is in their trust list). */
  readonly trustedBy: readonly Role[];
  /** Roles that sign with this key. */
  readonly signedBy: readonly Role[];
}

/** Who trusts and who signs with each key in the ledger's current phase. */
export function phaseTable(ledger: SigningLedger): PhaseTableRow[] {
  const plans = ROLES.map((role) => planRoleEnv(ledger, role));
  const listed = (variable: string, keyId: string) =>
    plans
      .filter((plan) => plan.variables.some((v) => v.name === variable && v.parts.some((p) => p.kind === "material" && p.keyId === keyId)))
      .map((plan) => plan.role);
  const trustVar = ledger.algorithm === "hmac-sha256" ? "STEM_SIGNING_KEYS" : "STEM_SIGNING_PUBLIC_KEYS";
  return ledger.keys.map((key) => ({
    keyId: key.id,
    state: key.state,
    trustedBy: listed(trustVar, key.id),
    signedBy:
      key.state === "active"
        ? plans.filter((p) => p.variables.some((v) => v.name === "STEM_SIGNING_ACTIVE_KEY")).map((p) => p.role)
        : [],
  }));
}

/** The phase table as aligned text for terminals and review comments. */
export function formatPhaseTable(ledger: SigningLedger): string {
  const rows = phaseTable(ledger).map((r) => [r.keyId, r.state, r.trustedBy.join(",") || "-", r.signedBy.join(",") || "-"]);
  const header = ["key", "state", "trusted by", "signs"];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join("  ").trimEnd();
  return [line(header), ...rows.map(line)].join("\n");
}
