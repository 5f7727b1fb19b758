import { execFileSync } from "node:child_process";
import * as path from "node:path";
import fc from "fast-check";
import { StemguardError } from "../../../lib/core/errors";
import {
  dartDateTimeFromDate,
  dartDateTimeFromMicros,
  dartToIso8601String,
  dartUtcIso8601String,
  parseDartDateTime,
} from "../../../lib/core/signing/dart-datetime";

const utc = (text: string): string => dartUtcIso8601String(parseDartDateTime(text));

const REPO = path.resolve(__dirname, "../../..");
const MODULE = path.join(REPO, "lib/core/signing/dart-datetime.ts");

/**
 * Parses `inputs` in a fresh Node process with `TZ=<tz>` (the default path
 * reads the process zone, which a jest worker cannot switch), compiling the
 * TypeScript module on the fly with @swc/core.
 */
function utcInProcessTz(tz: string, inputs: string[]): string[] {
  const script = `
    const fs = require("fs");
    const swc = require("@swc/core");
    require.extensions[".ts"] = (m, f) => m._compile(swc.transformSync(fs.readFileSync(f, "utf8"), {
      filename: f, module: { type: "commonjs" }, jsc: { target: "es2022", parser: { syntax: "typescript" } },
    }).code, f);
    const d = require(process.argv[1]);
    const out = process.argv.slice(2).map((t) => {
      const v = d.parseDartDateTime(t);
      return [d.dartUtcIso8601String(v), d.dartToIso8601String(v)];
    });
    process.stdout.write(JSON.stringify(out));`;
  const stdout = execFileSync(process.execPath, ["-e", script, MODULE, ...inputs], {
    cwd: REPO,
    env: { ...process.env, TZ: tz },
    encoding: "utf8",
  });
  return (JSON.parse(stdout) as [string, string][]).map(([utcText, local]) => `${utcText} ${local}`);
}

