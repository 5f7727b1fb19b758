// The example fleet `stemguard demo` synthesizes last: 3 environments x (AWS + Kubernetes) x 20
// services, one StemSecurity per environment and platform, each environment its own ledger
// directory. The full fleet is synthesized twice (the demo's phases, and staging one step further,
// for the review); the two-step refusal uses a 4-service instance.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { main } from "../../lib/cli/main";
import { readLedgerFile, serializeLedger } from "../../lib/core/keyring/ledger-file";
import { readRedisLedgerFile, redisWalk } from "../../lib/core/redis/ledger-file";
import { readTlsLedgerFile } from "../../lib/core/tls/ca-ledger-file";
import {
  buildExampleFleetApp,
  buildFleetPhaseReport,
  EXAMPLE_FLEET_ENVIRONMENTS,
  exampleFleetLedgers,
  exampleRotationAt,
  formatFleetPhaseReport,
  summarizeExampleFleet,
  writeFleetLedgers,
  type ExampleFleetApp,
  type ExampleFleetLedgers,
} from "../../lib/demo";
import { findLeaks, markerDocument, markerMaterial } from "../aws/markers";
import { findPasswordLeaks, markerPassword } from "../aws/redis-markers";
import { fakeIo } from "../support/fake-io";

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
type FleetLedgers = Record<(typeof EXAMPLE_FLEET_ENVIRONMENTS)[number], ExampleFleetLedgers>;

const root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "sg-fleet-")));
const keys = ["k1", "k2"].map((id) => markerMaterial("hmac-sha256", id));
const passwords = ["pw1", "census"].map(markerPassword);
const savedEnv = { ...process.env };

/** Writes the environments' ledgers under `<root>/<name>/envs/` and synthesizes the fleet into `<root>/<name>/cdktf.out`. */
function synthFleet(name: string, ledgers: FleetLedgers, services?: number): { fleet: ExampleFleetApp; out: string } {
  const environments = EXAMPLE_FLEET_ENVIRONMENTS.map((env) => {
    const ledgerDir = path.join(root, name, "envs", env);
    writeFleetLedgers(ledgerDir, ledgers[env]);
    return { name: env, ledgerDir };
  });
  const out = path.join(root, name, "cdktf.out");
  const fleet = buildExampleFleetApp({ outdir: out, environments, ...(services ? { services } : {}) });
  fleet.synth();
  return { fleet, out };
}

const stackJson = (out: string, stack: string): Json => JSON.parse(fs.readFileSync(path.join(out, "stacks", stack, "cdk.tf.json"), "utf8"));
const count = (json: Json, type: string) => Object.keys(json.resource?.[type] ?? {}).length;

let base: ReturnType<typeof synthFleet>;
beforeAll(() => {
  // Marker material in every input a phase could read, so the leak test sees it if anything copies it.
  for (const env of EXAMPLE_FLEET_ENVIRONMENTS) {
    for (const k of keys) process.env[`TF_VAR_stem_${env}_signing_key_${k.id}`] = markerDocument(k);
    process.env[`TF_VAR_stem_${env}_redis_password_pw1`] = passwords[0];
    process.env[`TF_VAR_stem_${env}_redis_census_password_census`] = passwords[1];
    process.env[`TF_VAR_stem_${env}_census_broker_url`] = `rediss://stem-census:${passwords[1]}@redis.internal:6379/0`;
  }
  base = synthFleet("base", exampleFleetLedgers());
});
afterAll(() => {
  process.env = savedEnv;
  fs.rmSync(root, { recursive: true, force: true });
});

