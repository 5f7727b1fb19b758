import * as fs from "node:fs";
import * as path from "node:path";
import { StemguardError } from "../../../lib/core/errors";
import { dartUtcIso8601String } from "../../../lib/core/signing/dart-datetime";
import { createEnvelope, parseEnvelope, serializeEnvelope, StemEnvelope } from "../../../lib/core/signing/envelope";
import { fromWire, type WireNumber } from "../../../lib/core/signing/wire-json";

const VECTOR = fs.readFileSync(path.join(__dirname, "../../fixtures/envelopes/contract-vector.json"), "utf8").trim();

/** The vector envelope's JSON object with `changes` applied (undefined deletes a key). */
function vectorWith(changes: Record<string, unknown>): string {
  const obj = JSON.parse(VECTOR) as Record<string, unknown>;
  for (const [key, value] of Object.entries(changes)) {
    if (value === undefined) delete obj[key];
    else obj[key] = value;
  }
  return JSON.stringify(obj);
}

describe("parseEnvelope (Envelope.fromJson)", () => {
  it("reads every field of the contract vector", () => {
    const env = parseEnvelope(VECTOR);
    expect(env.id).toBe("019a0000-0000-7000-8000-000000000001");
    expect(env.name).toBe("demo.task");
    expect(env.queue).toBe("default");
    expect([...env.headers]).toEqual([
      ["x-tenant", "acme"],
      ["traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"],
    ]);
    expect(dartUtcIso8601String(env.enqueuedAt)).toBe("2025-01-02T03:04:05.123456Z");
    expect(env.notBefore).toBeNull();
    expect([env.priority, env.attempt, env.maxRetries]).toEqual([0n, 0n, 3n]);
    expect(env.visibilityTimeoutMs).toBeNull();
    expect(fromWire(env.meta)).toEqual({ "stem.task": "demo.task" });
    expect([...env.args.keys()]).toEqual(["value", "nested", "10", "2"]);
  });

  it("writes the vector back byte for byte", () => {
    expect(serializeEnvelope(parseEnvelope(VECTOR))).toBe(VECTOR);
  });

  it("applies fromJson's defaults for absent or null optional fields", () => {
    const text = vectorWith({ headers: undefined, meta: null, priority: undefined, attempt: null, maxRetries: undefined, queue: null, notBefore: undefined, visibilityTimeout: undefined });
    const env = parseEnvelope(text);
    expect(env.headers.size).toBe(0);
    expect(env.meta.size).toBe(0);
    expect([env.priority, env.attempt, env.maxRetries]).toEqual([0n, 0n, 0n]);
    expect(env.queue).toBe("default");
    expect(env.notBefore).toBeNull();
    expect(env.visibilityTimeoutMs).toBeNull();
  });

  it("converts numbers with num.toInt(): truncation, and int64 clamping on the VM", () => {
    const env = parseEnvelope(vectorWith({ attempt: 2.9, priority: -1.5, maxRetries: 1e30 }).replace('"maxRetries":1e+30', '"maxRetries":1e30'));
    expect(env.attempt).toBe(2n);
    expect(env.priority).toBe(-1n);
    expect(env.maxRetries).toBe(9223372036854775807n);
    expect(parseEnvelope(vectorWith({ maxRetries: -1e30 })).maxRetries).toBe(-9223372036854775808n);
  });

  it("reads visibilityTimeout through Duration(milliseconds:), whose int64 microseconds wrap", () => {
    expect(parseEnvelope(vectorWith({ visibilityTimeout: 30000 })).visibilityTimeoutMs).toBe(30000n);
    expect(parseEnvelope(vectorWith({ visibilityTimeout: 1.9 })).visibilityTimeoutMs).toBe(1n);
    // (2^63 - 1) * 1000 mod 2^64 is -1000 as int64, so inMilliseconds is -1.
    const wrapped = parseEnvelope(VECTOR.replace('"visibilityTimeout":null', '"visibilityTimeout":9223372036854775807'));
    expect(wrapped.visibilityTimeoutMs).toBe(-1n);
  });

  it("keeps unknown top-level fields on write-back (Stem ignores them)", () => {
    const text = VECTOR.replace('"queue":"default"', '"queue":"default","x-extra":[1.0]');
    expect(parseEnvelope(text).toJson()).toBe(text);
  });

  it.each<[string, string, RegExp]>([
    ["a top-level array", "[]", /^envelope: an envelope must be a JSON object/],
    ["a missing id", vectorWith({ id: undefined }), /^envelope\.id: field is missing.*generates a new id/],
    ["a numeric id", vectorWith({ id: 7 }), /^envelope\.id: must be a string.*\(got 7\)/],
    ["a missing name", vectorWith({ name: undefined }), /^envelope\.name: field is missing/],
    ["missing args", vectorWith({ args: undefined }), /^envelope\.args: field is missing/],
    ["args as a list", vectorWith({ args: [1] }), /^envelope\.args: must be a JSON object.*a JSON array/],
    ["a non-string header", vectorWith({ headers: { n: 1 } }), /^envelope\.headers\.n: header values must be strings/],
    ["a null header", vectorWith({ headers: { n: null } }), /^envelope\.headers\.n: header values must be strings/],
    ["a missing enqueuedAt", vectorWith({ enqueuedAt: undefined }), /^envelope\.enqueuedAt: field is missing.*time of parsing/],
    ["an enqueuedAt Dart cannot parse", vectorWith({ enqueuedAt: "yesterday" }), /^envelope\.enqueuedAt: .*Invalid date format/],
    ["a numeric notBefore", vectorWith({ notBefore: 1 }), /^envelope\.notBefore: must be a string/],
    ["a string priority", vectorWith({ priority: "1" }), /^envelope\.priority: must be a number/],
    ["an infinite attempt", VECTOR.replace('"attempt":0', '"attempt":1e999'), /^envelope\.attempt: Stem's toInt\(\) throws UnsupportedError/],
    ["a numeric queue", vectorWith({ queue: 5 }), /^envelope\.queue: must be a string/],
    ["meta as a list", vectorWith({ meta: [] }), /^envelope\.meta: must be a JSON object/],
    ["invalid JSON", "{", /^envelope: not valid JSON/],
  ])("fails on %s", (_label, text, message) => {
    expect(() => parseEnvelope(text)).toThrow(StemguardError);
    expect(() => parseEnvelope(text)).toThrow(message);
  });

  it("fails with the source named in the error", () => {
    expect(() => parseEnvelope("{}", { source: "task.json" })).toThrow(/^task\.json\.id: /);
  });
});

describe("StemEnvelope#with", () => {
  const text = VECTOR.replace('"value":1,', '"value":1.0,"big":1E2,');

  it("re-renders only the changed fields and keeps raw numbers elsewhere", () => {
    const env = parseEnvelope(text).with({ attempt: 1 });
    expect(env.attempt).toBe(1n);
    expect(env.toJson()).toBe(text.replace('"attempt":0', '"attempt":1'));
    expect(env.toJson()).toContain('"value":1.0,"big":1E2,');
  });

  it("renders timestamps as Stem's toJson does (toIso8601String)", () => {
    const env = parseEnvelope(text).with({ notBefore: "2025-01-02T05:00:00+02:00", enqueuedAt: new Date("2025-01-02T03:04:05Z") });
    expect(env.toJson()).toContain('"enqueuedAt":"2025-01-02T03:04:05.000Z","notBefore":"2025-01-02T03:00:00.000Z"');
  });

  it("puts new headers after existing ones and keeps positions of existing ones", () => {
    const env = parseEnvelope(text);
    const headers = new Map(env.headers).set("traceparent", "t2").set("new", "n");
    expect([...env.withHeaders(headers).headers.keys()]).toEqual(["x-tenant", "traceparent", "new"]);
    expect(env.withHeaders(headers).toJson()).toContain('"headers":{"x-tenant":"acme","traceparent":"t2","new":"n"}');
  });

  it("leaves the original untouched", () => {
    const env = parseEnvelope(text);
    env.with({ queue: "other" });
    expect(env.queue).toBe("default");
    expect(env.toJson()).toBe(text);
  });
});

describe("createEnvelope", () => {
  it("writes JSON in Envelope.toJson order with Stem's formatting", () => {
    const env = createEnvelope({
      id: "id-1",
      name: "demo.task",
      args: { n: 1, x: 1.5 },
      enqueuedAt: "2025-01-02T03:04:05Z",
      visibilityTimeoutMs: 30000,
    });
    expect(env.toJson()).toBe(
      '{"id":"id-1","name":"demo.task","args":{"n":1,"x":1.5},"headers":{},"enqueuedAt":"2025-01-02T03:04:05.000Z","notBefore":null,"priority":0,"attempt":0,"maxRetries":0,"visibilityTimeout":30000,"queue":"default","meta":{}}',
    );
    expect(StemEnvelope.parse(env.toJson()).toJson()).toBe(env.toJson());
    expect((env.args.get("n") as WireNumber).kind).toBe("int");
  });

  it("fails on non-integer or out-of-range ints and non-string headers", () => {
    const base = { id: "i", name: "n", enqueuedAt: "2025-01-02T03:04:05Z" };
    expect(() => createEnvelope({ ...base, attempt: 1.5 })).toThrow(/attempt: must be an integer/);
    expect(() => createEnvelope({ ...base, priority: 2n ** 63n })).toThrow(/priority: outside Dart's 64-bit int range/);
    expect(() => createEnvelope({ ...base, headers: { a: 1 as unknown as string } })).toThrow(/headers\.a: header values must be strings/);
    expect(() => createEnvelope({ ...base, visibilityTimeoutMs: 9223372036854776n })).toThrow(/visibilityTimeoutMs: too large for a Dart Duration/);
    expect(createEnvelope({ ...base, visibilityTimeoutMs: -9223372036854775n }).visibilityTimeoutMs).toBe(-9223372036854775n);
  });
});
