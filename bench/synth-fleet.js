#!/usr/bin/env node
"use strict";
// Synthesis of a large Stem fleet from the compiled demo fleets (deep provider
// imports only): wall time of loading the modules and of app.synth(), and the
// process's peak RSS. Targets (README): < 2 s and < 500 MB for 50 services.
// Usage: node bench/synth-fleet.js <platform> [services=50] [runs=1]
//        (builds dist/ first when it is stale)
const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");

const { benchDate, ensureBuild, median, row } = require("./stats");

const DIST = path.join(__dirname, "..", "dist", "lib", "demo");

/**
 * One entry per platform: `load()` requires the compiled example (timed as
 * "load"), `build(module, outdir, services)` returns a cdktf App.
 */
const PLATFORMS = {
  aws: {
    load: () => require(path.join(DIST, "aws-fleet.js")),
    build: (mod, outdir, services) => mod.buildAwsFleetApp({ outdir, services }).app,
  },
  kubernetes: {
    load: () => require(path.join(DIST, "kubernetes-fleet.js")),
    build: (mod, outdir, services) => mod.buildKubernetesFleetApp({ outdir, services }),
  },
};

function usage(message) {
  console.error(`${message}\nusage: node bench/synth-fleet.js <${Object.keys(PLATFORMS).join("|")}> [services=50] [runs=1]`);
  process.exit(64);
}

const [platformName, servicesArg = "50", runsArg = "1"] = process.argv.slice(2);
const platform = PLATFORMS[platformName];
if (!platform) usage(`unknown platform ${JSON.stringify(platformName)}`);
const services = Number(servicesArg);
const runs = Number(runsArg);
if (!Number.isInteger(services) || services < 1 || !Number.isInteger(runs) || runs < 1) usage("services and runs must be whole numbers >= 1");

ensureBuild();

const ms = (start) => Number(process.hrtime.bigint() - start) / 1e6;

const loadStart = process.hrtime.bigint();
let mod;
try {
  mod = platform.load();
} catch (err) {
  console.error(`cannot load the compiled ${platformName} demo fleet: ${err.message}`);
  process.exit(2);
}
const loadMs = ms(loadStart);

const synthMs = [];
let resources = 0;
for (let i = 0; i < runs; i++) {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), "sg-bench-synth-"));
  const start = process.hrtime.bigint();
  platform.build(mod, outdir, services).synth();
  synthMs.push(ms(start));
  if (i === 0) {
    const stackDir = path.join(outdir, "stacks");
    for (const stack of fs.readdirSync(stackDir)) {
      const json = JSON.parse(fs.readFileSync(path.join(stackDir, stack, "cdk.tf.json"), "utf8"));
      for (const blocks of Object.values(json.resource ?? {})) resources += Object.keys(blocks).length;
    }
  }
  fs.rmSync(outdir, { recursive: true, force: true });
}

const sorted = [...synthMs].sort((a, b) => a - b);
const peakMb = process.resourceUsage().maxRSS / 1024; // maxRSS is in kilobytes
console.log(`synth-fleet ${platformName}: ${services} services, ${resources} resources, ${os.cpus().length} cores, node ${process.version}`);
console.log(`  load modules         ${loadMs.toFixed(0).padStart(6)} ms`);
console.log(`  first synth          ${synthMs[0].toFixed(0).padStart(6)} ms`);
if (runs > 1) console.log(`  synth median (n=${runs})  ${sorted[Math.floor(runs / 2)].toFixed(0).padStart(6)} ms`);
console.log(`  load + first synth   ${(loadMs + synthMs[0]).toFixed(0).padStart(6)} ms`);
console.log(`  peak RSS             ${peakMb.toFixed(0).padStart(6)} MB`);
row(
  `synth of a ${services}-service fleet, ${platformName === "aws" ? "AWS" : "Kubernetes"} (${resources} resources)`,
  "< 2 s, < 500 MB",
  `load + first synth ${((loadMs + synthMs[0]) / 1000).toFixed(2)} s (synth median ${(median(synthMs) / 1000).toFixed(2)} s, n=${runs}), ${peakMb.toFixed(0)} MiB (${benchDate()})`,
  `node bench/synth-fleet.js ${platformName} ${services} ${runs}`,
);
