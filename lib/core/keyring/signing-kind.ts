import { StemguardError } from "../errors";
import type { LedgerKind, StepRule } from "../ledger/kind";
import { freshId, rotationCadence } from "../ledger/rotation-cadence";
import { planFingerprint, planRoleEnvForKeys } from "./role-env-plan";
import { assertDistinctCollapsedId, assertKeyId, collapsedId } from "./key-id";
import { ROLES, SIGNING_ALGORITHMS, KEY_STATES, WORKER_MODE_OPS, type KeyState, type LedgerKey, type LedgerStep, type SigningAlgorithm, type StepOp } from "./types";

/** What replaying a signing ledger yields. Kept indexed so each step is O(1). */
export interface SigningState {
  /** Keys in ledger order. */
  readonly keys: LedgerKey[];
  /** Position of each id in `keys`. */
  readonly index: Map<string, number>;
  /** Collapsed id (Terraform/secret name form) -> id. */
  readonly collapsed: Map<string, string>;
  /** The id holding each of staged / active / retiring (at most one each). */
  readonly holder: Partial<Record<Exclude<KeyState, "retired">, string>>;
  /** False before init and between a producersFirst init and enforce. */
  workersVerify: boolean;
  /** Ed25519 workers hold public keys only. */
  verifyOnlyWorkers: boolean;
  /** What init reads. */
  readonly options: SigningOptions;
}

/** What is fixed when a signing ledger is created. */
export interface SigningOptions {
  readonly algorithm: SigningAlgorithm;
  readonly producersFirst: boolean;
  /** The worker mode init set. */
  readonly verifyOnlyWorkers: boolean;
}

const fail = (step: LedgerStep, problem: string, value: unknown, fix: string): never => {
  throw new StemguardError(problem, { field: `${step.op} ${step.keyId}`, value, fix });
};

function setState(state: SigningState, id: string, to: KeyState): void {
  const i = state.index.get(id)!;
  const from = state.keys[i].state;
  if (from !== "retired" && state.holder[from] === id) delete state.holder[from];
  if (to !== "retired") state.holder[to] = id;
  state.keys[i] = { ...state.keys[i], state: to };
}

const needsKeys = (state: SigningState, step: LedgerStep, fix: string): string => state.holder.active ?? fail(step, "the ledger has no keys yet", step.keyId, fix);

function modeRule(verifyOnly: boolean): StepRule<SigningState, LedgerStep> {
  return {
    meaning: () =>
      verifyOnly
        ? "verify-only-workers: workers keep the public keys and lose the signing seed, so from this apply on Stem fails to re-sign retries and rate-limit requeues (docs/stem-compat.md §1.4)"
        : "sign-workers: workers get the active key's seed again, so retries and requeues are re-signed",
    revert: { safe: true },
    apply: (state, step) => {
      const active = needsKeys(state, step, "create the first key with 'stemguard rotate init <id> --algorithm ed25519'");
      if (state.keys[0].algorithm !== "ed25519") {
        fail(step, "workers of an hmac-sha256 keyring always hold the shared secrets (verifying needs them), so they always sign", "hmac-sha256", "nothing to change; verify-only workers exist only with ed25519");
      }
      if (!state.workersVerify) {
        fail(step, "workers do not verify yet (a --producers-first ledger before 'enforce'): they have signing off, so there is no mode to change", "before enforce", "run 'stemguard rotate enforce' first (after the unsigned backlog drained), then switch the worker mode in its own step");
      }
      if (state.verifyOnlyWorkers === verifyOnly) {
        fail(step, `workers are already ${verifyOnly ? "verify-only" : "signing"}`, verifyOnly ? "verify-only" : "signing", "nothing to change; 'stemguard rotate status' shows what each role holds");
      }
      if (step.keyId !== active) fail(step, `${step.op} names the active key ("${active}")`, step.keyId, `run 'stemguard rotate workers ${verifyOnly ? "--verify-only" : "--sign"}'`);
      state.verifyOnlyWorkers = verifyOnly;
      return state;
    },
  };
}

