// Real `promtool` (Prometheus's own rule checker and unit-test runner). Where it
// is missing, the suite prints a loud SKIP line and its tests show as skipped.
import { execFileSync, spawnSync } from "node:child_process";

export function promtoolVersion(): string | undefined {
  try {
    return execFileSync("promtool", ["--version"], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }).split("\n")[0];
  } catch {
    return undefined;
  }
}

export function describeWithPromtool(name: string, body: () => void): void {
  if (!promtoolVersion()) {
    console.warn("SKIP: promtool not on PATH: `promtool check rules` / `promtool test rules` did not run");
    describe.skip(name, () => test("needs promtool", () => undefined));
    return;
  }
  describe(name, body);
}

export function promtool(args: string[], cwd: string): { status: number | null; output: string } {
  const r = spawnSync("promtool", args, { cwd, encoding: "utf8", timeout: 60_000 });
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}
