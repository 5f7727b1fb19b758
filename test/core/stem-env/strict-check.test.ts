import { createPrivateKey, createPublicKey } from "node:crypto";
import * as fc from "fast-check";
import type { Role } from "../../../lib/core/keyring/types";
import type { EnvMap } from "../../../lib/core/stem-env/signing-config";
import { checkSigningEnv, inspectSigningEnv, stemFailureLine, type Finding } from "../../../lib/core/stem-env/strict-check";
import { stemAllowInsecure } from "../../../lib/core/stem-env/strict-check-tls";

const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString("base64");
/** Public key of a seed by node:crypto, independent of the noble code the checker uses. */
const nodePublicKey = (seed: Uint8Array) =>
  createPublicKey(createPrivateKey({ key: Buffer.concat([Buffer.from("302e020100300506032b657004220420", "hex"), seed]), format: "der", type: "pkcs8" }))
    .export({ format: "der", type: "spki" })
    .subarray(12);

const H7 = b64(Buffer.alloc(32, 7));
const H8 = b64(Buffer.alloc(32, 8));
const SEED9 = Buffer.alloc(32, 9);
const S9 = b64(SEED9);
const P9 = b64(nodePublicKey(SEED9));

const hmacEnv = (extra: Record<string, string> = {}): EnvMap => ({
  STEM_SIGNING_ALGORITHM: "hmac-sha256",
  STEM_SIGNING_KEYS: `primary:${H7}`,
  STEM_SIGNING_ACTIVE_KEY: "primary",
  ...extra,
});
const edEnv = (extra: Record<string, string | undefined> = {}): EnvMap => ({
  STEM_SIGNING_ALGORITHM: "ed25519",
  STEM_SIGNING_PUBLIC_KEYS: `primary:${P9}`,
  STEM_SIGNING_PRIVATE_KEYS: `primary:${S9}`,
  STEM_SIGNING_ACTIVE_KEY: "primary",
  ...extra,
});
const brief = (findings: readonly Finding[]) => findings.map((f) => `${f.severity} ${f.field}: ${f.message}`);

