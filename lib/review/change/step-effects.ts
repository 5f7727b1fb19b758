import type { AnyLedgerSection } from "../../core/ledger/document";
import type { MarkedConstruct } from "../../core/synth-marker/marker";
import type { ChangeAction, ResourceChange } from "./resource-changes";

/**
 * What a construct's ledger step must do to its own resources, and which
 * destroys and replaces it explains. Parts are construct paths relative to the
 * construct (`Key-k2/Secret`), the public construct ids stemguard pins.
 */
export interface StepEffects {
  /** Each must appear in the diff with one of the actions. `owner`: the construct path the part is under, when not the step's construct. */
  readonly required: readonly { readonly part: string; readonly owner?: string; readonly actions: readonly ChangeAction[]; readonly why: string }[];
  /** Destroys and replaces of these parts are explained by the step. */
  readonly explains: readonly { readonly part: string; readonly owner?: string; readonly actions: readonly ChangeAction[] }[];
  /** True when at least one resource of the construct must change at all (steps of kinds without a per-part rule). */
  readonly anyChange?: string;
}

const ROLE_ID: Readonly<Record<string, string>> = { producer: "Producer", worker: "Worker", beat: "Beat" };

type SigningState = { readonly keys: readonly { readonly id: string; readonly state: string }[] };
type PasswordsState = { readonly passwords: readonly { readonly id: string; readonly state: string }[] };
const ROLES: ReadonlySet<string> = new Set(Object.keys(ROLE_ID));

/**
 * The effects of going from `base` to `head` (a step or a safe revert) for
 * a created construct (an imported one owns no secret). `rolls` is the kind's
 * own answer to "whose configuration changes".
 */
export function stepEffects(construct: MarkedConstruct, base: AnyLedgerSection, head: AnyLedgerSection, rolls: readonly string[], label: string, wiredKeyrings: readonly string[] = []): StepEffects {
  const kind = head.kind.name;
  // The ElastiCache Redis keeps a stored copy of each password in its stack, created or imported (lib/aws/redis-base.ts).
  if (construct.family === "redis" && construct.platform === "aws") return elastiCacheEffects(construct, base, head, rolls, label, wiredKeyrings);
  if (construct.imported) return { required: [], explains: [] };
  if (kind === "signing-keyring") {
    const live = (s: SigningState) => new Set(s.keys.filter((k) => k.state !== "retired").map((k) => k.id));
    const [before, after] = [live(base.state as SigningState), live(head.state as SigningState)];
    const required: StepEffects["required"][number][] = [];
    const explains: StepEffects["explains"][number][] = [];
    if (construct.platform === "aws") {
      for (const id of after) {
        if (before.has(id)) continue;
        for (const part of [`Key-${id}/Secret`, `Key-${id}/Version`]) required.push({ part, actions: ["add"], why: `${label} must create the key's ${part.endsWith("Secret") ? "secret" : "secret version"}` });
      }
      for (const id of before) {
        if (after.has(id)) continue;
        for (const part of [`Key-${id}/Secret`, `Key-${id}/Version`]) {
          required.push({ part, actions: ["destroy"], why: `${label} must remove the key's ${part.endsWith("Secret") ? "secret" : "secret version"}` });
          explains.push({ part, actions: ["destroy"] });
        }
      }
      for (const role of rolls) {
        required.push({ part: `Role-${role}/Version`, actions: ["replace", "change"], why: `${label} changes the ${role} env, so the ${role} role secret version must be rewritten` });
        explains.push({ part: `Role-${role}/Version`, actions: ["replace"] });
      }
    } else {
      for (const role of rolls) required.push({ part: ROLE_ID[role] ?? role, actions: ["change"], why: `${label} changes the ${role} env, so the ${role} role Secret must be rewritten (data_wo_revision)` });
    }
    return { required, explains };
  }
  if (kind === "tls-ca") {
    if (construct.platform === "aws") {
      // The trust bundle and the leaves are separate secrets (lib/aws/tls-bundles.ts): a step rewrites the one it changes.
      const op = (head.phase > base.phase ? head.history.at(-1) : base.history.at(-1))?.op as string | undefined;
      const parts = op === "stage-ca" || op === "retire-ca" ? [["CaVersion", "CA secret"]] : op === "init" ? [["CaVersion", "CA secret"], ["Version", "client secret"]] : [["Version", "client secret"]];
      return {
        required: parts.map(([part, what]) => ({ part, actions: ["replace", "change"] as ChangeAction[], why: `${label} must rewrite the TLS ${what}'s version` })),
        explains: parts.map(([part]) => ({ part, actions: ["replace"] as ChangeAction[] })),
      };
    }
    return { required: [], explains: [], anyChange: `${label} must rewrite at least one TLS bundle Secret` };
  }
  // redis-tls and redis-passwords: the server's files (ConfigMap, auth Secret) change live; nothing is destroyed.
  return { required: [], explains: [], anyChange: `${label} must change the Redis configuration or auth Secret` };
}

