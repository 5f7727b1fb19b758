// Every step of the Redis walk on ElastiCache (plain -> dual -> first password -> clients-tls
// -> tls-only -> stage, activate, retire), planned by real Terraform against the previous
// phase's state built offline from that phase's own plan (test/support/offline-state.ts),
// with the real engine version in that state: the provider decides "replace or update" for
// transit_encryption_enabled from engine_version_actual. Each phase first plans "No changes"
// against its own state. Only the inputs a phase requires are passed, so the stored copies
// of earlier passwords are what later phases use.
//
// And the reason an engine below 7.0.5 is refused: the same plain -> dual step of a 6.2 group
// (the construct refuses it, so the stack is patched after synth) plans a replace.
//
// And `stemguard review` of these real plans (with each phase's stack JSON for construct paths
// and ledgers) gives every step the verdict of its synth pair (test/review/plan-redaction.test.ts),
// fails the 6.2 replace, and never prints a password, though the plan JSON holds them.
//
// Slow (about 25 sequential plans): `npm run test:transitions`, not `npm test`.
import { Testing } from "cdktf";
import { StemguardError } from "../../lib/core/errors";
import { planElastiCachePasswordInputs } from "../../lib/core/redis/elasticache";
import { planMaterialInputs } from "../../lib/aws/names";
import { markerDocument, markerMaterial } from "../aws/markers";
import { REDIS_KEYRING_PREFIX, REDIS_NETWORK, REDIS_SIGNING_LEDGER, redisStack, redisStackJson } from "../aws/redis-stack";
import { changeReviewJson, formatChangeReviewMarkdown, formatChangeReviewText } from "../../lib/review/change/format";
import type { ChangeReview } from "../../lib/review/change/review-changes";
import { reviewPlanPair, reviewSynthPair } from "../../lib/review/change/review-inputs";
import { AWS_WALK_STEPS, walkLedgers, type RedisWalkLedger } from "../aws/redis-walk";
import { findPasswordLeaks, redisLeakNeedles, markerPassword } from "../aws/redis-markers";
import { redactPlanJson } from "../../lib/core/redact/plan-json";
import { parseRedisUrl } from "../../lib/core/health/redis-url";
import { currentRedisPhase } from "../../lib/core/redis/ledger-file";
import {
  convergeState,
  describeChanges,
  changedAttributes,
  loadProviderSchemas,
  planTransition,
  plansNoChanges,
  replaceEphemeralReads,
  stateFromPlan,
  type Converged,
  type PhaseConfig,
  type PlanJson,
  type PlanResourceChange,
  type StateV4,
  type Transition,
  openTransitionWorkdir,
} from "../support/offline-state";
import { composeModules, describeWithTerraform, SharedProvider, TerraformWorkdir } from "../support/terraform";

type Json = Record<string, unknown>;
const MODULE = "redis";
const NAME_PREFIX = "stem-redis";
/** What ElastiCache reports for engine_version "7.1" (and, for the negative test, "6.2"). */
const ENGINE_ACTUAL = { "7.1": "7.1.0", "6.2": "6.2.6" } as const;

/** The signing key the keyring's role secrets read (an ephemeral read, replaced by a test variable). */
const K1 = markerDocument(markerMaterial("hmac-sha256", "k1"));

/**
 * One phase as the root's child module `redis`, with only the inputs the phase requires
 * (the census password in the first phase only: later phases use the stored copy).
 */
