// Every legal step of the example AWS fleet's signing rotation, planned by
// real Terraform against the previous phase's state built offline from that
// phase's own plan (test/support/offline-state.ts). Each phase first plans
// "No changes" against its own state; then the next phase is planned against
// it and every resource's actions are checked against what the step must do.
//
// Slow (about 20 sequential plans), so not in `npm test`: run with
// `npm run test:transitions` (its own timed step of .ci/run).
// STEMGUARD_TRANSITION_REPORT=<file> writes the per-phase action table that
// docs/aws.md ("What each phase plans") shows.
import * as fs from "node:fs";
import { planMaterialInputs } from "../../lib/aws/names";
import { roleEnvRevision } from "../../lib/core/keyring/env-plan";
import { SIGNING_ALGORITHMS, type Role, type SigningAlgorithm, type SigningLedger } from "../../lib/core/keyring/types";
import type { KeyMaterial } from "../../lib/core/material/types";
import { findLeaks, markerDocument, markerMaterial } from "../aws/markers";
import { rotationPhases, synthFleetJson, type RotationPhase } from "../aws/phases";
import {
  actionsByAddress,
  convergeState,
  describeChanges,
  changedAttributes,
  loadProviderSchemas,
  planAgainst,
  planTransition,
  plansNoChanges,
  replaceEphemeralReads,
  stateFromPlan,
  type Converged,
  type StateV4,
  type PhaseConfig,
  type PlanJson,
  type Transition,
  openTransitionWorkdir,
} from "../support/offline-state";
import { composeModules, describeWithTerraform, SharedProvider, TerraformWorkdir } from "../support/terraform";
import { reviewPlanPair, reviewSynthPair } from "../../lib/review/change/review-inputs";
import type { ChangeReview } from "../../lib/review/change/review-changes";

const NAME_PREFIX = "stem-fleet/signing"; // lib/demo/aws-fleet.ts
const NETWORK = { subnet_ids: '["subnet-0123456789abcdef0"]', security_group_ids: '["sg-0123456789abcdef0"]' };
/**
 * The rotations checked, each the example fleet as one child module of a shared root (its name
 * is the same in every phase, so addresses stay put). Verify-only Ed25519 workers keep their env
 * when a key is activated: their task definitions must not roll then.
 */
interface Variant {
  readonly module: string;
  readonly algorithm: SigningAlgorithm;
  readonly verifyOnlyWorkers?: boolean;
}
const VARIANTS: readonly Variant[] = [
  ...SIGNING_ALGORITHMS.map((algorithm) => ({ module: algorithm === "hmac-sha256" ? "hmac" : "ed25519", algorithm })),
  { module: "ed25519_verify_only", algorithm: "ed25519", verifyOnlyWorkers: true },
];

type Json = Record<string, unknown>;

/** One algorithm's fleet in one phase: the synthesized stack, its test copy and its inputs. */
interface FleetPhase extends RotationPhase {
  readonly module: string;
  readonly algorithm: SigningAlgorithm;
  readonly stack: Json;
  readonly testCopy: Json;
  readonly inputs: Record<string, string>;
  readonly materials: KeyMaterial[];
}

function fleetPhase({ module, algorithm }: Variant, phase: RotationPhase): FleetPhase {
  const stack = JSON.parse(synthFleetJson(phase.ledger)) as Json;
  const materials = phase.ledger.keys.map((k) => markerMaterial(algorithm, k.id));
  const material = (keyId: string) => markerDocument(materials.find((m) => m.id === keyId)!);
  // The ephemeral reads of the key secrets become test variables carrying the key's marker document.
  const replaced = replaceEphemeralReads(stack, (read) => material(/^Signing_Key-(.+)_Read_[0-9A-F]{8}$/.exec(read.name)![1]));
  const inputs: Record<string, string> = { ...NETWORK, ...replaced.inputs };
  for (const p of planMaterialInputs(phase.ledger, NAME_PREFIX)) inputs[p.variableName] = material(p.keyId);
  return { ...phase, module, algorithm, stack, testCopy: replaced.stackJson, inputs, materials };
}

