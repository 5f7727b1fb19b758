import { StemguardError } from "../errors";

/**
 * Dart's `DateTime` as the Dart VM parses and prints it, to the microsecond
 * (a JS `Date` only has milliseconds). Stem signs
 * `enqueuedAt.toUtc().toIso8601String()`, so a Node verifier has to parse the
 * wire string the way `DateTime.parse` does and re-print it the way
 * `toIso8601String` does: wire `…05Z` signs as `…05.000Z`.
 *
 * Reproduced from `sdk/lib/core/date_time.dart` and the VM's
 * `sdk/lib/_internal/vm/lib/date_patch.dart`:
 * - grammar: `^([+-]?\d{4,6})-?(\d\d)-?(\d\d)(?:[ T](\d\d)(?::?(\d\d)(?::?(\d\d)(?:[.,](\d+))?)?)?( ?[zZ]| ?([-+])(\d\d)(?::?(\d\d))?)?)?$`
 *   (date only, `T` or space, optional minutes/seconds/fraction, `Z`,
 *   `±HH`, `±HHMM`, `±HH:MM`, optionally after a space);
 * - fraction: only the first 6 digits count, the rest are **truncated**, not
 *   rounded (`parseMilliAndMicroseconds`);
 * - out-of-range fields overflow into the next one (`2020-01-42` is
 *   2020-02-11, `T24:00` is the next midnight); an offset is subtracted from
 *   the minutes; the result must lie within ±8.64e18 µs of the epoch, else
 *   `FormatException("Time out of range")`;
 * - no offset means local time of this process (its `TZ`), resolved like the
 *   VM's `_toLocalTimeOffset` (in a repeated hour the earlier instant wins; in
 *   a skipped hour the offset before the change is used); offsets of years
 *   outside 1901..2038 come from an "equivalent" year, as the VM does.
 *   `{ timeZone }` evaluates local time as a process with `TZ=<zone>` would,
 *   without changing this process's zone (docs/stem-compat.md §2.7: producers and
 *   workers in different zones disagree on offset-less timestamps).
 */

/** Options for local-time handling. */
export interface DartTimeZoneOptions {
  /**
   * IANA zone to read offset-less timestamps in, as a Dart process with
   * `TZ=<zone>` would.
   * @default - the time zone of this process
   */
  readonly timeZone?: string;
}

/** An instant with microsecond precision, and whether Dart holds it as UTC or local time. */
export interface DartDateTime {
  /** Microseconds since 1970-01-01T00:00:00Z. */
  readonly microsecondsSinceEpoch: bigint;
  /** `DateTime.isUtc`: true when parsed with `Z` or an offset, false for local time. */
  readonly isUtc: boolean;
  /** For local values parsed with `{ timeZone }`: the zone they are local to (else this process's). */
  readonly timeZone?: string;
}

const MAX_MICROS = 8_640_000_000_000_000_000n;
const MICROS_PER_DAY = 86_400_000_000n;

const PARSE_FORMAT =
  /^([+-]?\d{4,6})-?(\d\d)-?(\d\d)(?:[ T](\d\d)(?::?(\d\d)(?::?(\d\d)(?:[.,](\d+))?)?)?( ?[zZ]| ?([-+])(\d\d)(?::?(\d\d))?)?)?$/;

/**
 * `DateTime.parse(text)` on the Dart VM. Throws StemguardError (naming
 * `field`) where Dart throws FormatException.
 */
export function parseDartDateTime(text: string, field = "timestamp", options: DartTimeZoneOptions = {}): DartDateTime {
  const zone = options.timeZone === undefined ? undefined : checkTimeZone(options.timeZone);
  const match = PARSE_FORMAT.exec(text);
  if (!match) {
    throw new StemguardError("not a date Dart's DateTime.parse accepts (FormatException: Invalid date format)", {
      field,
      value: text,
      fix: "use ISO 8601 as Dart's toIso8601String writes it, e.g. 2025-01-02T03:04:05.123456Z",
    });
  }
  const int = (group: string | undefined): number => (group === undefined ? 0 : parseInt(group, 10));
  const year = parseInt(match[1], 10);
  const month = int(match[2]);
  const day = int(match[3]);
  const hour = int(match[4]);
  let minute = int(match[5]);
  const second = int(match[6]);
  const fraction = match[7] === undefined ? 0 : parseInt((match[7] + "00000").slice(0, 6), 10);
  let isUtc = false;
  if (match[8] !== undefined) {
    isUtc = true;
    if (match[9] !== undefined) {
      const sign = match[9] === "-" ? -1 : 1;
      minute -= sign * (int(match[10]) * 60 + int(match[11]));
    }
  }
  const micros = brokenDownDateToValue(year, month, day, hour, minute, second, fraction, isUtc ? null : offsetFunction(zone));
  if (micros === null) {
    throw new StemguardError("date outside Dart's DateTime range (FormatException: Time out of range)", {
      field,
      value: text,
      fix: "use a date within 100,000,000 days of 1970-01-01",
    });
  }
  return Object.freeze(isUtc || zone === undefined ? { microsecondsSinceEpoch: micros, isUtc } : { microsecondsSinceEpoch: micros, isUtc, timeZone: zone });
}

