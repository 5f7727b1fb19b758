import { StemguardError } from "../errors";

/**
 * JSON as Stem's Dart VM reads and writes it (`jsonDecode` / `jsonEncode`),
 * for envelopes that a Node process must verify byte for byte.
 *
 * Why not `JSON.parse`: Dart keeps the int/double distinction that JS loses.
 * The token `1.0` is a Dart double and prints back as `1.0`, the token `1`
 * is an int and prints as `1`, and ints are 64-bit. So numbers keep their
 * kind, their exact value and their raw token; objects are `Map`s, which keep
 * key order as written (JS objects move integer-like keys first).
 *
 * Rules reproduced from the VM parser (`sdk/lib/_internal/vm/lib/convert_patch.dart`,
 * `_ChunkedJsonParser.parseNumber` and `_BuildJsonListener`):
 * - a number token without `.`, `e` or `E` is an int when it fits in int64;
 *   outside int64 Dart parses the whole token with `double.parse`, so it
 *   becomes a double (`9223372036854775808` prints as `9223372036854776000.0`:
 *   shortest digits, then zeros, like JS);
 * - `-0` is the int 0; `-0.0` is the double -0.0;
 * - an exponent whose digits exceed 400 short-cuts to ±0.0 (zero mantissa or
 *   negative exponent) or ±Infinity, without looking at the mantissa further;
 * - every other double is the correctly rounded value of the token (Dart's
 *   fast path is exact, its slow path is `double.parse`), i.e. `Number(token)`;
 * - a repeated key: the later value wins and the key keeps its first position
 *   (`map[key] = value` on a LinkedHashMap);
 * - whitespace is space, tab, LF and CR only; control characters inside
 *   strings are refused; escapes are `\" \\ \/ \b \f \n \r \t \uXXXX`; lone
 *   surrogates from `\u` escapes are kept.
 */

/** A Dart `int` (64-bit). `raw` is the token it was parsed from, if any. */
export interface WireInt {
  readonly kind: "int";
  readonly value: bigint;
  readonly raw?: string;
}

/** A Dart `double`. `raw` is the token it was parsed from, if any. */
export interface WireDouble {
  readonly kind: "double";
  readonly value: number;
  readonly raw?: string;
}

/** A JSON number with the kind Dart gives it. */
export type WireNumber = WireInt | WireDouble;

/** A JSON object: an insertion-ordered map, as Dart's `jsonDecode` builds it. */
export type WireObject = ReadonlyMap<string, WireValue>;

/** Any JSON value as Dart sees it. */
export type WireValue = null | boolean | string | WireNumber | readonly WireValue[] | WireObject;

const INT64_MIN = -(1n << 63n);
const INT64_MAX = (1n << 63n) - 1n;

/** Whether `value` is a WireNumber (not a map, array or primitive). */
export function isWireNumber(value: WireValue | undefined): value is WireNumber {
  return typeof value === "object" && value !== null && !Array.isArray(value) && !(value instanceof Map);
}

/** Whether `value` is a JSON object (a Map). */
export function isWireObject(value: WireValue | undefined): value is WireObject {
  return value instanceof Map;
}

/** A Dart int. Throws StemguardError outside int64 (Dart would have made it a double). */
export function wireInt(value: bigint | number): WireInt {
  const big = typeof value === "bigint" ? value : BigInt(value);
  if (big < INT64_MIN || big > INT64_MAX) {
    throw new StemguardError("integer outside Dart's 64-bit int range", {
      field: "int",
      value: big.toString(),
      fix: "use a value between -2^63 and 2^63-1, or a double (wireDouble)",
    });
  }
  return { kind: "int", value: big };
}

/** A Dart double. */
export function wireDouble(value: number): WireDouble {
  return { kind: "double", value };
}

/**
 * Dart's `double.toString()` on the VM: shortest round-trip digits like JS,
 * same decimal/exponent thresholds (1e-7 and 1e21 switch to exponent form),
 * but a value printed in decimal form always has a fraction: `1.0`, `-0.0`,
 * `100000000000000000000.0`.
 */
export function dartDoubleToString(value: number): string {
  if (Number.isNaN(value)) return "NaN";
  if (value === Infinity) return "Infinity";
  if (value === -Infinity) return "-Infinity";
  if (Object.is(value, -0)) return "-0.0";
  const js = String(value);
  return /[.e]/.test(js) ? js : `${js}.0`;
}

/** How Dart prints the number (`toString()`), ignoring any raw token. */
export function dartNumberToString(value: WireNumber): string {
  return value.kind === "int" ? value.value.toString() : dartDoubleToString(value.value);
}

/**
 * Parses JSON text exactly as Dart's `jsonDecode` on the VM (see the module
 * comment). Throws StemguardError naming `field` and the offset on malformed
 * input; the text itself is not echoed.
 */
export function parseWireJson(text: string, field = "JSON"): WireValue {
  try {
    return new Parser(text, field).parseDocument();
  } catch (err) {
    // Dart's parser keeps its own stack; this one recurses, so absurd nesting ends here.
    if (err instanceof RangeError) {
      throw new StemguardError("JSON nests too deeply to parse", { field, fix: "flatten the payload" });
    }
    throw err;
  }
}

