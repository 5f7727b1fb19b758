#!/usr/bin/env node
"use strict";
// Whole-process time and peak memory of `tsc --noEmit`, cold and warm (issue target: < 5 s, < 500 MB)
// and, with --test, of the whole `npm test` (target: < 60 s on 2 cores).
// Uses GNU time (/usr/bin/time -v) for the peak resident set of the process tree's largest process.
// With --floor it also measures the declarations-only floor: a program that imports every
// package the project imports (same compiler options, no project code), i.e. what any
// type-check of this project costs before its own code is checked.
// Usage: node bench/typecheck.js [runs] [--test] [--floor]
const { spawnSync } = require("node:child_process");
const fs = require("node:fs");
const path = require("node:path");
const { report } = require("./stats");

const root = path.join(__dirname, "..");
const runs = Number(process.argv.find((a) => /^\d+$/.test(a)) ?? 3);
const withTests = process.argv.includes("--test");
const withFloor = process.argv.includes("--floor");
if (!fs.existsSync("/usr/bin/time")) {
  console.error("SKIP: /usr/bin/time (GNU time) not found; install the 'time' package");
  process.exit(1);
}

function measure(cmd, args, clean) {
  const wall = [];
  const rss = [];
  for (let i = 0; i < runs; i++) {
    if (clean) clean();
    const start = process.hrtime.bigint();
    const res = spawnSync("/usr/bin/time", ["-v", cmd, ...args], { cwd: root, encoding: "utf8", maxBuffer: 64 << 20 });
    wall.push(Number(process.hrtime.bigint() - start) / 1e6);
    if (res.status !== 0) {
      console.error(res.stdout.slice(-2000), res.stderr.slice(-2000));
      process.exit(1);
    }
    rss.push(Number(/Maximum resident set size \(kbytes\): (\d+)/.exec(res.stderr)[1]) / 1024);
  }
  return { wall, rss };
}

// Cold: no incremental build info, as on a fresh clone.
const cold = () => fs.rmSync(path.join(root, "node_modules/.cache/tsc/tsbuildinfo"), { force: true });
const tscBin = path.join(root, "node_modules/.bin/tsc");
const tsc = measure(tscBin, ["--noEmit", "-p", "."], cold);
// Warm: the incremental cache the cold runs left behind, as on a developer's second run.
if (!fs.existsSync(path.join(root, "node_modules/.cache/tsc/tsbuildinfo"))) {
  console.error("the cold runs left no node_modules/.cache/tsc/tsbuildinfo: is incremental still on in tsconfig.json?");
  process.exit(1);
}
const warm = measure(tscBin, ["--noEmit", "-p", "."]);
const results = {
  "tsc --noEmit cold wall ms": tsc.wall,
  "tsc --noEmit cold peak MB": tsc.rss,
  "tsc --noEmit warm wall ms": warm.wall,
  "tsc --noEmit warm peak MB": warm.rss,
};
if (withFloor) {
  const floor = measureFloor();
  results["declarations floor wall ms"] = floor.wall;
  results["declarations floor peak MB"] = floor.rss;
}
if (withTests) {
  const test = measure("npm", ["test", "--silent"]);
  results["npm test wall ms"] = test.wall;
  results["npm test peak MB (largest process)"] = test.rss;
}
report("Type-check and test suite (whole process)", results);

/** `tsc --noEmit` of one file that imports, type-only, every bare module specifier the project's sources import. */
function measureFloor() {
  const sources = ["lib", "test", "examples"].flatMap((dir) => listTs(path.join(root, dir)));
  const specifiers = new Set();
  for (const file of sources) {
    for (const m of fs.readFileSync(file, "utf8").matchAll(/^(?:import|export)\b[^;]*?\bfrom "([^".$][^"]*)";/gm)) specifiers.add(m[1]);
  }
  // Under node_modules so package resolution is the project's, outside every tsconfig include.
  const dir = path.join(root, "node_modules/.cache/stemguard-bench");
  fs.mkdirSync(dir, { recursive: true });
  const lines = [...specifiers].sort().map((s, i) => `import type * as m${i} from "${s}";\nexport type T${i} = typeof m${i};`);
  fs.writeFileSync(path.join(dir, "floor.ts"), `${lines.join("\n")}\n`);
  fs.writeFileSync(path.join(dir, "tsconfig.json"), JSON.stringify({ extends: "../../../tsconfig.json", compilerOptions: { incremental: false }, include: [], files: ["floor.ts"] }));
  return measure(tscBin, ["--noEmit", "-p", dir]);
}

function listTs(dir) {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    return e.isDirectory() ? listTs(full) : e.name.endsWith(".ts") ? [full] : [];
  });
}
