import type { Json } from "./inputs";
import { forcedReplacement, stableText } from "./resource-rules";
import type { StackModel, StackResource } from "./stack-model";

export type ChangeAction = "add" | "change" | "replace" | "destroy";

/** One resource the pull request adds, changes, replaces or destroys. Names only: never a value. */
export interface ResourceChange {
  /** Terraform address (with `module.x.` for a plan of a composed root). */
  readonly address: string;
  readonly type: string;
  readonly action: ChangeAction;
  /** Top-level arguments whose value changes (names only). */
  readonly attributes: readonly string[];
  /** For a replace: the argument paths that force it. */
  readonly forcedBy?: readonly string[];
  /** How the action was decided: the synth rule or the plan's actions. */
  readonly rule: string;
  /** The resource's construct path (base's for a destroy). */
  readonly path?: string;
  /** Addresses this resource references (head's; base's for a destroy). */
  readonly references: readonly string[];
  /** For a replace: which object exists first. */
  readonly order?: "create-before-destroy" | "destroy-before-create";
}

/**
 * What changes between two synthesized stacks, resource by resource: by
 * address (so a changed construct id is a destroy plus an add), comparing
 * configuration; a change of an argument that forces replacement
 * (resource-rules FORCE_NEW) is a replace.
 */
export function diffStackModels(base: StackModel | undefined, head: StackModel | undefined): ResourceChange[] {
  const before = base?.resources ?? new Map<string, StackResource>();
  const after = head?.resources ?? new Map<string, StackResource>();
  const changes: ResourceChange[] = [];
  for (const [address, b] of before) {
    const h = after.get(address);
    if (!h) {
      changes.push({ address, type: b.type, action: "destroy", attributes: [], rule: "synth: the address is gone from head", ...pathOf(b), references: b.references });
      continue;
    }
    const keys = [...new Set([...Object.keys(b.config), ...Object.keys(h.config)])].sort();
    // Terraform plans no change of an argument the resource's lifecycle ignores (the ElastiCache stored password copies).
    const ignored = (h.config.lifecycle as Json | undefined)?.ignore_changes;
    const changed = keys.filter((k) => stableText(b.config[k]) !== stableText(h.config[k]) && !(Array.isArray(ignored) && ignored.includes(k)));
    if (changed.length === 0) continue;
    const forced = forcedReplacement(b.type, b.config, h.config, changed);
    const cbd = (h.config.lifecycle as Json | undefined)?.create_before_destroy === true;
    if (forced.length > 0) {
      changes.push({
        address, type: h.type, action: "replace", attributes: changed, forcedBy: forced,
        rule: `synth: ${forced.join(", ")} force${forced.length === 1 ? "s" : ""} replacement of ${h.type}`,
        ...pathOf(h), references: h.references, order: cbd ? "create-before-destroy" : "destroy-before-create",
      });
    } else changes.push({ address, type: h.type, action: "change", attributes: changed, rule: "synth: arguments change, none forces replacement", ...pathOf(h), references: h.references });
  }
  for (const [address, h] of after) if (!before.has(address)) changes.push({ address, type: h.type, action: "add", attributes: [], rule: "synth: new address", ...pathOf(h), references: h.references });
  return changes.sort(byAddress);
}

function pathOf(r: StackResource): { path?: string } {
  return r.path === undefined ? {} : { path: r.path };
}

export function byAddress(a: { address: string }, b: { address: string }): number {
  return a.address < b.address ? -1 : a.address > b.address ? 1 : 0;
}

/** A plan's resource change, as `terraform show -json` writes it (only the fields the review reads). */
interface PlanResourceChange {
  readonly address: string;
  readonly module_address?: string;
  readonly mode: string;
  readonly type: string;
  readonly name: string;
  readonly change: { readonly actions: readonly string[]; readonly before?: unknown; readonly after?: unknown; readonly after_unknown?: unknown; readonly replace_paths?: readonly (readonly unknown[])[] };
}

/** Raised for a plan the review cannot read: the check fails closed. */
export class UnreadablePlan extends Error {}

/**
 * A plan's managed resource changes grouped by module address ("" for the
 * root), with each resource's construct path and references taken from the
 * stack JSON of that module (head's; base's for a destroy), when given.
 */
export function planChanges(plan: Json, headFor: (moduleAddress: string) => StackModel | undefined, baseFor: (moduleAddress: string) => StackModel | undefined = headFor): Map<string, ResourceChange[]> {
  const raw = plan.resource_changes ?? [];
  if (!Array.isArray(raw)) throw new UnreadablePlan("resource_changes is not a list");
  const out = new Map<string, ResourceChange[]>();
  for (const item of raw as PlanResourceChange[]) {
    if (!item || typeof item !== "object" || typeof item.address !== "string" || !item.change || !Array.isArray(item.change.actions)) throw new UnreadablePlan("a resource change without address or actions");
    if (item.mode !== "managed") continue;
    const actions = item.change.actions.join(",");
    const module = item.module_address ?? "";
    const local = `${item.type}.${item.name}`;
    // A destroyed resource is only in the base's configuration.
    const synth = (actions === "delete" ? baseFor(module) : headFor(module))?.resources.get(local) ?? baseFor(module)?.resources.get(local);
    // References in the module's JSON are local; the plan's addresses carry the module.
    const where = { ...(synth?.path !== undefined ? { path: synth.path } : {}), references: (synth?.references ?? []).map((r) => (module === "" ? r : `${module}.${r}`)) };
    const attributes = changedNames(item.change.before, item.change.after, item.change.after_unknown);
    const rule = `plan: actions ${actions}`;
    let change: ResourceChange | undefined;
    switch (actions) {
      case "no-op":
      case "read":
        break;
      case "create":
        change = { address: item.address, type: item.type, action: "add", attributes: [], rule, ...where };
        break;
      case "update":
        change = { address: item.address, type: item.type, action: "change", attributes, rule, ...where };
        break;
      case "delete":
        change = { address: item.address, type: item.type, action: "destroy", attributes: [], rule, ...where };
        break;
      case "delete,create":
      case "create,delete":
        change = {
          address: item.address, type: item.type, action: "replace", attributes,
          forcedBy: (item.change.replace_paths ?? []).map((p) => p.map(String).join(".")),
          rule, ...where, order: actions === "create,delete" ? "create-before-destroy" : "destroy-before-create",
        };
        break;
      default:
        throw new UnreadablePlan(`unknown actions ${JSON.stringify(item.change.actions)} for ${item.address}`);
    }
    if (change) out.set(module, [...(out.get(module) ?? []), change]);
  }
  for (const list of out.values()) list.sort(byAddress);
  return out;
}

/** Top-level attribute names whose value differs or becomes unknown; never the values. */
function changedNames(before: unknown, after: unknown, unknown: unknown): string[] {
  const b = (before ?? {}) as Json;
  const a = (after ?? {}) as Json;
  const u = (unknown ?? {}) as Json;
  const keys = new Set([...Object.keys(b), ...Object.keys(a), ...Object.keys(u)]);
  return [...keys].filter((k) => stableText(b[k]) !== stableText(a[k]) || hasTrue(u[k])).sort();
}

/** after_unknown marks unknown leaves with `true`; empty objects and lists mean nothing is unknown. */
function hasTrue(value: unknown): boolean {
  if (value === true) return true;
  if (Array.isArray(value)) return value.some(hasTrue);
  return !!value && typeof value === "object" && Object.values(value).some(hasTrue);
}
