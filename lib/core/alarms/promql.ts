/** Small PromQL builders: label matchers quoted the way the parser reads them. */

/** A PromQL string literal. */
export function promString(value: string): string {
  return JSON.stringify(value); // PromQL string literals use Go's escapes, which JSON's are a subset of
}

/** `name{k="v",...}`; regex matchers as `k=~"..."` when the key ends with `=~`. */
export function selector(metric: string, matchers: Readonly<Record<string, string>> = {}): string {
  const parts = Object.entries(matchers).map(([k, v]) => (k.endsWith("=~") ? `${k.slice(0, -2)}=~${promString(v)}` : `${k}=${promString(v)}`));
  return parts.length === 0 ? metric : `${metric}{${parts.join(", ")}}`;
}

/** An RE2 alternation that matches exactly these literal values. */
export function literalAlternation(values: readonly string[]): string {
  return values.map((v) => v.replace(/[\\.+*?()|[\]{}^$]/g, "\\$&")).join("|");
}

/** Prometheus duration of whole seconds, in the largest exact unit. */
export function promDuration(seconds: number): string {
  for (const [unit, size] of [["d", 86_400], ["h", 3600], ["m", 60]] as const) {
    if (seconds % size === 0) return `${seconds / size}${unit}`;
  }
  return `${seconds}s`;
}

/**
 * Any increase of a counter within `window`, including the first increment
 * of a series born within the window (a restarted worker's counter appears at
 * 1, and `increase()` needs two samples of a series, so it would see nothing).
 * `by` aggregates after the per-series work, so one restarted worker among many
 * still counts.
 */
export function counterIncrease(series: string, by: readonly string[], windowSeconds: number): string {
  const w = promDuration(windowSeconds);
  const agg = `sum by (${by.join(", ")})`;
  return `(${agg} (increase(${series}[${w}])) > 0) or (${agg} (${series} unless ${series} offset ${w}) > 0)`;
}

/**
 * Any increase of a level that only grows (the census's dead-letter gauge),
 * including a label set that first appears within the window. The level is
 * aggregated first, so a restarted exporter (new `instance`) is no increase.
 */
export function levelIncrease(series: string, by: readonly string[], windowSeconds: number): string {
  const w = promDuration(windowSeconds);
  const agg = `max by (${by.join(", ")})`;
  // An offset needs the same matchers; `series` is a selector so this is textual.
  return `(${agg} (${series}) - ${agg} (${series} offset ${w}) > 0) or (${agg} (${series}) > 0 unless ${agg} (${series} offset ${w}))`;
}
