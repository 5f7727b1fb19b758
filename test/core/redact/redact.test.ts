import { StemguardError } from "../../../lib/core/errors";
import { looksLikeMaterial, redactUrlCredentials } from "../../../lib/core/redact/redact";
import { redactId } from "../../../lib/core/stem-env/parse-signing-env";

const B64 = Buffer.alloc(32, 0x5a).toString("base64");
const B64URL = Buffer.from("3f9a0c11d2e47b56a8c9e0f1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5", "hex").toString("base64url");

describe("looksLikeMaterial", () => {
  it.each([
    [B64, "standard base64 with padding"],
    [B64URL, "base64url, mixed case and digits"],
    ["3f9a0c11d2e47b56a8c9e0f1a2b3c4d5", "32 hex digits"],
    ["QUFBQUFBQUFBQUFBQUFBQQ==", "padded base64 of 16 bytes"],
    [B64.replace(/=/g, "%3D"), "'%3D' padding"],
  ])("%s (%s) looks like material", (text) => {
    expect(looksLikeMaterial(text)).toBe(true);
  });

  it.each(["k1", "rotation-2026-q1", "stem-signing-prod-eu-west-1", "/tmp/stemguard-env-file-m2M4yQ", "redis.internal", "certs/server.crt", "hmac-sha256"])(
    "%s does not",
    (text) => {
      expect(looksLikeMaterial(text)).toBe(false);
    },
  );
});

describe("redactId", () => {
  it.each([
    ["k2026-11", "k2026-11"],
    [B64, "<redacted 44 chars>"],
    ["prod/1", "<redacted 6 chars>"],
    ["a b", "<redacted 3 chars>"],
    ["", "<redacted 0 chars>"],
  ])("%j -> %j", (id, shown) => {
    expect(redactId(id)).toBe(shown);
  });
});

describe("redactUrlCredentials", () => {
  it.each([
    ["rediss://:pw@h:1/0", "rediss://***@h:1/0"],
    ["redis://:pa/ss@h/0", "redis://***@h/0"],
    ["redis://:p?a#s@s@h", "redis://***@h"],
    ["redis://h:6379/0", "redis://h:6379/0"],
  ])("%s -> %s", (url, shown) => {
    expect(redactUrlCredentials(url)).toBe(shown);
  });
});

describe("StemguardError never keeps or prints a value that looks like material", () => {
  it.each([[B64], [[`ok`, B64URL]]])("value %j", (value) => {
    const err = new StemguardError("bad", { field: "f", value, fix: "x" });
    expect(err.message).not.toContain(B64);
    expect(err.message).not.toContain(B64URL);
    expect(JSON.stringify(err.value)).toMatch(/<redacted 4[34] chars>/);
  });

  it("keeps ordinary values", () => {
    expect(new StemguardError("bad", { field: "f", value: "certs/missing.crt", fix: "x" }).message).toBe('f: bad (got "certs/missing.crt"). Fix: x');
  });
});
