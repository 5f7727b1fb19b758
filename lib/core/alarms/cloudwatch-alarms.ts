import { StemguardError } from "../errors";
import { assertCloudWatchWindow } from "./cloudwatch-limits";
import { describeRotation } from "./rotation";
import type { AlarmSeverity, AlarmSpec, CloudWatchComparison, CloudWatchMetricRef, CloudWatchStatistic, TreatMissingData } from "./types";

/** One `aws_cloudwatch_metric_alarm`, provider-neutral (the AWS construct maps it 1:1). */
export interface CloudWatchAlarmDefinition {
  /** The spec it came from. */
  readonly specId: string;
  readonly severity: AlarmSeverity;
  readonly alarmName: string;
  readonly alarmDescription: string;
  readonly metric: CloudWatchMetricRef;
  readonly statistic: CloudWatchStatistic;
  readonly periodSeconds: number;
  readonly evaluationPeriods: number;
  readonly datapointsToAlarm: number;
  readonly comparison: CloudWatchComparison;
  readonly threshold: number;
  readonly treatMissingData: TreatMissingData;
  /** Metric math over `m1`; the alarm then reads the expression. */
  readonly expression?: string;
}

/** CloudWatch's limits on alarm names and descriptions. */
const MAX_NAME = 255;
const MAX_DESCRIPTION = 1024;

/**
 * The specs with a CloudWatch condition as alarm definitions: one per metric
 * (dimension combination), named `<prefix>-<id>[-<varying dimension values>]`.
 * Every window is checked against CloudWatch's limits.
 */
export function toCloudWatchAlarms(specs: readonly AlarmSpec[], namePrefix: string): CloudWatchAlarmDefinition[] {
  const out: CloudWatchAlarmDefinition[] = [];
  const names = new Set<string>();
  for (const spec of specs) {
    const cw = spec.cloudwatch;
    if (!cw) continue;
    assertCloudWatchWindow(cw, `alarms.${spec.id}`);
    const varying = Object.keys(cw.metrics[0]?.dimensions ?? {}).filter((k) => new Set(cw.metrics.map((m) => m.dimensions[k])).size > 1);
    for (const metric of cw.metrics) {
      const suffix = varying.map((k) => metric.dimensions[k]).join("-");
      const alarmName = `${namePrefix}-${spec.id}${suffix ? `-${suffix}` : ""}`;
      if (alarmName.length > MAX_NAME || names.has(alarmName)) {
        throw new StemguardError(alarmName.length > MAX_NAME ? `alarm name is ${alarmName.length} characters; CloudWatch allows ${MAX_NAME}` : `two alarms would be named ${alarmName}`, {
          field: `alarms.${spec.id}`,
          value: alarmName.slice(0, 80),
          fix: "use a shorter namePrefix, or queue/certificate names that differ",
        });
      }
      names.add(alarmName);
      const description = [
        `[${spec.severity}] ${spec.signal.replace(/`/g, "")}: ${spec.condition}.`,
        fillTemplate(spec.description, metric.dimensions),
        spec.rotation ? `(${describeRotation(spec.rotation)})` : "",
        `Runbook: ${spec.runbook}`,
      ]
        .filter(Boolean)
        .join(" ");
      out.push({
        specId: spec.id,
        severity: spec.severity,
        alarmName,
        alarmDescription: description.length > MAX_DESCRIPTION ? `${description.slice(0, MAX_DESCRIPTION - 3)}...` : description,
        metric,
        statistic: cw.statistic,
        periodSeconds: cw.periodSeconds,
        evaluationPeriods: cw.evaluationPeriods,
        datapointsToAlarm: cw.datapointsToAlarm,
        comparison: cw.comparison,
        threshold: cw.threshold,
        treatMissingData: spec.treatMissing,
        ...(cw.expression ? { expression: cw.expression } : {}),
      });
    }
  }
  return out;
}

/** The Prometheus template parts of a description with the alarm's dimension values (`{{ $labels.key_id }}` -> its KeyId). */
function fillTemplate(text: string, dimensions: Readonly<Record<string, string>>): string {
  const norm = (k: string) => k.replace(/_/g, "").toLowerCase();
  const byName = new Map(Object.entries(dimensions).map(([k, v]) => [norm(k), v]));
  return text
    .replace(/\{\{\s*\$labels\.(\w+)\s*\}\}/g, (_, label: string) => byName.get(norm(label)) ?? `(${label})`)
    .replace(/\{\{\s*\$value[^}]*\}\}/g, "N")
    .replace(/\s+/g, " ");
}
