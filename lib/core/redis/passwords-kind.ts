import { StemguardError } from "../errors";
import { assertDistinctCollapsedId, assertKeyId, collapsedId } from "../keyring/key-id";
import { ROLES } from "../keyring/types";
import type { LedgerKind, StepRule } from "../ledger/kind";
import { replay } from "../ledger/section";
import { REDIS_EDITOR, redisTlsKind } from "./tls-kind";
import { type RedisPasswordState, type RedisPasswordStep, type RedisPasswordsState, type RedisTlsState, type RedisTlsStep } from "./types";


const fail = (step: RedisPasswordStep, problem: string, value: unknown, fix: string): never => {
  throw new StemguardError(problem, { field: `password ${step.op} ${step.passwordId}`, value, fix });
};

function setState(state: RedisPasswordsState, id: string, to: RedisPasswordState): void {
  const i = state.index.get(id)!;
  const from = state.passwords[i].state;
  if (from !== "retired" && state.holder[from] === id) delete state.holder[from];
  if (to !== "retired") state.holder[to] = id;
  state.passwords[i] = { id, state: to };
}

function add(state: RedisPasswordsState, step: RedisPasswordStep, to: "active" | "staged"): RedisPasswordsState {
  const id = step.passwordId;
  const existing = state.index.get(id);
  if (existing !== undefined) fail(step, `password id "${id}" is already in the ledger (state ${state.passwords[existing].state}); ids are never reused`, id, "use a new id, e.g. with a date suffix");
  assertDistinctCollapsedId(id, state.collapsed, `password ${step.op} ${id}`, "password id");
  state.index.set(id, state.passwords.length);
  state.collapsed.set(collapsedId(id), id);
  state.passwords.push({ id, state: to });
  state.holder[to] = id;
  return state;
}

const STEPS: Record<RedisPasswordStep["op"], StepRule<RedisPasswordsState, RedisPasswordStep>> = {
  init: {
    meaning: (s) => `require a password: "${s.passwordId}" is the only one the server accepts and every role's URLs carry`,
    revert: { safe: false, reason: "clients already authenticate and the password is in every role's URLs; removing it is not a rotation", fix: "keep it; rotate with 'stemguard redis password stage <new-id>'" },
    caution: () => "Clients without the password are refused from this apply on: the server and every role roll in this one phase, so apply it in a quiet window (or stage it on a server that has none yet).",
    apply: (state, step) => {
      if (state.passwords.length > 0) fail(step, "the ledger already has passwords; init only creates the first", state.passwords.map((p) => p.id), `stage a new one with '${REDIS_EDITOR} password stage ${step.passwordId}'`);
      return add(state, step, "active");
    },
  },
  stage: {
    meaning: (s) => `stage password "${s.passwordId}": the server accepts it beside the active one; clients still send the active one`,
    revert: { safe: true },
    apply: (state, step) => {
      if (state.passwords.length === 0) fail(step, "the ledger has no password yet", step.passwordId, `create the first with '${REDIS_EDITOR} password init ${step.passwordId}'`);
      if (state.holder.staged) fail(step, `password "${state.holder.staged}" is already staged; one rotation at a time`, state.holder.staged, `activate "${state.holder.staged}" (and retire the old one) first`);
      return add(state, step, "staged");
    },
  },
  activate: {
    meaning: (s) => `activate password "${s.passwordId}": every role's URLs carry it; the previous one is retiring (the server still accepts it)`,
    // Both passwords are accepted before and after, so clients may switch back.
    revert: { safe: true },
    afterApply: "After apply: wait until every role runs this phase (no client still connects with the retiring password) before retiring it.",
    apply: (state, step) => {
      const i = state.index.get(step.passwordId);
      const current = i === undefined ? "absent" : state.passwords[i].state;
      if (current !== "staged") fail(step, "only a staged password can be activated (the server must accept it for a full phase first)", current, i === undefined ? `run '${REDIS_EDITOR} password stage ${step.passwordId}' first` : "stage a new password instead");
      if (state.holder.retiring) fail(step, `password "${state.holder.retiring}" is still retiring`, state.holder.retiring, `retire "${state.holder.retiring}" first`);
      if (state.holder.active) setState(state, state.holder.active, "retiring");
      setState(state, step.passwordId, "active");
      return state;
    },
  },
  retire: {
    meaning: (s) => `retire password "${s.passwordId}": the server refuses it for new connections`,
    revert: { safe: false, reason: "the server already refused the password (and it may have leaked); bringing it back is a new stage", fix: `stage a new password ('${REDIS_EDITOR} password stage <new-id>')` },
    apply: (state, step) => {
      const i = state.index.get(step.passwordId);
      const current = i === undefined ? "absent" : state.passwords[i].state;
      if (current !== "retiring" && current !== "staged") {
        fail(step, "only a retiring password (after every role moved off it) or a staged one (never sent) can be retired", current,
          current === "active" ? `the active password is the only one clients send: stage and activate a new one first ('${REDIS_EDITOR} password stage <new-id>')` : current === "retired" ? "it is already retired" : `check the id with '${REDIS_EDITOR} status'`);
      }
      setState(state, step.passwordId, "retired");
      return state;
    },
  },
};

