/**
 * Writes Stem's Redis broker layout (shared/docs/stem-redis.md §A; docs/census.md)
 * the way Stem's RedisStreamsBroker does, with envelopes signed by
 * stemguard's own signer (lib/core/signing): XGROUP CREATE ... 0 MKSTREAM on
 * the 10 priority streams of a consumed queue, XADD of flat fields, delivery
 * by XREADGROUP (and XAUTOCLAIM), ack by XACK, extendLease as XACK + ZADD of
 * a copy, dead letters as XACK + LPUSH of the JSON wrapper, broadcast
 * streams with a group per consumer, control queues, and result-backend keys.
 */
import type { Redis } from "ioredis";
import { createEnvelope, type StemEnvelope } from "../../lib/core/signing/envelope";
import { signEnvelope } from "../../lib/core/signing/sign";
import { parseStemSigningEnv } from "../../lib/core/stem-env/parse-signing-env";
import type { StemSigningConfig } from "../../lib/core/stem-env/signing-config";

const HMAC_K1 = "c3VwZXItc2VjcmV0LXN1cGVyLXNlY3JldA==";
const HMAC_K2 = "bmV4dC1zZWNyZXQtbmV4dC1zZWNyZXQ=";
const HMAC_OLD = "b2xkLXNlY3JldC1vbGQtc2VjcmV0LW9sZA==";
const ED_SEED = "v/eFuFJGEl0ieIlYionIcFjYKmKK/lMrfi+pGcLsKew=";
const ED_PUBLIC = "MQKrHe7hFRCoOi1DGdEdQOcfQGqEcTQGt79szn6gTJ0=";

/** Signers by key id: HMAC k1, k2 and old; Ed25519 ed1. */
export const SIGNERS: Readonly<Record<string, StemSigningConfig>> = {
  k1: parseStemSigningEnv({ STEM_SIGNING_KEYS: `k1:${HMAC_K1},k2:${HMAC_K2}`, STEM_SIGNING_ACTIVE_KEY: "k1" }),
  k2: parseStemSigningEnv({ STEM_SIGNING_KEYS: `k1:${HMAC_K1},k2:${HMAC_K2}`, STEM_SIGNING_ACTIVE_KEY: "k2" }),
  old: parseStemSigningEnv({ STEM_SIGNING_KEYS: `old:${HMAC_OLD}`, STEM_SIGNING_ACTIVE_KEY: "old" }),
  ed1: parseStemSigningEnv({ STEM_SIGNING_ALGORITHM: "ed25519", STEM_SIGNING_PUBLIC_KEYS: `ed1:${ED_PUBLIC}`, STEM_SIGNING_PRIVATE_KEYS: `ed1:${ED_SEED}`, STEM_SIGNING_ACTIVE_KEY: "ed1" }),
};

let serial = 0;
const BASE_MS = Date.parse("2026-12-01T00:00:00Z");

/** A task envelope for `queue`, signed with `key` (or unsigned), enqueued `serial` seconds after 2026-12-01. */
export function envelope(queue: string, key: keyof typeof SIGNERS | undefined, init: { name?: string; priority?: number; notBefore?: Date; id?: string } = {}): StemEnvelope {
  serial++;
  const e = createEnvelope({
    id: init.id ?? `00000000-0000-4000-8000-${String(serial).padStart(12, "0")}`,
    name: init.name ?? "tasks.send",
    args: { n: serial },
    enqueuedAt: new Date(BASE_MS + serial * 1000),
    notBefore: init.notBefore ?? null,
    priority: init.priority ?? 0,
    maxRetries: 3,
    queue,
  });
  return key === undefined ? e : signEnvelope(e, SIGNERS[key]);
}

/** The flat stream fields of RB:399-426 (every value a string; args, headers and meta as JSON text). */
export function streamFields(e: StemEnvelope, extra: Record<string, string> = {}): string[] {
  const json = JSON.parse(e.toJson()) as Record<string, unknown>;
  const text = (v: unknown) => (v === null || v === undefined ? "" : typeof v === "string" ? v : typeof v === "number" ? String(v) : JSON.stringify(v));
  const fields: Record<string, string> = {
    id: text(json.id),
    name: text(json.name),
    args: JSON.stringify(json.args ?? {}),
    headers: JSON.stringify(json.headers ?? {}),
    enqueuedAt: text(json.enqueuedAt),
    notBefore: text(json.notBefore),
    priority: text(json.priority),
    attempt: text(json.attempt),
    maxRetries: text(json.maxRetries),
    visibilityTimeout: text(json.visibilityTimeout),
    queue: text(json.queue),
    meta: JSON.stringify(json.meta ?? {}),
    ...extra,
  };
  return Object.entries(fields).flat();
}

