import { StemguardError } from "../errors";
import { writeFileAtomic } from "../fs/atomic-write";
import { readJsonFile } from "../fs/read-json-file";
import { assertKeyId } from "./key-id";
import { replayStates } from "./steps";
import {
  KEY_STATES,
  SIGNING_ALGORITHMS,
  STEP_OPS,
  type LedgerKey,
  type LedgerStep,
  type SigningAlgorithm,
  type SigningLedger,
} from "./types";

/** Where `stemguard rotate` keeps the ledger unless told otherwise. */
export const DEFAULT_LEDGER_FILE = "stemguard.rotation.json";

const EDIT_FIX = "restore the file from version control; edit ledgers only with 'stemguard rotate'";

/** How {@link readLedgerFile} names the file when it is missing or unreadable. */
export interface LedgerFileSource {
  /** The flag or prop that gave the path. */
  readonly field: string;
  /** What to do when the file does not exist. */
  readonly missingFix: string;
}

const CLI_LEDGER: LedgerFileSource = {
  field: "--ledger",
  missingFix: "create one with 'stemguard rotate init <key-id>' or pass --ledger PATH",
};

/** Reads and fully validates a ledger file; errors name `source.field` (the CLI's `--ledger` by default). */
export function readLedgerFile(file: string, source: LedgerFileSource = CLI_LEDGER): SigningLedger {
  const data = readJsonFile(file, { ...source, invalidFix: EDIT_FIX });
  return parseLedger(data, file);
}

/** Writes a ledger atomically, pretty-printed so pull-request diffs stay small. */
export function writeLedgerFile(file: string, ledger: SigningLedger): void {
  parseLedger(ledger, file); // never write an invalid ledger
  writeFileAtomic(file, serializeLedger(ledger));
}

/**
 * The canonical text of a ledger: fixed field order, one key and one step per
 * line, trailing newline, so each rotation step is a two-line pull-request diff.
 */
