#!/usr/bin/env node
"use strict";
// The package as users install it: packs the tarball, installs it into a fresh cdktf app made
// the way `cdktf init --template=typescript` makes it (test/consumer: the template's
// package.json, tsconfig.json unmodified, cdktf.json, main.ts), then runs the CLI from the
// install and synthesizes the app, compiled with TypeScript 5.9 and with TypeScript 7.
// Prints each step with its time and a failing step's output; exits 1 when any step failed
// (the steps after a failed pack or install are not run).
// A step of .ci/run (after npm test, timed on its own). Needs the npm registry or a warm cache.
//
//   node scripts/pack-install-check.js [--keep]   (--keep leaves the temp project for a look)
const { spawnSync } = require("node:child_process");
const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");

const ROOT = path.resolve(__dirname, "..");
const FIXTURE = path.join(ROOT, "test/consumer");
const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8"));
const deps = { ...pkg.devDependencies, ...pkg.dependencies };
/** TypeScript 7 as the project pins it (npm alias `typescript7`), else the release checked against. */
const TS7 = (deps.typescript7 ?? "npm:typescript@7.0.2").replace(/^npm:typescript@/, "");

const work = fs.mkdtempSync(path.join(os.tmpdir(), "stemguard-pack-"));
const app = path.join(work, "app");
const started = Date.now();
let failed = false;
/** Set when the tarball could not be packed or installed: nothing after it can run. */
let blocked = false;

/** Runs one step; prints "ok" or "FAILED" with its time, and the command's output on failure. */
function step(title, command, args, options = {}) {
  if (blocked) {
    console.log(`pack-check: ${title} ... not run (the install failed)`);
    return undefined;
  }
  const t0 = Date.now();
  process.stdout.write(`pack-check: ${title} ... `);
  const run = spawnSync(command, args, { cwd: app, encoding: "utf8", maxBuffer: 64 * 1024 * 1024, ...options });
  const seconds = ((Date.now() - t0) / 1000).toFixed(1);
  const problem = run.error ? run.error.message : run.status !== 0 ? `exit ${run.status}` : options.check?.(run.stdout);
  if (problem) {
    failed = true;
    console.log(`FAILED (${problem}) in ${seconds} s\n  $ ${[command, ...args].join(" ")}`);
    console.log(`${run.stdout ?? ""}${run.stderr ?? ""}`.trim().replace(/^/gm, "  | "));
    return undefined;
  }
  console.log(`ok in ${seconds} s${options.note ? ` (${options.note(run.stdout)})` : ""}`);
  return run.stdout;
}

/** Checks a file the previous step must have written; fails the run otherwise. */
function expectFile(file, what) {
  if (blocked) return;
  if (!fs.existsSync(file)) {
    failed = true;
    console.log(`pack-check: FAILED: ${what} did not write ${path.relative(work, file)}`);
  }
}

const npm = process.platform === "win32" ? "npm.cmd" : "npm";
const node = process.execPath;
const quiet = ["--no-audit", "--no-fund", "--prefer-offline", "--loglevel=error"];

fs.mkdirSync(app);
for (const file of fs.readdirSync(FIXTURE)) fs.copyFileSync(path.join(FIXTURE, file), path.join(app, file));

