import * as fc from "fast-check";
import { StemConfigError } from "../../../lib/core/errors";
import {
  dartErrorText,
  dartTrim,
  parseStemKeyList,
  parseStemSigningEnv,
  displayKeyId,
  keyIdLooksLikeMaterial,
  redactKeyEntry,
  redactStemMessage,
} from "../../../lib/core/stem-env/parse-signing-env";
import type { EnvMap, StemSigningConfig } from "../../../lib/core/stem-env/signing-config";

/** Expected behaviour: docs/stem-compat.md §1.1-1.3 (Stem `SigningConfig.fromEnvironment`). */
const b64 = (n: number, fill: number) => Buffer.alloc(n, fill).toString("base64");
const K7 = b64(32, 7);
const K8 = b64(32, 8);
const hex = (bytes: Uint8Array | undefined) => (bytes ? Buffer.from(bytes).toString("hex") : undefined);

function stemError(env: EnvMap): StemConfigError {
  try {
    parseStemSigningEnv(env);
  } catch (err) {
    if (err instanceof StemConfigError) return err;
    throw err;
  }
  throw new Error("expected Stem to refuse the env");
}

function summary(config: StemSigningConfig) {
  return {
    algorithm: config.algorithm,
    active: config.activeKeyId,
    keys: [...config.keys.keys()],
    publicKeys: [...config.publicKeys.keys()],
    privateKeys: [...config.privateKeys.keys()],
    isEnabled: config.isEnabled,
    canSign: config.canSign,
  };
}

const DISABLED = { algorithm: "hmac-sha256", active: undefined, keys: [], publicKeys: [], privateKeys: [], isEnabled: false, canSign: false };

describe("parseStemSigningEnv: HMAC", () => {
  it("is disabled with no signing variables", () => {
    expect(summary(parseStemSigningEnv({}))).toEqual(DISABLED);
  });

  it.each([[undefined], [""], ["   "], [" , ,, "]])("is disabled when KEYS is %j, ignoring ACTIVE_KEY", (keys) => {
    expect(summary(parseStemSigningEnv({ STEM_SIGNING_KEYS: keys, STEM_SIGNING_ACTIVE_KEY: "ghost" }))).toEqual(DISABLED);
  });

  it("reads the repo's rotation example (docs/stem-compat.md §7)", () => {
    const config = parseStemSigningEnv({
      STEM_SIGNING_ALGORITHM: "hmac-sha256",
      STEM_SIGNING_KEYS: "primary:c3VwZXItc2VjcmV0LXN1cGVyLXNlY3JldA==,rotated:bmV4dC1zZWNyZXQtbmV4dC1zZWNyZXQ=",
      STEM_SIGNING_ACTIVE_KEY: "primary",
    });
    expect(summary(config)).toEqual({ ...DISABLED, active: "primary", keys: ["primary", "rotated"], isEnabled: true, canSign: true });
    expect(Buffer.from(config.keys.get("primary")!).toString()).toBe("super-secret-super-secret");
    expect(Buffer.from(config.keys.get("rotated")!).toString()).toBe("next-secret-next-secret");
  });

  it("defaults the algorithm when unset or blank, trims and ignores case", () => {
    for (const algorithm of [undefined, "", "  ", " HMAC-SHA256 ", "Hmac-Sha256"]) {
      const config = parseStemSigningEnv({ STEM_SIGNING_ALGORITHM: algorithm, STEM_SIGNING_KEYS: `a:${K7}`, STEM_SIGNING_ACTIVE_KEY: "a" });
      expect(config.algorithm).toBe("hmac-sha256");
    }
  });

  it("trims entries, ids, values and the active id; skips empty entries", () => {
    const config = parseStemSigningEnv({ STEM_SIGNING_KEYS: ` , a : ${K7} ,, b:${K8},`, STEM_SIGNING_ACTIVE_KEY: "\tb\n" });
    expect(summary(config)).toMatchObject({ keys: ["a", "b"], active: "b" });
    expect(hex(config.keys.get("a"))).toBe(hex(Buffer.alloc(32, 7)));
  });

  it("lets a later duplicate id win, keeping the first position", () => {
    const config = parseStemSigningEnv({ STEM_SIGNING_KEYS: `a:${K7},b:${K7},a:${K8}`, STEM_SIGNING_ACTIVE_KEY: "a" });
    expect([...config.keys.keys()]).toEqual(["a", "b"]);
    expect(hex(config.keys.get("a"))).toBe(hex(Buffer.alloc(32, 8)));
  });

  it("accepts what Stem accepts and stemguard refuses: empty value, URL-safe, %3D, short keys, odd ids", () => {
    const config = parseStemSigningEnv({
      STEM_SIGNING_KEYS: "empty:,url:-_-_,pct:QQ%3D%3D,short:QQ==,with space:QQ==",
      STEM_SIGNING_ACTIVE_KEY: "empty",
    });
    expect(hex(config.keys.get("empty"))).toBe("");
    expect(hex(config.keys.get("url"))).toBe("fbffbf");
    expect(hex(config.keys.get("pct"))).toBe("41");
    expect(config.keys.has("with space")).toBe(true);
  });

  it("never reads the Ed25519 lists", () => {
    const config = parseStemSigningEnv({
      STEM_SIGNING_KEYS: `a:${K7}`,
      STEM_SIGNING_ACTIVE_KEY: "a",
      STEM_SIGNING_PUBLIC_KEYS: "garbage",
      STEM_SIGNING_PRIVATE_KEYS: ":::",
    });
    expect(summary(config)).toMatchObject({ publicKeys: [], privateKeys: [], isEnabled: true });
  });

  it.each([
    [{ STEM_SIGNING_ALGORITHM: " RSA " }, "FormatException", 'Unsupported signing algorithm "RSA"'],
    [{ STEM_SIGNING_ALGORITHM: "ed-25519", STEM_SIGNING_PUBLIC_KEYS: `a:${K7}` }, "FormatException", 'Unsupported signing algorithm "ed-25519"'],
    [{ STEM_SIGNING_KEYS: `a:${K7}` }, "StateError", "Missing STEM_SIGNING_ACTIVE_KEY; required when signing keys are provided."],
    [{ STEM_SIGNING_KEYS: `a:${K7}`, STEM_SIGNING_ACTIVE_KEY: "  " }, "StateError", "Missing STEM_SIGNING_ACTIVE_KEY; required when signing keys are provided."],
    [{ STEM_SIGNING_KEYS: `a:${K7}`, STEM_SIGNING_ACTIVE_KEY: "b" }, "StateError", 'Active signing key "b" not present in STEM_SIGNING_KEYS.'],
    [{ STEM_SIGNING_KEYS: ` a:b:${K7} ` }, "FormatException", `Invalid signing key entry "a:b:${K7}". Expected format keyId:base64Value`],
    [{ STEM_SIGNING_KEYS: K7 }, "FormatException", `Invalid signing key entry "${K7}". Expected format keyId:base64Value`],
    [{ STEM_SIGNING_KEYS: ` :${K7}` }, "FormatException", "signing key id cannot be empty."],
    [{ STEM_SIGNING_KEYS: `a:${K7.slice(0, -1)}` }, "FormatException", 'signing key "a" must be base64 encoded.'],
    // the list is parsed before the active key is looked at
    [{ STEM_SIGNING_KEYS: `a:${K7},b:x` }, "FormatException", 'signing key "b" must be base64 encoded.'],
  ] as const)("fails %j with Stem's exact error", (env, kind, message) => {
    const err = stemError(env);
    expect(err.kind).toBe(kind);
    expect(err.stemMessage).toBe(message);
  });
});