/**
 * Compact JSON text (no whitespace), keys in map order. Numbers are written
 * as their raw token when they have one (so a round trip changes nothing),
 * otherwise as Dart prints them. Strings are escaped as Dart's `jsonEncode`
 * does, which is what `JSON.stringify` does.
 */
export function serializeWireJson(value: WireValue): string {
  const out: string[] = [];
  writeWireJson(value, out, (n) => {
    if (n.raw !== undefined) return n.raw;
    if (n.kind === "double" && !Number.isFinite(n.value)) {
      throw new StemguardError("JSON has no NaN or Infinity", { field: "number", value: String(n.value), fix: "use a finite number" });
    }
    return dartNumberToString(n);
  });
  return out.join("");
}

/**
 * What a Node producer's `JSON.stringify(value)` becomes once Stem has parsed
 * it: the text goes through Dart's parser, so `1` is an int, `1.5` a double,
 * `1e21` a double and `2 ** 64` a double. Throws StemguardError for values
 * JSON.stringify cannot write (undefined, functions, bigint).
 */
export function toWire(value: unknown): WireValue {
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch (err) {
    throw new StemguardError(`value cannot be written as JSON (${(err as Error).message})`, {
      field: "value",
      fix: "pass plain JSON data; build 64-bit ints with wireInt()",
    });
  }
  if (text === undefined) {
    throw new StemguardError("value cannot be written as JSON", { field: "value", fix: "pass plain JSON data" });
  }
  return parseWireJson(text, "value");
}

/**
 * Plain JS data from a wire value: maps become objects, ints become numbers
 * when they are safe integers and bigints otherwise, doubles become numbers.
 */
export function fromWire(value: WireValue): unknown {
  if (value === null || typeof value !== "object") return value;
  if (Array.isArray(value)) return value.map(fromWire);
  if (value instanceof Map) {
    // fromEntries defines own properties, so a "__proto__" key stays data.
    return Object.fromEntries([...value].map(([key, item]) => [key, fromWire(item)]));
  }
  const n = value as WireNumber;
  if (n.kind === "double") return n.value;
  return n.value >= BigInt(Number.MIN_SAFE_INTEGER) && n.value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(n.value) : n.value;
}

/**
 * Appends `value` to `out` compactly; `number` decides how numbers print and
 * `sortKeys` sorts map keys by UTF-16 code unit. Shared with the canonical encoder.
 */
export function writeWireJson(value: WireValue, out: string[], number: (n: WireNumber) => string, sortKeys = false): void {
  if (value === null) {
    out.push("null");
  } else if (typeof value === "boolean") {
    out.push(value ? "true" : "false");
  } else if (typeof value === "string") {
    out.push(JSON.stringify(value));
  } else if (Array.isArray(value)) {
    out.push("[");
    value.forEach((item, i) => {
      if (i > 0) out.push(",");
      writeWireJson(item, out, number, sortKeys);
    });
    out.push("]");
  } else if (value instanceof Map) {
    const keys = [...value.keys()];
    // Default sort compares UTF-16 code units, like Dart's String.compareTo.
    if (sortKeys) keys.sort();
    out.push("{");
    keys.forEach((key, i) => {
      if (i > 0) out.push(",");
      out.push(JSON.stringify(key), ":");
      writeWireJson(value.get(key) as WireValue, out, number, sortKeys);
    });
    out.push("}");
  } else {
    out.push(number(value as WireNumber));
  }
}

const WS = new Set([0x20, 0x09, 0x0a, 0x0d]);

class Parser {
  private pos = 0;

  constructor(
    private readonly text: string,
    private readonly field: string,
  ) {}

  parseDocument(): WireValue {
    this.skipWs();
    const value = this.parseValue();
    this.skipWs();
    if (this.pos < this.text.length) this.fail("Unexpected character");
    return value;
  }

  private fail(message: string, at = this.pos): never {
    const reason = at >= this.text.length ? "Unexpected end of input" : message;
    throw new StemguardError(`not valid JSON as Stem's jsonDecode reads it: ${reason} at offset ${at}`, {
      field: this.field,
      fix: "pass the envelope exactly as Stem stores it (one JSON object; Dart accepts no comments, trailing commas, NaN or BOM)",
    });
  }

  private skipWs(): void {
    while (this.pos < this.text.length && WS.has(this.text.charCodeAt(this.pos))) this.pos++;
  }

  private parseValue(): WireValue {
    const c = this.text.charCodeAt(this.pos);
    if (c === 0x7b) return this.parseObject();
    if (c === 0x5b) return this.parseArray();
    if (c === 0x22) return this.parseString();
    if (c === 0x74) return this.keyword("true", true);
    if (c === 0x66) return this.keyword("false", false);
    if (c === 0x6e) return this.keyword("null", null);
    return this.parseNumber();
  }

  private keyword<T>(word: string, value: T): T {
    if (!this.text.startsWith(word, this.pos)) this.fail("Unexpected character");
    this.pos += word.length;
    return value;
  }

