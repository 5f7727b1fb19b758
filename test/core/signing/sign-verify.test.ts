import * as fs from "node:fs";
import * as path from "node:path";
import fc from "fast-check";
import { StemConfigError } from "../../../lib/core/errors";
import { UnencodableValueError } from "../../../lib/core/signing/canonical-json";
import { parseDartDateTime } from "../../../lib/core/signing/dart-datetime";
import { createEnvelope, parseEnvelope, type EnvelopeInit, type StemEnvelope } from "../../../lib/core/signing/envelope";
import { signEnvelope } from "../../../lib/core/signing/sign";
import { verifyEnvelope } from "../../../lib/core/signing/verify";
import { parseStemSigningEnv } from "../../../lib/core/stem-env/parse-signing-env";
import type { StemSigningConfig } from "../../../lib/core/stem-env/signing-config";

const VECTOR = fs.readFileSync(path.join(__dirname, "../../fixtures/envelopes/contract-vector.json"), "utf8").trim();
const HMAC_SECRET_B64 = "c3VwZXItc2VjcmV0LXN1cGVyLXNlY3JldA==";
const SEED_B64 = "v/eFuFJGEl0ieIlYionIcFjYKmKK/lMrfi+pGcLsKew=";
const PUBLIC_B64 = "MQKrHe7hFRCoOi1DGdEdQOcfQGqEcTQGt79szn6gTJ0=";

const HMAC = parseStemSigningEnv({
  STEM_SIGNING_KEYS: `primary:${HMAC_SECRET_B64},rotated:bmV4dC1zZWNyZXQtbmV4dC1zZWNyZXQ=`,
  STEM_SIGNING_ACTIVE_KEY: "primary",
});
const ED25519 = parseStemSigningEnv({
  STEM_SIGNING_ALGORITHM: "ed25519",
  STEM_SIGNING_PUBLIC_KEYS: `primary:${PUBLIC_B64}`,
  STEM_SIGNING_PRIVATE_KEYS: `primary:${SEED_B64}`,
  STEM_SIGNING_ACTIVE_KEY: "primary",
});
const DISABLED = parseStemSigningEnv({});

function config(overrides: Partial<StemSigningConfig>): StemSigningConfig {
  return { ...ED25519, ...overrides };
}

const vector = (): StemEnvelope => parseEnvelope(VECTOR);

function withSignatureHeaders(envelope: StemEnvelope, signature: string | undefined, keyId: string | undefined): StemEnvelope {
  const headers = new Map(envelope.headers);
  headers.delete("stem-signature");
  headers.delete("stem-signature-key");
  if (signature !== undefined) headers.set("stem-signature", signature);
  if (keyId !== undefined) headers.set("stem-signature-key", keyId);
  return envelope.withHeaders(headers);
}

