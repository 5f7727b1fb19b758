import { StemguardError } from "../errors";
import { redactUrlCredentials } from "../redact/redact";
import { DartUriFormatError, dartIntTryParse, parseDartUri } from "./dart-uri";

/** Stem's port for every Redis URL without one, `rediss://` included (docs/stem-compat.md §4.2). */
export const DEFAULT_REDIS_PORT = 6379;

/** What Stem's Redis clients take from a URL (docs/stem-compat.md §4.2), and nothing they ignore silently is lost. */
export interface RedisUrl {
  /**
   * The URL as parsed, with its password replaced by `***`: scheme, host, port
   * and database exactly as Stem connects (`rediss://:***@h:6379/0`). The only
   * form to print.
   */
  readonly redacted: string;
  /** The text as given, with credentials replaced by `***` (see redactUrl). */
  readonly source: string;
  /** `redis` (plain TCP) or `rediss` (TLS). A URL without a scheme counts as `redis`, as in Stem. */
  readonly scheme: "redis" | "rediss";
  /** Whether the text named a scheme at all. */
  readonly schemeGiven: boolean;
  /** Whether Stem opens TLS (`rediss://`). */
  readonly tls: boolean;
  /** Host to connect to and to verify the certificate against; `localhost` when absent. IPv6 without brackets. */
  readonly host: string;
  /** Whether the URL named a host. */
  readonly hostGiven: boolean;
  /** Port to connect to; 6379 when absent (also for `rediss://`, and for `:0`, which Dart drops). */
  readonly port: number;
  /** Whether Dart's `hasPort` is true. */
  readonly portGiven: boolean;
  /** Normalized userinfo as Dart reports it. Contains the password: never print. */
  readonly userInfo: string;
  /** What Stem sends with `AUTH <password>`, or `undefined` when userinfo is empty. Never print. */
  readonly password: string | undefined;
  /** The ACL user name part of `user:password`, which Stem does not send. */
  readonly username: string | undefined;
  /** The database Stem selects (`SELECT n`) from the first path segment, or `undefined`. */
  readonly db: number | undefined;
  /** The first path segment as Dart decodes it, or `undefined` when the path is empty. */
  readonly dbSegment: string | undefined;
}

/** The lowercased scheme of a URL, `""` when it has none or cannot be parsed. */
export function urlScheme(url: string): string {
  const m = /^([A-Za-z][A-Za-z0-9+.-]*):/.exec(url);
  return m ? m[1].toLowerCase() : "";
}

/**
 * Parses a Redis URL the way Stem does (Dart `Uri.parse`, docs/stem-compat.md §4.2):
 * host defaults to `localhost`, port to 6379 even for `rediss`; the password
 * is `parts[1]` of the userinfo split on `:` when there are exactly two
 * parts, else `parts[0]`; no percent-decoding beyond Dart's normalization;
 * the database is the first path segment read with Dart's `int.tryParse`.
 *
 * @param field names the input in errors, e.g. `STEM_BROKER_URL`
 * @throws StemguardError when Dart would not parse the URL, it has surrounding whitespace, or the scheme is not redis/rediss
 */
export function parseRedisUrl(url: string, field = "url"): RedisUrl {
  const redacted = redactUrl(url);
  // Before parsing: Dart's errors quote the port text, which is then a piece of the password.
  refuseAtAfterAuthority(url, field, redacted);
  if (url.trim() !== url) {
    // Stem does not trim STEM_BROKER_URL; Dart then reads a leading space as part of a path
    // (no scheme, no host: localhost) and a trailing one as part of the port or database.
    throw new StemguardError("has leading or trailing whitespace, which Stem does not trim", {
      field,
      value: redacted,
      fix: "remove the whitespace (check quoting in the env file or manifest)",
    });
  }
  let uri;
  try {
    uri = parseDartUri(url);
  } catch (err) {
    if (!(err instanceof DartUriFormatError)) throw err;
    throw new StemguardError(`not a valid URL: ${err.message}`, {
      field,
      value: redacted,
      fix: "write it as rediss://:<password>@<host>:<port>/<db>, e.g. rediss://:pw@redis.internal:6379/0",
    });
  }
  if (uri.scheme !== "" && uri.scheme !== "redis" && uri.scheme !== "rediss") {
    throw new StemguardError(`scheme "${uri.scheme}" is not a Redis scheme`, {
      field,
      value: redacted,
      fix: "use redis:// (plain) or rediss:// (TLS)",
    });
  }
  const scheme = uri.scheme === "rediss" ? "rediss" : "redis";
  const { password, username } = credentialsOf(uri.userInfo);
  const dbSegment = uri.pathSegments[0];
  const dbValue = dbSegment === undefined ? undefined : dartIntTryParse(dbSegment);
  if (dbValue !== undefined && (dbValue > BigInt(Number.MAX_SAFE_INTEGER) || dbValue < -BigInt(Number.MAX_SAFE_INTEGER))) {
    throw new StemguardError("database number is out of range", {
      field,
      value: redacted,
      fix: "use a database index such as /0 or /1",
    });
  }
  const host = uri.host === "" ? "localhost" : uri.host;
  const port = uri.port ?? DEFAULT_REDIS_PORT;
  const db = dbValue === undefined ? undefined : Number(dbValue);
  return {
    redacted: displayUrl(scheme, uri.userInfo, host, port, db),
    source: redacted,
    scheme,
    schemeGiven: uri.scheme !== "",
    tls: scheme === "rediss",
    host,
    hostGiven: uri.host !== "",
    port,
    portGiven: uri.port !== undefined,
    userInfo: uri.userInfo,
    password,
    username,
    db,
    dbSegment,
  };
}

