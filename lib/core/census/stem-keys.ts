/**
 * Where Stem's Redis broker keeps envelopes (namespace `stem`, the only one
 * Stem's CLI uses; docs/census.md, "What it reads"). There is no queue
 * registry, so queues are found by SCAN patterns on these prefixes.
 */

/** Key prefixes of the broker, namespace `stem`. */
export const STEM_KEYS = {
  stream: "stem:stream:",
  delayed: "stem:delayed:",
  dead: "stem:dead:",
  broadcast: "stem:broadcast:",
} as const;

/** The consumer group name of queue `queue` (a name on each priority stream, not a key). */
export function groupOf(queue: string): string {
  return `stem:group:${queue}`;
}

/**
 * Stem's control queues (`stem.control.worker.<id>`, `stem.control.broadcast`,
 * `stem.control.reply.<req>`): unsigned `__stem.control__` envelopes, not work.
 */
export function isControlQueue(queue: string): boolean {
  return queue.startsWith("stem.control.");
}

/**
 * The queue of a ready-stream key: the prefix and an optional `:p1`..`:p9`
 * priority suffix removed (`stem:stream:emails:p3` -> `emails`). A queue
 * literally named `x:p3` cannot be told apart from priority 3 of `x`.
 */
export function queueOfStreamKey(key: string): string {
  return key.slice(STEM_KEYS.stream.length).replace(/:p[1-9]$/, "");
}
