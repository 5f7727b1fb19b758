#!/usr/bin/env node
"use strict";
// The fleet the scale benchmarks synthesize: the example fleet of `stemguard demo`
// (lib/demo/example-fleet.ts: 3 environments (dev, staging, prod) x (AWS + Kubernetes) x N
// services, one StemSecurity per environment and platform, 9 stacks), every environment's
// signing ledger at the given phase of the example rotation (init k1, stage k2, activate k2,
// retire k1); the Redis and TLS ledgers are the example's.
//
// Usage: node bench/fleet.js <services> <phase 1-4> <outdir>   (synthesizes, prints a summary line)
const path = require("node:path");

const DIST = path.join(__dirname, "..", "dist", "lib");
const ENVIRONMENTS = ["dev", "staging", "prod"];
/** The example rotation's phases, as ledger steps after `init k1`. */
const STEPS = [
  ["stage", "k2"],
  ["activate", "k2"],
  ["retire", "k1"],
];

/** The signing ledger at `phase` (1: k1 active; 2: k2 staged; 3: k2 active, k1 retiring; 4: k1 retired). */
function ledgerAt(phase) {
  const { applyStep, initLedger } = require(path.join(DIST, "core", "keyring", "steps.js"));
  let ledger = initLedger("hmac-sha256", "k1");
  for (const [op, id] of STEPS.slice(0, phase - 1)) ledger = applyStep(ledger, op, id);
  return ledger;
}

/**
 * Builds (does not synthesize) the fleet: writes each environment's ledgers under
 * `<outdir>.ledgers/<env>` and returns the example fleet app; call `.synth()` on the result.
 * `phases` gives each environment's phase (default: every environment at `phase`).
 */
function buildFleetApp({ outdir, services, phase = 1, phases = {} }) {
  const { buildExampleFleetApp } = require(path.join(DIST, "demo", "example-fleet.js"));
  const { exampleFleetLedgers, writeFleetLedgers } = require(path.join(DIST, "demo", "example-fleet-ledgers.js"));
  const { redis, tls } = exampleFleetLedgers().prod;
  const environments = ENVIRONMENTS.map((name) => {
    const ledgerDir = path.join(`${outdir}.ledgers`, name);
    writeFleetLedgers(ledgerDir, { signing: ledgerAt(phases[name] ?? phase), redis, tls });
    return { name, ledgerDir };
  });
  return buildExampleFleetApp({ outdir, environments, services });
}

module.exports = { buildFleetApp, ENVIRONMENTS, ledgerAt };

if (require.main === module) {
  const [servicesArg, phaseArg, outdir] = process.argv.slice(2);
  const services = Number(servicesArg);
  const phase = Number(phaseArg);
  if (!Number.isInteger(services) || services < 4 || ![1, 2, 3, 4].includes(phase) || !outdir) {
    console.error("usage: node bench/fleet.js <services> <phase 1-4> <outdir>");
    process.exit(64);
  }
  const start = process.hrtime.bigint();
  buildFleetApp({ outdir, services, phase }).synth();
  const fs = require("node:fs");
  let resources = 0;
  const stacks = fs.readdirSync(path.join(outdir, "stacks"));
  for (const stack of stacks) {
    const json = JSON.parse(fs.readFileSync(path.join(outdir, "stacks", stack, "cdk.tf.json"), "utf8"));
    for (const blocks of Object.values(json.resource ?? {})) resources += Object.keys(blocks).length;
  }
  console.log(`fleet: ${stacks.length} stacks, ${resources} resources, synth ${(Number(process.hrtime.bigint() - start) / 1e6).toFixed(0)} ms`);
}