/**
 * An ElastiCache Redis step (lib/aws/redis.ts): the server's objects change in
 * place (transit settings, the default user's passwords); a password that
 * becomes live gets its stored copy (`Password-<id>`, terraform_data) and a
 * password that leaves is destroyed with it; a step that moves the clients'
 * Redis env (scheme, active password) rewrites the role secret version of
 * every keyring wired to this Redis (its URLs ride in the role secret,
 * create before destroy).
 */
function elastiCacheEffects(construct: MarkedConstruct, base: AnyLedgerSection, head: AnyLedgerSection, rolls: readonly string[], label: string, wiredKeyrings: readonly string[]): StepEffects {
  const required: StepEffects["required"][number][] = [];
  const explains: StepEffects["explains"][number][] = [];
  if (head.kind.name === "redis-passwords") {
    const live = (s: PasswordsState) => new Set(s.passwords.filter((p) => p.state !== "retired").map((p) => p.id));
    const [before, after] = [live(base.state as PasswordsState), live(head.state as PasswordsState)];
    for (const id of after) if (!before.has(id)) required.push({ part: `Password-${id}`, actions: ["add"], why: `${label} must store the password's copy` });
    for (const id of before) {
      if (after.has(id)) continue;
      required.push({ part: `Password-${id}`, actions: ["destroy"], why: `${label} must remove the password's stored copy` });
      explains.push({ part: `Password-${id}`, actions: ["destroy"] });
    }
  }
  for (const keyring of wiredKeyrings) {
    for (const role of rolls.filter((r) => ROLES.has(r))) {
      required.push({ part: `Role-${role}/Version`, owner: keyring, actions: ["replace", "change"], why: `${label} changes the ${role} Redis URLs, so the ${role} role secret version of ${keyring} must be rewritten` });
      explains.push({ part: `Role-${role}/Version`, owner: keyring, actions: ["replace"] });
    }
  }
  // A server step must change this Redis's own objects (a created one: an imported server is changed elsewhere).
  const anyChange = rolls.includes("redis") && !construct.imported && required.length === 0 ? `${label} must change the ElastiCache configuration` : undefined;
  return { required, explains, ...(anyChange ? { anyChange } : {}) };
}

/** The part of a resource path under a construct, or undefined when it lies elsewhere. */
export function partOf(construct: MarkedConstruct, path: string | undefined): string | undefined {
  return partUnder(construct.path, path);
}

/** The effects the diff lacks, as messages naming the step, the part and what the diff shows instead. */
export function missingEffects(construct: MarkedConstruct, effects: StepEffects, changes: readonly ResourceChange[]): string[] {
  const mine = changes.filter((c) => partOf(construct, c.path) !== undefined);
  const out: string[] = [];
  for (const req of effects.required) {
    const owner = req.owner ?? construct.path;
    const found = changes.find((c) => partUnder(owner, c.path) === req.part);
    if (!found || !req.actions.includes(found.action)) {
      out.push(`${req.why} (${owner}/${req.part}); the synthesized diff ${found ? `${found.action}s it instead` : "does not touch it"}`);
    }
  }
  if (effects.anyChange && mine.length === 0) out.push(`${effects.anyChange} (${construct.path}); no resource of it changes in the synthesized diff`);
  return out;
}

/** Whether the effects explain this destroy or replace. */
export function explained(construct: MarkedConstruct, effects: StepEffects, change: ResourceChange): boolean {
  return effects.explains.some((e) => e.actions.includes(change.action) && partUnder(e.owner ?? construct.path, change.path) === e.part);
}

function partUnder(owner: string, path: string | undefined): string | undefined {
  return path !== undefined && path.startsWith(`${owner}/`) ? path.slice(owner.length + 1) : undefined;
}
