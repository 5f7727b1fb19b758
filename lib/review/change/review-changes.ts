import { diffSections, type SectionDiff } from "../../core/ledger/diff";
import type { AnyLedgerSection } from "../../core/ledger/document";
import type { StepRecord } from "../../core/ledger/kind";
import { emptySection, stepText } from "../../core/ledger/section";
import type { MarkedConstruct } from "../../core/synth-marker/marker";
import { parseLedgerText } from "../review-ledgers";
import { byAddress, type ResourceChange } from "./resource-changes";
import { isKnownType, STATEFUL_TYPES, WORKLOADS } from "./resource-rules";
import { ownerOf, type StackModel } from "./stack-model";
import { explained, missingEffects, partOf, stepEffects, type StepEffects } from "./step-effects";

/** The purpose groups of the report, decided from stemguard's construct record (never from names). */
export const PURPOSES = ["signing keyring", "TLS", "Redis", "census/scans", "alarms", "other"] as const;
export type Purpose = (typeof PURPOSES)[number];

const PURPOSE_OF: Readonly<Record<MarkedConstruct["family"], Purpose>> = {
  "signing-keyring": "signing keyring",
  tls: "TLS",
  redis: "Redis",
  census: "census/scans",
  scans: "census/scans",
  alarms: "alarms",
};

/** One resource change with its purpose and the stemguard construct it belongs to. */
export interface ClassifiedChange extends ResourceChange {
  readonly purpose: Purpose;
  /** The owning stemguard construct's path. */
  readonly construct?: string;
  /** Secret-bearing or stateful (resource-rules STATEFUL_TYPES). */
  readonly stateful: boolean;
  /** For a destroy or replace of a stateful resource: the ledger step that explains it. */
  readonly explainedBy?: string;
}

/** A workload that starts new pods or tasks, and when in the apply it does. */
export interface WorkloadRoll {
  readonly address: string;
  readonly type: string;
  /** The Stem role whose keyring it carries, when it is bound to one. */
  readonly role?: string;
  /** Apply order: 1 for a workload that depends on no other changed resource, n+1 after one of level n. */
  readonly level: number;
}

/** The verdict on one ledger a stemguard construct renders. */
export interface ConstructLedgerReview {
  readonly stack: string;
  readonly construct: string;
  readonly kind: string;
  readonly verdict: "unchanged" | "step" | "revert" | "illegal" | "invalid" | "new";
  readonly step?: string;
  readonly summary: string;
  readonly basePhase: number;
  readonly headPhase: number;
  /** Labels of the head ledger's history, phase 1 first (for the rotation diagram). */
  readonly history: readonly string[];
  /** The base's history, when the pull request reverts its last step. */
  readonly baseHistory?: readonly string[];
}

/** A reason the pull request is unsafe. */
export interface Finding {
  readonly rule: "unexplained-destroy" | "construct-id" | "construct-removed" | "name-prefix" | "step-diff" | "ledger" | "steps" | "unreadable" | "unknown-type" | "plan-base";
  readonly message: string;
  readonly stack?: string;
  readonly address?: string;
}

export interface StackReview {
  readonly name: string;
  readonly counts: Readonly<Record<"add" | "change" | "replace" | "destroy", number>>;
  readonly changes: readonly ClassifiedChange[];
  readonly rolls: readonly WorkloadRoll[];
}

/** The whole review of a pull request's synthesized or planned change. */
export interface ChangeReview {
  readonly ok: boolean;
  readonly input: "synth" | "plan";
  readonly stacks: readonly StackReview[];
  readonly ledgers: readonly ConstructLedgerReview[];
  /** Distinct ledger steps (a ledger rendered by several constructs counts once). */
  readonly steps: readonly string[];
  readonly findings: readonly Finding[];
}

/** The base and head of one stack, and the changes between them (from a synth pair or a plan). */
export interface StackPair {
  readonly name: string;
  readonly base?: StackModel;
  readonly head?: StackModel;
  readonly changes: readonly ResourceChange[];
}

interface ConstructCheck {
  readonly construct: MarkedConstruct;
  readonly effects?: StepEffects;
  readonly stepLabel?: string;
}

/**
 * Reviews the stacks of a pull request: every change classified by purpose,
 * workload rolls in apply order, every stemguard ledger's verdict, and the
 * findings that make it unsafe (docs/review.md, "Verdict rules").
 */
