import { CENSUS_EMF } from "../metrics/census-metrics";
import type { CertificateDays } from "./certificates";
import { deadLetterSeries } from "./prometheus";
import type { CensusReport } from "./types";

/**
 * CloudWatch embedded-metric-format lines of one census (one JSON object per
 * line; the CloudWatch agent or a Lambda/ECS log driver turns each into
 * metric data): LiveMessages per [Queue, KeyId], DeadLetters per [Queue,
 * Reason, Error] (zeros for each pair Stem writes, as the Prometheus
 * series), CertificateDaysLeft per [Name], and one
 * CensusCompleted with no dimensions for the heartbeat alarm.
 */
export function renderEmf(report: CensusReport, timestampMs: number, certificates: readonly CertificateDays[] = []): string[] {
  const E = CENSUS_EMF;
  const D = E.dimensions;
  const line = (dimensions: Record<string, string>, metric: string, unit: string, value: number) =>
    JSON.stringify({
      _aws: { Timestamp: timestampMs, CloudWatchMetrics: [{ Namespace: E.namespace, Dimensions: [Object.keys(dimensions)], Metrics: [{ Name: metric, Unit: unit }] }] },
      ...dimensions,
      [metric]: value,
    });
  const lines: string[] = [];
  for (const [queue, byKey] of Object.entries(report.liveByQueue)) {
    for (const [key, counts] of Object.entries(byKey)) lines.push(line({ [D.queue]: queue, [D.keyId]: key }, E.liveMessages, "Count", counts.total));
  }
  for (const queue of report.queues) {
    for (const [reason, error, n] of deadLetterSeries(report, queue)) lines.push(line({ [D.queue]: queue, [D.reason]: reason, [D.error]: error }, E.deadLetters, "Count", n));
  }
  for (const c of certificates) lines.push(line({ [D.certificate]: c.name }, E.certificateDaysLeft, "None", c.daysLeft));
  lines.push(line({}, E.censusCompleted, "Count", 1));
  return lines;
}