export function serializeLedger(ledger: SigningLedger): string {
  const rows = (items: readonly object[]) =>
    items.length === 0 ? "[]" : `[\n${items.map((item) => `    ${JSON.stringify(item).replace(/,"/g, ', "').replace(/":/g, '": ')}`).join(",\n")}\n  ]`;
  const lines = [
    `  "schemaVersion": ${ledger.schemaVersion}`,
    `  "kind": ${JSON.stringify(ledger.kind)}`,
    `  "algorithm": ${JSON.stringify(ledger.algorithm)}`,
    `  "phase": ${ledger.phase}`,
    ...(ledger.verifyOnlyWorkers ? [`  "verifyOnlyWorkers": true`] : []),
    ...(ledger.producersFirst ? [`  "producersFirst": true`] : []),
    `  "keys": ${rows(ledger.keys.map((k) => ({ id: k.id, algorithm: k.algorithm, state: k.state })))}`,
    `  "history": ${rows(ledger.history.map((s) => ({ phase: s.phase, op: s.op, keyId: s.keyId })))}`,
  ];
  return `{\n${lines.join(",\n")}\n}\n`;
}

/**
 * Validates untrusted data as a ledger: shape, ids, one algorithm, and that
 * `keys` is exactly what replaying `history` yields (so nobody hand-edits a
 * key from absent to active in one step).
 */
export function parseLedger(data: unknown, source = "ledger"): SigningLedger {
  const at = (p: string) => `${source}: ${p}`;
  const obj = expectObject(data, at("(root)"));
  if (obj.schemaVersion !== 1) {
    throw new StemguardError("unsupported schemaVersion", {
      field: at("schemaVersion"),
      value: obj.schemaVersion,
      fix: "this stemguard reads schemaVersion 1; upgrade stemguard or recreate the ledger",
    });
  }
  if (obj.kind !== "stemguard.signing-keyring") {
    throw new StemguardError("not a signing-keyring ledger", {
      field: at("kind"),
      value: obj.kind,
      fix: 'set kind to "stemguard.signing-keyring" (TLS ledgers use stemguard.tls.json)',
    });
  }
  const algorithm = expectAlgorithm(obj.algorithm, at("algorithm"));
  if (!Number.isInteger(obj.phase) || (obj.phase as number) < 1) {
    throw new StemguardError("phase must be a whole number >= 1 (a ledger starts with 'rotate init')", {
      field: at("phase"),
      value: obj.phase,
      fix: obj.phase === 0 ? "delete the file and run 'stemguard rotate init <key-id>'" : "restore the file from version control",
    });
  }
  if (obj.verifyOnlyWorkers !== undefined && typeof obj.verifyOnlyWorkers !== "boolean") {
    throw new StemguardError("verifyOnlyWorkers must be true or false", { field: at("verifyOnlyWorkers"), value: obj.verifyOnlyWorkers, fix: "remove it or set a boolean" });
  }
  if (obj.verifyOnlyWorkers === true && algorithm !== "ed25519") {
    throw new StemguardError("verifyOnlyWorkers applies to ed25519 only (HMAC workers always hold the secrets)", {
      field: at("verifyOnlyWorkers"),
      value: true,
      fix: "remove verifyOnlyWorkers",
    });
  }
  if (obj.producersFirst !== undefined && typeof obj.producersFirst !== "boolean") {
    throw new StemguardError("producersFirst must be true or false", { field: at("producersFirst"), value: obj.producersFirst, fix: "remove it or set a boolean" });
  }
  const keys = expectArray(obj.keys, at("keys")).map((k, i) => parseKey(k, at(`keys[${i}]`), algorithm));
  const history = expectArray(obj.history, at("history")).map((s, i) => parseStep(s, at(`history[${i}]`), i + 1));
  const seen = new Set<string>();
  for (const [i, k] of keys.entries()) {
    if (seen.has(k.id)) {
      throw new StemguardError(`duplicate key id "${k.id}" (Stem would silently keep only the later entry)`, {
        field: at(`keys[${i}].id`),
        value: k.id,
        fix: "every key id must be unique; stage new keys with new ids",
      });
    }
    seen.add(k.id);
  }
  if (history.length !== obj.phase) {
    throw new StemguardError(`phase must equal the number of history steps (${history.length})`, {
      field: at("phase"),
      value: obj.phase,
      fix: "restore the file from version control; edit ledgers only with 'stemguard rotate'",
    });
  }
  const active = keys.filter((k) => k.state === "active");
  if (keys.length > 0 && active.length !== 1) {
    throw new StemguardError("exactly one key must be active", {
      field: at("keys"),
      value: active.map((k) => k.id),
      fix: "activate keys only with 'stemguard rotate activate', which demotes the previous one",
    });
  }
  let replayed: LedgerKey[];
  let replayedVerifyOnly: boolean;
  try {
    const last = replayStates({ algorithm, history, producersFirst: obj.producersFirst === true, verifyOnlyWorkers: obj.verifyOnlyWorkers === true }).at(-1)!;
    replayed = [...last.keys];
    replayedVerifyOnly = Boolean(last.verifyOnlyWorkers);
  } catch (err) {
    throw new StemguardError(`history does not replay: ${(err as Error).message}`, {
      field: at("history"),
      fix: "restore the file from version control; edit ledgers only with 'stemguard rotate'",
    });
  }
  const describe = (ks: readonly LedgerKey[]) => ks.map((k) => `${k.id}=${k.state}`).join(", ");
  if (describe(replayed) !== describe(keys)) {
    throw new StemguardError(`keys do not match what history yields (${describe(replayed) || "no keys"}); a key changed state outside a step`, {
      field: at("keys"),
      value: describe(keys),
      fix: "change key states only with 'stemguard rotate stage|activate|retire' so each phase is one legal step",
    });
  }
  if (replayedVerifyOnly !== (obj.verifyOnlyWorkers === true)) {
    throw new StemguardError(`verifyOnlyWorkers does not match what history yields (${replayedVerifyOnly}); the worker mode changed outside a step`, {
      field: at("verifyOnlyWorkers"),
      value: obj.verifyOnlyWorkers ?? false,
      fix: "change the worker mode only with 'stemguard rotate workers --sign|--verify-only'",
    });
  }
  return {
    schemaVersion: 1,
    kind: "stemguard.signing-keyring",
    algorithm,
    phase: obj.phase as number,
    ...(obj.verifyOnlyWorkers === true ? { verifyOnlyWorkers: true } : {}),
    ...(obj.producersFirst === true ? { producersFirst: true } : {}),
    keys,
    history,
  };
}

function parseKey(data: unknown, field: string, algorithm: SigningAlgorithm): LedgerKey {
  const obj = expectObject(data, field);
  assertKeyId(obj.id, `${field}.id`);
  const keyAlgorithm = expectAlgorithm(obj.algorithm, `${field}.algorithm`);
  if (keyAlgorithm !== algorithm) {
    throw new StemguardError(`key algorithm differs from the keyring's ${algorithm}; Stem verifies with one algorithm per process`, {
      field: `${field}.algorithm`,
      value: keyAlgorithm,
      fix: "switching algorithm is a separate multi-phase procedure (see README, 'Switch algorithm'); use a new ledger",
    });
  }
  if (!KEY_STATES.includes(obj.state as never)) {
    throw new StemguardError(`state must be one of ${KEY_STATES.join(", ")}`, { field: `${field}.state`, value: obj.state, fix: "restore the file from version control" });
  }
  return { id: obj.id, algorithm: keyAlgorithm, state: obj.state as LedgerKey["state"] };
}

function parseStep(data: unknown, field: string, expectedPhase: number): LedgerStep {
  const obj = expectObject(data, field);
  if (obj.phase !== expectedPhase) {
    throw new StemguardError(`steps must be numbered 1, 2, 3, ... (expected ${expectedPhase})`, { field: `${field}.phase`, value: obj.phase, fix: "restore the file from version control" });
  }
  if (!STEP_OPS.includes(obj.op as never)) {
    throw new StemguardError(`op must be one of ${STEP_OPS.join(", ")}`, { field: `${field}.op`, value: obj.op, fix: "restore the file from version control" });
  }
  assertKeyId(obj.keyId, `${field}.keyId`);
  return { phase: expectedPhase, op: obj.op as LedgerStep["op"], keyId: obj.keyId };
}

function expectAlgorithm(value: unknown, field: string): SigningAlgorithm {
  if (!SIGNING_ALGORITHMS.includes(value as SigningAlgorithm)) {
    throw new StemguardError(`algorithm must be one of ${SIGNING_ALGORITHMS.join(", ")} (lowercase)`, { field, value, fix: 'use "hmac-sha256" or "ed25519"' });
  }
  return value as SigningAlgorithm;
}

function expectObject(value: unknown, field: string): Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new StemguardError("expected a JSON object", { field, value: Array.isArray(value) ? "array" : value, fix: "restore the file from version control" });
  }
  return value as Record<string, unknown>;
}

function expectArray(value: unknown, field: string): unknown[] {
  if (!Array.isArray(value)) {
    throw new StemguardError("expected a JSON array", { field, value: typeof value, fix: "restore the file from version control" });
  }
  return value;
}
