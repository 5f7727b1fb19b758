import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { canonicalBytes, canonicalString } from "../../../lib/core/signing/canonical-json";
import { dartEd25519Sign, dartEd25519Verify } from "../../../lib/core/signing/dart-ed25519";
import { parseEnvelope } from "../../../lib/core/signing/envelope";
import { signEnvelope } from "../../../lib/core/signing/sign";
import { verifyEnvelope } from "../../../lib/core/signing/verify";
import { parseStemSigningEnv } from "../../../lib/core/stem-env/parse-signing-env";
import { openssl, testWithOpenssl } from "../../support/openssl";

/**
 * docs/stem-compat.md §2.6: the canonical string, its SHA-256 and both signatures for
 * the vector envelope, reproduced exactly and cross-checked with node:crypto,
 * openssl and RFC 8032.
 */

const FIXTURE = path.join(__dirname, "../../fixtures/envelopes/contract-vector.json");
const VECTOR = fs.readFileSync(FIXTURE, "utf8");

const CANONICAL =
  '{"args":{"10":"ten","2":"two","nested":{"a":null,"list":[1,"two",{"b":"line\\nbreak","y":"é"}],"z":true},"value":1},"attempt":0,"enqueuedAt":"2025-01-02T03:04:05.123456Z","headers":{"traceparent":"00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01","x-tenant":"acme"},"id":"019a0000-0000-7000-8000-000000000001","maxRetries":3,"meta":{"stem.task":"demo.task"},"name":"demo.task","notBefore":null,"priority":0,"queue":"default","visibilityTimeoutMs":null}';
const CANONICAL_SHA256 = "1b79b10f65fa3199be218a9029678de56bb85e18bed453316693fed156d75425";
const HMAC_SIGNATURE = "y6wfz4Fs1huEPESoTLapfK73bvnWkecV56OvPaAKzUk=";
const ED25519_SIGNATURE = "dIzReR1OPyB52g3eMByqR18QcjoBOgnjyeQ1P6mJTz52fe0SC/xEJwlVFptkZcPTvoGKGb+bsvlwSKVk3459DQ==";

const HMAC_SECRET_B64 = "c3VwZXItc2VjcmV0LXN1cGVyLXNlY3JldA==";
const HMAC_ENV = {
  STEM_SIGNING_ALGORITHM: "hmac-sha256",
  STEM_SIGNING_KEYS: `primary:${HMAC_SECRET_B64},rotated:bmV4dC1zZWNyZXQtbmV4dC1zZWNyZXQ=`,
  STEM_SIGNING_ACTIVE_KEY: "primary",
};
const SEED_B64 = "v/eFuFJGEl0ieIlYionIcFjYKmKK/lMrfi+pGcLsKew=";
const PUBLIC_B64 = "MQKrHe7hFRCoOi1DGdEdQOcfQGqEcTQGt79szn6gTJ0=";
const ED25519_ENV = {
  STEM_SIGNING_ALGORITHM: "ed25519",
  STEM_SIGNING_PUBLIC_KEYS: `primary:${PUBLIC_B64}`,
  STEM_SIGNING_PRIVATE_KEYS: `primary:${SEED_B64}`,
  STEM_SIGNING_ACTIVE_KEY: "primary",
};

const PKCS8_ED25519_PREFIX = Buffer.from("302e020100300506032b657004220420", "hex");
const SPKI_ED25519_PREFIX = Buffer.from("302a300506032b6570032100", "hex");

function nodePrivateKey(seed: Buffer): crypto.KeyObject {
  return crypto.createPrivateKey({ key: Buffer.concat([PKCS8_ED25519_PREFIX, seed]), format: "der", type: "pkcs8" });
}

function nodePublicKey(raw: Buffer): crypto.KeyObject {
  return crypto.createPublicKey({ key: Buffer.concat([SPKI_ED25519_PREFIX, raw]), format: "der", type: "spki" });
}


