/**
 * The one place that decides what may be printed. Every message path that
 * echoes a value the user gave (key ids, URLs, ledger fields, error values)
 * goes through these helpers, so a secret pasted where a name belongs never
 * reaches a terminal, a log, a `fix:` line or `--json`. No imports from other
 * core folders: errors.ts and every layer may use it. Key ids add Stem's id
 * rule on top (stem-env displayKeyId).
 */

/** What a redacted value prints as: its length only. */
export function redacted(text: string): string {
  return `<redacted ${text.length} chars>`;
}

const HEX = /^[0-9A-Fa-f]{32,}$/;
// Standard or URL-safe base64, with '=' or '%3D' padding.
const BASE64ISH = /^([A-Za-z0-9+/_-]+)(?:=|%3[Dd]){0,2}$/;

/**
 * Whether `text` looks like key material rather than a name or a path: 32+
 * hex digits, or a run of one base64 alphabet (standard or URL-safe, not
 * both: `/tmp/stem-x` mixes them) that is padded to a multiple of 4 (16+),
 * mixes upper case, lower case and digits (20+), or mixes both cases (32+).
 * Names such as `rotation-2026-q1` or `k2026-11` do not match.
 */
export function looksLikeMaterial(text: string): boolean {
  if (HEX.test(text)) return true;
  const m = BASE64ISH.exec(text);
  if (!m) return false;
  const body = m[1];
  if (body.length < 16 || (/[+/]/.test(body) && /[-_]/.test(body))) return false;
  if (body.length !== text.length && text.length % 4 === 0) return true;
  const upper = /[A-Z]/.test(body);
  const lower = /[a-z]/.test(body);
  const digit = /[0-9]/.test(body);
  return (body.length >= 20 && upper && lower && digit) || (body.length >= 32 && upper && lower);
}

/**
 * A URL with its credentials replaced by `***`: everything between the first
 * `//` (or the scheme's `:` when there is no `//`) and the LAST `@` of the
 * text. A password may contain `/`, `?` or `#`, which end a URL's authority
 * early, so the last `@` of the whole text is used, not the authority's.
 * Text without `@` is returned unchanged.
 */
export function redactUrlCredentials(url: string): string {
  const at = url.lastIndexOf("@");
  if (at < 0) return url;
  const slashes = url.indexOf("//");
  const schemeEnd = /^[A-Za-z][A-Za-z0-9+.-]*:/.exec(url)?.[0].length ?? 0;
  const start = slashes >= 0 && slashes < at ? slashes + 2 : schemeEnd;
  if (start >= at) return url;
  return `${url.slice(0, start)}***${url.slice(at)}`;
}
