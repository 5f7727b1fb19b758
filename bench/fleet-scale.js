#!/usr/bin/env node
"use strict";
// The fleet at scale (bench/fleet.js: 3 environments x (AWS + Kubernetes) x N services per
// environment): whole-process wall time and peak RSS (GNU time) of
//   (a) synthesizing the fleet (`node bench/fleet.js N PHASE DIR`), and
//   (b) `stemguard review --base DIR --head DIR --format markdown` of two fleet synths one
//       legal step apart: phase 2 (k2 staged) -> phase 3 (activate k2), the largest diff of
//       the rotation (every role rolls: every task definition replaced, every pod template
//       changed, in all nine stacks).
// The review must say "safe" (exit 0), or the benchmark fails. Growth: a least-squares line
// through the medians, per service per environment, and its worst relative residual (how far
// from linear). Targets (README): review of the 200-service pair < 2 s; synth linear in services.
// Usage: node bench/fleet-scale.js [runs=1] [services ...=20 50 100 200]
const { spawnSync } = require("node:child_process");
const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");

const { benchDate, ensureBuild, measure, median, row } = require("./stats");

const [runsArg = "1", ...servicesArgs] = process.argv.slice(2);
const runs = Number(runsArg);
const sizes = (servicesArgs.length > 0 ? servicesArgs : ["20", "50", "100", "200"]).map(Number);
if (!Number.isInteger(runs) || runs < 1 || sizes.some((n) => !Number.isInteger(n) || n < 1)) {
  console.error("usage: node bench/fleet-scale.js [runs=1] [services ...=20 50 100 200]");
  process.exit(64);
}

ensureBuild();
const FLEET = path.join(__dirname, "fleet.js");
const CLI = path.join(__dirname, "..", "bin", "stemguard.js");
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "sg-bench-fleet-"));

/** Least-squares fit of y = a + b x, and the largest |residual| / y. */
function fit(xs, ys) {
  const n = xs.length;
  const mx = xs.reduce((s, x) => s + x, 0) / n;
  const my = ys.reduce((s, y) => s + y, 0) / n;
  const b = xs.reduce((s, x, i) => s + (x - mx) * (ys[i] - my), 0) / xs.reduce((s, x) => s + (x - mx) ** 2, 0);
  const a = my - b * mx;
  return { a, b, worst: Math.max(...xs.map((x, i) => Math.abs(ys[i] - (a + b * x)) / ys[i])) };
}

const results = [];
try {
  for (const services of sizes) {
    const dirs = { base: path.join(tmp, `${services}-base`), head: path.join(tmp, `${services}-head`) };
    const clear = (dir) => () => fs.rmSync(dir, { recursive: true, force: true });
    const synth = measure(process.execPath, [FLEET, String(services), "2", dirs.base], { runs, before: clear(dirs.base) });
    measure(process.execPath, [FLEET, String(services), "3", dirs.head], { before: clear(dirs.head) });
    const resources = Number(/(\d+) resources/.exec(synth.output)[1]);
    const review = measure(process.execPath, [CLI, "review", "--base", dirs.base, "--head", dirs.head, "--format", "markdown"], { runs });
    // measure() stops the benchmark on a non-zero exit: exit 0 is the review's "safe".
    const json = spawnSync(process.execPath, [CLI, "review", "--base", dirs.base, "--head", dirs.head, "--json"], { encoding: "utf8", maxBuffer: 256 << 20 });
    const verdict = JSON.parse(json.stdout);
    if (json.status !== 0 || !verdict.ok || verdict.steps.length !== 1) {
      console.error(`the review of the ${services}-service pair is not one safe step: exit ${json.status}, ${JSON.stringify(verdict.findings).slice(0, 2000)}`);
      process.exit(1);
    }
    const changes = verdict.stacks.reduce((s, st) => s + st.changes.length, 0);
    const rolls = verdict.stacks.reduce((s, st) => s + st.rolls.length, 0);
    results.push({ services, resources, changes, rolls, synthMs: median(synth.wall), synthMb: Math.max(...synth.rss), reviewMs: median(review.wall), reviewMb: Math.max(...review.rss), steps: verdict.steps });
    const r = results.at(-1);
    console.log(
      `fleet ${services} services/env: ${resources} resources in 9 stacks; synth ${r.synthMs.toFixed(0)} ms, ${r.synthMb.toFixed(0)} MiB; ` +
        `review (${changes} changes, ${rolls} rolls, ${r.steps.join("; ")}) ${r.reviewMs.toFixed(0)} ms, ${r.reviewMb.toFixed(0)} MiB`,
    );
    for (const dir of Object.values(dirs)) fs.rmSync(dir, { recursive: true, force: true });
  }
} finally {
  fs.rmSync(tmp, { recursive: true, force: true });
}

const xs = results.map((r) => r.services);
const s = fit(xs, results.map((r) => r.synthMs));
const v = fit(xs, results.map((r) => r.reviewMs));
const per = (f) => `${f.b.toFixed(1)} ms per service per environment + ${f.a.toFixed(0)} ms, within ${(f.worst * 100).toFixed(0)}% of linear`;
const list = (key, mb) => results.map((r) => `${r.services}: ${(r[key] / 1000).toFixed(2)} s, ${r[mb].toFixed(0)} MiB`).join("; ");
console.log(`synth growth: ${per(s)}\nreview growth: ${per(v)}`);
const when = `${runs === 1 ? "1 run" : `median of ${runs}`} each, ${benchDate()}, load ${os.loadavg()[0].toFixed(1)}`;
const sizesText = sizes.join("/");
row(
  `synth of the fleet, 3 environments x (AWS + Kubernetes) x ${sizesText} services per environment (${results.map((r) => r.resources).join("/")} resources in 9 stacks), whole process`,
  "linear in services",
  `${list("synthMs", "synthMb")}; **${per(s)}** (${when})`,
  `node bench/fleet-scale.js ${runs}`,
);
row(
  `\`stemguard review --base DIR --head DIR --format markdown\` of two fleet synths, activate k2 (every workload rolls: ${results.map((r) => r.changes).join("/")} changes), whole process`,
  "< 2 s at 200",
  `${list("reviewMs", "reviewMb")}; ${per(v)} (${when})`,
  `node bench/fleet-scale.js ${runs}`,
);
const largest = results.find((r) => r.services === 200);
if (largest && largest.reviewMs >= 2000) {
  console.error(`bench: the review of the 200-service pair took ${largest.reviewMs.toFixed(0)} ms (target < 2000)`);
  process.exitCode = 1;
}
