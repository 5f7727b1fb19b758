import { StemguardError } from "../errors";
import { writeFileAtomic } from "../fs/atomic-write";
import { readJsonFile } from "../fs/read-json-file";
import { replayTlsPhases } from "./ca-ledger";
import { TLS_STEP_OPS, type TlsCaLedger, type TlsLedgerStep } from "./ca-ledger-types";

/** Where the CA-rotation ledger lives unless told otherwise. */
export const DEFAULT_TLS_LEDGER_FILE = "stemguard.tls.json";

const STEP_FIELDS: Record<TlsLedgerStep["op"], { required: string[]; optional: string[] }> = {
  init: { required: ["caId", "caFingerprint256"], optional: ["serverFingerprint256", "clientFingerprint256"] },
  "stage-ca": { required: ["caId", "caFingerprint256"], optional: [] },
  "reissue-leaves": { required: [], optional: ["serverFingerprint256", "clientFingerprint256"] },
  "retire-ca": { required: ["caId"], optional: [] },
  "renew-leaves": { required: [], optional: ["serverFingerprint256", "clientFingerprint256"] },
};

/**
 * Validates untrusted data as a CA ledger: shape, and that `cas` and `leaves`
 * are exactly what replaying `history` yields (every step legal in turn), so
 * no hand edit moves a CA from absent to active in one phase.
 */
export function parseTlsLedger(data: unknown, source = "ledger"): TlsCaLedger {
  const at = (p: string) => `${source}: ${p}`;
  const fix = "restore the file from version control; edit it only with stemguard";
  if (typeof data !== "object" || data === null || Array.isArray(data)) {
    throw new StemguardError("expected a JSON object", { field: at("(root)"), fix });
  }
  const obj = data as Record<string, unknown>;
  if (obj.schemaVersion !== 1) {
    throw new StemguardError("unsupported schemaVersion", { field: at("schemaVersion"), value: obj.schemaVersion, fix: "this stemguard reads schemaVersion 1" });
  }
  if (obj.kind !== "stemguard.tls-ca") {
    throw new StemguardError('not a CA-rotation ledger (kind must be "stemguard.tls-ca")', { field: at("kind"), value: obj.kind, fix: "pass the TLS ledger (stemguard.tls.json), not a signing ledger" });
  }
  if (!Array.isArray(obj.history)) throw new StemguardError("history must be an array", { field: at("history"), fix });
  const history = obj.history.map((raw, i) => parseStep(raw, i, at));
  if (obj.phase !== history.length) {
    throw new StemguardError(`phase must equal the number of steps in history (${history.length})`, { field: at("phase"), value: obj.phase, fix });
  }
  let replayed: TlsCaLedger;
  try {
    replayed = replayTlsPhases(history).at(-1)!;
  } catch (err) {
    throw new StemguardError(`history does not replay: ${(err as Error).message}`, { field: at("history"), fix });
  }
  if (JSON.stringify(obj.cas) !== JSON.stringify(replayed.cas)) {
    throw new StemguardError("cas do not match what history yields", { field: at("cas"), fix });
  }
  if (JSON.stringify(obj.leaves) !== JSON.stringify(replayed.leaves)) {
    throw new StemguardError("leaves do not match what history yields", { field: at("leaves"), fix });
  }
  return replayed;
}

/** The canonical text of a ledger: fixed field order, trailing newline (small pull-request diffs). */
export function serializeTlsLedger(ledger: TlsCaLedger): string {
  const checked = parseTlsLedger(JSON.parse(JSON.stringify(ledger)), "ledger");
  const ordered = {
    schemaVersion: checked.schemaVersion,
    kind: checked.kind,
    phase: checked.phase,
    cas: checked.cas,
    leaves: checked.leaves,
    history: checked.history,
  };
  return `${JSON.stringify(ordered, null, 2)}\n`;
}

/** Reads and fully validates a ledger file. */
export function readTlsLedgerFile(file: string): TlsCaLedger {
  const data = readJsonFile(file, {
    field: "--ledger",
    missingFix: "create it with an init step, or pass --ledger PATH",
    invalidFix: "restore the file from version control",
  });
  return parseTlsLedger(data, file);
}

/** Writes a ledger atomically (temp + rename), after validating it. */
export function writeTlsLedgerFile(file: string, ledger: TlsCaLedger): void {
  writeFileAtomic(file, serializeTlsLedger(ledger));
}

function parseStep(raw: unknown, index: number, at: (p: string) => string): TlsLedgerStep {
  const field = at(`history[${index}]`);
  const fix = "restore the file from version control; edit it only with stemguard";
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) throw new StemguardError("expected an object", { field, fix });
  const step = raw as Record<string, unknown>;
  if (!TLS_STEP_OPS.includes(step.op as TlsLedgerStep["op"])) {
    throw new StemguardError("unknown op", { field: `${field}.op`, value: step.op, fix: `use one of ${TLS_STEP_OPS.join(", ")}` });
  }
  if (step.phase !== index + 1) throw new StemguardError(`phase must be ${index + 1}`, { field: `${field}.phase`, value: step.phase, fix });
  const spec = STEP_FIELDS[step.op as TlsLedgerStep["op"]];
  for (const key of Object.keys(step)) {
    if (key !== "op" && key !== "phase" && !spec.required.includes(key) && !spec.optional.includes(key)) {
      throw new StemguardError(`unexpected field for ${String(step.op)}`, { field: `${field}.${key}`, fix });
    }
  }
  for (const key of [...spec.required, ...spec.optional]) {
    if ((spec.required.includes(key) || key in step) && typeof step[key] !== "string") {
      throw new StemguardError("must be a string", { field: `${field}.${key}`, value: step[key], fix });
    }
  }
  return step as unknown as TlsLedgerStep;
}
