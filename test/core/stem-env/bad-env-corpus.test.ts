import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { readEnvFile } from "../../../lib/core/stem-env/env-file";
import { inspectSigningEnv } from "../../../lib/core/stem-env/strict-check";
import { runEnvCli } from "./run-env-check";

/**
 * One malformed env file per concept (test/fixtures/bad-env). Expectations
 * are written out here by hand: Stem's exact failure line (as `stem health`
 * prints it) where Stem refuses the file, and the complete list of error
 * findings, each with its exact message. Key material in the fixtures is
 * fixed test bytes: Buffer.alloc(32, 7) and friends.
 */

const BAD = path.join(__dirname, "../../fixtures/bad-env");
const GOOD = path.join(__dirname, "../../fixtures/good-env");

/** Every base64 text of secret (or merely keyed) bytes used by the fixtures. */
const MATERIAL = [
  "BwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwc=", // HMAC Buffer.alloc(32, 7)
  "CAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAg=", // HMAC Buffer.alloc(32, 8)
  "CQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQk=", // Ed25519 seed Buffer.alloc(32, 9)
  "CgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgo=", // Ed25519 seed Buffer.alloc(32, 10)
  "/RckOFqgx1tk+3jNYC+h2ZH96/drE8WO1wLqyDXp9hg=", // its public key (seed 9)
  "Q6cucUQBdi32a2jCbfvfJoKq7J8kdOykYT5CSg+6/Tw=", // its public key (seed 10)
  "CQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQn9FyQ4WqDHW2T7eM1gL6HZkf3r92sTxY7XAurINen2GA==", // seed 9 || public
  "MC4CAQAwBQYDK2VwBCIEIAkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJ", // PKCS#8 of seed 9
  "MCowBQYDK2VwAyEA/RckOFqgx1tk+3jNYC+h2ZH96/drE8WO1wLqyDXp9hg=", // SPKI of seed 9
  "-_v7-_v7-_v7-_v7-_v7-_v7-_v7-_v7-_v7-_v7-_s=", // URL-safe Buffer.alloc(32, 0xfb)
  "BwcHBwcHBwcHBwcHBwcHBw==", // HMAC Buffer.alloc(16, 7)
];

/** Any 12-character window of any material text found in `output`. */
function leakedMaterial(output: string): string | undefined {
  for (const text of MATERIAL) {
    for (let i = 0; i + 12 <= text.length; i += 2) {
      if (output.includes(text.slice(i, i + 12))) return text.slice(i, i + 12);
    }
  }
  return undefined;
}

type ErrorFinding = readonly [field: string, message: string];

interface StemRow {
  readonly file: string;
  readonly args?: readonly string[];
  /** Exact `Failed to load StemConfig: ...` line, when Stem itself refuses the file. */
  readonly stem?: string;
  /** Every error finding stemguard reports other than Stem's own, exactly. */
  readonly errors: readonly ErrorFinding[];
}

const KEYS = "STEM_SIGNING_KEYS";
const MUST_BE_B64 = 'Failed to load StemConfig: FormatException: signing key "primary" must be base64 encoded.';
const DEAD_LETTERS = 'Stem hashes whatever bytes it gets, so it would sign with a different key and every message dead-letters with "signature mismatch"';