describe("checkSigningEnv", () => {
  it("finds nothing in stemguard's own emission format", () => {
    expect(checkSigningEnv(hmacEnv({ STEM_SIGNING_KEYS: `primary:${H7},rotated:${H8}` }), { role: "worker" })).toEqual([]);
    for (const role of ["producer", "worker", "beat"] as Role[]) expect(checkSigningEnv(edEnv(), { role })).toEqual([]);
  });

  it("accepts the Ed25519 pair from Stem's own example (docs/stem-compat.md §2.4)", () => {
    const env = edEnv({
      STEM_SIGNING_PUBLIC_KEYS: "primary:MQKrHe7hFRCoOi1DGdEdQOcfQGqEcTQGt79szn6gTJ0=",
      STEM_SIGNING_PRIVATE_KEYS: "primary:v/eFuFJGEl0ieIlYionIcFjYKmKK/lMrfi+pGcLsKew=",
    });
    expect(checkSigningEnv(env)).toEqual([]);
  });

  it("agrees with node:crypto on which seeds match which public keys", () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.uint8Array({ minLength: 32, maxLength: 32 }), (seed, other) => {
        const own = checkSigningEnv(edEnv({ STEM_SIGNING_PUBLIC_KEYS: `primary:${b64(nodePublicKey(seed))}`, STEM_SIGNING_PRIVATE_KEYS: `primary:${b64(seed)}` }));
        expect(own).toEqual([]);
        const swapped = checkSigningEnv(edEnv({ STEM_SIGNING_PUBLIC_KEYS: `primary:${b64(nodePublicKey(other))}`, STEM_SIGNING_PRIVATE_KEYS: `primary:${b64(seed)}` }));
        const mismatch = Buffer.from(seed).equals(Buffer.from(other)) ? [] : ["error STEM_SIGNING_PRIVATE_KEYS[primary]"];
        expect(swapped.map((f) => `${f.severity} ${f.field}`)).toEqual(mismatch);
      }),
      { numRuns: 30 },
    );
  });

  it("returns the same findings as inspectSigningEnv", () => {
    const env = hmacEnv({ STEM_SIGNING_KEYS: `primary:${H7},,` });
    expect(checkSigningEnv(env, { role: "beat" })).toEqual(inspectSigningEnv(env, { role: "beat" }).findings);
  });

  describe("algorithm", () => {
    it("fails a trimmed or differently-cased value Stem would accept", () => {
      expect(brief(checkSigningEnv(hmacEnv({ STEM_SIGNING_ALGORITHM: "hmac-sha256 " })))).toEqual([
        'error STEM_SIGNING_ALGORITHM: "hmac-sha256 " is accepted by Stem (trimmed, any case), but stemguard requires exactly "hmac-sha256"',
      ]);
      expect(brief(checkSigningEnv(edEnv({ STEM_SIGNING_ALGORITHM: "Ed25519" })))).toEqual([
        'error STEM_SIGNING_ALGORITHM: "Ed25519" is accepted by Stem (trimmed, any case), but stemguard requires exactly "ed25519"',
      ]);
    });

    it("fails an empty algorithm next to keys, but not an env without signing", () => {
      expect(brief(checkSigningEnv(hmacEnv({ STEM_SIGNING_ALGORITHM: "" })))).toEqual(["error STEM_SIGNING_ALGORITHM: empty; Stem falls back to hmac-sha256"]);
      expect(brief(checkSigningEnv({ STEM_SIGNING_ALGORITHM: "" }))).toEqual([
        "warning STEM_SIGNING_*: signing is disabled: producers send unsigned envelopes and workers verify nothing",
      ]);
    });

    it("catches Ed25519 keys under a defaulted algorithm: Stem reads none of them", () => {
      const env = edEnv({ STEM_SIGNING_ALGORITHM: undefined });
      expect(brief(checkSigningEnv(env))).toEqual([
        "error STEM_SIGNING_ALGORITHM: not set; Stem falls back to hmac-sha256",
        "warning STEM_SIGNING_PUBLIC_KEYS: ignored: STEM_SIGNING_ALGORITHM is hmac-sha256, and Stem reads only one algorithm's keys",
        "warning STEM_SIGNING_PRIVATE_KEYS: ignored: STEM_SIGNING_ALGORITHM is hmac-sha256, and Stem reads only one algorithm's keys",
        "error STEM_SIGNING_KEYS: is empty or not set while STEM_SIGNING_ACTIVE_KEY is set, so Stem silently disables signing",
        "warning STEM_SIGNING_*: signing is disabled: producers send unsigned envelopes and workers verify nothing",
      ]);
    });

    it("warns about HMAC keys next to an Ed25519 config", () => {
      expect(brief(checkSigningEnv(edEnv({ STEM_SIGNING_KEYS: `primary:${H7}` })))).toEqual([
        "warning STEM_SIGNING_KEYS: ignored: STEM_SIGNING_ALGORITHM is ed25519, and Stem reads only one algorithm's keys",
      ]);
    });
  });

  describe("key lists", () => {
    it("warns about empty entries and whitespace Stem tolerates", () => {
      expect(brief(checkSigningEnv(hmacEnv({ STEM_SIGNING_KEYS: `,primary:${H7}, ,rotated : ${H8},` })))).toEqual([
        "warning STEM_SIGNING_KEYS: list has 3 empty entries (',,' or a leading or trailing ','); Stem skips them",
        "warning STEM_SIGNING_KEYS: list contains whitespace; Stem trims it around entries, ids and values, other tools may not",
      ]);
    });

    it("fails an entry without ':'", () => {
      const findings = checkSigningEnv(hmacEnv({ STEM_SIGNING_KEYS: H7 }));
      expect(brief(findings)).toEqual([
        'error STEM_SIGNING_KEYS: Stem refuses this env: FormatException: Invalid signing key entry "<redacted 44 chars>". Expected format keyId:base64Value',
        "error STEM_SIGNING_KEYS[entry 1]: entry has no ':' between key id and value",
      ]);
      expect(findings[0].source).toBe("stem");
    });

    it.each([
      ["public key of 31 bytes", { STEM_SIGNING_PUBLIC_KEYS: `primary:${b64(Buffer.alloc(31, 1))}` }, "STEM_SIGNING_PUBLIC_KEYS[primary]", "public key is 31 bytes; Ed25519 public keys are 32 bytes; Stem needs the raw 32-byte key (with any other length its verify throws instead of rejecting the message)"],
      ["empty public key", { STEM_SIGNING_PUBLIC_KEYS: `primary:,spare:${P9}` }, "STEM_SIGNING_PUBLIC_KEYS[primary]", "empty public key: Stem accepts it, then every verification with this key throws"],
      ["empty seed", { STEM_SIGNING_PRIVATE_KEYS: "primary:" }, "STEM_SIGNING_PRIVATE_KEYS[primary]", 'empty private key: Stem accepts it and signs with a key derived from 0 bytes, so every message dead-letters with "signature mismatch"'],
      ["64 bytes that are not seed||public", { STEM_SIGNING_PRIVATE_KEYS: `primary:${b64(Buffer.alloc(64, 3))}` }, "STEM_SIGNING_PRIVATE_KEYS[primary]", 'private key is 64 bytes, like a libsodium/NaCl secret key (seed followed by public key); Stem hashes whatever bytes it gets, so it would sign with a different key and every message dead-letters with "signature mismatch"'],
      ["base64 of a PEM file", { STEM_SIGNING_PRIVATE_KEYS: `primary:${b64(Buffer.from("-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIAkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJ\n-----END PRIVATE KEY-----\n"))}` }, "STEM_SIGNING_PRIVATE_KEYS[primary]", 'value is base64 of a PEM file; Stem hashes whatever bytes it gets, so it would sign with a different key and every message dead-letters with "signature mismatch"'],
      ["33-byte seed", { STEM_SIGNING_PRIVATE_KEYS: `primary:${b64(Buffer.alloc(33, 3))}` }, "STEM_SIGNING_PRIVATE_KEYS[primary]", 'private key is 33 bytes; Ed25519 seeds are 32 bytes; Stem hashes whatever bytes it gets, so it would sign with a different key and every message dead-letters with "signature mismatch"'],
    ])("fails a %s", (_name, extra, field, message) => {
      const errors = checkSigningEnv(edEnv(extra)).filter((f) => f.severity === "error");
      expect(errors.map((f) => [f.field, f.message])).toEqual([[field, message]]);
    });

    it("warns about a non-active private key without a public key", () => {
      const env = edEnv({ STEM_SIGNING_PRIVATE_KEYS: `primary:${S9},old:${b64(Buffer.alloc(32, 4))}` });
      expect(brief(checkSigningEnv(env))).toEqual(['warning STEM_SIGNING_PRIVATE_KEYS[old]: private key "old" has no public key in STEM_SIGNING_PUBLIC_KEYS; Stem cannot sign with it']);
    });

    it("redacts an id that is really a secret whose own id was left out", () => {
      const findings = checkSigningEnv(hmacEnv({ STEM_SIGNING_KEYS: `primary:${H7},${H8}:` }));
      expect(brief(findings)).toEqual([
        "error STEM_SIGNING_KEYS[<redacted 44 chars>]: key id of entry 2 (<redacted 44 chars>) has characters outside [A-Za-z0-9._-]; not printed, as it may be a secret in the wrong place",
        "error STEM_SIGNING_KEYS[<redacted 44 chars>]: empty secret: Stem accepts it as a 0-byte HMAC key, which anyone can forge",
      ]);
    });

    it("does not echo a secret pasted into STEM_SIGNING_ACTIVE_KEY", () => {
      const hmac = inspectSigningEnv(hmacEnv({ STEM_SIGNING_ACTIVE_KEY: H8 }));
      const ed = inspectSigningEnv(edEnv({ STEM_SIGNING_ACTIVE_KEY: S9, STEM_SIGNING_PRIVATE_KEYS: undefined }), { role: "worker" });
      const out = JSON.stringify([hmac.findings, ed.findings]) + (hmac.stem.ok ? "" : stemFailureLine(hmac.stem.error));
      expect(out).toContain("<redacted 44 chars>");
      expect(out).not.toContain(H8.slice(0, 12));
      expect(out).not.toContain(S9.slice(0, 12));
    });

    it("reports duplicates with every entry number", () => {
      const findings = checkSigningEnv(hmacEnv({ STEM_SIGNING_KEYS: `primary:${H7},b:${H8},primary:${H8},primary:${H7}` }));
      expect(brief(findings)).toEqual(['error STEM_SIGNING_KEYS[primary]: key id "primary" appears 3 times (entries 1, 3, 4); Stem silently keeps the last one']);
    });
  });

  describe("roles", () => {
    const verifyOnly = edEnv({ STEM_SIGNING_PRIVATE_KEYS: undefined, STEM_SIGNING_ACTIVE_KEY: undefined });
    const severities = (env: EnvMap, role?: Role, allowVerifyOnlyWorker?: boolean) =>
      checkSigningEnv(env, { role, allowVerifyOnlyWorker }).map((f) => `${f.severity} ${f.field}`);

    it.each([
      [undefined, false, ["warning STEM_SIGNING_PRIVATE_KEYS"]],
      ["producer", false, ["error STEM_SIGNING_PRIVATE_KEYS"]],
      ["beat", false, ["error STEM_SIGNING_PRIVATE_KEYS"]],
      ["worker", false, ["error STEM_SIGNING_PRIVATE_KEYS"]],
      ["worker", true, ["warning STEM_SIGNING_PRIVATE_KEYS"]],
      // the flag is about workers only
      ["producer", true, ["error STEM_SIGNING_PRIVATE_KEYS"]],
    ] as const)("verify-only Ed25519 env, role %s, allowVerifyOnlyWorker %s", (role, allow, expected) => {
      expect(severities(verifyOnly, role, allow)).toEqual(expected);
    });

    it("names the Stem failure a verify-only worker hits on retry", () => {
      const [f] = checkSigningEnv(edEnv({ STEM_SIGNING_ACTIVE_KEY: undefined, STEM_SIGNING_PRIVATE_KEYS: undefined }), { role: "worker", allowVerifyOnlyWorker: true });
      expect(f.message).toContain('which then fails with "STEM_SIGNING_ACTIVE_KEY must be provided to sign with Ed25519."');
      const [g] = checkSigningEnv(edEnv({ STEM_SIGNING_PRIVATE_KEYS: undefined }), { role: "worker" });
      expect(g.message).toBe('verify-only Ed25519 worker (no STEM_SIGNING_PRIVATE_KEYS): Stem\'s worker re-signs every retry and requeue, which then fails with "Missing private key for "primary"."');
      expect(g.fix).toBe("set STEM_SIGNING_PRIVATE_KEYS with the active key's seed and STEM_SIGNING_ACTIVE_KEY, or pass --allow-verify-only-worker if this worker's tasks never retry");
    });

    it.each([["producer"], ["worker"], ["beat"]] as const)("fails disabled signing for a %s", (role) => {
      expect(severities({}, role)).toEqual(["error STEM_SIGNING_*"]);
    });
  });

  describe("TLS and other variables", () => {
    it.each([
      ["true", true],
      ["TRUE", true],
      ["true ", true],
      ["untrue", true],
      ["1", true],
      [" 1", false],
      ["yes", false],
      ["", false],
      [undefined, false],
    ])("reads STEM_TLS_ALLOW_INSECURE=%j as Stem does: %s", (value, expected) => {
      expect(stemAllowInsecure(value)).toBe(expected);
    });

    it("fails any ALLOW_INSECURE other than exactly true, and warns about true", () => {
      expect(brief(checkSigningEnv(hmacEnv({ STEM_TLS_ALLOW_INSECURE: " 1" })))).toEqual([
        'error STEM_TLS_ALLOW_INSECURE: value " 1" is not exactly "true"; Stem reads it as false (anything containing "true", such as "untrue", is true; " 1" and "yes" are false)',
      ]);
      expect(brief(checkSigningEnv(hmacEnv({ STEM_TLS_ALLOW_INSECURE: "true" })))).toEqual([
        "warning STEM_TLS_ALLOW_INSECURE: server certificates are not verified (any certificate, any host name is accepted)",
      ]);
    });

    it("fails PEM content in a path variable without echoing it", () => {
      const pem = `-----BEGIN PRIVATE KEY-----${S9}-----END PRIVATE KEY-----`;
      const findings = checkSigningEnv(hmacEnv({ STEM_TLS_CA_CERT: "/certs/ca.crt", STEM_TLS_CLIENT_CERT: "/certs/c.crt", STEM_TLS_CLIENT_KEY: pem }));
      expect(brief(findings)).toEqual(["error STEM_TLS_CLIENT_KEY: value is certificate or key content; Stem expects a file path"]);
      expect(JSON.stringify(findings)).not.toContain(S9.slice(0, 12));
    });

    it("fails a client key without certificate and warns when no CA is set", () => {
      expect(brief(checkSigningEnv(hmacEnv({ STEM_TLS_CLIENT_KEY: "/certs/c.key" })))).toEqual([
        "error STEM_TLS_CLIENT_KEY: set without STEM_TLS_CLIENT_CERT; Stem uses a client certificate only when both are set, so it silently sends none",
        "warning STEM_TLS_CA_CERT: not set while a client certificate path is: once any STEM_TLS_* path is set Stem trusts no system CA, so no server certificate can verify",
      ]);
    });

    it("flags variables Stem never reads", () => {
      expect(brief(checkSigningEnv(hmacEnv({ STEM_SIGNING_ACTIVE_KEYS: "primary", STEM_REDIS_URL: "redis://r:6379" })))).toEqual([
        "error STEM_SIGNING_ACTIVE_KEYS: Stem reads no such variable (its signing variables are STEM_SIGNING_ALGORITHM, STEM_SIGNING_KEYS, STEM_SIGNING_PUBLIC_KEYS, STEM_SIGNING_PRIVATE_KEYS, STEM_SIGNING_ACTIVE_KEY)",
        "warning STEM_REDIS_URL: Stem reads no such variable (it appears only in a checklist)",
      ]);
    });

    it("does not require STEM_BROKER_URL (an env may be a fragment) but fails it empty, as Stem does first", () => {
      expect(checkSigningEnv(hmacEnv())).toEqual([]);
      const report = inspectSigningEnv({ ...hmacEnv(), STEM_BROKER_URL: "", STEM_SIGNING_ALGORITHM: "rsa" });
      expect(report.stem.ok).toBe(false);
      if (!report.stem.ok) {
        expect(stemFailureLine(report.stem.error)).toBe("Failed to load StemConfig: Bad state: Missing STEM_BROKER_URL environment variable (e.g. redis://host:6379).");
      }
    });

    it("still applies the signing rules when Stem stops at an empty STEM_BROKER_URL", () => {
      const env = { ...edEnv({ STEM_SIGNING_ACTIVE_KEY: undefined }), STEM_BROKER_URL: "" };
      expect(checkSigningEnv(env, { role: "producer" }).map((f) => `${f.source} ${f.severity} ${f.field}`)).toEqual([
        "stem error STEM_BROKER_URL",
        "stemguard error STEM_SIGNING_ACTIVE_KEY",
      ]);
    });
  });

  it("never puts material into a finding, whatever is broken", () => {
    const secretArb = fc.uint8Array({ minLength: 16, maxLength: 80 });
    const mangle = fc.constantFrom(
      (s: string) => s,
      (s: string) => s.replace(/=+$/, ""),
      (s: string) => s.replace(/\+/g, "-").replace(/\//g, "_"),
      (s: string) => `${s.slice(0, 8)} ${s.slice(8)}`,
      (s: string) => `${s}:extra`,
      (s: string) => `x${s}`,
      (s: string) => s.replace(/=$/, "%3D"),
    );
    const layout = fc.constantFrom(
      (v: string) => ({ STEM_SIGNING_ALGORITHM: "hmac-sha256", STEM_SIGNING_KEYS: `a:${v}`, STEM_SIGNING_ACTIVE_KEY: "a" }),
      (v: string) => ({ STEM_SIGNING_ALGORITHM: "hmac-sha256", STEM_SIGNING_KEYS: v, STEM_SIGNING_ACTIVE_KEY: "a" }),
      (v: string) => ({ STEM_SIGNING_ALGORITHM: "hmac-sha256", STEM_SIGNING_KEYS: `a:${H7} b:${v}`, STEM_SIGNING_ACTIVE_KEY: "a" }),
      (v: string) => ({ STEM_SIGNING_ALGORITHM: "ed25519", STEM_SIGNING_PUBLIC_KEYS: `a:${P9}`, STEM_SIGNING_PRIVATE_KEYS: `a:${v}`, STEM_SIGNING_ACTIVE_KEY: "a" }),
      (v: string) => ({ STEM_SIGNING_ALGORITHM: "ed25519", STEM_SIGNING_PUBLIC_KEYS: `a:${P9}`, STEM_SIGNING_PRIVATE_KEYS: `a:${v}:${v}` }),
      (v: string) => ({ STEM_SIGNING_PRIVATE_KEY: v, STEM_TLS_CLIENT_KEY: `-----BEGIN ${v}` }),
    );
    fc.assert(
      fc.property(secretArb, mangle, layout, fc.constantFrom<Role | undefined>(undefined, "producer", "worker", "beat"), (secret, m, l, role) => {
        const text = m(b64(secret));
        const report = inspectSigningEnv(l(text), { role });
        const out = JSON.stringify(report.findings) + (report.stem.ok ? "" : stemFailureLine(report.stem.error));
        const std = b64(secret);
        for (let i = 0; i + 12 <= std.length; i += 4) expect(out).not.toContain(std.slice(i, i + 12));
      }),
      { numRuns: 400 },
    );
  });
});
