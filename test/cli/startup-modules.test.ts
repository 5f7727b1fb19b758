import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";

// The compiled CLI (npm test builds dist/ before jest runs). Commands that do not
// synthesize must not load cdktf, the providers, or node-forge: that is
// what keeps `stemguard --help` and `env check` fast (numbers: bench/cli-startup.js).
const ROOT = path.join(__dirname, "../..");
const MAIN = path.join(ROOT, "dist/lib/cli/main.js");

function modulesLoadedBy(args: string[]): string[] {
  const script = `
    const { main } = require(${JSON.stringify(MAIN)});
    const io = { stdout() {}, stderr() {}, env: {}, cwd: process.cwd(), stderrIsTty: false };
    main(${JSON.stringify(args)}, io).then((code) => {
      const heavy = Object.keys(require.cache)
        .map((k) => (k.match(/node_modules\\/((?:@[^/]+\\/)?[^/]+)\\//) || [])[1])
        .filter(Boolean);
      process.stdout.write(JSON.stringify({ code, packages: [...new Set(heavy)].sort() }));
    });`;
  const out = JSON.parse(execFileSync(process.execPath, ["-e", script], { cwd: ROOT, encoding: "utf8" }));
  expect(out.code).toBe(0);
  return out.packages;
}

describe("CLI start-up loads only what the command needs", () => {
  beforeAll(() => {
    if (!fs.existsSync(MAIN)) throw new Error(`${MAIN} is missing: run 'npm run build' first (npm test does)`);
  });

  test("--help loads commander and nothing heavy", () => {
    expect(modulesLoadedBy(["--help"])).toEqual(["commander"]);
  });

  test("env check loads no cdktf, provider or node-forge", () => {
    const file = path.join(ROOT, "test/fixtures/good-env");
    const envFile = fs.readdirSync(file).find((f) => f.endsWith(".env"))!;
    const packages = modulesLoadedBy(["env", "check", path.join(file, envFile)]);
    expect(packages.filter((p) => /^(cdktf|@cdktf\/|constructs|node-forge)/.test(p))).toEqual([]);
  });
});
