// What both platforms' StemSecurity share: the workload list, the ledger files, the part
// switches, the binding's exactly-once rule and the phase summary. No resources here.
import * as path from "node:path";
import { StemguardError } from "../core/errors";
import { DEFAULT_LEDGER_FILE } from "../core/keyring/ledger-file";
import { ROLES, type Role, type SigningLedger } from "../core/keyring/types";
import { DEFAULT_REDIS_LEDGER_FILE, redisWalk, type RedisLedger } from "../core/redis/ledger-file";
import type { RedisPhase } from "../core/redis/types";

/** The TLS ledger's default file name (`stemguard tls ca init` writes it). */
export const DEFAULT_TLS_LEDGER_FILE = "stemguard.tls.json";

/**
 * The construct ids of the parts under a StemSecurity, on both platforms. They
 * are part of every Terraform address below them: never change them.
 */
export const SECURITY_PART_IDS = { keyring: "Signing", tls: "Tls", redis: "Redis", census: "Census", scan: "Scan", alarms: "Alarms" } as const;

/** What every platform's workload description has. */
export interface StemSecurityWorkloadBase {
  /** Name of the workload (an ECS service, a Deployment): a DNS label, unique in the composition. */
  readonly name: string;
  /** Its Stem role. The dashboard and any job that enqueues tasks sign like producers: give them `producer`. */
  readonly role: Role;
  /** Its container image; pinned as `name:tag@sha256:<64 hex>` for the weekly scan. */
  readonly image: string;
  /**
   * Queues a worker consumes: the census counts them (on AWS the alarms are per queue).
   *
   * @default - none
   */
  readonly queues?: readonly string[];
}

/** Where the ledger files are, one per rotation kind. */
export interface StemSecurityLedgerFiles {
  /**
   * The signing rotation ledger.
   *
   * @default "<ledgerDir>/stemguard.rotation.json"
   */
  readonly signing?: string;
  /**
   * The TLS CA ledger (for parts that use your own CA).
   *
   * @default "<ledgerDir>/stemguard.tls.json"
   */
  readonly tls?: string;
  /**
   * The Redis ledger.
   *
   * @default "<ledgerDir>/stemguard.redis.json"
   */
  readonly redis?: string;
}

/** The three ledger paths, resolved. */
export function ledgerPaths(ledgerDir: string | undefined, files: StemSecurityLedgerFiles | undefined): Required<StemSecurityLedgerFiles> {
  const dir = ledgerDir ?? ".";
  return {
    signing: files?.signing ?? path.join(dir, DEFAULT_LEDGER_FILE),
    tls: files?.tls ?? path.join(dir, DEFAULT_TLS_LEDGER_FILE),
    redis: files?.redis ?? path.join(dir, DEFAULT_REDIS_LEDGER_FILE),
  };
}

/** A part prop: `false` (off), the user's own construct, or props for the part the composition creates. */
export type StemSecurityPart<Props, Existing> = false | Props | Existing;

/** Which of the three a part prop is; `isExisting` tells the user's own construct from props. */
export function choosePart<Props, Existing>(value: StemSecurityPart<Props, Existing> | undefined, isExisting: (v: Props | Existing) => boolean): { readonly kind: "off" } | { readonly kind: "existing"; readonly value: Existing } | { readonly kind: "create"; readonly props: Props | undefined } {
  if (value === false) return { kind: "off" };
  if (value === undefined) return { kind: "create", props: undefined };
  return isExisting(value) ? { kind: "existing", value: value as Existing } : { kind: "create", props: value as Props };
}

/** True for an object that carries `key` (how a part's "from another stack" shape differs from its props). */
export function hasKey(value: unknown, key: string): boolean {
  return typeof value === "object" && value !== null && key in value;
}

/**
 * The composition's `namePrefix`: every part is named `<prefix>-<part>` (the
 * parts' own defaults for "stem"), so it must suit the strictest of them: the
 * ElastiCache replication group id `<prefix>-redis` (at most 32 characters).
 */
