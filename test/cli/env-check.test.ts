import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Command } from "commander";
import { addEnvCheckCommand, createEnvGroup, registerEnv } from "../../lib/cli/commands/env-check";
import type { CliIo } from "../../lib/cli/io";
import { main } from "../../lib/cli/main";
import { runEnvCli } from "../core/stem-env/run-env-check";

const H7 = Buffer.alloc(32, 7).toString("base64");
const H8 = Buffer.alloc(32, 8).toString("base64");

function fakeIo(cwd: string) {
  const out = { stdout: "", stderr: "" };
  const io: CliIo = { stdout: (t) => void (out.stdout += t), stderr: (t) => void (out.stderr += t), env: {}, cwd, stderrIsTty: false };
  return { io, out };
}

describe("stemguard env check", () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "stemguard-env-cli-"));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  const write = (name: string, text: string) => {
    fs.writeFileSync(path.join(dir, name), text);
    return name;
  };

  it("registers the env group with its check subcommand, and lets another module add to the group", () => {
    const program = new Command();
    registerEnv(program, fakeIo(dir).io);
    const env = program.commands.find((c) => c.name() === "env");
    expect(env?.commands.map((c) => c.name())).toEqual(["check"]);

    const other = new Command();
    const group = createEnvGroup(other);
    addEnvCheckCommand(group, fakeIo(dir).io);
    group.command("render");
    expect(other.commands[0].commands.map((c) => c.name())).toEqual(["check", "render"]);
  });

  it("runs through main(), resolving FILE against the cwd", async () => {
    write("w.env", `STEM_SIGNING_ALGORITHM=hmac-sha256\nSTEM_SIGNING_KEYS=k1:${H7},k2:${H8}\nSTEM_SIGNING_ACTIVE_KEY=k2\n`);
    const { io, out } = fakeIo(dir);
    expect(await main(["env", "check", "w.env", "--role", "worker"], io)).toBe(0);
    expect(out).toEqual({ stdout: "ok: w.env: Stem loads it (hmac-sha256; trusts k1, k2; signs with k2); 0 warnings\n", stderr: "" });
  });

  it("prints ids and flags, never material, with --json", async () => {
    write("w.env", `STEM_SIGNING_ALGORITHM=hmac-sha256\nSTEM_SIGNING_KEYS=k1:${H7},k2:${H8}\nSTEM_SIGNING_ACTIVE_KEY=k2\n`);
    const run = await runEnvCli(["env", "check", "w.env", "--json", "--role", "beat"], dir);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({
      file: "w.env",
      role: "beat",
      ok: true,
      stem: { ok: true, algorithm: "hmac-sha256", isEnabled: true, canSign: true, activeKeyId: "k2", keyIds: ["k1", "k2"], publicKeyIds: [], privateKeyIds: [] },
      findings: [],
    });
    expect(run.stdout + run.stderr).not.toContain(H7.slice(0, 12));
    expect(run.stdout + run.stderr).not.toContain(H8.slice(0, 12));
  });

  it("passes with warnings printed on stderr", async () => {
    write("w.env", `STEM_SIGNING_ALGORITHM=hmac-sha256\nSTEM_SIGNING_KEYS=k1:${H7},\nSTEM_SIGNING_ACTIVE_KEY=k1\nSTEM_TLS_ALLOW_INSECURE=true\n`);
    const run = await runEnvCli(["env", "check", "w.env"], dir);
    expect(run.code).toBe(0);
    expect(run.stdout).toBe("ok: w.env: Stem loads it (hmac-sha256; trusts k1; signs with k1); 2 warnings\n");
    expect(run.stderr).toBe(
      [
        "warning: STEM_SIGNING_KEYS: list has 1 empty entry (',,' or a leading or trailing ','); Stem skips them",
        "  fix: remove the extra ','",
        "warning: STEM_TLS_ALLOW_INSECURE: server certificates are not verified (any certificate, any host name is accepted)",
        "  fix: remove it and set STEM_TLS_CA_CERT to the CA that signed the server certificate",
        "",
      ].join("\n"),
    );
  });

  it("fails a missing file with exit 64, in text and JSON", async () => {
    const missing = path.join(dir, "nope.env");
    const run = await runEnvCli(["env", "check", "nope.env"], dir);
    expect(run).toEqual({ code: 64, stdout: "", stderr: `stemguard: ${missing}: env file does not exist. Fix: check the path\n` });
    const json = await runEnvCli(["env", "check", "nope.env", "--json"], dir);
    expect(json.code).toBe(64);
    expect(JSON.parse(json.stdout)).toEqual({
      file: "nope.env",
      role: null,
      ok: false,
      stem: null,
      findings: [{ severity: "error", field: missing, message: "env file does not exist", fix: "check the path", source: "stemguard" }],
    });
  });

  it("fails an unknown role with exit 64 and the allowed choices", async () => {
    write("w.env", "A=1\n");
    const { io, out } = fakeIo(dir);
    expect(await main(["env", "check", "w.env", "--role", "dashboard"], io)).toBe(64);
    expect(out.stderr).toContain("Allowed choices are producer, worker, beat");
    expect(out.stdout).toBe("");
  });

  it("fails through main() with Stem's line first and exit 64", async () => {
    write("w.env", `STEM_SIGNING_ALGORITHM=hmac-sha256\nSTEM_SIGNING_KEYS=k1:${H7}\nSTEM_SIGNING_ACTIVE_KEY=k9\n`);
    const { io, out } = fakeIo(dir);
    expect(await main(["env", "check", "w.env"], io)).toBe(64);
    expect(out.stdout).toBe("");
    expect(out.stderr).toBe(
      [
        'Failed to load StemConfig: Bad state: Active signing key "k9" not present in STEM_SIGNING_KEYS.',
        '  fix: add "k9" to STEM_SIGNING_KEYS, or set STEM_SIGNING_ACTIVE_KEY to a listed id',
        "stemguard: w.env: 1 error, 0 warnings; Stem refuses it",
        "",
      ].join("\n"),
    );
  });

  it("documents itself with an example", async () => {
    const run = await runEnvCli(["env", "check", "--help"], dir);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("$ stemguard env check deploy/worker.env --role worker");
    expect(run.stdout).toContain("--allow-verify-only-worker");
  });
});
