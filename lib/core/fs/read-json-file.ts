import * as fs from "node:fs";
import { StemguardError } from "../errors";

export interface ReadJsonOptions {
  /** The flag or field to name when the file cannot be read (e.g. `--ledger`). */
  readonly field: string;
  /** What to do when the file does not exist. */
  readonly missingFix: string;
  /** What to do when the file is not valid JSON. */
  readonly invalidFix: string;
}

/** Reads a JSON file, turning a missing file, a read error or bad JSON into a StemguardError. */
export function readJsonFile(file: string, options: ReadJsonOptions): unknown {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new StemguardError(code === "ENOENT" ? "ledger file does not exist" : `cannot read ledger file (${code})`, {
      field: options.field,
      value: file,
      fix: code === "ENOENT" ? options.missingFix : "check the path and permissions",
    });
  }
  return parseJsonText(text, file, options.invalidFix);
}

/** Parses JSON text; `source` names it in the error. */
export function parseJsonText(text: string, source: string, invalidFix: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new StemguardError(`ledger is not valid JSON (${(err as Error).message})`, { field: source, fix: invalidFix });
  }
}
