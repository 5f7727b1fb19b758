import type { ConfigIssue } from "./issues";
import type { RedisUrl } from "./redis-url";

/** Password characters that survive Stem's URL handling unchanged (docs/stem-compat.md §4.2, §9 item 7). */
export const SAFE_PASSWORD = /^[A-Za-z0-9._~-]+$/;

/** Context for {@link redisUrlIssues}. */
export interface RedisUrlIssueContext {
  /**
   * Name of the input in messages.
   *
   * @default "url"
   */
  readonly field?: string;
  /**
   * Whether any `STEM_TLS_*` path is set (Stem ignores them for `redis://`).
   *
   * @default false
   */
  readonly tlsEnvSet?: boolean;
}

/**
 * Stricter checks than Stem's for a parsed Redis URL: each finding is a URL
 * Stem accepts but that does not do what it seems to (a password Stem mangles,
 * an ACL user it ignores, TLS settings it ignores on `redis://`, a database it
 * does not select). Messages never contain the password.
 */
export function redisUrlIssues(url: RedisUrl, context: RedisUrlIssueContext = {}): ConfigIssue[] {
  const field = context.field ?? "url";
  const issues: ConfigIssue[] = [];
  const add = (code: string, message: string) => issues.push({ code, message: `${field}: ${message}` });

  if (!url.schemeGiven) {
    add("scheme-missing", "has no scheme; Stem treats it as redis:// (plain TCP). Write rediss:// or redis:// explicitly");
  }
  if (url.password !== undefined) {
    const parts = url.userInfo.split(":").length;
    if (parts > 2) {
      add(
        "userinfo-colons",
        "userinfo has more than one ':'; Stem then sends only the text before the first ':' as the password. Use a password from [A-Za-z0-9._~-]",
      );
    } else if (url.password === "") {
      add("password-empty", "has an empty password; Stem sends AUTH with an empty string. Remove the userinfo or set a password");
    } else if (!SAFE_PASSWORD.test(url.password)) {
      add(
        "password-charset",
        "password has characters outside [A-Za-z0-9._~-]; Stem does not percent-decode, so Redis would receive the encoded text. Generate a password from [A-Za-z0-9._~-]",
      );
    }
    if (url.username !== undefined) {
      add(
        "acl-username",
        `names ACL user "${url.username}", which Stem ignores (it sends AUTH <password> for the default user only). Use rediss://:<password>@host`,
      );
    }
    if (!url.tls) {
      add("password-plaintext", "sends a password over plain TCP (redis://); use rediss:// so it travels inside TLS");
    }
  }
  if (!url.tls && context.tlsEnvSet) {
    add("tls-env-ignored", "uses redis:// while STEM_TLS_* paths are set; Stem ignores them and connects without TLS. Use rediss://");
  }
  if (!url.portGiven && portTextOf(url.source) !== "") {
    add("port-zero", "has port 0 (or an empty port), which Dart drops, so Stem connects to 6379. Write the port explicitly");
  }
  if (url.port > 65535) add("port-range", `port ${url.port} is above 65535`);
  if (url.dbSegment !== undefined) {
    if (url.db === undefined) {
      add("db-ignored", `path "/${url.dbSegment}" is not a database number; Stem ignores it and uses database 0. Use /0, /1, ...`);
    } else if (url.db < 0) {
      add("db-negative", `database ${url.db} is negative; Redis will refuse SELECT`);
    } else if (!/^(0|[1-9][0-9]*)$/.test(url.dbSegment)) {
      add("db-format", `database "${url.dbSegment}" is read by Stem as ${url.db}; write it as /${url.db}`);
    }
  }
  return issues;
}

// The text after the host's ':' up to the path, from the redacted form (no secret involved).
function portTextOf(redacted: string): string {
  const authority = /^[^:/?#]*:\/\/([^/?#]*)/.exec(redacted)?.[1] ?? "";
  const hostPort = authority.slice(authority.lastIndexOf("@") + 1);
  const m = hostPort.startsWith("[") ? /\](:.*)?$/.exec(hostPort)?.[1] : /(:.*)$/.exec(hostPort)?.[1];
  return m ?? "";
}
