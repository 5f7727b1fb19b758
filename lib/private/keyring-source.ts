import { createHash } from "node:crypto";
import { StemguardError } from "../core/errors";
import { parseLedger, readLedgerFile } from "../core/keyring/ledger-file";
import { ROLES, type Role, type SigningLedger } from "../core/keyring/types";

/** The props every signing-keyring construct takes for its ledger and roles. */
export interface KeyringSourceProps {
  readonly ledger?: SigningLedger;
  readonly ledgerFile?: string;
  readonly roles?: readonly Role[];
}

/**
 * The validated ledger from exactly one of `ledger` and `ledgerFile`.
 * parseLedger re-checks objects too: phase >= 1 (keys exist), exactly one
 * active key, unique ids, keys equal to the replayed history.
 */
export function loadKeyringLedger(props: KeyringSourceProps, field: (name: string) => string): SigningLedger {
  if ((props.ledger === undefined) === (props.ledgerFile === undefined)) {
    throw new StemguardError("give exactly one of ledger and ledgerFile", {
      field: field("ledger"),
      value: props.ledger === undefined ? "neither" : "both",
      fix: 'pass ledgerFile: "stemguard.rotation.json" (or a SigningLedger object as ledger)',
    });
  }
  return props.ledger !== undefined ? parseLedger(props.ledger, field("ledger")) : readLedgerFile(props.ledgerFile!, {
        field: field("ledgerFile"),
        missingFix: `create it with 'stemguard rotate init <key-id>' or fix the path (relative paths start at ${process.cwd()})`,
      });
}

/** `roles` checked (known, non-empty, no repeats) and put in producer, worker, beat order; all roles when absent. */
export function resolveKeyringRoles(roles: readonly Role[] | undefined, field: string): readonly Role[] {
  if (roles === undefined) return ROLES;
  if (roles.length === 0) {
    throw new StemguardError("roles must not be empty", { field, value: roles, fix: "leave roles out for all roles, or list the roles this stack runs" });
  }
  for (const role of roles) {
    if (!ROLES.includes(role)) {
      throw new StemguardError(`unknown role; roles are ${ROLES.join(", ")}`, { field, value: role, fix: "use producer, worker or beat" });
    }
  }
  if (new Set(roles).size !== roles.length) {
    throw new StemguardError("roles must not repeat", { field, value: roles, fix: "list each role once" });
  }
  return ROLES.filter((r) => roles.includes(r));
}

/**
 * A short, stable tag of a ledger (its algorithm and history; ids only, no
 * material). Keyrings share a material input only when they render the same
 * ledger: two ledgers that both call a key "k1" hold two different keys.
 */
export function ledgerTag(ledger: SigningLedger): string {
  return createHash("sha256").update(JSON.stringify([ledger.algorithm, ledger.history])).digest("hex").slice(0, 12);
}