describe("docs/stem-compat.md §2.6 vector", () => {
  const envelope = parseEnvelope(VECTOR, { source: FIXTURE });

  it("reproduces the canonical string and its SHA-256", () => {
    expect(canonicalString(envelope)).toBe(CANONICAL);
    expect(crypto.createHash("sha256").update(canonicalBytes(envelope)).digest("hex")).toBe(CANONICAL_SHA256);
  });

  it("reproduces the HMAC signature with key id primary", () => {
    const signed = signEnvelope(envelope, parseStemSigningEnv(HMAC_ENV));
    expect(signed.headers.get("stem-signature")).toBe(HMAC_SIGNATURE);
    expect(signed.headers.get("stem-signature-key")).toBe("primary");
  });

  it("reproduces the Ed25519 signature with key id primary", () => {
    const signed = signEnvelope(envelope, parseStemSigningEnv(ED25519_ENV));
    expect(signed.headers.get("stem-signature")).toBe(ED25519_SIGNATURE);
    expect(signed.headers.get("stem-signature-key")).toBe("primary");
  });

  it("matches node:crypto's HMAC-SHA256 over the canonical UTF-8", () => {
    const mac = crypto.createHmac("sha256", Buffer.from(HMAC_SECRET_B64, "base64")).update(CANONICAL, "utf8").digest("base64");
    expect(mac).toBe(HMAC_SIGNATURE);
  });

  testWithOpenssl("matches openssl's HMAC-SHA256", () => {
    const hexKey = Buffer.from(HMAC_SECRET_B64, "base64").toString("hex");
    const out = openssl(["dgst", "-sha256", "-mac", "HMAC", "-macopt", `hexkey:${hexKey}`], { input: CANONICAL });
    const hex = out.trim().split(/\s+/).pop();
    expect(hex).toBe(Buffer.from(HMAC_SIGNATURE, "base64").toString("hex"));
  });

  it("matches node:crypto's Ed25519 (PKCS#8 seed), whose public key is the example's", () => {
    const privateKey = nodePrivateKey(Buffer.from(SEED_B64, "base64"));
    expect(crypto.sign(null, Buffer.from(CANONICAL, "utf8"), privateKey).toString("base64")).toBe(ED25519_SIGNATURE);
    const spki = crypto.createPublicKey(privateKey).export({ format: "der", type: "spki" });
    expect(spki.subarray(12).toString("base64")).toBe(PUBLIC_B64);
    expect(crypto.verify(null, Buffer.from(CANONICAL, "utf8"), nodePublicKey(Buffer.from(PUBLIC_B64, "base64")), Buffer.from(ED25519_SIGNATURE, "base64"))).toBe(true);
  });

  testWithOpenssl("matches openssl's Ed25519", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "stemguard-ed25519-"));
    try {
      const keyFile = path.join(dir, "key.pem");
      const pem = nodePrivateKey(Buffer.from(SEED_B64, "base64")).export({ format: "pem", type: "pkcs8" });
      fs.writeFileSync(keyFile, pem, { mode: 0o600 });
      const msgFile = path.join(dir, "msg");
      fs.writeFileSync(msgFile, CANONICAL, "utf8");
      const sigFile = path.join(dir, "sig"); // the signature is binary: read it from a file, not stdout text
      openssl(["pkeyutl", "-sign", "-rawin", "-inkey", keyFile, "-in", msgFile, "-out", sigFile]);
      expect(fs.readFileSync(sigFile).toString("base64")).toBe(ED25519_SIGNATURE);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("verifies with the HMAC config, with a config whose active key is another id, and verify-only Ed25519", () => {
    const hmacSigned = signEnvelope(envelope, parseStemSigningEnv(HMAC_ENV));
    expect(verifyEnvelope(hmacSigned, parseStemSigningEnv(HMAC_ENV))).toEqual({ ok: true, keyId: "primary", checked: true });
    expect(verifyEnvelope(hmacSigned, parseStemSigningEnv({ ...HMAC_ENV, STEM_SIGNING_ACTIVE_KEY: "rotated" }))).toEqual({
      ok: true,
      keyId: "primary",
      checked: true,
    });
    const edSigned = signEnvelope(envelope, parseStemSigningEnv(ED25519_ENV));
    const verifyOnly = parseStemSigningEnv({ STEM_SIGNING_ALGORITHM: "ed25519", STEM_SIGNING_PUBLIC_KEYS: `primary:${PUBLIC_B64}` });
    expect(verifyOnly.canSign).toBe(false);
    expect(verifyEnvelope(edSigned, verifyOnly)).toEqual({ ok: true, keyId: "primary", checked: true });
  });

  it("fails with signature mismatch when attempt is tampered with (docs/stem-compat.md §2.6)", () => {
    const signed = signEnvelope(envelope, parseStemSigningEnv(HMAC_ENV));
    expect(verifyEnvelope(signed.with({ attempt: 1 }), parseStemSigningEnv(HMAC_ENV))).toEqual({
      ok: false,
      message: "signature mismatch",
      keyId: "primary",
    });
  });
});

describe("RFC 8032 §7.1 TEST 1", () => {
  const seed = Buffer.from("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60", "hex");
  const publicKey = Buffer.from("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a", "hex");
  const signature =
    "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b";

  it("signs and verifies the empty message as the RFC says", () => {
    const message = new Uint8Array(0);
    expect(Buffer.from(dartEd25519Sign(message, seed)).toString("hex")).toBe(signature);
    expect(crypto.sign(null, message, nodePrivateKey(seed)).toString("hex")).toBe(signature);
    expect(dartEd25519Verify(message, Buffer.from(signature, "hex"), publicKey)).toBe(true);
    expect(dartEd25519Verify(Uint8Array.of(0), Buffer.from(signature, "hex"), publicKey)).toBe(false);
  });
});
