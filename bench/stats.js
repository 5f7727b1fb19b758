"use strict";
/** Small helpers shared by the benchmark scripts. */
const { spawnSync } = require("node:child_process");
const fs = require("node:fs");

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

function report(title, results) {
  console.log(`${title}, ${require("node:os").cpus().length} cores, node ${process.version}`);
  for (const [name, values] of Object.entries(results)) {
    const sorted = [...values].sort((a, b) => a - b);
    console.log(
      `  ${name.padEnd(28)} median ${median(values).toFixed(0).padStart(6)}  min ${sorted[0].toFixed(0).padStart(6)}  max ${sorted.at(-1).toFixed(0).padStart(6)}  (n=${values.length})`,
    );
  }
}

/**
 * Wall ms and peak resident MiB (GNU time: the largest process of the tree) of `cmd args`,
 * `runs` times, and the last run's output; `before` runs (untimed) before each run. Exits the
 * benchmark if the command fails.
 */
function measure(cmd, args, { runs = 1, before, cwd, env } = {}) {
  if (!fs.existsSync("/usr/bin/time")) {
    console.log("SKIP: /usr/bin/time (GNU time) not found; install the 'time' package");
    process.exit(0);
  }
  const wall = [];
  const rss = [];
  let output = "";
  for (let i = 0; i < runs; i++) {
    if (before) before();
    const start = process.hrtime.bigint();
    const res = spawnSync("/usr/bin/time", ["-v", cmd, ...args], { cwd, env, encoding: "utf8", maxBuffer: 256 << 20 });
    wall.push(Number(process.hrtime.bigint() - start) / 1e6);
    if (res.status !== 0) {
      console.error(`${cmd} ${args.join(" ")} exited ${res.status}`);
      console.error(res.stdout.slice(-3000), res.stderr.slice(-3000));
      process.exit(1);
    }
    rss.push(Number(/Maximum resident set size \(kbytes\): (\d+)/.exec(res.stderr)[1]) / 1024);
    output = res.stdout + res.stderr;
  }
  return { wall, rss, output };
}

/** One row of the README's performance table (markdown), for bench/run.js to collect. */
function row(what, target, measured, rerun) {
  console.log(`| ${what} | ${target} | ${measured} | \`${rerun}\` |`);
}

/** When a figure was taken (the machine's speed drifts within an hour). */
function benchDate() {
  return new Date().toISOString().slice(0, 16).replace("T", " ") + " UTC";
}

/** Builds dist/ when it is missing or older than the sources (the benchmarks run the built CLI). */
function ensureBuild() {
  const res = spawnSync(process.execPath, [require("node:path").join(__dirname, "..", "scripts", "build.js"), "--if-stale"], { stdio: "inherit" });
  if (res.status !== 0) process.exit(res.status ?? 2);
}

module.exports = { benchDate, ensureBuild, measure, median, report, row };
