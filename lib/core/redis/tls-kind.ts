import { StemguardError } from "../errors";
import { ROLES } from "../keyring/types";
import type { LedgerKind, StepRule } from "../ledger/kind";
import { REDIS_CLIENT_AUTH, REDIS_TLS_MODES, type RedisTlsMode, type RedisTlsState, type RedisTlsStep } from "./types";
import { clientTransport, serverTransport } from "./transport";

/** The editor command of the Redis ledger, for fixes. */
export const REDIS_EDITOR = "stemguard redis";

const fail = (step: RedisTlsStep, problem: string, value: unknown, fix: string): never => {
  throw new StemguardError(problem, { field: label(step), value, fix });
};

const label = (s: RedisTlsStep) => (s.op === "client-auth" ? `client-auth ${s.clientAuth}` : `${s.op === "mode" ? "tls" : "init"} ${s.mode}`);

const MEANING: Record<RedisTlsMode, string> = {
  plain: "Redis speaks plain TCP only",
  dual: "the server accepts TLS beside plain; clients still connect plain",
  "clients-tls": "every role's Redis URLs switch to rediss://; the server still accepts plain (for clients of the previous phase)",
  "tls-only": "the server refuses plain connections; TLS only",
};

const NEXT_MODE_FIX = (mode: RedisTlsMode | undefined) => {
  const i = mode === undefined ? -1 : REDIS_TLS_MODES.indexOf(mode);
  return i >= 0 && i < REDIS_TLS_MODES.length - 1 ? `take one step: '${REDIS_EDITOR} tls ${REDIS_TLS_MODES[i + 1]}'` : mode === "tls-only" ? "nothing to do: Redis is TLS-only" : `create the ledger with '${REDIS_EDITOR} init'`;
};

const STEPS: Record<RedisTlsStep["op"], StepRule<RedisTlsState, RedisTlsStep>> = {
  init: {
    meaning: (s) => `create the Redis ledger in mode ${s.mode}: ${MEANING[s.mode!]}`,
    revert: { safe: false, reason: "it removes the Redis ledger every role's URLs are rendered from", fix: "keep the ledger; move the mode with 'stemguard redis tls <mode>' steps" },
    apply: (state, step) => {
      const s = step as Required<RedisTlsStep>;
      if (state.mode !== undefined) fail(step, "the Redis ledger already exists; init only creates it", state.mode, NEXT_MODE_FIX(state.mode));
      if (s.mode !== "plain" && s.mode !== "tls-only") {
        fail(step, "a Redis ledger starts in plain (an existing deployment) or tls-only (a new one)", s.mode, "init with plain and take the dual, clients-tls and tls-only steps one pull request at a time");
      }
      state.mode = s.mode;
      return state;
    },
  },
  mode: {
    meaning: (s) => `TLS mode ${s.mode!}: ${MEANING[s.mode!]}`,
    // Every mode step widens what the server accepts or moves clients while the server accepts both, so undoing it is safe.
    revert: { safe: true },
    caution: (s) =>
      s.mode! === "tls-only"
        ? "Apply only after every role runs the clients-tls phase: `stemguard health` with each role's env must pass over rediss:// first."
        : undefined,
    apply: (state, step) => {
      const s = step as Required<RedisTlsStep>;
      if (state.mode === undefined) fail(step, "the Redis ledger has no mode yet", s.mode, `create it with '${REDIS_EDITOR} init'`);
      const from = REDIS_TLS_MODES.indexOf(state.mode!);
      const to = REDIS_TLS_MODES.indexOf(s.mode);
      if (to !== from + 1) {
        const problem =
          to === from
            ? `Redis is already in mode ${s.mode}`
            : to < from
              ? `mode ${s.mode} is behind ${state.mode}; a mode step only moves forward (a revert of the last step's pull request goes back)`
              : `${state.mode} -> ${s.mode} skips ${REDIS_TLS_MODES.slice(from + 1, to).join(", ")}: clients would be cut off (the server must accept TLS before clients use it, and clients must use it before plain is refused)`;
        fail(step, problem, s.mode, NEXT_MODE_FIX(state.mode));
      }
      state.mode = s.mode;
      return state;
    },
  },
  "client-auth": {
    meaning: (s) => {
      const v = s.clientAuth!;
      return v === "optional"
        ? "client certificates optional: clients get their certificate and key; the server verifies a certificate when one is sent"
        : v === "yes"
          ? "client certificates required: the server refuses a TLS client without a certificate its trust bundle verifies"
          : "client certificates off";
    },
    revert: { safe: true },
    apply: (state, step) => {
      const s = step as Required<RedisTlsStep>;
      if (state.mode === undefined || state.mode === "plain") {
        fail(step, "client certificates are a TLS setting: the server must speak TLS first", state.mode ?? "no ledger", `take '${REDIS_EDITOR} tls dual' first`);
      }
      const from = REDIS_CLIENT_AUTH.indexOf(state.clientAuth);
      const to = REDIS_CLIENT_AUTH.indexOf(s.clientAuth);
      if (to !== from + 1) {
        const fix = from < REDIS_CLIENT_AUTH.length - 1 ? `take '${REDIS_EDITOR} client-auth ${REDIS_CLIENT_AUTH[from + 1]}' (no -> optional -> yes)` : "nothing to do: client certificates are required";
        fail(step, to <= from ? `client-auth is already ${state.clientAuth}` : `client-auth ${state.clientAuth} -> ${s.clientAuth} skips optional: clients without their certificate yet would be refused`, s.clientAuth, fix);
      }
      state.clientAuth = s.clientAuth;
      return state;
    },
  },
};

