import { StemguardError } from "../errors";
import { dartUtcIso8601String } from "./dart-datetime";
import { SIGNATURE_HEADER, SIGNATURE_KEY_HEADER, type EnvelopeFields } from "./envelope";
import { dartNumberToString, writeWireJson, type WireNumber, type WireValue } from "./wire-json";

/**
 * The bytes Stem signs (docs/stem-compat.md §2.2, `PayloadSigner._canonicalize`):
 * `utf8.encode(jsonEncode(map))` where `map` is a `SplayTreeMap`, so keys
 * are sorted by UTF-16 code unit at every level, and there is no whitespace.
 *
 * Top level: args, attempt, enqueuedAt (`toUtc().toIso8601String()`),
 * headers (without `stem-signature` and `stem-signature-key`), id,
 * maxRetries, meta, name, notBefore (always present, null when unset),
 * priority, queue, visibilityTimeoutMs (always present; note the name).
 *
 * Map keys inside args and meta go through `toString()` in Stem; keys of
 * decoded JSON are strings already, so they are used as they are.
 *
 * Numbers print as Dart prints the parsed value (`1.0` stays `1.0`, `1.50`
 * becomes `1.5`), never as the raw wire token: Stem re-encodes what it
 * parsed. Strings are escaped like `JSON.stringify`, which is what Dart's
 * `jsonEncode` does (lowercase `\u00xx`, lone surrogates as `\udxxx`,
 * non-ASCII and `/` raw).
 */

/**
 * Stem's `jsonEncode` would throw `JsonUnsupportedObjectError` (a NaN or
 * infinite double, e.g. from a wire token like `1e999`). Stem then neither
 * signs nor verifies: the error escapes the signature path.
 */
export class UnencodableValueError extends StemguardError {
  constructor(
    /** Dart's error text (`JsonUnsupportedObjectError.toString()`). */
    public readonly dartMessage: string,
  ) {
    super("Stem cannot JSON-encode this envelope, so it can neither sign nor verify it", {
      field: "envelope",
      value: dartMessage,
      fix: "replace NaN/Infinity (or numbers like 1e999 that overflow a double) with finite numbers or strings",
    });
    this.name = "UnencodableValueError";
  }
}

/** The canonical map: Stem's 12 top-level keys with canonical values. */
export function canonicalMap(envelope: EnvelopeFields): Map<string, WireValue> {
  const headers = new Map<string, WireValue>();
  for (const [key, value] of envelope.headers) {
    if (key !== SIGNATURE_HEADER && key !== SIGNATURE_KEY_HEADER) headers.set(key, value);
  }
  const int = (value: bigint): WireNumber => ({ kind: "int", value });
  return new Map<string, WireValue>([
    ["id", envelope.id],
    ["name", envelope.name],
    ["queue", envelope.queue],
    ["args", envelope.args],
    ["meta", envelope.meta],
    ["headers", headers],
    ["enqueuedAt", dartUtcIso8601String(envelope.enqueuedAt)],
    ["notBefore", envelope.notBefore === null ? null : dartUtcIso8601String(envelope.notBefore)],
    ["priority", int(envelope.priority)],
    ["attempt", int(envelope.attempt)],
    ["maxRetries", int(envelope.maxRetries)],
    ["visibilityTimeoutMs", envelope.visibilityTimeoutMs === null ? null : int(envelope.visibilityTimeoutMs)],
  ]);
}

/**
 * `jsonEncode` of a value with every map's keys sorted by UTF-16 code unit
 * and numbers printed as Dart prints them. Throws UnencodableValueError for
 * non-finite doubles.
 */
export function encodeCanonicalJson(value: WireValue): string {
  const out: string[] = [];
  writeWireJson(value, out, dartCanonicalNumber, true);
  return out.join("");
}

/** The canonical string Stem signs for `envelope`. */
export function canonicalString(envelope: EnvelopeFields): string {
  return encodeCanonicalJson(canonicalMap(envelope));
}

/** The canonical UTF-8 bytes Stem signs for `envelope`. */
export function canonicalBytes(envelope: EnvelopeFields): Uint8Array {
  return new Uint8Array(Buffer.from(canonicalString(envelope), "utf8"));
}

function dartCanonicalNumber(value: WireNumber): string {
  if (value.kind === "double" && !Number.isFinite(value.value)) {
    throw new UnencodableValueError(`Converting object to an encodable object failed: ${dartNumberToString(value)}`);
  }
  return dartNumberToString(value);
}
