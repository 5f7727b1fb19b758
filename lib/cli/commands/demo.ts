import * as fs from "node:fs";
import * as path from "node:path";
import { makeOutputDirectory } from "../../core/fs/atomic-write";
import { StemguardError } from "../../core/errors";
import { type SigningAlgorithm, type SigningLedger } from "../../core/keyring/types";
import type { PhaseReportEntry } from "../../review/phase-report";
import type { TerraformJson } from "../../review/synth-diff";
import { ALGORITHM_FLAG_HELP, parseAlgorithmFlag } from "../flags";
import type { RegisterCommand } from "./index";

/** The embedded example rotation: init k1, stage k2, activate k2, retire k1. */
function exampleRotation(algorithm: SigningAlgorithm): SigningLedger[] {
  const { applyStep, initLedger } = require("../../core/keyring/steps") as typeof import("../../core/keyring/steps");
  const ledgers = [initLedger(algorithm, "k1")];
  for (const [op, id] of [["stage", "k2"], ["activate", "k2"], ["retire", "k1"]] as const) ledgers.push(applyStep(ledgers.at(-1)!, op, id));
  return ledgers;
}

/**
 * The example fleet: each environment's ledgers written to `<root>/envs/<env>/` (or kept in
 * `keptLedgers/<env>/`, the example's written where missing), every
 * environment and platform synthesized into `<root>/cdktf.out` (one app), and its phase report.
 */
function synthesizeFleet(root: string, keptLedgers: string | undefined, algorithm: SigningAlgorithm, services: number, io: { stderr(text: string): void }) {
  const { EXAMPLE_FLEET_ENVIRONMENTS, exampleFleetLedgers, writeFleetLedgers } = require("../../demo/example-fleet-ledgers") as typeof import("../../demo/example-fleet-ledgers");
  const { buildExampleFleetApp, summarizeExampleFleet } = require("../../demo/example-fleet") as typeof import("../../demo/example-fleet");
  const { buildFleetPhaseReport } = require("../../demo/fleet-phase-report") as typeof import("../../demo/fleet-phase-report");
  const started = Date.now();
  io.stderr(`synthesizing the fleet (${EXAMPLE_FLEET_ENVIRONMENTS.join(", ")} x AWS + Kubernetes x ${services} services)...\n`);
  const ledgerRoot = keptLedgers ?? path.join(root, "envs");
  const ledgers = exampleFleetLedgers(algorithm);
  const ledgerDirs: Record<string, string> = {};
  for (const env of EXAMPLE_FLEET_ENVIRONMENTS) {
    ledgerDirs[env] = path.join(ledgerRoot, env);
    writeFleetLedgers(ledgerDirs[env], ledgers[env], { keepExisting: keptLedgers !== undefined });
  }
  const out = path.join(root, "cdktf.out");
  makeOutputDirectory(out, "--out");
  const fleet = buildExampleFleetApp({ outdir: out, services, environments: EXAMPLE_FLEET_ENVIRONMENTS.map((name) => ({ name, ledgerDir: ledgerDirs[name] })) });
  fleet.synth();
  const stacks = fleet.environments.length * 3;
  return { out, ledgerRoot, ledgerDirs, stacks, report: buildFleetPhaseReport(summarizeExampleFleet(fleet)), seconds: ((Date.now() - started) / 1000).toFixed(1) };
}