/** A UTC DartDateTime from microseconds since the epoch. Throws StemguardError out of range. */
export function dartDateTimeFromMicros(microsecondsSinceEpoch: bigint, isUtc = true): DartDateTime {
  if (microsecondsSinceEpoch > MAX_MICROS || microsecondsSinceEpoch < -MAX_MICROS) {
    throw new StemguardError("instant outside Dart's DateTime range", {
      field: "microsecondsSinceEpoch",
      value: microsecondsSinceEpoch.toString(),
      fix: "stay within ±8.64e18 µs of the epoch",
    });
  }
  return Object.freeze({ microsecondsSinceEpoch, isUtc });
}

/** A UTC DartDateTime from a JS Date plus extra microseconds (0..999) the Date cannot hold. */
export function dartDateTimeFromDate(date: Date, extraMicros = 0): DartDateTime {
  if (!Number.isInteger(extraMicros) || extraMicros < 0 || extraMicros > 999) {
    throw new StemguardError("extra microseconds must be an integer 0..999", {
      field: "extraMicros",
      value: extraMicros,
      fix: "pass the sub-millisecond part only",
    });
  }
  const ms = date.getTime();
  if (Number.isNaN(ms)) {
    throw new StemguardError("invalid Date", { field: "date", fix: "pass a valid Date" });
  }
  return dartDateTimeFromMicros(BigInt(ms) * 1000n + BigInt(extraMicros));
}

/** `toUtc()`: the same instant, held as UTC. */
export function dartToUtc(value: DartDateTime): DartDateTime {
  return value.isUtc ? value : Object.freeze({ microsecondsSinceEpoch: value.microsecondsSinceEpoch, isUtc: true });
}

/**
 * `toIso8601String()`: `YYYY-MM-DDTHH:MM:SS.mmm[uuu]` plus `Z` for UTC;
 * local values print local wall time without an offset. The `uuu` part is
 * present only when the microseconds are not 0; years outside -9999..9999
 * get a sign and six digits.
 */
export function dartToIso8601String(value: DartDateTime): string {
  let micros = value.microsecondsSinceEpoch;
  if (!value.isUtc) micros += BigInt(offsetFunction(value.timeZone)(micros)) * 1_000_000n;
  const f = fieldsOf(micros);
  const y = f.year >= -9999 && f.year <= 9999 ? fourDigits(f.year) : sixDigits(f.year);
  const us = f.microsecond === 0 ? "" : pad(f.microsecond, 3);
  const base = `${y}-${pad(f.month, 2)}-${pad(f.day, 2)}T${pad(f.hour, 2)}:${pad(f.minute, 2)}:${pad(f.second, 2)}.${pad(f.millisecond, 3)}${us}`;
  return value.isUtc ? `${base}Z` : base;
}

/** `toUtc().toIso8601String()`: what Stem puts in the canonical string. */
export function dartUtcIso8601String(value: DartDateTime): string {
  return dartToIso8601String(dartToUtc(value));
}

// --- calendar arithmetic (proleptic Gregorian, like Dart) ---

const DAYS_UNTIL_MONTH = [
  [0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334],
  [0, 31, 60, 91, 121, 152, 182, 213, 244, 274, 305, 335],
];

/** Dart's `%` (result has the sign of the divisor, here always >= 0). */
function mod(a: number, b: number): number {
  return ((a % b) + b) % b;
}

function isLeapYear(y: number): boolean {
  return mod(y, 4) === 0 && (mod(y, 16) === 0 || mod(y, 100) !== 0);
}

/** Days since 1970-01-01 of January 1st of `year`. */
function dayFromYear(year: number): number {
  return 365 * (year - 1970) + Math.floor((year - 1969) / 4) - Math.floor((year - 1901) / 100) + Math.floor((year - 1601) / 400);
}

function brokenDownDateToValue(
  year: number,
  month: number,
  day: number,
  hour: number,
  minute: number,
  second: number,
  microsOfSecond: number,
  /** null for UTC; else the local offset function. */
  localOffset: OffsetFunction | null,
): bigint | null {
  let m = month - 1;
  let y = year;
  if (m >= 12) {
    y += Math.floor(m / 12);
    m = m % 12;
  } else if (m < 0) {
    const real = mod(m, 12);
    y += (m - real) / 12;
    m = real;
  }
  const days = day - 1 + DAYS_UNTIL_MONTH[isLeapYear(y) ? 1 : 0][m] + dayFromYear(y);
  let micros =
    BigInt(days) * MICROS_PER_DAY +
    BigInt(hour) * 3_600_000_000n +
    BigInt(minute) * 60_000_000n +
    BigInt(second) * 1_000_000n +
    BigInt(microsOfSecond);
  if (localOffset !== null) {
    const abs = micros < 0n ? -micros : micros;
    if (abs > MAX_MICROS + MICROS_PER_DAY) return null;
    micros -= BigInt(toLocalTimeOffsetSeconds(micros, localOffset)) * 1_000_000n;
  }
  if (micros > MAX_MICROS || micros < -MAX_MICROS) return null;
  return micros;
}

