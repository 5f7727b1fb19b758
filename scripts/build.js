#!/usr/bin/env node
"use strict";
// Compiles lib/ and examples/ to dist/ with TypeScript 7 (the native compiler, installed as the
// "typescript7" alias; "typescript" stays 5.9 for typescript-eslint's peer range).
//   --if-stale  build only when a source, tsconfig or package.json is newer than the last build:
//               what `npm run demo` and the root cdktf.json app run first, so a clean clone works
//   --clean     delete dist/ first (prepack: the tarball holds no file of a deleted source)
// Usage: node scripts/build.js [--if-stale] [--clean]
const { spawnSync } = require("node:child_process");
const fs = require("node:fs");
const path = require("node:path");

const root = path.join(__dirname, "..");
const dist = path.join(root, "dist");
const stamp = path.join(dist, ".build-stamp");
const TSC = path.join(root, "node_modules", "typescript7", "bin", "tsc");
const INPUTS = ["lib", "examples", "tsconfig.json", "tsconfig.build.json", "package.json"];

/** Newest modification time (ms) of a file or of the files under a directory. */
function newest(file) {
  const stat = fs.statSync(file, { throwIfNoEntry: false });
  if (!stat) return 0;
  if (!stat.isDirectory()) return stat.mtimeMs;
  return fs.readdirSync(file).reduce((max, name) => Math.max(max, newest(path.join(file, name))), stat.mtimeMs);
}

const args = process.argv.slice(2);
const unknown = args.filter((a) => a !== "--if-stale" && a !== "--clean");
if (unknown.length > 0) {
  console.error(`build: unknown option ${unknown.join(" ")}\nusage: node scripts/build.js [--if-stale] [--clean]`);
  process.exit(64);
}
if (args.includes("--clean")) fs.rmSync(dist, { recursive: true, force: true });
const built = fs.statSync(stamp, { throwIfNoEntry: false });
if (args.includes("--if-stale") && built && INPUTS.every((input) => newest(path.join(root, input)) <= built.mtimeMs)) process.exit(0);
if (!fs.existsSync(TSC)) {
  console.error(`build: ${path.relative(root, TSC)} is missing; run 'npm ci' first`);
  process.exit(2);
}
if (args.includes("--if-stale")) console.error("build: dist/ is missing or older than the sources; compiling with TypeScript 7...");
const started = Date.now();
const res = spawnSync(TSC, ["-p", path.join(root, "tsconfig.build.json")], { cwd: root, stdio: "inherit" });
if (res.status !== 0) process.exit(res.status ?? 2);
fs.writeFileSync(stamp, `${new Date(started).toISOString()}\n`);
// Dated to the start, so a source saved while tsc ran counts as newer than the build.
fs.utimesSync(stamp, new Date(started), new Date(started));
