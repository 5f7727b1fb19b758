import { StemguardError } from "../errors";
import { assertDistinctCollapsedId, assertKeyId, collapsedId } from "../keyring/key-id";
import type { LedgerKind, StepRule } from "../ledger/kind";
import { freshId, rotationCadence } from "../ledger/rotation-cadence";
import type { CaState, LeafFingerprints, LeafGeneration, LedgerCa, TlsLedgerStep } from "./ca-ledger-types";

/** What replaying a CA ledger yields. Kept indexed so each step is O(1). */
export interface TlsCaState {
  readonly cas: LedgerCa[];
  readonly leaves: LeafGeneration[];
  /** Position of each CA id in `cas`. */
  readonly index: Map<string, number>;
  /** Collapsed id (Terraform/secret name form) -> id. */
  readonly collapsed: Map<string, string>;
  /** Fingerprint -> CA id. */
  readonly fingerprints: Map<string, string>;
  /** The CA holding each of staged / active / retiring (at most one each). */
  readonly holder: Partial<Record<Exclude<CaState, "retired">, string>>;
}

const FINGERPRINT_PATTERN = /^[0-9A-F]{2}(?::[0-9A-F]{2}){31}$/;

const STEP_FIELDS: Record<TlsLedgerStep["op"], { required: string[]; optional: string[] }> = {
  init: { required: ["caId", "caFingerprint256"], optional: ["serverFingerprint256", "clientFingerprint256"] },
  "stage-ca": { required: ["caId", "caFingerprint256"], optional: [] },
  "reissue-leaves": { required: [], optional: ["serverFingerprint256", "clientFingerprint256"] },
  "retire-ca": { required: ["caId"], optional: [] },
  "renew-leaves": { required: [], optional: ["serverFingerprint256", "clientFingerprint256"] },
};
const FIELD_ORDER = ["caId", "caFingerprint256", "serverFingerprint256", "clientFingerprint256"];

const label = (s: TlsLedgerStep) => ("caId" in s ? `${s.op} ${s.caId}` : s.op);

const fail = (step: TlsLedgerStep, problem: string, value: unknown, fix: string): never => {
  throw new StemguardError(problem, { field: label(step), value, fix });
};

function setState(state: TlsCaState, id: string, to: CaState): void {
  const i = state.index.get(id)!;
  const from = state.cas[i].state;
  if (from !== "retired" && state.holder[from] === id) delete state.holder[from];
  if (to !== "retired") state.holder[to] = id;
  state.cas[i] = { ...state.cas[i], state: to };
}

function addCa(state: TlsCaState, step: TlsLedgerStep & { caId: string; caFingerprint256: string }, caState: CaState): void {
  state.index.set(step.caId, state.cas.length);
  state.collapsed.set(collapsedId(step.caId), step.caId);
  state.fingerprints.set(step.caFingerprint256, step.caId);
  state.cas.push({ id: step.caId, state: caState, fingerprint256: step.caFingerprint256 });
  if (caState !== "retired") state.holder[caState as Exclude<CaState, "retired">] = step.caId;
}

function addLeaves(state: TlsCaState, caId: string, phase: number, f: LeafFingerprints): void {
  state.leaves.push({ generation: state.leaves.length + 1, caId, phase, ...leafFields(f) });
}

/** The leaf fingerprints a step carries, in file order. */
export function leafFields(f: LeafFingerprints): LeafFingerprints {
  return {
    ...(f.serverFingerprint256 !== undefined ? { serverFingerprint256: f.serverFingerprint256 } : {}),
    ...(f.clientFingerprint256 !== undefined ? { clientFingerprint256: f.clientFingerprint256 } : {}),
  };
}

const needsCa = (state: TlsCaState, step: TlsLedgerStep) => {
  if (state.cas.length === 0) fail(step, "the ledger has no CA yet", step.op, "start with 'init <ca-id>' (after 'stemguard tls generate')");
};

type Rule = StepRule<TlsCaState, TlsLedgerStep>;