describe("parseDartDateTime + toUtc().toIso8601String()", () => {
  it.each([
    // No fraction on the wire still signs with .000 (docs/stem-compat.md §2.2).
    ["2025-01-02T03:04:05Z", "2025-01-02T03:04:05.000Z"],
    ["2025-01-02T03:04:05.123Z", "2025-01-02T03:04:05.123Z"],
    ["2025-01-02T03:04:05.123456Z", "2025-01-02T03:04:05.123456Z"],
    ["2025-01-02T03:04:05.000001Z", "2025-01-02T03:04:05.000001Z"],
    ["2025-01-02T03:04:05.123000Z", "2025-01-02T03:04:05.123Z"],
    ["2025-01-02T03:04:05.5Z", "2025-01-02T03:04:05.500Z"],
    // More than 6 fraction digits: truncated, never rounded.
    ["2025-01-02T03:04:05.1234567891Z", "2025-01-02T03:04:05.123456Z"],
    ["2025-01-02T03:04:05.9999999Z", "2025-01-02T03:04:05.999999Z"],
    ["2025-01-02T03:04:05,25Z", "2025-01-02T03:04:05.250Z"],
    ["2025-01-02 03:04:05Z", "2025-01-02T03:04:05.000Z"],
    ["2025-01-02T03:04:05z", "2025-01-02T03:04:05.000Z"],
    ["2025-01-02T03:04:05 Z", "2025-01-02T03:04:05.000Z"],
    ["20250102T030405Z", "2025-01-02T03:04:05.000Z"],
    ["2025-01-02T03Z", "2025-01-02T03:00:00.000Z"],
    ["2025-01-02T03:04:05+01:00", "2025-01-02T02:04:05.000Z"],
    ["2025-01-02T03:04:05+0100", "2025-01-02T02:04:05.000Z"],
    ["2025-01-02T03:04:05+01", "2025-01-02T02:04:05.000Z"],
    ["2025-01-02T03:04:05 -05:30", "2025-01-02T08:34:05.000Z"],
    ["2025-01-01T00:30:00.000001+01:00", "2024-12-31T23:30:00.000001Z"],
    // Out-of-range fields overflow into the next one, as Dart documents.
    ["2020-01-42T00:00:00Z", "2020-02-11T00:00:00.000Z"],
    ["2025-01-01T24:00:00Z", "2025-01-02T00:00:00.000Z"],
    ["2025-13-01T00:00:00Z", "2026-01-01T00:00:00.000Z"],
    ["2025-00-01T00:00:00Z", "2024-12-01T00:00:00.000Z"],
    ["2024-02-30T00:00:00Z", "2024-03-01T00:00:00.000Z"],
    ["2025-01-01T00:99:99Z", "2025-01-01T01:40:39.000Z"],
    // Years outside 0..9999.
    ["-0001-01-01T00:00:00Z", "-0001-01-01T00:00:00.000Z"],
    ["0000-03-01T00:00:00Z", "0000-03-01T00:00:00.000Z"],
    ["+012345-06-07T00:00:00Z", "+012345-06-07T00:00:00.000Z"],
    ["10000-01-01T00:00:00Z", "+010000-01-01T00:00:00.000Z"],
    ["-271821-04-20T00:00:00Z", "-271821-04-20T00:00:00.000Z"],
    ["+275760-09-13T00:00:00Z", "+275760-09-13T00:00:00.000Z"],
  ])("%s signs as %s", (wire, canonical) => {
    expect(utc(wire)).toBe(canonical);
  });

  it("keeps microseconds that a JS Date would lose", () => {
    const a = parseDartDateTime("2025-01-02T03:04:05.123456Z");
    const b = parseDartDateTime("2025-01-02T03:04:05.123457Z");
    expect(b.microsecondsSinceEpoch - a.microsecondsSinceEpoch).toBe(1n);
    expect(a.microsecondsSinceEpoch).toBe(BigInt(Date.UTC(2025, 0, 2, 3, 4, 5, 123)) * 1000n + 456n);
  });

  it.each([
    ["single-digit month", "2025-1-02T00:00:00Z"],
    ["single-digit hour", "2025-01-02T3:04Z"],
    ["offset with one digit", "2025-01-02T03:04:05+1"],
    ["offset on a date without time", "2025-01-02Z"],
    ["seven-digit year", "2025000-01-02"],
    ["trailing text", "2025-01-02T03:04:05Zjunk"],
    ["ISO week date", "2025-W01-1"],
    ["empty string", ""],
    ["a millisecond timestamp", "1735787045123"],
  ])("fails on %s", (_label, text) => {
    expect(() => parseDartDateTime(text, "envelope.enqueuedAt")).toThrow(StemguardError);
    expect(() => parseDartDateTime(text, "envelope.enqueuedAt")).toThrow(/^envelope\.enqueuedAt: .*Invalid date format/);
  });

  it("fails beyond Dart's range of ±8.64e15 ms like Dart (Time out of range)", () => {
    expect(() => parseDartDateTime("+275760-09-13T00:00:00.000001Z")).toThrow(/Time out of range/);
    expect(() => parseDartDateTime("-271821-04-19T23:59:59.999999Z")).toThrow(/Time out of range/);
  });

  it("agrees with Date#toISOString to the millisecond and adds uuu only for non-zero microseconds", () => {
    const min = BigInt(Date.UTC(0, 0, 1)) * 1000n;
    const max = BigInt(Date.UTC(9999, 11, 31, 23, 59, 59, 999)) * 1000n + 999n;
    fc.assert(
      fc.property(fc.bigInt({ min: min + 1000n * BigInt(Date.UTC(1900, 0, 1) - Date.UTC(0, 0, 1)), max }), (micros) => {
        const text = dartToIso8601String(dartDateTimeFromMicros(micros));
        const ms = Number(micros / 1000n - (micros % 1000n < 0n ? 1n : 0n));
        expect(text.slice(0, 23)).toBe(new Date(ms).toISOString().slice(0, 23));
        const sub = Number(((micros % 1000n) + 1000n) % 1000n);
        expect(text.length).toBe(sub === 0 ? 24 : 27);
        if (sub !== 0) expect(text.slice(23, 26)).toBe(String(sub).padStart(3, "0"));
        // Parsing Dart's own output gives the same instant back.
        expect(parseDartDateTime(text).microsecondsSinceEpoch).toBe(micros);
      }),
      { numRuns: 1000 },
    );
  });

  it("applies any ±HH:MM offset as an exact shift of the same wall time", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 23 }),
        fc.integer({ min: 0, max: 59 }),
        fc.constantFrom("+", "-"),
        fc.integer({ min: 0, max: 999999 }),
        (hh, mm, sign, micro) => {
          const frac = String(micro).padStart(6, "0");
          const base = parseDartDateTime(`2025-06-15T12:00:00.${frac}Z`).microsecondsSinceEpoch;
          const shifted = parseDartDateTime(`2025-06-15T12:00:00.${frac}${sign}${String(hh).padStart(2, "0")}:${String(mm).padStart(2, "0")}`);
          const delta = BigInt((hh * 60 + mm) * 60) * 1_000_000n;
          expect(shifted.microsecondsSinceEpoch).toBe(sign === "+" ? base - delta : base + delta);
          expect(shifted.isUtc).toBe(true);
        },
      ),
    );
  });
});

