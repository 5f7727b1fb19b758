import { StemguardError } from "../errors";

/** Days of the week as cron names; AWS numbers them SUN=1, Kubernetes SUN=0, so names avoid the off-by-one. */
export const WEEKDAYS = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"] as const;
export type Weekday = (typeof WEEKDAYS)[number];

/** A weekly schedule in UTC. */
export interface WeeklySchedule {
  readonly day: Weekday;
  /** 0-23, UTC. */
  readonly hour: number;
  /** 0-59. */
  readonly minute: number;
}

/** The runbook's scan: every Monday at 06:00 UTC. */
export const WEEKLY_SCAN_SCHEDULE: WeeklySchedule = { day: "MON", hour: 6, minute: 0 };

/** The Kubernetes CronJob time zone (an IANA name the kube-controller-manager's tzdata knows). */
export const KUBERNETES_SCHEDULE_TIME_ZONE = "Etc/UTC";
/** The EventBridge Scheduler time zone. */
export const AWS_SCHEDULE_TIME_ZONE = "UTC";
/** The census runs every 5 minutes (its heartbeat alarm allows three missed runs). */
export const CENSUS_SCHEDULE_EXPRESSION = "rate(5 minutes)";

/** A five-field Kubernetes cron line (`minute hour day-of-month month day-of-week`, SUN=0). */
export function kubernetesCron(schedule: WeeklySchedule, field = "schedule"): string {
  assertWeekly(schedule, field);
  return `${schedule.minute} ${schedule.hour} * * ${WEEKDAYS.indexOf(schedule.day)}`;
}

/**
 * An EventBridge Scheduler cron expression: six fields (`minutes hours
 * day-of-month month day-of-week year`), `?` in day-of-month because
 * day-of-week is set, and the weekday by name (AWS numbers SUN=1).
 */
export function awsCron(schedule: WeeklySchedule, field = "schedule"): string {
  assertWeekly(schedule, field);
  return `cron(${schedule.minute} ${schedule.hour} ? * ${schedule.day} *)`;
}

function assertWeekly(schedule: WeeklySchedule, field: string): void {
  if (!WEEKDAYS.includes(schedule.day)) {
    throw new StemguardError("day must be a weekday name", { field: `${field}.day`, value: schedule.day, fix: `use one of ${WEEKDAYS.join(", ")}` });
  }
  for (const [name, max] of [["hour", 23], ["minute", 59]] as const) {
    const v = schedule[name];
    if (!Number.isInteger(v) || v < 0 || v > max) {
      throw new StemguardError(`${name} must be a whole number from 0 to ${max} (UTC)`, { field: `${field}.${name}`, value: v, fix: `e.g. ${name === "hour" ? 6 : 0}` });
    }
  }
}
