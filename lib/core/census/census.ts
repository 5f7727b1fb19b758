import { StemguardError } from "../errors";
import { UNSIGNED_KEY_LABEL, type DeadLetterErrorClass } from "../metrics/census-metrics";
import { looksLikeMaterial, redacted } from "../redact/redact";
import { redactId } from "../stem-env/parse-signing-env";
import { BoundedIdSet } from "./bounded-id-set";
import { UNREADABLE, viewDeadLetter, viewEnvelopeJson, viewStreamEntry, type EnvelopeView } from "./envelope-view";
import { deadLetterErrorClass } from "./error-class";
import type { CensusRedis, StreamEntry } from "./reader";
import { STEM_KEYS, groupOf, isControlQueue, queueOfStreamKey } from "./stem-keys";
import { compareStreamIds, streamIdMs } from "./stream-id";
import type { CensusReport, DeadLetterCounts, LiveCounts, LiveStructure, OldestLive } from "./types";

/** Default page size of every SCAN, XRANGE, XPENDING, ZSCAN and LRANGE. */
export const DEFAULT_CENSUS_PAGE = 1000;
/** Default bound of the deduplication set (about 10 MB of ids). */
export const DEFAULT_MAX_TRACKED_IDS = 100_000;

/** Options of {@link runCensus}. */
export interface CensusOptions {
  /**
   * Only these queues (and broadcast channels); every queue found otherwise.
   *
   * @default - every queue
   */
  readonly queues?: readonly string[];
  /**
   * Entries per command page (SCAN COUNT, XRANGE/XPENDING COUNT, ZSCAN COUNT, LRANGE span).
   *
   * @default 1000
   */
  readonly pageSize?: number;
  /**
   * Envelope copies the deduplication set remembers; beyond it copies are
   * counted without deduplication (an over-count, never an under-count).
   *
   * @default 100000
   */
  readonly maxTrackedIds?: number;
  /** Called after each page read (progress for slow runs). */
  readonly onProgress?: (progress: CensusProgress) => void;
  /** @default Date.now */
  readonly now?: () => number;
}

/** How far a census is. */
export interface CensusProgress {
  readonly entriesRead: number;
  readonly keysDone: number;
  readonly keysTotal: number;
}

/** A key id for output: "(unsigned)" as it is, any other through the id rule and the material check. */
export function displayKeyLabel(keyId: string): string {
  return keyId === UNSIGNED_KEY_LABEL ? keyId : redactId(keyId);
}

/** An envelope id for output: shown when it is a plain id (UUIDs are), else by length only. */
function displayEnvelopeId(id: string): string {
  return /^[A-Za-z0-9._:-]{1,128}$/.test(id) && !looksLikeMaterial(id) ? id : redacted(id);
}

const ZERO: Record<LiveStructure, number> = { ready: 0, pending: 0, delayed: 0, broadcast: 0 };

/**
 * One read-only census of Stem's broker (docs/census.md): discovers the
 * broker's keys with SCAN ... TYPE, skips Stem's control queues, and counts
 * per queue and signing key id the live copies (pending entries of each
 * priority stream's group, delayed ZSET members, undelivered stream entries
 * after the group's last-delivered id, broadcast entries live for any
 * group), the acked history apart, and every dead letter by reason, error
 * class and key id. Everything is paged; memory is bounded by the page size
 * and `maxTrackedIds`, never by a stream's length.
 */
