// Known Redis passwords for leak tests: recognisable, valid for Stem and ElastiCache, searched in every encoding.

/** A 43-character password of [A-Za-z0-9._~-] starting with a readable marker, e.g. `MARKER-redis-pw1-0000...`. */
export function markerPassword(passwordId: string): string {
  return `MARKER-redis-${passwordId}-`.padEnd(43, "0").slice(0, 43);
}

/**
 * Every form a password could leak in: raw, URL-encoded, standard base64 and base64url
 * (at each of the three byte alignments, so a password inside a longer encoded
 * string, e.g. a whole URL, is found too), hex, and the readable marker alone.
 */
export function redisLeakNeedles(password: string): { label: string; needle: string }[] {
  const needles = [
    { label: "raw", needle: password },
    { label: "url-encoded", needle: encodeURIComponent(password) },
    { label: "hex", needle: Buffer.from(password).toString("hex") },
    { label: "marker text", needle: "MARKER-redis" },
  ];
  for (let shift = 0; shift < 3; shift++) {
    const bytes = Buffer.from(`${"xx".slice(0, shift)}${password}`);
    for (const [form, text] of [["base64", bytes.toString("base64")], ["base64url", bytes.toString("base64url")]] as const) {
      needles.push({ label: `${form} (alignment ${shift})`, needle: text.slice(4, text.length - 4) });
    }
  }
  return needles;
}

/** Labels of every needle of `passwords` found in `text` (empty when nothing leaked). */
export function findPasswordLeaks(text: string, passwords: readonly string[]): string[] {
  return passwords.flatMap((p) => redisLeakNeedles(p).filter((n) => text.includes(n.needle)).map((n) => `${p.slice(0, 17)}... (${n.label})`));
}
