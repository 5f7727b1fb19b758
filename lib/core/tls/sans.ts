import { isIPv4, isIPv6 } from "node:net";
import { StemguardError } from "../errors";
import type { SubjectAltName } from "./types";

const LABEL = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;

/**
 * Parses subjectAltNames from a comma list or an array. Each entry is trimmed
 * (upstream does not trim); IPv4/IPv6 literals become IP SANs (upstream writes
 * them as DNS SANs, which clients never match against an IP), everything else
 * must be a DNS name. A wildcard is allowed only as the whole leftmost label of
 * a name with at least two more labels (`*.redis.example.com`).
 *
 * @param field the input's name in error messages
 */
export function parseSans(input: string | readonly string[], field = "sans"): SubjectAltName[] {
  const raw = typeof input === "string" ? input.split(",") : [...input].flatMap((s) => String(s).split(","));
  const entries = raw.map((s) => s.trim());
  if (entries.length === 0 || entries.every((e) => e === "")) {
    throw new StemguardError("at least one subjectAltName is required", {
      field,
      value: typeof input === "string" ? input : [...input],
      fix: 'pass the names clients connect to, comma separated, e.g. "redis.internal,localhost,127.0.0.1"',
    });
  }
  const seen = new Set<string>();
  return entries.map((entry) => {
    const san = parseOne(entry, field, typeof input === "string" ? input : [...input]);
    const key = `${san.type}:${san.value.toLowerCase()}`;
    if (seen.has(key)) {
      throw new StemguardError(`duplicate subjectAltName "${san.value}"`, {
        field,
        value: entry,
        fix: "list each name once",
      });
    }
    seen.add(key);
    return san;
  });
}

function parseOne(entry: string, field: string, whole: unknown): SubjectAltName {
  if (entry === "") {
    throw new StemguardError("empty entry in the subjectAltName list", {
      field,
      value: whole,
      fix: 'remove the stray comma, e.g. "redis,localhost" instead of "redis,,localhost"',
    });
  }
  const unbracketed = entry.startsWith("[") && entry.endsWith("]") ? entry.slice(1, -1) : entry;
  if (isIPv4(unbracketed)) return { type: "ip", value: unbracketed };
  if (isIPv6(unbracketed)) {
    if (unbracketed.includes("%")) {
      throw new StemguardError("an IPv6 zone id cannot be put in a certificate", {
        field,
        value: entry,
        fix: `drop the zone: "${unbracketed.split("%")[0]}"`,
      });
    }
    return { type: "ip", value: canonicalIPv6(unbracketed) };
  }
  if (/^[0-9.]+$/.test(entry)) {
    throw new StemguardError("not a valid IPv4 address (and a DNS name cannot be all digits)", {
      field,
      value: entry,
      fix: "write four decimal octets 0-255, e.g. 10.0.0.5",
    });
  }
  if (entry.includes(":")) {
    throw new StemguardError("not a valid IPv6 address (DNS names cannot contain ':')", {
      field,
      value: entry,
      fix: 'write a valid IPv6 literal such as "::1" or "fd00::5"; a port does not belong in a SAN',
    });
  }
  const name = entry.toLowerCase();
  if (name.endsWith(".")) {
    throw new StemguardError("a DNS SAN is written without the trailing dot", {
      field,
      value: entry,
      fix: `use "${name.replace(/\.+$/, "")}"`,
    });
  }
  if (name.length > 253) {
    throw new StemguardError("DNS name longer than 253 characters", { field, value: entry, fix: "use a shorter name" });
  }
  const labels = name.split(".");
  labels.forEach((label, i) => {
    if (label.includes("*")) {
      if (label !== "*" || i !== 0) {
        throw new StemguardError("a wildcard must be the whole leftmost label", {
          field,
          value: entry,
          fix: 'write "*.example.com" (partial wildcards like "redis*.example.com" or "a.*.com" are not matched by clients)',
        });
      }
      if (labels.length < 3) {
        throw new StemguardError("a wildcard needs at least two labels after it", {
          field,
          value: entry,
          fix: 'a wildcard over a top-level domain is refused by clients; write e.g. "*.redis.example.com" or list the names',
        });
      }
      return;
    }
    if (!LABEL.test(label)) {
      throw new StemguardError("not a valid DNS name (labels are 1-63 of [A-Za-z0-9-], not starting or ending with '-')", {
        field,
        value: entry,
        fix: "use the hostname clients put in the rediss:// URL, e.g. redis.internal",
      });
    }
  });
  return { type: "dns", value: name };
}

/** The RFC 5952 form of an IPv6 literal (what `X509Certificate.subjectAltName` and openssl print, modulo case). */
function canonicalIPv6(ip: string): string {
  return new URL(`http://[${ip}]/`).hostname.slice(1, -1);
}

/** The 4 or 16 network-order bytes of an IP literal accepted by {@link parseSans}. */
export function ipToBytes(ip: string): Buffer {
  if (isIPv4(ip)) return Buffer.from(ip.split(".").map((o) => Number(o)));
  const canonical = canonicalIPv6(ip);
  const [head, tail] = canonical.includes("::") ? canonical.split("::") : [canonical, undefined];
  // URL canonicalisation already turned any embedded IPv4 tail into hex groups.
  const parse = (part: string) =>
    part === "" ? [] : part.split(":").flatMap((g) => [parseInt(g, 16) >> 8, parseInt(g, 16) & 0xff]);
  const left = parse(head);
  const right = tail === undefined ? [] : parse(tail);
  const zeros = new Array(16 - left.length - right.length).fill(0);
  return Buffer.from([...left, ...zeros, ...right]);
}
