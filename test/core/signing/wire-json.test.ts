import fc from "fast-check";
import { StemguardError } from "../../../lib/core/errors";
import {
  dartDoubleToString,
  dartNumberToString,
  fromWire,
  parseWireJson,
  serializeWireJson,
  toWire,
  wireInt,
  type WireNumber,
  type WireObject,
} from "../../../lib/core/signing/wire-json";

function num(text: string): WireNumber {
  return parseWireJson(text) as WireNumber;
}

describe("parseWireJson numbers (Dart VM jsonDecode)", () => {
  it.each([
    ["1", "int", 1n],
    ["-0", "int", 0n],
    ["9223372036854775807", "int", 9223372036854775807n],
    ["-9223372036854775808", "int", -9223372036854775808n],
  ])("reads %s as a Dart int", (token, kind, value) => {
    const n = num(token);
    expect(n.kind).toBe(kind);
    expect(n.value).toBe(value);
    expect(n.raw).toBe(token);
  });

  it.each([
    // Just outside int64: Dart re-parses the whole token with double.parse.
    ["9223372036854775808", 9223372036854775808, "9223372036854776000.0"],
    ["-9223372036854775809", -9223372036854775809, "-9223372036854776000.0"],
    ["100000000000000000000", 1e20, "100000000000000000000.0"],
    ["1.0", 1, "1.0"],
    ["-0.0", -0, "-0.0"],
    ["1.50", 1.5, "1.5"],
    ["1E2", 100, "100.0"],
    ["1e21", 1e21, "1e+21"],
    ["1.5e-7", 1.5e-7, "1.5e-7"],
    ["0.000001", 1e-6, "0.000001"],
    // Exponent digits up to 400 go through double.parse ...
    ["1e400", Infinity, "Infinity"],
    ["1e-400", 0, "0.0"],
    // ... beyond 400 Dart short-cuts on the sign of the exponent alone.
    ["1e401", Infinity, "Infinity"],
    ["-1e401", -Infinity, "-Infinity"],
    ["1e-401", 0, "0.0"],
    ["-1e-401", -0, "-0.0"],
    ["0e99999", 0, "0.0"],
    ["1e0000000000000000000000000001", 10, "10.0"],
  ])("reads %s as a Dart double", (token, value, printed) => {
    const n = num(token);
    expect(n.kind).toBe("double");
    expect(Object.is(n.value, value)).toBe(true);
    expect(dartNumberToString(n)).toBe(printed);
  });

  it("prints big ints exactly", () => {
    expect(dartNumberToString(num("-9223372036854775808"))).toBe("-9223372036854775808");
    expect(dartNumberToString(wireInt(2n ** 62n))).toBe("4611686018427387904");
  });
});

describe("dartDoubleToString", () => {
  it.each([
    [1, "1.0"],
    [-0, "-0.0"],
    [0, "0.0"],
    [1e21, "1e+21"],
    [1e20, "100000000000000000000.0"],
    [123456789012345680000, "123456789012345680000.0"],
    [0.1, "0.1"],
    [-2.5, "-2.5"],
    [1e-7, "1e-7"],
    [5e-324, "5e-324"],
    [1.7976931348623157e308, "1.7976931348623157e+308"],
    [NaN, "NaN"],
    [Infinity, "Infinity"],
  ])("prints %p as %s", (value, text) => {
    expect(dartDoubleToString(value)).toBe(text);
  });

  it("round-trips every finite double and uses Dart's decimal/exponent switch points", () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (x) => {
        const text = dartDoubleToString(x);
        expect(Object.is(Number(text), x)).toBe(true);
        const abs = Math.abs(x);
        const exponential = abs >= 1e21 || (abs !== 0 && abs < 1e-6);
        if (exponential) {
          expect(text).toMatch(/^-?\d(\.\d+)?e[+-]\d+$/);
        } else {
          // Decimal form always carries a fraction in Dart.
          expect(text).toMatch(/^-?\d+\.\d+$/);
        }
      }),
      { numRuns: 2000 },
    );
  });
});