interface Fields {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  millisecond: number;
  microsecond: number;
}

function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a % b !== 0n && a < 0n !== b < 0n ? q - 1n : q;
}

/** Calendar fields of an instant read as UTC. */
function fieldsOf(micros: bigint): Fields {
  const days = floorDiv(micros, MICROS_PER_DAY);
  let rest = Number(micros - days * MICROS_PER_DAY); // 0 .. 86_399_999_999, a safe integer
  const microsecond = rest % 1000;
  rest = (rest - microsecond) / 1000;
  const millisecond = rest % 1000;
  rest = (rest - millisecond) / 1000;
  const second = rest % 60;
  rest = (rest - second) / 60;
  const minute = rest % 60;
  const hour = (rest - minute) / 60;
  return { ...civilFromDays(Number(days)), hour, minute, second, millisecond, microsecond };
}

/** Year, month, day of a day count since 1970-01-01 (H. Hinnant's algorithm). */
function civilFromDays(days: number): { year: number; month: number; day: number } {
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  return { year: yoe + era * 400 + (month <= 2 ? 1 : 0), month, day };
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, "0");
}

function fourDigits(n: number): string {
  const abs = Math.abs(n);
  return `${n < 0 ? "-" : ""}${pad(abs, 4)}`;
}

function sixDigits(n: number): string {
  return `${n < 0 ? "-" : "+"}${pad(Math.abs(n), 6)}`;
}

// --- local time, as the Dart VM computes it ---

/**
 * The VM's `_equivalentSeconds`: outside ±0x7FFFFFFF seconds it moves the
 * instant into a year in 2008..2035 with the same leap-ness and weekday.
 */
function equivalentSeconds(micros: bigint): number {
  let seconds = Number(floorDiv(micros, 1_000_000n));
  if (Math.abs(seconds) > 0x7fffffff) {
    const year = civilFromDays(Math.floor(seconds / 86400)).year;
    const weekDay = mod(dayFromYear(year) + 4, 7);
    const recentYear = (isLeapYear(year) ? 1956 : 1967) + weekDay * 12;
    const equivalentYear = 2008 + mod(recentYear - 2008, 28);
    seconds += (dayFromYear(equivalentYear) - dayFromYear(year)) * 86400;
  }
  return seconds;
}

/** Local offset (local minus UTC) in seconds at an instant given in microseconds. */
type OffsetFunction = (micros: bigint) => number;

/** The VM's `_timeZoneOffsetInSeconds` for this process's zone, or for `timeZone`. */
function offsetFunction(timeZone: string | undefined): OffsetFunction {
  if (timeZone === undefined) {
    return (micros) => {
      const offsetMinutes = -new Date(equivalentSeconds(micros) * 1000).getTimezoneOffset();
      return Math.round(offsetMinutes * 60) + 0; // + 0 turns -0 into 0
    };
  }
  const format = zoneFormat(timeZone);
  return (micros) => {
    const seconds = equivalentSeconds(micros);
    const parts: Record<string, number> = {};
    for (const part of format.formatToParts(new Date(seconds * 1000))) {
      if (part.type !== "literal") parts[part.type] = Number(part.value);
    }
    // Equivalent seconds always fall in 1901..2038, so Date.UTC's 0..99 year quirk cannot bite.
    const wall = Date.UTC(parts.year, parts.month - 1, parts.day, parts.hour, parts.minute, parts.second) / 1000;
    return wall - seconds + 0;
  };
}

const ZONE_FORMATS = new Map<string, Intl.DateTimeFormat>();

function zoneFormat(timeZone: string): Intl.DateTimeFormat {
  let format = ZONE_FORMATS.get(timeZone);
  if (format === undefined) {
    format = new Intl.DateTimeFormat("en-US", {
      timeZone,
      hourCycle: "h23",
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
      second: "numeric",
    });
    ZONE_FORMATS.set(timeZone, format);
  }
  return format;
}

function checkTimeZone(timeZone: string): string {
  try {
    zoneFormat(timeZone);
    return timeZone;
  } catch {
    throw new StemguardError("unknown time zone", {
      field: "timeZone",
      value: timeZone,
      fix: "use an IANA zone name such as UTC, Europe/Berlin or America/New_York",
    });
  }
}

/**
 * The VM's `_toLocalTimeOffset`: given wall-clock fields encoded as if UTC,
 * the offset to subtract to reach the local instant.
 */
function toLocalTimeOffsetSeconds(wallAsUtc: bigint, offsetAt: OffsetFunction): number {
  const at = (delta: number): number => offsetAt(wallAsUtc - BigInt(delta) * 1_000_000n);
  let offset = at(0);
  if (offset !== 0) {
    const offset2 = at(offset);
    if (offset2 !== offset) {
      const offset3 = at(offset2);
      return offset2 <= offset3 ? offset2 : offset3;
    }
    offset = offset2;
  }
  const offset4 = at(offset + 2 * 3600);
  if (offset4 > offset) {
    if (offset4 === offset + 2 * 3600) return offset4;
    const offset5 = at(offset4);
    if (offset5 === offset4) return offset4;
  }
  return offset;
}