/** Both algorithms' fleets of one phase as child modules of one root (one plan checks both). */
function phaseConfig(fleets: readonly FleetPhase[]): PhaseConfig {
  const provider = ((fleets[0].stack.provider as Json).aws as Json[])[0];
  return composeModules(
    fleets.map((f) => ({ name: f.module, stackJson: f.testCopy, inputs: f.inputs })),
    provider,
  );
}

/** What a resource of the fleet is, from its address: the rows of the action table. */
interface AddressClass {
  readonly kind: "key secret" | "key secret version" | "role secret" | "role secret version" | "task definition" | "service" | "other";
  /** Key id, role or service name. */
  readonly of?: string;
}

function classify(type: string, name: string): AddressClass {
  const key = /^Signing_Key-(.+)_(Secret|Version)_[0-9A-F]{8}$/.exec(name);
  if (key) return { kind: key[2] === "Secret" ? "key secret" : "key secret version", of: key[1] };
  const role = /^Signing_Role-(\w+)_(Secret|Version)_[0-9A-F]{8}$/.exec(name);
  if (role) return { kind: role[2] === "Secret" ? "role secret" : "role secret version", of: role[1] };
  if (type === "aws_ecs_task_definition") return { kind: "task definition", of: name.replace(/^Task-/, "") };
  if (type === "aws_ecs_service") return { kind: "service", of: name.replace(/^Service-/, "") };
  return { kind: "other" };
}

/** The Stem role a service runs, read from its task definition's execution role in the synthesized stack. */
function serviceRole(stack: Json, service: string): Role {
  const task = ((stack.resource as Json).aws_ecs_task_definition as Record<string, { execution_role_arn: string }>)[`Task-${service}`];
  return /aws_iam_role\.ExecutionRole-(\w+)\.arn/.exec(task.execution_role_arn)![1] as Role;
}

/** A replace as the constructs plan it: the new object first, then the old one removed. */
const REPLACE = ["create", "delete"];

/**
 * The actions the step from `prev` to `next` must plan for one resource: key
 * secrets appear on stage and go on retire, a role's secret version and its
 * task definitions are replaced exactly when the role's env changes, their
 * services update in place to the new revision, and nothing else changes.
 */
function expectedActions(prev: FleetPhase, next: FleetPhase, type: string, name: string): string[] {
  const c = classify(type, name);
  const live = (ledger: SigningLedger, id: string) => ledger.keys.some((k) => k.id === id && k.state !== "retired");
  const rolls = (role: Role) => roleEnvRevision(prev.ledger, role) !== roleEnvRevision(next.ledger, role);
  switch (c.kind) {
    case "key secret":
    case "key secret version": {
      const [before, after] = [live(prev.ledger, c.of!), live(next.ledger, c.of!)];
      return before && after ? ["no-op"] : after ? ["create"] : ["delete"];
    }
    case "role secret version":
      return rolls(c.of as Role) ? REPLACE : ["no-op"];
    case "task definition":
      return rolls(serviceRole(next.stack, c.of!)) ? REPLACE : ["no-op"];
    case "service":
      return rolls(serviceRole(next.stack, c.of!)) ? ["update"] : ["no-op"];
    default:
      return ["no-op"];
  }
}

