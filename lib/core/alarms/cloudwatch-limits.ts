import { StemguardError } from "../errors";
import type { CloudWatchCondition } from "./types";

/** CloudWatch's longest evaluation range: period x evaluation periods (7 days). */
export const CLOUDWATCH_MAX_RANGE_SECONDS = 7 * 86_400;
/** The range limit of alarms whose period is shorter than an hour (1 day). */
export const CLOUDWATCH_MAX_SHORT_PERIOD_RANGE_SECONDS = 86_400;

/**
 * Refuses a CloudWatch condition PutMetricAlarm would reject: a period other
 * than 10, 20, 30 or a multiple of 60 seconds; more datapoints than
 * evaluation periods; period x evaluation periods over 7 days, or over 1 day
 * when the period is shorter than an hour.
 */
export function assertCloudWatchWindow(condition: Pick<CloudWatchCondition, "periodSeconds" | "evaluationPeriods" | "datapointsToAlarm">, field: string): void {
  const { periodSeconds: p, evaluationPeriods: n, datapointsToAlarm: m } = condition;
  if (!Number.isInteger(p) || p <= 0 || !([10, 20, 30].includes(p) || p % 60 === 0)) {
    throw new StemguardError("a CloudWatch period must be 10, 20, 30 or a multiple of 60 seconds", { field: `${field}.periodSeconds`, value: p, fix: "use e.g. 60, 300, 3600 or 86400" });
  }
  if (!Number.isInteger(n) || n < 1 || !Number.isInteger(m) || m < 1 || m > n) {
    throw new StemguardError(`datapointsToAlarm (${m}) must be between 1 and evaluationPeriods (${n})`, { field: `${field}.datapointsToAlarm`, value: m, fix: "lower datapointsToAlarm or raise evaluationPeriods" });
  }
  const limit = p < 3600 ? CLOUDWATCH_MAX_SHORT_PERIOD_RANGE_SECONDS : CLOUDWATCH_MAX_RANGE_SECONDS;
  if (p * n > limit) {
    throw new StemguardError(
      `period x evaluationPeriods (${p} x ${n} = ${p * n} s) exceeds CloudWatch's ${limit === CLOUDWATCH_MAX_RANGE_SECONDS ? "7-day" : "1-day (periods under an hour)"} limit of ${limit} s`,
      { field: `${field}.evaluationPeriods`, value: n, fix: p < 3600 ? "use a period of at least 3600 s for a longer window" : "shorten the window to at most 7 days" },
    );
  }
}

/**
 * The CloudWatch period and evaluation periods for a window: the shortest
 * period in `candidates` whose count fits CloudWatch's limits.
 */
export function cloudWatchWindow(windowSeconds: number, field: string, candidates: readonly number[] = [60, 300, 3600, 86_400]): { periodSeconds: number; evaluationPeriods: number } {
  for (const periodSeconds of candidates) {
    if (windowSeconds % periodSeconds !== 0) continue;
    const evaluationPeriods = windowSeconds / periodSeconds;
    const limit = periodSeconds < 3600 ? CLOUDWATCH_MAX_SHORT_PERIOD_RANGE_SECONDS : CLOUDWATCH_MAX_RANGE_SECONDS;
    if (periodSeconds * evaluationPeriods <= limit && evaluationPeriods <= 100) return { periodSeconds, evaluationPeriods };
  }
  throw new StemguardError(`no CloudWatch period divides a ${windowSeconds} s window within CloudWatch's limits (at most 7 days)`, {
    field,
    value: windowSeconds,
    fix: "use a window that is a multiple of 60 s and at most 604800 s (7 days)",
  });
}
