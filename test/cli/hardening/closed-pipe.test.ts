import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { BIN, builtCliProblem } from "../../support/built-cli";

// A reader that goes away (`stemguard --help | head -1`) must end the CLI
// quietly: no stack trace, the command's own exit code. Needs the built CLI,
// as a real child process with a real pipe.
const SOURCES = ["lib/cli/io.ts", "lib/cli/main.ts"];

/** Runs the CLI with its stdout pipe closed by the reader before the first byte. */
function runWithClosedStdout(args: readonly string[], cwd: string): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd, stdio: ["ignore", "pipe", "pipe"] });
    child.stdout.destroy(); // the reader is gone: every write to stdout now fails with EPIPE
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stderr }));
  });
}

const problem = builtCliProblem(SOURCES);
if (problem) console.warn(`SKIP: closed-pipe tests did not run: ${problem}`);
const describeBuilt = problem ? describe.skip : describe;

describeBuilt("output to a closed pipe ends quietly", () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "sg-pipe-"));
    // A large env file: env check --json then writes well over a pipe buffer of findings.
    const lines = Array.from({ length: 3000 }, (_, i) => `STEM_SIGNING_K${i}=x`);
    fs.writeFileSync(path.join(dir, "big.env"), `STEM_SIGNING_ALGORITHM=hmac-sha256\n${lines.join("\n")}\n`);
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it.each([
    [["--help"], 0],
    [["rotate", "--help"], 0],
    [["demo", "--help"], 0],
    [["keys", "generate", "--algorithm", "ed25519", "--id", "k1"], 0],
    [["env", "check", "big.env", "--json"], 64],
  ])("stemguard %j: exit %d, no stack trace", async (args, code) => {
    const run = await runWithClosedStdout(args, dir);
    expect(run.stderr).not.toMatch(/EPIPE|Error:|\n\s+at /);
    expect(run.code).toBe(code);
  }, 20000);

  it("a full disk on stdout (/dev/full) is not a closed reader: one line on stderr and exit 2, no stack trace", async () => {
    const out = fs.openSync("/dev/full", "w");
    try {
      const run = await new Promise<{ code: number | null; stderr: string }>((resolve, reject) => {
        const child = spawn(process.execPath, [BIN, "--help"], { cwd: dir, stdio: ["ignore", out, "pipe"] });
        let stderr = "";
        child.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
        child.on("error", reject);
        child.on("close", (code) => resolve({ code, stderr }));
      });
      expect(run).toEqual({ code: 2, stderr: "stemguard: cannot write output (ENOSPC)\n" });
    } finally {
      fs.closeSync(out);
    }
  }, 20000);
});
