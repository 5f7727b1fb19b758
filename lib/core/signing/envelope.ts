import { StemguardError } from "../errors";
import {
  dartDateTimeFromDate,
  dartToIso8601String,
  parseDartDateTime,
  type DartDateTime,
  type DartTimeZoneOptions,
} from "./dart-datetime";
import {
  fromWire,
  isWireNumber,
  isWireObject,
  parseWireJson,
  serializeWireJson,
  toWire,
  type WireInt,
  type WireNumber,
  type WireObject,
  type WireValue,
} from "./wire-json";

/**
 * Stem's task envelope as it travels on the wire (`Envelope.toJson` /
 * `Envelope.fromJson` in `packages/stem/lib/src/core/envelope.dart`):
 *
 * `{id, name, args, headers, enqueuedAt, notBefore, priority, attempt,
 * maxRetries, visibilityTimeout (ms), queue, meta}`
 *
 * Parsing follows `fromJson`'s casts and defaults: `headers`, `meta` may be
 * absent (empty), `priority`/`attempt`/`maxRetries` default to 0 and accept
 * any number (`num.toInt()`: truncation; the VM saturates at the int64 bounds),
 * `visibilityTimeout` goes through `Duration(milliseconds:)`, `queue`
 * defaults to `default`. Two fields Stem would invent when absent are
 * refused here, because an invented value differs on every parse and no
 * signature can match it: `id` (Stem generates one) and `enqueuedAt` (Stem
 * uses "now").
 *
 * (`fromJson` was read at Stem revision 0f19c9b3, 2025-10-29; docs/stem-compat.md's
 * field list is the same at HEAD, the casts were not re-checked there.)
 *
 * Writing back keeps the parsed JSON object and replaces only the fields that
 * changed, so raw number tokens (`1.0`), key order and unknown fields survive.
 */

/** Header carrying the base64 signature (`signatureHeader`). */
export const SIGNATURE_HEADER = "stem-signature";
/** Header carrying the signing key id (`signatureKeyHeader`). */
export const SIGNATURE_KEY_HEADER = "stem-signature-key";

/** The fields of an envelope, with the types Stem holds after `fromJson`. */
export interface EnvelopeFields {
  readonly id: string;
  readonly name: string;
  /** Task arguments (JSON object with Dart number kinds). */
  readonly args: WireObject;
  /** String headers, in wire order. */
  readonly headers: ReadonlyMap<string, string>;
  readonly enqueuedAt: DartDateTime;
  readonly notBefore: DartDateTime | null;
  /** Dart int (64-bit). */
  readonly priority: bigint;
  /** Dart int (64-bit). */
  readonly attempt: bigint;
  /** Dart int (64-bit). */
  readonly maxRetries: bigint;
  /** `visibilityTimeout?.inMilliseconds` (wire field `visibilityTimeout`). */
  readonly visibilityTimeoutMs: bigint | null;
  readonly queue: string;
  readonly meta: WireObject;
}

/** A timestamp given to createEnvelope / with(): parsed like Dart, or taken from a Date (UTC). */
export type TimestampInput = DartDateTime | string | Date;

/** Input for createEnvelope() and StemEnvelope#with(). Plain objects go through JSON.stringify semantics (toWire). */
export interface EnvelopeInit {
  readonly id: string;
  readonly name: string;
  /** @default {} */
  readonly args?: WireObject | Readonly<Record<string, unknown>>;
  /** @default {} */
  readonly headers?: ReadonlyMap<string, string> | Readonly<Record<string, string>>;
  readonly enqueuedAt: TimestampInput;
  /** @default null */
  readonly notBefore?: TimestampInput | null;
  /** @default 0 */
  readonly priority?: bigint | number;
  /** @default 0 */
  readonly attempt?: bigint | number;
  /** @default 0 */
  readonly maxRetries?: bigint | number;
  /** @default null */
  readonly visibilityTimeoutMs?: bigint | number | null;
  /** @default "default" */
  readonly queue?: string;
  /** @default {} */
  readonly meta?: WireObject | Readonly<Record<string, unknown>>;
}

/** Options for parsing envelope JSON. */
export interface ParseEnvelopeOptions extends DartTimeZoneOptions {
  /**
   * Name used in error messages (a file name, a Redis key).
   * @default "envelope"
   */
  readonly source?: string;
}

type FieldName = keyof EnvelopeFields;

