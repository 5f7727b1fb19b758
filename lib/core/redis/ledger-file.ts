import { StemguardError } from "../errors";
import { readLedgerDocument, sectionOf, serializeLedgerDocument, writeLedgerDocument, parseLedgerDocument, type LedgerDocument, type LedgerFileSource } from "../ledger/document";
import { appendStep, emptySection, replay, type LedgerSection } from "../ledger/section";
import { redisPasswordsKind } from "./passwords-kind";
import { REDIS_EDITOR, redisTlsKind } from "./tls-kind";
import type { RedisClientAuth, RedisTlsMode, RedisPasswordStep, RedisPasswordsState, RedisPhase, RedisTlsState, RedisTlsStep } from "./types";

/** Where `stemguard redis` keeps the ledger unless told otherwise. */
export const DEFAULT_REDIS_LEDGER_FILE = "stemguard.redis.json";

export type RedisTlsSection = LedgerSection<RedisTlsState, RedisTlsStep, Record<string, never>>;
export type RedisPasswordsSection = LedgerSection<RedisPasswordsState, RedisPasswordStep, Record<string, never>>;

/** A Redis ledger: the TLS section, and the passwords section once a password exists. */
export interface RedisLedger {
  readonly tls: RedisTlsSection;
  readonly passwords?: RedisPasswordsSection;
}

/** Both Redis kinds, as `stemguard.json` lists them for `stemguard.redis.json`. */
export const REDIS_LEDGER_KINDS = [redisTlsKind, redisPasswordsKind] as const;

const CLI_LEDGER: LedgerFileSource = { field: "--ledger", missingFix: `create one with '${REDIS_EDITOR} init --mode plain' (or --mode tls-only for a new deployment) or pass --ledger PATH` };

function fromDocument(doc: LedgerDocument, source: string): RedisLedger {
  const tls = sectionOf(doc, redisTlsKind);
  if (!tls) throw new StemguardError("a Redis ledger needs its redis-tls section", { field: source, fix: `create the ledger with '${REDIS_EDITOR} init'` });
  return { tls, passwords: sectionOf(doc, redisPasswordsKind) };
}

const toDocument = (ledger: RedisLedger): LedgerDocument => ({ sections: ledger.passwords ? [ledger.tls, ledger.passwords] : [ledger.tls], sectioned: true });

/** Validates untrusted data as a Redis ledger (both sections replayed, passwords only where the TLS mode allowed them). */
export function parseRedisLedger(data: unknown, source = "ledger"): RedisLedger {
  return fromDocument(parseLedgerDocument(data, source, REDIS_LEDGER_KINDS), source);
}

/** Reads and fully validates a Redis ledger file. */
export function readRedisLedgerFile(file: string, source: LedgerFileSource = CLI_LEDGER): RedisLedger {
  return fromDocument(readLedgerDocument(file, REDIS_LEDGER_KINDS, source), source.field);
}

/** The canonical text: always under `sections`, so the first password adds lines instead of reshaping the file. */
export function serializeRedisLedger(ledger: RedisLedger): string {
  return serializeLedgerDocument(toDocument(ledger));
}

/** Writes a Redis ledger atomically; an invalid one (e.g. a password before TLS) is never written. */
export function writeRedisLedgerFile(file: string, ledger: RedisLedger): void {
  writeLedgerDocument(file, toDocument(ledger));
}

/** A new ledger: init in `mode`. */
export function initRedisLedger(mode: "plain" | "tls-only"): RedisLedger {
  return { tls: appendStep(emptySection(redisTlsKind, {}), { op: "init", mode }) };
}

/** The ledger after one TLS step (mode or client-auth); throws with the reason when it is illegal. */
export function applyRedisTlsStep(ledger: RedisLedger, step: { readonly op: "mode"; readonly mode: RedisTlsMode } | { readonly op: "client-auth"; readonly clientAuth: RedisClientAuth }): RedisLedger {
  return checked({ ...ledger, tls: appendStep(ledger.tls, step) });
}

/** The ledger after one password step; the step records the TLS phase it was taken in. */
export function applyRedisPasswordStep(ledger: RedisLedger, op: RedisPasswordStep["op"], passwordId: string): RedisLedger {
  const mode = ledger.tls.state.mode;
  if (mode === "plain") {
    // The document rule refuses it too; this names the step instead of the file position.
    throw new StemguardError("a password step needs a server that speaks TLS (mode dual or later): ElastiCache refuses passwords without TLS, and a password sent in plain text is readable on the network", {
      field: `password ${op} ${passwordId.length > 16 ? "(id not shown)" : passwordId}`,
      value: mode,
      fix: `take '${REDIS_EDITOR} tls dual' in a pull request of its own first`,
    });
  }
  const base = ledger.passwords ?? emptySection(redisPasswordsKind, {});
  return checked({ ...ledger, passwords: appendStep(base, { op, passwordId, tlsPhase: ledger.tls.phase }) });
}

/** Runs the cross-section rules now, so a refused step is refused before anything is written. */
function checked(ledger: RedisLedger): RedisLedger {
  parseLedgerDocument(JSON.parse(serializeRedisLedger(ledger)), "ledger", REDIS_LEDGER_KINDS);
  return ledger;
}

/** The Redis security of one phase, from the two sections' states. */
export function redisPhaseOf(tls: RedisTlsState, passwords: RedisPasswordsState | undefined): RedisPhase {
  const accepted = (passwords?.passwords ?? []).filter((p) => p.state !== "retired").map((p) => p.id);
  return { mode: tls.mode ?? "plain", clientAuth: tls.clientAuth, acceptedPasswords: accepted, activePassword: passwords?.holder.active };
}

/** The ledger's current phase. */
export function currentRedisPhase(ledger: RedisLedger): RedisPhase {
  return redisPhaseOf(ledger.tls.state, ledger.passwords?.state);
}

/** One phase of the combined walk: which step made it, and its Redis security. */
export interface RedisWalkPhase {
  /** 1-based position in the combined walk. */
  readonly index: number;
  /** The step's label, e.g. `mode dual` or `password stage pw2`. */
  readonly step: string;
  readonly section: "redis-tls" | "redis-passwords";
  readonly phase: RedisPhase;
}

/**
 * Every phase of the ledger in the order the steps were applied: a password
 * step recorded `tlsPhase` t was taken after TLS step t and before t + 1, so
 * the two histories interleave in exactly one way.
 */
export function redisWalk(ledger: RedisLedger): RedisWalkPhase[] {
  const tlsStates: RedisTlsState[] = [];
  replay(redisTlsKind, {}, ledger.tls.history, (s) => tlsStates.push({ ...s }));
  const pwStates: RedisPasswordsState[] = [];
  const pwHistory = ledger.passwords?.history ?? [];
  replay(redisPasswordsKind, {}, pwHistory, (s) => pwStates.push(redisPasswordsKind.clone(s)));
  const walk: RedisWalkPhase[] = [];
  let p = 0;
  const push = (t: number, step: string, section: RedisWalkPhase["section"]) => walk.push({ index: walk.length + 1, step, section, phase: redisPhaseOf(tlsStates[t], pwStates[p]) });
  ledger.tls.history.forEach((step, i) => {
    push(i + 1, redisTlsKind.label(step), "redis-tls");
    while (p < pwHistory.length && pwHistory[p].tlsPhase === i + 1) {
      p++;
      push(i + 1, redisPasswordsKind.label(pwHistory[p - 1]), "redis-passwords");
    }
  });
  return walk;
}