const packed = step("npm pack", npm, ["pack", "--pack-destination", work, "--loglevel=error"], {
  cwd: ROOT,
  check: (out) => (out.trim().endsWith(".tgz") ? undefined : "no tarball name printed"),
  note: (out) => out.trim().split("\n").pop(),
});
const tarball = packed ? path.join(work, packed.trim().split("\n").pop()) : "";
if (!packed) blocked = true;
if (packed) {
  const entries = spawnSync("tar", ["-tzf", tarball], { encoding: "utf8" }).stdout.split("\n");
  const leaked = entries.filter((e) => /^package\/(examples|test|bench|scripts|lib)\//.test(e));
  const missing = ["package/dist/lib/index.d.ts", "package/dist/lib/aws/index.d.ts", "package/dist/lib/kubernetes/index.d.ts", "package/bin/stemguard.js", "package/docker/Dockerfile"].filter(
    (e) => !entries.includes(e),
  );
  if (leaked.length > 0 || missing.length > 0) {
    failed = blocked = true;
    console.log(`pack-check: FAILED: tarball content: ${[...missing.map((m) => `missing ${m}`), ...leaked.slice(0, 5).map((l) => `not for users: ${l}`)].join("; ")}`);
  } else {
    console.log(`pack-check: tarball holds ${entries.filter(Boolean).length} entries: dist/lib, bin, docker/Dockerfile, docs, api, README; no sources, tests or examples`);
  }
}

step(
  `npm install the tarball, cdktf ${deps.cdktf}, constructs ${deps.constructs}, providers, typescript ${deps.typescript} and ${TS7}`,
  npm,
  [
    "install",
    ...quiet,
    tarball,
    `cdktf@${deps.cdktf}`,
    `constructs@${deps.constructs}`,
    `@cdktf/provider-aws@${deps["@cdktf/provider-aws"]}`,
    `@cdktf/provider-kubernetes@${deps["@cdktf/provider-kubernetes"]}`,
    `typescript@${deps.typescript}`,
    `typescript7@npm:typescript@${TS7}`,
    `@types/node@${deps["@types/node"]}`,
  ],
  { check: () => (fs.existsSync(path.join(app, "node_modules/stemguard/package.json")) ? undefined : "stemguard not in node_modules") },
);
if (failed) blocked = true;

step("npx stemguard --help", "npx", ["--no-install", "stemguard", "--help"], {
  check: (out) => (/Usage: stemguard/.test(out) ? undefined : "no usage line"),
});

const demoOut = path.join(work, "demo-out");
step("npx stemguard demo --quiet --out <tmp>", "npx", ["--no-install", "stemguard", "demo", "--quiet", "--out", demoOut], {
  check: () => (fs.existsSync(demoOut) && fs.readdirSync(demoOut).length > 0 ? undefined : "nothing synthesized into --out"),
  note: (out) => out.trim().split("\n").pop(),
});

const emitted = path.join(app, "main.js");
const clean = () => ["main.js", "main.d.ts", "tsconfig.tsbuildinfo"].forEach((f) => fs.rmSync(path.join(app, f), { force: true }));
clean();
step(`tsc ${deps.typescript} -p . (template tsconfig)`, node, ["node_modules/typescript/bin/tsc", "-p", "."]);
expectFile(emitted, `TypeScript ${deps.typescript}`);
clean();
step(`tsc ${TS7} -p . (template tsconfig)`, node, ["node_modules/typescript7/bin/tsc", "-p", "."]);
expectFile(emitted, `TypeScript ${TS7}`);

step("node main.js (synth of stem-aws and stem-kubernetes)", node, ["main.js"], {
  check: () => {
    const read = (stack) => {
      const file = path.join(app, "cdktf.out/stacks", stack, "cdk.tf.json");
      return fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, "utf8")) : undefined;
    };
    const aws = read("stem-aws");
    const k8s = read("stem-kubernetes");
    if (!aws?.resource?.aws_secretsmanager_secret || !aws.resource.aws_ecs_task_definition) return "stem-aws lacks its keyring secrets or task definition";
    if (!k8s?.resource?.kubernetes_secret_v1 || !k8s.resource.kubernetes_deployment_v1) return "stem-kubernetes lacks its keyring secrets or deployment";
    return undefined;
  },
  note: () => "cdktf.out/stacks/stem-aws and stem-kubernetes hold the keyring secrets and workloads",
});

if (process.argv.includes("--keep")) console.log(`pack-check: project kept in ${app}`);
else fs.rmSync(work, { recursive: true, force: true });
const total = ((Date.now() - started) / 1000).toFixed(1);
console.log(`pack-check: ${failed ? "FAILED" : "ok"} in ${total} s`);
process.exitCode = failed ? 1 : 0;
