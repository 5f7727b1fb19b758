/**
 * One alarm spec, compiled to Prometheus rules (Kubernetes) and to CloudWatch
 * alarms (AWS). A spec says what is watched and when it fires in words every
 * platform shares (signal, condition, window, threshold, severity, runbook,
 * what missing data means), plus the series each platform reads: a PromQL
 * expression and the CloudWatch metrics, both named from the collector
 * configuration (collector-config.ts) or stemguard's own metrics (lib/core/metrics).
 */

/** `page` wakes someone; `ticket` is handled in working hours. */
export type AlarmSeverity = "page" | "ticket";
export const ALARM_SEVERITIES: readonly AlarmSeverity[] = ["page", "ticket"];

/**
 * What missing data means. Counters and levels are `notBreaching` (no data =
 * nothing happened); heartbeats are `breaching` (no data = the job did not run).
 */
export type TreatMissingData = "notBreaching" | "breaching";

export type CloudWatchStatistic = "Sum" | "Maximum" | "Minimum" | "Average" | "SampleCount";
export type CloudWatchComparison = "GreaterThanThreshold" | "GreaterThanOrEqualToThreshold" | "LessThanThreshold" | "LessThanOrEqualToThreshold";

/** One CloudWatch metric with its exact dimensions (an alarm reads exactly one dimension combination). */
export interface CloudWatchMetricRef {
  readonly namespace: string;
  readonly metricName: string;
  /** Dimension name -> value; the key set must be one the producer emits. */
  readonly dimensions: Readonly<Record<string, string>>;
}

/** How a spec reads CloudWatch: one alarm per metric in `metrics`. */
export interface CloudWatchCondition {
  readonly metrics: readonly CloudWatchMetricRef[];
  readonly statistic: CloudWatchStatistic;
  readonly comparison: CloudWatchComparison;
  /** Compared with the statistic (or with `expression` when set). */
  readonly threshold: number;
  readonly periodSeconds: number;
  readonly evaluationPeriods: number;
  readonly datapointsToAlarm: number;
  /**
   * A metric-math expression over `m1` (the metric), e.g. `DIFF(FILL(m1, 0))`
   * for a level that only grows, alarmed on its increase.
   *
   * @default - the statistic of the metric itself
   */
  readonly expression?: string;
}

/** How a spec reads Prometheus: one alerting rule. */
export interface PrometheusCondition {
  /** The PromQL expression; a result series is a firing alert. */
  readonly expr: string;
  /** How long the expression must hold before the alert fires. */
  readonly forSeconds: number;
}

/** The ledger's rotation in flight, as the alarms describe it. */
export interface RotationContext {
  /** Ledger phase (steps taken). */
  readonly phase: number;
  /** The key every signer signs with. */
  readonly activeKeyId: string;
  /** Keys verifiers trust that sign nothing yet. */
  readonly stagedKeyIds: readonly string[];
  /** Previous active keys still trusted while their messages drain. */
  readonly retiringKeyIds: readonly string[];
}

export interface AlarmSpec {
  /** PascalCase id: names the alert (`Stem<id>`) and the CloudWatch alarm (`<prefix>-<id>`). */
  readonly id: string;
  /** Rule group (Prometheus) it belongs to. */
  readonly group: string;
  /** What is watched, for the alarm table: the metric or event. */
  readonly signal: string;
  /** When it fires, in words (the alarm table's "condition"). */
  readonly condition: string;
  readonly severity: AlarmSeverity;
  /** Absolute or relative link to the runbook section. */
  readonly runbook: string;
  readonly treatMissing: TreatMissingData;
  /** The window the condition looks at, in seconds (a heartbeat's maximum silence). */
  readonly windowSeconds: number;
  /** Alert description; names the rotation phase and key ids while a rotation is in flight. */
  readonly description: string;
  /** The rotation in flight this spec was tightened for. */
  readonly rotation?: RotationContext;
  /** Absent: the signal has no source on Kubernetes. */
  readonly prometheus?: PrometheusCondition;
  /** Absent: the signal has no source on AWS. */
  readonly cloudwatch?: CloudWatchCondition;
}
