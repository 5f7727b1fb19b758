import * as fs from "node:fs";
import * as path from "node:path";
import fc from "fast-check";
import { canonicalBytes, canonicalString, encodeCanonicalJson, UnencodableValueError } from "../../../lib/core/signing/canonical-json";
import { createEnvelope, parseEnvelope } from "../../../lib/core/signing/envelope";
import { isWireObject, parseWireJson, type WireValue } from "../../../lib/core/signing/wire-json";

const VECTOR = fs.readFileSync(path.join(__dirname, "../../fixtures/envelopes/contract-vector.json"), "utf8").trim();

/** UTF-16 code unit order, written out independently of the code under test. */
function utf16Compare(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const d = a.charCodeAt(i) - b.charCodeAt(i);
    if (d !== 0) return d;
  }
  return a.length - b.length;
}

function canonicalOf(argsJson: string, extra = ""): string {
  return canonicalString(parseEnvelope(`{"id":"i","name":"n","args":${argsJson},"enqueuedAt":"2025-01-02T03:04:05Z"${extra}}`));
}

function argsPart(canonical: string): string {
  const start = canonical.indexOf('"args":') + 7;
  const end = canonical.indexOf(',"attempt":');
  return canonical.slice(start, end);
}

describe("canonicalString (docs/stem-compat.md §2.2)", () => {
  it("always has the 12 top-level keys in order, with visibilityTimeoutMs and notBefore as null", () => {
    const canonical = canonicalOf("{}");
    expect(canonical).toBe(
      '{"args":{},"attempt":0,"enqueuedAt":"2025-01-02T03:04:05.000Z","headers":{},"id":"i","maxRetries":0,"meta":{},"name":"n","notBefore":null,"priority":0,"queue":"default","visibilityTimeoutMs":null}',
    );
  });

  it("renames visibilityTimeout to visibilityTimeoutMs and converts notBefore to UTC", () => {
    const canonical = canonicalOf("{}", ',"visibilityTimeout":30000,"notBefore":"2025-01-02T05:04:05.5+02:00"');
    expect(canonical).toContain('"notBefore":"2025-01-02T03:04:05.500Z"');
    expect(canonical).toContain('"visibilityTimeoutMs":30000}');
    expect(canonical).not.toContain('"visibilityTimeout":');
  });

  it("excludes only stem-signature and stem-signature-key from headers, and sorts the rest", () => {
    const env = parseEnvelope(VECTOR).withHeaders(
      new Map([
        ["stem-signature", "x"],
        ["zz", "1"],
        ["stem-signature-key", "k"],
        ["Stem-Signature", "kept: header names are case-sensitive"],
        ["a", "2"],
      ]),
    );
    expect(canonicalString(env)).toContain('"headers":{"Stem-Signature":"kept: header names are case-sensitive","a":"2","zz":"1"}');
  });

  it("sorts keys by UTF-16 code unit: '10' before '2', 'B' before 'b', astral characters before U+FFFF", () => {
    const canonical = canonicalOf('{"2":0,"10":0,"b":0,"B":0,"\uffff":0,"\ud83d\ude00":0,"":0}');
    // U+1F600 is stored as D83D DE00, which sorts before U+FFFF by code unit (not by code point).
    expect(argsPart(canonical)).toBe('{"":0,"10":0,"2":0,"B":0,"b":0,"\ud83d\ude00":0,"\uffff":0}');
  });

  it("sorts nested maps, keeps list order and null values", () => {
    expect(argsPart(canonicalOf('{"z":[{"b":1,"a":null},3,[2,1]],"a":{"y":{"d":1,"c":2}}}'))).toBe('{"a":{"y":{"c":2,"d":1}},"z":[{"a":null,"b":1},3,[2,1]]}');
  });

  it.each([
    ['"\\u0001\\u001f\\u007f"', '"\\u0001\\u001f\u007f"'],
    ['"\\b\\t\\n\\f\\r"', '"\\b\\t\\n\\f\\r"'],
    ['"\\u0000"', '"\\u0000"'],
    ['"\\"\\\\"', '"\\"\\\\"'],
    ['"\\/é\\u2028€"', '"/é\u2028€"'],
    ['"\\ud800"', '"\\ud800"'],
    ['"\\uDFFFx\\uD800"', '"\\udfffx\\ud800"'],
    ['"\\ud83d\\ude00"', '"\ud83d\ude00"'],
  ])("escapes the string %s like Dart's jsonEncode: %s", (input, output) => {
    expect(argsPart(canonicalOf(`{"s":${input}}`))).toBe(`{"s":${output}}`);
  });

  it("prints numbers as Dart prints the parsed value, not the raw token", () => {
    const args =
      '{"a":1.0,"b":1.50,"c":1E2,"d":-0.0,"e":100000000000000000000,"f":1e21,"g":9223372036854775807,"h":9223372036854775808,"i":-0,"j":1e-7,"k":12345678901234567890123}';
    expect(argsPart(canonicalOf(args))).toBe(
      '{"a":1.0,"b":1.5,"c":100.0,"d":-0.0,"e":100000000000000000000.0,"f":1e+21,"g":9223372036854775807,"h":9223372036854776000.0,"i":0,"j":1e-7,"k":1.2345678901234568e+22}',
    );
  });

  it("re-formats timestamps from the parsed instant: wire …05Z signs as …05.000Z", () => {
    expect(canonicalOf("{}")).toContain('"enqueuedAt":"2025-01-02T03:04:05.000Z"');
  });

  it("encodes as UTF-8 without a BOM", () => {
    const bytes = canonicalBytes(createEnvelope({ id: "é", name: "n", enqueuedAt: "2025-01-02T03:04:05Z" }));
    expect(Buffer.from(bytes).toString("utf8")).toContain('"id":"é"');
    expect(bytes[0]).toBe(0x7b);
    expect(Buffer.from(bytes).includes(Buffer.from([0xc3, 0xa9]))).toBe(true);
  });

  it("fails like Stem's jsonEncode on NaN or infinite doubles", () => {
    const env = parseEnvelope(VECTOR.replace('"value":1', '"value":1e999'));
    expect(() => canonicalString(env)).toThrow(UnencodableValueError);
    expect(() => canonicalString(env)).toThrow(/Converting object to an encodable object failed: Infinity/);
    expect(() => encodeCanonicalJson([{ kind: "double", value: NaN }])).toThrow(UnencodableValueError);
  });
});

