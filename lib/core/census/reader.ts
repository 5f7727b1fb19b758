/**
 * The only Redis commands the census sends, as a small interface: the logic
 * is tested against a real redis-server through the ioredis adapter
 * (ioredis-reader.ts), and the command set a read-only ACL user needs is
 * explicit here. Every command is in Redis's `@read` category and none is
 * `@dangerous`; none changes a consumer group, a PEL entry's idle time or
 * its delivery count (no XREADGROUP, XCLAIM, XAUTOCLAIM, XGROUP CREATE).
 */

/** One stream entry: its id and its fields as Redis returns them (`[name, value, name, value, ...]`). */
export interface StreamEntry {
  readonly id: string;
  readonly fields: readonly string[];
}

/** One consumer group of a stream (`XINFO GROUPS`). */
export interface StreamGroup {
  readonly name: string;
  readonly lastDeliveredId: string;
  /** PEL size. */
  readonly pending: number;
}

/** One PEL entry (`XPENDING key group start end count`, the extended form). */
export interface PendingEntry {
  readonly id: string;
  readonly consumer: string;
  readonly idleMs: number;
  readonly deliveries: number;
}

/** The read-only commands of the census. Every method is one Redis command. */
export interface CensusRedis {
  /** `SCAN cursor MATCH match TYPE type COUNT count` (TYPE: Redis >= 6.0). */
  scan(cursor: string, match: string, type: "stream" | "zset" | "list", count: number): Promise<{ cursor: string; keys: string[] }>;
  /** `XINFO GROUPS key`. */
  xinfoGroups(key: string): Promise<StreamGroup[]>;
  /** `XLEN key`. */
  xlen(key: string): Promise<number>;
  /** `XRANGE key start end COUNT count`; `start` may be exclusive (`(id`, Redis >= 6.2). */
  xrange(key: string, start: string, end: string, count: number): Promise<StreamEntry[]>;
  /** `XPENDING key group start end count` (extended form; read-only). */
  xpending(key: string, group: string, start: string, end: string, count: number): Promise<PendingEntry[]>;
  /** `ZSCAN key cursor COUNT count`: members with their scores. */
  zscan(key: string, cursor: string, count: number): Promise<{ cursor: string; members: { member: string; score: string }[] }>;
  /** `LLEN key`. */
  llen(key: string): Promise<number>;
  /** `LRANGE key start stop`. */
  lrange(key: string, start: number, stop: number): Promise<string[]>;
}

/**
 * Every command the census may send, connection set-up included (`HELLO` or
 * `AUTH`, `SELECT`, `PING`): what docs/census.md lists and what the read-only
 * user (lib/core/redis/census-user.ts) allows.
 */
export const CENSUS_COMMANDS = ["HELLO", "AUTH", "SELECT", "PING", "SCAN", "XINFO GROUPS", "XLEN", "XRANGE", "XPENDING", "ZSCAN", "LLEN", "LRANGE"] as const;
