import { StemguardError } from "../errors";
import { readLedgerDocument, serializeLedgerDocument, writeLedgerDocument } from "../ledger/document";
import { parseSection } from "../ledger/section";
import { tlsLedgerFromSection, tlsSection } from "./ca-ledger";
import { tlsCaKind } from "./ca-ledger-kind";
import type { TlsCaLedger } from "./ca-ledger-types";

/** Where the CA-rotation ledger lives unless told otherwise. */
export const DEFAULT_TLS_LEDGER_FILE = "stemguard.tls.json";

/**
 * Validates untrusted data as a CA ledger: shape, no unknown field, and that
 * `cas` and `leaves` are exactly what replaying `history` yields (every step
 * legal in turn), so no hand edit moves a CA from absent to active in one phase.
 */
export function parseTlsLedger(data: unknown, source = "ledger"): TlsCaLedger {
  return tlsLedgerFromSection(parseSection(tlsCaKind, data, source));
}

/** The canonical text of a ledger: fixed field order, trailing newline (small pull-request diffs). */
export function serializeTlsLedger(ledger: TlsCaLedger): string {
  return serializeLedgerDocument({ sections: [tlsSection(ledger)] });
}

/** Reads and fully validates a ledger file. */
export function readTlsLedgerFile(file: string): TlsCaLedger {
  const doc = readLedgerDocument(file, [tlsCaKind], { field: "--ledger", missingFix: "create it with an init step, or pass --ledger PATH" });
  if (doc.sections.length !== 1) {
    throw new StemguardError("the file holds sections of several kinds; the CA ledger reads a file of its own", { field: "--ledger", value: file, fix: "pass the CA ledger (stemguard.tls.json)" });
  }
  return tlsLedgerFromSection(doc.sections[0]);
}

/** Writes a ledger atomically (temp + rename), after validating it. */
export function writeTlsLedgerFile(file: string, ledger: TlsCaLedger): void {
  writeLedgerDocument(file, { sections: [tlsSection(ledger)] });
}
