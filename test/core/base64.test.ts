import * as fc from "fast-check";
import { DartBase64Error, dartBase64Decode, encodeBase64Std, isCanonicalBase64Std } from "../../lib/core/base64";

/**
 * Expected results come from reading dart:convert's `_Base64Decoder`
 * (`sdk/lib/convert/base64.dart`): there is no Dart toolchain here to run it.
 */
const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString("hex");

describe("dartBase64Decode", () => {
  it.each([
    ["", ""],
    ["QQ==", "41"],
    ["QUE=", "4141"],
    ["QUFB", "414141"],
    ["QUFBQUFB", "414141414141"],
    // both alphabets, mixed
    ["-_-_", "fbffbf"],
    ["+/+/", "fbffbf"],
    ["+_-/", "fbffbf"],
    // %3D is padding too, with D in either case, and mixes with '='
    ["QQ%3D%3D", "41"],
    ["QQ%3d=", "41"],
    ["QQ=%3D", "41"],
    ["QUE%3D", "4141"],
    ["QUE%3d", "4141"],
  ])("decodes %j", (text, expected) => {
    expect(hex(dartBase64Decode(text))).toBe(expected);
  });

  it.each([
    ["QQ", "Invalid length, must be multiple of four"],
    ["QUE", "Invalid length, must be multiple of four"],
    ["Q", "Invalid length, must be multiple of four"],
    ["QUFBQ", "Invalid length, must be multiple of four"],
    ["QR==", "Invalid encoding before padding"],
    ["QUF=", "Invalid encoding before padding"],
    ["QQ=", "Missing padding character"],
    ["QQ%3D", "Missing padding character"],
    ["QQ%", "Missing padding character"],
    ["QUE%3", "Missing padding character"],
    ["QQ==QQ==", "Invalid padding character"],
    ["QQ===", "Invalid padding character"],
    ["QUE==", "Invalid padding character"],
    ["QQ%3E", "Invalid padding character"],
    ["QQ%4D", "Invalid padding character"],
    ["QQ= =", "Invalid padding character"],
    ["QQ==\n", "Invalid padding character"],
    ["Q===", "Invalid character"],
    ["====", "Invalid character"],
    ["QUFB%3D", "Invalid character"],
    [" QQ==", "Invalid character"],
    ["QUFB\n", "Invalid character"],
    ["QU FB", "Invalid character"],
    ["QUF\u00e9", "Invalid character"],
    ["QUF\u00bd", "Invalid character"], // 0xBD & 0x7F is '=': Dart masks, then still refuses non-ASCII
    ["QUF.", "Invalid character"],
  ])("fails %j with Dart's reason", (text, reason) => {
    let caught: unknown;
    try {
      dartBase64Decode(text);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(DartBase64Error);
    expect((caught as DartBase64Error).reason).toBe(reason);
    // the error never carries the input (it is usually key material)
    expect((caught as Error).message).not.toContain(text.trim() || "\u0000");
  });

  it("round-trips Node's standard and URL-safe encodings of any bytes", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 80 }), (bytes) => {
        expect(hex(dartBase64Decode(Buffer.from(bytes).toString("base64")))).toBe(hex(bytes));
        const url = Buffer.from(bytes).toString("base64url");
        const padded = url + "=".repeat((4 - (url.length % 4)) % 4);
        expect(hex(dartBase64Decode(padded))).toBe(hex(bytes));
      }),
    );
  });

  it("accepts exactly the strings an independent grammar accepts, and decodes them as Node does", () => {
    // Independent oracle: quartets of either alphabet, then optionally 2 chars + 2 pads
    // or 3 chars + 1 pad (pad = '=' or %3D / %3d), with zero bits dropped by padding.
    const c = "[A-Za-z0-9+/_-]";
    const pad = "(?:=|%3[Dd])";
    const grammar = new RegExp(`^(?:${c}{4})*(?:${c}{2}${pad}{2}|${c}{3}${pad})?$`);
    const value = (ch: string) => "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".indexOf(ch.replace("-", "+").replace("_", "/"));
    const zeroDroppedBits = (text: string) => {
      const data = text.replace(/(=|%3[Dd])+$/, "");
      if (data.length % 4 === 2) return (value(data[data.length - 1]) & 0x0f) === 0;
      if (data.length % 4 === 3) return (value(data[data.length - 1]) & 0x03) === 0;
      return true;
    };
    const pieces = ["A", "Q", "R", "w", "+", "/", "-", "_", "=", "%", "3", "D", "d", "%3D", " ", "\n", ".", "\u00e9"];
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...pieces), { maxLength: 14 }), (parts) => {
        const text = parts.join("");
        const expected = grammar.test(text) && zeroDroppedBits(text);
        let got: Uint8Array | undefined;
        try {
          got = dartBase64Decode(text);
        } catch (err) {
          if (!(err instanceof DartBase64Error)) throw err;
        }
        expect(got !== undefined).toBe(expected);
        if (got) expect(hex(got)).toBe(hex(Buffer.from(text.replace(/%3[Dd]/g, "="), "base64")));
      }),
      { numRuns: 3000 },
    );
  });
});

describe("encodeBase64Std", () => {
  it("is Node's standard padded base64, also for a view into a larger buffer", () => {
    expect(encodeBase64Std(new Uint8Array([0xfb, 0xff]))).toBe("+/8=");
    const big = Buffer.from("xxhello", "latin1");
    expect(encodeBase64Std(new Uint8Array(big.buffer, big.byteOffset + 2, 5))).toBe("aGVsbG8=");
    expect(encodeBase64Std(new Uint8Array(0))).toBe("");
  });
});

describe("isCanonicalBase64Std", () => {
  it.each([
    ["QQ==", true],
    ["", true],
    ["QUFB", true],
    ["-_-_", false],
    ["QQ%3D%3D", false],
    ["QQ", false],
    ["QR==", false],
  ])("%j -> %s", (text, expected) => {
    expect(isCanonicalBase64Std(text)).toBe(expected);
  });
});
