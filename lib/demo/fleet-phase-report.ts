// The example fleet's phase report: per ledger kind, where each environment stands (what its
// ledger file says, checked against what its stacks render) and how far it is behind the
// environment before it in promotion order; per stack, what rolls its workloads. Names,
// phases and revisions only, never material. No cdktf here.
import type { Role, SigningLedger } from "../core/keyring/types";
import { currentRedisPhase, redisWalk, type RedisLedger } from "../core/redis/ledger-file";
import type { TlsCaLedger } from "../core/tls/ca-ledger-types";
import type { StemSecuritySummary } from "../private/security-parts";

/** What one environment's ledger files hold, and what its stacks render. */
export interface FleetEnvironmentInput {
  readonly name: string;
  readonly ledgerDir: string;
  readonly ledgers: { readonly signing: SigningLedger; readonly redis: RedisLedger; readonly tls: TlsCaLedger };
  readonly stacks: readonly { readonly stack: string; readonly platform: "aws" | "kubernetes"; readonly summary: StemSecuritySummary }[];
}

/** How an environment stands against the one before it in promotion order. */
export interface FleetPosition {
  readonly relation: "first" | "level" | "behind" | "ahead" | "diverged";
  /** The environment it is compared with (none for the first). */
  readonly of?: string;
  /** Steps behind or ahead. */
  readonly steps: number;
  /** Behind: the steps it takes next to catch up, in order. */
  readonly next?: readonly string[];
}

export interface FleetLedgerRow {
  readonly environment: string;
  /** The ledger file's phase (Redis: steps in its walk). */
  readonly phase: number;
  /** The step that made it, e.g. `activate k2`. */
  readonly step: string;
  /** What the phase means, e.g. `k2 active, k1 retiring`. */
  readonly state: string;
  readonly position: FleetPosition;
  /** Stacks that render another phase than the file says (none when the synth is current). */
  readonly mismatches: readonly string[];
}

export interface FleetLedgerReport {
  readonly kind: "signing" | "redis" | "tls";
  readonly file: string;
  /** What renders it. */
  readonly platforms: string;
  readonly rows: readonly FleetLedgerRow[];
}

export interface FleetStackReport {
  readonly stack: string;
  readonly environment: string;
  readonly platform: "aws" | "kubernetes";
  readonly workloads: Readonly<Partial<Record<Role, number>>>;
  /** Per revision variable or annotation, its value per role: a workload rolls when its role's value changes. */
  readonly rollout: Readonly<Record<string, Readonly<Partial<Record<Role, string>>>>>;
  /** `TF_VAR_` inputs this phase requires (names only). */
  readonly requiredInputs: number;
}

export interface FleetPhaseReport {
  /** In promotion order. */
  readonly environments: readonly string[];
  readonly ledgers: readonly FleetLedgerReport[];
  readonly stacks: readonly FleetStackReport[];
}

const signingSteps = (l: SigningLedger) => l.history.map((s) => `${s.op} ${s.keyId}`);
const redisSteps = (l: RedisLedger) => redisWalk(l).map((w) => w.step);
const tlsSteps = (l: TlsCaLedger) => l.history.map((s) => ("caId" in s ? `${s.op} ${s.caId}` : s.op));

/** Where `steps` stands against `before` (the previous environment's steps). */
export function comparePosition(before: { readonly name: string; readonly steps: readonly string[] } | undefined, steps: readonly string[]): FleetPosition {
  if (!before) return { relation: "first", steps: 0 };
  const prefix = (a: readonly string[], b: readonly string[]) => a.length <= b.length && a.every((s, i) => s === b[i]);
  const of = before.name;
  if (steps.length === before.steps.length && prefix(steps, before.steps)) return { relation: "level", of, steps: 0 };
  if (prefix(steps, before.steps)) return { relation: "behind", of, steps: before.steps.length - steps.length, next: before.steps.slice(steps.length) };
  if (prefix(before.steps, steps)) return { relation: "ahead", of, steps: steps.length - before.steps.length };
  return { relation: "diverged", of, steps: 0 };
}

function ledgerReport<L>(
  kind: FleetLedgerReport["kind"],
  file: string,
  platforms: string,
  envs: readonly FleetEnvironmentInput[],
  ledgerOf: (e: FleetEnvironmentInput) => L,
  steps: (l: L) => string[],
  state: (l: L) => string,
  rendered: (s: StemSecuritySummary) => { readonly phase?: number; readonly step?: string } | undefined,
): FleetLedgerReport {
  const rows = envs.map((env, i) => {
    const ledger = ledgerOf(env);
    const own = steps(ledger);
    const before = i > 0 ? { name: envs[i - 1].name, steps: steps(ledgerOf(envs[i - 1])) } : undefined;
    const step = own.at(-1) ?? "none";
    const mismatches = env.stacks.flatMap((s) => {
      const r = rendered(s.summary);
      if (r === undefined) return [];
      const wrong = [...(r.phase !== undefined && r.phase !== own.length ? [`phase ${r.phase}`] : []), ...(r.step !== undefined && r.step !== step ? [`step ${r.step}`] : [])];
      return wrong.length > 0 ? [`${s.stack} renders ${wrong.join(", ")}`] : [];
    });
    return { environment: env.name, phase: own.length, step, state: state(ledger), position: comparePosition(before, own), mismatches };
  });
  return { kind, file, platforms, rows };
}