describe("parseWireJson structure", () => {
  it("keeps key order as written, with integer-like keys where they are", () => {
    const obj = parseWireJson('{"b":1,"10":2,"2":3,"a":4}') as WireObject;
    expect([...obj.keys()]).toEqual(["b", "10", "2", "a"]);
  });

  it("lets a repeated key's last value win at its first position, like Dart's map[key] = value", () => {
    const obj = parseWireJson('{"a":1,"b":2,"a":3}') as WireObject;
    expect([...obj.keys()]).toEqual(["a", "b"]);
    expect((obj.get("a") as WireNumber).value).toBe(3n);
  });

  it("keeps lone surrogates from \\u escapes and decodes every escape", () => {
    expect(parseWireJson('"\\ud800x\\uDFFF"')).toBe("\ud800x\udfff");
    expect(parseWireJson('"\\"\\\\\\/\\b\\f\\n\\r\\t\\u00e9"')).toBe('"\\/\b\f\n\r\té');
  });

  it("accepts space, tab, LF and CR around tokens", () => {
    expect(fromWire(parseWireJson(' \t\r\n{ "a" : [ 1 , true , null ] } \n'))).toEqual({ a: [1, true, null] });
  });

  it.each([
    ["leading zero", "01"],
    ["dot without digits", "1."],
    ["dot first", ".5"],
    ["plus sign", "+1"],
    ["minus alone", "-"],
    ["exponent without digits", "1e"],
    ["trailing comma in array", "[1,]"],
    ["trailing comma in object", '{"a":1,}'],
    ["NaN", "NaN"],
    ["single quotes", "'a'"],
    ["raw control character in a string", '"a\u0001"'],
    ["raw newline in a string", '"a\nb"'],
    ["unknown escape", '"\\x"'],
    ["short unicode escape", '"\\u12G4"'],
    ["byte order mark", "\ufeff{}"],
    ["non-breaking space as whitespace", "\u00a0{}"],
    ["trailing data", "{} {}"],
    ["empty input", ""],
    ["unterminated string", '"abc'],
    ["comment", '{"a":1 /* x */}'],
    ["non-string key", "{1:2}"],
  ])("fails on %s", (_label, text) => {
    expect(() => parseWireJson(text, "envelope.json")).toThrow(StemguardError);
    expect(() => parseWireJson(text, "envelope.json")).toThrow(/^envelope\.json: not valid JSON as Stem's jsonDecode reads it: .* at offset \d+/);
  });

  it("fails with a clear error on absurd nesting instead of a stack overflow", () => {
    expect(() => parseWireJson("[".repeat(200000) + "]".repeat(200000))).toThrow(/nests too deeply/);
  });
});

describe("serializeWireJson", () => {
  it("writes raw tokens back unchanged", () => {
    const text = '{"a":1.0,"b":1E2,"c":-0,"d":-0.0,"e":100000000000000000000,"f":"é\\u0001"}';
    expect(serializeWireJson(parseWireJson(text))).toBe(text);
  });

  it("writes numbers without a raw token as Dart prints them", () => {
    expect(serializeWireJson([wireInt(5), { kind: "double", value: 2 }])).toBe("[5,2.0]");
  });

  it("fails on a NaN or infinite double that has no raw token", () => {
    expect(() => serializeWireJson([{ kind: "double", value: Infinity }])).toThrow(/no NaN or Infinity/);
  });

  it("round-trips any JSON.stringify output byte for byte", () => {
    fc.assert(
      fc.property(fc.json(), (text) => {
        expect(serializeWireJson(parseWireJson(text))).toBe(text);
      }),
      { numRuns: 500 },
    );
  });
});

describe("toWire (what Stem parses from a Node producer's JSON.stringify)", () => {
  it("gives ints for integral numbers and doubles for the rest", () => {
    const wire = toWire({ a: 1, b: 1.5, c: 1e21, d: 2 ** 64, e: -0 }) as WireObject;
    const kinds = Object.fromEntries([...wire].map(([k, v]) => [k, (v as WireNumber).kind]));
    expect(kinds).toEqual({ a: "int", b: "double", c: "double", d: "double", e: "int" });
  });

  it("turns maps back into plain objects, keeping a __proto__ key as data", () => {
    const plain = fromWire(parseWireJson('{"__proto__":{"x":1},"n":9007199254740993}')) as Record<string, unknown>;
    expect(Object.getPrototypeOf(plain)).toBe(Object.prototype);
    expect(Object.keys(plain)).toEqual(["__proto__", "n"]);
    expect(plain.n).toBe(9007199254740993n);
  });

  it("fails on values JSON.stringify cannot write", () => {
    expect(() => toWire(undefined)).toThrow(StemguardError);
    expect(() => toWire({ big: 1n })).toThrow(/wireInt/);
  });
});

describe("wireInt", () => {
  it("fails outside int64", () => {
    expect(() => wireInt(2n ** 63n)).toThrow(/64-bit/);
  });
});