const STEPS: Record<TlsLedgerStep["op"], Rule> = {
  init: {
    meaning: (s) => `init "${(s as { caId: string }).caId}": the CA is active and issues the first server and client leaves`,
    revert: { safe: false, reason: "it removes the CA every component trusts", fix: "keep the ledger; rotate the CA with 'stemguard tls ca stage-ca <new-id>'" },
    apply: (state, step) => {
      if (step.op !== "init") return state;
      if (state.cas.length > 0) fail(step, "the ledger already has a CA; init only creates the first one", state.cas.map((c) => c.id), `stage a new CA with 'stage-ca ${step.caId}' instead`);
      addCa(state, step, "active");
      addLeaves(state, step.caId, step.phase, step);
      return state;
    },
  },
  "stage-ca": {
    meaning: (s) => `stage-ca "${(s as { caId: string }).caId}": every trust bundle holds the old and the new CA; leaves unchanged`,
    revert: { safe: true },
    apply: (state, step) => {
      if (step.op !== "stage-ca") return state;
      needsCa(state, step);
      const sameId = state.index.get(step.caId);
      if (sameId !== undefined) fail(step, `CA id "${step.caId}" is already in the ledger (state ${state.cas[sameId].state}); ids are never reused`, step.caId, "stage the new CA under a new id, e.g. with a year suffix");
      assertDistinctCollapsedId(step.caId, state.collapsed, label(step), "CA id");
      const sameCert = state.fingerprints.get(step.caFingerprint256);
      if (sameCert !== undefined) fail(step, `this certificate is already in the ledger as "${sameCert}"`, step.caFingerprint256, "generate a new CA (new key) for the rotation");
      if (state.holder.staged) fail(step, `CA "${state.holder.staged}" is already staged; one CA rotation at a time`, state.holder.staged, "run reissue-leaves (and retire the old CA) before staging another");
      const retiring = state.holder.retiring;
      if (retiring) fail(step, `CA "${retiring}" is still retiring; one CA rotation at a time`, retiring, `retire-ca ${retiring} once every component runs the new leaves, then stage`);
      addCa(state, step, "staged");
      return state;
    },
  },
  "reissue-leaves": {
    meaning: () => "reissue-leaves: server and client leaves issued by the staged CA, which becomes active; the old CA is retiring but still trusted",
    // Undo puts back the old CA's leaves: safe while that CA is still in every trust bundle (retiring, not retired).
    revert: (before, after) => {
      const previousIssuer = before.leaves.at(-1)?.caId;
      const i = previousIssuer === undefined ? undefined : after.index.get(previousIssuer);
      return i !== undefined && after.cas[i].state !== "retired"
        ? { safe: true }
        : { safe: false, reason: "the CA that issued the previous leaves is no longer trusted", fix: "renew-leaves from the active CA instead" };
    },
    apply: (state, step) => {
      needsCa(state, step);
      const staged = state.holder.staged;
      if (!staged) fail(step, "no staged CA: leaves may only move to a CA that every component already trusts", "none staged", "run 'stage-ca <new-id>' and apply it everywhere first; use renew-leaves to renew from the same CA");
      const active = state.holder.active;
      if (active) setState(state, active, "retiring");
      setState(state, staged!, "active");
      addLeaves(state, staged!, step.phase, step as LeafFingerprints);
      return state;
    },
  },
  "retire-ca": {
    meaning: (s) => `retire-ca "${(s as { caId: string }).caId}": removed from every trust bundle`,
    revert: {
      safe: false,
      reason: "the CA already left every trust bundle (components may have dropped it); bringing it back is a new stage-ca",
      fix: "stage a new CA with a new id ('stemguard tls ca stage-ca <new-id>')",
    },
    apply: (state, step) => {
      if (step.op !== "retire-ca") return state;
      needsCa(state, step);
      const i = state.index.get(step.caId);
      const current = i === undefined ? "absent" : state.cas[i].state;
      if (current !== "retiring") {
        const fix =
          current === "active"
            ? "the active CA issues the leaves in use: stage a new CA and reissue-leaves first; this CA then becomes retiring"
            : current === "staged"
              ? "a staged CA never issued leaves; run reissue-leaves to move to it, or keep it staged"
              : current === "retired"
                ? "it is already retired; nothing to do"
                : `check the CA id; the ledger has ${state.cas.map((c) => `"${c.id}"`).join(", ")}`;
        fail(step, "only a retiring CA can be retired", current, fix);
      }
      setState(state, step.caId, "retired");
      return state;
    },
  },
  "renew-leaves": {
    meaning: () => "renew-leaves: fresh server and client leaves from the same active CA",
    revert: { safe: true },
    apply: (state, step) => {
      needsCa(state, step);
      const staged = state.holder.staged;
      if (staged) fail(step, `CA "${staged}" is staged; renewing from the old CA would waste a phase`, staged, "run reissue-leaves, which issues fresh leaves from the staged CA");
      addLeaves(state, state.holder.active!, step.phase, step as LeafFingerprints);
      return state;
    },
  },
};