function signingState(l: SigningLedger): string {
  return l.keys.filter((k) => k.state !== "retired").map((k) => `${k.id} ${k.state}`).join(", ") || "no live key";
}

function redisState(l: RedisLedger): string {
  const p = currentRedisPhase(l);
  return `${p.mode}, client certificates ${p.clientAuth}, ${p.activePassword ? `password ${p.activePassword} active` : "no password"}`;
}

function tlsState(l: TlsCaLedger): string {
  const leaves = l.leaves.at(-1);
  return [...l.cas.filter((c) => c.state !== "retired").map((c) => `CA ${c.id} ${c.state}`), ...(leaves ? [`leaves ${leaves.generation} from ${leaves.caId}`] : [])].join(", ");
}

/** The report of a fleet whose environments are given in promotion order. */
export function buildFleetPhaseReport(envs: readonly FleetEnvironmentInput[]): FleetPhaseReport {
  const stacks = envs.flatMap((env) =>
    env.stacks.map((s): FleetStackReport => {
      const workloads: Partial<Record<Role, number>> = {};
      const rollout: Record<string, Partial<Record<Role, string>>> = {};
      for (const w of s.summary.workloads) {
        workloads[w.role] = (workloads[w.role] ?? 0) + 1;
        for (const [key, value] of Object.entries(w.rollout)) (rollout[key] ??= {})[w.role] = value;
      }
      return { stack: s.stack, environment: env.name, platform: s.platform, workloads, rollout, requiredInputs: s.summary.inputs.filter((i) => i.required).length };
    }),
  );
  return {
    environments: envs.map((e) => e.name),
    ledgers: [
      ledgerReport("signing", "stemguard.rotation.json", "AWS and Kubernetes", envs, (e) => e.ledgers.signing, signingSteps, signingState, (s) => ({ phase: s.signing.phase, step: s.signing.step })),
      ledgerReport("redis", "stemguard.redis.json", "ElastiCache on AWS, a StatefulSet on Kubernetes", envs, (e) => e.ledgers.redis, redisSteps, redisState, (s) => (s.redis ? { step: s.redis.step } : undefined)),
      ledgerReport("tls", "stemguard.tls.json", "the Kubernetes Redis's own CA", envs, (e) => e.ledgers.tls, tlsSteps, tlsState, (s) => (s.tls ? { phase: s.tls.revision } : undefined)),
    ],
    stacks,
  };
}

function describePosition(p: FleetPosition): string {
  switch (p.relation) {
    case "first":
      return "";
    case "level":
      return `level with ${p.of}`;
    case "behind":
      return `${p.steps} step${p.steps === 1 ? "" : "s"} behind ${p.of}: next ${p.next!.join(", then ")}`;
    case "ahead":
      return `${p.steps} step${p.steps === 1 ? "" : "s"} ahead of ${p.of}, against promotion order`;
    case "diverged":
      return `diverged from ${p.of}: not the same rotation`;
  }
}

const columns = (rows: readonly (readonly string[])[]) => {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  return rows.map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]))).join("  ").trimEnd());
};

/** One value for every role, or each role's. */
function perRole(values: Readonly<Partial<Record<Role, string>>>): string {
  const distinct = new Set(Object.values(values));
  return distinct.size === 1 ? [...distinct][0] : Object.entries(values).map(([role, v]) => `${role} ${v}`).join(" / ");
}

/** The report as text: a block per ledger kind (environment, phase, step, state, position), then what rolls each stack's workloads. */
export function formatFleetPhaseReport(report: FleetPhaseReport): string {
  const out: string[] = [];
  for (const ledger of report.ledgers) {
    out.push(`${ledger.kind} (${ledger.file}: ${ledger.platforms})`);
    const rows = ledger.rows.map((r) => [r.environment, `phase ${r.phase}`, r.step, r.state, [describePosition(r.position), ...r.mismatches.map((m) => `MISMATCH: ${m}, synthesize again`)].filter(Boolean).join("; ")]);
    out.push(...columns(rows).map((l) => `  ${l}`));
  }
  out.push("what rolls each stack's workloads (bind's revision values; a workload rolls when its role's value changes)");
  out.push(...columns(report.stacks.map((s) => [s.stack, Object.entries(s.rollout).map(([key, values]) => `${key} ${perRole(values)}`).join(", ")])).map((l) => `  ${l}`));
  return out.join("\n");
}