/** Wire key of each field, in `Envelope.toJson` order. */
const WIRE_KEYS: ReadonlyArray<readonly [FieldName, string]> = [
  ["id", "id"],
  ["name", "name"],
  ["args", "args"],
  ["headers", "headers"],
  ["enqueuedAt", "enqueuedAt"],
  ["notBefore", "notBefore"],
  ["priority", "priority"],
  ["attempt", "attempt"],
  ["maxRetries", "maxRetries"],
  ["visibilityTimeoutMs", "visibilityTimeout"],
  ["queue", "queue"],
  ["meta", "meta"],
];

const INT64_MIN = -(1n << 63n);
const INT64_MAX = (1n << 63n) - 1n;

/** An immutable Stem envelope that remembers the JSON object it came from. */
export class StemEnvelope implements EnvelopeFields {
  readonly id: string;
  readonly name: string;
  readonly args: WireObject;
  readonly headers: ReadonlyMap<string, string>;
  readonly enqueuedAt: DartDateTime;
  readonly notBefore: DartDateTime | null;
  readonly priority: bigint;
  readonly attempt: bigint;
  readonly maxRetries: bigint;
  readonly visibilityTimeoutMs: bigint | null;
  readonly queue: string;
  readonly meta: WireObject;
  private readonly wire: WireObject;

  private constructor(fields: EnvelopeFields, wire: WireObject) {
    this.id = fields.id;
    this.name = fields.name;
    this.args = fields.args;
    this.headers = fields.headers;
    this.enqueuedAt = fields.enqueuedAt;
    this.notBefore = fields.notBefore;
    this.priority = fields.priority;
    this.attempt = fields.attempt;
    this.maxRetries = fields.maxRetries;
    this.visibilityTimeoutMs = fields.visibilityTimeoutMs;
    this.queue = fields.queue;
    this.meta = fields.meta;
    this.wire = wire;
    Object.freeze(this);
  }

  /** Parses envelope JSON text as Stem would (`jsonDecode` + `Envelope.fromJson`). */
  static parse(text: string, options: ParseEnvelopeOptions = {}): StemEnvelope {
    return StemEnvelope.fromWire(parseWireJson(text, options.source ?? "envelope"), options);
  }

  /** Reads an already parsed JSON value as `Envelope.fromJson` does. */
  static fromWire(value: WireValue, options: ParseEnvelopeOptions = {}): StemEnvelope {
    const source = options.source ?? "envelope";
    if (!isWireObject(value)) {
      throw new StemguardError("an envelope must be a JSON object", {
        field: source,
        fix: "pass the JSON object Stem stores for the task (Envelope.toJson)",
      });
    }
    return new StemEnvelope(readFields(value, source, options), value);
  }

  /** Builds an envelope from fields; its JSON is what Stem's `toJson` would write. */
  static create(init: EnvelopeInit): StemEnvelope {
    const fields = fieldsFromInit(init);
    const wire = new Map<string, WireValue>();
    for (const [field, key] of WIRE_KEYS) wire.set(key, renderField(fields, field));
    return new StemEnvelope(fields, wire);
  }

  /**
   * A copy with some fields changed. Changed fields are re-rendered as Stem's
   * `toJson` writes them; everything else keeps its raw JSON.
   */
  with(changes: Partial<EnvelopeInit>): StemEnvelope {
    const current: EnvelopeInit = { ...this };
    const fields = fieldsFromInit({ ...current, ...changes });
    const wire = new Map(this.wire);
    for (const [field, key] of WIRE_KEYS) {
      if (field in changes) wire.set(key, renderField(fields, field));
    }
    return new StemEnvelope(fields, wire);
  }

  /** A copy with the headers replaced (existing header keys keep their wire position). */
  withHeaders(headers: ReadonlyMap<string, string>): StemEnvelope {
    return this.with({ headers: new Map(headers) });
  }

  /** The JSON object (parsed or generated) with changes applied. */
  toWire(): WireObject {
    return this.wire;
  }

  /** Compact JSON text, raw numbers preserved. */
  toJson(): string {
    return serializeWireJson(this.wire);
  }
}

/** Parses envelope JSON text (see StemEnvelope.parse). */
export function parseEnvelope(text: string, options: ParseEnvelopeOptions = {}): StemEnvelope {
  return StemEnvelope.parse(text, options);
}

/** Builds an envelope from fields (see StemEnvelope.create). */
export function createEnvelope(init: EnvelopeInit): StemEnvelope {
  return StemEnvelope.create(init);
}

