import { StemguardError } from "../errors";
import { assertLedgerDate, ledgerToday, parseCadence, type Cadence } from "./cadence";
import type { LedgerKind, StepRecord } from "./kind";

/** The schema version every ledger file and section carries. */
export const LEDGER_SCHEMA_VERSION = 1;

/** A parsed, replayed ledger section of one kind. */
export interface LedgerSection<State, Step extends StepRecord, Options> {
  readonly kind: LedgerKind<State, Step, Options>;
  readonly options: Options;
  /** The number of steps taken. */
  readonly phase: number;
  readonly history: readonly Step[];
  /** What the history yields. Treat as read-only. */
  readonly state: State;
  /** The section's rotation cadence, when declared (`stemguard cadence`); steps then record their date. */
  readonly cadence?: Cadence;
}

const EDIT_FIX = (kind: { editor: string }) => `restore the file from version control; edit ledgers only with '${kind.editor}'`;

/**
 * Replays a history from the kind's initial state, one apply per step: linear
 * in the number of steps (a kind's apply touches only the entries it names).
 * `visit` sees every phase's state before the next step changes it.
 */
export function replay<S, St extends StepRecord, O>(
  kind: LedgerKind<S, St, O>,
  options: O,
  history: readonly St[],
  visit?: (state: S, phase: number) => void,
): S {
  let state = kind.initial(options);
  visit?.(state, 0);
  for (const [i, step] of history.entries()) {
    const rule = kind.steps[step.op];
    if (!rule) throw new StemguardError(`unknown op for ${kind.name}`, { field: `history[${i}].op`, value: step.op, fix: `use one of ${Object.keys(kind.steps).join(", ")}` });
    state = rule.apply(state, step);
    visit?.(state, i + 1);
  }
  return state;
}

/** A section before its first step (phase 0): the base of a pull request that creates it. */
export function emptySection<S, St extends StepRecord, O>(kind: LedgerKind<S, St, O>, options: O): LedgerSection<S, St, O> {
  return { kind, options, phase: 0, history: [], state: kind.initial(options) };
}

/** The section after one more step; throws a StemguardError when the step is illegal. The input is not modified. */
export function appendStep<S, St extends StepRecord, O>(section: LedgerSection<S, St, O>, step: Omit<St, "phase">): LedgerSection<S, St, O> {
  const { kind } = section;
  const phase = section.phase + 1;
  const rule = kind.steps[step.op];
  if (!rule) throw new StemguardError(`unknown op for ${kind.name}`, { field: String(step.op), value: step.op, fix: `use one of ${Object.keys(kind.steps).join(", ")}` });
  // Re-read the step as the file would, so stray properties never reach the ledger.
  // The field names the op only: an invalid id (perhaps material pasted by mistake) is not echoed.
  const { at, ...fields } = step as Omit<St, "phase"> & { at?: string };
  const parsed = kind.parseStep({ ...fields, phase }, step.op, phase, (p) => `${step.op} ${p}`);
  const date = at ?? (section.cadence ? ledgerToday() : undefined);
  const recorded = date === undefined ? parsed : { ...parsed, at: date };
  assertDatesInOrder([...section.history.slice(-1), recorded], (p) => `${step.op} ${p}`, `run the step again on or after ${section.history.at(-1)?.at ?? "today"}`);
  const state = rule.apply(kind.clone(section.state), recorded);
  return { ...section, phase, history: [...section.history, recorded], state };
}

/** The section as it was at `phase` (0..section.phase), replayed. */
export function sectionAtPhase<S, St extends StepRecord, O>(section: LedgerSection<S, St, O>, phase: number): LedgerSection<S, St, O> {
  const history = section.history.slice(0, phase);
  return { ...section, phase, history, state: replay(section.kind, section.options, history) };
}

/**
 * Validates untrusted data as a section of `kind`: schema, no unknown field
 * (each named), steps numbered 1..phase, every step legal in turn, and every
 * stored field equal to what the history yields.
 */