/** The ready stream of `queue` at `priority` (0: no suffix). */
export function streamKey(queue: string, priority = 0): string {
  return priority === 0 ? `stem:stream:${queue}` : `stem:stream:${queue}:p${priority}`;
}

/** A queue's consumer set-up as Stem's consumer loop makes it: the group on all 10 priority streams. */
export async function createQueueGroups(redis: Redis, queue: string): Promise<void> {
  for (let p = 0; p <= 9; p++) await redis.xgroup("CREATE", streamKey(queue, p), `stem:group:${queue}`, "0", "MKSTREAM");
}

/** XADD of an envelope to its priority stream; returns the stream id. */
export async function publish(redis: Redis, e: StemEnvelope, priority = 0): Promise<string> {
  return (await redis.xadd(streamKey(e.queue, priority), "*", ...streamFields(e))) as string;
}

/** XREADGROUP ... COUNT n ... > as a worker's consumer loop: returns the delivered ids. */
export async function deliver(redis: Redis, queue: string, priority: number, consumer: string, count: number): Promise<string[]> {
  const reply = (await redis.xreadgroup("GROUP", `stem:group:${queue}`, consumer, "COUNT", count, "STREAMS", streamKey(queue, priority), ">")) as [string, [string, string[]][]][] | null;
  return (reply?.[0]?.[1] ?? []).map(([id]) => id);
}

/** XACK, as `ack`. */
export async function ack(redis: Redis, queue: string, priority: number, id: string): Promise<void> {
  await redis.xack(streamKey(queue, priority), `stem:group:${queue}`, id);
}

/** ZADD of a copy into the delayed ZSET (publish with notBefore, or extendLease's copy), score = notBefore ms. */
export async function delay(redis: Redis, e: StemEnvelope, notBefore: Date): Promise<void> {
  await redis.zadd(`stem:delayed:${e.queue}`, notBefore.getTime(), e.with({ notBefore }).toJson());
}

/** LPUSH of the dead-letter wrapper (RB:987-992). */
export async function deadLetter(redis: Redis, e: StemEnvelope, reason: string, meta: Record<string, string> | null): Promise<void> {
  const body = `{"envelope":${e.toJson()},"reason":${JSON.stringify(reason)},"meta":${JSON.stringify(meta)},"deadAt":"2026-12-02T00:00:00.000Z"}`;
  await redis.lpush(`stem:dead:${e.queue}`, body);
}

/** What {@link seedStemBroker} wrote, as the census must count it. */
export const SEEDED = {
  live: { "(unsigned)": 3, ed1: 2, k1: 7, k2: 4 },
  liveByQueue: {
    "broadcast:alerts": { "(unsigned)": { ready: 0, pending: 0, delayed: 0, broadcast: 1, total: 1 } },
    "broadcast:news": { k1: { ready: 0, pending: 0, delayed: 0, broadcast: 2, total: 2 } },
    default: {
      "(unsigned)": { ready: 1, pending: 0, delayed: 1, broadcast: 0, total: 2 },
      ed1: { ready: 1, pending: 0, delayed: 0, broadcast: 0, total: 1 },
      k1: { ready: 2, pending: 2, delayed: 1, broadcast: 0, total: 5 },
      k2: { ready: 2, pending: 0, delayed: 2, broadcast: 0, total: 4 },
    },
    emails: { ed1: { ready: 0, pending: 1, delayed: 0, broadcast: 0, total: 1 } },
  },
  acked: { "broadcast:alerts": 0, "broadcast:news": 1, default: 3, emails: 1 },
  dead: {
    default: { "max-retries-exhausted": 1, "signature-invalid": 3, "unregistered-task": 1 },
    emails: { "signature-invalid": 1 },
  },
  skippedControlQueues: ["stem.control.broadcast", "stem.control.worker.w1"],
  duplicates: 1,
} as const;

/**
 * Seeds two queues, two broadcast channels, control queues and
 * result-backend keys (see SEEDED for the counts the census must give):
 *
 * - `default`: k1 x3 on p0 delivered, 2 acked, 1 pending; k2 x2 on p0 ready;
 *   k1 x2 and one unsigned on p3 ready; ed1 on p9 ready; a k1 task delivered
 *   then lease-extended (XACK + ZADD copy: acked history + delayed); a k1
 *   task pending whose lease copy is also in the ZSET (read between ZADD and
 *   XACK: one live message, one duplicate); k2 x2 and one unsigned delayed;
 *   dead letters of each reason and error class.
 * - `emails`: ed1 x2 delivered, one acked, one pending and claimed again by
 *   XAUTOCLAIM (2 deliveries); a signature-mismatch dead letter.
 * - `stem:broadcast:news`: k1 x3; consumer c1 read and acked all, c2 read
 *   two and acked one. `stem:broadcast:alerts`: one unsigned, no group yet.
 * - control queues `stem.control.worker.w1` and `stem.control.broadcast`.
 */