describe("parseStemSigningEnv: Ed25519", () => {
  const ed = (env: Record<string, string | undefined>) => parseStemSigningEnv({ STEM_SIGNING_ALGORITHM: "ed25519", ...env });

  it("is disabled() (reporting hmac-sha256) without public keys, even with private keys", () => {
    for (const pub of [undefined, "", " "]) {
      expect(summary(ed({ STEM_SIGNING_PUBLIC_KEYS: pub, STEM_SIGNING_PRIVATE_KEYS: `a:${K7}`, STEM_SIGNING_ACTIVE_KEY: "a" }))).toEqual(DISABLED);
    }
  });

  it("keeps ed25519 but is not enabled when the public list has only empty entries", () => {
    const config = ed({ STEM_SIGNING_PUBLIC_KEYS: " , ", STEM_SIGNING_PRIVATE_KEYS: `a:${K7}`, STEM_SIGNING_ACTIVE_KEY: "a" });
    expect(summary(config)).toEqual({ ...DISABLED, algorithm: "ed25519", active: "a", privateKeys: ["a"], canSign: true });
  });

  it("signs with public, private and active key", () => {
    const config = ed({ STEM_SIGNING_PUBLIC_KEYS: `a:${K7},b:${K8}`, STEM_SIGNING_PRIVATE_KEYS: `a:${K8}`, STEM_SIGNING_ACTIVE_KEY: "a" });
    expect(summary(config)).toEqual({ ...DISABLED, algorithm: "ed25519", active: "a", publicKeys: ["a", "b"], privateKeys: ["a"], isEnabled: true, canSign: true });
  });

  it("is verify-only without an active key, or without private keys", () => {
    expect(summary(ed({ STEM_SIGNING_PUBLIC_KEYS: `a:${K7}`, STEM_SIGNING_PRIVATE_KEYS: `a:${K8}` }))).toMatchObject({ isEnabled: true, canSign: false });
    expect(summary(ed({ STEM_SIGNING_PUBLIC_KEYS: `a:${K7}`, STEM_SIGNING_ACTIVE_KEY: "zzz" }))).toMatchObject({ isEnabled: true, canSign: false, active: "zzz" });
  });

  it("accepts an active key that has no public key (Stem fails only at sign time)", () => {
    expect(summary(ed({ STEM_SIGNING_PUBLIC_KEYS: `b:${K7}`, STEM_SIGNING_PRIVATE_KEYS: `a:${K8}`, STEM_SIGNING_ACTIVE_KEY: "a" }))).toMatchObject({ canSign: true });
  });

  it("does not check key lengths", () => {
    const config = ed({ STEM_SIGNING_PUBLIC_KEYS: "a:QQ==", STEM_SIGNING_PRIVATE_KEYS: `a:${b64(64, 1)}`, STEM_SIGNING_ACTIVE_KEY: "a" });
    expect(config.publicKeys.get("a")).toHaveLength(1);
    expect(config.privateKeys.get("a")).toHaveLength(64);
  });

  it("never reads STEM_SIGNING_KEYS", () => {
    expect(ed({ STEM_SIGNING_PUBLIC_KEYS: `a:${K7}`, STEM_SIGNING_KEYS: ":::" }).keys.size).toBe(0);
  });

  it.each([
    [{ STEM_SIGNING_PUBLIC_KEYS: `a:${K7}`, STEM_SIGNING_PRIVATE_KEYS: `a:${K8}`, STEM_SIGNING_ACTIVE_KEY: "b" }, "StateError", 'Active signing key "b" missing from STEM_SIGNING_PRIVATE_KEYS.'],
    [{ STEM_SIGNING_PUBLIC_KEYS: "a:b:c" }, "FormatException", 'Invalid public key entry "a:b:c". Expected format keyId:base64Value'],
    [{ STEM_SIGNING_PUBLIC_KEYS: `a:${K7}`, STEM_SIGNING_PRIVATE_KEYS: "nocolon" }, "FormatException", 'Invalid private key entry "nocolon". Expected format keyId:base64Value'],
    [{ STEM_SIGNING_PUBLIC_KEYS: ":QQ==" }, "FormatException", "public key id cannot be empty."],
    [{ STEM_SIGNING_PUBLIC_KEYS: `a:${K7}`, STEM_SIGNING_PRIVATE_KEYS: ":QQ==" }, "FormatException", "private key id cannot be empty."],
    [{ STEM_SIGNING_PUBLIC_KEYS: "a:QQ" }, "FormatException", 'public key "a" must be base64 encoded.'],
    [{ STEM_SIGNING_PUBLIC_KEYS: `a:${K7}`, STEM_SIGNING_PRIVATE_KEYS: "a:QQ" }, "FormatException", 'private key "a" must be base64 encoded.'],
    // public list errors come first
    [{ STEM_SIGNING_PUBLIC_KEYS: "a:QQ", STEM_SIGNING_PRIVATE_KEYS: "b:QQ" }, "FormatException", 'public key "a" must be base64 encoded.'],
    // list errors come before the active-key rule
    [{ STEM_SIGNING_PUBLIC_KEYS: `a:${K7}`, STEM_SIGNING_PRIVATE_KEYS: `a:${K7},x:QQ`, STEM_SIGNING_ACTIVE_KEY: "b" }, "FormatException", 'private key "x" must be base64 encoded.'],
  ] as const)("fails %j with Stem's exact error", (env, kind, message) => {
    const err = stemError({ STEM_SIGNING_ALGORITHM: "ed25519", ...env });
    expect(err.kind).toBe(kind);
    expect(err.stemMessage).toBe(message);
  });
});

