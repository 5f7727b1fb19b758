import { StemguardError } from "../errors";
import { RSA_KEY_SIZES, type RsaKeySize } from "./types";

/** Longest validity stemguard issues: ten years. */
export const MAX_DAYS = 3650;

/** Checks a validity in days (integer 1..3650). */
export function assertDays(days: unknown, field = "days"): number {
  if (typeof days !== "number" || !Number.isInteger(days) || days < 1 || days > MAX_DAYS) {
    throw new StemguardError(`validity must be a whole number of days from 1 to ${MAX_DAYS}`, {
      field,
      value: days,
      fix: "use e.g. 365 for a year; rotate leaves with renew-leaves rather than issuing decade-long ones",
    });
  }
  return days;
}

/** Checks an RSA modulus size (2048, 3072 or 4096). */
export function assertKeySize(keySize: unknown, field = "keySize"): RsaKeySize {
  if (!RSA_KEY_SIZES.includes(keySize as RsaKeySize)) {
    throw new StemguardError("RSA key size must be 2048, 3072 or 4096", {
      field,
      value: keySize,
      fix: "use 4096 (upstream's size) or 2048 where handshake cost matters",
    });
  }
  return keySize as RsaKeySize;
}

/**
 * Checks a subject common name: 1..`max` printable characters (X.520 caps CN at 64;
 * the CA's CN adds "-ca", so the primary host gets 61).
 */
export function assertCommonName(value: unknown, field: string, max = 64): string {
  if (typeof value !== "string" || value.trim() !== value || value.length === 0 || value.length > max || /[\p{Cc}]/u.test(value)) {
    throw new StemguardError(`common name must be 1-${max} characters without control characters or surrounding spaces`, {
      field,
      value,
      fix: 'use a plain name such as "stem-client" or "redis.internal"',
    });
  }
  return value;
}

/** Checks a start of validity. */
export function assertDate(value: unknown, field: string): Date {
  if (!(value instanceof Date) || Number.isNaN(value.getTime())) {
    throw new StemguardError("not a valid Date", { field, value: String(value), fix: "pass a Date object, e.g. new Date()" });
  }
  return value;
}
