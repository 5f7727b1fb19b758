import type { Json, ReviewInput, SynthStackJson } from "./inputs";
import { diffStackModels, planChanges, UnreadablePlan } from "./resource-changes";
import { reviewStackPairs, type ChangeReview, type Finding, type StackPair } from "./review-changes";
import { stackModel, type StackModel } from "./stack-model";

/** Reviews two synth outputs (cdktf.out folders), stack by stack. */
export function reviewSynthPair(base: readonly SynthStackJson[], head: readonly SynthStackJson[]): ChangeReview {
  const names = [...new Set([...base.map((s) => s.name), ...head.map((s) => s.name)])].sort();
  const pairs: StackPair[] = names.map((name) => {
    const b = base.find((s) => s.name === name);
    const h = head.find((s) => s.name === name);
    const [bm, hm] = [b && stackModel(name, b.json), h && stackModel(name, h.json)];
    return { name, ...(bm ? { base: bm } : {}), ...(hm ? { head: hm } : {}), changes: diffStackModels(bm, hm) };
  });
  return reviewStackPairs("synth", pairs);
}

/** One side of a plan review: the plan and the stack JSON of each module it plans ("" for the root). */
export interface PlanSide {
  readonly name: string;
  readonly plan: Json;
  /** The stack JSON (`cdk.tf.json`) of a module address; construct paths and ledgers come from it. */
  readonly synth: (moduleAddress: string) => Json | undefined;
}

/**
 * Reviews a head plan (head's configuration against the state) with the base
 * plan (base's configuration against the same state). The base plan must be
 * clean: otherwise the state is not at base's phase, and head's plan would
 * show more than this pull request (fail closed). Each module of the plan is
 * reviewed as a stack of its own.
 */
export function reviewPlanPair(base: PlanSide, head: PlanSide): ChangeReview {
  const findings: Finding[] = [];
  const models = new Map<string, StackModel | undefined>();
  const model = (side: PlanSide, module: string) => {
    const key = `${side === base ? "b" : "h"}:${module}`;
    if (!models.has(key)) {
      const json = side.synth(module);
      models.set(key, json ? stackModel(stackName(side.name, module), json) : undefined);
    }
    return models.get(key);
  };
  let headChanges: Map<string, import("./resource-changes").ResourceChange[]>;
  try {
    const pending = planChanges(base.plan, (m) => model(base, m));
    const count = [...pending.values()].reduce((n, l) => n + l.length, 0);
    if (count > 0) {
      findings.push({ rule: "plan-base", message: `the base plan is not clean (${count} pending change${count === 1 ? "" : "s"}, e.g. ${[...pending.values()].flat()[0].address}): the state is not at the base's phase, so the head plan shows more than this pull request; apply the base first, or plan both against the state the base produced` });
    }
    headChanges = planChanges(head.plan, (m) => model(head, m), (m) => model(base, m));
  } catch (err) {
    if (!(err instanceof UnreadablePlan)) throw err;
    return reviewStackPairs("plan", [], [{ rule: "unreadable", message: `a plan cannot be read: ${err.message}; pass the output of terraform show -json, unedited` }]);
  }
  const modules = new Set<string>([...headChanges.keys()]);
  for (const side of [base, head]) for (const m of planModules(side.plan)) modules.add(m);
  // The root's stack JSON has ledgers to review even when the plan lists no resource.
  if (base.synth("") !== undefined || head.synth("") !== undefined) modules.add("");
  const pairs: StackPair[] = [...modules].sort().map((m) => {
    const [b, h] = [model(base, m), model(head, m)];
    if (!h && !b) findings.push({ rule: "unreadable", stack: stackName(head.name, m), message: `no stack JSON for ${m === "" ? "the plan" : m}: construct metadata and ledgers come from the cdk.tf.json beside the plan file (run terraform show -json in the stack's directory)` });
    return { name: stackName(head.name, m), ...(b ? { base: b } : {}), ...(h ? { head: h } : {}), changes: headChanges.get(m) ?? [] };
  });
  return reviewStackPairs("plan", pairs, findings);
}

function stackName(name: string, module: string): string {
  return module === "" ? name : `${name}/${module}`;
}

/** Module addresses with resources in the plan (a module without changes still has ledgers to read). */
function planModules(plan: Json): string[] {
  const out = new Set<string>();
  const rcs = Array.isArray(plan.resource_changes) ? (plan.resource_changes as { module_address?: string }[]) : [];
  for (const rc of rcs) out.add(rc?.module_address ?? "");
  return [...out];
}

/** The review of two inputs of the same kind, synth or plan; ledger inputs are reviewed by review-ledgers. */
export function reviewInputs(base: ReviewInput, head: ReviewInput): ChangeReview {
  if (base.kind === "synth" && head.kind === "synth") return reviewSynthPair(base.stacks, head.stacks);
  if (base.kind === "plan" && head.kind === "plan") {
    const side = (i: typeof base): PlanSide => ({ name: i.stackName, plan: i.plan, synth: (m) => (m === "" ? i.synth : undefined) });
    return reviewPlanPair(side(base), side(head as typeof base));
  }
  throw new Error(`internal: reviewInputs of ${base.kind} and ${head.kind}`);
}