/** The steps of a signing-key rotation. */
const STEPS: Record<StepOp, StepRule<SigningState, LedgerStep>> = {
  init: {
    meaning: (s) => `create the keyring with "${s.keyId}" active`,
    revert: { safe: false, reason: "it removes the keyring every role reads", fix: "keep the ledger; retire keys with 'stemguard rotate' steps, or remove the keyring in a change of its own" },
    caution: (_s, state) =>
      state.workersVerify
        ? 'Workers verify from this phase on: right for a new fleet; a fleet with unsigned messages in flight needs "rotate init --producers-first" (producers sign first, workers enforce after drain).'
        : "Producers and beat sign; workers do not verify yet. Drain unsigned messages, then 'stemguard rotate enforce'.",
    apply: (state, step) => {
      if (state.keys.length > 0) fail(step, "the ledger already has keys; init only creates the first key", state.keys.map((k) => k.id), `stage a new key with 'stemguard rotate stage ${step.keyId}' instead`);
      addKey(state, step.keyId, state.options.algorithm, "active");
      state.workersVerify = !state.options.producersFirst;
      state.verifyOnlyWorkers = state.options.verifyOnlyWorkers;
      return state;
    },
  },
  stage: {
    meaning: (s) => `stage "${s.keyId}": every role trusts it, nothing signs with it yet`,
    revert: { safe: true },
    apply: (state, step) => {
      const id = step.keyId;
      if (state.keys.length === 0) fail(step, "the ledger has no keys yet", id, `create the first key with 'stemguard rotate init ${id}'`);
      const existing = state.index.get(id);
      if (existing !== undefined) {
        fail(step, `key id "${id}" is already in the ledger (state ${state.keys[existing].state}); ids are never reused`, id, "stage a key with a new id, e.g. with a date suffix");
      }
      assertDistinctCollapsedId(id, state.collapsed, `${step.op} ${id}`);
      if (state.holder.staged) {
        fail(step, `key "${state.holder.staged}" is already staged; one rotation at a time`, state.holder.staged, `activate "${state.holder.staged}" (and retire the old key) before staging another`);
      }
      addKey(state, id, state.keys[0].algorithm, "staged");
      return state;
    },
  },
  activate: {
    meaning: (s) => `activate "${s.keyId}": every signer switches to it; the previous key is retiring (drain before retiring it)`,
    // Before the revert both keys are trusted (staged and retiring are in every trust list), so signers may switch back.
    revert: { safe: true },
    afterApply:
      "After apply: wait until messages signed with the retiring key have drained (delayed tasks, retries, DLQ) before retiring it (`stemguard drill` names which phases' messages must drain).",
    apply: (state, step) => {
      const i = state.index.get(step.keyId);
      const current = i === undefined ? "absent" : state.keys[i].state;
      if (current !== "staged") {
        fail(step, "only a staged key can be activated (verifiers must trust it for a full phase first)", current, i !== undefined ? "stage a new key instead; a key is activated once" : `run 'stemguard rotate stage ${step.keyId}' first`);
      }
      const retiring = state.holder.retiring;
      if (retiring) fail(step, `key "${retiring}" is still retiring; two drain windows cannot overlap`, retiring, `retire "${retiring}" once its messages have drained, then activate "${step.keyId}"`);
      const active = state.holder.active;
      if (active) setState(state, active, "retiring");
      setState(state, step.keyId, "active");
      return state;
    },
  },
  retire: {
    meaning: (s) => `retire "${s.keyId}": removed from every trust list`,
    revert: {
      safe: false,
      reason: "the key already left every trust list (verifiers may have dropped it); bringing it back is a new stage",
      fix: "stage a new key with a new id ('stemguard rotate stage <new-id>') and rotate to it",
    },
    apply: (state, step) => {
      // A staged key may be withdrawn (lost or leaked before it ever signed): nothing signs with it.
      const i = state.index.get(step.keyId);
      const current = i === undefined ? "absent" : state.keys[i].state;
      if (current !== "retiring" && current !== "staged") {
        fail(step, "only a retiring key (after drain) or a staged key (never used to sign) can be retired", current,
          current === "active" ? "stage and activate a new key; this key then becomes retiring" : current === "retired" ? "the key is already retired" : "check the key id with 'stemguard rotate status'");
      }
      setState(state, step.keyId, "retired");
      return state;
    },
  },
  enforce: {
    meaning: () => "enforce: workers start verifying signatures; unsigned messages still queued are dead-lettered from now on",
    revert: { safe: true },
    apply: (state, step) => {
      const active = state.holder.active;
      if (!active || state.workersVerify) {
        fail(step, active ? "workers already verify signatures" : "the ledger has no keys yet", step.keyId, active ? "nothing to enforce: verification is on" : "create the first key with 'stemguard rotate init <id> --producers-first'");
      }
      if (step.keyId !== active) fail(step, `enforce names the active key ("${active}")`, step.keyId, "run 'stemguard rotate enforce' without an id");
      state.workersVerify = true;
      return state;
    },
  },
  "verify-only-workers": modeRule(true),
  "sign-workers": modeRule(false),
};

function addKey(state: SigningState, id: string, algorithm: SigningAlgorithm, keyState: KeyState): void {
  state.index.set(id, state.keys.length);
  state.collapsed.set(collapsedId(id), id);
  state.keys.push({ id, algorithm, state: keyState });
  if (keyState !== "retired") state.holder[keyState as Exclude<KeyState, "retired">] = id;
}

