import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { Command } from "commander";
import { buildProgram, main } from "../../lib/cli/main";
import { NODE_PRESCANNED_FLAGS, SIGNING_ENV_FLAG } from "../../lib/cli/node-prescanned-flags";
import { builtCliProblem, runBin } from "../support/built-cli";
import { fakeIo } from "../support/fake-io";

// node reads --env-file (and --env-file-if-exists) from the whole argv, also
// after the script path (nodejs/node#54232), before stemguard runs. No
// stemguard option may take such a name, and one that reaches stemguard anyway
// is refused with the flag to use instead.

const FIXTURES = path.resolve(__dirname, "../fixtures");
const HMAC_ENV = path.join(FIXTURES, "signing/hmac.env");
const VECTOR = path.join(FIXTURES, "envelopes/contract-vector.json");

/** Every command of the program, the root included, depth first. */
function allCommands(command: Command): Command[] {
  return [command, ...command.commands.flatMap(allCommands)];
}

describe("no stemguard option is a flag node reads itself", () => {
  const commands = allCommands(buildProgram(fakeIo(os.tmpdir())));
  const flags = commands.flatMap((command) => command.options.map((option) => ({ command: command.name(), long: option.long ?? option.flags })));

  it("walks every command and its options", () => {
    // Guards the walk itself: an empty list would pass the check below.
    expect(commands.map((c) => c.name())).toEqual(expect.arrayContaining(["sign", "verify", "rotate", "tls", "ca", "status", "review"]));
    expect(flags).toEqual(expect.arrayContaining([{ command: "verify", long: SIGNING_ENV_FLAG }, { command: "sign", long: SIGNING_ENV_FLAG }]));
  });

  it("has no option starting with --env-file", () => {
    expect(flags.filter((f) => f.long.startsWith("--env-file"))).toEqual([]);
    for (const name of NODE_PRESCANNED_FLAGS) expect(name.startsWith("--env-file")).toBe(true);
  });
});

describe("a node-prescanned flag that reaches stemguard", () => {
  it.each([
    [["verify", "--env-file", "worker.env", "--envelope", "signed.json"], "--env-file", "worker.env", "--signing-env worker.env"],
    [["sign", "--envelope", "task.json", "--env-file=deploy/producer.env"], "--env-file", "deploy/producer.env", "--signing-env deploy/producer.env"],
    [["verify", "--env-file-if-exists", "w.env", "--envelope", "s.json"], "--env-file-if-exists", "w.env", "--signing-env w.env"],
    [["env", "check", "x.env", "--env-file"], "--env-file", undefined, "--signing-env FILE"],
    [["verify", "--env-file", "--envelope", "s.json"], "--env-file", undefined, "--signing-env FILE"],
  ])("%j: exit 64 naming the flag, the file and the fix", async (argv, flag, file, fix) => {
    const io = fakeIo(os.tmpdir());
    expect(await main(argv, io)).toBe(64);
    expect(io.out()).toBe("");
    const got = file === undefined ? " (got nothing)" : ` (got "${file}")`;
    expect(io.err()).toBe(
      `stemguard: ${flag}: not a stemguard option: node itself reads ${flag} anywhere on the command line, before stemguard starts` +
        ` (node has already opened this file; a missing --env-file file ends node with exit 9 "node: FILE: not found")${got}. Fix: pass the env file as ${fix}\n`,
    );
  });

  it("--json also gets the error as data", async () => {
    const io = fakeIo(os.tmpdir());
    expect(await main(["verify", "--env-file", "w.env", "--envelope", "s.json", "--json"], io)).toBe(64);
    expect(JSON.parse(io.out())).toMatchObject({ ok: false, exitCode: 64, error: { field: "--env-file", value: "w.env", fix: "pass the env file as --signing-env w.env" } });
  });
});

// The real launcher, as a shell runs it: node's own argv scan applies only there.
const SOURCES = ["lib/cli/main.ts", "lib/cli/node-prescanned-flags.ts", "lib/cli/commands/sign-verify.ts"];
const problem = builtCliProblem(SOURCES);
if (problem) console.warn(`SKIP: bin/stemguard.js env-file tests did not run: ${problem}`);
const describeBuilt = problem ? describe.skip : describe;

describeBuilt("bin/stemguard.js with an env file", () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "sg-envflag-"));
    fs.copyFileSync(HMAC_ENV, path.join(dir, "worker.env"));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it(`sign then verify ${SIGNING_ENV_FLAG} FILE: exit 0, signed and verified`, async () => {
    const signed = await runBin(["sign", SIGNING_ENV_FLAG, "worker.env", "--envelope", VECTOR], dir);
    expect(signed).toMatchObject({ code: 0, stderr: "" });
    expect(JSON.parse(signed.stdout).headers["stem-signature-key"]).toBe("primary");
    fs.writeFileSync(path.join(dir, "signed.json"), signed.stdout);
    expect(await runBin(["verify", SIGNING_ENV_FLAG, "worker.env", "--envelope", "signed.json"], dir)).toEqual({ code: 0, stdout: "ok: signed by primary\n", stderr: "" });
    expect(await runBin(["verify", SIGNING_ENV_FLAG, "worker.env", "--envelope", VECTOR], dir)).toMatchObject({ code: 1, stderr: "missing signature headers\n" });
  }, 20000);

  it("--env-file with an existing file: stemguard refuses it, exit 64", async () => {
    const run = await runBin(["verify", "--env-file", "worker.env", "--envelope", VECTOR], dir);
    expect(run.code).toBe(64);
    expect(run.stderr).toMatch(/^stemguard: --env-file: not a stemguard option: .*Fix: pass the env file as --signing-env worker.env\n$/);
  }, 20000);

  it("--env-file with a missing file never verifies: node's exit 9, or stemguard's 64 where node stops scanning at the script", async () => {
    const run = await runBin(["verify", "--env-file", "nope.env", "--envelope", VECTOR], dir);
    expect(run.stdout).toBe("");
    if (run.code === 9) expect(run.stderr).toMatch(/nope\.env: not found/);
    else expect(run).toMatchObject({ code: 64, stderr: expect.stringMatching(/^stemguard: --env-file: not a stemguard option/) });
  }, 20000);
});