export const registerDemo: RegisterCommand = (program, io) => {
  program
    .command("demo")
    .description("Synthesize the example AWS and Kubernetes fleets for every phase of an example rotation, then the example fleet of three environments at different phases, and print the phase reports. No cloud account needed.")
    .option("--algorithm <name>", `${ALGORITHM_FLAG_HELP} (the example keyring's)`, parseAlgorithmFlag, "hmac-sha256" as SigningAlgorithm)
    .option("--services <n>", "worker services per fleet", "3")
    .option("--fleet-services <n>", "Stem services per environment and platform in the example fleet (2 producers, beat, the rest workers)", "20")
    .option("--fleet-ledgers <dir>", "read the fleet's environments' ledgers from DIR/<environment>/, writing the example's where a file is missing (default: OUT/fleet/envs, rewritten each run)")
    .option("--out <dir>", "where the synthesized stacks go", "cdktf.out/demo")
    .option("--redis", "walk the Redis ledger instead (AWS fleet with ElastiCache: plain -> dual -> first password -> clients-tls -> tls-only, then a password rotation)")
    .option("--quiet", "print only the summary line of each phase")
    .option("--json", "print the report as JSON")
    .addHelpText(
      "after",
      `
Each phase is what one pull request would contain: the ledger step, whether it
is legal, which roles roll, and the Terraform blocks that change on each platform.
Then the rotation drill signs and verifies test envelopes across all phases.
Last, the example fleet: dev, staging and prod, each on AWS and Kubernetes
with one StemSecurity per platform reading the environment's own ledger
directory (written under OUT/fleet/envs/), prod one step of the rotation
behind staging and staging one behind dev; its report shows each
environment's phase per ledger and what rolls each stack's workloads. With
--fleet-ledgers DIR the ledgers persist: take a step with
'stemguard rotate ... --ledger DIR/staging/stemguard.rotation.json', run the
demo again into another --out and review the two fleet synths.
With --redis: every phase of switching Stem to rediss:// on ElastiCache and
rotating its password, on the AWS fleet (the signing keyring stays at k1).

Example:
  $ stemguard demo --algorithm ed25519 --out /tmp/stemguard-demo`,
    )
    .action((opts: { algorithm: SigningAlgorithm; services: string; fleetServices: string; fleetLedgers?: string; out: string; redis?: boolean; quiet?: boolean; json?: boolean }) => {
      const services = Number(opts.services);
      if (!Number.isInteger(services) || services < 1 || services > 500) {
        throw new StemguardError("must be a whole number from 1 to 500", { field: "--services", value: opts.services, fix: "pass e.g. --services 3" });
      }
      const fleetServices = Number(opts.fleetServices);
      if (!Number.isInteger(fleetServices) || fleetServices < 4 || fleetServices > 500) {
        throw new StemguardError("must be a whole number from 4 to 500 (2 producers, beat and at least one worker pool)", { field: "--fleet-services", value: opts.fleetServices, fix: "pass e.g. --fleet-services 20" });
      }
      // Synthesizing loads cdktf and the providers: only this command pays for it.
      const { addAwsFleetStack, buildAwsFleetApp } = require("../../demo/aws-fleet") as typeof import("../../demo/aws-fleet");
      const { buildKubernetesFleetApp, KUBERNETES_FLEET_STACK_ID } = require("../../demo/kubernetes-fleet") as typeof import("../../demo/kubernetes-fleet");
      const { buildPhaseReport, formatPhaseReport } = require("../../review/phase-report") as typeof import("../../review/phase-report");
      const { describeDrain, runRotationDrill } = require("../../core/drill/rotation-drill") as typeof import("../../core/drill/rotation-drill");

      const ledgers = exampleRotation(opts.algorithm);
      const outRoot = path.resolve(io.cwd, opts.out);
      // Before any synth: a bad --out is a usage error, never a spinning write under /proc.
      makeOutputDirectory(outRoot, "--out");
      if (opts.fleetLedgers !== undefined) makeOutputDirectory(path.resolve(io.cwd, opts.fleetLedgers), "--fleet-ledgers");
      const readStack = (outdir: string, stackId: string): TerraformJson =>
        JSON.parse(fs.readFileSync(path.join(outdir, "stacks", stackId, "cdk.tf.json"), "utf8")) as TerraformJson;
      const started = Date.now();
      const text = (report: readonly PhaseReportEntry[]) =>
        opts.quiet
          ? report.map((e) => `phase ${e.phase}: ${e.step} (${e.legal ? "legal" : "ILLEGAL"}): ${Object.entries(e.changes).map(([p, c]) => `${p} ${c.length} changes`).join(", ")}`).join("\n")
          : formatPhaseReport(report);
      if (opts.redis) {
        const { buildRedisPhaseReport, exampleRedisWalk } = require("../../demo/redis-walk") as typeof import("../../demo/redis-walk");
        const walk = exampleRedisWalk();
        const report = buildRedisPhaseReport(walk, (ledger) => {
          const n = walk.findIndex((w) => w.ledger === ledger) + 1;
          io.stderr(`synthesizing Redis phase ${n}/${walk.length} (${walk[n - 1].command.replace(/^stemguard redis /, "")})...\n`);
          const awsDir = path.join(outRoot, `redis-phase-${n}`, "aws");
          makeOutputDirectory(awsDir, "--out");
          // Without Terraform on PATH too: cdktf's own validation of the stored password copies runs `terraform version`.
          const { App } = require("cdktf") as typeof import("cdktf");
          const { validateThenSynth } = require("../../demo/validate-then-synth") as typeof import("../../demo/validate-then-synth");
          const app = new App({ outdir: awsDir, skipValidation: true, stackTraces: false });
          const aws = addAwsFleetStack(app, { ledger: ledgers[0], services, redis: ledger });
          validateThenSynth(app, "the Redis demo fleet");
          return { aws: readStack(awsDir, aws.stack.node.id) };
        });
        const seconds = ((Date.now() - started) / 1000).toFixed(1);
        if (opts.json) {
          io.stdout(`${JSON.stringify({ redis: true, services, out: outRoot, phases: report })}\n`);
          return;
        }
        io.stdout(
          `stemguard demo --redis: AWS (ECS) fleet with ${services} worker services and its ElastiCache Redis; the role secrets carry the Redis URLs\n\n${text(report)}\n\n` +
            `synthesized ${walk.length} stacks into ${path.relative(io.cwd, outRoot) || "."} in ${seconds} s\n`,
        );
        return;
      }
      const report = buildPhaseReport(ledgers, (ledger) => {
        io.stderr(`synthesizing phase ${ledger.phase}/${ledgers.length} (${ledger.history.at(-1)!.op} ${ledger.history.at(-1)!.keyId})...\n`);
        const awsDir = path.join(outRoot, `phase-${ledger.phase}`, "aws");
        const k8sDir = path.join(outRoot, `phase-${ledger.phase}`, "kubernetes");
        for (const dir of [awsDir, k8sDir]) makeOutputDirectory(dir, "--out");
        const aws = buildAwsFleetApp({ outdir: awsDir, ledger, services });
        aws.app.synth();
        buildKubernetesFleetApp({ outdir: k8sDir, ledger, services }).synth();
        return { aws: readStack(awsDir, aws.stack.node.id), kubernetes: readStack(k8sDir, KUBERNETES_FLEET_STACK_ID) };
      });
      const drill = runRotationDrill(ledgers.at(-1)!);
      const seconds = ((Date.now() - started) / 1000).toFixed(1);
      const fleetLedgers = opts.fleetLedgers === undefined ? undefined : path.resolve(io.cwd, opts.fleetLedgers);
      const fleet = synthesizeFleet(path.join(outRoot, "fleet"), fleetLedgers, opts.algorithm, fleetServices, io);
      const shown = (p: string) => path.relative(io.cwd, p) || ".";
      if (opts.json) {
        io.stdout(`${JSON.stringify({ algorithm: opts.algorithm, services, out: outRoot, phases: report, drill, fleet: { services: fleetServices, out: fleet.out, ledgerDirs: fleet.ledgerDirs, stacks: fleet.stacks, report: fleet.report } })}\n`);
        return;
      }
      const { formatFleetPhaseReport } = require("../../demo/fleet-phase-report") as typeof import("../../demo/fleet-phase-report");
      const fleetText = opts.quiet
        ? fleet.report.ledgers.flatMap((l) => l.rows.map((r) => `fleet ${r.environment}: ${l.kind} phase ${r.phase} (${r.step})${r.position.relation === "behind" ? `, ${r.position.steps} behind ${r.position.of}` : ""}`)).join("\n")
        : formatFleetPhaseReport(fleet.report);
      io.stdout(
        `stemguard demo: ${opts.algorithm} keyring, AWS (ECS) and Kubernetes fleets with ${services} worker services each\n\n${text(report)}\n\n` +
          `drill: ${drill.phases} phases, ${drill.checks} sign/verify checks, ${drill.failures.length} dropped messages\n` +
          drill.drains.map((d) => `drain: ${describeDrain(d)}\n`).join("") +
          `\nsynthesized ${ledgers.length * 2} stacks into ${shown(outRoot)} in ${seconds} s\n` +
          `\nfleet: ${fleet.report.environments.join(" -> ")}, each on AWS and Kubernetes with ${fleetServices} Stem services (2 producers, ${fleetServices - 3} worker pools, beat)\n` +
          `ledgers: ${shown(path.join(fleet.ledgerRoot, "<environment>"))}/, read by one StemSecurity per environment and platform\n\n` +
          `${fleetText}\n\n` +
          `synthesized ${fleet.stacks} stacks into ${shown(fleet.out)} in ${fleet.seconds} s\n`,
      );
    });
};