export function reviewStackPairs(input: "synth" | "plan", pairs: readonly StackPair[], extraFindings: readonly Finding[] = []): ChangeReview {
  const findings: Finding[] = [...extraFindings];
  const ledgers: ConstructLedgerReview[] = [];
  const stepKeys = new Map<string, string>();
  const stacks: StackReview[] = [];
  for (const pair of pairs) {
    const stack = pair.name;
    for (const [side, model] of [["base", pair.base], ["head", pair.head]] as const) {
      if (model?.markerProblem) findings.push({ rule: "unreadable", stack, message: `${side}: ${model.markerProblem}` });
    }
    const baseConstructs = pair.base?.constructs ?? [];
    const headConstructs = pair.head?.constructs ?? [];
    const checks: ConstructCheck[] = [];
    for (const b of baseConstructs) {
      const h = headConstructs.find((c) => c.path === b.path);
      if (h) continue;
      const moved = headConstructs.find((c) => !baseConstructs.some((o) => o.path === c.path) && c.family === b.family && c.construct === b.construct && c.platform === b.platform);
      if (moved) {
        findings.push({ rule: "construct-id", stack, message: `construct id changed: ${b.construct} ${b.path} is now ${moved.path}; its resources get new addresses, so Terraform destroys ${countUnder(pair.changes, b.path, "destroy")} and creates them again (keep the id "${lastId(b.path)}")` });
      } else if (!b.imported) {
        findings.push({ rule: "construct-removed", stack, message: `${b.construct} ${b.path} was removed from stack ${stack}: its ${countUnder(pair.changes, b.path, "destroy")} resources are destroyed, with their secrets (a ledger retires items one step at a time; removing the construct is not a step)` });
      }
    }
    for (const h of headConstructs) {
      const b = baseConstructs.find((c) => c.path === h.path);
      if (b && b.namePrefix !== h.namePrefix) {
        findings.push({ rule: "name-prefix", stack, message: `${h.construct} ${h.path}: namePrefix changed from "${b.namePrefix}" to "${h.namePrefix}"; every secret and object name derives from it, so they are replaced (keep the prefix; move names in a migration of their own)` });
      }
      checks.push(reviewConstructLedger(stack, b, h, ledgers, findings, stepKeys, pair));
    }
    const classified = pair.changes.map((c) => classify(c, pair, checks));
    for (const c of classified) {
      if ((c.action === "destroy" || c.action === "replace") && c.stateful && !c.explainedBy) {
        findings.push({ rule: "unexplained-destroy", stack, address: c.address, message: `${c.action} of ${describe(c)} ${c.address}${c.construct ? ` (${c.construct})` : ""} that no ledger step explains (${c.rule})` });
      } else if ((c.action === "destroy" || c.action === "replace") && c.construct && !isKnownType(c.type)) {
        findings.push({ rule: "unknown-type", stack, address: c.address, message: `${c.action} of ${c.address} under ${c.construct}: a resource type the review does not know, so it cannot tell it is safe` });
      }
    }
    for (const check of checks) {
      if (!check.effects) continue;
      for (const message of missingEffects(check.construct, check.effects, pair.changes)) findings.push({ rule: "step-diff", stack, message });
    }
    const counts = { add: 0, change: 0, replace: 0, destroy: 0 };
    for (const c of classified) counts[c.action]++;
    stacks.push({ name: stack, counts, changes: classified, rolls: workloadRolls(classified, pair) });
  }
  const steps = [...stepKeys.values()];
  if (steps.length > 1) findings.push({ rule: "steps", message: `${steps.length} ledger steps in one pull request (${steps.join("; ")}); split it: one step in one ledger per pull request, one apply per phase` });
  return { ok: findings.length === 0, input, stacks, ledgers, steps, findings };
}

