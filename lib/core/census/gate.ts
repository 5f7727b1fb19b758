import { StemguardError } from "../errors";
import { UNSIGNED_KEY_LABEL } from "../metrics/census-metrics";
import { assertKeyId } from "../keyring/key-id";
import { displayKeyLabel } from "./census";
import { LIVE_STRUCTURES, type CensusReport, type LiveStructure, type OldestLive } from "./types";

/** Clean passes in a row the drain gate needs: messages move between structures while a census reads. */
export const DRAIN_GATE_PASSES = 2;
/** Default pause between two passes, in milliseconds. */
export const DEFAULT_DRAIN_GATE_INTERVAL_MS = 2000;

/** Where live copies signed with the gated key are. */
export interface DrainLocation {
  readonly queue: string;
  readonly structure: LiveStructure;
  readonly count: number;
}

/** One census pass of the gate. */
export interface DrainPass {
  readonly report: CensusReport;
  /** Live copies signed with the key, by queue and structure. */
  readonly locations: readonly DrainLocation[];
  readonly live: number;
  /** Live copies the census could not read (it cannot tell their key): the pass is not clean. */
  readonly unreadable: number;
  readonly oldest: OldestLive | undefined;
  /** Dead letters signed with the key (not live: shown, they do not block). */
  readonly deadSigned: number;
  readonly clean: boolean;
}

/** Outcome of {@link runDrainGate}. */
export interface DrainGateResult {
  /** The key as reports label it ("(unsigned)" for unsigned messages). */
  readonly keyLabel: string;
  /** True only after {@link DRAIN_GATE_PASSES} clean passes in a row. */
  readonly drained: boolean;
  readonly passes: readonly DrainPass[];
}

/** Options of {@link runDrainGate}. */
export interface DrainGateOptions {
  /** The key id that must be drained, or "(unsigned)" for unsigned messages (before `rotate enforce`). */
  readonly keyId: string;
  /**
   * Pause between passes, in milliseconds.
   *
   * @default 2000
   */
  readonly intervalMs?: number;
  /** @default setTimeout */
  readonly sleep?: (ms: number) => Promise<void>;
  /** Called after each pass. */
  readonly onPass?: (pass: DrainPass, index: number) => void;
}

/** Refuses a gate key that is neither "(unsigned)" nor a key id stemguard accepts. */
export function assertGateKey(keyId: string, field = "--key"): void {
  if (keyId !== UNSIGNED_KEY_LABEL) assertKeyId(keyId, field);
}

/** What one census says about `keyLabel`. */
export function drainPass(report: CensusReport, keyLabel: string): DrainPass {
  const locations: DrainLocation[] = [];
  for (const [queue, byKey] of Object.entries(report.liveByQueue)) {
    const counts = byKey[keyLabel];
    if (counts === undefined) continue;
    for (const structure of LIVE_STRUCTURES) if (counts[structure] > 0) locations.push({ queue, structure, count: counts[structure] });
  }
  const live = report.live[keyLabel] ?? 0;
  const unreadable = Object.values(report.unreadable).reduce((a, b) => a + b, 0);
  let deadSigned = 0;
  for (const byReason of Object.values(report.deadDetail)) for (const cell of Object.values(byReason)) deadSigned += cell.signingKeys[keyLabel] ?? 0;
  return { report, locations, live, unreadable, oldest: report.oldest[keyLabel], deadSigned, clean: live === 0 && unreadable === 0 };
}

/**
 * The drain gate: runs `census` until a pass finds a live copy signed with
 * the key (not drained) or {@link DRAIN_GATE_PASSES} passes in a row find
 * none (drained). Fails closed: a pass with unreadable live copies is not clean.
 */
export async function runDrainGate(census: () => Promise<CensusReport>, options: DrainGateOptions): Promise<DrainGateResult> {
  assertGateKey(options.keyId, "keyId");
  const interval = options.intervalMs ?? DEFAULT_DRAIN_GATE_INTERVAL_MS;
  if (!Number.isInteger(interval) || interval < 0 || interval > 600_000) {
    throw new StemguardError("the pause between passes must be a whole number of milliseconds from 0 to 600000", { field: "intervalMs", value: interval, fix: "use the default, 2000" });
  }
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const keyLabel = displayKeyLabel(options.keyId);
  const passes: DrainPass[] = [];
  while (passes.length < DRAIN_GATE_PASSES) {
    if (passes.length > 0) await sleep(interval);
    const pass = drainPass(await census(), keyLabel);
    passes.push(pass);
    options.onPass?.(pass, passes.length - 1);
    if (!pass.clean) return { keyLabel, drained: false, passes };
  }
  return { keyLabel, drained: true, passes };
}