test("3 environments x (AWS + Kubernetes) x 20 services: 9 stacks, 120 Stem services, each bound by its environment's StemSecurity", () => {
  const manifest = JSON.parse(fs.readFileSync(path.join(base.out, "manifest.json"), "utf8")) as Json;
  const stacks = EXAMPLE_FLEET_ENVIRONMENTS.flatMap((env) => [`${env}-aws`, `${env}-kubernetes`, `${env}-kubernetes-alarms`]);
  expect(Object.keys(manifest.stacks).sort()).toEqual([...stacks].sort());
  expect(base.fleet.workloads.map((w) => w.role).reduce<Record<string, number>>((n, r) => ({ ...n, [r]: (n[r] ?? 0) + 1 }), {})).toEqual({ producer: 2, worker: 17, beat: 1 });
  let services = 0;
  for (const env of EXAMPLE_FLEET_ENVIRONMENTS) {
    const aws = stackJson(base.out, `${env}-aws`);
    const k8s = stackJson(base.out, `${env}-kubernetes`);
    // Besides the 20 services: the census and scan task definitions on AWS, the census exporter on Kubernetes.
    expect([count(aws, "aws_ecs_service"), count(aws, "aws_ecs_task_definition"), count(k8s, "kubernetes_deployment_v1")]).toEqual([20, 22, 21]);
    expect(count(stackJson(base.out, `${env}-kubernetes-alarms`), "kubernetes_manifest")).toBe(1);
    const own = (resources: Json) => Object.entries(resources).filter(([address]) => !address.startsWith("Security_")).map(([, r]) => r as Json);
    const tasks = own(aws.resource.aws_ecs_task_definition);
    const deployments = own(k8s.resource.kubernetes_deployment_v1);
    expect([tasks.length, deployments.length]).toEqual([20, 20]);
    services += count(aws, "aws_ecs_service") + deployments.length;
    // Every container carries its environment's revision: bind wired all 20 of them.
    const revisions = tasks.map((t) => (JSON.parse(t.container_definitions) as Json[])[0].environment.find((e: Json) => e.name === "STEMGUARD_KEYRING_REVISION")?.value);
    const pods = deployments.map((d) => d.spec.template.metadata.annotations["stemguard.io/keyring-revision"]);
    const phase = String(readLedgerFile(path.join(root, "base", "envs", env, "stemguard.rotation.json")).phase);
    expect(new Set([...revisions, ...pods])).toEqual(new Set([phase]));
  }
  expect(services).toBe(120);
});

test("each environment's stacks render the phase its ledger directory says: dev at activate k2, staging at stage k2, prod at init k1", () => {
  const seen: Record<string, unknown> = {};
  for (const env of base.fleet.environments) {
    const signing = readLedgerFile(path.join(env.ledgerDir, "stemguard.rotation.json"));
    const redis = readRedisLedgerFile(path.join(env.ledgerDir, "stemguard.redis.json"));
    const tls = readTlsLedgerFile(path.join(env.ledgerDir, "stemguard.tls.json"));
    for (const platform of ["aws", "kubernetes"] as const) {
      const summary = env[platform].security.summary();
      expect(summary.signing).toMatchObject({ phase: signing.phase, step: `${signing.history.at(-1)!.op} ${signing.history.at(-1)!.keyId}` });
      expect(summary.signing.revisions).toEqual({ producer: signing.phase, worker: signing.phase, beat: signing.phase });
      expect(summary.redis).toMatchObject({ step: redisWalk(redis).at(-1)!.step, mode: "tls-only", activePassword: "pw1" });
      expect(summary.workloads).toHaveLength(20);
      // What the review reads: the ledger recorded in the stack's "//" block.
      const marked = (stackJson(base.out, env[platform].stack.node.id)["//"].stemguard.constructs as Json[]).find((c) => c.family === "signing-keyring");
      expect(marked!.ledger.phase).toBe(signing.phase);
    }
    expect(env.aws.security.summary().tls).toBeUndefined(); // ElastiCache: Amazon's certificate
    expect(env.kubernetes.security.summary().tls).toEqual({ revision: tls.phase });
    seen[env.name] = env.aws.security.summary().signing.step;
  }
  expect(seen).toEqual({ dev: "activate k2", staging: "stage k2", prod: "init k1" });
});