function reviewConstructLedger(stack: string, base: MarkedConstruct | undefined, head: MarkedConstruct, ledgers: ConstructLedgerReview[], findings: Finding[], stepKeys: Map<string, string>, pair: StackPair): ConstructCheck {
  if (head.ledger === undefined) return { construct: head };
  const headParsed = parseLedgerText(JSON.stringify(head.ledger), `${stack}: ${head.path} ledger`);
  const record = (r: Omit<ConstructLedgerReview, "stack" | "construct">) => ledgers.push({ stack, construct: head.path, ...r });
  if ("problem" in headParsed) {
    record({ kind: "ledger", verdict: "invalid", summary: headParsed.problem, basePhase: 0, headPhase: 0, history: [] });
    findings.push({ rule: "ledger", stack, message: `${head.path}: the ledger it renders cannot be reviewed: ${headParsed.problem}` });
    return { construct: head };
  }
  const baseParsed = base?.ledger === undefined ? undefined : parseLedgerText(JSON.stringify(base.ledger), `${stack}: ${head.path} ledger (base)`);
  if (baseParsed && "problem" in baseParsed) {
    findings.push({ rule: "ledger", stack, message: `${head.path}: the base's ledger cannot be reviewed: ${baseParsed.problem}` });
    return { construct: head };
  }
  let effects: StepEffects | undefined;
  let stepLabel: string | undefined;
  const merged: { required: StepEffects["required"][number][]; explains: StepEffects["explains"][number][]; anyChange?: string } = { required: [], explains: [] };
  for (const section of headParsed.doc.sections) {
    const history = section.history.map((s: StepRecord) => section.kind.label(s) as string);
    if (!base) {
      record({ kind: section.kind.name, verdict: "new", summary: `new construct, its ledger at phase ${section.phase}`, basePhase: 0, headPhase: section.phase, history });
      continue;
    }
    const baseSection: AnyLedgerSection = baseParsed?.doc.sections.find((s) => s.kind === section.kind) ?? emptySection(section.kind, section.options);
    const diff: SectionDiff = diffSections(baseSection, section);
    const label = "step" in diff ? `${diff.kind === "revert" ? "revert of " : ""}${section.kind.label(diff.step)}` : undefined;
    record({
      kind: section.kind.name,
      verdict: diff.kind,
      ...(label ? { step: label } : {}),
      summary: diff.kind === "illegal" ? diff.reason : diff.kind === "unchanged" ? `unchanged (phase ${diff.phase})` : diff.summary,
      basePhase: baseSection.phase,
      headPhase: section.phase,
      history,
      ...(diff.kind === "revert" ? { baseHistory: baseSection.history.map((s: StepRecord) => section.kind.label(s) as string) } : {}),
    });
    if (diff.kind === "illegal") {
      findings.push({ rule: "ledger", stack, message: `${head.path} (${section.kind.name}): ${diff.reason}` });
      continue;
    }
    if (diff.kind === "unchanged") continue;
    const key = `${section.kind.name}\u0000${baseSection.history.map((s: StepRecord) => stepText(section.kind, s)).join()}\u0000${section.history.map((s: StepRecord) => stepText(section.kind, s)).join()}`;
    stepKeys.set(key, `${section.kind.name}: ${label}`);
    const rolls = section.kind.rolls(baseSection.state, section.state, section.options).filter((role: string) => rolePartPresent(head, pair, role));
    const e = stepEffects(head, baseSection, section, rolls, label!, head.family === "redis" ? wiredKeyrings(head, pair) : []);
    merged.required.push(...e.required);
    merged.explains.push(...e.explains);
    if (e.anyChange) merged.anyChange = e.anyChange;
    stepLabel = label;
    effects = merged;
  }
  return { construct: head, ...(effects ? { effects } : {}), ...(stepLabel ? { stepLabel } : {}) };
}

/** The AWS signing keyrings of the stack whose resources reference this Redis's (its URLs ride in their role secrets). */
function wiredKeyrings(redis: MarkedConstruct, pair: StackPair): string[] {
  const model = pair.head ?? pair.base;
  if (!model) return [];
  const out: string[] = [];
  for (const keyring of model.constructs.filter((c) => c.family === "signing-keyring" && c.platform === redis.platform)) {
    const wired = [...model.resources.values()].some(
      (r) => partOf(keyring, r.path) !== undefined && r.references.some((ref) => partOf(redis, model.resources.get(ref)?.path) !== undefined),
    );
    if (wired) out.push(keyring.path);
  }
  return out;
}

/** Whether the construct has a part for `role` (a keyring with `roles: ["worker"]` has no producer secret); other kinds' roll names pass. */
function rolePartPresent(construct: MarkedConstruct, pair: StackPair, role: string): boolean {
  if (construct.family !== "signing-keyring") return true;
  const part = construct.platform === "aws" ? `Role-${role}/` : `${role[0].toUpperCase()}${role.slice(1)}`;
  for (const model of [pair.head, pair.base]) {
    for (const r of model?.resources.values() ?? []) {
      const p = partOf(construct, r.path);
      if (p !== undefined && (p === part || p.startsWith(part))) return true;
    }
  }
  return pair.changes.some((c) => partOf(construct, c.path)?.startsWith(part));
}

