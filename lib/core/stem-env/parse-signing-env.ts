import { DartBase64Error, dartBase64Decode } from "../base64";
import { StemConfigError } from "../errors";
import { KEY_ID_PATTERN } from "../keyring/types";
import { looksLikeMaterial, redacted } from "../redact/redact";
import type { SigningAlgorithm } from "../keyring/types";
import type { EnvMap, StemSigningConfig } from "./signing-config";

/**
 * `SigningConfig.fromEnvironment` (Stem `signing.dart`, docs/stem-compat.md §1.1-1.3),
 * reproduced exactly: same defaults, same grammar, same errors with the same
 * text. stemguard's stricter rules live in strict-check.ts, not here.
 */

/** The only `STEM_SIGNING_*` variables Stem reads (`_SigningEnv`). */
export const STEM_SIGNING_ENV = {
  algorithm: "STEM_SIGNING_ALGORITHM",
  keys: "STEM_SIGNING_KEYS",
  publicKeys: "STEM_SIGNING_PUBLIC_KEYS",
  privateKeys: "STEM_SIGNING_PRIVATE_KEYS",
  activeKey: "STEM_SIGNING_ACTIVE_KEY",
} as const;

/** The `<desc>` Stem puts in key-list errors, per variable. */
export type StemKeyListDesc = "signing key" | "public key" | "private key";

/** Which `<desc>` Stem uses for each key-list variable. */
export const KEY_LIST_DESC: Readonly<Record<string, StemKeyListDesc>> = {
  [STEM_SIGNING_ENV.keys]: "signing key",
  [STEM_SIGNING_ENV.publicKeys]: "public key",
  [STEM_SIGNING_ENV.privateKeys]: "private key",
};

// Dart's String.trim: Unicode White_Space plus BOM. JS trim() differs only by not removing U+0085 (NEL).
const DART_WS = "\t\n\u000b\f\r \u0085\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000\ufeff";
const LEADING_WS = new RegExp(`^[${DART_WS}]+`);
const TRAILING_WS = new RegExp(`[${DART_WS}]+$`);

/** Dart's `String.trim()`. */
export function dartTrim(text: string): string {
  return text.replace(LEADING_WS, "").replace(TRAILING_WS, "");
}

/**
 * Stem's `_parseKeyList`: split on ',' only, trim and skip empty entries,
 * split each on every ':' into exactly 2 parts, trimmed non-empty id, trimmed
 * value through Dart `base64.decode`. A repeated id: the later entry wins.
 * Lengths are not checked (Stem does not).
 */
export function parseStemKeyList(raw: string, desc: StemKeyListDesc): Map<string, Uint8Array> {
  const map = new Map<string, Uint8Array>();
  for (const entry of raw.split(",")) {
    const trimmed = dartTrim(entry);
    if (trimmed === "") continue;
    const parts = trimmed.split(":");
    if (parts.length !== 2) {
      throw new StemConfigError("FormatException", `Invalid ${desc} entry "${trimmed}". Expected format keyId:base64Value`);
    }
    const keyId = dartTrim(parts[0]);
    if (keyId === "") throw new StemConfigError("FormatException", `${desc} id cannot be empty.`);
    try {
      map.set(keyId, dartBase64Decode(dartTrim(parts[1])));
    } catch (err) {
      if (!(err instanceof DartBase64Error)) throw err;
      throw new StemConfigError("FormatException", `${desc} "${keyId}" must be base64 encoded.`);
    }
  }
  return map;
}

const DISABLED: StemSigningConfig = Object.freeze({
  algorithm: "hmac-sha256",
  keys: new Map(),
  publicKeys: new Map(),
  privateKeys: new Map(),
  activeKeyId: undefined,
  isEnabled: false,
  canSign: false,
});

/** Stem's `SigningAlgorithm.parse` on the trimmed value: empty or unset means hmac-sha256. */
export function parseStemAlgorithm(trimmed: string | undefined): SigningAlgorithm {
  if (trimmed === undefined || trimmed === "") return "hmac-sha256";
  const lower = trimmed.toLowerCase();
  if (lower === "hmac-sha256" || lower === "ed25519") return lower;
  throw new StemConfigError("FormatException", `Unsupported signing algorithm "${trimmed}"`);
}

/**
 * What Stem's `SigningConfig.fromEnvironment(env)` returns for `env`, or the
 * StemConfigError (kind + exact message) it throws. The message may contain
 * key material (the `Invalid ... entry` text quotes the entry): print it only
 * through redactStemMessage.
 */