export async function runCensus(redis: CensusRedis, options: CensusOptions = {}): Promise<CensusReport> {
  const page = options.pageSize ?? DEFAULT_CENSUS_PAGE;
  if (!Number.isInteger(page) || page < 1 || page > 100_000) {
    throw new StemguardError("page size must be a whole number from 1 to 100000", { field: "pageSize", value: page, fix: "use the default, 1000" });
  }
  const limit = options.maxTrackedIds ?? DEFAULT_MAX_TRACKED_IDS;
  if (!Number.isInteger(limit) || limit < 0) {
    throw new StemguardError("must be a whole number, 0 or more", { field: "maxTrackedIds", value: limit, fix: "use the default, 100000" });
  }
  const now = options.now ?? Date.now;
  const started = now();
  const c = new Counter(new BoundedIdSet(limit));
  const only = options.queues === undefined ? undefined : new Set(options.queues);
  const wanted = (queue: string) => only === undefined || only.has(queue);
  const progress = () => options.onProgress?.({ entriesRead: c.entriesRead, keysDone: c.keysDone, keysTotal: c.keysTotal });

  // 1. Discovery.
  const control = new Set<string>();
  const streamsOf = new Map<string, string[]>();
  for (const key of await scanAll(redis, c, `${STEM_KEYS.stream}*`, "stream", page)) {
    const queue = queueOfStreamKey(key);
    if (isControlQueue(queue)) control.add(queue);
    else if (wanted(queue)) push(streamsOf, queue, key);
  }
  const suffixed = async (prefix: string, type: "zset" | "list") => {
    const found = new Map<string, string>();
    for (const key of await scanAll(redis, c, `${prefix}*`, type, page)) {
      const queue = key.slice(prefix.length);
      if (isControlQueue(queue)) control.add(queue);
      else if (wanted(queue)) found.set(queue, key);
    }
    return found;
  };
  const delayedOf = await suffixed(STEM_KEYS.delayed, "zset");
  const deadOf = await suffixed(STEM_KEYS.dead, "list");
  const broadcastOf = new Map<string, string>();
  for (const key of await scanAll(redis, c, `${STEM_KEYS.broadcast}*`, "stream", page)) {
    const channel = key.slice(STEM_KEYS.broadcast.length);
    if (wanted(channel)) broadcastOf.set(channel, key);
  }
  for (const keys of streamsOf.values()) keys.sort();
  c.keysTotal = [...streamsOf.values()].reduce((n, k) => n + k.length, 0) + delayedOf.size + deadOf.size + broadcastOf.size;
  const queues = sorted(new Set([...streamsOf.keys(), ...delayedOf.keys(), ...deadOf.keys()]));

  // 2. Pending entries first, then delayed members: copies (lease extension,
  // requeue) come from there, so their ids are the ones the bounded set keeps.
  const lastDelivered = new Map<string, string>();
  for (const queue of sorted(streamsOf.keys())) {
    for (const key of streamsOf.get(queue)!) {
      const groups = await c.call("XINFO GROUPS", () => redis.xinfoGroups(key));
      const group = groups.find((g) => g.name === groupOf(queue));
      lastDelivered.set(key, group?.lastDeliveredId ?? "0-0");
      if (group !== undefined && group.pending > 0) {
        const present = await readPending(redis, c, key, group.name, page, () => true, (entry) => c.live(queue, "pending", viewStreamEntry(entry.fields), entry.id), progress);
        c.pendingPresent.set(key, present);
      }
    }
  }
  for (const queue of sorted(delayedOf.keys())) {
    const key = delayedOf.get(queue)!;
    let cursor = "0";
    do {
      const res = await c.call("ZSCAN", () => redis.zscan(key, cursor, page));
      cursor = res.cursor;
      c.entriesRead += res.members.length;
      for (const { member } of res.members) c.live(queue, "delayed", viewEnvelopeJson(member), undefined);
      progress();
    } while (cursor !== "0");
    c.keysDone++;
  }

  // 3. Undelivered entries after each group's last-delivered id, and acked history.
  for (const queue of sorted(streamsOf.keys())) {
    for (const key of streamsOf.get(queue)!) {
      const undelivered = await readRange(redis, c, key, lastDelivered.get(key)!, page, (entry) => c.live(queue, "ready", viewStreamEntry(entry.fields), entry.id), progress);
      const length = await c.call("XLEN", () => redis.xlen(key));
      c.addAcked(queue, Math.max(0, length - undelivered - (c.pendingPresent.get(key) ?? 0)));
      c.keysDone++;
    }
  }

  // 4. Broadcast streams: live while any group has not read an entry or holds it pending.
  for (const channel of sorted(broadcastOf.keys())) {
    const key = broadcastOf.get(channel)!;
    const label = `broadcast:${channel}`;
    const groups = await c.call("XINFO GROUPS", () => redis.xinfoGroups(key));
    const floor = groups.reduce((min, g) => (compareStreamIds(g.lastDeliveredId, min) < 0 ? g.lastDeliveredId : min), groups[0]?.lastDeliveredId ?? "0-0");
    // A PEL id above the floor is read by the range below; at most one count per stream id.
    const counted = new Set<string>();
    let pending = 0;
    for (const group of groups.filter((g) => g.pending > 0)) {
      pending += await readPending(redis, c, key, group.name, page, (id) => compareStreamIds(id, floor) <= 0 && !counted.has(id) && (counted.add(id), true), (entry) => c.live(label, "broadcast", viewStreamEntry(entry.fields), entry.id), progress);
    }
    const undelivered = await readRange(redis, c, key, floor, page, (entry) => c.live(label, "broadcast", viewStreamEntry(entry.fields), entry.id), progress);
    const length = await c.call("XLEN", () => redis.xlen(key));
    c.addAcked(label, Math.max(0, length - undelivered - pending));
    c.keysDone++;
  }

  // 5. Dead letters: not live; every element counted (the list's level).
  for (const queue of sorted(deadOf.keys())) {
    const key = deadOf.get(queue)!;
    const length = await c.call("LLEN", () => redis.llen(key));
    for (let start = 0; start < length; start += page) {
      const items = await c.call("LRANGE", () => redis.lrange(key, start, start + page - 1));
      c.entriesRead += items.length;
      for (const item of items) c.dead(queue, item);
      progress();
      if (items.length < page) break;
    }
    c.keysDone++;
  }

  return c.report({
    startedAt: new Date(started).toISOString(),
    durationMs: now() - started,
    queues,
    broadcasts: sorted(broadcastOf.keys()),
    skippedControlQueues: sorted(control),
  });
}

