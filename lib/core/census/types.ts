import type { DeadLetterErrorClass } from "../metrics/census-metrics";

/** Where a live copy sits: after the group's last-delivered id, in the PEL, in the delayed ZSET, or on a broadcast stream. */
export const LIVE_STRUCTURES = ["ready", "pending", "delayed", "broadcast"] as const;
export type LiveStructure = (typeof LIVE_STRUCTURES)[number];

/** Live copies of one queue and key id, per structure. */
export type LiveCounts = Readonly<Record<LiveStructure | "total", number>>;

/** The live copy with the oldest `enqueuedAt` of one key id. */
export interface OldestLive {
  readonly queue: string;
  readonly structure: LiveStructure;
  /** The envelope id, redacted when it is not a plain id. */
  readonly envelopeId: string | null;
  /** ISO-8601 UTC; from the stream id when the copy has no readable `enqueuedAt`. */
  readonly enqueuedAt: string;
}

/** Dead letters of one queue and reason. */
export interface DeadLetterCounts {
  readonly count: number;
  /** By class of `meta.error` (DEAD_LETTER_ERROR_CLASSES). */
  readonly errors: Readonly<Partial<Record<DeadLetterErrorClass, number>>>;
  /** By `meta.keyId`, the key id that failed verification (signature-invalid). */
  readonly failedKeys: Readonly<Record<string, number>>;
  /** By the dead envelope's own `stem-signature-key` (or "(unsigned)"). */
  readonly signingKeys: Readonly<Record<string, number>>;
}

/**
 * One census of Stem's Redis broker. Key ids (and envelope ids) that are not
 * plain ids or look like material are shown as `<redacted N chars>`. Live
 * counts are deduplicated by envelope id and key id; dead letters and acked
 * history are not live and are counted apart.
 */
export interface CensusReport {
  /** ISO-8601 UTC start of the census. */
  readonly startedAt: string;
  readonly durationMs: number;
  /** Live copies per signing key id (unsigned under "(unsigned)"), over every queue and broadcast channel. */
  readonly live: Readonly<Record<string, number>>;
  readonly liveTotal: number;
  /** Per queue (broadcast channels as `broadcast:<channel>`), per key id. */
  readonly liveByQueue: Readonly<Record<string, Readonly<Record<string, LiveCounts>>>>;
  /** Per key id. */
  readonly oldest: Readonly<Record<string, OldestLive>>;
  /** Live copies the census could not read (not JSON, no headers object), per queue: the drain gate fails closed on them. */
  readonly unreadable: Readonly<Record<string, number>>;
  /** Acked history (entries at or before a group's last-delivered id, not pending): not live, never trimmed by Stem. Per queue. */
  readonly acked: Readonly<Record<string, number>>;
  /** Dead letters per queue and reason (the list's level: no retention). */
  readonly dead: Readonly<Record<string, Readonly<Record<string, number>>>>;
  /** The same, with the error classes and key ids of each reason. */
  readonly deadDetail: Readonly<Record<string, Readonly<Record<string, DeadLetterCounts>>>>;
  /** Queues read (ready streams, delayed ZSETs or dead-letter lists), sorted. */
  readonly queues: readonly string[];
  /** Broadcast channels read, sorted. */
  readonly broadcasts: readonly string[];
  /** Stem's control queues, skipped (unsigned `__stem.control__` messages, not work). */
  readonly skippedControlQueues: readonly string[];
  /** PEL entries whose stream entry is gone (Stem never deletes entries; counted, not live). */
  readonly pendingWithoutEntry: number;
  /** The bounded deduplication set (bounded-id-set.ts). */
  readonly dedup: { readonly limit: number; readonly tracked: number; readonly duplicates: number; readonly exhausted: boolean };
  /** Redis commands sent, by name. */
  readonly commands: Readonly<Record<string, number>>;
  /** Stream entries, ZSET members and list elements read. */
  readonly entriesRead: number;
}