/** The TLS modes in which ElastiCache (and stemguard everywhere) allows passwords: the server speaks TLS. */
const TLS_MODES_FOR_PASSWORDS = new Set(["dual", "clients-tls", "tls-only"]);

/** Redis passwords (the `default` user's, the only one Stem can use) as a ledger kind (a section of `stemguard.redis.json`). */
export const redisPasswordsKind: LedgerKind<RedisPasswordsState, RedisPasswordStep, Record<string, never>> = {
  kind: "stemguard.redis-passwords",
  name: "redis-passwords",
  editor: `${REDIS_EDITOR} password`,
  initHint: `${REDIS_EDITOR} password init <password-id>`,
  fieldFix: (field) => (field === "passwords" ? `change password states only with '${REDIS_EDITOR} password stage|activate|retire'` : undefined),
  steps: STEPS,
  fields: ["passwords"],
  parseOptions: () => ({}),
  initial: () => ({ passwords: [], index: new Map(), collapsed: new Map(), holder: {} }),
  clone: (s) => ({ passwords: [...s.passwords], index: new Map(s.index), collapsed: new Map(s.collapsed), holder: { ...s.holder } }),
  parseStep: (entry, op, phase, at) => {
    for (const key of Object.keys(entry)) {
      if (!["phase", "op", "passwordId", "tlsPhase"].includes(key)) throw new StemguardError("unknown field in a history step", { field: at(key), fix: "a step holds phase, op, passwordId and tlsPhase only" });
    }
    assertKeyId(entry.passwordId, at("passwordId"), "password id");
    if (!Number.isInteger(entry.tlsPhase) || (entry.tlsPhase as number) < 1) {
      throw new StemguardError("tlsPhase must be the Redis TLS section's phase when the step was taken (a whole number >= 1)", { field: at("tlsPhase"), value: entry.tlsPhase, fix: "restore the file from version control; edit ledgers only with stemguard" });
    }
    return { phase, op: op as RedisPasswordStep["op"], passwordId: entry.passwordId, tlsPhase: entry.tlsPhase as number };
  },
  stepFields: (s) => ({ phase: s.phase, op: s.op, passwordId: s.passwordId, tlsPhase: s.tlsPhase }),
  sectionFields: (state, _o, phase) => [
    ["kind", "stemguard.redis-passwords"],
    ["phase", phase],
    ["passwords", state.passwords.map((p) => ({ id: p.id, state: p.state }))],
  ],
  fieldStyle: (field) => (field === "passwords" || field === "history" ? "rows" : "pretty"),
  summarize: (_f, value) => (Array.isArray(value) ? value.map((p: { id?: unknown; state?: unknown }) => `${String(p?.id)}=${String(p?.state)}`).join(", ") || "no passwords" : String(value)),
  rolls: (before, after) => {
    const accepted = (s: RedisPasswordsState) => s.passwords.filter((p) => p.state !== "retired").map((p) => p.id).join(",");
    return [...(accepted(before) !== accepted(after) ? ["redis"] : []), ...(before.holder.active !== after.holder.active ? ROLES : [])];
  },
  table: (state) => ({
    header: ["password", "state", "server accepts", "clients send"],
    rows: state.passwords.map((p) => [p.id, p.state, p.state === "retired" ? "no" : "yes", p.state === "active" ? "yes" : "-"]),
  }),
  label: (s) => `password ${s.op} ${s.passwordId}`,
  documentRule: (history, _state, peer, at) => {
    const tls = peer(redisTlsKind.name);
    if (!tls) {
      throw new StemguardError("Redis passwords need the Redis TLS section in the same file (passwords travel only over TLS)", { field: at("kind"), fix: `create the ledger with '${REDIS_EDITOR} init', which writes both sections` });
    }
    // The mode after each TLS phase, from one replay.
    const modes: (string | undefined)[] = [];
    replay(redisTlsKind, {}, tls.history as RedisTlsStep[], (s: RedisTlsState) => modes.push(s.mode));
    let previous = 0;
    history.forEach((step, i) => {
      const field = at(`history[${i}].tlsPhase`);
      if (step.tlsPhase < previous || step.tlsPhase > tls.phase) {
        throw new StemguardError(`tlsPhase must not decrease and must be at most the TLS section's phase (${tls.phase})`, { field, value: step.tlsPhase, fix: "restore the file from version control; a TLS step below a password step cannot be reverted" });
      }
      previous = step.tlsPhase;
      if (!TLS_MODES_FOR_PASSWORDS.has(modes[step.tlsPhase] ?? "")) {
        throw new StemguardError(`a password step needs a server that speaks TLS (mode dual or later; ElastiCache refuses passwords without TLS, and a password sent in plain text is readable on the network), but the TLS mode was ${modes[step.tlsPhase] ?? "unset"}`, {
          field,
          value: step.tlsPhase,
          fix: `take '${REDIS_EDITOR} tls dual' in a pull request of its own first`,
        });
      }
    });
  },
};
