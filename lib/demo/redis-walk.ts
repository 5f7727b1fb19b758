// The Redis walk `stemguard demo --redis` synthesizes on the AWS fleet: every phase of
// switching Stem to rediss:// on ElastiCache and rotating its password, one pull request
// each, with the review verdict of each step and the Terraform blocks it changes.
import { emptySection } from "../core/ledger/section";
import { diffSections } from "../core/ledger/diff";
import { applyRedisPasswordStep, applyRedisTlsStep, initRedisLedger, type RedisLedger } from "../core/redis/ledger-file";
import { redisPasswordsKind } from "../core/redis/passwords-kind";
import type { PhaseReportEntry } from "../review/phase-report";
import { diffSynth, type BlockChange, type TerraformJson } from "../review/synth-diff";

/** One phase of the example walk: the `stemguard redis` command that made it and the ledger after it. */
export interface RedisWalkPhase {
  /** e.g. `stemguard redis mode dual`. */
  readonly command: string;
  readonly ledger: RedisLedger;
}

/**
 * The example walk on ElastiCache: `init --mode plain`, `tls dual`, the first
 * password (ElastiCache takes passwords over TLS only), `tls clients-tls`,
 * `tls tls-only`, then a rotation: stage pw2, activate pw2, retire pw1.
 * No client-auth steps: ElastiCache has no client certificates.
 */
export function exampleRedisWalk(): RedisWalkPhase[] {
  let ledger = initRedisLedger("plain");
  const out: RedisWalkPhase[] = [{ command: "stemguard redis init --mode plain", ledger }];
  const tls = (mode: "dual" | "clients-tls" | "tls-only") => out.push({ command: `stemguard redis tls ${mode}`, ledger: (ledger = applyRedisTlsStep(ledger, { op: "mode", mode })) });
  const password = (op: "init" | "stage" | "activate" | "retire", id: string) => out.push({ command: `stemguard redis password ${op} ${id}`, ledger: (ledger = applyRedisPasswordStep(ledger, op, id)) });
  tls("dual");
  password("init", "pw1");
  tls("clients-tls");
  tls("tls-only");
  password("stage", "pw2");
  password("activate", "pw2");
  password("retire", "pw1");
  return out;
}

/** The review verdict of one Redis step (the section it changed), as `stemguard review` words it. */
function verdict(base: RedisLedger | undefined, head: RedisLedger): { summary: string; legal: boolean } {
  if (!base) return { summary: `init ${head.tls.state.mode}: the server speaks ${head.tls.state.mode === "plain" ? "plain Redis" : "TLS only"}.`, legal: true };
  const tlsDiff = diffSections(base.tls, head.tls);
  const diff = tlsDiff.kind !== "unchanged" ? tlsDiff : diffSections(base.passwords ?? emptySection(redisPasswordsKind, {}), head.passwords ?? emptySection(redisPasswordsKind, {}));
  if (diff.kind === "illegal") return { summary: diff.reason, legal: false };
  return { summary: diff.kind === "unchanged" ? "unchanged" : diff.summary, legal: true };
}

/**
 * For each phase of `walk`: the step's verdict and the blocks each platform's
 * synthesized stack changes against the phase before (the first phase: every
 * block, created).
 */
export function buildRedisPhaseReport(walk: readonly RedisWalkPhase[], synthesize: (ledger: RedisLedger) => Readonly<Record<string, TerraformJson>>): PhaseReportEntry[] {
  const entries: PhaseReportEntry[] = [];
  let previous: Readonly<Record<string, TerraformJson>> = {};
  walk.forEach((phase, i) => {
    const stacks = synthesize(phase.ledger);
    const changes: Record<string, readonly BlockChange[]> = {};
    for (const [platform, doc] of Object.entries(stacks)) changes[platform] = diffSynth(previous[platform] ?? {}, doc);
    const { summary, legal } = verdict(walk[i - 1]?.ledger, phase.ledger);
    entries.push({ phase: i + 1, step: phase.command.replace(/^stemguard redis /, ""), summary, legal, changes });
    previous = stacks;
  });
  return entries;
}