/** Compact JSON text of an envelope, raw numbers preserved. */
export function serializeEnvelope(envelope: StemEnvelope): string {
  return envelope.toJson();
}

// --- reading (Envelope.fromJson) ---

function readFields(json: WireObject, source: string, zone: DartTimeZoneOptions): EnvelopeFields {
  const at = (key: string) => `${source}.${key}`;
  const get = (key: string): WireValue | undefined => json.get(key);
  const required = (key: string, fix: string): WireValue => {
    const value = get(key);
    if (value === undefined || value === null) {
      throw new StemguardError("field is missing", { field: at(key), fix });
    }
    return value;
  };
  const string = (key: string, value: WireValue): string => {
    if (typeof value !== "string") {
      throw new StemguardError("must be a string (Stem casts it `as String`)", { field: at(key), value: describe(value), fix: "write a JSON string" });
    }
    return value;
  };
  const object = (key: string, value: WireValue): WireObject => {
    if (!isWireObject(value)) {
      throw new StemguardError("must be a JSON object (Stem casts it `as Map`)", { field: at(key), value: describe(value), fix: "write a JSON object" });
    }
    return value;
  };
  const optional = (key: string): WireValue | null => get(key) ?? null;
  const int = (key: string): bigint => {
    const value = optional(key);
    return value === null ? 0n : dartToInt(value, at(key));
  };

  const id = string(
    "id",
    required("id", "write the envelope's id; without one Stem generates a new id on every parse, which no signature can match"),
  );
  const name = string("name", required("name", "write the task name"));
  const args = object("args", required("args", "write the task arguments as a JSON object ({} when none)"));
  const headersValue = optional("headers");
  const headers = new Map<string, string>();
  if (headersValue !== null) {
    for (const [key, value] of object("headers", headersValue)) {
      if (typeof value !== "string") {
        throw new StemguardError("header values must be strings (Stem casts headers to Map<String, String>)", {
          field: at(`headers.${key}`),
          value: describe(value),
          fix: "write every header value as a JSON string",
        });
      }
      headers.set(key, value);
    }
  }
  const enqueuedAt = parseDartDateTime(
    string(
      "enqueuedAt",
      required("enqueuedAt", "write the enqueue time; without it Stem uses the time of parsing, which no signature can match"),
    ),
    at("enqueuedAt"),
    zone,
  );
  const notBeforeValue = optional("notBefore");
  const notBefore = notBeforeValue === null ? null : parseDartDateTime(string("notBefore", notBeforeValue), at("notBefore"), zone);
  const visibility = optional("visibilityTimeout");
  const queueValue = optional("queue");
  const metaValue = optional("meta");
  return {
    id,
    name,
    args,
    headers,
    enqueuedAt,
    notBefore,
    priority: int("priority"),
    attempt: int("attempt"),
    maxRetries: int("maxRetries"),
    visibilityTimeoutMs: visibility === null ? null : durationMilliseconds(dartToInt(visibility, at("visibilityTimeout"))),
    queue: queueValue === null ? "default" : string("queue", queueValue),
    meta: metaValue === null ? new Map() : object("meta", metaValue),
  };
}

/** `(value as num).toInt()` on the VM: ints as is, doubles truncated and clamped to int64. */
function dartToInt(value: WireValue, field: string): bigint {
  if (!isWireNumber(value)) {
    throw new StemguardError("must be a number (Stem casts it `as num`)", { field, value: describe(value), fix: "write a JSON number" });
  }
  return numberToInt(value, field);
}

function numberToInt(value: WireNumber, field: string): bigint {
  if (value.kind === "int") return value.value;
  if (!Number.isFinite(value.value)) {
    throw new StemguardError("Stem's toInt() throws UnsupportedError for Infinity and NaN", {
      field,
      value: value.raw ?? String(value.value),
      fix: "write a finite integer",
    });
  }
  const truncated = BigInt(Math.trunc(value.value));
  return truncated < INT64_MIN ? INT64_MIN : truncated > INT64_MAX ? INT64_MAX : truncated;
}

/** `Duration(milliseconds: ms).inMilliseconds`: microseconds are an int64 that wraps on overflow. */
function durationMilliseconds(ms: bigint): bigint {
  return BigInt.asIntN(64, ms * 1000n) / 1000n;
}

function describe(value: WireValue): unknown {
  if (value === null || typeof value !== "object") return value;
  if (Array.isArray(value)) return "a JSON array";
  if (value instanceof Map) return "a JSON object";
  const plain = fromWire(value);
  return typeof plain === "bigint" ? plain.toString() : plain;
}