function classify(change: ResourceChange, pair: StackPair, checks: readonly ConstructCheck[]): ClassifiedChange {
  const constructs = change.action === "destroy" ? (pair.base?.constructs ?? []) : (pair.head?.constructs ?? pair.base?.constructs ?? []);
  const owner = ownerOf(constructs, change.path);
  // The ElastiCache Redis's stored password copies (terraform_data) are the stack's only copy of a password.
  const stateful = STATEFUL_TYPES.has(change.type) || (change.type === "terraform_data" && owner?.family === "redis");
  let explainedBy: string | undefined;
  for (const check of checks) {
    if (check.effects && check.stepLabel && explained(check.construct, check.effects, change)) explainedBy = check.stepLabel;
  }
  return { ...change, purpose: owner ? PURPOSE_OF[owner.family] : "other", ...(owner ? { construct: owner.path } : {}), stateful, ...(explainedBy ? { explainedBy } : {}) };
}

function describe(c: ClassifiedChange): string {
  if (c.type.includes("persistent_volume_claim") || c.type.includes("stateful_set")) return "the stateful";
  return c.type.includes("secret") ? "the secret-bearing" : "the stateful";
}

function countUnder(changes: readonly ResourceChange[], path: string, action: string): number {
  return changes.filter((c) => c.action === action && c.path?.startsWith(`${path}/`)).length;
}

function lastId(path: string): string {
  return path.split("/").at(-1)!;
}

/**
 * Workloads that start new pods or tasks: a changed pod template, a new task
 * definition (a replace), a service moved to a new revision. The level orders
 * them as Terraform applies them: after every changed resource they reference.
 */
function workloadRolls(changes: readonly ClassifiedChange[], pair: StackPair): WorkloadRoll[] {
  const changed = new Map(changes.filter((c) => c.action !== "destroy").map((c) => [c.address, c]));
  const level = new Map<string, number>();
  const depth = (address: string, seen: Set<string>): number => {
    const known = level.get(address);
    if (known !== undefined) return known;
    if (seen.has(address)) return 1;
    seen.add(address);
    const c = changed.get(address)!;
    const d = 1 + Math.max(0, ...c.references.filter((r) => changed.has(r)).map((r) => depth(r, seen)));
    level.set(address, d);
    return d;
  };
  const rolls: WorkloadRoll[] = [];
  for (const c of changed.values()) {
    const arg = WORKLOADS[c.type];
    if (arg === undefined) continue;
    const top = arg.split(".")[0];
    if (c.action !== "replace" && !(c.action === "change" && c.attributes.includes(top))) continue;
    const role = roleOf(c.address, pair, new Set());
    rolls.push({ address: c.address, type: c.type, ...(role ? { role } : {}), level: depth(c.address, new Set()) });
  }
  // A service whose task definition is replaced moves to the new revision: it rolls although its own configuration reads the same.
  const replaced = new Set(rolls.filter((r) => changed.get(r.address)?.action === "replace").map((r) => r.address));
  for (const resource of (pair.head ?? pair.base)?.resources.values() ?? []) {
    if (WORKLOADS[resource.type] === undefined || rolls.some((r) => r.address.endsWith(resource.address))) continue;
    const via = resource.references.filter((ref) => [...replaced].some((a) => a.endsWith(ref)));
    if (via.length === 0) continue;
    const role = roleOf(resource.address, pair, new Set());
    const after = Math.max(...rolls.filter((r) => via.some((ref) => r.address.endsWith(ref))).map((r) => r.level));
    rolls.push({ address: resource.address, type: resource.type, ...(role ? { role } : {}), level: after + 1 });
  }
  // Levels count only workloads: a task definition after its role secret version is level 1 among workloads.
  if (rolls.length === 0) return [];
  const min = Math.min(...rolls.map((r) => r.level));
  return rolls.map((r) => ({ ...r, level: r.level - min + 1 })).sort((a, b) => a.level - b.level || byAddress(a, b));
}

/** The Stem role a workload carries: a signing keyring role part it references, directly or through a task definition. */
function roleOf(address: string, pair: StackPair, seen: Set<string>): string | undefined {
  const model = pair.head ?? pair.base;
  const local = address.replace(/^(module\.[^.]+\.)+/, "");
  const resource = model?.resources.get(local);
  if (!resource || seen.has(local)) return undefined;
  seen.add(local);
  for (const ref of resource.references) {
    const target = model!.resources.get(ref);
    const owner = ownerOf(model!.constructs, target?.path);
    if (owner?.family === "signing-keyring") {
      const part = partOf(owner, target!.path)!;
      const m = /^Role-(producer|worker|beat)\//.exec(part) ?? /^(Producer|Worker|Beat)$/.exec(part);
      if (m) return m[1].toLowerCase();
    }
  }
  for (const ref of resource.references) {
    const role = roleOf(ref, pair, seen);
    if (role) return role;
  }
  return undefined;
}
