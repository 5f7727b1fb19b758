#!/usr/bin/env node
"use strict";
// `stemguard tls generate` (RSA 4096: CA, server, client; keys made in parallel
// by Node's native crypto, X.509 by node-forge) against the openssl command
// sequence of upstream's generate_tls_assets.sh (genrsa 4096, req -x509 for the
// CA, req -newkey rsa:4096 + x509 -req for server and client, one after the
// other). Runs alternate between the two so machine load hits both alike.
// Usage: node bench/tls-generate.js [runs=7]   (builds dist/ first when it is stale)
const { spawnSync } = require("node:child_process");
const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");
const { benchDate, ensureBuild, median, report, row } = require("./stats");

ensureBuild();
if (spawnSync("openssl", ["version"]).status !== 0) {
  console.log("SKIP: openssl not found on PATH; the tls generate comparison did not run");
  row("`stemguard tls generate` vs the upstream openssl sequence", "ratio", "SKIPPED: openssl not found", "node bench/tls-generate.js");
  process.exit(0);
}
const runs = Number(process.argv[2] ?? 7);
const bin = path.join(__dirname, "..", "bin", "stemguard.js");
const work = fs.mkdtempSync(path.join(os.tmpdir(), "sg-bench-tls-"));
const SANS = "redis.internal,localhost,127.0.0.1";

function run(cmd, args, cwd) {
  const res = spawnSync(cmd, args, { cwd, encoding: "utf8" });
  if (res.status !== 0) {
    console.error(`${cmd} ${args.join(" ")} exited ${res.status}: ${res.stderr}`);
    process.exit(1);
  }
}

function stemguard(dir) {
  run(process.execPath, [bin, "tls", "generate", dir, SANS, "--key-size", "4096"], work);
}

// Mirrors upstream's script: same key sizes, subjects, extensions and signing calls.
function upstreamOpenssl(dir) {
  fs.mkdirSync(dir, { mode: 0o700 });
  const cnf = (eku, san) =>
    [
      "[req]",
      "default_bits = 4096",
      "prompt = no",
      "distinguished_name = dn",
      "[dn]",
      `CN = ${eku === "serverAuth" ? "redis.internal" : "stem-client"}`,
      "[v3_req]",
      "basicConstraints = CA:FALSE",
      `extendedKeyUsage = ${eku}`,
      ...(san ? ["subjectAltName = @alt_names", "[alt_names]", ...SANS.split(",").map((n, i) => `DNS.${i + 1} = ${n}`)] : []),
      "",
    ].join("\n");
  fs.writeFileSync(path.join(dir, "server.cnf"), cnf("serverAuth", true));
  fs.writeFileSync(path.join(dir, "client.cnf"), cnf("clientAuth", false));
  run("openssl", ["genrsa", "-out", "ca.key", "4096"], dir);
  run("openssl", ["req", "-x509", "-new", "-nodes", "-key", "ca.key", "-sha256", "-days", "365", "-subj", "/CN=redis.internal-ca", "-out", "ca.crt"], dir);
  for (const leaf of ["server", "client"]) {
    run("openssl", ["req", "-new", "-nodes", "-newkey", "rsa:4096", "-keyout", `${leaf}.key`, "-out", `${leaf}.csr`, "-config", `${leaf}.cnf`], dir);
    run(
      "openssl",
      ["x509", "-req", "-in", `${leaf}.csr`, "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial", "-out", `${leaf}.crt`, "-days", "365", "-sha256", "-extensions", "v3_req", "-extfile", `${leaf}.cnf`],
      dir,
    );
  }
}

function timed(fn, dir) {
  const start = process.hrtime.bigint();
  fn(dir);
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  fs.rmSync(dir, { recursive: true, force: true });
  return ms;
}

const results = { "stemguard tls generate": [], "openssl (upstream sequence)": [] };
const contenders = [
  ["stemguard tls generate", stemguard],
  ["openssl (upstream sequence)", upstreamOpenssl],
];
for (let i = 0; i < runs; i++) {
  const order = i % 2 === 0 ? contenders : [...contenders].reverse();
  for (const [name, fn] of order) results[name].push(timed(fn, path.join(work, `${i}-${name.split(" ")[0]}`)));
}
fs.rmSync(work, { recursive: true, force: true });
report("TLS bundle generation, RSA 4096 x3 (wall ms, whole process)", results);
const ours = median(results["stemguard tls generate"]);
const theirs = median(results["openssl (upstream sequence)"]);
console.log(`ratio stemguard / openssl (medians): ${(ours / theirs).toFixed(2)}`);
row(
  "`stemguard tls generate` vs the upstream openssl sequence (RSA 4096 x3, CA + server + client)",
  "ratio",
  `medians ${ours.toFixed(0)} ms vs ${theirs.toFixed(0)} ms: **ratio ${(ours / theirs).toFixed(2)}** (${runs} runs each, alternating, ${benchDate()}, load ${require("node:os").loadavg()[0].toFixed(1)})`,
  `node bench/tls-generate.js ${runs}`,
);