function phaseConfig(w: RedisWalkLedger, patch?: (stack: Json) => void, first = w.step === "init plain"): PhaseConfig & { readonly stack: Json } {
  const replaced = replaceEphemeralReads(JSON.parse(Testing.synth(redisStack(w.ledger).stack)) as Json, () => K1);
  const stack = replaced.stackJson;
  patch?.(stack);
  const inputs: Record<string, string> = { ...replaced.inputs };
  for (const m of planMaterialInputs(REDIS_SIGNING_LEDGER, REDIS_KEYRING_PREFIX)) inputs[m.variableName] = K1;
  if (first) inputs.stem_redis_census_password_census = markerPassword("census");
  for (const p of planElastiCachePasswordInputs(w.ledger, NAME_PREFIX, "server")) if (p.required) inputs[p.variableName] = markerPassword(p.passwordId);
  const provider = ((stack.provider as Json).aws as Json[])[0];
  const composed = composeModules([{ name: MODULE, stackJson: stack, inputs }], provider);
  // A phase without passwords has no variables, and Terraform refuses an empty "variable" object.
  const root = JSON.parse(composed.files["main.tf.json"]) as Json;
  if (Object.keys(root.variable as Json).length === 0) delete root.variable;
  return { files: { ...composed.files, "main.tf.json": JSON.stringify(root, null, 2) }, env: composed.env, stack };
}

/** The state with `engine_version_actual` of every replication group set to what ElastiCache would report. */
function withEngineVersion(state: StateV4, actual: string): StateV4 {
  const copy = structuredClone(state);
  for (const r of copy.resources) if (r.type === "aws_elasticache_replication_group") for (const i of r.instances) i.attributes.engine_version_actual = actual;
  return copy;
}

/** The stack as the construct refuses it (engine 6.2), patched after synth. */
function to62(stack: Json): Json {
  const resources = stack.resource as Record<string, Record<string, Json>>;
  for (const rg of Object.values(resources.aws_elasticache_replication_group)) rg.engine_version = "6.2";
  for (const pg of Object.values(resources.aws_elasticache_parameter_group)) pg.family = "redis6.x";
  return stack;
}

const managed = (plan: PlanJson) => (plan.resource_changes ?? []).filter((r) => r.mode === "managed");
const ofType = (plan: PlanJson, type: string): PlanResourceChange[] =>
  managed(plan).filter((r) => r.type === type && !(type === "aws_elasticache_user" && r.name.startsWith("Redis_CensusUser_")));
const censusUser = (plan: PlanJson) => managed(plan).find((r) => r.name.startsWith("Redis_CensusUser_"))!;
const roleVersions = (plan: PlanJson) => managed(plan).filter((r) => r.type === "aws_secretsmanager_secret_version" && r.name.startsWith("Signing_Role-"));