describe("verifyEnvelope messages (PayloadSigner.verify)", () => {
  const signed = signEnvelope(vector(), HMAC);
  const sig = signed.headers.get("stem-signature") as string;

  it.each([
    ["no signature headers", undefined, undefined],
    ["only stem-signature", "x", undefined],
    ["only stem-signature-key", undefined, "primary"],
  ])("fails with 'missing signature headers' for %s", (_label, signature, keyId) => {
    const result = verifyEnvelope(withSignatureHeaders(signed, signature, keyId), HMAC);
    expect(result).toMatchObject({ ok: false, message: "missing signature headers" });
  });

  it("fails with 'unknown signing key' naming the header's id", () => {
    expect(verifyEnvelope(withSignatureHeaders(signed, sig, "retired-1"), HMAC)).toEqual({
      ok: false,
      message: 'unknown signing key "retired-1"',
      keyId: "retired-1",
    });
  });

  it("fails on the unknown key id before looking at the base64", () => {
    expect(verifyEnvelope(withSignatureHeaders(signed, "!!", "nope"), HMAC)).toMatchObject({ message: 'unknown signing key "nope"' });
  });

  it.each([
    ["unpadded", sig.replace(/=+$/, "")],
    ["with whitespace", ` ${sig}`],
    ["with a foreign character", sig.replace("y", "*")],
    ["with non-zero bits before the padding", sig.replace("k=", "l=")],
  ])("fails with 'signature header is not base64 encoded' when %s", (_label, value) => {
    expect(verifyEnvelope(withSignatureHeaders(signed, value, "primary"), HMAC)).toMatchObject({
      ok: false,
      message: "signature header is not base64 encoded",
    });
  });

  it("accepts the URL-safe alphabet and %3D padding, as Dart's base64.decode does", () => {
    const edSigned = signEnvelope(vector(), ED25519);
    const edSig = edSigned.headers.get("stem-signature") as string;
    expect(edSig).toMatch(/[+/]/);
    const urlSafe = edSig.replace(/\+/g, "-").replace(/\//g, "_").replace(/==$/, "%3D%3d");
    expect(verifyEnvelope(withSignatureHeaders(edSigned, urlSafe, "primary"), ED25519)).toEqual({ ok: true, keyId: "primary", checked: true });
  });

  it("fails with 'signature mismatch' for a valid base64 of other bytes, including the empty string", () => {
    expect(verifyEnvelope(withSignatureHeaders(signed, "AAAA", "primary"), HMAC)).toMatchObject({ message: "signature mismatch" });
    expect(verifyEnvelope(withSignatureHeaders(signed, "", "primary"), HMAC)).toMatchObject({ message: "signature mismatch" });
  });

  it("accepts any configured key id, not only the active one", () => {
    const rotatedSigner = parseStemSigningEnv({ STEM_SIGNING_KEYS: `primary:${HMAC_SECRET_B64},rotated:bmV4dC1zZWNyZXQtbmV4dC1zZWNyZXQ=`, STEM_SIGNING_ACTIVE_KEY: "rotated" });
    const byRotated = signEnvelope(vector(), rotatedSigner);
    expect(byRotated.headers.get("stem-signature-key")).toBe("rotated");
    expect(verifyEnvelope(byRotated, HMAC)).toEqual({ ok: true, keyId: "rotated", checked: true });
  });

  it("accepts everything without looking when signing is disabled", () => {
    expect(verifyEnvelope(vector(), DISABLED)).toEqual({ ok: true, keyId: null, checked: false });
    expect(verifyEnvelope(withSignatureHeaders(signed, "garbage", "x"), DISABLED)).toEqual({ ok: true, keyId: null, checked: false });
  });
});

describe("verifyEnvelope errors that escape Stem's signature path", () => {
  it("fails with ArgumentError for an Ed25519 public key that is not 32 bytes", () => {
    const signed = signEnvelope(vector(), ED25519);
    const shortKey = config({ publicKeys: new Map([["primary", new Uint8Array(31)]]) });
    expect(verifyEnvelope(signed, shortKey)).toEqual({
      ok: false,
      message: "Invalid argument (signature): Invalid public key length",
      keyId: "primary",
      stemThrows: "ArgumentError",
    });
  });

  it("fails with ArgumentError for an Ed25519 signature that is not 64 bytes (an empty header too)", () => {
    const signed = signEnvelope(vector(), ED25519);
    for (const value of [Buffer.alloc(63).toString("base64"), ""]) {
      expect(verifyEnvelope(withSignatureHeaders(signed, value, "primary"), ED25519)).toMatchObject({
        ok: false,
        message: "Invalid argument (signature): Invalid signature length",
        stemThrows: "ArgumentError",
      });
    }
  });

  it("fails with JsonUnsupportedObjectError when the args hold a double Dart reads as Infinity", () => {
    const env = parseEnvelope(VECTOR.replace('"value":1', '"value":1e999'));
    const withHeaders = withSignatureHeaders(env, "AAAA", "primary");
    expect(verifyEnvelope(withHeaders, HMAC)).toEqual({
      ok: false,
      message: "Converting object to an encodable object failed: Infinity",
      keyId: "primary",
      stemThrows: "JsonUnsupportedObjectError",
    });
    expect(() => signEnvelope(env, HMAC)).toThrow(UnencodableValueError);
  });
});

describe("signEnvelope", () => {
  it("returns the envelope unchanged when signing is disabled", () => {
    const env = vector();
    expect(signEnvelope(env, DISABLED)).toBe(env);
  });

  it("adds the two headers after the others and writes standard padded base64 (44 / 88 chars)", () => {
    const hmac = signEnvelope(vector(), HMAC);
    expect([...hmac.headers.keys()]).toEqual(["x-tenant", "traceparent", "stem-signature", "stem-signature-key"]);
    expect(hmac.headers.get("stem-signature")).toMatch(/^[A-Za-z0-9+/]{43}=$/);
    expect(signEnvelope(vector(), ED25519).headers.get("stem-signature")).toMatch(/^[A-Za-z0-9+/]{86}==$/);
  });

  it("re-signs in place: old signature headers keep their position and do not change the result", () => {
    const once = signEnvelope(vector(), HMAC);
    const stale = withSignatureHeaders(once, "stale", "old");
    const moved = once.withHeaders(new Map([["stem-signature-key", "old"], ["stem-signature", "stale"], ...once.headers]));
    const again = signEnvelope(moved, HMAC);
    expect([...again.headers.keys()].slice(0, 2)).toEqual(["stem-signature-key", "stem-signature"]);
    expect(again.headers.get("stem-signature")).toBe(once.headers.get("stem-signature"));
    expect(signEnvelope(stale, HMAC).headers.get("stem-signature")).toBe(once.headers.get("stem-signature"));
  });

  it("writes JSON whose raw numbers survive, where a JSON.parse/JSON.stringify round trip breaks the signature", () => {
    const env = parseEnvelope(VECTOR.replace('"value":1', '"value":1.0'));
    const signedJson = signEnvelope(env, HMAC).toJson();
    expect(signedJson).toContain('"value":1.0');
    expect(verifyEnvelope(parseEnvelope(signedJson), HMAC).ok).toBe(true);
    const naive = JSON.stringify(JSON.parse(signedJson));
    expect(verifyEnvelope(parseEnvelope(naive), HMAC)).toMatchObject({ ok: false, message: "signature mismatch" });
  });

  it("never puts key material in its output", () => {
    const secretHex = Buffer.from(HMAC_SECRET_B64, "base64").toString("hex");
    for (const [cfg, material] of [
      [HMAC, [HMAC_SECRET_B64, secretHex, Buffer.from(HMAC_SECRET_B64, "base64").toString("utf8")]],
      [ED25519, [SEED_B64, Buffer.from(SEED_B64, "base64").toString("hex")]],
    ] as const) {
      const out = signEnvelope(vector(), cfg).toJson() + JSON.stringify(verifyEnvelope(signEnvelope(vector(), cfg), cfg));
      for (const m of material) expect(out).not.toContain(m);
    }
  });

  describe("fails like Stem at sign time (StateError, exact text)", () => {
    it.each<[string, StemSigningConfig, string]>([
      [
        "HMAC with the active secret missing",
        { ...HMAC, keys: new Map([["other", new Uint8Array(32)]]) },
        'Active signing key "primary" is not configured. Ensure STEM_SIGNING_KEYS includes "primary:<base64-secret>" and STEM_SIGNING_ACTIVE_KEY="primary".',
      ],
      [
        "Ed25519 without an active key",
        config({ activeKeyId: undefined }),
        "STEM_SIGNING_ACTIVE_KEY must be provided to sign with Ed25519. Set STEM_SIGNING_ACTIVE_KEY to the identifier of a private key.",
      ],
      [
        "Ed25519 without the active private key (a verify-only worker re-signing a retry)",
        parseStemSigningEnv({ STEM_SIGNING_ALGORITHM: "ed25519", STEM_SIGNING_PUBLIC_KEYS: `primary:${PUBLIC_B64}`, STEM_SIGNING_ACTIVE_KEY: "primary" }),
        'Missing private key for "primary". Provide STEM_SIGNING_PRIVATE_KEYS="primary:<base64-private-key>".',
      ],
      [
        "Ed25519 without the active public key",
        parseStemSigningEnv({
          STEM_SIGNING_ALGORITHM: "ed25519",
          STEM_SIGNING_PUBLIC_KEYS: `other:${PUBLIC_B64}`,
          STEM_SIGNING_PRIVATE_KEYS: `primary:${SEED_B64}`,
          STEM_SIGNING_ACTIVE_KEY: "primary",
        }),
        'Missing public key for "primary". Provide STEM_SIGNING_PUBLIC_KEYS="primary:<base64-public-key>".',
      ],
    ])("fails for %s", (_label, cfg, message) => {
      let error: unknown;
      try {
        signEnvelope(vector(), cfg);
      } catch (err) {
        error = err;
      }
      expect(error).toBeInstanceOf(StemConfigError);
      expect((error as StemConfigError).kind).toBe("StateError");
      expect((error as StemConfigError).stemMessage).toBe(message);
    });
  });
});

// --- properties ---

const jsonValue = fc.jsonValue({ maxDepth: 3 });
const args = fc.dictionary(fc.string({ maxLength: 6 }), jsonValue, { maxKeys: 5 });
const headerKey = fc.string({ maxLength: 8 }).filter((k) => k !== "stem-signature" && k !== "stem-signature-key");
const headers = fc.dictionary(headerKey, fc.string({ maxLength: 12 }), { maxKeys: 4 });
const int = fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n });
const micros = fc.bigInt({ min: 0n, max: 4_102_444_800_000_000n }); // 1970..2100
const timestamp = micros.map((m) => parseDartDateTime(new Date(Number(m / 1000n)).toISOString().replace("Z", `${String(m % 1000n).padStart(3, "0")}Z`)));

