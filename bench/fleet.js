#!/usr/bin/env node
"use strict";
// The fleet the scale benchmarks synthesize: 3 environments (dev, staging, prod) x (AWS +
// Kubernetes) x N services per environment, one cdktf app, one stack per environment and
// platform, every stack rendering the same signing ledger at the given phase of the example
// rotation (init k1, stage k2, activate k2, retire k1).
//
// buildFleetApp() is the one place that knows how an environment is built: today from the
// demo fleets (lib/demo); once StemSecurity exists, only addEnvironment() changes.
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
 * One environment's stacks in `app`: `<env>-aws` (ECS fleet) and `<env>-kubernetes`.
 * StemSecurity replaces this body (one StemSecurity per platform and environment).
 */
function addEnvironment(app, env, { services, ledger }) {
  const { addAwsFleetStack } = require(path.join(DIST, "demo", "aws-fleet.js"));
  const { KubernetesFleetStack } = require(path.join(DIST, "demo", "kubernetes-fleet.js"));
  addAwsFleetStack(app, { stackId: `${env}-aws`, services, ledger });
  new KubernetesFleetStack(app, `${env}-kubernetes`, { services, ledger });
}

/**
 * Builds (does not synthesize) the fleet app. `phases` gives each environment's phase
 * (default: every environment at `phase`).
 */
function buildFleetApp({ outdir, services, phase = 1, phases = {} }) {
  const { App } = require("cdktf");
  const app = new App({ outdir });
  for (const env of ENVIRONMENTS) addEnvironment(app, env, { services, ledger: ledgerAt(phases[env] ?? phase) });
  return app;
}

module.exports = { buildFleetApp, ENVIRONMENTS, ledgerAt };

if (require.main === module) {
  const [servicesArg, phaseArg, outdir] = process.argv.slice(2);
  const services = Number(servicesArg);
  const phase = Number(phaseArg);
  if (!Number.isInteger(services) || services < 1 || ![1, 2, 3, 4].includes(phase) || !outdir) {
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