const STEM_ROWS: readonly StemRow[] = [
  {
    file: "unpadded-base64.env",
    stem: MUST_BE_B64,
    errors: [[`${KEYS}[primary]`, "value is base64 without '=' padding (length 43 is not a multiple of 4); Stem refuses it"]],
  },
  {
    file: "extra-colon.env",
    // Stem quotes the whole entry, secret included; stemguard prints its length instead.
    stem: 'Failed to load StemConfig: FormatException: Invalid signing key entry "primary:<redacted 50 chars>". Expected format keyId:base64Value',
    errors: [[`${KEYS}[entry 1]`, "entry has 2 ':'; Stem expects exactly one (a key id cannot contain ':')"]],
  },
  {
    file: "empty-id.env",
    stem: "Failed to load StemConfig: FormatException: signing key id cannot be empty.",
    errors: [[`${KEYS}[entry 1]`, "entry has an empty key id"]],
  },
  {
    file: "empty-value.env",
    errors: [[`${KEYS}[spare]`, "empty secret: Stem accepts it as a 0-byte HMAC key, which anyone can forge"]],
  },
  {
    file: "url-safe-alphabet.env",
    errors: [[`${KEYS}[primary]`, "value uses the URL-safe base64 alphabet ('-' or '_'); Stem accepts it, stemguard requires standard base64"]],
  },
  {
    file: "percent-padding.env",
    errors: [[`${KEYS}[primary]`, "value uses '%3D' as padding; Stem accepts it, stemguard requires '='"]],
  },
  {
    file: "duplicate-id.env",
    errors: [[`${KEYS}[primary]`, 'key id "primary" appears 2 times (entries 1, 2); Stem silently keeps the last one']],
  },
  {
    file: "bad-id-chars.env",
    // An id that fails the id rule is never printed (it may be a secret in the wrong place).
    errors: [[`${KEYS}[<redacted 6 chars>]`, "key id of entry 1 (<redacted 6 chars>) has characters outside [A-Za-z0-9._-]; not printed, as it may be a secret in the wrong place"]],
  },
  {
    file: "short-hmac-secret.env",
    errors: [[`${KEYS}[primary]`, "HMAC secret is 16 bytes; stemguard requires at least 32 (Stem accepts any length)"]],
  },
  {
    file: "trailing-bits.env",
    stem: MUST_BE_B64,
    errors: [[`${KEYS}[primary]`, "value has non-zero bits before the padding (not the encoding of any bytes: truncated or hand-edited?); Stem refuses it"]],
  },
  {
    file: "whitespace-in-base64.env",
    stem: MUST_BE_B64,
    errors: [[`${KEYS}[primary]`, "value contains whitespace inside the base64; Stem refuses it"]],
  },
  {
    file: "invalid-character.env",
    stem: MUST_BE_B64,
    errors: [[`${KEYS}[primary]`, "value has a character outside base64 at position 11; Stem refuses it"]],
  },
  {
    file: "space-separated-list.env",
    stem: 'Failed to load StemConfig: FormatException: Invalid signing key entry "primary:<redacted 97 chars>". Expected format keyId:base64Value',
    errors: [
      [
        `${KEYS}[entry 1]`,
        "entry has 2 ':' separated by whitespace: Stem splits key lists on ',' only, so it reads this as one malformed entry",
      ],
    ],
  },
  {
    file: "hmac-missing-active.env",
    stem: "Failed to load StemConfig: Bad state: Missing STEM_SIGNING_ACTIVE_KEY; required when signing keys are provided.",
    errors: [],
  },
  {
    file: "active-not-in-keys.env",
    stem: 'Failed to load StemConfig: Bad state: Active signing key "rotated" not present in STEM_SIGNING_KEYS.',
    errors: [],
  },
  {
    file: "hmac-active-without-keys.env",
    errors: [[KEYS, "is empty or not set while STEM_SIGNING_ACTIVE_KEY is set, so Stem silently disables signing"]],
  },
  {
    file: "unsupported-algorithm.env",
    stem: 'Failed to load StemConfig: FormatException: Unsupported signing algorithm "rsa"',
    errors: [],
  },
  {
    file: "uppercase-algorithm.env",
    errors: [["STEM_SIGNING_ALGORITHM", '"HMAC-SHA256" is accepted by Stem (trimmed, any case), but stemguard requires exactly "hmac-sha256"']],
  },
  {
    file: "missing-algorithm.env",
    errors: [["STEM_SIGNING_ALGORITHM", "not set; Stem falls back to hmac-sha256"]],
  },
  {
    file: "ed25519-64-byte-seed.env",
    errors: [
      [
        "STEM_SIGNING_PRIVATE_KEYS[primary]",
        `private key is 64 bytes: a libsodium/NaCl secret key (the 32-byte seed followed by its public key); ${DEAD_LETTERS}`,
      ],
    ],
  },
  {
    file: "ed25519-pkcs8-seed.env",
    errors: [["STEM_SIGNING_PRIVATE_KEYS[primary]", `private key is 48 bytes and looks like PKCS#8 DER; ${DEAD_LETTERS}`]],
  },
  {
    file: "ed25519-spki-public-key.env",
    errors: [
      [
        "STEM_SIGNING_PUBLIC_KEYS[primary]",
        "public key is 44 bytes and looks like DER SubjectPublicKeyInfo; Stem needs the raw 32-byte key (with any other length its verify throws instead of rejecting the message)",
      ],
    ],
  },
  {
    file: "ed25519-seed-public-mismatch.env",
    errors: [
      [
        "STEM_SIGNING_PRIVATE_KEYS[primary]",
        'private key "primary" does not belong to STEM_SIGNING_PUBLIC_KEYS[primary] (the public key it derives differs); workers verify with the listed key, so every message signed with "primary" dead-letters with "signature mismatch"',
      ],
    ],
  },
  {
    file: "ed25519-active-not-in-private.env",
    stem: 'Failed to load StemConfig: Bad state: Active signing key "rotated" missing from STEM_SIGNING_PRIVATE_KEYS.',
    errors: [],
  },
  {
    file: "ed25519-active-not-in-public.env",
    errors: [
      [
        "STEM_SIGNING_PUBLIC_KEYS[primary]",
        `active key "primary" has a private key but no public key; Stem loads this env, then every sign fails with 'Missing public key for "primary"'`,
      ],
    ],
  },
  {
    file: "ed25519-private-without-public.env",
    errors: [
      [
        "STEM_SIGNING_PUBLIC_KEYS",
        "is empty or not set while STEM_SIGNING_PRIVATE_KEYS and STEM_SIGNING_ACTIVE_KEY are set, so Stem silently disables signing",
      ],
    ],
  },
  {
    file: "ed25519-worker-verify-only.env",
    args: ["--role", "worker"],
    errors: [
      [
        "STEM_SIGNING_PRIVATE_KEYS",
        'verify-only Ed25519 worker (no STEM_SIGNING_PRIVATE_KEYS, no STEM_SIGNING_ACTIVE_KEY): Stem\'s worker re-signs every retry and requeue, which then fails with "STEM_SIGNING_ACTIVE_KEY must be provided to sign with Ed25519."',
      ],
    ],
  },
  {
    file: "ed25519-producer-no-active.env",
    args: ["--role", "producer"],
    errors: [
      [
        "STEM_SIGNING_ACTIVE_KEY",
        'a producer must sign, but this env is verify-only (no STEM_SIGNING_ACTIVE_KEY); every enqueue fails with "STEM_SIGNING_ACTIVE_KEY must be provided to sign with Ed25519."',
      ],
    ],
  },
  {
    file: "singular-private-key.env",
    errors: [["STEM_SIGNING_PRIVATE_KEY", "Stem reads no such variable (it appears only in a doc comment), so this key is ignored"]],
  },
  {
    file: "allow-insecure-untrue.env",
    errors: [
      [
        "STEM_TLS_ALLOW_INSECURE",
        'value "untrue" is not exactly "true"; Stem reads it as true (anything containing "true", such as "untrue", is true; " 1" and "yes" are false)',
      ],
    ],
  },
  {
    file: "unknown-tls-variable.env",
    errors: [
      [
        "STEM_TLS_SERVER_NAME",
        "Stem reads no such variable (its only TLS variables are STEM_TLS_CA_CERT, STEM_TLS_CLIENT_CERT, STEM_TLS_CLIENT_KEY, STEM_TLS_ALLOW_INSECURE)",
      ],
    ],
  },
  {
    file: "tls-client-cert-without-key.env",
    errors: [
      [
        "STEM_TLS_CLIENT_CERT",
        "set without STEM_TLS_CLIENT_KEY; Stem uses a client certificate only when both are set, so it silently sends none",
      ],
    ],
  },
  {
    file: "empty-broker-url.env",
    stem: "Failed to load StemConfig: Bad state: Missing STEM_BROKER_URL environment variable (e.g. redis://host:6379).",
    errors: [],
  },
  {
    file: "signing-disabled-producer.env",
    args: ["--role", "producer"],
    errors: [["STEM_SIGNING_*", "signing is disabled: producers send unsigned envelopes and workers verify nothing, but a producer must sign"]],
  },
];