export function parseStemSigningEnv(env: EnvMap): StemSigningConfig {
  const read = (name: string): string | undefined => {
    const value = env[name];
    return value === undefined ? undefined : dartTrim(value);
  };
  const algorithm = parseStemAlgorithm(read(STEM_SIGNING_ENV.algorithm));
  const active = read(STEM_SIGNING_ENV.activeKey);
  const activeKeyId = active === undefined || active === "" ? undefined : active;

  if (algorithm === "hmac-sha256") {
    const rawKeys = read(STEM_SIGNING_ENV.keys);
    if (rawKeys === undefined || rawKeys === "") return DISABLED;
    const keys = parseStemKeyList(rawKeys, "signing key");
    if (keys.size === 0) return DISABLED;
    if (activeKeyId === undefined) {
      throw new StemConfigError("StateError", `Missing ${STEM_SIGNING_ENV.activeKey}; required when signing keys are provided.`);
    }
    if (!keys.has(activeKeyId)) {
      throw new StemConfigError("StateError", `Active signing key "${activeKeyId}" not present in ${STEM_SIGNING_ENV.keys}.`);
    }
    return Object.freeze({ algorithm, keys, publicKeys: new Map(), privateKeys: new Map(), activeKeyId, isEnabled: true, canSign: true });
  }

  const rawPublic = read(STEM_SIGNING_ENV.publicKeys);
  if (rawPublic === undefined || rawPublic === "") return DISABLED;
  const publicKeys = parseStemKeyList(rawPublic, "public key");
  const rawPrivate = read(STEM_SIGNING_ENV.privateKeys);
  const privateKeys =
    rawPrivate === undefined || rawPrivate === "" ? new Map<string, Uint8Array>() : parseStemKeyList(rawPrivate, "private key");
  if (activeKeyId !== undefined && privateKeys.size > 0 && !privateKeys.has(activeKeyId)) {
    throw new StemConfigError("StateError", `Active signing key "${activeKeyId}" missing from ${STEM_SIGNING_ENV.privateKeys}.`);
  }
  return Object.freeze({
    algorithm,
    keys: new Map(),
    publicKeys,
    privateKeys,
    activeKeyId,
    // Unlike HMAC, a list of only empty entries (",") is not disabled(): the
    // algorithm stays ed25519, isEnabled is false, and canSign can still be true.
    isEnabled: publicKeys.size > 0,
    canSign: activeKeyId !== undefined && privateKeys.has(activeKeyId),
  });
}

/** How Dart prints the error (`toString()`), as `stem health` shows it after `Failed to load StemConfig: `. */
export function dartErrorText(err: StemConfigError): string {
  return err.kind === "StateError" ? `Bad state: ${err.stemMessage}` : `FormatException: ${err.stemMessage}`;
}

const INVALID_ENTRY = /^Invalid (signing key|public key|private key) entry "([\s\S]*)"\. Expected format keyId:base64Value$/;
const NOT_BASE64 = /^(signing key|public key|private key) "([\s\S]*)" must be base64 encoded\.$/;
const UNSUPPORTED = /^Unsupported signing algorithm "([\s\S]*)"$/;
const ACTIVE = /^Active signing key "([\s\S]*)" (not present in|missing from) (STEM_SIGNING_\w+)\.$/;

/**
 * Stem's message with key material removed. Only the `Invalid <desc> entry
 * "<entry>"` message carries material: Stem quotes the whole malformed entry,
 * value included, and a malformed entry is exactly what ends up in deploy
 * logs. The text before the first ':' (the key id) is kept; everything after
 * it is replaced by its length. An entry without ':' is replaced entirely.
 */
export function redactStemMessage(stemMessage: string): string {
  const entry = INVALID_ENTRY.exec(stemMessage);
  if (entry) return `Invalid ${entry[1]} entry "${redactKeyEntry(entry[2])}". Expected format keyId:base64Value`;
  // A "key id" that is itself base64 is what a list with the id left out
  // (`<secret>:x`) or pasted into ACTIVE_KEY looks like.
  const notBase64 = NOT_BASE64.exec(stemMessage);
  if (notBase64) return `${notBase64[1]} "${displayKeyId(notBase64[2], false)}" must be base64 encoded.`;
  const active = ACTIVE.exec(stemMessage);
  if (active) return `Active signing key "${displayKeyId(active[1], false)}" ${active[2]} ${active[3]}.`;
  // A secret pasted into STEM_SIGNING_ALGORITHM: Stem quotes the whole value.
  const algorithm = UNSUPPORTED.exec(stemMessage);
  if (algorithm) return `Unsupported signing algorithm "${/^[A-Za-z0-9._-]{1,24}$/.test(algorithm[1]) ? displayKeyId(algorithm[1], false) : redacted(algorithm[1])}"`;
  return stemMessage;
}

/**
 * Whether a key id looks like key material rather than a name: 16+
 * characters of base64 that decode to 12+ bytes. Real ids such as
 * `rotation-2026-q1` can match too, so callers apply it only where a value is
 * missing or broken (or there is no value: the active id).
 */
export function keyIdLooksLikeMaterial(id: string): boolean {
  if (id.length < 16 || !/^[A-Za-z0-9+/_-]+(?:=|%3[Dd]){0,2}$/.test(id)) return false;
  const padded = /[=%]/.test(id) || id.length % 4 === 0 ? id : id + "=".repeat(4 - (id.length % 4));
  try {
    return dartBase64Decode(padded).length >= 12;
  } catch {
    return false;
  }
}

/**
 * A key id for output: the id itself, or `<redacted N chars>` when it fails
 * the id rule or looks like material (redact/redact.ts), and also when it
 * merely decodes as 12+ bytes of base64 while its value is broken
 * (`valueIsValid` false): that is what a list with the id left out looks like.
 */
export function displayKeyId(id: string, valueIsValid: boolean): string {
  if (!KEY_ID_PATTERN.test(id) || looksLikeMaterial(id)) return redacted(id);
  return !valueIsValid && keyIdLooksLikeMaterial(id) ? redacted(id) : id;
}

/** `id:<redacted N chars>` for a key-list entry; never returns the value part. */
export function redactKeyEntry(entry: string): string {
  const colon = entry.indexOf(":");
  if (colon < 0) return redacted(entry);
  const id = entry.slice(0, colon);
  const shownId = displayKeyId(dartTrim(id), false) === dartTrim(id) ? id : redacted(id);
  return `${shownId}:${redacted(entry.slice(colon + 1))}`;
}

/** A key id for output wherever it is printed: displayKeyId next to a valid value. */
export function redactId(id: string): string {
  return displayKeyId(id, true);
}
