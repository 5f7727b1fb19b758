import { StemguardError } from "../errors";
import { renderCensusUserAcl, type CensusUserAcl } from "./census-user";
import { serverTransport } from "./transport";
import type { RedisPhase } from "./types";

/** Where the Redis server finds its files and listens; the same in every phase. */
export interface RedisServerOptions {
  /**
   * Plain TCP port (open until tls-only).
   *
   * @default 6379
   */
  readonly port?: number;
  /**
   * TLS port (open from dual on). Plain and TLS cannot share a port on a
   * self-run Redis, so in dual both are open on different ports.
   *
   * @default 6380
   */
  readonly tlsPort?: number;
  /** The server certificate chain (leaf first), key and the CA bundle that verifies clients, as paths inside the server. */
  readonly tlsFiles?: { readonly cert: string; readonly key: string; readonly ca: string };
  /**
   * The ACL file (`users.acl`) as a path inside the server.
   *
   * @default "/etc/redis/acl/users.acl"
   */
  readonly aclFile?: string;
  /**
   * Unix socket the reloader and the probes use (no TLS, no port change).
   *
   * @default "/run/redis/redis.sock"
   */
  readonly unixSocket?: string;
  /**
   * Data directory (append-only file and snapshots).
   *
   * @default "/data"
   */
  readonly dataDir?: string;
}

/** The options with their defaults. */
export function serverDefaults(options: RedisServerOptions = {}): Required<Omit<RedisServerOptions, "tlsFiles">> & Pick<RedisServerOptions, "tlsFiles"> {
  return {
    port: options.port ?? 6379,
    tlsPort: options.tlsPort ?? 6380,
    tlsFiles: options.tlsFiles,
    aclFile: options.aclFile ?? "/etc/redis/acl/users.acl",
    unixSocket: options.unixSocket ?? "/run/redis/redis.sock",
    dataDir: options.dataDir ?? "/data",
  };
}

const SAFE_PATH = /^\/[A-Za-z0-9._/-]+$/;

function checkOptions(o: ReturnType<typeof serverDefaults>): void {
  for (const [field, port] of [["port", o.port], ["tlsPort", o.tlsPort]] as const) {
    if (!Number.isInteger(port) || port < 1 || port > 65535) throw new StemguardError("a port must be a whole number from 1 to 65535", { field, value: port, fix: "e.g. 6379 (plain) and 6380 (TLS)" });
  }
  if (o.port === o.tlsPort) throw new StemguardError("plain and TLS cannot share a port on a self-run Redis (both are open in dual)", { field: "tlsPort", value: o.tlsPort, fix: "use another TLS port, e.g. 6380" });
  const paths: [string, string][] = [["aclFile", o.aclFile], ["unixSocket", o.unixSocket], ["dataDir", o.dataDir], ...Object.entries(o.tlsFiles ?? {}).map(([k, v]): [string, string] => [`tlsFiles.${k}`, v])];
  for (const [field, value] of paths) {
    if (!SAFE_PATH.test(value)) throw new StemguardError("must be an absolute path of [A-Za-z0-9._/-] (it is written into redis.conf and passed to CONFIG SET unquoted)", { field, value, fix: "e.g. /etc/redis/tls/server.crt" });
  }
}

/**
 * The directives Redis 7 takes at run time with one atomic `CONFIG SET`, so a
 * phase change applies without a restart (a restart of the one Redis drops
 * every worker's connection). Closing a listening port keeps the connections
 * already made on it.
 */
export function liveDirectives(phase: RedisPhase, options: RedisServerOptions = {}): [string, string][] {
  const o = serverDefaults(options);
  checkOptions(o);
  const t = serverTransport(phase);
  const lines: [string, string][] = [];
  if (t.tls) {
    if (!o.tlsFiles) throw new StemguardError(`mode ${phase.mode} needs the server's TLS files`, { field: "tlsFiles", fix: "give the server certificate, key and CA bundle paths (stemguard redis render --tls-dir DIR)" });
    lines.push(["tls-cert-file", o.tlsFiles.cert], ["tls-key-file", o.tlsFiles.key], ["tls-ca-cert-file", o.tlsFiles.ca]);
  }
  // tls-auth-clients is rendered in every TLS phase: Redis's default is yes, which refuses clients without a certificate.
  if (t.tls) lines.push(["tls-auth-clients", t.clientAuth]);
  lines.push(["tls-port", t.tls ? String(o.tlsPort) : "0"], ["port", t.plain ? String(o.port) : "0"]);
  return lines;
}

/** `live.conf`: the live directives, one per line, for the reloader. */
export function renderLiveConf(phase: RedisPhase, options: RedisServerOptions = {}): string {
  return `${liveDirectives(phase, options).map(([k, v]) => `${k} ${v}`).join("\n")}\n`;
}

