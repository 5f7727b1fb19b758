import { formatStatusTable } from "../ledger/table";
import { signingKeyringKind } from "./signing-kind";
import { signingSection } from "./steps";
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
  const section = signingSection(ledger);
  const roles = (cell: string) => (cell === "-" ? [] : (cell.split(",") as Role[])).filter((r) => ROLES.includes(r));
  return signingKeyringKind.table(section.state, section.options).rows.map(([keyId, state, trusted, signs]) => ({
    keyId,
    state: state as KeyState,
    trustedBy: roles(trusted),
    signedBy: roles(signs),
  }));
}

/** The phase table as aligned text for terminals and review comments. */
export function formatPhaseTable(ledger: SigningLedger): string {
  const section = signingSection(ledger);
  return formatStatusTable(signingKeyringKind.table(section.state, section.options));
}
