#!/usr/bin/env node
"use strict";
// The repository's cdktf app (cdktf.json at the root: both example fleets, two stacks) through
// `cdktf synth` (cdktf-cli 0.21.0) and through plain node (`node dist/examples/main.js`, what the
// app command runs after its stale-build check), alternating runs so machine load hits both
// alike. cdktf-cli is not a dependency: it is installed on demand into a temp dir, reused by
// later runs; a loud SKIP line (exit 0) if that install fails. Checks that both write the same
// Terraform JSON.
// Usage: node bench/cdktf-synth.js [runs=3]
const { spawnSync } = require("node:child_process");
const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");
const { benchDate, ensureBuild, measure, median, report, row } = require("./stats");

const CLI_VERSION = "0.21.0";
const root = path.join(__dirname, "..");
const runs = Number(process.argv[2] ?? 3);
const cliDir = path.join(os.tmpdir(), `stemguard-bench-cdktf-cli-${CLI_VERSION}`);
const cdktf = path.join(cliDir, "node_modules", ".bin", "cdktf");
const rerun = `node bench/cdktf-synth.js ${runs}`;

function skip(reason) {
  console.log(`SKIP: cdktf synth comparison did not run: ${reason}`);
  row("root app (`cdktf.json`, 2 stacks): `cdktf synth` vs plain node", "", `SKIPPED: ${reason}`, rerun);
  process.exit(0);
}

if (!fs.existsSync(cdktf)) {
  console.log(`installing cdktf-cli@${CLI_VERSION} into ${cliDir} (once; not a project dependency)...`);
  const started = Date.now();
  const res = spawnSync("npm", ["install", "--prefix", cliDir, `cdktf-cli@${CLI_VERSION}`, "--no-audit", "--no-fund", "--loglevel=error"], { encoding: "utf8" });
  if (res.status !== 0 || !fs.existsSync(cdktf)) {
    fs.rmSync(cliDir, { recursive: true, force: true });
    const why = `${res.stderr ?? ""}\n${res.error ?? ""}`.split("\n").find((l) => l.trim() && !l.includes("A complete log")) ?? "no output";
    skip(`cdktf-cli@${CLI_VERSION} could not be installed (npm exit ${res.status}: ${why.trim()})`);
  }
  console.log(`installed in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}
ensureBuild();

const work = fs.mkdtempSync(path.join(os.tmpdir(), "sg-bench-cdktf-"));
const env = { ...process.env, CHECKPOINT_DISABLE: "1", CI: "1" };
const contenders = {
  [`cdktf synth (cdktf-cli ${CLI_VERSION})`]: (out) => measure(cdktf, ["synth", "--output", out], { cwd: root, env }),
  "node dist/examples/main.js": (out) => measure(process.execPath, ["dist/examples/main.js"], { cwd: root, env: { ...env, CDKTF_OUTDIR: out } }),
};
const names = Object.keys(contenders);
const wall = Object.fromEntries(names.map((n) => [n, []]));
const rss = Object.fromEntries(names.map((n) => [n, []]));
for (let i = 0; i < runs; i++) {
  for (const name of i % 2 === 0 ? names : [...names].reverse()) {
    const m = contenders[name](path.join(work, `${i}-${names.indexOf(name)}`));
    wall[name].push(...m.wall);
    rss[name].push(...m.rss);
  }
}

// Same app, same Terraform: every stack's cdk.tf.json is identical between the two.
const stacksOf = (out) => fs.readdirSync(path.join(out, "stacks")).sort();
const viaCli = path.join(work, "0-0");
const viaNode = path.join(work, "0-1");
const stacks = stacksOf(viaCli);
if (JSON.stringify(stacks) !== JSON.stringify(stacksOf(viaNode))) {
  console.error(`cdktf synth and plain node wrote different stacks: ${stacks} vs ${stacksOf(viaNode)}`);
  process.exit(1);
}
for (const stack of stacks) {
  const read = (out) => fs.readFileSync(path.join(out, "stacks", stack, "cdk.tf.json"), "utf8");
  if (read(viaCli) !== read(viaNode)) {
    console.error(`stack ${stack}: cdktf synth and plain node wrote different Terraform JSON`);
    process.exit(1);
  }
}
fs.rmSync(work, { recursive: true, force: true });

report(`Root cdktf app, stacks ${stacks.join(" + ")} (wall ms, whole process)`, wall);
const [cli, node] = names.map((n) => median(wall[n]));
console.log(`ratio cdktf synth / node (medians): ${(cli / node).toFixed(1)}; peak MiB ${names.map((n) => `${n}: ${median(rss[n]).toFixed(0)}`).join(", ")}`);
row(
  "root app (`cdktf.json`: both example fleets, 2 stacks): `cdktf synth` vs plain node",
  "",
  `medians ${(cli / 1000).toFixed(2)} s vs ${(node / 1000).toFixed(2)} s: **ratio ${(cli / node).toFixed(1)}** (same Terraform JSON; ${runs} runs each, alternating, ${benchDate()})`,
  rerun,
);
