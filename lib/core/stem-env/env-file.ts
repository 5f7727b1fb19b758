import { StemguardError } from "../errors";
import { READ_CAPS } from "../fs/limits";
import { readRegularFile } from "../fs/read-regular-file";
import type { EnvMap } from "./signing-config";

/**
 * Env files as Stem's examples and `docker run --env-file` use them:
 * `KEY=VALUE` lines, `#` comment lines, blank lines, optional `export `.
 *
 * Tools disagree on the rest: docker keeps quotes, inline `# comments`,
 * surrounding spaces and `$` literally, while compose strips quotes and
 * comments and interpolates `$VAR`. So the parser refuses every line whose
 * meaning depends on the tool, instead of guessing. Values are never put in
 * an error message (they are usually key material): errors name the line and
 * the variable only.
 */

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const EXPORT = /^export[ \t]+/;
// C0 controls and DEL: no env var can carry NUL, and the rest are invisible.
const CONTROL = /[\u0000-\u0008\u000a-\u001f\u007f]/;

/** Parses env-file text into a map. Throws StemguardError at the first ambiguous line. */
export function parseEnvText(text: string, source = "env file"): EnvMap {
  const env: Record<string, string> = {};
  const firstLine = new Map<string, number>();
  const body = text.startsWith("\ufeff") ? text.slice(1) : text; // docker strips a UTF-8 BOM too
  const lines = body.split("\n");
  lines.forEach((rawLine, index) => {
    const lineNo = index + 1;
    const line = (rawLine.endsWith("\r") ? rawLine.slice(0, -1) : rawLine).replace(/^[ \t]+/, "");
    if (line === "" || line.startsWith("#")) return;
    const where = `${source} line ${lineNo}`;
    const eq = line.indexOf("=");
    if (eq < 0) {
      const looksLikeListEntry = line.includes(":");
      throw new StemguardError("line has no '=' (docker would pass the host's value of that name through)", {
        field: where,
        fix: looksLikeListEntry
          ? "write one VARIABLE=value per line; if this continues a key list, Stem splits key lists on ',' only: put all entries on one line, comma separated"
          : "write VARIABLE=value, or delete the line",
      });
    }
    const rawName = line.slice(0, eq);
    const name = rawName.replace(EXPORT, "");
    if (!NAME.test(name)) {
      // The name is not echoed: on a malformed line it may be key material
      // (a key-list entry such as `k2:<base64>=` on its own line).
      const looksLikeListEntry = rawName.includes(":");
      throw new StemguardError(
        looksLikeListEntry
          ? "line looks like a key-list entry on its own line, not NAME=value"
          : "invalid variable name (letters, digits and '_' only, not starting with a digit; no spaces around '=')",
        {
          field: where,
          fix: looksLikeListEntry
            ? "Stem splits key lists on ',' only: put all entries on the variable's line, comma separated"
            : "write NAME=value with nothing between the name and '='",
        },
      );
    }
    const value = line.slice(eq + 1);
    const field = `${where} (${name})`;
    const refuse = (problem: string, fix: string): never => {
      throw new StemguardError(problem, { field, fix });
    };
    if (value.startsWith('"') || value.startsWith("'")) {
      refuse("quoted value: docker --env-file keeps the quotes as part of the value, compose strips them", "remove the quotes; values need none");
    }
    if (/^\s|\s$/.test(value)) {
      refuse("value starts or ends with whitespace: docker keeps it, compose strips it", "remove the spaces around the value");
    }
    if (/\s#/.test(value)) {
      refuse("value contains ' #': compose reads it as a comment, docker as part of the value", "put comments on their own line");
    }
    if (value.includes("$")) {
      refuse("value contains '$': compose interpolates it, docker does not", "remove the '$' (Stem values never need one)");
    }
    if (CONTROL.test(value)) {
      refuse("value contains a control character", "remove it; re-save the file as plain UTF-8 text");
    }
    const seen = firstLine.get(name);
    if (seen !== undefined) {
      refuse(`variable is set twice (first on line ${seen})`, "keep exactly one line for it");
    }
    firstLine.set(name, lineNo);
    env[name] = value;
  });
  return Object.freeze(env);
}

const UTF8 = new TextDecoder("utf-8", { fatal: true });

/** Reads and parses an env file (see parseEnvText). Throws StemguardError when unreadable or ambiguous. */
export function readEnvFile(path: string): EnvMap {
  // Regular files only, capped: a FIFO or /dev/zero passed as an env file must not block or grow without bound.
  const bytes = readRegularFile(path, { field: path, maxBytes: READ_CAPS.envFile, what: "env file", shownPath: null });
  let text: string;
  try {
    text = UTF8.decode(bytes);
  } catch {
    throw new StemguardError("the env file is not valid UTF-8", { field: path, fix: "re-save it as UTF-8 text" });
  }
  return parseEnvText(text, path);
}
