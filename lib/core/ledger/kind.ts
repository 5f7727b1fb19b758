/**
 * A ledger kind: the table of states and legal steps of one rotation, plus its
 * own payload. Everything else (replay, diff, revert, parse, file IO, review
 * text) is the engine's, so a new kind is one table and no engine code.
 */

/** One history entry: the phase it produced and its op; the kind adds its own fields. */
export interface StepRecord {
  readonly phase: number;
  readonly op: string;
  /** The UTC date the step was written (`YYYY-MM-DD`); recorded once the section has a cadence (lib/core/ledger/cadence.ts). The engine reads and writes it, not the kind. */
  readonly at?: string;
}

/** The next step of a rotation, as `stemguard due` names it. */
export interface DueStep {
  /** Short label, e.g. `activate k2`. */
  readonly step: string;
  /** The command that takes it, e.g. `stemguard rotate activate k2`. */
  readonly command: string;
}

/** What ages in a state, and what comes next (see {@link LedgerKind.cadence}). */
export interface CadenceAssessment {
  /** The next step of a rotation in progress (a staged or retiring credential), if any. */
  readonly inProgress?: DueStep;
  /** Each credential in use, the phase of the step that created it, and the step that renews it. */
  readonly credentials: readonly { readonly name: string; readonly id: string; readonly bornPhase: number; readonly renew: DueStep }[];
}

/** How a kind ages: the credential names a cadence may bound, and an assessment of a state. */
export interface CadenceRule<State, Step extends StepRecord = StepRecord> {
  /** e.g. `["key"]`, `["ca", "leaves"]`. */
  readonly credentials: readonly string[];
  /** `today` (`YYYY-MM-DD`) names new ids after it (`k2027-03`). */
  readonly assess: (state: State, history: readonly Step[], today: string) => CadenceAssessment;
}

/** Whether `git revert` of a step's pull request is safe, and why not when it is not. */
export type RevertVerdict = { readonly safe: true } | { readonly safe: false; readonly reason: string; readonly fix: string };

/** One legal step of a kind. */
export interface StepRule<State, Step extends StepRecord> {
  /** One line: what the step does (status output, review text). */
  readonly meaning: (step: Step) => string;
  /**
   * The state after the step; throws a StemguardError (the step, the value,
   * the fix) when its precondition fails. May modify `state` (replay is linear):
   * the engine never uses a state again after handing it to `apply`.
   */
  readonly apply: (state: State, step: Step) => State;
  /** The revert policy: is undoing this step (the last one) safe, given the states before and after it? */
  readonly revert: RevertVerdict | ((before: State, after: State, step: Step) => RevertVerdict);
  /** Appended to the review summary (a caution the reviewer must read). */
  readonly caution?: (step: Step, state: State) => string | undefined;
  /** A paragraph the review adds after a legal step (what to do after apply). */
  readonly afterApply?: string;
}

/** A status table: a header and rows of cells. */
export interface StatusTable {
  readonly header: readonly string[];
  readonly rows: readonly (readonly string[])[];
}

/**
 * A ledger kind. `Options` are fixed when the section is created (or follow
 * from its history); `State` is what replaying the history yields.
 */
export interface LedgerKind<State, Step extends StepRecord, Options> {
  /** The section's `kind` field, e.g. `stemguard.signing-keyring`. */
  readonly kind: string;
  /** The name in `stemguard.json`, e.g. `signing-keyring`. */
  readonly name: string;
  /** The command that edits this kind, for fixes (e.g. `stemguard rotate`). */
  readonly editor: string;
  /** How to start a ledger of this kind, for fixes. @default `<editor> init <id>` */
  readonly initHint?: string;
  /** The fix for a stored field that differs from what the history yields. @default restore the file */
  readonly fieldFix?: (field: string) => string | undefined;
  /** Legal steps by op; their order is the order messages list them in. */
  readonly steps: Readonly<Record<string, StepRule<State, Step>>>;
  /** Fields a section may hold besides schemaVersion, kind, phase and history (any other is refused). */
  readonly fields: readonly string[];
  /** Reads the options from a section's fields (history already parsed); `at` names a field. */
  readonly parseOptions: (fields: Readonly<Record<string, unknown>>, history: readonly Step[], at: (path: string) => string) => Options;
  /** The state before the first step. */
  readonly initial: (options: Options) => State;
  /** An independent copy of a state (the engine copies once before applying a new step). */
  readonly clone: (state: State) => State;
  /** Reads one history entry (phase and op are checked); unknown fields are refused by the kind. */
  readonly parseStep: (entry: Readonly<Record<string, unknown>>, op: string, phase: number, at: (path: string) => string) => Step;
  /** The step's fields in file order (equal steps give equal text). */
  readonly stepFields: (step: Step) => Readonly<Record<string, unknown>>;
  /**
   * The section's fields besides schemaVersion and history, in file order, as
   * the state and options give them (`undefined` = omitted). Parse compares
   * the file against them, so no hand edit changes a state outside a step.
   */
  readonly sectionFields: (state: State, options: Options, phase: number) => ReadonlyArray<readonly [string, unknown]>;
  /** How a field's value is written: `rows` puts each array item on one line (small diffs). @default pretty JSON */
  readonly fieldStyle?: (field: string) => "rows" | "pretty";
  /** A short text of a stored field's value for mismatch messages (no material: ids and states only). @default JSON, cut */
  readonly summarize?: (field: string, value: unknown) => string;
  /** Components whose configuration differs between two states (what rolls). */
  readonly rolls: (before: State, after: State, options: Options) => readonly string[];
  /** Who holds what in a state. */
  readonly table: (state: State, options: Options) => StatusTable;
  /** A short label of a step, for lists (`stage k2`). */
  readonly label: (step: Step) => string;
  /**
   * A rule across the sections of one file (e.g. Redis passwords need the
   * Redis TLS section to be past `plain`), checked whenever the file is read
   * or written: throws a StemguardError naming the field. `peer` gives
   * another section of the same file by kind name.
   */
  readonly documentRule?: (history: readonly Step[], state: State, peer: (kindName: string) => PeerSection | undefined, at: (path: string) => string) => void;
  /** Which credentials age and what renews them; a kind without it (e.g. the Redis TLS mode) takes no cadence. */
  readonly cadence?: CadenceRule<State, Step>;
}

/** Another section of the same file, as a document rule sees it. */
export interface PeerSection {
  readonly phase: number;
  readonly history: readonly StepRecord[];
  /** The kind's state after `phase` steps; treat as read-only. */
  readonly state: unknown;
}

/** Any kind, for code that handles every kind alike. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyLedgerKind = LedgerKind<any, any, any>;