/** SCAN with MATCH and TYPE to the end of the keyspace; keys deduplicated (SCAN may repeat one). */
async function scanAll(redis: CensusRedis, c: Counter, match: string, type: "stream" | "zset" | "list", page: number): Promise<string[]> {
  const keys = new Set<string>();
  let cursor = "0";
  do {
    const res = await c.call("SCAN", () => redis.scan(cursor, match, type, page));
    cursor = res.cursor;
    for (const key of res.keys) keys.add(key);
  } while (cursor !== "0");
  return sorted(keys);
}

/** Pages the PEL of `group` (XPENDING, extended form) and reads each wanted entry (XRANGE id id); returns how many entries were present. */
async function readPending(
  redis: CensusRedis,
  c: Counter,
  key: string,
  group: string,
  page: number,
  want: (id: string) => boolean,
  visit: (entry: StreamEntry) => void,
  progress: () => void,
): Promise<number> {
  let present = 0;
  let start = "-";
  for (;;) {
    const batch = await c.call("XPENDING", () => redis.xpending(key, group, start, "+", page));
    const ids = batch.map((p) => p.id).filter(want);
    // Sent together: ioredis pipelines commands issued before their replies arrive.
    const entries = await Promise.all(ids.map((id) => c.call("XRANGE", () => redis.xrange(key, id, id, 1))));
    for (const found of entries) {
      if (found.length === 0) c.pendingWithoutEntry++;
      else {
        present++;
        c.entriesRead++;
        visit(found[0]);
      }
    }
    progress();
    if (batch.length < page) return present;
    start = `(${batch[batch.length - 1].id}`;
  }
}