/** CA rotations (`stemguard.tls.json`) as a ledger kind. */
export const tlsCaKind: LedgerKind<TlsCaState, TlsLedgerStep, Record<string, never>> = {
  kind: "stemguard.tls-ca",
  name: "tls-ca",
  editor: "stemguard tls ca",
  initHint: "stemguard tls ca init <ca-id>",
  steps: STEPS,
  cadence: {
    credentials: ["ca", "leaves"],
    assess: (state, history, today) => {
      const ca = rotationCadence({
        credential: "ca",
        holder: state.holder,
        history,
        createdId: (s) => (s.op === "init" || s.op === "stage-ca" ? s.caId : undefined),
        commands: {
          promote: () => ({ step: "reissue-leaves", command: "stemguard tls ca reissue-leaves" }),
          retire: (id) => ({ step: `retire-ca ${id}`, command: `stemguard tls ca retire-ca ${id}` }),
          stage: (id) => ({ step: `stage-ca ${id}`, command: `stemguard tls ca stage-ca ${id}` }),
        },
        newId: freshId("ca-", today, (id) => state.collapsed.has(collapsedId(id))),
      });
      const leavesBorn = Math.max(0, ...history.filter((s) => s.op === "init" || s.op === "reissue-leaves" || s.op === "renew-leaves").map((s) => s.phase));
      const generation = state.leaves.at(-1);
      const leaves = generation
        ? [{ name: "leaves", id: `generation ${generation.generation}`, bornPhase: leavesBorn, renew: ca.inProgress ?? { step: "renew-leaves", command: "stemguard tls ca renew-leaves" } }]
        : [];
      return { inProgress: ca.inProgress, credentials: [...ca.credentials, ...leaves] };
    },
  },
  fields: ["cas", "leaves"],
  parseOptions: () => ({}),
  initial: () => ({ cas: [], leaves: [], index: new Map(), collapsed: new Map(), fingerprints: new Map(), holder: {} }),
  clone: (s) => ({ cas: [...s.cas], leaves: [...s.leaves], index: new Map(s.index), collapsed: new Map(s.collapsed), fingerprints: new Map(s.fingerprints), holder: { ...s.holder } }),
  parseStep: (entry, op, phase, at) => {
    const spec = STEP_FIELDS[op as TlsLedgerStep["op"]];
    for (const key of Object.keys(entry)) {
      if (key !== "op" && key !== "phase" && !spec.required.includes(key) && !spec.optional.includes(key)) {
        throw new StemguardError(`unknown field for ${op}`, { field: at(key), fix: `a ${op} step holds ${["phase", "op", ...spec.required, ...spec.optional].join(", ")}` });
      }
    }
    for (const key of [...spec.required, ...spec.optional]) {
      if (!spec.required.includes(key) && entry[key] === undefined) continue;
      if (key === "caId") assertKeyId(entry[key], at(key), "CA id");
      else if (typeof entry[key] !== "string" || !FINGERPRINT_PATTERN.test(entry[key] as string)) {
        throw new StemguardError("not a SHA-256 fingerprint (32 colon-separated upper-case hex bytes)", {
          field: at(key),
          value: typeof entry[key] === "string" ? `${(entry[key] as string).slice(0, 16)}...` : entry[key],
          fix: "take it from the certificate: 'openssl x509 -noout -fingerprint -sha256 -in ca.crt' or fingerprint256Of(pem)",
        });
      }
    }
    const fields = Object.fromEntries(FIELD_ORDER.filter((k) => entry[k] !== undefined).map((k) => [k, entry[k]]));
    return { phase, op, ...fields } as TlsLedgerStep;
  },
  stepFields: (s) => ({ ...s }),
  sectionFields: (state, _options, phase) => [
    ["kind", "stemguard.tls-ca"],
    ["phase", phase],
    ["cas", state.cas],
    ["leaves", state.leaves],
  ],
  summarize: (field, value) =>
    Array.isArray(value)
      ? value.map((v: { id?: unknown; state?: unknown; generation?: unknown; caId?: unknown }) => (field === "cas" ? `${String(v?.id)}=${String(v?.state)}` : `${String(v?.generation)}:${String(v?.caId)}`)).join(", ") || "none"
      : typeof value,
  rolls: (before, after) => {
    const trust = (s: TlsCaState) => s.cas.filter((c) => c.state !== "retired").map((c) => c.id).join(",");
    return [
      ...(trust(before) !== trust(after) ? ["trust bundle (every component)"] : []),
      ...(before.leaves.length !== after.leaves.length ? ["server and client certificates"] : []),
    ];
  },
  table: (state) => {
    const issuer = state.leaves.at(-1)?.caId;
    return {
      header: ["ca", "state", "trust bundle", "issues leaves"],
      rows: state.cas.map((c) => [c.id, c.state, c.state === "retired" ? "-" : "every component", c.id === issuer ? `generation ${state.leaves.length}` : "-"]),
    };
  },
  label,
};
