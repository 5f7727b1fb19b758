import { looksLikeMaterial, redacted } from "./redact/redact";

/**
 * Errors stemguard raises for bad input. Every message names the field, the
 * value received and the fix, so a user can act on it without reading code.
 */
export interface StemguardErrorDetails {
  /** Which input was wrong: a prop, a ledger path, an env variable, a CLI flag. */
  readonly field: string;
  /** What was received (rendered with JSON.stringify; never pass key material). */
  readonly value?: unknown;
  /** What to do about it. */
  readonly fix: string;
}

export class StemguardError extends Error {
  public readonly field: string;
  public readonly value: unknown;
  public readonly fix: string;
  /** What is wrong, without the field, value and fix (for callers that wrap it in a message of their own). */
  public readonly problem: string;

  constructor(problem: string, details: StemguardErrorDetails) {
    const got = "value" in details ? ` (got ${renderValue(details.value)})` : "";
    super(`${details.field}: ${problem}${got}. Fix: ${details.fix}`);
    this.name = "StemguardError";
    this.field = details.field;
    this.value = redactMaterial(details.value);
    this.fix = details.fix;
    this.problem = problem;
  }
}

/**
 * An error Stem itself would raise while loading its configuration
 * (`FormatException` / `StateError` in `SigningConfig.fromEnvironment`).
 * `stemMessage` is Stem's text, byte for byte.
 */
export class StemConfigError extends Error {
  constructor(
    public readonly kind: "FormatException" | "StateError",
    public readonly stemMessage: string,
  ) {
    super(`${kind}: ${stemMessage}`);
    this.name = "StemConfigError";
  }
}

/** Defence in depth: a string value that looks like key material is never kept or printed. */
function redactMaterial(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redactMaterial);
  return typeof value === "string" && looksLikeMaterial(value) ? redacted(value) : value;
}

function renderValue(value: unknown): string {
  if (value === undefined) return "nothing";
  const text = JSON.stringify(redactMaterial(value));
  return text.length > 120 ? `${text.slice(0, 117)}...` : text;
}
