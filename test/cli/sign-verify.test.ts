import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Command, CommanderError } from "commander";
import { registerSign, registerVerify } from "../../lib/cli/commands/sign-verify";
import { CliExit, type CliIo } from "../../lib/cli/io";
import { StemguardError } from "../../lib/core/errors";

const FIXTURES = path.resolve(__dirname, "../fixtures");
const SIGNING = path.join(FIXTURES, "signing");
const VECTOR = path.join(FIXTURES, "envelopes/contract-vector.json");

const HMAC_SIGNATURE = "y6wfz4Fs1huEPESoTLapfK73bvnWkecV56OvPaAKzUk=";
const ED25519_SIGNATURE = "dIzReR1OPyB52g3eMByqR18QcjoBOgnjyeQ1P6mJTz52fe0SC/xEJwlVFptkZcPTvoGKGb+bsvlwSKVk3459DQ==";

/** Every secret value in the fixture env files, in the forms it could leak in. */
const MATERIAL = (() => {
  const values = new Set<string>();
  for (const file of fs.readdirSync(SIGNING)) {
    const text = fs.readFileSync(path.join(SIGNING, file), "utf8");
    for (const match of text.matchAll(/^STEM_SIGNING_(?:KEYS|PRIVATE_KEYS)=(.*)$/gm)) {
      for (const entry of match[1].split(",")) {
        const value = entry.split(":")[1];
        if (!value) continue;
        values.add(value);
        values.add(Buffer.from(value, "base64").toString("hex"));
        values.add(Buffer.from(value, "base64").toString("latin1"));
      }
    }
  }
  return [...values].filter((v) => v.length >= 8);
})();

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

let tmp: string;

beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "stemguard-sign-verify-"));
});

afterAll(() => {
  fs.rmSync(tmp, { recursive: true, force: true });
});

/** Runs one command in-process, like main() does, and returns its exit code and output. */
async function run(args: string[]): Promise<Run> {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = { stdout: (t) => out.push(t), stderr: (t) => err.push(t), env: {}, cwd: FIXTURES, stderrIsTty: false };
  const program = new Command("stemguard").exitOverride().configureOutput({ writeOut: io.stdout, writeErr: io.stderr });
  registerSign(program, io);
  registerVerify(program, io);
  let code = 0;
  try {
    await program.parseAsync(args, { from: "user" });
  } catch (e) {
    if (e instanceof CliExit) code = e.code;
    else if (e instanceof CommanderError) code = e.exitCode === 0 ? 0 : 64;
    else if (e instanceof StemguardError) {
      err.push(`stemguard: ${e.message}\n`);
      code = 64;
    } else throw e;
  }
  const result = { code, stdout: out.join(""), stderr: err.join("") };
  for (const secret of MATERIAL) {
    expect(result.stdout).not.toContain(secret);
    expect(result.stderr).not.toContain(secret);
  }
  return result;
}

function writeTmp(name: string, text: string): string {
  const file = path.join(tmp, name);
  fs.writeFileSync(file, text);
  return file;
}

const env = (name: string): string => path.join("signing", name);

describe("stemguard sign", () => {
  it("prints the vector with the HMAC signature of docs/stem-compat.md §2.6 headers added", async () => {
    const result = await run(["sign", "--signing-env", env("hmac.env"), "--envelope", "envelopes/contract-vector.json"]);
    expect(result.code).toBe(0);
    expect(result.stderr).toBe("");
    const expected = fs
      .readFileSync(VECTOR, "utf8")
      .trim()
      .replace(/"traceparent":"([^"]*)"}/, `"traceparent":"$1","stem-signature":"${HMAC_SIGNATURE}","stem-signature-key":"primary"}`);
    expect(result.stdout).toBe(`${expected}\n`);
  });

  it("prints the Ed25519 signature of docs/stem-compat.md §2.6", async () => {
    const result = await run(["sign", "--signing-env", env("ed25519.env"), "--envelope", "envelopes/contract-vector.json"]);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout).headers["stem-signature"]).toBe(ED25519_SIGNATURE);
  });

  it("prints the envelope unchanged, with a warning, when the config disables signing", async () => {
    const result = await run(["sign", "--signing-env", env("disabled.env"), "--envelope", "envelopes/contract-vector.json"]);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(fs.readFileSync(VECTOR, "utf8"));
    expect(result.stderr).toMatch(/signing is disabled/);
  });

  it("fails with Stem's sign-time StateError for a verify-only Ed25519 config", async () => {
    const file = writeTmp("verify-only-active.env", `${fs.readFileSync(path.join(SIGNING, "ed25519-verify-only.env"), "utf8")}STEM_SIGNING_ACTIVE_KEY=primary\n`);
    const result = await run(["sign", "--signing-env", file, "--envelope", "envelopes/contract-vector.json"]);
    expect(result.code).toBe(64);
    expect(result.stdout).toBe("");
    expect(result.stderr).toBe(
      'stemguard: Stem cannot sign with this config: Bad state: Missing private key for "primary". Provide STEM_SIGNING_PRIVATE_KEYS="primary:<base64-private-key>".\n',
    );
  });
});