/** Signing keyrings (`stemguard.rotation.json`) as a ledger kind. */
export const signingKeyringKind: LedgerKind<SigningState, LedgerStep, SigningOptions> = {
  kind: "stemguard.signing-keyring",
  name: "signing-keyring",
  editor: "stemguard rotate",
  initHint: "stemguard rotate init <key-id>",
  fieldFix: (field) =>
    field === "keys"
      ? "change key states only with 'stemguard rotate stage|activate|retire' so each phase is one legal step"
      : field === "verifyOnlyWorkers"
        ? "change the worker mode only with 'stemguard rotate workers --sign|--verify-only'"
        : undefined,
  steps: STEPS,
  cadence: {
    credentials: ["key"],
    assess: (state, history, today) => {
      const assessment = rotationCadence({
        credential: "key",
        holder: state.holder,
        history,
        createdId: (s) => (s.op === "init" || s.op === "stage" ? s.keyId : undefined),
        commands: {
          promote: (id) => ({ step: `activate ${id}`, command: `stemguard rotate activate ${id}` }),
          // The drain gate (stemguard census --key) runs first and writes nothing while the key is live.
          retire: (id) => ({ step: `retire ${id}`, command: `stemguard rotate retire ${id} --broker "$STEM_BROKER_URL"` }),
          stage: (id) => ({ step: `stage ${id}`, command: `stemguard rotate stage ${id}` }),
        },
        newId: freshId("k", today, (id) => state.collapsed.has(collapsedId(id))),
      });
      // A producers-first adoption is in progress until workers verify.
      return !state.workersVerify && state.holder.active !== undefined && !assessment.inProgress
        ? { ...assessment, inProgress: { step: "enforce", command: 'stemguard rotate enforce --broker "$STEM_BROKER_URL"' } }
        : assessment;
    },
  },
  fields: ["algorithm", "verifyOnlyWorkers", "producersFirst", "keys"],
  parseOptions: (fields, history, at) => {
    const algorithm = fields.algorithm;
    if (!SIGNING_ALGORITHMS.includes(algorithm as SigningAlgorithm)) {
      throw new StemguardError(`algorithm must be one of ${SIGNING_ALGORITHMS.join(", ")} (lowercase)`, { field: at("algorithm"), value: algorithm, fix: 'use "hmac-sha256" or "ed25519"' });
    }
    for (const flag of ["verifyOnlyWorkers", "producersFirst"]) {
      if (fields[flag] !== undefined && typeof fields[flag] !== "boolean") {
        throw new StemguardError(`${flag} must be true or false`, { field: at(flag), value: fields[flag], fix: "remove it or set a boolean" });
      }
    }
    if (fields.verifyOnlyWorkers === true && algorithm !== "ed25519") {
      throw new StemguardError("verifyOnlyWorkers applies to ed25519 only (HMAC workers always hold the secrets)", { field: at("verifyOnlyWorkers"), value: true, fix: "remove verifyOnlyWorkers" });
    }
    checkStoredKeys(fields.keys, at, algorithm as SigningAlgorithm);
    // init records no worker mode: it is the opposite of the first mode step's target, or the current flag.
    const first = history.find((s) => WORKER_MODE_OPS.includes(s.op));
    return {
      algorithm: algorithm as SigningAlgorithm,
      producersFirst: fields.producersFirst === true,
      verifyOnlyWorkers: first === undefined ? fields.verifyOnlyWorkers === true : first.op === "sign-workers",
    };
  },
  initial: (options) => ({ keys: [], index: new Map(), collapsed: new Map(), holder: {}, workersVerify: false, verifyOnlyWorkers: options.verifyOnlyWorkers, options }),
  clone: (state) => ({ ...state, keys: [...state.keys], index: new Map(state.index), collapsed: new Map(state.collapsed), holder: { ...state.holder } }),
  parseStep: (entry, op, phase, at) => {
    for (const key of Object.keys(entry)) {
      if (key !== "phase" && key !== "op" && key !== "keyId") throw new StemguardError("unknown field in a history step", { field: at(key), fix: "a step holds phase, op and keyId only" });
    }
    assertKeyId(entry.keyId, at("keyId"));
    return { phase, op: op as StepOp, keyId: entry.keyId };
  },
  stepFields: (s) => ({ phase: s.phase, op: s.op, keyId: s.keyId }),
  sectionFields: (state, options, phase) => [
    ["kind", "stemguard.signing-keyring"],
    ["algorithm", options.algorithm],
    ["phase", phase],
    ["verifyOnlyWorkers", state.verifyOnlyWorkers ? true : undefined],
    ["producersFirst", options.producersFirst ? true : undefined],
    ["keys", state.keys.map((k) => ({ id: k.id, algorithm: k.algorithm, state: k.state }))],
  ],
  summarize: (_field, value) =>
    Array.isArray(value) ? value.map((k: { id?: unknown; state?: unknown }) => `${String(k?.id)}=${String(k?.state)}`).join(", ") || "no keys" : String(value ?? false),
  fieldStyle: (field) => (field === "keys" || field === "history" ? "rows" : "pretty"),
  rolls: (before, after, options) => {
    const plan = (s: SigningState, role: (typeof ROLES)[number]) =>
      planFingerprint(planRoleEnvForKeys(s.keys, options.algorithm, role, { verifyOnlyWorkers: s.verifyOnlyWorkers, workersVerify: s.workersVerify }));
    return ROLES.filter((role) => before.keys.length === 0 || after.keys.length === 0 || plan(before, role) !== plan(after, role));
  },
  table: (state, options) => {
    const plans = ROLES.map((role) => planRoleEnvForKeys(state.keys, options.algorithm, role, { verifyOnlyWorkers: state.verifyOnlyWorkers, workersVerify: state.workersVerify }));
    const trustVar = options.algorithm === "hmac-sha256" ? "STEM_SIGNING_KEYS" : "STEM_SIGNING_PUBLIC_KEYS";
    // One set per role, so the table is linear in the number of keys.
    const trusted = plans.map((plan) => new Set(plan.variables.filter((v) => v.name === trustVar).flatMap((v) => v.parts.flatMap((p) => (p.kind === "material" ? [p.keyId] : [])))));
    const signs = plans.filter((p) => p.variables.some((v) => v.name === "STEM_SIGNING_ACTIVE_KEY")).map((p) => p.role);
    return {
      header: ["key", "state", "trusted by", "signs"],
      rows: state.keys.map((k) => [
        k.id,
        k.state,
        ROLES.filter((_r, i) => trusted[i].has(k.id)).join(",") || "-",
        (k.state === "active" ? signs.join(",") : "") || "-",
      ]),
    };
  },
  label: (s) => `${s.op} ${s.keyId}`,
};

