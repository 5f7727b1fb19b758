/**
 * The metrics stemguard itself produces (the census exporter, its EMF lines,
 * the TLS inspection it runs), named once so the producer and the alarms that
 * read them cannot drift apart. Stem emits no dead-letter or per-key metric
 * (it exports OTLP only, and has no DLQ counter), so these are the only source
 * of those signals.
 */

/** Label value for live messages that carry no `stem-signature-key` header. */
export const UNSIGNED_KEY_LABEL = "(unsigned)";

/**
 * Bounded classes of a dead letter's `meta.error`: the raw message can hold a
 * key id or arbitrary text, so it never becomes a label value itself.
 */
export const DEAD_LETTER_ERROR_CLASSES = [
  "unknown signing key",
  "missing signature headers",
  "signature mismatch",
  "other",
  "none",
] as const;
export type DeadLetterErrorClass = (typeof DEAD_LETTER_ERROR_CLASSES)[number];

/** Prometheus names served by `stemguard census --serve PORT` at `/metrics`. */
export const CENSUS_PROMETHEUS = {
  /** gauge, labels `queue`, `key_id`: live (undelivered, pending, delayed, broadcast) messages per signing key id. */
  liveMessages: "stemguard_census_live_messages",
  /** gauge, labels `queue`, `reason`, `error`: dead letters now in `stem:dead:<queue>` (no retention, so alarm on increase). */
  deadLetters: "stemguard_census_dead_letters",
  /** gauge, no labels: Unix time of the last census that completed; the heartbeat alarm reads it. */
  lastSuccess: "stemguard_census_last_success_timestamp_seconds",
  /** gauge, label `name`: whole days until a certificate the census job inspected expires. */
  certificateDaysLeft: "stemguard_tls_certificate_days_left",
} as const;

/** Label names of the Prometheus series above. */
export const CENSUS_LABELS = {
  queue: "queue",
  keyId: "key_id",
  reason: "reason",
  error: "error",
  certificate: "name",
} as const;

/** CloudWatch embedded-metric-format lines printed by `stemguard census --format emf`. */
export const CENSUS_EMF = {
  namespace: "Stemguard/Census",
  /** Count, dimensions [Queue, KeyId]. */
  liveMessages: "LiveMessages",
  /** Count, dimensions [Queue, Reason, Error]. */
  deadLetters: "DeadLetters",
  /** Count (always 1), no dimensions: one per completed census; the heartbeat alarm treats missing data as breaching. */
  censusCompleted: "CensusCompleted",
  /** None, dimension [Name]. */
  certificateDaysLeft: "CertificateDaysLeft",
  dimensions: {
    queue: "Queue",
    keyId: "KeyId",
    reason: "Reason",
    error: "Error",
    certificate: "Name",
  },
} as const;
