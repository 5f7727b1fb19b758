#!/usr/bin/env node
"use strict";
// A 10,000-key signing ledger (init, then stage/activate/retire per key:
// 29,998 phases): wall time and peak memory of `rotate status`, `review` of
// one more step, and `rotate stage` through the built CLI. Replay is linear;
// the drill (every phase's env) refuses ledgers above MAX_REPLAYED_PHASES.
// Usage: node bench/ledger-scale.js [keys]   (needs `npm run build` first)
const { spawnSync } = require("node:child_process");
const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");

const keys = Number(process.argv[2] ?? 10000);
const bin = path.join(__dirname, "..", "bin", "stemguard.js");
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "sg-scale-"));

/** The ledger's text, as `stemguard rotate` writes it. */
function ledgerText(n, extraStage) {
  const history = [{ phase: 1, op: "init", keyId: "k0" }];
  for (let i = 1; i < n; i++) {
    for (const [op, id] of [["stage", i], ["activate", i], ["retire", i - 1]]) history.push({ phase: history.length + 1, op, keyId: `k${id}` });
  }
  const list = Array.from({ length: n }, (_, i) => ({ id: `k${i}`, algorithm: "hmac-sha256", state: i === n - 1 ? "active" : "retired" }));
  if (extraStage) {
    history.push({ phase: history.length + 1, op: "stage", keyId: `k${n}` });
    list.push({ id: `k${n}`, algorithm: "hmac-sha256", state: "staged" });
  }
  const rows = (items) => `[\n${items.map((x) => `    ${JSON.stringify(x).replace(/,"/g, ', "').replace(/":/g, '": ')}`).join(",\n")}\n  ]`;
  return `{\n  "schemaVersion": 1,\n  "kind": "stemguard.signing-keyring",\n  "algorithm": "hmac-sha256",\n  "phase": ${history.length},\n  "keys": ${rows(list)},\n  "history": ${rows(history)}\n}\n`;
}

const base = path.join(dir, "base.json");
const head = path.join(dir, "stemguard.rotation.json");
fs.writeFileSync(base, ledgerText(keys, false));
fs.writeFileSync(head, ledgerText(keys, true));
const timeBin = fs.existsSync("/usr/bin/time") ? "/usr/bin/time" : undefined;

function measure(label, args) {
  const started = process.hrtime.bigint();
  const res = timeBin
    ? spawnSync(timeBin, ["-f", "%M", process.execPath, bin, ...args], { cwd: dir, encoding: "utf8", maxBuffer: 1 << 28 })
    : spawnSync(process.execPath, [bin, ...args], { cwd: dir, encoding: "utf8", maxBuffer: 1 << 28 });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const rssKb = timeBin ? Number(res.stderr.trim().split("\n").at(-1)) : NaN;
  const mem = Number.isFinite(rssKb) ? `${(rssKb / 1024).toFixed(0)} MiB` : "n/a (no /usr/bin/time)";
  console.log(`${label.padEnd(28)} exit ${res.status}  ${seconds.toFixed(2)} s  peak RSS ${mem}`);
  if (res.status !== 0 && res.status !== 64) process.exitCode = 1;
  return { seconds, mem, status: res.status };
}

console.log(`ledger: ${keys} keys, ${ledgerText(keys, false).length} bytes`);
const status = measure("rotate status", ["rotate", "status", "--ledger", base]);
const review = measure("review (one more step)", ["review", "--base", base, "--ledger", head]);
const stage = measure("rotate stage", ["rotate", "stage", `k${keys + 1}`, "--ledger", base]);
const drill = measure("drill (refused above limit)", ["drill", "--ledger", base]);
// The README performance row (bench/run.js collects lines starting with "| ").
const fig = (m) => `${m.seconds.toFixed(2)} s, ${m.mem}`;
console.log(
  `| ${keys}-key signing ledger (${3 * keys - 2} phases): \`rotate status\`, \`review\`, \`rotate stage\` | linear replay (status was 23 s, 2.6 GB) | ${fig(status)}; review ${fig(review)}; stage ${fig(stage)}; drill refuses it with exit ${drill.status} (documented limit) | \`node bench/ledger-scale.js ${keys}\` |`,
);
fs.rmSync(dir, { recursive: true, force: true });
