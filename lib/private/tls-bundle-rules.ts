import { Token } from "cdktf";
import { StemguardError } from "../core/errors";

/** A TLS bundle's revision (the TLS ledger's phase): a whole number >= 1, or a token. */
export function assertTlsRevision(revision: number, field: string): void {
  if (Token.isUnresolved(revision)) return;
  if (!Number.isSafeInteger(revision) || revision < 1) {
    throw new StemguardError("revision must be a whole number >= 1", { field, value: revision, fix: "pass the TLS ledger's phase (stemguard.tls.json), e.g. revision: ledger.phase" });
  }
}

/**
 * Where the bundle's files appear in a container: an absolute path of plain
 * segments, so it can be written into env values and shell words as is.
 */
export function assertPlainAbsolutePath(value: string, field: string, name: string, example: string): void {
  if (!/^\/[A-Za-z0-9._\-/]*[A-Za-z0-9._-]$/.test(value) || value.split("/").some((s, i) => i > 0 && (s === "" || s === "." || s === ".."))) {
    throw new StemguardError(`${name} must be an absolute path of letters, digits, '.', '_', '-' without '..', '//' or a trailing '/'`, {
      field,
      value,
      fix: `use a path such as "${example}"`,
    });
  }
}