test("the phase report: prod one step behind staging, staging one behind dev; a ledger edited after the synth shows as a mismatch", () => {
  const report = buildFleetPhaseReport(summarizeExampleFleet(base.fleet));
  const signing = report.ledgers.find((l) => l.kind === "signing")!;
  expect(signing.rows.map((r) => [r.environment, r.phase, r.step, r.position])).toEqual([
    ["dev", 3, "activate k2", { relation: "first", steps: 0 }],
    ["staging", 2, "stage k2", { relation: "behind", of: "dev", steps: 1, next: ["activate k2"] }],
    ["prod", 1, "init k1", { relation: "behind", of: "staging", steps: 1, next: ["stage k2"] }],
  ]);
  expect(report.ledgers.filter((l) => l.kind !== "signing").flatMap((l) => l.rows.slice(1).map((r) => r.position.relation))).toEqual(["level", "level", "level", "level"]);
  expect(report.ledgers.flatMap((l) => l.rows.flatMap((r) => r.mismatches))).toEqual([]);
  expect(report.stacks.find((s) => s.stack === "prod-aws")).toMatchObject({ workloads: { producer: 2, worker: 17, beat: 1 }, rollout: { STEMGUARD_KEYRING_REVISION: { producer: "1", worker: "1", beat: "1" } } });
  const text = formatFleetPhaseReport(report);
  expect(text).toMatch(/^ {2}prod {5}phase 1 {2}init k1 .* 1 step behind staging: next stage k2$/m);
  expect(text).toMatch(/^ {2}staging {2}phase 2 {2}stage k2 .* 1 step behind dev: next activate k2$/m);

  // staging's file moves on, its synthesized stacks do not: the report says so instead of trusting either.
  const file = path.join(root, "base", "envs", "staging", "stemguard.rotation.json");
  const before = fs.readFileSync(file, "utf8");
  try {
    fs.writeFileSync(file, serializeLedger(exampleRotationAt("hmac-sha256", 2)));
    const stale = buildFleetPhaseReport(summarizeExampleFleet(base.fleet)).ledgers[0].rows[1];
    expect(stale.mismatches).toEqual(["staging-aws renders phase 2, step stage k2", "staging-kubernetes renders phase 2, step stage k2"]);
    expect(formatFleetPhaseReport(buildFleetPhaseReport(summarizeExampleFleet(base.fleet)))).toContain("level with dev; MISMATCH: staging-aws renders phase 2, step stage k2, synthesize again");
  } finally {
    fs.writeFileSync(file, before);
  }
});

test("stemguard review of two fleet synths: staging one step further passes; staging and prod each a step further fails", async () => {
  const ledgers = exampleFleetLedgers();
  const head = synthFleet("head", { ...ledgers, staging: { ...ledgers.staging, signing: exampleRotationAt("hmac-sha256", 2) } });
  const io = fakeIo(root);
  const code = await main(["review", "--base", base.out, "--head", head.out, "--json"], io);
  const review = JSON.parse(io.out()) as Json;
  expect([code, review.ok, review.steps]).toEqual([0, true, [expect.stringContaining("activate")]]);
  const changed = (review.stacks as Json[]).filter((s) => Object.values(s.counts as Record<string, number>).some((n) => n > 0)).map((s) => s.name);
  // The alarms follow the rotation too (a retiring key is named in their descriptions).
  expect(changed.sort()).toEqual(["staging-aws", "staging-kubernetes", "staging-kubernetes-alarms"]);

  // Two environments each taking a different step: two steps in one pull request (a smaller fleet: the rule is the same).
  const small = synthFleet("small-base", ledgers, 4);
  const twoSteps = synthFleet("small-head", { ...ledgers, staging: { ...ledgers.staging, signing: exampleRotationAt("hmac-sha256", 2) }, prod: { ...ledgers.prod, signing: exampleRotationAt("hmac-sha256", 1) } }, 4);
  const io2 = fakeIo(root);
  expect(await main(["review", "--base", small.out, "--head", twoSteps.out], io2)).toBe(1);
  expect(io2.out()).toMatch(/2 ledger steps in one pull request/);
});

test("no material in the fleet's synth, its ledger directories, the summaries or the phase report", () => {
  const written = fs
    .readdirSync(path.join(root, "base"), { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => fs.readFileSync(path.join(e.parentPath, e.name), "utf8"))
    .join("\n");
  expect(written).toContain("stem_prod_signing_key_k1"); // the search read the real output
  const inputs = summarizeExampleFleet(base.fleet);
  for (const text of [written, JSON.stringify(inputs), JSON.stringify(buildFleetPhaseReport(inputs)), formatFleetPhaseReport(buildFleetPhaseReport(inputs))]) {
    expect(findLeaks(text, keys)).toEqual([]);
    expect(findPasswordLeaks(text, passwords)).toEqual([]);
    expect(text).not.toContain("MARKER");
  }
});

test.each([
  [["--fleet-services", "3"], /--fleet-services: must be a whole number from 4 to 500/],
  [["--fleet-ledgers", "/proc/x"], /--fleet-ledgers: refusing to write under \/proc/],
])("demo %j is refused with exit 64 before any synth", async (args, message) => {
  const io = fakeIo(root);
  expect(await main(["demo", "--quiet", "--out", path.join(root, "refused"), ...args], io)).toBe(64);
  expect(io.err()).toMatch(message);
  expect(io.err()).not.toMatch(/synthesizing/);
});
