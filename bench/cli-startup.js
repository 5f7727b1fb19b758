#!/usr/bin/env node
"use strict";
// Whole-process timings of CLI commands that must not load cdktf or provider
// packages: `stemguard --help` and `stemguard env check` (issue target < 300 ms).
// Usage: node bench/cli-startup.js [runs]   (builds dist/ first when it is stale)
const { spawnSync } = require("node:child_process");
const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");
const { benchDate, ensureBuild, median, report, row } = require("./stats");

ensureBuild();
const runs = Number(process.argv[2] ?? 15);
const bin = path.join(__dirname, "..", "bin", "stemguard.js");
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "sg-bench-"));
const envFile = path.join(dir, "worker.env");
fs.writeFileSync(
  envFile,
  [
    "STEM_SIGNING_ALGORITHM=hmac-sha256",
    `STEM_SIGNING_KEYS=k1:${Buffer.alloc(32, 1).toString("base64")},k2:${Buffer.alloc(32, 2).toString("base64")}`,
    "STEM_SIGNING_ACTIVE_KEY=k1",
    "",
  ].join("\n"),
  { mode: 0o600 },
);

const commands = {
  "stemguard --help": ["--help"],
  "stemguard env check": ["env", "check", envFile, "--role", "worker"],
  "stemguard rotate status": ["rotate", "status", "--ledger", path.join(__dirname, "..", "examples", "ledgers", "hmac-stage.json")],
};

const results = {};
for (const [name, args] of Object.entries(commands)) {
  const times = [];
  for (let i = 0; i < runs + 1; i++) {
    const start = process.hrtime.bigint();
    const res = spawnSync(process.execPath, [bin, ...args], { encoding: "utf8" });
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    if (res.status !== 0) {
      console.error(`${name} exited ${res.status}: ${res.stderr}`);
      process.exit(1);
    }
    if (i > 0) times.push(ms); // first run warms the page cache
  }
  results[name] = times;
}
fs.rmSync(dir, { recursive: true, force: true });
report("CLI start-up (wall ms, whole process)", results);
const worst = Math.max(...Object.values(results).map(median));
console.log(`target: every median < 300 ms -> ${worst < 300 ? "met" : "NOT met"} (worst median ${worst.toFixed(0)} ms)`);
const ms = (name) => `${median(results[name]).toFixed(0)} ms`;
row("`stemguard --help` start-up", "< 300 ms", `median ${ms("stemguard --help")} wall (${runs} runs, ${benchDate()})`, `node bench/cli-startup.js ${runs}`);
row("`stemguard env check` (HMAC env)", "< 300 ms", `median ${ms("stemguard env check")} wall; \`rotate status\` ${ms("stemguard rotate status")}`, `node bench/cli-startup.js ${runs}`);