// --- building (createEnvelope / with) ---

function fieldsFromInit(init: EnvelopeInit): EnvelopeFields {
  const text = (field: string, value: unknown): string => {
    if (typeof value !== "string") {
      throw new StemguardError("must be a string", { field, value: typeof value, fix: "pass a string" });
    }
    return value;
  };
  const int = (field: string, value: bigint | number | undefined): bigint => {
    if (value === undefined) return 0n;
    return toInt64(value, field);
  };
  const visibility = init.visibilityTimeoutMs;
  return {
    id: text("id", init.id),
    name: text("name", init.name),
    args: objectFrom("args", init.args),
    headers: headersFrom(init.headers),
    enqueuedAt: timestampFrom("enqueuedAt", init.enqueuedAt),
    notBefore: init.notBefore === undefined || init.notBefore === null ? null : timestampFrom("notBefore", init.notBefore),
    priority: int("priority", init.priority),
    attempt: int("attempt", init.attempt),
    maxRetries: int("maxRetries", init.maxRetries),
    visibilityTimeoutMs: visibility === undefined || visibility === null ? null : toDurationMs(visibility),
    queue: init.queue === undefined ? "default" : text("queue", init.queue),
    meta: objectFrom("meta", init.meta),
  };
}

function toInt64(value: bigint | number, field: string): bigint {
  if (typeof value === "number" && !Number.isSafeInteger(value)) {
    throw new StemguardError("must be an integer (a safe JS integer, or a bigint)", { field, value, fix: "pass an integer" });
  }
  const big = BigInt(value);
  if (big < INT64_MIN || big > INT64_MAX) {
    throw new StemguardError("outside Dart's 64-bit int range", { field, value: big.toString(), fix: "pass a value between -2^63 and 2^63-1" });
  }
  return big;
}

/** Milliseconds a Dart `Duration` can hold (its microseconds are an int64); refused beyond, where Stem would wrap. */
function toDurationMs(value: bigint | number): bigint {
  const ms = toInt64(value, "visibilityTimeoutMs");
  if (durationMilliseconds(ms) !== ms) {
    throw new StemguardError("too large for a Dart Duration (its microseconds overflow int64 and wrap)", {
      field: "visibilityTimeoutMs",
      value: ms.toString(),
      fix: "use at most 9223372036854775 ms in magnitude",
    });
  }
  return ms;
}

function objectFrom(field: string, value: WireObject | Readonly<Record<string, unknown>> | undefined): WireObject {
  if (value === undefined) return new Map();
  if (value instanceof Map) return value;
  const wire = toWire(value);
  if (!isWireObject(wire)) {
    throw new StemguardError("must be an object", { field, fix: "pass a plain object or a WireObject" });
  }
  return wire;
}

function headersFrom(value: ReadonlyMap<string, string> | Readonly<Record<string, string>> | undefined): ReadonlyMap<string, string> {
  const entries: Iterable<readonly [string, unknown]> =
    value === undefined ? [] : value instanceof Map ? value.entries() : Object.entries(value);
  const headers = new Map<string, string>();
  for (const [key, item] of entries) {
    if (typeof item !== "string") {
      throw new StemguardError("header values must be strings", { field: `headers.${key}`, value: typeof item, fix: "pass strings" });
    }
    headers.set(key, item);
  }
  return headers;
}

function timestampFrom(field: string, value: TimestampInput): DartDateTime {
  if (typeof value === "string") return parseDartDateTime(value, field);
  if (value instanceof Date) return dartDateTimeFromDate(value);
  return value;
}

function renderField(fields: EnvelopeFields, field: FieldName): WireValue {
  const int = (value: bigint): WireInt => ({ kind: "int", value });
  switch (field) {
    case "id":
    case "name":
    case "queue":
      return fields[field];
    case "args":
    case "meta":
      return fields[field];
    case "headers":
      return new Map(fields.headers);
    case "enqueuedAt":
      return dartToIso8601String(fields.enqueuedAt);
    case "notBefore":
      return fields.notBefore === null ? null : dartToIso8601String(fields.notBefore);
    case "priority":
    case "attempt":
    case "maxRetries":
      return int(fields[field]);
    case "visibilityTimeoutMs":
      return fields.visibilityTimeoutMs === null ? null : int(fields.visibilityTimeoutMs);
  }
}