export async function seedStemBroker(redis: Redis): Promise<void> {
  await createQueueGroups(redis, "default");
  const first = [envelope("default", "k1"), envelope("default", "k1"), envelope("default", "k1")];
  for (const e of first) await publish(redis, e);
  const delivered = await deliver(redis, "default", 0, "w1-1", 3);
  await ack(redis, "default", 0, delivered[0]);
  await ack(redis, "default", 0, delivered[1]);
  // extendLease: XACK the delivery, ZADD a copy with a new notBefore (same headers).
  const leased = envelope("default", "k1");
  await publish(redis, leased);
  const [leasedId] = await deliver(redis, "default", 0, "w1-1", 1);
  await ack(redis, "default", 0, leasedId);
  await delay(redis, leased, new Date(BASE_MS + 86_400_000));
  // The same task still pending and already copied into the ZSET.
  const dup = envelope("default", "k1");
  await publish(redis, dup);
  await deliver(redis, "default", 0, "w1-2", 1);
  await delay(redis, dup, new Date(BASE_MS + 86_400_000));
  for (const e of [envelope("default", "k2"), envelope("default", "k2")]) await publish(redis, e);
  for (const e of [envelope("default", "k1", { priority: 3 }), envelope("default", "k1", { priority: 3 }), envelope("default", undefined, { priority: 3 })]) await publish(redis, e, 3);
  await publish(redis, envelope("default", "ed1", { priority: 9 }), 9);
  for (const e of [envelope("default", "k2"), envelope("default", "k2"), envelope("default", undefined)]) await delay(redis, e, new Date(BASE_MS + 3_600_000));
  await deadLetter(redis, envelope("default", "old"), "signature-invalid", { error: 'unknown signing key "old"', keyId: "old" });
  await deadLetter(redis, envelope("default", undefined), "signature-invalid", { error: "missing signature headers" });
  await deadLetter(redis, envelope("default", "k1").with({ attempt: 1 }), "signature-invalid", { error: "signature mismatch", keyId: "k1" });
  await deadLetter(redis, envelope("default", "k2"), "max-retries-exhausted", { error: "StateError: boom" });
  await deadLetter(redis, envelope("default", "k1", { name: "tasks.gone" }), "unregistered-task", null);

  await createQueueGroups(redis, "emails");
  for (const e of [envelope("emails", "ed1"), envelope("emails", "ed1")]) await publish(redis, e);
  const mails = await deliver(redis, "emails", 0, "w2-1", 2);
  await ack(redis, "emails", 0, mails[0]);
  await redis.xautoclaim(streamKey("emails"), "stem:group:emails", "w2-2", 0, "0-0", "COUNT", 128);
  await deadLetter(redis, envelope("emails", "ed1").with({ attempt: 2 }), "signature-invalid", { error: "signature mismatch", keyId: "ed1" });

  const news = "stem:broadcast:news";
  for (const consumer of ["c1", "c2"]) await redis.xgroup("CREATE", news, `${news}:${consumer}`, "0", "MKSTREAM");
  for (let i = 0; i < 3; i++) await redis.xadd(news, "*", ...streamFields(envelope("news", "k1"), { delivery: "broadcast" }));
  const all = (await redis.xreadgroup("GROUP", `${news}:c1`, "c1", "COUNT", 10, "STREAMS", news, ">")) as [string, [string, string[]][]][];
  for (const [id] of all[0][1]) await redis.xack(news, `${news}:c1`, id);
  const two = (await redis.xreadgroup("GROUP", `${news}:c2`, "c2", "COUNT", 2, "STREAMS", news, ">")) as [string, [string, string[]][]][];
  await redis.xack(news, `${news}:c2`, two[0][1][0][0]);
  await redis.xadd("stem:broadcast:alerts", "*", ...streamFields(envelope("alerts", undefined), { delivery: "broadcast" }));

  for (const queue of ["stem.control.worker.w1", "stem.control.broadcast"]) {
    await redis.xgroup("CREATE", streamKey(queue), `stem:group:${queue}`, "0", "MKSTREAM");
    await publish(redis, envelope(queue, undefined, { name: "__stem.control__" }));
  }
  // Result-backend keys that the broker patterns must not pick up.
  await redis.set("stem:group:chord-1", "{}");
  await redis.hset("stem:group:chord-1:results", "t1", "{}");
  await redis.set("stem:result:t1", "{}");
  await redis.sadd("stem:worker:heartbeats", "w1");
  await redis.xadd("other:stream:x", "*", "id", "x");
}
