#!/usr/bin/env node
"use strict";
// `npm run bench`: every benchmark with quick defaults, one after the other (running them side
// by side would measure the contention), then the README's performance table: the markdown
// rows each benchmark printed. A benchmark that cannot run here prints a SKIP line and a row
// that says so; one that fails makes this exit 1 after the others ran.
// To add a benchmark: a bench/<name>.js that prints its rows with row() from ./stats, and one
// line in BENCHMARKS below. `--full` uses the README's run counts and includes the whole `npm test`.
// Usage: node bench/run.js [--full] [name ...]     (names: only those benchmarks)
const { spawnSync } = require("node:child_process");
const fs = require("node:fs");
const path = require("node:path");

/** name: bench/<name>.js; quick and full: its arguments. */
const BENCHMARKS = [
  { name: "cli-startup", quick: ["5"], full: ["10"] },
  { name: "typecheck", quick: ["3"], full: ["5", "--floor"] },
  { name: "dev-commands", quick: ["1", "--test"], full: ["3", "--test"] },
  { name: "synth-fleet", quick: ["aws", "50", "3"], full: ["aws", "50", "5"] },
  { name: "synth-fleet", quick: ["kubernetes", "50", "3"], full: ["kubernetes", "50", "5"] },
  { name: "fleet-scale", quick: ["1"], full: ["3"] },
  { name: "tls-generate", quick: ["3"], full: ["5"] },
  { name: "cdktf-synth", quick: ["3"], full: ["5"] },
  { name: "ledger-scale", quick: ["10000"], full: ["10000"] },
  { name: "census-bench", quick: ["10000", "100000", "1000000"], full: ["10000", "100000", "1000000"] },
];
const HELPERS = new Set(["run.js", "stats.js", "fleet.js"]);

const args = process.argv.slice(2);
const full = args.includes("--full");
const only = args.filter((a) => !a.startsWith("--"));
const known = new Set(BENCHMARKS.map((b) => b.name));
const unknown = only.filter((n) => !known.has(n));
if (unknown.length > 0) {
  console.error(`bench: unknown benchmark ${unknown.join(", ")}; known: ${[...known].join(", ")}`);
  process.exit(64);
}
// A script in bench/ that is not listed would silently never run: say so.
for (const file of fs.readdirSync(__dirname).filter((f) => f.endsWith(".js") && !HELPERS.has(f))) {
  if (!known.has(file.replace(/\.js$/, ""))) console.log(`bench: WARNING: bench/${file} is not in BENCHMARKS of bench/run.js, so it did not run`);
}

const rows = [];
const failed = [];
for (const bench of BENCHMARKS.filter((b) => only.length === 0 || only.includes(b.name))) {
  const benchArgs = full ? bench.full : bench.quick;
  console.log(`\n$ node bench/${bench.name}.js ${benchArgs.join(" ")}`);
  const res = spawnSync(process.execPath, [path.join(__dirname, `${bench.name}.js`), ...benchArgs], { stdio: ["ignore", "pipe", "inherit"], encoding: "utf8", maxBuffer: 64 << 20 });
  process.stdout.write(res.stdout ?? "");
  rows.push(...(res.stdout ?? "").split("\n").filter((line) => line.startsWith("| ")));
  if (res.status !== 0) failed.push(`${bench.name} (exit ${res.status ?? res.signal})`);
}

console.log("\nREADME performance table (machine: %d cores, node %s):\n", require("node:os").cpus().length, process.version);
console.log("| what | target | measured | rerun |\n|---|---|---|---|");
for (const line of rows) console.log(line);
if (failed.length > 0) {
  console.error(`\nbench: FAILED: ${failed.join(", ")}`);
  process.exitCode = 1;
}
