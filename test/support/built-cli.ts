import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";

/** Tests that need the real `bin/stemguard.js` (a child process) run the CLI compiled to dist/. */
export const REPO = path.resolve(__dirname, "../..");
export const BIN = path.join(REPO, "bin/stemguard.js");

/** Why dist/ cannot stand for these sources (missing or older), or undefined when it is current. */
export function builtCliProblem(sources: readonly string[]): string | undefined {
  for (const src of sources) {
    const out = path.join(REPO, "dist", src.replace(/\.ts$/, ".js"));
    if (!fs.existsSync(out)) return `dist/ has no ${src} (run \`npm run build\`)`;
    if (fs.statSync(out).mtimeMs < fs.statSync(path.join(REPO, src)).mtimeMs) return `dist/ is older than ${src} (run \`npm run build\`)`;
  }
  return undefined;
}

export interface BinRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `node bin/stemguard.js ARGS` exactly as a shell does, with an empty environment apart from PATH. */
export function runBin(args: readonly string[], cwd: string): Promise<BinRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd, env: { PATH: process.env.PATH ?? "" }, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}