  private parseObject(): WireObject {
    const map = new Map<string, WireValue>();
    this.pos++;
    this.skipWs();
    if (this.text.charCodeAt(this.pos) === 0x7d) {
      this.pos++;
      return map;
    }
    for (;;) {
      if (this.text.charCodeAt(this.pos) !== 0x22) this.fail("Unexpected character");
      const key = this.parseString();
      this.skipWs();
      if (this.text.charCodeAt(this.pos) !== 0x3a) this.fail("Unexpected character");
      this.pos++;
      this.skipWs();
      map.set(key, this.parseValue());
      this.skipWs();
      const c = this.text.charCodeAt(this.pos);
      this.pos++;
      if (c === 0x7d) return map;
      if (c !== 0x2c) this.fail("Unexpected character", this.pos - 1);
      this.skipWs();
    }
  }

  private parseArray(): WireValue[] {
    const list: WireValue[] = [];
    this.pos++;
    this.skipWs();
    if (this.text.charCodeAt(this.pos) === 0x5d) {
      this.pos++;
      return list;
    }
    for (;;) {
      list.push(this.parseValue());
      this.skipWs();
      const c = this.text.charCodeAt(this.pos);
      this.pos++;
      if (c === 0x5d) return list;
      if (c !== 0x2c) this.fail("Unexpected character", this.pos - 1);
      this.skipWs();
    }
  }

  private parseString(): string {
    const text = this.text;
    let pos = this.pos + 1;
    let out = "";
    let start = pos;
    for (;;) {
      if (pos >= text.length) this.fail("Unexpected end of input", text.length);
      const c = text.charCodeAt(pos);
      if (c === 0x22) {
        out += text.slice(start, pos);
        this.pos = pos + 1;
        return out;
      }
      if (c < 0x20) this.fail("Control character in string", pos);
      if (c !== 0x5c) {
        pos++;
        continue;
      }
      out += text.slice(start, pos);
      pos++;
      const e = text.charCodeAt(pos);
      const simple = ESCAPES.get(e);
      if (simple !== undefined) {
        out += simple;
        pos++;
      } else if (e === 0x75) {
        const hex = text.slice(pos + 1, pos + 5);
        if (!/^[0-9a-fA-F]{4}$/.test(hex)) this.fail("Invalid unicode escape", pos - 1);
        out += String.fromCharCode(parseInt(hex, 16));
        pos += 5;
      } else {
        this.fail(e < 0x20 ? "Control character in string" : "Unrecognized string escape", pos);
      }
      start = pos;
    }
  }

  // Dart's grammar: '-'?('0'|[1-9][0-9]*)('.'[0-9]+)?([eE][+-]?[0-9]+)?
  private parseNumber(): WireNumber {
    const text = this.text;
    const start = this.pos;
    const at = (i: number) => text.charCodeAt(i);
    let pos = start;
    if (at(pos) === 0x2d) pos++;
    if (!isDigit(at(pos))) this.fail(pos > start ? "Missing expected digit" : "Unexpected character", pos);
    if (at(pos) === 0x30) {
      pos++;
      if (isDigit(at(pos))) this.fail("Unexpected character", pos); // no leading zeros
    } else {
      while (isDigit(at(pos))) pos++;
    }
    if (at(pos) === 0x2e) {
      pos++;
      if (!isDigit(at(pos))) this.fail("Unexpected character", pos);
      while (isDigit(at(pos))) pos++;
    }
    if ((at(pos) | 0x20) === 0x65) {
      pos++;
      if (at(pos) === 0x2b || at(pos) === 0x2d) pos++;
      if (!isDigit(at(pos))) this.fail("Missing expected digit", pos);
      while (isDigit(at(pos))) pos++;
    }
    this.pos = pos;
    return numberFromToken(text.slice(start, pos));
  }
}

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

const ESCAPES = new Map<number, string>([
  [0x22, '"'],
  [0x5c, "\\"],
  [0x2f, "/"],
  [0x62, "\b"],
  [0x66, "\f"],
  [0x6e, "\n"],
  [0x72, "\r"],
  [0x74, "\t"],
]);

/** The Dart number for a valid JSON number token (see the module comment). */
export function numberFromToken(raw: string): WireNumber {
  const e = raw.search(/[eE]/);
  const isDouble = e >= 0 || raw.includes(".");
  if (!isDouble) {
    const big = BigInt(raw);
    if (big >= INT64_MIN && big <= INT64_MAX) return { kind: "int", value: big, raw };
    return { kind: "double", value: Number(raw), raw };
  }
  if (e >= 0) {
    const expDigits = raw.slice(e + 1).replace(/^[+-]/, "");
    // Dart stops trusting the exponent once its digits exceed 400.
    if (expDigits.replace(/^0+/, "").length > 3 || Number(expDigits) > 400) {
      const negative = raw.startsWith("-");
      const mantissaZero = !/[1-9]/.test(raw.slice(0, e));
      if (mantissaZero || raw[e + 1] === "-") return { kind: "double", value: negative ? -0 : 0, raw };
      return { kind: "double", value: negative ? -Infinity : Infinity, raw };
    }
  }
  return { kind: "double", value: Number(raw), raw };
}