const envelopeInit: fc.Arbitrary<EnvelopeInit> = fc.record({
  id: fc.string({ minLength: 1, maxLength: 12 }),
  name: fc.string({ maxLength: 12 }),
  args,
  headers,
  enqueuedAt: timestamp,
  notBefore: fc.option(timestamp, { nil: null }),
  priority: int,
  attempt: int,
  maxRetries: int,
  visibilityTimeoutMs: fc.option(fc.bigInt({ min: -9223372036854775n, max: 9223372036854775n }), { nil: null }),
  queue: fc.string({ maxLength: 8 }),
  meta: args,
});

const signer = fc.constantFrom(["hmac", HMAC] as const, ["ed25519", ED25519] as const);

describe("sign then verify (properties)", () => {
  it("always verifies, before and after a JSON round trip through Stem's wire format", () => {
    fc.assert(
      fc.property(envelopeInit, signer, (init, [, cfg]) => {
        const signed = signEnvelope(createEnvelope(init), cfg);
        expect(verifyEnvelope(signed, cfg)).toEqual({ ok: true, keyId: "primary", checked: true });
        expect(verifyEnvelope(parseEnvelope(signed.toJson()), cfg)).toEqual({ ok: true, keyId: "primary", checked: true });
      }),
      { numRuns: 150 },
    );
  });

  type Mutation = (env: StemEnvelope) => StemEnvelope;
  const mutations: Array<[string, Mutation]> = [
    ["attempt + 1 (nack requeue)", (e) => e.with({ attempt: e.attempt === 2n ** 63n - 1n ? 0n : e.attempt + 1n })],
    ["priority", (e) => e.with({ priority: e.priority === 0n ? 1n : 0n })],
    ["maxRetries", (e) => e.with({ maxRetries: e.maxRetries === 0n ? 1n : 0n })],
    ["queue (DLQ replay)", (e) => e.with({ queue: `${e.queue}-x` })],
    ["name", (e) => e.with({ name: `${e.name}!` })],
    ["id", (e) => e.with({ id: `${e.id}0` })],
    ["enqueuedAt + 1 µs", (e) => e.with({ enqueuedAt: { microsecondsSinceEpoch: e.enqueuedAt.microsecondsSinceEpoch + 1n, isUtc: true } })],
    ["notBefore (extendLease)", (e) => e.with({ notBefore: { microsecondsSinceEpoch: (e.notBefore?.microsecondsSinceEpoch ?? 0n) + 1000n, isUtc: true } })],
    ["visibilityTimeout", (e) => e.with({ visibilityTimeoutMs: e.visibilityTimeoutMs === null ? 0n : null })],
    ["an added arg", (e) => e.with({ args: new Map(e.args).set("\u0000extra", null) })],
    ["meta", (e) => e.with({ meta: new Map(e.meta).set("\u0000extra", true) })],
    ["an added header", (e) => e.withHeaders(new Map(e.headers).set("\u0000extra", ""))],
  ];

  it("fails with 'signature mismatch' for any mutation of a signed field", () => {
    fc.assert(
      fc.property(envelopeInit, signer, fc.constantFrom(...mutations), (init, [, cfg], [, mutate]) => {
        const signed = signEnvelope(createEnvelope(init), cfg);
        const tampered = mutate(signed);
        expect(verifyEnvelope(tampered, cfg)).toEqual({ ok: false, message: "signature mismatch", keyId: "primary" });
        // Same through the wire: what a worker would read back.
        expect(verifyEnvelope(parseEnvelope(tampered.toJson()), cfg)).toMatchObject({ message: "signature mismatch" });
      }),
      { numRuns: 200 },
    );
  });
});