export function assertSecurityNamePrefix(prefix: string, field: string): void {
  if (typeof prefix !== "string" || prefix.length > 26 || !/^[a-z](?:[a-z0-9]|-(?!-))*$/.test(prefix) || prefix.endsWith("-")) {
    throw new StemguardError("namePrefix must be 1-26 lowercase letters, digits and single hyphens, starting with a letter and not ending with a hyphen: each part is named <namePrefix>-<part> (<namePrefix>-redis must fit ElastiCache's 32 characters)", {
      field,
      value: prefix,
      fix: 'use a prefix such as "stem" or "prod-orders"',
    });
  }
}

/** The workloads checked: at least one, names unique DNS labels, known roles, queues on workers only. */
export function checkWorkloads<W extends StemSecurityWorkloadBase>(workloads: readonly W[] | undefined, field: string): readonly W[] {
  if (!Array.isArray(workloads) || workloads.length === 0) {
    throw new StemguardError("workloads must list the deployment's producers, workers and beat", { field, value: workloads, fix: 'pass e.g. [{ name: "api", role: "producer", image }, { name: "worker", role: "worker", image, queues: ["default"] }]' });
  }
  const names = new Set<string>();
  workloads.forEach((w, i) => {
    const at = `${field}[${i}]`;
    if (typeof w.name !== "string" || !/^[a-z]([-a-z0-9]*[a-z0-9])?$/.test(w.name) || w.name.length > 63) {
      throw new StemguardError("a workload name must be a DNS label (lowercase letters, digits and '-', at most 63 characters)", { field: `${at}.name`, value: w.name, fix: 'use a name such as "orders-worker"' });
    }
    if (names.has(w.name)) throw new StemguardError("workload names must be unique", { field: `${at}.name`, value: w.name, fix: "give each workload a name of its own" });
    names.add(w.name);
    if (!ROLES.includes(w.role)) throw new StemguardError(`unknown role; roles are ${ROLES.join(", ")}`, { field: `${at}.role`, value: w.role, fix: "use producer, worker or beat (the dashboard is a producer)" });
    if (typeof w.image !== "string" || w.image.length === 0) throw new StemguardError("a workload needs its image", { field: `${at}.image`, value: w.image, fix: "pass the image reference, pinned by digest" });
    if (w.queues !== undefined && w.role !== "worker") throw new StemguardError("only workers consume queues", { field: `${at}.queues`, value: w.queues, fix: "move the queues to the workers that consume them" });
  });
  return workloads;
}

/** The roles the workloads run, in producer, worker, beat order. */
export function workloadRoles(workloads: readonly StemSecurityWorkloadBase[]): Role[] {
  return ROLES.filter((r) => workloads.some((w) => w.role === r));
}

/** Distinct values in first-seen order. */
export function distinct(values: Iterable<string>): string[] {
  return [...new Set(values)];
}

/**
 * Refuses a container's own `STEM_*` variable that the composition sets or
 * owns (a second value would conflict: ECS picks one silently, Kubernetes the
 * last), and a container that was bound already. Other `STEM_*` variables
 * (`STEM_WORKER_NAME`, a broker URL when the composition has no Redis) pass.
 */
export function refuseOwnStemVariables(
  own: readonly string[],
  rule: { readonly marker?: string; readonly sets: ReadonlySet<string>; readonly prefixes: readonly string[]; readonly names: ReadonlySet<string> },
  field: string,
  container: string,
): void {
  if (rule.marker !== undefined && own.includes(rule.marker)) {
    throw new StemguardError(`container "${container}" is already bound to a StemSecurity (it has ${rule.marker})`, {
      field,
      value: rule.marker,
      fix: "bind each container once: pass the container as it was before the first bind",
    });
  }
  for (const name of own) {
    const owned = rule.sets.has(name) || rule.names.has(name) || rule.prefixes.some((p) => name.startsWith(p));
    if (!owned) continue;
    throw new StemguardError(`container "${container}" sets ${name}, which StemSecurity's bind sets or owns; a second value would conflict`, {
      field: `${field}.${name}`,
      value: name,
      fix: `remove ${name} from the container: bind provides the signing env, the Redis URLs and the TLS files of the ledgers${rule.names.has(name) ? " (or turn the composition's Redis off with redis: false to use a Redis of your own)" : ""}`,
    });
  }
}