/**
 * Refuses an `@` after the end of the authority: a password (or user) with
 * `/`, `?` or `#` ends Dart's authority early, so Stem would connect to a
 * host and port made of pieces of the password while the text seems to name
 * the host after the `@`.
 */
function refuseAtAfterAuthority(url: string, field: string, redacted: string): void {
  const authorityEnd = /^(?:[^:/?#]+:)?(?:\/\/[^/?#]*)?/.exec(url)?.[0].length ?? 0;
  if (url.indexOf("@", authorityEnd) < 0) return;
  throw new StemguardError(
    "has an '@' after the end of the host part: the password (or user name) contains '/', '?' or '#', which ends the host part early, so Stem would connect to a host and port made of parts of the password",
    {
      field,
      value: redacted,
      fix: "use a password from [A-Za-z0-9._~-] (Stem does not percent-decode, so encoding does not help), e.g. `openssl rand -hex 32`",
    },
  );
}

/** The URL as Stem connects with it, password redacted; the user part only when Stem reads `user:password`. */
function displayUrl(scheme: string, userInfo: string, host: string, port: number, db: number | undefined): string {
  let credentials = "";
  if (userInfo !== "") {
    const parts = userInfo.split(":");
    credentials = parts.length === 2 ? `${parts[0]}:***@` : "***@";
  }
  const hostText = host.includes(":") ? `[${host}]` : host;
  return `${scheme}://${credentials}${hostText}:${port}${db === undefined ? "" : `/${db}`}`;
}

// Stem: `parts.length == 2 ? parts[1] : parts[0]`; the user name is never sent.
function credentialsOf(userInfo: string): { password: string | undefined; username: string | undefined } {
  if (userInfo === "") return { password: undefined, username: undefined };
  const parts = userInfo.split(":");
  if (parts.length === 2) return { password: parts[1], username: parts[0] === "" ? undefined : parts[0] };
  return { password: parts[0], username: undefined };
}

/**
 * Replaces the credentials of a URL with `***` so it can be printed. Works on
 * any text, parseable or not: everything between `//` (or the scheme's `:`)
 * and the LAST `@` of the text is credentials (redact/redact.ts), the user
 * name included (a secret can stand there too). Only the `:` of Stem's
 * usual `:password@` form is kept. `stem health` prints the URL verbatim,
 * password included; stemguard never does.
 */
export function redactUrl(url: string): string {
  const all = redactUrlCredentials(url);
  if (all === url) return url;
  const at = url.lastIndexOf("@");
  const start = all.indexOf("***");
  const userInfo = url.slice(start, at);
  if (userInfo === "") return url;
  if (/[/?#]/.test(userInfo) || userInfo.split(":").length !== 2 || !userInfo.startsWith(":")) return all;
  return `${url.slice(0, start)}:***${url.slice(at)}`;
}

/**
 * Removes every occurrence of a secret from text (defence in depth for error
 * messages that might echo it). Secrets shorter than 3 characters are left
 * alone: scrubbing them would mangle ordinary words.
 */
export function scrubSecret(text: string, secret: string | undefined): string {
  if (secret === undefined || secret.length < 3) return text;
  return text.split(secret).join("***");
}