const STEP_FIELDS: Record<RedisTlsStep["op"], string> = { init: "mode", mode: "mode", "client-auth": "clientAuth" };

/** The Redis TLS mode and client-certificate setting as a ledger kind (a section of `stemguard.redis.json`). */
export const redisTlsKind: LedgerKind<RedisTlsState, RedisTlsStep, Record<string, never>> = {
  kind: "stemguard.redis-tls",
  name: "redis-tls",
  editor: REDIS_EDITOR,
  initHint: `${REDIS_EDITOR} init --mode plain`,
  fieldFix: (field) => (field === "mode" || field === "clientAuth" ? `change them only with '${REDIS_EDITOR} tls <mode>' and '${REDIS_EDITOR} client-auth <setting>', one step per pull request` : undefined),
  steps: STEPS,
  fields: ["mode", "clientAuth"],
  fieldStyle: (field) => (field === "history" ? "rows" : "pretty"),
  parseOptions: () => ({}),
  initial: () => ({ clientAuth: "no" }),
  clone: (s) => ({ ...s }),
  parseStep: (entry, op, phase, at) => {
    const field = STEP_FIELDS[op as RedisTlsStep["op"]];
    for (const key of Object.keys(entry)) {
      if (key !== "phase" && key !== "op" && key !== field) throw new StemguardError("unknown field in a history step", { field: at(key), fix: `a ${op} step holds phase, op and ${field} only` });
    }
    const allowed: readonly string[] = field === "clientAuth" ? REDIS_CLIENT_AUTH : REDIS_TLS_MODES;
    if (!allowed.includes(entry[field] as string)) {
      throw new StemguardError(`${field} must be one of ${allowed.join(", ")}`, { field: at(field), value: typeof entry[field] === "string" && (entry[field] as string).length <= 16 ? entry[field] : `(${typeof entry[field]}, not shown)`, fix: `use one of ${allowed.join(", ")}` });
    }
    return { phase, op: op as RedisTlsStep["op"], [field]: entry[field] as string };
  },
  stepFields: (s) => ({ phase: s.phase, op: s.op, ...(s.op === "client-auth" ? { clientAuth: s.clientAuth } : { mode: s.mode }) }),
  sectionFields: (state, _o, phase) => [
    ["kind", "stemguard.redis-tls"],
    ["phase", phase],
    ["mode", state.mode],
    ["clientAuth", state.clientAuth],
  ],
  rolls: (before, after) => {
    const b = { ...before, acceptedPasswords: [], mode: before.mode ?? "plain" };
    const a = { ...after, acceptedPasswords: [], mode: after.mode ?? "plain" };
    const server = JSON.stringify(serverTransport(b)) !== JSON.stringify(serverTransport(a)) ? ["redis"] : [];
    const clients = JSON.stringify(clientTransport(b)) !== JSON.stringify(clientTransport(a)) ? [...ROLES] : [];
    return before.mode === undefined ? ["redis", ...ROLES] : [...server, ...clients];
  },
  table: (state) => {
    const phase = { mode: state.mode ?? "plain", clientAuth: state.clientAuth, acceptedPasswords: [] };
    const server = serverTransport(phase);
    const client = clientTransport(phase);
    return {
      header: ["mode", "server accepts", "client certificates", "clients connect"],
      rows: [[state.mode ?? "-", [server.plain ? "plain" : "", server.tls ? "tls" : ""].filter(Boolean).join("+"), server.tls ? state.clientAuth : "-", `${client.scheme}://${client.clientCertificate ? " with certificate" : ""}`]],
    };
  },
  label,
};
