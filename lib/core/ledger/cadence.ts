import { StemguardError } from "../errors";

/**
 * A section's rotation cadence: how old each credential of the kind may get
 * (days since the step that created it), and how long a rotation in progress
 * may wait for its next step. Declared with `stemguard cadence`; from then on
 * every step records the UTC date it was written (`at`).
 */
export interface Cadence {
  /** Maximum age in days per credential the kind ages (`key`, `ca`, `leaves`, `password`). */
  readonly maxAgeDays: Readonly<Record<string, number>>;
  /** A rotation in progress is due for its next step this many days after its last step. */
  readonly stepDays: number;
  /** The date the cadence was declared: the age of a credential whose step carries no date counts from here. */
  readonly since: string;
}

/** The default `stepDays`: a rotation in progress waits at most a week for its next step (a rollout, and the drain before a retire, usually fit). */
export const DEFAULT_STEP_DAYS = 7;
/** A credential is due this many days before its maximum age (capped at a quarter of it), so the rotation can finish in time. */
export const DEFAULT_LEAD_DAYS = 14;
const MAX_DAYS = 3650;

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Whether `value` is a real calendar date written `YYYY-MM-DD`. */
export function isLedgerDate(value: unknown): value is string {
  if (typeof value !== "string" || !DATE.test(value)) return false;
  const d = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === value;
}

/** Refuses anything but a `YYYY-MM-DD` date; returns it. */
export function assertLedgerDate(value: unknown, field: string): string {
  if (!isLedgerDate(value)) {
    throw new StemguardError("expected a UTC date written YYYY-MM-DD", { field, value: typeof value === "string" && value.length <= 32 ? value : `(${typeof value})`, fix: "write the date as YYYY-MM-DD, e.g. 2026-12-07" });
  }
  return value;
}

/** Today's UTC date as a ledger writes it. */
export function ledgerToday(now: number = Date.now()): string {
  return new Date(now).toISOString().slice(0, 10);
}

/** Whole days from `from` to `to` (both `YYYY-MM-DD`). */
export function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000);
}

/** `date` plus `days`. */
export function addDays(date: string, days: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
}

/** Days before the maximum age at which a credential becomes due. */
export function leadDays(maxAgeDays: number): number {
  return Math.min(DEFAULT_LEAD_DAYS, Math.floor(maxAgeDays / 4));
}

function assertDays(value: unknown, field: string, fix: string): number {
  if (!Number.isInteger(value) || (value as number) < 1 || (value as number) > MAX_DAYS) {
    throw new StemguardError(`expected whole days from 1 to ${MAX_DAYS}`, { field, value, fix });
  }
  return value as number;
}

/**
 * Reads a section's `cadence` field; `credentials` are the names the kind
 * ages. `names` replaces the field names errors give (a CLI's flags).
 */
export function parseCadence(value: unknown, credentials: readonly string[], field: string, fix: string, names: { readonly maxAgeDays?: string; readonly stepDays?: string; readonly since?: string } = {}): Cadence {
  const maxAgeField = names.maxAgeDays ?? `${field}.maxAgeDays`;
  if (credentials.length === 0) throw new StemguardError("this ledger kind has no credential that ages", { field, fix: "remove cadence" });
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw new StemguardError("expected a JSON object", { field, value: typeof value, fix });
  const obj = value as Record<string, unknown>;
  for (const key of Object.keys(obj)) {
    if (!["maxAgeDays", "stepDays", "since"].includes(key)) throw new StemguardError("unknown field in cadence", { field: `${field}.${key}`, fix: "cadence holds maxAgeDays, stepDays and since" });
  }
  const ages = obj.maxAgeDays;
  if (typeof ages !== "object" || ages === null || Array.isArray(ages)) throw new StemguardError("expected a JSON object of days per credential", { field: maxAgeField, value: typeof ages, fix });
  const maxAgeDays: Record<string, number> = {};
  for (const [name, days] of Object.entries(ages)) {
    if (!credentials.includes(name)) throw new StemguardError(`not a credential of this ledger (${credentials.join(", ")})`, { field: maxAgeField, value: /^[a-z]{1,16}$/.test(name) ? name : "(not shown)", fix: `name one of ${credentials.join(", ")}` });
    maxAgeDays[name] = assertDays(days, names.maxAgeDays ?? `${maxAgeField}.${name}`, fix);
  }
  if (Object.keys(maxAgeDays).length === 0) throw new StemguardError("no maximum age", { field: maxAgeField, fix: `give at least one of ${credentials.join(", ")}` });
  const stepDays = assertDays(obj.stepDays, names.stepDays ?? `${field}.stepDays`, fix);
  return { maxAgeDays: Object.fromEntries(credentials.filter((c) => c in maxAgeDays).map((c) => [c, maxAgeDays[c]])), stepDays, since: assertLedgerDate(obj.since, names.since ?? `${field}.since`) };
}

/** The field as a ledger file holds it (fixed key order). */
export function cadenceField(cadence: Cadence): Record<string, unknown> {
  return { maxAgeDays: { ...cadence.maxAgeDays }, stepDays: cadence.stepDays, since: cadence.since };
}

/** One line, for review and status: `key 90 days, next step after 7 days (since 2026-12-07)`. */
export function describeCadence(cadence: Cadence | undefined): string {
  if (!cadence) return "no cadence";
  const ages = Object.entries(cadence.maxAgeDays).map(([name, days]) => `${name} ${days} days`).join(", ");
  return `max age ${ages}; next step of a rotation within ${cadence.stepDays} days (since ${cadence.since})`;
}