export function parseSection<S, St extends StepRecord, O>(
  kind: LedgerKind<S, St, O>,
  data: unknown,
  source: string,
  options: { readonly nested?: boolean } = {},
): LedgerSection<S, St, O> {
  const at = (p: string) => `${source}: ${p}`;
  const fix = EDIT_FIX(kind);
  const obj = expectObject(data, at("(root)"), fix);
  if (!options.nested && obj.schemaVersion !== LEDGER_SCHEMA_VERSION) {
    throw new StemguardError("unsupported schemaVersion", { field: at("schemaVersion"), value: obj.schemaVersion, fix: `this stemguard reads schemaVersion ${LEDGER_SCHEMA_VERSION}; upgrade stemguard or restore the file` });
  }
  if (obj.kind !== kind.kind) {
    throw new StemguardError(`not a ${kind.name} ledger`, { field: at("kind"), value: shownKind(obj.kind), fix: `pass a ledger whose kind is "${kind.kind}"; stemguard.json names each ledger file and its kind` });
  }
  const known = new Set(["kind", "phase", ...kind.fields, "cadence", "history", ...(options.nested ? [] : ["schemaVersion"])]);
  for (const key of Object.keys(obj)) {
    if (!known.has(key)) throw new StemguardError(`unknown field in a ${kind.name} ledger`, { field: at(key), fix: `remove it; a ${kind.name} section holds ${[...known].join(", ")}` });
  }
  if (!Number.isInteger(obj.phase) || (obj.phase as number) < 1) {
    const start = kind.initHint ?? `${kind.editor} init <id>`;
    throw new StemguardError(`phase must be a whole number >= 1 (a ledger starts with '${kind.editor} init')`, { field: at("phase"), value: obj.phase, fix: obj.phase === 0 ? `delete the file and run '${start}'` : fix });
  }
  const rawHistory = expectArray(obj.history, at("history"), fix);
  const history = rawHistory.map((raw, i) => parseHistoryEntry(kind, raw, i, at));
  assertDatesInOrder(history, (p) => at(`history.${p}`), fix);
  const cadence = obj.cadence === undefined ? undefined : parseCadence(obj.cadence, kind.cadence?.credentials ?? [], at("cadence"), `declare it with 'stemguard cadence'; ${fix}`);
  if (history.length !== obj.phase) {
    throw new StemguardError(`phase must equal the number of history steps (${history.length})`, { field: at("phase"), value: obj.phase, fix });
  }
  const opts = kind.parseOptions(obj, history, at);
  let state: S;
  try {
    state = replay(kind, opts, history);
  } catch (err) {
    if (!(err instanceof StemguardError)) throw err;
    throw new StemguardError(`history does not replay: ${err.field}: ${err.problem}`, { field: at("history"), fix });
  }
  for (const [name, expected] of kind.sectionFields(state, opts, history.length)) {
    if (name === "schemaVersion" || name === "kind" || name === "phase") continue;
    if (canonical(obj[name]) !== canonical(expected)) {
      const summary = (value: unknown) => kind.summarize?.(name, value) ?? (canonical(value).length > 80 ? `${canonical(value).slice(0, 77)}...` : canonical(value));
      throw new StemguardError(`${name} do not match what history yields (${summary(expected)}); changed outside a step`, { field: at(name), value: summary(obj[name]), fix: kind.fieldFix?.(name) ?? fix });
    }
  }
  return { kind, options: opts, phase: history.length, history, state, ...(cadence ? { cadence } : {}) };
}

/** Dated steps are in date order, and a step after a dated one is dated too (dates start when a cadence is declared). */
function assertDatesInOrder(history: readonly StepRecord[], at: (p: string) => string, fix: string): void {
  let last: string | undefined;
  for (const step of history) {
    if (step.at === undefined) {
      if (last !== undefined) throw new StemguardError(`step ${step.phase} has no date, but an earlier step has one`, { field: at(`phase ${step.phase}.at`), fix });
      continue;
    }
    if (last !== undefined && step.at < last) throw new StemguardError(`step ${step.phase} is dated before the step before it (${last})`, { field: at(`phase ${step.phase}.at`), value: step.at, fix });
    last = step.at;
  }
}

function parseHistoryEntry<S, St extends StepRecord, O>(kind: LedgerKind<S, St, O>, raw: unknown, i: number, at: (p: string) => string): St {
  const field = `history[${i}]`;
  const fix = EDIT_FIX(kind);
  const entry = expectObject(raw, at(field), fix);
  if (entry.phase !== i + 1) {
    throw new StemguardError(`steps must be numbered 1, 2, 3, ... (expected ${i + 1})`, { field: at(`${field}.phase`), value: entry.phase, fix });
  }
  if (typeof entry.op !== "string" || !Object.hasOwn(kind.steps, entry.op)) {
    throw new StemguardError(`op must be one of ${Object.keys(kind.steps).join(", ")}`, { field: at(`${field}.op`), value: entry.op, fix });
  }
  const { at: date, ...fields } = entry;
  const step = kind.parseStep(fields, entry.op, i + 1, (p) => at(`${field}.${p}`));
  return date === undefined ? step : { ...step, at: assertLedgerDate(date, at(`${field}.at`)) };
}

/** JSON with sorted object keys: equal values give equal text whatever the key order. */
export function canonical(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) =>
    v && typeof v === "object" && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : v,
  ) ?? "undefined";
}

/** One step's fields as the file holds them: the kind's, then the engine's date. */
export function recordedStepFields<S, St extends StepRecord, O>(kind: LedgerKind<S, St, O>, step: St): Readonly<Record<string, unknown>> {
  return step.at === undefined ? kind.stepFields(step) : { ...kind.stepFields(step), at: step.at };
}

/** The text of one step, for comparing histories (its date included: a changed date is a changed history). */
export function stepText<S, St extends StepRecord, O>(kind: LedgerKind<S, St, O>, step: St): string {
  return JSON.stringify(recordedStepFields(kind, step));
}

export function expectObject(value: unknown, field: string, fix: string): Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new StemguardError("expected a JSON object", { field, value: Array.isArray(value) ? "array" : typeof value, fix });
  }
  return value as Record<string, unknown>;
}

export function expectArray(value: unknown, field: string, fix: string): unknown[] {
  if (!Array.isArray(value)) throw new StemguardError("expected a JSON array", { field, value: typeof value, fix });
  return value;
}

/** A `kind` value as errors may show it: only stemguard's own kind names, never other content. */
export function shownKind(value: unknown): unknown {
  return typeof value === "string" && /^[a-z]+\.[a-z0-9.-]{1,60}$/.test(value) && value.startsWith("stemguard.") ? value : `(${typeof value}, not shown)`;
}
