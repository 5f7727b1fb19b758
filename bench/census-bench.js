#!/usr/bin/env node
"use strict";
// `stemguard census` over 10k, 100k and 1M stream entries on a real redis-server: wall time and
// peak RSS of the built CLI (`--json`), for the worst case, a backlog where every entry is
// undelivered (the census reads each one; acked history costs one XLEN). Each entry is Stem's
// flat stream fields of one envelope signed with HMAC key k1 by stemguard's signer (distinct
// ids, so the signature of all but the first would not verify: the census does not verify).
// The stream is seeded with `redis-cli --pipe`. Needs `npm run build`, redis-server, redis-cli
// and GNU time.
// Usage: node bench/census-bench.js [sizes...]   (default 10000 100000 1000000)
const { spawn, spawnSync } = require("node:child_process");
const fs = require("node:fs");
const net = require("node:net");
const os = require("node:os");
const path = require("node:path");

const ROOT = path.join(__dirname, "..");
const BIN = path.join(ROOT, "bin", "stemguard.js");
const sizes = process.argv.slice(2).map(Number);
const SIZES = sizes.length > 0 ? sizes : [10_000, 100_000, 1_000_000];

for (const [what, ok] of [
  ["dist/ (run `npm run build`)", fs.existsSync(path.join(ROOT, "dist/lib/core/census/census.js"))],
  ["redis-server", spawnSync("redis-server", ["--version"]).status === 0],
  ["redis-cli", spawnSync("redis-cli", ["--version"]).status === 0],
  ["/usr/bin/time (GNU time)", fs.existsSync("/usr/bin/time")],
]) {
  if (!ok) {
    console.log(`SKIP: ${what} not found; the census benchmark did not run`);
    console.log(`| census of a 10k/100k/1M-entry backlog | bounded memory | SKIP: ${what} not found | \`node bench/census-bench.js\` |`);
    process.exit(0);
  }
}

const { createEnvelope } = require(path.join(ROOT, "dist/lib/core/signing/envelope.js"));
const { signEnvelope } = require(path.join(ROOT, "dist/lib/core/signing/sign.js"));
const { parseStemSigningEnv } = require(path.join(ROOT, "dist/lib/core/stem-env/parse-signing-env.js"));

/** Stem's flat stream fields of one signed envelope, with `%ID%` where the id goes. */
function fieldsTemplate() {
  const config = parseStemSigningEnv({ STEM_SIGNING_KEYS: "k1:c3VwZXItc2VjcmV0LXN1cGVyLXNlY3JldA==", STEM_SIGNING_ACTIVE_KEY: "k1" });
  const e = signEnvelope(createEnvelope({ id: "%ID%", name: "tasks.send_email", args: { to: "user@example.com", template: "welcome" }, enqueuedAt: new Date("2026-12-01T00:00:00Z"), maxRetries: 3, queue: "bench" }), config);
  const json = JSON.parse(e.toJson());
  const text = (v) => (v === null || v === undefined ? "" : typeof v === "string" ? v : typeof v === "number" ? String(v) : JSON.stringify(v));
  return [
    ["id", text(json.id)], ["name", text(json.name)], ["args", JSON.stringify(json.args)], ["headers", JSON.stringify(json.headers)],
    ["enqueuedAt", text(json.enqueuedAt)], ["notBefore", ""], ["priority", "0"], ["attempt", "0"], ["maxRetries", "3"],
    ["visibilityTimeout", ""], ["queue", "bench"], ["meta", "{}"],
  ].flat();
}

const resp = (args) => `*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join("")}`;

/** Pipes `n` XADDs (plus the group, as Stem's consumer creates it) into redis-cli --pipe. */
function seed(port, n, template) {
  return new Promise((resolve, reject) => {
    const cli = spawn("redis-cli", ["-p", String(port), "--pipe"], { stdio: ["pipe", "pipe", "inherit"] });
    let out = "";
    cli.stdout.on("data", (c) => (out += c));
    cli.on("exit", (code) => (code === 0 && /errors: 0/.test(out) ? resolve() : reject(new Error(`redis-cli --pipe: ${out}`))));
    let i = 0;
    const write = () => {
      let ok = true;
      if (i === 0) ok = cli.stdin.write(resp(["FLUSHALL"]) + resp(["XGROUP", "CREATE", "stem:stream:bench", "stem:group:bench", "0", "MKSTREAM"]));
      while (i < n && ok) {
        let chunk = "";
        for (let j = 0; j < 1000 && i < n; j++, i++) {
          const id = `00000000-0000-4000-8000-${String(i).padStart(12, "0")}`;
          chunk += resp(["XADD", "stem:stream:bench", "*", ...template.map((f) => (f === "%ID%" ? id : f))]);
        }
        ok = cli.stdin.write(chunk);
      }
      if (i < n) cli.stdin.once("drain", write);
      else cli.stdin.end();
    };
    write();
  });
}

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

async function main() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "sg-census-bench-"));
  const port = await freePort();
  const server = spawn("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir], { stdio: "ignore" });
  try {
    for (let t = 0; spawnSync("redis-cli", ["-p", String(port), "PING"], { encoding: "utf8" }).stdout.trim() !== "PONG"; t++) {
      if (t > 100) throw new Error("redis-server did not start");
      await new Promise((r) => setTimeout(r, 50));
    }
    const template = fieldsTemplate();
    const results = [];
    for (const n of SIZES) {
      const seeded = process.hrtime.bigint();
      await seed(port, n, template);
      const seedSeconds = Number(process.hrtime.bigint() - seeded) / 1e9;
      const started = process.hrtime.bigint();
      const res = spawnSync("/usr/bin/time", ["-f", "%M", process.execPath, BIN, "census", "--broker", `redis://127.0.0.1:${port}/0`, "--json"], { encoding: "utf8", maxBuffer: 64 << 20 });
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      if (res.status !== 0) throw new Error(`census exited ${res.status}: ${res.stderr}`);
      const report = JSON.parse(res.stdout);
      if (report.live.k1 !== n) throw new Error(`census counted ${report.live.k1} live k1 messages, seeded ${n}`);
      const rssMiB = Number(res.stderr.trim().split("\n").at(-1)) / 1024;
      results.push({ n, seconds, rssMiB, seedSeconds, exhausted: report.dedup.exhausted });
      console.log(`${String(n).padStart(8)} entries: census ${seconds.toFixed(2)} s, peak RSS ${rssMiB.toFixed(0)} MiB (seeded in ${seedSeconds.toFixed(1)} s; dedup bound ${report.dedup.exhausted ? "reached" : "not reached"})`);
    }
    const label = (n) => (n >= 1_000_000 ? `${n / 1_000_000}M` : n >= 1000 ? `${n / 1000}k` : String(n));
    const figures = results.map((r) => `${label(r.n)}: ${r.seconds.toFixed(2)} s, ${r.rssMiB.toFixed(0)} MiB`).join("; ");
    console.log(
      `| \`stemguard census --json\` of a backlog of ${results.map((r) => label(r.n)).join(" / ")} undelivered stream entries (every entry read, pages of 1000; redis-server 7 on the same machine) | bounded memory | ${figures} (1 run each, ${new Date().toISOString().slice(0, 16).replace("T", " ")} UTC, load ${os.loadavg()[0].toFixed(1)}) | \`node bench/census-bench.js\` |`,
    );
  } finally {
    server.kill("SIGTERM");
    await new Promise((r) => server.once("exit", r));
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(`census-bench: ${err.message}`);
  process.exit(1);
});
