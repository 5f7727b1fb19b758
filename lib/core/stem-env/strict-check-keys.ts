import { DartBase64Error, dartBase64Decode, encodeBase64Std } from "../base64";
import { KEY_ID_PATTERN } from "../keyring/types";
import { ed25519PublicKey } from "../ed25519";
import { Finding, finding } from "./finding";
import { STEM_SIGNING_ENV, dartTrim, displayKeyId, redactId } from "./parse-signing-env";

/**
 * stemguard's rules for one key-list variable, read from the raw text so they
 * work even where Stem's parser stops at the first problem (docs/stem-compat.md §1.2,
 * §2.5, §9.1-9.2). Stem accepts much of what is refused here: empty values,
 * URL-safe or `%3D` base64, duplicate ids, any key length.
 */

/** What a list's values are. */
export type KeyListKind = "hmac-secret" | "ed25519-public" | "ed25519-seed";

/** The result of checking one list. */
export interface KeyListCheck {
  readonly findings: Finding[];
  /** Entries with a usable id that Stem can decode, later duplicates last (Stem keeps the last). */
  readonly decoded: Map<string, Uint8Array>;
}

const STD_FIX = "standard base64 with '=' padding, e.g. Node Buffer#toString('base64') or `openssl rand -base64 32`";
const SPKI_ED25519_PREFIX = Buffer.from("302a300506032b6570032100", "hex");
const PKCS8_ED25519_PREFIX = Buffer.from("302e020100300506032b657004220420", "hex");

/** Checks the list in `name` (raw value `raw`, already known to be non-blank). */
export function checkKeyList(name: string, raw: string, kind: KeyListKind): KeyListCheck {
  const findings: Finding[] = [];
  const decoded = new Map<string, Uint8Array>();
  const seen = new Map<string, { readonly shown: string; readonly entries: number[] }>();
  let emptyEntries = 0;
  let splitByWhitespace = false;

  raw.split(",").forEach((piece, index) => {
    const n = index + 1;
    const entry = dartTrim(piece);
    if (entry === "") {
      emptyEntries++;
      return;
    }
    const parts = entry.split(":");
    if (parts.length !== 2) {
      const whitespace = /\s/.test(entry) && parts.length > 2;
      splitByWhitespace ||= whitespace;
      findings.push(
        finding(
          "error",
          `${name}[entry ${n}]`,
          parts.length === 1
            ? "entry has no ':' between key id and value"
            : whitespace
              ? `entry has ${parts.length - 1} ':' separated by whitespace: Stem splits key lists on ',' only, so it reads this as one malformed entry`
              : `entry has ${parts.length - 1} ':'; Stem expects exactly one (a key id cannot contain ':')`,
          whitespace ? "separate entries with ',' on one line: id1:<b64>,id2:<b64>" : "write each entry as <id>:<base64>, ids matching [A-Za-z0-9._-]+",
        ),
      );
      return;
    }
    const id = dartTrim(parts[0]);
    if (id === "") {
      findings.push(finding("error", `${name}[entry ${n}]`, "entry has an empty key id", "write each entry as <id>:<base64>"));
      return;
    }
    const value = dartTrim(parts[1]);
    const bytes = tryDecode(value);
    const shown = displayKeyId(id, value !== "" && !(bytes instanceof DartBase64Error));
    const field = `${name}[${shown}]`;
    const occurrences = seen.get(id) ?? { shown, entries: [] };
    seen.set(id, { ...occurrences, entries: [...occurrences.entries, n] });
    if (!KEY_ID_PATTERN.test(id)) {
      findings.push(
        finding(
          "error",
          field,
          `key id of entry ${n} (${shown}) has characters outside [A-Za-z0-9._-]; not printed, as it may be a secret in the wrong place`,
          "rename the key using letters, digits, '.', '_' or '-' (the id also travels in the stem-signature-key header)",
        ),
      );
    }
    else if (shown !== id) {
      findings.push(
        finding("warning", field, `key id of entry ${n} (${shown}) looks like key material (a long base64 or hex run); not printed`, "name keys with short ids such as k2026-12; never put a secret in an id"),
      );
    }
    if (value === "") {
      findings.push(emptyValueFinding(field, kind));
      return;
    }
    if (bytes instanceof DartBase64Error) {
      findings.push(finding("error", field, `${decodeProblem(value, bytes)}; Stem refuses it`, `use ${STD_FIX}`));
      return;
    }
    decoded.set(id, bytes);
    if (encodeBase64Std(bytes) !== value) findings.push(nonStandardFinding(field, value));
    const lengthFinding = checkLength(field, bytes, kind);
    if (lengthFinding) findings.push(lengthFinding);
  });

  for (const { shown, entries } of seen.values()) {
    if (entries.length > 1) {
      findings.push(
        finding(
          "error",
          `${name}[${shown}]`,
          `key id "${shown}" appears ${entries.length} times (entries ${entries.join(", ")}); Stem silently keeps the last one`,
          "keep exactly one entry per key id",
        ),
      );
    }
  }
  if (emptyEntries > 0) {
    findings.push(finding("warning", name, `list has ${emptyEntries} empty entr${emptyEntries === 1 ? "y" : "ies"} (',,' or a leading or trailing ','); Stem skips them`, "remove the extra ','"));
  }
  if (!splitByWhitespace && /\s/.test(raw)) {
    findings.push(finding("warning", name, "list contains whitespace; Stem trims it around entries, ids and values, other tools may not", "write id1:<b64>,id2:<b64> with no spaces"));
  }
  return { findings, decoded };
}

