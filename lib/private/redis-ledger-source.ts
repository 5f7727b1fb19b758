import { createHash } from "node:crypto";
import { StemguardError } from "../core/errors";
import { DEFAULT_REDIS_LEDGER_FILE, parseRedisLedger, readRedisLedgerFile, serializeRedisLedger, type RedisLedger } from "../core/redis/ledger-file";

/** The props every Redis construct takes for its ledger. */
export interface RedisLedgerSourceProps {
  readonly ledger?: RedisLedger;
  readonly ledgerFile?: string;
}

/**
 * The validated Redis ledger from at most one of `ledger` and `ledgerFile`
 * (`stemguard.redis.json` when neither is given). An object is re-checked
 * through its canonical text, as a file would be.
 */
export function loadRedisLedger(props: RedisLedgerSourceProps, field: (name: string) => string): RedisLedger {
  if (props.ledger !== undefined && props.ledgerFile !== undefined) {
    throw new StemguardError("give at most one of ledger and ledgerFile", { field: field("ledger"), value: "both", fix: `pass ledgerFile: "${DEFAULT_REDIS_LEDGER_FILE}" (or a RedisLedger object as ledger)` });
  }
  if (props.ledger !== undefined) return parseRedisLedger(JSON.parse(serializeRedisLedger(props.ledger)), field("ledger"));
  return readRedisLedgerFile(props.ledgerFile ?? DEFAULT_REDIS_LEDGER_FILE, {
    field: field("ledgerFile"),
    missingFix: `create it with 'stemguard redis init --mode plain' (or --mode tls-only for a new deployment), or fix the path (relative paths start at ${process.cwd()})`,
  });
}

/**
 * A short, stable tag of a Redis ledger (both histories; ids only). Constructs
 * share a password input only when they render the same ledger: two ledgers
 * that both call a password "pw1" hold two different passwords.
 */
export function redisLedgerTag(ledger: RedisLedger): string {
  return createHash("sha256").update(JSON.stringify([ledger.tls.history, ledger.passwords?.history ?? []])).digest("hex").slice(0, 12);
}
