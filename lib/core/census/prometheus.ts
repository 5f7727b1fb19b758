import { CENSUS_LABELS, CENSUS_PROMETHEUS, type DeadLetterErrorClass } from "../metrics/census-metrics";
import type { CertificateDays } from "./certificates";
import type { CensusReport } from "./types";

/**
 * The reason and error-class pairs Stem's worker can write (error-class.ts):
 * each gets a series for every queue read, zero when empty, so the first dead
 * letter of a kind is an increase an alarm sees. Pairs found beyond these
 * are rendered too.
 */
export const STEM_DEAD_LETTER_SERIES: readonly (readonly [reason: string, error: DeadLetterErrorClass])[] = [
  ["max-retries-exhausted", "other"],
  ["signature-invalid", "missing signature headers"],
  ["signature-invalid", "other"],
  ["signature-invalid", "signature mismatch"],
  ["signature-invalid", "unknown signing key"],
  ["unregistered-task", "none"],
];

/** Every (reason, error class, count) of a queue: the expected pairs (zero when empty) plus any other found. */
export function deadLetterSeries(report: CensusReport, queue: string): [reason: string, error: DeadLetterErrorClass, count: number][] {
  const detail = report.deadDetail[queue] ?? {};
  const pairs = new Map<string, [string, DeadLetterErrorClass, number]>();
  for (const [reason, error] of STEM_DEAD_LETTER_SERIES) pairs.set(`${reason}\u0000${error}`, [reason, error, 0]);
  for (const [reason, cell] of Object.entries(detail)) {
    for (const [error, n] of Object.entries(cell.errors) as [DeadLetterErrorClass, number][]) pairs.set(`${reason}\u0000${error}`, [reason, error, n]);
  }
  return [...pairs.values()].sort((a, b) => (a[0] === b[0] ? (a[1] < b[1] ? -1 : 1) : a[0] < b[0] ? -1 : 1));
}

/**
 * Prometheus text exposition (format 0.0.4) of a census: live messages per
 * queue and key id, dead letters per queue, reason and error class (a zero
 * series for every reason and class of each queue read, so the first dead
 * letter is an increase), the time of the last completed census, and each
 * inspected certificate's days left.
 */
export function renderPrometheus(report: CensusReport, lastSuccessSeconds: number, certificates: readonly CertificateDays[] = []): string {
  const P = CENSUS_PROMETHEUS;
  const L = CENSUS_LABELS;
  const out: string[] = [];
  out.push(`# HELP ${P.liveMessages} Live Stem messages (ready, pending, delayed, broadcast; deduplicated by envelope id) per queue and signing key id.`);
  out.push(`# TYPE ${P.liveMessages} gauge`);
  for (const [queue, byKey] of Object.entries(report.liveByQueue)) {
    for (const [key, counts] of Object.entries(byKey)) out.push(`${P.liveMessages}{${labels([L.queue, queue], [L.keyId, key])}} ${counts.total}`);
  }
  out.push(`# HELP ${P.deadLetters} Dead letters now in stem:dead:<queue> per reason and error class (no retention: alarm on increase).`);
  out.push(`# TYPE ${P.deadLetters} gauge`);
  for (const queue of report.queues) {
    for (const [reason, error, n] of deadLetterSeries(report, queue)) out.push(`${P.deadLetters}{${labels([L.queue, queue], [L.reason, reason], [L.error, error])}} ${n}`);
  }
  out.push(`# HELP ${P.lastSuccess} Unix time of the last census that completed.`);
  out.push(`# TYPE ${P.lastSuccess} gauge`);
  out.push(`${P.lastSuccess} ${lastSuccessSeconds}`);
  if (certificates.length > 0) {
    out.push(`# HELP ${P.certificateDaysLeft} Whole days until the certificate that expires first in the file expires.`);
    out.push(`# TYPE ${P.certificateDaysLeft} gauge`);
    for (const c of certificates) out.push(`${P.certificateDaysLeft}{${labels([L.certificate, c.name])}} ${c.daysLeft}`);
  }
  return `${out.join("\n")}\n`;
}

function labels(...pairs: [string, string][]): string {
  return pairs.map(([k, v]) => `${k}="${v.replace(/\\/g, "\\\\").replace(/\n/g, "\\n").replace(/"/g, '\\"')}"`).join(",");
}