describeWithTerraform("ElastiCache Redis: each step planned against the previous phase's offline state", (tooling) => {
  const walk = walkLedgers(AWS_WALK_STEPS);
  const configs = walk.map((w) => phaseConfig(w));
  let workdir: TerraformWorkdir;
  let provider: SharedProvider | undefined;
  const converged: Converged[] = [];
  const transitions: Transition[] = [];
  /** The plain -> dual step of an engine 6.2 group, planned against its own converged state. */
  let oldEngine: { converged: Converged; transition: Transition };
  const timings: string[] = [];
  let validate: { exitCode: number; stdout: string; stderr: string };

  beforeAll(async () => {
    ({ workdir, provider } = await openTransitionWorkdir(tooling, "stemguard-redis-transitions-", configs[0]));
    const schemas = await loadProviderSchemas(workdir);
    validate = await workdir.validate();

    let started = Date.now();
    // Phase 1 from an empty state, then with the engine version ElastiCache reports.
    const first = await convergeState(workdir, configs[0], { generation: "g1" });
    converged.push(await convergeState(workdir, configs[0], { generation: "g1", from: withEngineVersion(first.state, ENGINE_ACTUAL["7.1"]) }));
    timings.push(`phase 1: ${first.plans + converged[0].plans} plans, ${Date.now() - started} ms`);
    for (let i = 1; i < configs.length; i++) {
      started = Date.now();
      const transition = await planTransition(workdir, configs[i - 1], configs[i], { converged: converged[i - 1], generation: `g${i}` });
      transitions.push(transition);
      const from = stateFromPlan(transition.plan, schemas, { generation: `g${i + 1}`, previous: converged[i - 1].state });
      converged.push(await convergeState(workdir, configs[i], { generation: `g${i + 1}`, from }));
      timings.push(`step ${i}->${i + 1}: 1 plan, then ${converged[i].plans} plans to converge, ${Date.now() - started} ms`);
    }

    // Engine 6.2: the construct refuses it, so the 7.1 stacks are patched after synth.
    started = Date.now();
    const [plain62, dual62] = [phaseConfig(walk[0], to62), phaseConfig(walk[1], to62, true)];
    const first62 = await convergeState(workdir, plain62, { generation: "o1" });
    const converged62 = await convergeState(workdir, plain62, { generation: "o1", from: withEngineVersion(first62.state, ENGINE_ACTUAL["6.2"]) });
    oldEngine = { converged: converged62, transition: await planTransition(workdir, plain62, dual62, { converged: converged62, generation: "o1" }) };
    timings.push(`engine 6.2 plain -> dual: ${first62.plans + converged62.plans + 1} plans, ${Date.now() - started} ms`);
    if (process.env.STEMGUARD_TRANSITION_TIMINGS) console.log(timings.join("\n"));
  }, 280_000);

  afterAll(async () => {
    await provider?.stop();
    if (process.env.STEMGUARD_KEEP_TF_DIRS) console.warn(`kept ${workdir?.dir}`);
    else workdir?.dispose();
  });

  test.each(walk.map((w, i) => [i + 1, w.step] as const))("phase %i (%s), re-planned against its own offline state, plans No changes", (n) => {
    const c = converged[n - 1];
    expect(describeChanges(c.plan)).toBe("");
    expect(plansNoChanges(c.plan)).toBe(true);
    // The real engine version is in the state the next step is planned against.
    const rg = c.state.resources.find((r) => r.type === "aws_elasticache_replication_group")!;
    expect(rg.instances[0].attributes.engine_version_actual).toBe(ENGINE_ACTUAL["7.1"]);
  });

  test.each(walk.slice(1).map((w, i) => [i + 2, w.step] as const))(
    "the step to phase %i (%s) updates the replication group, the user group and the default user in place, never replaces them",
    (n) => {
      const plan = transitions[n - 2].plan;
      for (const type of ["aws_elasticache_replication_group", "aws_elasticache_user_group", "aws_elasticache_user"]) {
        const [rc] = ofType(plan, type);
        expect({ type, actions: rc.change.actions }).toEqual({ type, actions: expect.arrayContaining([expect.stringMatching(/^(update|no-op)$/)]) });
        expect({ type, actions: rc.change.actions.length, replace: rc.change.replace_paths ?? [] }).toEqual({ type, actions: 1, replace: [] });
      }
      // Nothing in the stack is deleted or replaced except a retired password's stored copy and
      // the role secret versions the keyring rewrites (create before destroy) when the client env moves.
      const destroyed = managed(plan)
        .filter((r) => r.change.actions.includes("delete") && r.type !== "aws_secretsmanager_secret_version")
        .map((r) => `${r.type}.${r.name}`);
      const retired = walk[n - 1].step.startsWith("password retire") ? [expect.stringMatching(/^terraform_data\.Redis_Password-pw1_/)] : [];
      expect(destroyed).toEqual(retired);
    },
  );

  test("the first phase passes terraform validate (the Redis, the census user and the keyring wired to it)", () => {
    expect(validate.stderr).toBe("");
    expect(validate).toMatchObject({ exitCode: 0 });
    expect(validate.stdout).toContain("The configuration is valid");
  });

  test("the census user never changes; the role secrets are rewritten exactly when the clients' Redis env moves", () => {
    const rows = transitions.map((t, i) => {
      const versions = roleVersions(t.plan);
      expect(versions).toHaveLength(3);
      for (const v of versions) expect((v.change.after as Json | undefined)?.secret_string_wo ?? null).toBeNull();
      return [walk[i + 1].step, censusUser(t.plan).change.actions.join(), [...new Set(versions.map((v) => v.change.actions.join()))].join(" ")];
    });
    expect(rows).toEqual([
      ["tls dual", "no-op", "no-op"],
      ["password init pw1", "no-op", "create,delete"],
      ["tls clients-tls", "no-op", "create,delete"],
      ["tls tls-only", "no-op", "no-op"],
      ["password stage pw2", "no-op", "no-op"],
      ["password activate pw2", "no-op", "create,delete"],
      ["password retire pw1", "no-op", "no-op"],
    ]);
  });

  test("what each step changes: transit settings, then the default user's passwords and the group attachment", () => {
    const rows = transitions.map((t, i) => {
      const changed = (type: string) => {
        const rc = ofType(t.plan, type)[0];
        return rc.change.actions.join() === "no-op" ? "-" : changedAttributes(rc).filter((a) => !["tags_all"].includes(a)).join(" ");
      };
      const stored = managed(t.plan)
        .filter((r) => r.type === "terraform_data" && r.change.actions.join() !== "no-op")
        .map((r) => `${r.change.actions.join()} ${/Password-(\w+)_/.exec(r.name)![1]}`)
        .join(" ");
      return [walk[i + 1].step, changed("aws_elasticache_replication_group"), changed("aws_elasticache_user"), changed("aws_elasticache_user_group"), stored || "-"];
    });
    expect(rows).toEqual([
      ["tls dual", "transit_encryption_enabled transit_encryption_mode", "-", "-", "-"],
      ["password init pw1", "user_group_ids", "authentication_mode", "-", "create pw1"],
      ["tls clients-tls", "-", "-", "-", "-"],
      ["tls tls-only", "transit_encryption_mode", "-", "-", "-"],
      ["password stage pw2", "-", "authentication_mode", "-", "create pw2"],
      ["password activate pw2", "-", "-", "-", "-"],
      ["password retire pw1", "-", "authentication_mode", "-", "delete pw1"],
    ]);
  });

  test("engine 6.2: the construct refuses it at synth, and turning TLS on against a 6.2 group's state would replace the group", () => {
    expect(() => redisStack(walk[0].ledger, { engineVersion: "6.2" })).toThrow(StemguardError);
    expect(() => redisStack(walk[0].ledger, { engineVersion: "6.2" })).toThrow(/cannot turn TLS on in place: the provider plans a replace/);
    expect(plansNoChanges(oldEngine.converged.plan)).toBe(true);
    const [rg] = ofType(oldEngine.transition.plan, "aws_elasticache_replication_group");
    // A replace either way; create before destroy here, because the keyring's role secret
    // versions (create_before_destroy) depend on the group's endpoint, and Terraform extends
    // create_before_destroy to what they depend on.
    expect([...rg.change.actions].sort()).toEqual(["create", "delete"]);
    expect(rg.change.replace_paths).toEqual([["transit_encryption_enabled"]]);
    expect(oldEngine.transition.run.stdout).toMatch(/aws_elasticache_replication_group\.Redis_ReplicationGroup_\w+ must be replaced/);
    expect(oldEngine.transition.run.stdout).toMatch(/~ transit_encryption_enabled += false -> true # forces replacement/);
  });

  test("no password in any human plan output; the plan JSON and the state hold them (the documented caveat)", () => {
    const needles = ["pw1", "pw2", "census"].flatMap((id) => redisLeakNeedles(markerPassword(id)));
    for (const [i, t] of transitions.entries()) {
      const human = t.run.stdout + t.run.stderr;
      expect({ step: walk[i + 1].step, leaks: needles.filter((n) => human.includes(n.needle)).map((n) => n.label) }).toEqual({ step: walk[i + 1].step, leaks: [] });
    }
    const staged = transitions[walk.findIndex((w) => w.step === "password stage pw2") - 1];
    expect(staged.planText).toContain(markerPassword("pw2"));
    expect(JSON.stringify(converged[walk.findIndex((w) => w.step === "password init pw1")].state)).toContain(markerPassword("pw1"));
    expect(REDIS_NETWORK.subnetIds.length).toBe(2);
  });

  test("the role secrets Terraform composes carry exactly the URLs Stem needs in each phase: scheme, host, port, database and the active password", async () => {
    // Each phase's role secret expressions, evaluated by real terraform with the stored copies,
    // the endpoint and the key read replaced by test variables.
    const HOST = "stem-redis.abc123.euw1.cache.amazonaws.com";
    const evaluate = TerraformWorkdir.create(tooling, "stemguard-redis-eval-");
    try {
      const variables: Record<string, unknown> = { k1: { type: "string" }, host: { type: "string" }, pw1: { type: "string" }, pw2: { type: "string" } };
      const outputs: Record<string, unknown> = {};
      for (const [i, c] of configs.entries()) {
        const versions = ((c.stack.resource as Json).aws_secretsmanager_secret_version ?? {}) as Record<string, { secret_string_wo: string }>;
        for (const role of ["producer", "worker", "beat"]) {
          const [, v] = Object.entries(versions).find(([n]) => n.startsWith(`Signing_Role-${role}_Version_`))!;
          const expr = v.secret_string_wo
            .replace(/sensitive\(terraform_data\.Redis_Password-(\w+?)_[0-9A-F]{8}\.triggers_replace\)/g, "var.$1")
            .replace(/aws_elasticache_replication_group\.Redis_ReplicationGroup_[0-9A-F]{8}\.primary_endpoint_address/g, "var.host")
            .replace(/var\.ephemeral_[\w-]+/g, "var.k1");
          outputs[`p${i + 1}_${role}`] = { value: expr, sensitive: true };
        }
      }
      evaluate.write("main.tf.json", JSON.stringify({ variable: variables, output: outputs }));
      const env = { TF_VAR_k1: K1, TF_VAR_host: HOST, TF_VAR_pw1: markerPassword("pw1"), TF_VAR_pw2: markerPassword("pw2") };
      const apply = await evaluate.run(["apply", "-auto-approve", "-input=false", "-no-color"], env);
      expect(apply.stderr).toBe("");
      const values = JSON.parse((await evaluate.run(["output", "-json"])).stdout) as Record<string, { value: string }>;
      for (const [i, w] of walk.entries()) {
        const phase = currentRedisPhase(w.ledger);
        const scheme = ["clients-tls", "tls-only"].includes(phase.mode) ? "rediss" : "redis";
        const auth = phase.activePassword ? `:${markerPassword(phase.activePassword)}@` : "";
        for (const role of ["producer", "worker", "beat"]) {
          const composed = JSON.parse(values[`p${i + 1}_${role}`].value) as Record<string, string>;
          const redis = Object.fromEntries(Object.entries(composed).filter(([k]) => !k.startsWith("STEM_SIGNING_")));
          expect({ step: w.step, role, redis }).toEqual({ step: w.step, role, redis: { STEM_BROKER_URL: `${scheme}://${auth}${HOST}:6379/0`, STEM_RESULT_BACKEND_URL: `${scheme}://${auth}${HOST}:6379/1` } });
          const url = parseRedisUrl(composed.STEM_BROKER_URL);
          const expected = { tls: scheme === "rediss", host: HOST, port: 6379, db: 0, password: phase.activePassword && markerPassword(phase.activePassword) };
          expect({ step: w.step, url: { tls: url.tls, host: url.host, port: url.port, db: url.db, password: url.password } }).toEqual({ step: w.step, url: expected });
        }
      }
      // The evaluation's own output shows no password.
      expect(findPasswordLeaks(apply.stdout, ["pw1", "pw2"].map(markerPassword))).toEqual([]);
    } finally {
      evaluate.dispose();
    }
  });

  describe("stemguard review of these plans", () => {
    // The review reads construct paths and ledgers from the stack JSON app.synth() writes (the planned copy has no "//" metadata).
    const records = walk.map((w) => redisStackJson(w.ledger));
    const side = (plan: PlanJson, json: Json) => ({ name: "root", plan: plan as unknown as Json, synth: (m: string) => (m === `module.${MODULE}` ? json : undefined) });
    const verdictOf = (r: ChangeReview) => ({ ok: r.ok, rules: [...new Set(r.findings.map((f) => f.rule))].sort(), steps: r.steps, findings: r.findings.map((f) => f.message) });
    const planReview = (k: number) => reviewPlanPair(side(converged[k - 1].plan, records[k - 1]), side(transitions[k - 1].plan, records[k]));

    test.each(walk.slice(1).map((w, i) => [w.step, i + 1] as const))("the plan of %s passes, with its synth pair's verdict", (step, k) => {
      const plan = planReview(k);
      const synth = reviewSynthPair([{ name: "redis", json: records[k - 1] }], [{ name: "redis", json: records[k] }]);
      expect({ step, ...verdictOf(plan) }).toEqual({ step, ok: true, rules: [], steps: [`${step.startsWith("tls") ? "redis-tls" : "redis-passwords"}: ${step}`], findings: [] });
      expect({ ok: plan.ok, steps: plan.steps }).toEqual({ ok: synth.ok, steps: synth.steps });
      // The plan's replaces are the synth's (the role secret versions), explained by the step; the plan orders them create before destroy.
      const replaces = (r: ChangeReview) => r.stacks.flatMap((st) => st.changes.filter((c) => c.action === "replace" || c.action === "destroy").map((c) => `${c.action} ${c.address.replace(/^module\.\w+\./, "")} by ${c.explainedBy}`)).sort();
      expect(replaces(plan)).toEqual(replaces(synth));
      for (const c of plan.stacks.flatMap((st) => st.changes).filter((c) => c.action === "replace")) expect(c.order).toBe("create-before-destroy");
    });

    test("turning TLS on against a 6.2 group's state: the plan's replace of the replication group fails review, as its synth pair does", () => {
      const [b, h] = [to62(redisStackJson(walk[0].ledger)), to62(redisStackJson(walk[1].ledger))];
      const plan = reviewPlanPair(side(oldEngine.converged.plan, b), side(oldEngine.transition.plan, h));
      const synth = reviewSynthPair([{ name: "redis", json: b }], [{ name: "redis", json: h }]);
      expect(verdictOf(plan).rules).toEqual(["unexplained-destroy"]);
      expect(plan.findings.map((f) => f.message)).toContainEqual(expect.stringMatching(/^replace of the stateful module\.redis\.aws_elasticache_replication_group\.Redis_ReplicationGroup_\w+ \(redis\/Redis\) that no ledger step explains \(plan: actions (create,delete|delete,create)\)$/));
      expect({ ok: synth.ok, rules: verdictOf(synth).rules }).toEqual({ ok: plan.ok, rules: verdictOf(plan).rules });
    });

    test("the review of every plan never prints a password (text, Markdown, JSON), though the plans hold them", () => {
      const passwords = ["pw1", "pw2", "census"].map(markerPassword);
      expect(transitions.some((t) => findPasswordLeaks(t.planText, passwords).length > 0)).toBe(true);
      for (const [i, w] of walk.slice(1).entries()) {
        const r = planReview(i + 1);
        expect(r.stacks.flatMap((st) => st.changes).length).toBeGreaterThan(0);
        const printed = [formatChangeReviewText(r), formatChangeReviewMarkdown(r), JSON.stringify(changeReviewJson(r, r.ok ? 0 : 1))].join("\n");
        expect({ step: w.step, leaks: findPasswordLeaks(printed, passwords) }).toEqual({ step: w.step, leaks: [] });
      }
    });
  });

  test("redactPlanJson leaves no password, in any form, in any plan JSON of the walk", () => {
    const passwords = ["pw1", "pw2", "census"].map(markerPassword);
    const plans = [...transitions.map((t, i) => [walk[i + 1].step, t.planText] as const), ...converged.map((c, i) => [`${walk[i].step} (converged)`, JSON.stringify(c.plan)] as const)];
    expect(plans.some(([, text]) => findPasswordLeaks(text, passwords).length > 0)).toBe(true); // the caveat: raw plan JSON holds them
    for (const [step, text] of plans) {
      expect({ step, leaks: findPasswordLeaks(JSON.stringify(redactPlanJson(JSON.parse(text))), passwords) }).toEqual({ step, leaks: [] });
    }
  });
});