describe("parseStemKeyList", () => {
  it("splits on ',' only: a newline-separated list is one malformed entry", () => {
    expect(() => parseStemKeyList(`a:${K7}\nb:${K8}`, "signing key")).toThrow(`Invalid signing key entry "a:${K7}\nb:${K8}"`);
  });

  it("accepts any list Node would write with Buffer#toString('base64')", () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.stringMatching(/^[A-Za-z0-9._-]{1,12}$/), { minLength: 1, maxLength: 5 }), fc.uint8Array({ maxLength: 64 }), (ids, bytes) => {
        const list = parseStemKeyList(ids.map((id) => `${id}:${Buffer.from(bytes).toString("base64")}`).join(","), "public key");
        expect([...list.keys()]).toEqual(ids);
        for (const value of list.values()) expect(hex(value)).toBe(hex(bytes));
      }),
    );
  });
});

describe("dartTrim", () => {
  it("trims Dart's whitespace set, which includes U+0085 (JS trim does not)", () => {
    expect(dartTrim("\u0085\u00a0\ufeff a b \u3000\u2028\u0085")).toBe("a b");
    expect(parseStemSigningEnv({ STEM_SIGNING_ALGORITHM: "ed25519\u0085", STEM_SIGNING_PUBLIC_KEYS: `a:${K7}` }).algorithm).toBe("ed25519");
  });

  it("keeps characters Dart does not trim", () => {
    expect(dartTrim("\u200bx\u180e")).toBe("\u200bx\u180e");
  });
});

