/**
 * One problem `stemguard env check` reports about a Stem env. Never carries
 * key material: fields name variables and key ids, messages give lengths and
 * reasons, not values.
 */
export interface Finding {
  /** `error` fails the check; `warning` is printed and the check still passes. */
  readonly severity: "error" | "warning";
  /** The env variable, with the key id or entry when it is about one: `STEM_SIGNING_KEYS[primary]`. */
  readonly field: string;
  readonly message: string;
  /** What to change. */
  readonly fix: string;
  /** `stem` when this is Stem's own load failure (its message carries Stem's text); otherwise stemguard's rule. */
  readonly source: "stem" | "stemguard";
}

/** Builds a stemguard finding. */
export function finding(severity: Finding["severity"], field: string, message: string, fix: string): Finding {
  return { severity, field, message, fix, source: "stemguard" };
}