/** Files the env-file reader refuses before Stem's rules run: the exact stderr. */
const FILE_ROWS: readonly { readonly file: string; readonly stderr: (p: string) => string }[] = [
  {
    file: "quoted-value.env",
    stderr: (p) =>
      `stemguard: ${p} line 2 (STEM_SIGNING_KEYS): quoted value: docker --env-file keeps the quotes as part of the value, compose strips them. Fix: remove the quotes; values need none\n`,
  },
  {
    file: "line-without-equals.env",
    stderr: (p) =>
      `stemguard: ${p} line 3: line has no '=' (docker would pass the host's value of that name through). Fix: write VARIABLE=value, or delete the line\n`,
  },
  {
    file: "duplicate-variable.env",
    stderr: (p) => `stemguard: ${p} line 5 (STEM_SIGNING_ACTIVE_KEY): variable is set twice (first on line 4). Fix: keep exactly one line for it\n`,
  },
  {
    file: "newline-separated-list.env",
    stderr: (p) =>
      `stemguard: ${p} line 4: line looks like a key-list entry on its own line, not NAME=value. Fix: Stem splits key lists on ',' only: put all entries on the variable's line, comma separated\n`,
  },
];

function snapshotTree(dir: string): string {
  return fs
    .readdirSync(dir)
    .sort()
    .map((name) => {
      const stat = fs.statSync(path.join(dir, name));
      return `${name}:${stat.size}:${stat.mtimeMs}`;
    })
    .join("\n");
}