describeWithTerraform("example AWS fleet: each rotation step planned against the previous phase's offline state", (tooling) => {
  const phasesByVariant = VARIANTS.map((v) => rotationPhases(v.algorithm, { verifyOnlyWorkers: v.verifyOnlyWorkers }).map((p) => fleetPhase(v, p)));
  /** phases[i]: every variant's fleet in phase i + 1 (init, stage, activate, retire). */
  const phases = phasesByVariant[0].map((_, i) => phasesByVariant.map((byPhase) => byPhase[i]));
  const configs = phases.map(phaseConfig);
  const allMaterials = phases.flat().flatMap((f) => f.materials);
  const stepName = (i: number) => phases[i].map((f) => f.name).join(" + ");

  let workdir: TerraformWorkdir;
  let provider: SharedProvider | undefined;
  /** converged[i]: phase i + 1 planning "No changes" against its offline state. */
  const converged: Converged[] = [];
  /** transitions[i]: phase i + 2 planned against converged[i]. */
  const transitions: Transition[] = [];
  const states: string[] = [];
  const timings: string[] = [];

  beforeAll(async () => {
    ({ workdir, provider } = await openTransitionWorkdir(tooling, "stemguard-transitions-", configs[0]));
    const schemas = await loadProviderSchemas(workdir);
    // Phase 1 from an empty state; every later phase from the state its step's plan leaves, so
    // resources the step does not touch keep their ids, as in a real apply.
    let started = Date.now();
    converged.push(await convergeState(workdir, configs[0], { generation: "g1" }));
    timings.push(`phase 1: ${converged[0].plans} plans, ${Date.now() - started} ms`);
    for (let i = 1; i < configs.length; i++) {
      started = Date.now();
      const transition = await planTransition(workdir, configs[i - 1], configs[i], { converged: converged[i - 1], generation: `g${i}` });
      transitions.push(transition);
      const generation = `g${i + 1}`;
      const from = stateFromPlan(transition.plan, schemas, { generation, previous: converged[i - 1].state });
      converged.push(await convergeState(workdir, configs[i], { generation, from }));
      timings.push(`step ${i}->${i + 1}: 1 plan, then ${converged[i].plans} plans to converge, ${Date.now() - started} ms`);
    }
    for (const c of converged) states.push(JSON.stringify(c.state));
    if (process.env.STEMGUARD_TRANSITION_TIMINGS) console.log(timings.join("\n"));
    if (process.env.STEMGUARD_TRANSITION_REPORT) fs.writeFileSync(process.env.STEMGUARD_TRANSITION_REPORT, actionTable());
  }, 280_000);

  afterAll(async () => {
    await provider?.stop();
    if (process.env.STEMGUARD_KEEP_TF_DIRS) console.warn(`kept ${workdir?.dir}`);
    else workdir?.dispose();
  });

  /**
   * The action table of every step, per rotation and kind of resource; resources of one kind
   * with the same actions in every step share a row (docs/aws.md, "What each phase plans").
   */
  function actionTable(): string {
    const CELLS: Record<string, string> = {
      create: "`+` create",
      delete: "`-` delete",
      update: "`~` update in place",
      "no-op": "no change",
      "create,delete": "`+/-` replace: create, then delete",
      "delete,create": "`-/+` replace: delete, then create",
    };
    const cell = (actions: string[] | undefined) => (actions ? (CELLS[actions.join()] ?? actions.join(", ")) : "absent");
    const lines = [`| rotation | resource | ${transitions.map((_, i) => `${phases[i + 1][0].op} ${phases[i + 1][0].keyId}`).join(" | ")} |`, `|---|---|${transitions.map(() => "---|").join("")}`];
    for (const { module } of VARIANTS) {
      // kind label -> member -> actions per step
      const kinds = new Map<string, Map<string, (string[] | undefined)[]>>();
      transitions.forEach((t, i) => {
        for (const rc of resourcesOf(t.plan, module)) {
          const c = classify(rc.type, rc.name);
          const label = c.kind === "other" ? `\`${rc.type}\`` : `${c.kind} (\`${rc.type}\`)`;
          const members = kinds.get(label) ?? new Map<string, (string[] | undefined)[]>();
          const row = members.get(c.of ?? rc.name) ?? transitions.map(() => undefined);
          row[i] = rc.change.actions;
          members.set(c.of ?? rc.name, row);
          kinds.set(label, members);
        }
      });
      let unchanged = 0;
      for (const [label, members] of [...kinds.entries()].sort()) {
        const groups = new Map<string, string[]>();
        for (const [member, row] of members) {
          const cells = row.map(cell);
          if (cells.every((c) => c === "no change")) unchanged++;
          else groups.set(JSON.stringify(cells), [...(groups.get(JSON.stringify(cells)) ?? []), member]);
        }
        for (const [cells, names] of groups) lines.push(`| ${module} | ${label}: ${names.sort().join(", ")} | ${(JSON.parse(cells) as string[]).join(" | ")} |`);
      }
      lines.push(`| ${module} | every other resource (${unchanged}) | ${transitions.map(() => "no change").join(" | ")} |`);
    }
    return lines.join("\n") + "\n";
  }

  const resourcesOf = (plan: PlanJson, module: string) => (plan.resource_changes ?? []).filter((r) => r.module_address === `module.${module}` && r.mode === "managed");

  test.each([1, 2, 3, 4])("phase %i, re-planned against its own offline state, plans No changes", (n) => {
    const i = n - 1;
    const c = converged[i];
    expect(plansNoChanges(c.plan)).toBe(true);
    expect(describeChanges(c.plan)).toBe("");
    expect(c.rebuilds).toBeLessThanOrEqual(8);
    // Every resource of both fleets is in the state and in the plan, as a no-op.
    for (const fleet of phases[i]) {
      const declared = Object.entries(fleet.stack.resource as Record<string, Json>).flatMap(([type, byName]) => Object.keys(byName).map((n) => `module.${fleet.module}.${type}.${n}`));
      const planned = resourcesOf(c.plan, fleet.module);
      expect(planned.map((r) => r.address).sort()).toEqual(declared.sort());
      expect(new Set(planned.map((r) => r.change.actions.join()))).toEqual(new Set(["no-op"]));
    }
  });

  describe.each(VARIANTS.map((v) => [v.module] as const))("%s", (module) => {
    test.each([2, 3, 4])("the step to phase %i, planned against the phase before, plans exactly what it must, per address", (n) => {
      const i = n - 1;
      const t = transitions[i - 1];
      const [prev, next] = [phases[i - 1], phases[i]].map((p) => p.find((f) => f.module === module)!);
      const actual = Object.fromEntries(resourcesOf(t.plan, module).map((r) => [r.address, r.change.actions]));
      const expected: Record<string, string[]> = {};
      for (const fleet of [prev, next]) {
        for (const [type, byName] of Object.entries(fleet.stack.resource as Record<string, Json>)) {
          for (const name of Object.keys(byName)) expected[`module.${module}.${type}.${name}`] = expectedActions(prev, next, type, name);
        }
      }
      expect({ step: next.name, actions: actual }).toEqual({ step: next.name, actions: expected });
    });

    test.each([2, 3, 4])("the step to phase %i: why each replace happens, and what survives it", (n) => {
      const changes = resourcesOf(transitions[n - 2].plan, module).filter((r) => r.change.actions.join() !== "no-op");
      for (const rc of changes) {
        const c = classify(rc.type, rc.name);
        const where = { address: rc.address, actions: rc.change.actions };
        if (c.kind === "role secret version") {
          // secret_string_wo_version forces the replace; the old version is removed only after the new one exists.
          expect({ ...where, paths: rc.change.replace_paths }).toEqual({ ...where, paths: [["secret_string_wo_version"]] });
        } else if (c.kind === "task definition") {
          // The previous revision stays registered (skip_destroy) for a rollback.
          expect({ ...where, skipDestroy: [rc.change.before?.skip_destroy, rc.change.after?.skip_destroy] }).toEqual({ ...where, skipDestroy: [true, true] });
          expect({ ...where, changed: changedAttributes(rc).filter((a) => (rc.change.replace_paths ?? []).some((p) => p[0] === a)) }).toEqual({
            ...where,
            changed: ["container_definitions"],
          });
        } else if (c.kind === "service") {
          // The rolling deployment: only the task definition changes, in place.
          expect({ ...where, changed: changedAttributes(rc) }).toEqual({ ...where, changed: ["task_definition"] });
        }
      }
    });
  });

  /** A plan narrowed to one child module: each module is its own fleet with its own ledger. */
  const planOfModule = (plan: PlanJson, module: string) => ({ ...plan, resource_changes: resourcesOf(plan, module) }) as unknown as Json;
  /** What must agree between the plan review and the synth-pair review: the verdict, the steps, the ledgers and the findings' rules. */
  const verdictOf = (r: ChangeReview) => ({
    ok: r.ok,
    steps: r.steps,
    ledgers: r.ledgers.map((l) => `${l.construct} ${l.kind} ${l.verdict} ${l.step ?? ""}`),
    findings: r.findings.map((f) => f.rule),
  });

  describe.each(VARIANTS.map((v) => [v.module] as const))("stemguard review of the real plans, %s", (module) => {
    test.each([2, 3, 4])("the plan of the step to phase %i gives the synth pair's verdict: legal, every replace and destroy explained", (n) => {
      const i = n - 1;
      const [prev, next] = [phases[i - 1], phases[i]].map((p) => p.find((f) => f.module === module)!);
      const plan = reviewPlanPair(
        { name: "fleet", plan: planOfModule(converged[i - 1].plan, module), synth: (m) => (m === `module.${module}` ? prev.stack : undefined) },
        { name: "fleet", plan: planOfModule(transitions[i - 1].plan, module), synth: (m) => (m === `module.${module}` ? next.stack : undefined) },
      );
      const synth = reviewSynthPair([{ name: `fleet/module.${module}`, json: prev.stack }], [{ name: `fleet/module.${module}`, json: next.stack }]);
      expect(verdictOf(plan)).toEqual(verdictOf(synth));
      expect(verdictOf(plan)).toMatchObject({ ok: true, steps: [`signing-keyring: ${next.op} ${next.keyId}`], findings: [] });
      // The plan is exact where the synth is a lower bound: the services update in place, and they roll after their task definitions.
      const changes = plan.stacks[0].changes;
      for (const c of changes.filter((c) => c.stateful && (c.action === "replace" || c.action === "destroy"))) expect({ address: c.address, explainedBy: c.explainedBy }).toEqual({ address: c.address, explainedBy: `${next.op} ${next.keyId}` });
      const rolls = plan.stacks[0].rolls;
      for (const r of rolls.filter((r) => r.type === "aws_ecs_service")) expect(r.level).toBeGreaterThan(Math.min(...rolls.filter((t) => t.type === "aws_ecs_task_definition").map((t) => t.level)));
    });
  });

  test("controls: without the sensitive marks, or without the placeholders, the last phase no longer plans No changes against its state", async () => {
    const last = converged[converged.length - 1];
    const config = configs[configs.length - 1];
    const outcome = (state: StateV4) =>
      planAgainst(workdir, config, state).then(
        (r) => (plansNoChanges(r.plan) ? "No changes" : `changes: ${describeChanges(r.plan).split("\n").length}`),
        () => "plan fails",
      );
    const unmarked = structuredClone(last.state);
    for (const r of unmarked.resources) for (const instance of r.instances) instance.sensitive_attributes = [];
    expect(await outcome(unmarked)).toMatch(/^changes: \d+$/); // phantom in-place updates
    const unfilled = structuredClone(last.state);
    const nullPlaceholders = (node: unknown): unknown =>
      node === "placeholder" ? null : Array.isArray(node) ? node.map(nullPlaceholders) : node && typeof node === "object" ? Object.fromEntries(Object.entries(node).map(([k, v]) => [k, nullPlaceholders(v)])) : node;
    for (const r of unfilled.resources) for (const instance of r.instances) instance.attributes = nullPlaceholders(instance.attributes) as Record<string, unknown>;
    expect(await outcome(unfilled)).not.toBe("No changes"); // null version ids cannot even be interpolated
  });

  test("no material in any plan, plan output or offline state", () => {
    const texts: Record<string, string> = {};
    transitions.forEach((t, i) => {
      texts[`${stepName(i + 1)} show -json`] = t.planText;
      texts[`${stepName(i + 1)} plan output`] = t.run.stdout + t.run.stderr;
    });
    states.forEach((s, i) => (texts[`${stepName(i)} state`] = s));
    const leaks = Object.entries(texts).flatMap(([where, text]) => findLeaks(text, allMaterials).map((l) => `${l} in ${where}`));
    expect(leaks).toEqual([]);
    // Control: the search finds the material where it is.
    expect(findLeaks(`x${markerDocument(allMaterials[0])}x`, [allMaterials[0]]).length).toBeGreaterThan(0);
    expect(Object.keys(actionsByAddress(transitions[0].plan)).length).toBeGreaterThan(0);
  });
});