describe("stemguard verify", () => {
  async function signedFile(envName: string): Promise<string> {
    const signed = await run(["sign", "--signing-env", env(envName), "--envelope", "envelopes/contract-vector.json"]);
    return writeTmp(`signed-${envName}.json`, signed.stdout);
  }

  it("exits 0 and names the key for a valid signature (HMAC, other active key, Ed25519 verify-only)", async () => {
    const hmac = await signedFile("hmac.env");
    for (const envName of ["hmac.env", "hmac-rotated-active.env"]) {
      const result = await run(["verify", "--signing-env", env(envName), "--envelope", hmac]);
      expect(result).toEqual({ code: 0, stdout: "ok: signed by primary\n", stderr: "" });
    }
    const ed = await signedFile("ed25519.env");
    expect(await run(["verify", "--signing-env", env("ed25519-verify-only.env"), "--envelope", ed])).toEqual({
      code: 0,
      stdout: "ok: signed by primary\n",
      stderr: "",
    });
  });

  it("prints JSON with --json", async () => {
    const hmac = await signedFile("hmac.env");
    const result = await run(["verify", "--signing-env", env("hmac.env"), "--envelope", hmac, "--json"]);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({ valid: true, keyId: "primary", checked: true });
  });

  it("fails with exit 1 and Stem's message for an unsigned envelope", async () => {
    const result = await run(["verify", "--signing-env", env("hmac.env"), "--envelope", "envelopes/contract-vector.json"]);
    expect(result).toEqual({ code: 1, stdout: "", stderr: "missing signature headers\n" });
  });

  it("fails with 'unknown signing key' once the signing key is retired", async () => {
    const hmac = await signedFile("hmac.env");
    const result = await run(["verify", "--signing-env", env("hmac-rotated-only.env"), "--envelope", hmac, "--json"]);
    expect(result.code).toBe(1);
    expect(JSON.parse(result.stdout)).toEqual({ valid: false, message: 'unknown signing key "primary"', keyId: "primary" });
  });

  it("fails with 'signature mismatch' after a DLQ replay bumps attempt and queue (docs/stem-compat.md §2.7)", async () => {
    const signed = fs.readFileSync(await signedFile("hmac.env"), "utf8");
    const replayed = writeTmp("replayed.json", signed.replace('"attempt":0', '"attempt":1').replace('"queue":"default"', '"queue":"retry"'));
    const result = await run(["verify", "--signing-env", env("hmac.env"), "--envelope", replayed]);
    expect(result).toEqual({ code: 1, stdout: "", stderr: "signature mismatch\n" });
  });

  it("fails with 'signature header is not base64 encoded' for an unpadded header", async () => {
    const signed = fs.readFileSync(await signedFile("hmac.env"), "utf8");
    const file = writeTmp("unpadded.json", signed.replace(HMAC_SIGNATURE, HMAC_SIGNATURE.replace(/=$/, "")));
    const result = await run(["verify", "--signing-env", env("hmac.env"), "--envelope", file, "--json"]);
    expect(result.code).toBe(1);
    expect(JSON.parse(result.stdout)).toMatchObject({ valid: false, message: "signature header is not base64 encoded" });
  });

  it("fails with Dart's ArgumentError text, explained, for a signature that is not 64 bytes", async () => {
    const signed = fs.readFileSync(await signedFile("ed25519.env"), "utf8");
    const file = writeTmp("short-sig.json", signed.replace(ED25519_SIGNATURE, Buffer.alloc(63).toString("base64")));
    const result = await run(["verify", "--signing-env", env("ed25519.env"), "--envelope", file]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^Invalid argument \(signature\): Invalid signature length\nstemguard: Stem throws ArgumentError/);
  });

  it("accepts anything when the config disables signing, and says so", async () => {
    const result = await run(["verify", "--signing-env", env("disabled.env"), "--envelope", "envelopes/contract-vector.json", "--json"]);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({ valid: true, keyId: null, checked: false });
  });

  it("reads offset-less timestamps in the zone given by --tz", async () => {
    const local = writeTmp("local.json", fs.readFileSync(VECTOR, "utf8").replace("2025-01-02T03:04:05.123456Z", "2025-01-02T04:04:05.123456"));
    const signedInBerlin = await run(["sign", "--signing-env", env("hmac.env"), "--envelope", local, "--tz", "Europe/Berlin"]);
    // Berlin is UTC+1 in January: the same instant as the vector, so the same signature.
    expect(JSON.parse(signedInBerlin.stdout).headers["stem-signature"]).toBe(HMAC_SIGNATURE);
    const file = writeTmp("local-signed.json", signedInBerlin.stdout);
    expect((await run(["verify", "--signing-env", env("hmac.env"), "--envelope", file, "--tz", "Europe/Berlin"])).code).toBe(0);
    expect(await run(["verify", "--signing-env", env("hmac.env"), "--envelope", file, "--tz", "Asia/Tokyo"])).toEqual({
      code: 1,
      stdout: "",
      stderr: "signature mismatch\n",
    });
  });
});