describe("bad-env corpus", () => {
  let cwd: string;
  let before: string;
  beforeAll(() => {
    before = snapshotTree(BAD);
  });
  beforeEach(() => {
    cwd = fs.mkdtempSync(path.join(os.tmpdir(), "stemguard-env-check-"));
  });
  afterEach(() => {
    // env check must not write anything: not in its cwd, not next to the file.
    expect(fs.readdirSync(cwd)).toEqual([]);
    expect(snapshotTree(BAD)).toBe(before);
    fs.rmSync(cwd, { recursive: true, force: true });
  });

  it("covers every fixture file, at least 25 of them", () => {
    const covered = [...STEM_ROWS.map((r) => r.file), ...FILE_ROWS.map((r) => r.file)].sort();
    expect(covered).toEqual(fs.readdirSync(BAD).sort());
    expect(covered.length).toBeGreaterThanOrEqual(25);
  });

  it.each(STEM_ROWS.map((row) => [row.file, row] as const))("fails %s with its specific findings", async (file, row) => {
    const fixture = path.join(BAD, file);
    const role = row.args?.[0] === "--role" ? (row.args[1] as "producer" | "worker" | "beat") : undefined;
    const report = inspectSigningEnv(readEnvFile(fixture), { role });

    expect(report.ok).toBe(false);
    const stemFindings = report.findings.filter((f) => f.source === "stem");
    const ownErrors = report.findings.filter((f) => f.source === "stemguard" && f.severity === "error").map((f) => [f.field, f.message]);
    expect(ownErrors).toEqual(row.errors);
    if (row.stem) {
      expect(report.stem.ok).toBe(false);
      expect(stemFindings).toHaveLength(1);
      expect(stemFindings[0].message).toBe(`Stem refuses this env: ${row.stem.replace("Failed to load StemConfig: ", "")}`);
    } else {
      expect(report.stem.ok).toBe(true);
      expect(stemFindings).toEqual([]);
    }

    const run = await runEnvCli(["env", "check", fixture, ...(row.args ?? [])], cwd);
    expect(run.code).toBe(64);
    expect(run.stdout).toBe("");
    const lines = run.stderr.split("\n");
    if (row.stem) expect(lines[0]).toBe(row.stem);
    else expect(run.stderr).not.toContain("Failed to load StemConfig");
    for (const [field, message] of row.errors) expect(lines).toContain(`error: ${field}: ${message}`);
    expect(lines).toContain(`stemguard: ${fixture}: ${row.errors.length + (row.stem ? 1 : 0)} error${row.errors.length + (row.stem ? 1 : 0) === 1 ? "" : "s"}, ${report.findings.length - ownErrors.length - stemFindings.length} warning${report.findings.length - ownErrors.length - stemFindings.length === 1 ? "" : "s"}; Stem ${row.stem ? "refuses" : "loads"} it`);
    expect(leakedMaterial(run.stdout + run.stderr)).toBeUndefined();

    const json = await runEnvCli(["env", "check", fixture, ...(row.args ?? []), "--json"], cwd);
    expect(json.code).toBe(64);
    expect(json.stderr).toBe("");
    const parsed = JSON.parse(json.stdout);
    expect(parsed.ok).toBe(false);
    expect(parsed.findings).toEqual(JSON.parse(JSON.stringify(report.findings)));
    if (row.stem) expect(parsed.stem).toEqual({ ok: false, error: row.stem, kind: row.stem.includes("Bad state") ? "StateError" : "FormatException" });
    expect(leakedMaterial(json.stdout)).toBeUndefined();
  });

  it.each(FILE_ROWS.map((row) => [row.file, row] as const))("fails %s in the env-file reader", async (file, row) => {
    const fixture = path.join(BAD, file);
    expect(() => readEnvFile(fixture)).toThrow(row.stderr(fixture).replace(/^stemguard: /, "").trimEnd());

    const run = await runEnvCli(["env", "check", fixture], cwd);
    expect(run).toEqual({ code: 64, stdout: "", stderr: row.stderr(fixture) });
    expect(leakedMaterial(run.stderr)).toBeUndefined();

    const json = await runEnvCli(["env", "check", fixture, "--json"], cwd);
    expect(json.code).toBe(64);
    const parsed = JSON.parse(json.stdout);
    expect(parsed).toMatchObject({ ok: false, stem: null });
    expect(parsed.findings).toHaveLength(1);
    expect(`stemguard: ${parsed.findings[0].field}: ${parsed.findings[0].message}. Fix: ${parsed.findings[0].fix}\n`).toBe(row.stderr(fixture));
  });
});