/** `redis.conf` for a phase: what the server starts with; the live part equals live.conf. */
export function renderRedisConf(phase: RedisPhase, options: RedisServerOptions = {}): string {
  const o = serverDefaults(options);
  const live = liveDirectives(phase, options);
  return [
    "# Rendered by stemguard from the Redis ledger: do not edit; change the ledger one step at a time.",
    `# Phase: TLS mode ${phase.mode}, client certificates ${serverTransport(phase).clientAuth}, ${phase.acceptedPasswords.length} accepted password(s).`,
    "bind 0.0.0.0",
    // Authentication comes from the ACL file; with no password the network policy is the guard.
    `protected-mode ${phase.acceptedPasswords.length > 0 ? "yes" : "no"}`,
    `unixsocket ${o.unixSocket}`,
    "unixsocketperm 700",
    `aclfile ${o.aclFile}`,
    `dir ${o.dataDir}`,
    "appendonly yes",
    "appendfsync everysec",
    ...live.map(([k, v]) => `${k} ${v}`),
    "",
  ].join("\n");
}

/** Options of {@link renderUsersAcl}. */
export interface UsersAclOptions {
  /**
   * Adds the census's read-only user (renderCensusUserAcl, docs/census.md):
   * `stemguard census` and its exporter connect as it and can read `stem:*`
   * keys only.
   *
   * @default - no census user
   */
  readonly censusUser?: CensusUserAcl;
}

/**
 * `users.acl` for a phase: the `default` user (the only one Stem can use: it
 * sends no username, docs/stem-compat.md §4.2) with one `#<sha256>` per
 * accepted password, or `nopass` before the first. `hash` gives an id's
 * lowercase hex SHA-256 (or a Terraform expression that yields it), so no
 * password is ever in the file. `extraUsers` are further ACL lines; the
 * census user, when asked for, comes last.
 */
export function renderUsersAcl(phase: RedisPhase, hash: (passwordId: string) => string, extraUsers: readonly string[] = [], options: UsersAclOptions = {}): string {
  const auth = phase.acceptedPasswords.length === 0 ? "nopass" : phase.acceptedPasswords.map((id) => `#${hash(id)}`).join(" ");
  const census = options.censusUser === undefined ? [] : [renderCensusUserAcl(options.censusUser)];
  return [`user default on ${auth} ~* &* +@all`, ...extraUsers, ...census, ""].join("\n");
}

/** Where the reloader reads its files; the defaults match the Kubernetes construct's mounts. */
export interface ReloaderPaths {
  /** @default "/etc/stemguard/redis/live.conf" */
  readonly liveConf?: string;
  /** @default "/run/redis/redis.sock" */
  readonly unixSocket?: string;
  /** The active password (for AUTH on the socket); absent before the first password. @default "/etc/stemguard/redis-auth/password" */
  readonly passwordFile?: string;
  /** Files whose change must re-apply the config (the ACL file, the TLS files). */
  readonly watch?: readonly string[];
  /** @default 5 */
  readonly intervalSeconds?: number;
}

/**
 * The reloader: a POSIX sh loop (runs in the Redis image, which has
 * redis-cli) that applies live.conf with one atomic CONFIG SET and reloads
 * the ACL file whenever a watched file changes. `--once` applies and exits
 * (tests and manual runs). A failed apply is retried on the next turn.
 */
export function renderReloadScript(paths: ReloaderPaths = {}): string {
  const live = paths.liveConf ?? "/etc/stemguard/redis/live.conf";
  const sock = paths.unixSocket ?? "/run/redis/redis.sock";
  const pw = paths.passwordFile ?? "/etc/stemguard/redis-auth/password";
  const watch = [live, ...(paths.watch ?? [])];
  for (const p of [live, sock, pw, ...watch]) {
    if (!SAFE_PATH.test(p)) throw new StemguardError("must be an absolute path of [A-Za-z0-9._/-]", { field: "reloader path", value: p, fix: "e.g. /etc/stemguard/redis/live.conf" });
  }
  return `#!/bin/sh
# Rendered by stemguard: applies the mounted Redis phase live (CONFIG SET, ACL LOAD), no restart.
set -u
# One apply: the live directives in one atomic CONFIG SET, then the ACL file.
apply() {
  # shellcheck disable=SC2046
  out=$(redis-cli -s ${sock} CONFIG SET $(grep -v '^#' ${live}) 2>&1) && [ "$out" = "OK" ] \\
    && out=$(redis-cli -s ${sock} ACL LOAD 2>&1) && [ "$out" = "OK" ]
}
last=""
while :; do
  now=$(cat ${watch.join(" ")} 2>/dev/null | cksum)
  if [ "$now" != "$last" ]; then
    unset REDISCLI_AUTH
    # The mounted password is the active one; before the first password's ACL is loaded the server has none, so try without.
    if { [ -s ${pw} ] && REDISCLI_AUTH=$(cat ${pw}) && export REDISCLI_AUTH && apply; } || { unset REDISCLI_AUTH; apply; }; then
      last="$now"; echo "stemguard-reload: applied $(tr '\\n' ' ' < ${live})"
    else
      echo "stemguard-reload: not applied yet: $out" >&2
    fi
  fi
  [ "\${1:-}" = "--once" ] && { [ "$now" = "$last" ]; exit $?; }
  sleep ${paths.intervalSeconds ?? 5}
done
`;
}