describe("config and input errors", () => {
  it.each([
    ["sign", "missing-active.env", "Failed to load StemConfig: Bad state: Missing STEM_SIGNING_ACTIVE_KEY; required when signing keys are provided.\n"],
    ["verify", "missing-active.env", "Failed to load StemConfig: Bad state: Missing STEM_SIGNING_ACTIVE_KEY; required when signing keys are provided.\n"],
  ])("fails %s with exit 64 and Stem's config error", async (command, envName, stderr) => {
    const result = await run([command, "--signing-env", env(envName), "--envelope", "envelopes/contract-vector.json"]);
    expect(result).toEqual({ code: 64, stdout: "", stderr });
  });

  it("fails with Stem's FormatException text, the key material redacted", async () => {
    const result = await run(["verify", "--signing-env", env("malformed-entry.env"), "--envelope", "envelopes/contract-vector.json"]);
    expect(result.code).toBe(64);
    expect(result.stderr).toMatch(/^Failed to load StemConfig: FormatException: Invalid signing key entry "primary:<redacted \d+ chars>"\. Expected format keyId:base64Value\n$/);
  });

  it("fails with exit 64 on an envelope Stem could not read", async () => {
    const file = writeTmp("no-id.json", fs.readFileSync(VECTOR, "utf8").replace('"id":"019a0000-0000-7000-8000-000000000001",', ""));
    const result = await run(["verify", "--signing-env", env("hmac.env"), "--envelope", file]);
    expect(result.code).toBe(64);
    expect(result.stderr).toMatch(/no-id\.json\.id: field is missing/);
  });

  it("fails with exit 64 on a missing file", async () => {
    const result = await run(["verify", "--signing-env", env("hmac.env"), "--envelope", "nope.json"]);
    expect(result.code).toBe(64);
    expect(result.stderr).toMatch(/--envelope: envelope file does not exist/);
  });

  it("fails when a required option is missing", async () => {
    const result = await run(["verify", "--envelope", "envelopes/contract-vector.json"]);
    expect(result.code).toBe(64);
    expect(result.stderr).toMatch(/--signing-env/);
  });

  it("has help with an example", async () => {
    for (const command of ["sign", "verify"]) {
      const result = await run([command, "--help"]);
      expect(result.code).toBe(0);
      expect(result.stdout).toMatch(/Example/);
      expect(result.stdout).toMatch(/--signing-env <file>/);
    }
  });
});