describe("good-env files", () => {
  let cwd: string;
  beforeEach(() => {
    cwd = fs.mkdtempSync(path.join(os.tmpdir(), "stemguard-env-check-"));
  });
  afterEach(() => {
    expect(fs.readdirSync(cwd)).toEqual([]);
    fs.rmSync(cwd, { recursive: true, force: true });
  });

  it.each([
    ["hmac-rotation.env", ["--role", "producer"], "hmac-sha256; trusts primary, rotated; signs with rotated", []],
    ["hmac-rotation.env", ["--role", "worker"], "hmac-sha256; trusts primary, rotated; signs with rotated", []],
    ["ed25519-signer.env", ["--role", "beat"], "ed25519; trusts primary, rotated; signs with primary", []],
    ["ed25519-verify-only-worker.env", [], "ed25519; trusts primary; verify-only", ["STEM_SIGNING_PRIVATE_KEYS"]],
    ["ed25519-verify-only-worker.env", ["--role", "worker", "--allow-verify-only-worker"], "ed25519; trusts primary; verify-only", ["STEM_SIGNING_PRIVATE_KEYS"]],
    ["hmac-with-ignored-ed25519-vars.env", [], "hmac-sha256; trusts primary; signs with primary", ["STEM_SIGNING_PUBLIC_KEYS"]],
  ] as const)("passes %s %j", async (file, args, summary, warningFields) => {
    const fixture = path.join(GOOD, file);
    const run = await runEnvCli(["env", "check", fixture, ...args], cwd);
    expect(run.stdout).toBe(`ok: ${fixture}: Stem loads it (${summary}); ${warningFields.length} warning${warningFields.length === 1 ? "" : "s"}\n`);
    expect(run.code).toBe(0);
    const warnings = run.stderr.split("\n").filter((l) => l.startsWith("warning: "));
    expect(warnings.map((l) => l.split(": ")[1])).toEqual(warningFields);
    expect(run.stderr).not.toMatch(/^error: /m);
    expect(leakedMaterial(run.stdout + run.stderr)).toBeUndefined();
  });
});