/** Specific messages for the stored keys' most likely hand edits (the replay comparison catches the rest). */
function checkStoredKeys(keys: unknown, at: (p: string) => string, algorithm: SigningAlgorithm): void {
  if (!Array.isArray(keys)) throw new StemguardError("expected a JSON array", { field: at("keys"), value: typeof keys, fix: "restore the file from version control" });
  keys.forEach((k, i) => checkStoredKey(k, at(`keys[${i}]`), algorithm));
  const seen = new Set<unknown>();
  for (const [i, k] of (keys as { id: string; state: string }[]).entries()) {
    if (seen.has(k.id)) {
      throw new StemguardError(`duplicate key id "${k.id}" (Stem would silently keep only the later entry)`, { field: at(`keys[${i}].id`), value: k.id, fix: "every key id must be unique; stage new keys with new ids" });
    }
    seen.add(k.id);
  }
  const active = (keys as { id: string; state: string }[]).filter((k) => k.state === "active");
  if (keys.length > 0 && active.length !== 1) {
    throw new StemguardError("exactly one key must be active", { field: at("keys"), value: active.map((k) => k.id), fix: "activate keys only with 'stemguard rotate activate', which demotes the previous one" });
  }
}

function checkStoredKey(data: unknown, field: string, algorithm: SigningAlgorithm): void {
  if (typeof data !== "object" || data === null || Array.isArray(data)) throw new StemguardError("expected a JSON object", { field, value: typeof data, fix: "restore the file from version control" });
  const key = data as Record<string, unknown>;
  for (const name of Object.keys(key)) {
    if (name !== "id" && name !== "algorithm" && name !== "state") throw new StemguardError("unknown field in a key", { field: `${field}.${name}`, fix: "a key holds id, algorithm and state only" });
  }
  assertKeyId(key.id, `${field}.id`);
  if (key.algorithm !== algorithm) {
    if (!SIGNING_ALGORITHMS.includes(key.algorithm as SigningAlgorithm)) {
      throw new StemguardError(`algorithm must be one of ${SIGNING_ALGORITHMS.join(", ")} (lowercase)`, { field: `${field}.algorithm`, value: key.algorithm, fix: 'use "hmac-sha256" or "ed25519"' });
    }
    throw new StemguardError(`key algorithm differs from the keyring's ${algorithm}; Stem verifies with one algorithm per process`, {
      field: `${field}.algorithm`,
      value: key.algorithm,
      fix: "switching algorithm is a separate multi-phase procedure (see README, 'Switch algorithm'); use a new ledger",
    });
  }
  if (!KEY_STATES.includes(key.state as KeyState)) {
    throw new StemguardError(`state must be one of ${KEY_STATES.join(", ")}`, { field: `${field}.state`, value: key.state, fix: "restore the file from version control" });
  }
}