describe("Stem error text", () => {
  it("prints as Dart's toString does", () => {
    expect(dartErrorText(new StemConfigError("StateError", "x."))).toBe("Bad state: x.");
    expect(dartErrorText(new StemConfigError("FormatException", "y"))).toBe("FormatException: y");
  });

  it("redacts the value part of a quoted entry, keeping the id and the length", () => {
    expect(redactStemMessage(`Invalid signing key entry "a:b:${K7}". Expected format keyId:base64Value`)).toBe(
      'Invalid signing key entry "a:<redacted 46 chars>". Expected format keyId:base64Value',
    );
    expect(redactStemMessage(`Invalid private key entry "${K7}". Expected format keyId:base64Value`)).toBe(
      'Invalid private key entry "<redacted 44 chars>". Expected format keyId:base64Value',
    );
    expect(redactStemMessage('Invalid public key entry "a:"x":y". Expected format keyId:base64Value')).toBe(
      'Invalid public key entry "a:<redacted 5 chars>". Expected format keyId:base64Value',
    );
  });

  it("redacts a key id that is base64 material in the messages that quote ids", () => {
    expect(redactStemMessage(`signing key "${K7}" must be base64 encoded.`)).toBe('signing key "<redacted 44 chars>" must be base64 encoded.');
    expect(redactStemMessage(`Active signing key "${K7}" not present in STEM_SIGNING_KEYS.`)).toBe(
      'Active signing key "<redacted 44 chars>" not present in STEM_SIGNING_KEYS.',
    );
    expect(redactStemMessage(`Active signing key "${K7}" missing from STEM_SIGNING_PRIVATE_KEYS.`)).toBe(
      'Active signing key "<redacted 44 chars>" missing from STEM_SIGNING_PRIVATE_KEYS.',
    );
  });

  it.each([
    [K7, true],
    [Buffer.alloc(33, 200).toString("base64url"), true],
    [Buffer.alloc(12, 1).toString("base64"), true],
    ["primary", false],
    ["k2026-11", false],
    ["rotation-2026-q1", true], // decodes as 12 bytes: redacted only next to a broken value
    ["QUFBQUFBQUFBQUE", false], // 11 bytes
  ])("keyIdLooksLikeMaterial(%j) is %s", (id, expected) => {
    expect(keyIdLooksLikeMaterial(id)).toBe(expected);
    expect(displayKeyId(id, false)).toBe(expected ? `<redacted ${id.length} chars>` : id);
  });

  it.each([
    [K7, "standard base64 of 32 bytes"],
    [Buffer.alloc(33, 200).toString("base64url"), "base64url mixing cases"],
    ["prod/1", "fails the id rule"],
    ["with space and more text", "fails the id rule"],
    ["a".repeat(8) + "0123456789abcdef0123456789abcdef", "hex run"],
    ["Zm9vYmFyYmF6cXV4MTIzNDU2", "mixed-case base64 with digits"],
  ])("displayKeyId redacts %j (%s) even next to a valid value", (id) => {
    expect(displayKeyId(id, true)).toBe(`<redacted ${id.length} chars>`);
  });

  it.each(["primary", "k2026-11", "rotation-2026-q1", "signing.key_2"])("displayKeyId keeps the name %j next to a valid value", (id) => {
    expect(displayKeyId(id, true)).toBe(id);
  });

  it("redacts an entry's id when it is not a printable id", () => {
    expect(redactKeyEntry(`${K7}:prod`)).toBe("<redacted 44 chars>:<redacted 4 chars>");
    expect(redactKeyEntry("prod/1:abc")).toBe("<redacted 6 chars>:<redacted 3 chars>");
    expect(redactKeyEntry(":abc")).toBe("<redacted 0 chars>:<redacted 3 chars>");
  });

  it("leaves messages without material unchanged", () => {
    for (const message of ['signing key "a" must be base64 encoded.', "public key id cannot be empty.", 'Active signing key "k" not present in STEM_SIGNING_KEYS.']) {
      expect(redactStemMessage(message)).toBe(message);
    }
  });

  it("never returns any part of a redacted entry's value", () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[a-z0-9._-]{1,10}$/), fc.string({ minLength: 1, maxLength: 60 }), (id, rest) => {
        expect(redactKeyEntry(`${id}:${rest}`)).toBe(`${id}:<redacted ${rest.length} chars>`);
      }),
    );
  });
});
