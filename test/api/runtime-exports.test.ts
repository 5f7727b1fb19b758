import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";

// What `require("stemguard")`, `require("stemguard/aws")` and `require("stemguard/kubernetes")`
// return at run time: exactly the classes, functions and constants the checked-in API report
// lists (api/*.api.md), nothing else. The lists are the report: `npm run api` updates them.
const ROOT = path.join(__dirname, "../..");
const { ENTRY_POINTS, runtimeNamesInReport } = require("../../scripts/api-report") as {
  ENTRY_POINTS: { specifier: string; source: string; report: string }[];
  runtimeNamesInReport(text: string): string[];
};
const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as { exports: Record<string, string> };

/** Internals that once leaked through `export *`; none is public. */
const INTERNAL = [
  "dartTrim",
  "stripPhase",
  "scrubSecret",
  "applyStepToState",
  "applyStepToKeys",
  "redactKeyEntry",
  "keyIdLooksLikeMaterial",
  "assertCaId",
  "materialDocumentShape",
  "mergeContainerBinding",
  "mergeContainerEnv",
  "mergePodAnnotations",
  "planAwsMaterialInputs",
];

describe.each(ENTRY_POINTS)("run-time exports of $specifier", ({ specifier, source, report }) => {
  const runtime = Object.keys(require(path.join(ROOT, source)) as object)
    .filter((name) => name !== "__esModule")
    .sort();

  it("are exactly the run-time names of its API report", () => {
    const listed = runtimeNamesInReport(fs.readFileSync(path.join(ROOT, report), "utf8"));
    expect(listed.length).toBeGreaterThan(0);
    expect(runtime).toEqual(listed);
  });

  it("hold no internal helper", () => {
    expect(runtime.filter((name) => INTERNAL.includes(name))).toEqual([]);
  });

  it("is the entry the package exports map names", () => {
    const subpath = specifier === "stemguard" ? "." : `./${specifier.split("/")[1]}`;
    expect(pkg.exports[subpath]).toBe(`./dist/${source.replace(/\.ts$/, ".js")}`);
  });
});

describe("the main entry point", () => {
  it("loads no cdktf, constructs or provider module (constructs live in the subpaths)", () => {
    const loaded = execFileSync(
      process.execPath,
      ["-e", 'require("./dist/lib/index.js"); console.log(JSON.stringify(Object.keys(require.cache)))'],
      { cwd: ROOT, encoding: "utf8" },
    );
    const modules = JSON.parse(loaded) as string[];
    expect(modules.some((m) => m.endsWith(path.join("dist", "lib", "index.js")))).toBe(true);
    expect(modules.filter((m) => /node_modules[\\/](cdktf|constructs|@cdktf)[\\/]/.test(m))).toEqual([]);
  });
});