function tryDecode(value: string): Uint8Array | DartBase64Error {
  try {
    return dartBase64Decode(value);
  } catch (err) {
    if (err instanceof DartBase64Error) return err;
    throw err;
  }
}

function emptyValueFinding(field: string, kind: KeyListKind): Finding {
  switch (kind) {
    case "hmac-secret":
      return finding("error", field, "empty secret: Stem accepts it as a 0-byte HMAC key, which anyone can forge", "generate 32 random bytes: `openssl rand -base64 32`");
    case "ed25519-public":
      return finding("error", field, "empty public key: Stem accepts it, then every verification with this key throws", "use the raw 32-byte public key, standard base64 (44 characters)");
    case "ed25519-seed":
      return finding(
        "error",
        field,
        'empty private key: Stem accepts it and signs with a key derived from 0 bytes, so every message dead-letters with "signature mismatch"',
        "use the raw 32-byte Ed25519 seed, standard base64 (44 characters)",
      );
  }
}

function decodeProblem(value: string, err: DartBase64Error): string {
  if (/\s/.test(value)) return "value contains whitespace inside the base64";
  switch (err.reason) {
    case "Invalid length, must be multiple of four":
      return `value is base64 without '=' padding (length ${value.length} is not a multiple of 4)`;
    case "Invalid encoding before padding":
      return "value has non-zero bits before the padding (not the encoding of any bytes: truncated or hand-edited?)";
    case "Invalid character":
      return `value has a character outside base64 at position ${err.offset + 1}`;
    case "Missing padding character":
    case "Invalid padding character":
      return `value has malformed padding at position ${err.offset + 1}`;
  }
}

function nonStandardFinding(field: string, value: string): Finding {
  if (/[-_]/.test(value)) {
    return finding("error", field, "value uses the URL-safe base64 alphabet ('-' or '_'); Stem accepts it, stemguard requires standard base64", `re-encode as ${STD_FIX}`);
  }
  if (value.includes("%")) {
    return finding("error", field, "value uses '%3D' as padding; Stem accepts it, stemguard requires '='", `re-encode as ${STD_FIX}`);
  }
  return finding("error", field, "value is not in standard padded base64 form", `re-encode as ${STD_FIX}`);
}

const startsWith = (bytes: Uint8Array, prefix: Uint8Array) => bytes.length >= prefix.length && Buffer.from(bytes.subarray(0, prefix.length)).equals(prefix);
const isPem = (bytes: Uint8Array) => Buffer.from(bytes.subarray(0, 10)).toString("latin1") === "-----BEGIN";

