import { StemguardError } from "../errors";
import { findDuplicateJsonKey } from "./json-duplicate-keys";
import { READ_CAPS } from "./limits";
import { readRegularTextFile } from "./read-regular-file";

export interface ReadJsonOptions {
  /** The flag or field to name when the file cannot be read (e.g. `--ledger`). */
  readonly field: string;
  /** What to do when the file does not exist. */
  readonly missingFix: string;
  /** What to do when the file is not valid JSON. */
  readonly invalidFix: string;
  /**
   * Largest file accepted, in bytes.
   *
   * @default READ_CAPS.jsonLedger (32 MiB)
   */
  readonly maxBytes?: number;
}

/**
 * Reads a JSON file stemguard also writes (a ledger, a manifest): a regular
 * file, not a symbolic link (a write would replace the link, not its
 * target), within the size cap, valid JSON without duplicate keys. Any
 * problem becomes a StemguardError (exit 64).
 */
export function readJsonFile(file: string, options: ReadJsonOptions): unknown {
  const text = readRegularTextFile(file, {
    field: options.field,
    maxBytes: options.maxBytes ?? READ_CAPS.jsonLedger,
    what: "ledger file",
    missingFix: options.missingFix,
    noFollow: true,
  });
  return parseJsonText(text, file, options.invalidFix);
}

/**
 * Parses JSON text; `source` names it in the error. Refuses a key that
 * appears twice in one object (JSON.parse would keep the last silently),
 * naming the key's path.
 */
export function parseJsonText(text: string, source: string, invalidFix: string): unknown {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new StemguardError(`ledger is not valid JSON (${(err as Error).message})`, { field: source, fix: invalidFix });
  }
  const duplicate = findDuplicateJsonKey(text);
  if (duplicate !== undefined) {
    throw new StemguardError(`key ${duplicate} appears twice in the same object (JSON readers disagree on which one counts)`, {
      field: source,
      fix: "keep exactly one of the two entries; the file must say one thing",
    });
  }
  return data;
}