describe("canonical key order (property)", () => {
  const codeUnit = fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c));
  // Any code point but a lone surrogate, as fc.string({ unit: "binary" }) draws them; built by hand because
  // that unit costs ~1.4 s of CPU on first use (fast-check maps all 1.1M code points back to indexes).
  const codePoint = fc.integer({ min: 0, max: 0x10ffff - 0x800 }).map((n) => String.fromCodePoint(n < 0xd800 ? n : n + 0x800));
  const key = fc.oneof(fc.string({ unit: codeUnit, maxLength: 4 }), fc.string({ unit: codePoint, maxLength: 4 }), fc.nat(200).map(String));
  const value: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
    node: fc.oneof(
      { depthSize: "small" },
      fc.constantFrom(null, true, 0, 1.5, "s"),
      fc.dictionary(key, tie("node"), { maxKeys: 6 }),
      fc.array(tie("node"), { maxLength: 3 }),
    ),
  })).node;

  function checkSorted(node: WireValue): void {
    if (Array.isArray(node)) node.forEach(checkSorted);
    else if (isWireObject(node)) {
      const keys = [...node.keys()];
      expect(keys).toEqual([...keys].sort(utf16Compare));
      node.forEach(checkSorted);
    }
  }

  it("equals a sort by UTF-16 code units at every level, and keeps every string intact", () => {
    fc.assert(
      fc.property(fc.dictionary(key, value, { maxKeys: 8 }), (args) => {
        const canonical = canonicalString(createEnvelope({ id: "i", name: "n", enqueuedAt: "2025-01-02T03:04:05Z", args }));
        checkSorted(parseWireJson(canonical));
        // Every key and string survives escaping (JSON.parse is an independent decoder).
        const decoded = JSON.parse(canonical) as { args: unknown };
        expect(decoded.args).toEqual(JSON.parse(JSON.stringify(args)));
      }),
      { numRuns: 300 },
    );
  });
});