/** Pages `XRANGE key (after + COUNT page` to the end; returns the number of entries. */
async function readRange(redis: CensusRedis, c: Counter, key: string, after: string, page: number, visit: (entry: StreamEntry) => void, progress: () => void): Promise<number> {
  let n = 0;
  let start = `(${after}`;
  for (;;) {
    const batch = await c.call("XRANGE", () => redis.xrange(key, start, "+", page));
    n += batch.length;
    c.entriesRead += batch.length;
    for (const entry of batch) visit(entry);
    progress();
    if (batch.length < page) return n;
    start = `(${batch[batch.length - 1].id}`;
  }
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

function sorted(values: Iterable<string>): string[] {
  return [...values].sort();
}

interface Oldest {
  readonly ms: number;
  readonly queue: string;
  readonly structure: LiveStructure;
  readonly envelopeId: string | undefined;
}

interface DeadCell {
  count: number;
  errors: Map<DeadLetterErrorClass, number>;
  failedKeys: Map<string, number>;
  signingKeys: Map<string, number>;
}

/** The census's tallies; ids stay raw until report() redacts them. */
class Counter {
  entriesRead = 0;
  keysDone = 0;
  keysTotal = 0;
  pendingWithoutEntry = 0;
  readonly pendingPresent = new Map<string, number>();
  private readonly commands = new Map<string, number>();
  private readonly liveCells = new Map<string, Map<string, Record<LiveStructure, number>>>();
  private readonly oldest = new Map<string, Oldest>();
  private readonly unreadable = new Map<string, number>();
  private readonly acked = new Map<string, number>();
  private readonly deadCells = new Map<string, Map<string, DeadCell>>();

  constructor(private readonly ids: BoundedIdSet) {}

  call<T>(command: string, run: () => Promise<T>): Promise<T> {
    this.commands.set(command, (this.commands.get(command) ?? 0) + 1);
    return run();
  }

  live(queue: string, structure: LiveStructure, view: EnvelopeView | typeof UNREADABLE, streamId: string | undefined): void {
    if (view === UNREADABLE) {
      this.unreadable.set(queue, (this.unreadable.get(queue) ?? 0) + 1);
      return;
    }
    // One count per envelope id and key id: a copy signed with another key is verified on its own.
    if (view.id !== undefined && !this.ids.add(`${view.id}\u0000${view.keyId}`)) return;
    let byKey = this.liveCells.get(queue);
    if (!byKey) this.liveCells.set(queue, (byKey = new Map()));
    let cell = byKey.get(view.keyId);
    if (!cell) byKey.set(view.keyId, (cell = { ...ZERO }));
    cell[structure]++;
    const ms = view.enqueuedAtMs ?? (streamId !== undefined ? streamIdMs(streamId) : undefined);
    const old = this.oldest.get(view.keyId);
    if (ms !== undefined && (old === undefined || ms < old.ms)) this.oldest.set(view.keyId, { ms, queue, structure, envelopeId: view.id });
  }

  addAcked(queue: string, n: number): void {
    this.acked.set(queue, (this.acked.get(queue) ?? 0) + n);
  }

  dead(queue: string, item: string): void {
    const letter = viewDeadLetter(item);
    const reason = letter?.reason ?? "(unreadable)";
    let byReason = this.deadCells.get(queue);
    if (!byReason) this.deadCells.set(queue, (byReason = new Map()));
    let cell = byReason.get(reason);
    if (!cell) byReason.set(reason, (cell = { count: 0, errors: new Map(), failedKeys: new Map(), signingKeys: new Map() }));
    cell.count++;
    if (!letter) return;
    bump(cell.errors, deadLetterErrorClass(letter.error));
    if (letter.failedKeyId !== undefined) bump(cell.failedKeys, displayKeyLabel(letter.failedKeyId));
    if (letter.envelope !== UNREADABLE) bump(cell.signingKeys, displayKeyLabel(letter.envelope.keyId));
  }

  report(base: Pick<CensusReport, "startedAt" | "durationMs" | "queues" | "broadcasts" | "skippedControlQueues">): CensusReport {
    const live: Record<string, number> = {};
    const liveByQueue: Record<string, Record<string, LiveCounts>> = {};
    let liveTotal = 0;
    for (const queue of sorted(this.liveCells.keys())) {
      const out: Record<string, Record<LiveStructure | "total", number>> = {};
      for (const [raw, cell] of this.liveCells.get(queue)!) {
        const label = displayKeyLabel(raw);
        const target = (out[label] ??= { ...ZERO, total: 0 });
        for (const s of Object.keys(ZERO) as LiveStructure[]) target[s] += cell[s];
        const total = cell.ready + cell.pending + cell.delayed + cell.broadcast;
        target.total += total;
        live[label] = (live[label] ?? 0) + total;
        liveTotal += total;
      }
      liveByQueue[queue] = sortKeys(out);
    }
    const oldest: Record<string, OldestLive> = {};
    for (const [raw, o] of this.oldest) {
      const label = displayKeyLabel(raw);
      if (oldest[label] !== undefined && Date.parse(oldest[label].enqueuedAt) <= o.ms) continue;
      oldest[label] = { queue: o.queue, structure: o.structure, envelopeId: o.envelopeId === undefined ? null : displayEnvelopeId(o.envelopeId), enqueuedAt: new Date(o.ms).toISOString() };
    }
    const dead: Record<string, Record<string, number>> = {};
    const deadDetail: Record<string, Record<string, DeadLetterCounts>> = {};
    for (const queue of sorted(this.deadCells.keys())) {
      dead[queue] = {};
      deadDetail[queue] = {};
      for (const reason of sorted(this.deadCells.get(queue)!.keys())) {
        const cell = this.deadCells.get(queue)!.get(reason)!;
        dead[queue][reason] = cell.count;
        deadDetail[queue][reason] = { count: cell.count, errors: fromMap(cell.errors), failedKeys: fromMap(cell.failedKeys), signingKeys: fromMap(cell.signingKeys) };
      }
    }
    return {
      startedAt: base.startedAt,
      durationMs: base.durationMs,
      live: sortKeys(live),
      liveTotal,
      liveByQueue,
      oldest: sortKeys(oldest),
      unreadable: fromMap(this.unreadable),
      acked: fromMap(this.acked),
      dead,
      deadDetail,
      queues: base.queues,
      broadcasts: base.broadcasts,
      skippedControlQueues: base.skippedControlQueues,
      pendingWithoutEntry: this.pendingWithoutEntry,
      dedup: { limit: this.ids.limit, tracked: this.ids.size, duplicates: this.ids.duplicates, exhausted: this.ids.exhausted },
      commands: fromMap(this.commands),
      entriesRead: this.entriesRead,
    };
  }
}

function bump<K>(map: Map<K, number>, key: K): void {
  map.set(key, (map.get(key) ?? 0) + 1);
}

function fromMap<K extends string>(map: Map<K, number>): Record<K, number> {
  return Object.fromEntries([...map].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) as Record<K, number>;
}

function sortKeys<T>(record: Record<string, T>): Record<string, T> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