/** Every variable of a bound container exactly once (what the parts' guards together guarantee; checked, never assumed). */
export function assertEachOnce(names: readonly string[], field: string, container: string): void {
  const seen = new Set<string>();
  for (const name of names) {
    if (seen.has(name)) throw new StemguardError(`container "${container}" would get ${name} twice`, { field: `${field}.${name}`, value: name, fix: "report this: the parts of StemSecurity never set one variable twice" });
    seen.add(name);
  }
}

/** One material input of a phase, on any platform and part. Names only. */
export interface StemSecurityInput {
  /** `signing`, `tls`, `redis`, `census`. */
  readonly part: string;
  readonly variableName: string;
  /** Set `TF_VAR_<variableName>` (this name) for plan and apply. */
  readonly envVarName: string;
  /** Terraform refuses to plan this phase without it. */
  readonly required: boolean;
}

/** Where a deployment stands in each of its rotations, and what rolls each workload: for phase reports. */
export interface StemSecuritySummary {
  readonly namePrefix: string;
  readonly signing: {
    readonly algorithm: string;
    /** The ledger's phase. */
    readonly phase: number;
    /** The step that made it, e.g. `stage k2`. */
    readonly step: string;
    /** Keyring revision per role this deployment runs. */
    readonly revisions: Readonly<Partial<Record<Role, number>>>;
  };
  /** With TLS bundles: their revision (the TLS ledger's phase). */
  readonly tls?: { readonly revision: number };
  /** With a Redis: its phase and the step that made it. */
  readonly redis?: {
    /** e.g. `tls clients-tls`, `password activate pw2`. */
    readonly step: string;
    readonly mode: RedisPhase["mode"];
    readonly clientAuth: RedisPhase["clientAuth"];
    readonly activePassword?: string;
    /** The revision that rolls every client when its URLs change. */
    readonly clientEnvRevision: number;
  };
  /** Per workload, the values that roll it (ECS revision variables, pod-template annotations): a workload rolls when they change. */
  readonly workloads: readonly { readonly name: string; readonly role: Role; readonly rollout: Readonly<Record<string, string>> }[];
  /** The material inputs of this phase. */
  readonly inputs: readonly StemSecurityInput[];
}

/** The signing part of the summary. */
export function signingSummary(ledger: SigningLedger, roles: readonly Role[], revision: (role: Role) => number): StemSecuritySummary["signing"] {
  const last = ledger.history.at(-1);
  return { algorithm: ledger.algorithm, phase: ledger.phase, step: last ? `${last.op} ${last.keyId}` : "none", revisions: Object.fromEntries(roles.map((r) => [r, revision(r)])) };
}

/** The Redis part of the summary. */
export function redisSummary(ledger: RedisLedger, phase: RedisPhase, clientEnvRevision: number): NonNullable<StemSecuritySummary["redis"]> {
  return {
    step: redisWalk(ledger).at(-1)?.step ?? "none",
    mode: phase.mode,
    clientAuth: phase.clientAuth,
    ...(phase.activePassword !== undefined ? { activePassword: phase.activePassword } : {}),
    clientEnvRevision,
  };
}

/** Names only: the input list of a part, whatever its platform's input type. */
export function inputsOf(part: string, inputs: readonly { readonly variableName: string; readonly envVarName: string; readonly required: boolean }[] | undefined): StemSecurityInput[] {
  return (inputs ?? []).map((m) => ({ part, variableName: m.variableName, envVarName: m.envVarName, required: m.required }));
}
