import { spawnSync } from "node:child_process";

// STEMGUARD_TEST_OPENSSL lets a run point at another binary (or a missing one, to see the SKIP path).
const OPENSSL = process.env.STEMGUARD_TEST_OPENSSL ?? "openssl";

/** Whether an openssl binary runs here; tests that need it print a loud SKIP otherwise. */
export const HAS_OPENSSL = spawnSync(OPENSSL, ["version"], { encoding: "utf8" }).status === 0;

/** Runs openssl and returns stdout; throws with stderr on a non-zero exit. */
export function openssl(args: string[], options: { cwd?: string; input?: string } = {}): string {
  const result = spawnSync(OPENSSL, args, { encoding: "utf8", cwd: options.cwd, input: options.input });
  if (result.status !== 0) throw new Error(`${OPENSSL} ${args.join(" ")} failed (${result.status}): ${result.stderr}`);
  return result.stdout;
}

/** Runs openssl and returns exit status and output without throwing. */
export function opensslStatus(args: string[], options: { cwd?: string } = {}): { status: number | null; output: string } {
  const result = spawnSync(OPENSSL, args, { encoding: "utf8", cwd: options.cwd });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

/** `test` for one openssl check: runs it when openssl exists, else warns SKIP loudly and registers it as skipped, not passed. */
export function testWithOpenssl(name: string, fn: jest.ProvidesCallback, timeout?: number): void {
  if (HAS_OPENSSL) {
    test(name, fn, timeout);
    return;
  }
  console.warn(`SKIP: openssl not found on PATH; "${name}" did not run`);
  test.skip(name, fn, timeout);
}

/** `describe` for openssl checks: runs them when openssl exists, else warns SKIP loudly and registers them as skipped, not passed. */
export const describeWithOpenssl: jest.Describe = HAS_OPENSSL
  ? describe
  : (((name: string, fn: jest.EmptyFunction) => {
      console.warn(`SKIP: openssl not found on PATH; the openssl cross-checks "${name}" did not run`);
      describe.skip(name, fn);
    }) as unknown as jest.Describe);
