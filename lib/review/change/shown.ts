import { looksLikeMaterial, redacted } from "../../core/redact/redact";

/** A Terraform-name shape: short pieces joined by `_` or `-` (cdktf unique ids such as `Signing_Key-k2_Secret_394260E1`). */
const NAME_SHAPE = /^[A-Za-z0-9]{1,15}([_-][A-Za-z0-9]{1,15})*$/;

/**
 * Text as the review prints it: every token that looks like material
 * (lib/core/redact) is replaced by its length, except tokens shaped like
 * Terraform names. The review prints addresses, attribute names, ledger labels
 * and actions, never a configuration or plan value; this is the second line
 * of defence for a name that carries pasted material.
 */
export function shown(text: string): string {
  return text
    .split(/([\s"'`.,;:()[\]{}<>|=]+)/)
    .map((token) => (token.length >= 16 && looksLikeMaterial(token) && !NAME_SHAPE.test(token) ? redacted(token) : token))
    .join("");
}

/** `shown` applied to every string of a JSON-ready value. */
export function shownDeep<T>(value: T): T {
  if (typeof value === "string") return shown(value) as T;
  if (Array.isArray(value)) return value.map(shownDeep) as T;
  if (value && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, shownDeep(v)])) as T;
  return value;
}
