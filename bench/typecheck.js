#!/usr/bin/env node
"use strict";
// Whole-process time and peak memory of `npm run typecheck` (TypeScript 7, the native compiler),
// cold and warm (issue target: cold < 5 s, < 500 MB), and of TypeScript 5.9 cold on the same
// program for the ratio (5.9 stays installed for typescript-eslint). The TS 7 and 5.9 cold runs
// alternate, so machine load hits both alike; the ratio of their medians is the stable figure.
// With --floor it also measures the declarations-only floor: a program that imports every
// package the project imports (same compiler options, no project code).
// Uses GNU time (/usr/bin/time -v) for the peak resident set.
// Usage: node bench/typecheck.js [runs=3] [--floor]
const fs = require("node:fs");
const path = require("node:path");
const { benchDate, measure, median, report, row } = require("./stats");

const root = path.join(__dirname, "..");
const runs = Number(process.argv.find((a) => /^\d+$/.test(a)) ?? 3);
const withFloor = process.argv.includes("--floor");
const TSC7 = path.join(root, "node_modules/typescript7/bin/tsc");
const TSC5 = path.join(root, "node_modules/typescript/bin/tsc");
const INFO = path.join(root, "node_modules/.cache/tsc/tsbuildinfo");
for (const bin of [TSC7, TSC5]) {
  if (!fs.existsSync(bin)) {
    console.error(`${path.relative(root, bin)} is missing: run 'npm ci' first`);
    process.exit(2);
  }
}
const version = (bin) => require(path.join(path.dirname(bin), "..", "package.json")).version;

// Cold: no incremental build info, as on a fresh clone.
const cold = () => fs.rmSync(INFO, { force: true });
const ts7Cold = { wall: [], rss: [] };
const ts5Cold = { wall: [], rss: [] };
for (let i = 0; i < runs; i++) {
  const order = i % 2 === 0 ? [[TSC7, ts7Cold], [TSC5, ts5Cold]] : [[TSC5, ts5Cold], [TSC7, ts7Cold]];
  for (const [bin, into] of order) {
    const m = measure(bin, ["--noEmit", "-p", "."], { runs: 1, before: cold, cwd: root });
    into.wall.push(...m.wall);
    into.rss.push(...m.rss);
  }
}
// Warm: the incremental cache a TS 7 run leaves behind, as on a developer's second run.
cold();
measure(TSC7, ["--noEmit", "-p", "."], { runs: 1, cwd: root });
if (!fs.existsSync(INFO)) {
  console.error(`TypeScript 7 left no ${path.relative(root, INFO)}: is incremental still on in tsconfig.json?`);
  process.exit(1);
}
const ts7Warm = measure(TSC7, ["--noEmit", "-p", "."], { runs, cwd: root });

const v7 = version(TSC7);
const v5 = version(TSC5);
const results = {
  [`tsc ${v7} cold wall ms`]: ts7Cold.wall,
  [`tsc ${v7} cold peak MB`]: ts7Cold.rss,
  [`tsc ${v7} warm wall ms`]: ts7Warm.wall,
  [`tsc ${v7} warm peak MB`]: ts7Warm.rss,
  [`tsc ${v5} cold wall ms`]: ts5Cold.wall,
  [`tsc ${v5} cold peak MB`]: ts5Cold.rss,
};
if (withFloor) {
  const floor = measureFloor();
  results[`declarations floor (tsc ${v7}) wall ms`] = floor.wall;
  results[`declarations floor (tsc ${v7}) peak MB`] = floor.rss;
}
report("Type-check, `tsc --noEmit -p .` (whole process)", results);
const ratio = median(ts7Cold.wall) / median(ts5Cold.wall);
console.log(`ratio TypeScript ${v7} / ${v5}, cold (medians, run in turn): ${ratio.toFixed(2)}`);
const s = (ms) => `${(ms / 1000).toFixed(2)} s`;
const mb = (values) => `${median(values).toFixed(0)} MiB`;
row(
  "`npm run typecheck` (TypeScript 7), cold (no incremental cache, as on a fresh clone)",
  "< 5 s, < 500 MB",
  `median ${s(median(ts7Cold.wall))} wall, ${mb(ts7Cold.rss)} (${runs} runs, ${benchDate()}); TypeScript ${v5} on the same program in turn: ${s(median(ts5Cold.wall))}, ${mb(ts5Cold.rss)}: **ratio ${ratio.toFixed(2)}**`,
  `node bench/typecheck.js ${runs}`,
);
row("`npm run typecheck`, warm (incremental cache present, a developer's next run)", "", `median ${s(median(ts7Warm.wall))}, ${mb(ts7Warm.rss)}`, `node bench/typecheck.js ${runs}`);

/** `tsc --noEmit` of one file that imports, type-only, every bare module specifier the project's sources import. */
function measureFloor() {
  const sources = ["lib", "test", "examples"].flatMap((dir) => listTs(path.join(root, dir)));
  const specifiers = new Set();
  for (const file of sources) {
    for (const m of fs.readFileSync(file, "utf8").matchAll(/^(?:import|export)\b[^;]*?\bfrom "([^".$][^"]*)";/gm)) {
      if (m[1] !== "stemguard" && !m[1].startsWith("stemguard/")) specifiers.add(m[1]); // the project itself, by name
    }
  }
  // Under node_modules so package resolution is the project's, outside every tsconfig include.
  const dir = path.join(root, "node_modules/.cache/stemguard-bench");
  fs.mkdirSync(dir, { recursive: true });
  const lines = [...specifiers].sort().map((spec, i) => `import type * as m${i} from "${spec}";\nexport type T${i} = typeof m${i};`);
  fs.writeFileSync(path.join(dir, "floor.ts"), `${lines.join("\n")}\n`);
  fs.writeFileSync(path.join(dir, "tsconfig.json"), JSON.stringify({ extends: "../../../tsconfig.json", compilerOptions: { incremental: false }, include: [], files: ["floor.ts"] }));
  return measure(TSC7, ["--noEmit", "-p", dir], { runs, cwd: root });
}

function listTs(dir) {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    return e.isDirectory() ? listTs(full) : e.name.endsWith(".ts") ? [full] : [];
  });
}
