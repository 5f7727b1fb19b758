import { UNSIGNED_KEY_LABEL } from "../metrics/census-metrics";
import { SIGNATURE_KEY_HEADER } from "../signing/envelope";

/** What the census needs of one envelope copy, wherever it is stored. */
export interface EnvelopeView {
  /** `envelope.id`, or undefined when the copy has none (then it is counted but not deduplicated). */
  readonly id: string | undefined;
  /** `headers["stem-signature-key"]` as stored, or {@link UNSIGNED_KEY_LABEL}. Not yet redacted. */
  readonly keyId: string;
  /** `enqueuedAt` in epoch ms, when it parses. */
  readonly enqueuedAtMs: number | undefined;
}

/** A copy the census could not read (not JSON, no headers object): counted apart, never guessed. */
export const UNREADABLE = Symbol("unreadable");

/**
 * A stream entry's envelope: flat string fields (`id`, `headers` as a JSON
 * string, `enqueuedAt` ISO, ...), as Stem's broker writes them with XADD.
 */
export function viewStreamEntry(fields: readonly string[]): EnvelopeView | typeof UNREADABLE {
  let id: string | undefined;
  let headersText: string | undefined;
  let enqueuedAt: string | undefined;
  for (let i = 0; i + 1 < fields.length; i += 2) {
    const name = fields[i];
    if (name === "id") id = fields[i + 1];
    else if (name === "headers") headersText = fields[i + 1];
    else if (name === "enqueuedAt") enqueuedAt = fields[i + 1];
  }
  let headers: unknown = {};
  if (headersText !== undefined) {
    try {
      headers = JSON.parse(headersText);
    } catch {
      return UNREADABLE;
    }
  }
  return view(id, headers, enqueuedAt);
}

/** A delayed ZSET member: `jsonEncode(envelope.toJson())`, headers nested. */
export function viewEnvelopeJson(text: string): EnvelopeView | typeof UNREADABLE {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return UNREADABLE;
  }
  return viewEnvelopeObject(value);
}

/** An envelope object as `Envelope.toJson` gives it. */
export function viewEnvelopeObject(value: unknown): EnvelopeView | typeof UNREADABLE {
  if (!isObject(value)) return UNREADABLE;
  return view(value.id, value.headers ?? {}, value.enqueuedAt);
}

/** A dead letter: `{"envelope":{...},"reason":"...","meta":{"error":"...","keyId":"..."},"deadAt":"..."}`. */
export interface DeadLetterView {
  readonly envelope: EnvelopeView | typeof UNREADABLE;
  readonly reason: string;
  /** `meta.error` when it is a string. */
  readonly error: string | undefined;
  /** `meta.keyId` (the key id that failed verification) when it is a string. */
  readonly failedKeyId: string | undefined;
}

/** Parses one `stem:dead:<queue>` list element; undefined when it is not such a wrapper. */
export function viewDeadLetter(text: string): DeadLetterView | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!isObject(value) || typeof value.reason !== "string") return undefined;
  const meta = isObject(value.meta) ? value.meta : {};
  return {
    envelope: viewEnvelopeObject(value.envelope),
    reason: value.reason,
    error: typeof meta.error === "string" ? meta.error : undefined,
    failedKeyId: typeof meta.keyId === "string" ? meta.keyId : undefined,
  };
}

function view(id: unknown, headers: unknown, enqueuedAt: unknown): EnvelopeView | typeof UNREADABLE {
  if (!isObject(headers)) return UNREADABLE;
  const key = headers[SIGNATURE_KEY_HEADER];
  const ms = typeof enqueuedAt === "string" ? Date.parse(enqueuedAt) : NaN;
  return {
    id: typeof id === "string" && id !== "" ? id : undefined,
    keyId: typeof key === "string" ? key : UNSIGNED_KEY_LABEL,
    enqueuedAtMs: Number.isFinite(ms) ? ms : undefined,
  };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