describe("local time (no offset on the wire)", () => {
  const utcIn = (timeZone: string, text: string): string => dartUtcIso8601String(parseDartDateTime(text, "t", { timeZone }));

  it("uses this process's TZ by default, like a Dart process", () => {
    expect(utcInProcessTz("America/New_York", ["2025-01-02T03:04:05.123456", "2025-07-02T03:04:05", "2025-01-02T03:04:05Z"])).toEqual([
      "2025-01-02T08:04:05.123456Z 2025-01-02T03:04:05.123456",
      "2025-07-02T07:04:05.000Z 2025-07-02T03:04:05.000",
      "2025-01-02T03:04:05.000Z 2025-01-02T03:04:05.000Z",
    ]);
    expect(utcInProcessTz("Asia/Kolkata", ["2025-01-02T03:04:05", "2025-01-02"])).toEqual([
      "2025-01-01T21:34:05.000Z 2025-01-02T03:04:05.000",
      "2025-01-01T18:30:00.000Z 2025-01-02T00:00:00.000",
    ]);
  });

  it("reads local time in another zone when asked, without touching this process", () => {
    expect(utcIn("UTC", "2025-01-02")).toBe("2025-01-02T00:00:00.000Z");
    expect(utcIn("America/New_York", "2025-01-02T03:04:05.123456")).toBe("2025-01-02T08:04:05.123456Z");
    expect(utcIn("America/New_York", "2025-07-02T03:04:05")).toBe("2025-07-02T07:04:05.000Z");
    expect(utcIn("Asia/Kolkata", "2025-01-02T03:04:05")).toBe("2025-01-01T21:34:05.000Z");
    expect(parseDartDateTime("2025-01-02T03:04:05", "t", { timeZone: "UTC" }).isUtc).toBe(false);
  });

  it("agrees with the process-TZ path in the same zone (both resolve DST gaps and overlaps like the Dart VM)", () => {
    // 02:30 does not exist on 2025-03-09 in New York: Dart uses the offset in force before the change.
    // 01:30 happens twice on 2025-11-02: Dart picks the earlier instant (EDT).
    const inputs = ["2025-03-09T02:30:00", "2025-11-02T01:30:00", "1850-06-01T12:00:00", "2100-06-01T12:00:00"];
    const expected = ["2025-03-09T07:30:00.000Z", "2025-11-02T05:30:00.000Z"];
    expect(inputs.slice(0, 2).map((t) => utcIn("America/New_York", t))).toEqual(expected);
    const viaProcess = utcInProcessTz("America/New_York", inputs).map((line) => line.split(" ")[0]);
    expect(viaProcess).toEqual(inputs.map((t) => utcIn("America/New_York", t)));
  });

  it("prints local values as local wall time without an offset, and reads them back", () => {
    const local = parseDartDateTime("2025-01-02T03:04:05.000007", "t", { timeZone: "Europe/Berlin" });
    expect(dartToIso8601String(local)).toBe("2025-01-02T03:04:05.000007");
    expect(dartUtcIso8601String(local)).toBe("2025-01-02T02:04:05.000007Z");
  });

  it("gives processes in different zones different instants for the same wire string (docs/stem-compat.md §2.7)", () => {
    expect(utcIn("Europe/Berlin", "2025-01-02T03:04:05")).not.toBe(utcIn("Asia/Tokyo", "2025-01-02T03:04:05"));
  });

  it("fails on an unknown zone name", () => {
    expect(() => parseDartDateTime("2025-01-02T03:04:05", "t", { timeZone: "Mars/Olympus" })).toThrow(/unknown time zone/);
  });
});

describe("constructors", () => {
  it("builds UTC values from a Date plus sub-millisecond micros", () => {
    const value = dartDateTimeFromDate(new Date("2025-01-02T03:04:05.123Z"), 456);
    expect(dartToIso8601String(value)).toBe("2025-01-02T03:04:05.123456Z");
  });

  it("fails on an invalid Date or extra micros out of 0..999", () => {
    expect(() => dartDateTimeFromDate(new Date("nope"))).toThrow(StemguardError);
    expect(() => dartDateTimeFromDate(new Date(0), 1000)).toThrow(/0\.\.999/);
    expect(() => dartDateTimeFromMicros(8_640_000_000_000_000_001n)).toThrow(/range/);
  });
});
