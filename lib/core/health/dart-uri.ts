import { isIPv6 } from "node:net";

/**
 * The parts of a URI as Dart's `Uri.parse` reports them, limited to what
 * Stem's Redis clients read (`scheme`, `userInfo`, `host`, `hasPort`/`port`,
 * `pathSegments`). Stem never sees the raw string, so stemguard must not either.
 */
export interface DartUri {
  /** Lowercased scheme; `""` when the text has none. */
  readonly scheme: string;
  /** Normalized userinfo (Dart `Uri.userInfo`): escapes of unreserved characters decoded, others upper-cased. */
  readonly userInfo: string;
  /** Lowercased host; an IPv6 literal without its brackets; `""` when absent. */
  readonly host: string;
  /**
   * The explicit port, or `undefined` when Dart's `hasPort` is false. Dart drops
   * a port equal to its scheme default, which is 0 for every scheme but
   * http/https, so `:0` and `:` both count as "no port".
   */
  readonly port: number | undefined;
  /** Path after dot-segment removal, still percent-encoded. */
  readonly path: string;
  /** Dart `Uri.pathSegments`: the path without its leading `/`, split on `/`, each segment percent-decoded. */
  readonly pathSegments: readonly string[];
}

/** Thrown where Dart's `Uri.parse` throws a `FormatException`. */
export class DartUriFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "DartUriFormatError";
  }
}

