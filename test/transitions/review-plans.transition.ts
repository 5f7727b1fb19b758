// `stemguard review` on real `terraform show -json` plans of the AWS provider mirror: the AWS
// unsafe cases and reverts of the synth-pair tests (test/review/change-review.test.ts), and the
// ElastiCache Redis replaces (test/review/plan-redaction.test.ts), get the same verdict from plans. Every case is one child module of one root: the base root (each
// module at its base) is converged into an offline state once (test/support/offline-state.ts),
// then the head root (each module at its head) is planned against it once, and each module's
// slice of the two plans is reviewed with the stack JSON it was planned from.
import * as fs from "node:fs";
import * as path from "node:path";
import { generateTlsBundle } from "../../lib/core/tls/generate";
import type { TlsBundle } from "../../lib/core/tls/types";
import { reviewPlanPair, reviewSynthPair } from "../../lib/review/change/review-inputs";
import type { ChangeReview } from "../../lib/review/change/review-changes";
import { markerDocument, markerMaterial } from "../aws/markers";
import { markerPassword } from "../aws/redis-markers";
import { redisStackJson } from "../aws/redis-stack";
import { AWS_WALK_STEPS, walkLedgers } from "../aws/redis-walk";
import { convergeState, openTransitionWorkdir, planAgainst, replaceEphemeralReads, type PhaseConfig, type PlanJson } from "../support/offline-state";
import { composeModules, describeWithTerraform, SharedProvider, TerraformWorkdir } from "../support/terraform";
import { firstLedgers, signingPhases, synthApps, tlsPhases, type AppLedgers, type AppVariant } from "../review/support/review-apps";

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- hand edits reach into untyped JSON
type Json = Record<string, any>;

const sig = signingPhases();
/** The ElastiCache Redis (StemRedis) with a keyring wired to it, at tls clients-tls with password pw1. */
const redisAt = walkLedgers(AWS_WALK_STEPS).find((w) => w.step === "tls clients-tls")!.ledger;
const first = firstLedgers();
const at = (over: Partial<AppLedgers>): AppLedgers => ({ ...first, ...over });
const dirs: string[] = [];

function awsStack(ledgers: AppLedgers, variant: AppVariant = {}): Json {
  const dir = synthApps(ledgers, { ...variant, stacks: ["aws"] });
  dirs.push(dir);
  return JSON.parse(fs.readFileSync(path.join(dir, "stacks/stem-aws/cdk.tf.json"), "utf8"));
}
const markerOf = (json: Json) => json["//"].stemguard.constructs.find((c: { path: string }) => c.path === "stem-aws/Signing");
/** The stack with the keyring's recorded ledger taken from `other` (a stale synth: ledger bumped, resources not). */
const withLedgerOf = (json: Json, other: Json) => {
  markerOf(json).ledger = markerOf(other).ledger;
  return json;
};

interface Case {
  readonly module: string;
  readonly base: () => Json;
  readonly head: () => Json;
  /** The finding rules the review must report (empty: safe). */
  readonly rules: readonly string[];
}

const CASES: readonly Case[] = [
  { module: "legal_stage", base: () => awsStack(first), head: () => awsStack(at({ signing: sig[1] })), rules: [] },
  { module: "rename", base: () => awsStack(first), head: () => awsStack(first, { awsKeyringId: "SigningKeyring" }), rules: ["construct-id", "unexplained-destroy"] },
  { module: "stale_stage", base: () => awsStack(first), head: () => withLedgerOf(awsStack(first), awsStack(at({ signing: sig[1] }))), rules: ["step-diff"] },
  { module: "two_steps", base: () => awsStack(first), head: () => awsStack(at({ signing: sig[1], tls: tlsPhases()[1] })), rules: ["steps"] },
  { module: "drop_role", base: () => awsStack(first), head: () => awsStack(first, { awsRoles: ["worker"] }), rules: ["unexplained-destroy"] },
  { module: "no_keyring", base: () => awsStack(first), head: () => awsStack(first, { withoutAwsKeyring: true }), rules: ["construct-removed", "unexplained-destroy"] },
  {
    module: "hand_edit",
    base: () => awsStack(first),
    head: () => {
      const json = awsStack(first);
      markerOf(json).ledger.keys[0].state = "retiring";
      return json;
    },
    rules: ["ledger"],
  },
  { module: "prefix", base: () => awsStack(first), head: () => awsStack(first, { awsNamePrefix: "stem/signing2" }), rules: ["name-prefix", "unexplained-destroy"] },
  // The ElastiCache Redis: a changed construct id (every object destroyed and created again) and a new port (a replace).
  { module: "redis_rename", base: () => redisStackJson(redisAt), head: () => redisStackJson(redisAt, {}, { redisId: "Cache" }), rules: ["construct-id", "unexplained-destroy"] },
  { module: "redis_port", base: () => redisStackJson(redisAt), head: () => redisStackJson(redisAt, { port: 6380 }), rules: ["unexplained-destroy"] },
  // git revert of the last step's pull request: stage k2 withdrawn (safe), retire k1 undone (the engine refuses it).
  { module: "revert_stage", base: () => awsStack(at({ signing: sig[1] })), head: () => awsStack(first), rules: [] },
  { module: "revert_retire", base: () => awsStack(at({ signing: sig[3] })), head: () => awsStack(at({ signing: sig[2] })), rules: ["ledger", "unexplained-destroy"] },
];