function checkLength(field: string, bytes: Uint8Array, kind: KeyListKind): Finding | undefined {
  const n = bytes.length;
  if (kind === "hmac-secret") {
    if (n >= 32) return undefined;
    return finding("error", field, `HMAC secret is ${n} bytes; stemguard requires at least 32 (Stem accepts any length)`, "generate 32 random bytes: `openssl rand -base64 32`");
  }
  if (n === 32) return undefined;
  const pem = isPem(bytes) ? "value is base64 of a PEM file" : undefined;
  if (kind === "ed25519-public") {
    const what =
      pem ??
      (n === 44 && startsWith(bytes, SPKI_ED25519_PREFIX)
        ? "public key is 44 bytes and looks like DER SubjectPublicKeyInfo"
        : `public key is ${n} bytes; Ed25519 public keys are 32 bytes`);
    return finding(
      "error",
      field,
      `${what}; Stem needs the raw 32-byte key (with any other length its verify throws instead of rejecting the message)`,
      "use the raw 32-byte public key (from SPKI DER: the last 32 bytes), standard base64 (44 characters)",
    );
  }
  let what: string;
  let fix = "use the raw 32-byte RFC 8032 seed, standard base64 (44 characters)";
  if (pem) {
    what = pem;
  } else if (n === 64) {
    const halves = Buffer.from(ed25519PublicKey(bytes.subarray(0, 32))).equals(bytes.subarray(32));
    what = halves
      ? "private key is 64 bytes: a libsodium/NaCl secret key (the 32-byte seed followed by its public key)"
      : "private key is 64 bytes, like a libsodium/NaCl secret key (seed followed by public key)";
    fix = "use only the first 32 bytes (the seed)";
  } else if (n === 48 && startsWith(bytes, PKCS8_ED25519_PREFIX)) {
    what = "private key is 48 bytes and looks like PKCS#8 DER";
    fix = "use only the last 32 bytes (the seed)";
  } else {
    what = `private key is ${n} bytes; Ed25519 seeds are 32 bytes`;
  }
  return finding(
    "error",
    field,
    `${what}; Stem hashes whatever bytes it gets, so it would sign with a different key and every message dead-letters with "signature mismatch"`,
    fix,
  );
}

/**
 * Ed25519 pairs: a 32-byte seed must derive the 32-byte public key listed
 * under the same id (Stem re-derives the public key from the seed when it
 * signs, while workers verify with the listed one). A seed without any public
 * key can never sign.
 */
export function checkEd25519Pairs(
  publicKeys: ReadonlyMap<string, Uint8Array>,
  seeds: ReadonlyMap<string, Uint8Array>,
  activeKeyId: string | undefined,
): Finding[] {
  const findings: Finding[] = [];
  for (const [rawId, seed] of seeds) {
    const id = redactId(rawId); // for output only
    const field = `${STEM_SIGNING_ENV.privateKeys}[${id}]`;
    const listed = publicKeys.get(rawId);
    if (listed === undefined) {
      // The active key's case is an error reported with the signing rules.
      if (rawId !== activeKeyId) {
        findings.push(
          finding("warning", field, `private key "${id}" has no public key in ${STEM_SIGNING_ENV.publicKeys}; Stem cannot sign with it`, `add "${id}" to ${STEM_SIGNING_ENV.publicKeys} or drop the private key`),
        );
      }
      continue;
    }
    if (seed.length !== 32 || listed.length !== 32) continue; // reported by the length rule
    if (!Buffer.from(ed25519PublicKey(seed)).equals(listed)) {
      findings.push(
        finding(
          "error",
          field,
          `private key "${id}" does not belong to ${STEM_SIGNING_ENV.publicKeys}[${id}] (the public key it derives differs); workers verify with the listed key, so every message signed with "${id}" dead-letters with "signature mismatch"`,
          "pair each seed with the public key derived from it (both from the same generator run)",
        ),
      );
    }
  }
  return findings;
}
