/**
 * Two kinds written only against the engine's LedgerKind interface (no engine
 * change): the Redis TLS mode and Redis passwords of the next issue, in
 * miniature. They prove a new kind is a table, and share one file as sections.
 */
import { StemguardError } from "../../../lib/core/errors";
import type { LedgerKind, StepRecord } from "../../../lib/core/ledger/kind";

const MODES = ["plain", "dual", "clients-tls", "tls-only"] as const;
type Mode = (typeof MODES)[number];
export interface ModeStep extends StepRecord {
  readonly op: "init" | "advance";
  readonly to: Mode;
}

const refuse = (step: StepRecord, problem: string): never => {
  throw new StemguardError(problem, { field: step.op, fix: "take the next step" });
};

export const redisTlsModeKind: LedgerKind<{ mode?: Mode }, ModeStep, Record<string, never>> = {
  kind: "test.redis-tls-mode",
  name: "redis-tls-mode",
  editor: "test mode",
  steps: {
    init: { meaning: () => "plain", revert: { safe: false, reason: "removes the mode", fix: "keep it" }, apply: (s, st) => (s.mode ? refuse(st, "already") : st.to !== "plain" ? refuse(st, "starts plain") : { mode: "plain" }) },
    advance: {
      meaning: (st) => `to ${st.to}`,
      revert: (before) => (before.mode === "plain" || before.mode === "dual" ? { safe: true } : { safe: false, reason: "clients dropped plain", fix: "advance" }),
      apply: (s, st) => (s.mode && MODES.indexOf(st.to) === MODES.indexOf(s.mode) + 1 ? { mode: st.to } : refuse(st, `cannot go from ${s.mode} to ${st.to}`)),
    },
  },
  fields: ["mode"],
  parseOptions: () => ({}),
  initial: () => ({}),
  clone: (s) => ({ ...s }),
  parseStep: (e, op, phase, at) => {
    if (!MODES.includes(e.to as Mode)) throw new StemguardError("bad mode", { field: at("to"), value: e.to, fix: "a mode" });
    for (const k of Object.keys(e)) if (!["phase", "op", "to"].includes(k)) throw new StemguardError("unknown field", { field: at(k), fix: "remove it" });
    return { phase, op: op as ModeStep["op"], to: e.to as Mode };
  },
  stepFields: (s) => ({ phase: s.phase, op: s.op, to: s.to }),
  sectionFields: (s, _o, phase) => [["kind", "test.redis-tls-mode"], ["phase", phase], ["mode", s.mode]],
  rolls: (a, b) => (a.mode === b.mode ? [] : ["redis", "clients"]),
  table: (s) => ({ header: ["mode"], rows: [[s.mode ?? "-"]] }),
  label: (s) => `${s.op} ${s.to}`,
};

type PwState = "staged" | "active" | "retiring" | "retired";
export interface PwStep extends StepRecord {
  readonly op: "init" | "stage" | "activate" | "retire";
  readonly id: string;
}
type Pw = { readonly ids: Map<string, PwState> };
const next: Record<PwStep["op"], [PwState | undefined, PwState]> = { init: [undefined, "active"], stage: [undefined, "staged"], activate: ["staged", "active"], retire: ["retiring", "retired"] };

export const redisPasswordsKind: LedgerKind<Pw, PwStep, Record<string, never>> = {
  kind: "test.redis-passwords",
  name: "redis-passwords",
  editor: "test passwords",
  steps: Object.fromEntries(
    (Object.keys(next) as PwStep["op"][]).map((op) => [
      op,
      {
        meaning: (st: PwStep) => `${op} ${st.id}`,
        revert: op === "retire" || op === "init" ? { safe: false, reason: "gone", fix: "stage a new one" } : { safe: true },
        apply: (s: Pw, st: PwStep) => {
          const [from, to] = next[op];
          if (s.ids.get(st.id) !== from || (op === "init") !== (s.ids.size === 0) || (op === "stage" && s.ids.size === 0)) refuse(st, `${op} ${st.id} not legal`);
          if (op === "activate") for (const [id, v] of s.ids) if (v === "active") s.ids.set(id, "retiring");
          if (op === "activate" && [...s.ids.values()].filter((v) => v === "retiring").length > 1) refuse(st, "two retiring");
          s.ids.set(st.id, to);
          return s;
        },
      },
    ]),
  ),
  fields: ["passwords"],
  parseOptions: () => ({}),
  initial: () => ({ ids: new Map() }),
  clone: (s) => ({ ids: new Map(s.ids) }),
  parseStep: (e, op, phase, at) => {
    if (typeof e.id !== "string") throw new StemguardError("bad id", { field: at("id"), fix: "a string" });
    for (const k of Object.keys(e)) if (!["phase", "op", "id"].includes(k)) throw new StemguardError("unknown field", { field: at(k), fix: "remove it" });
    return { phase, op: op as PwStep["op"], id: e.id };
  },
  stepFields: (s) => ({ phase: s.phase, op: s.op, id: s.id }),
  sectionFields: (s, _o, phase) => [["kind", "test.redis-passwords"], ["phase", phase], ["passwords", Object.fromEntries(s.ids)]],
  fieldStyle: () => "rows",
  rolls: (a, b) => (JSON.stringify([...a.ids]) === JSON.stringify([...b.ids]) ? [] : ["redis"]),
  table: (s) => ({ header: ["password", "state"], rows: [...s.ids].map(([id, v]) => [id, v]) }),
  label: (s) => `${s.op} ${s.id}`,
};