const verdictOf = (r: ChangeReview) => ({ ok: r.ok, rules: [...new Set(r.findings.map((f) => f.rule))].sort() });

describeWithTerraform("stemguard review of real plans: the AWS cases get the synth pairs' verdicts", (tooling) => {
  let workdir: TerraformWorkdir;
  let provider: SharedProvider | undefined;
  let tls: TlsBundle;
  const stacks = CASES.map((c) => ({ module: c.module, base: c.base(), head: c.head() }));
  let basePlan: PlanJson;
  let headPlan: PlanJson;

  /** The test copy of a stack (ephemeral reads as variables) and a value for every input it declares. */
  function moduleOf(module: string, stack: Json) {
    const material = (id: string) => markerDocument(markerMaterial("hmac-sha256", id));
    const replaced = replaceEphemeralReads(stack, (read) => material(/Key-(.+?)_Read_/.exec(read.name)![1]));
    const inputs: Record<string, string> = { ...replaced.inputs };
    for (const name of Object.keys((replaced.stackJson.variable ?? {}) as Json)) {
      const key = /_key_(.+)$/.exec(name);
      if (name.endsWith("_ca_bundle")) inputs[name] = tls.caCertPem;
      else if (name.endsWith("_client_cert")) inputs[name] = tls.clientCertPem;
      else if (name.endsWith("_client_key")) inputs[name] = tls.clientKeyPem;
      else if (key && !(name in inputs)) inputs[name] = material(key[1]);
      else if (/_password_(.+)$/.test(name)) inputs[name] = markerPassword(/_password_(.+)$/.exec(name)![1]);
    }
    return { name: module, stackJson: replaced.stackJson, inputs };
  }
  const rootOf = (side: "base" | "head"): PhaseConfig => composeModules(stacks.map((s) => moduleOf(s.module, s[side])), (stacks[0].base.provider.aws as Json[])[0]);

  beforeAll(async () => {
    tls = await generateTlsBundle({ sans: "redis.internal", keySize: 2048, days: 30 });
    const base = rootOf("base");
    ({ workdir, provider } = await openTransitionWorkdir(tooling, "stemguard-review-plans-", base));
    const converged = await convergeState(workdir, base, { generation: "g1" });
    basePlan = converged.plan;
    headPlan = (await planAgainst(workdir, rootOf("head"), converged.state)).plan;
  }, 280_000);

  afterAll(async () => {
    await provider?.stop();
    workdir?.dispose();
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  });

  const slice = (plan: PlanJson, module: string) => ({ ...plan, resource_changes: (plan.resource_changes ?? []).filter((r) => r.module_address === `module.${module}`) }) as unknown as Json;

  test.each(CASES.map((c) => [c.module, c] as const))("%s", (module, c) => {
    const s = stacks.find((x) => x.module === module)!;
    const plan = reviewPlanPair(
      { name: "root", plan: slice(basePlan, module), synth: (m) => (m === `module.${module}` ? s.base : undefined) },
      { name: "root", plan: slice(headPlan, module), synth: (m) => (m === `module.${module}` ? s.head : undefined) },
    );
    const synth = reviewSynthPair([{ name: module, json: s.base }], [{ name: module, json: s.head }]);
    expect(verdictOf(plan)).toEqual({ ok: c.rules.length === 0, rules: [...c.rules].sort() });
    expect(verdictOf(plan)).toEqual(verdictOf(synth));
    expect(plan.steps).toEqual(synth.steps);
    expect(plan.ledgers.map((l) => l.verdict)).toEqual(synth.ledgers.map((l) => l.verdict));
  });

  test("the plan review never prints a plan value: no PEM line and no material in its JSON", () => {
    const s = stacks[0];
    const r = reviewPlanPair(
      { name: "root", plan: slice(basePlan, s.module), synth: (m) => (m === `module.${s.module}` ? s.base : undefined) },
      { name: "root", plan: slice(headPlan, s.module), synth: (m) => (m === `module.${s.module}` ? s.head : undefined) },
    );
    const text = JSON.stringify(r);
    for (const pem of [tls.caCertPem, tls.clientKeyPem]) expect(text).not.toContain(pem.split("\n")[1]);
    expect(text).not.toContain("MARKER-");
    // Control: the plan itself carries the PEMs' sensitivity marks, not the values (write-only), and the review saw changes.
    expect(r.stacks.map((x) => x.changes.length)).toEqual([expect.any(Number)]);
    expect(r.stacks[0].changes.length).toBeGreaterThan(0);
  });
});