// RFC 3986 appendix B, the same split Dart's scanner makes.
const URI_SPLIT = /^(?:([^:/?#]+):)?(?:\/\/([^/?#]*))?([^?#]*)(?:\?([^#]*))?(?:#(.*))?$/s;
const SCHEME = /^[A-Za-z][A-Za-z0-9+.-]*$/;
const UNRESERVED = /^[A-Za-z0-9\-._~]$/;
// Characters Dart keeps as they are in userinfo: unreserved, sub-delims and ':'.
const USERINFO_CHAR = /^[A-Za-z0-9\-._~!$&'()*+,;=:]$/;
// Characters Dart keeps in a host name (reg-name): unreserved and sub-delims.
const REGNAME_CHAR = /^[A-Za-z0-9\-._~!$&'()*+,;=]$/;
const GEN_DELIM = /^[:/?#[\]@]$/;
const HEX2 = /^[0-9A-Fa-f]{2}$/;

/**
 * Parses `text` the way Dart's `Uri.parse` does, for the fields Stem uses.
 *
 * @throws DartUriFormatError where Dart throws (bad scheme, non-digit port, bad IPv6 literal, delimiter in host)
 */
export function parseDartUri(text: string): DartUri {
  const m = URI_SPLIT.exec(text);
  if (!m) throw new DartUriFormatError("Invalid URI");
  const [, rawScheme, authority, rawPath] = m;
  if (rawScheme !== undefined && !SCHEME.test(rawScheme)) {
    throw new DartUriFormatError(`Illegal scheme "${rawScheme}"`);
  }
  const scheme = (rawScheme ?? "").toLowerCase();
  let userInfo = "";
  let host = "";
  let port: number | undefined;
  if (authority !== undefined) {
    // The last '@' ends the userinfo (earlier ones belong to it).
    const at = authority.lastIndexOf("@");
    if (at >= 0) userInfo = normalizeComponent(authority.slice(0, at), USERINFO_CHAR, false);
    const hostPort = at >= 0 ? authority.slice(at + 1) : authority;
    const { host: h, portText } = splitHostPort(hostPort);
    host = h;
    if (portText !== undefined && portText !== "") {
      if (!/^[0-9]+$/.test(portText)) throw new DartUriFormatError(`Invalid port "${portText}"`);
      const value = Number(portText);
      port = value === dartDefaultPort(scheme) ? undefined : value;
    }
  }
  const path = removeDotSegments(rawPath ?? "");
  return { scheme, userInfo, host, port, path, pathSegments: pathSegmentsOf(path) };
}

/**
 * Dart `int.tryParse(source)` without a radix: surrounding whitespace ignored,
 * optional sign, decimal or `0x` hexadecimal, 64-bit range; otherwise `undefined`.
 */
export function dartIntTryParse(source: string): bigint | undefined {
  const m = /^([+-]?)(?:0[xX]([0-9A-Fa-f]+)|([0-9]+))$/.exec(source.trim());
  if (!m) return undefined;
  const magnitude = m[2] !== undefined ? BigInt(`0x${m[2]}`) : BigInt(m[3]);
  const value = m[1] === "-" ? -magnitude : magnitude;
  if (value < -(2n ** 63n) || value > 2n ** 63n - 1n) return undefined;
  return value;
}

function dartDefaultPort(scheme: string): number {
  if (scheme === "http") return 80;
  if (scheme === "https") return 443;
  return 0;
}

function splitHostPort(hostPort: string): { host: string; portText: string | undefined } {
  if (hostPort.startsWith("[")) {
    const close = hostPort.indexOf("]");
    if (close < 0) throw new DartUriFormatError("Missing end `]` to match `[` in host");
    const literal = hostPort.slice(1, close);
    if (!isIPv6(literal)) throw new DartUriFormatError(`Illegal IPv6 address "${literal}"`);
    const rest = hostPort.slice(close + 1);
    if (rest !== "" && !rest.startsWith(":")) throw new DartUriFormatError("Invalid character after IPv6 host");
    return { host: literal.toLowerCase(), portText: rest === "" ? undefined : rest.slice(1) };
  }
  const colon = hostPort.indexOf(":");
  const rawHost = colon < 0 ? hostPort : hostPort.slice(0, colon);
  const portText = colon < 0 ? undefined : hostPort.slice(colon + 1);
  return { host: normalizeComponent(rawHost, REGNAME_CHAR, true), portText };
}

/**
 * Dart's component normalization: allowed characters stay, `%XX` of an
 * unreserved character is decoded, other escapes get upper-case hex, a stray
 * `%` becomes `%25`, anything else is UTF-8 percent-encoded. In a host, a
 * general delimiter is an error and letters are lowercased.
 */
function normalizeComponent(text: string, allowed: RegExp, isHost: boolean): string {
  let out = "";
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === "%") {
      const hex = text.slice(i + 1, i + 3);
      if (HEX2.test(hex)) {
        const decoded = String.fromCharCode(parseInt(hex, 16));
        out += UNRESERVED.test(decoded) ? (isHost ? decoded.toLowerCase() : decoded) : `%${hex.toUpperCase()}`;
        i += 2;
      } else {
        out += "%25";
      }
    } else if (allowed.test(ch)) {
      out += isHost ? ch.toLowerCase() : ch;
    } else if (isHost && GEN_DELIM.test(ch)) {
      throw new DartUriFormatError(`Invalid character "${ch}" in host`);
    } else {
      const cp = text.codePointAt(i) ?? 0;
      if (cp > 0xffff) i++;
      for (const byte of Buffer.from(String.fromCodePoint(cp), "utf8")) {
        out += `%${byte.toString(16).toUpperCase().padStart(2, "0")}`;
      }
    }
  }
  return out;
}

// RFC 3986 §5.2.4, which Dart applies to every path of a URI with a scheme or authority.
function removeDotSegments(path: string): string {
  if (!/(^|\/)\.\.?(\/|$)/.test(path)) return path;
  const output: string[] = [];
  const absolute = path.startsWith("/");
  const segments = (absolute ? path.slice(1) : path).split("/");
  segments.forEach((segment, index) => {
    const last = index === segments.length - 1;
    if (segment === "..") {
      if (output.length > 0) output.pop();
      if (last) output.push("");
    } else if (segment === ".") {
      if (last) output.push("");
    } else {
      output.push(segment);
    }
  });
  return (absolute ? "/" : "") + output.join("/");
}

function pathSegmentsOf(path: string): string[] {
  const toSplit = path.startsWith("/") ? path.slice(1) : path;
  if (toSplit === "") return [];
  return toSplit.split("/").map(decodeSegment);
}

function decodeSegment(segment: string): string {
  const bytes: number[] = [];
  for (let i = 0; i < segment.length; i++) {
    const hex = segment.slice(i + 1, i + 3);
    if (segment[i] === "%" && HEX2.test(hex)) {
      bytes.push(parseInt(hex, 16));
      i += 2;
    } else {
      const cp = segment.codePointAt(i) ?? 0;
      if (cp > 0xffff) i++;
      bytes.push(...Buffer.from(String.fromCodePoint(cp), "utf8"));
    }
  }
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(Uint8Array.from(bytes));
  } catch {
    throw new DartUriFormatError(`Invalid UTF-8 in path segment "${segment}"`);
  }
}
