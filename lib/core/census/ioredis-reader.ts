import * as net from "node:net";
import type { RedisOptions } from "ioredis";
import { scrubSecret, type RedisUrl } from "../health/redis-url";
import type { StemTlsConfig } from "../health/tls-env";
import type { TlsClientMaterial } from "../health/tls-files";
import type { CensusRedis, PendingEntry, StreamEntry, StreamGroup } from "./reader";
import { describeError } from "../health/describe-error";

/** Default bound for connect plus TLS handshake, and for each command, in milliseconds. */
export const DEFAULT_CENSUS_TIMEOUT_MS = 10_000;

/** A failed connection (`tls`: the handshake; `connection`: anything else, AUTH included) or a refused command. Never holds the password. */
export class CensusConnectionError extends Error {
  constructor(
    readonly failure: "tls" | "connection" | "command",
    message: string,
  ) {
    super(message);
    this.name = "CensusConnectionError";
  }
}

/** Options of {@link connectCensusRedis}. */
export interface CensusConnectOptions {
  /** The `STEM_TLS_*` settings (only `allowInsecure` is read here). */
  readonly tls: StemTlsConfig;
  /** Files loaded by `loadTlsMaterial`; used only for `rediss://`. */
  readonly material: TlsClientMaterial;
  /**
   * Bound for connect plus TLS handshake, and for each command, in milliseconds.
   *
   * @default 10000
   */
  readonly timeoutMs?: number;
}

/** An open connection: the census commands, and close(). */
export interface CensusConnection {
  readonly redis: CensusRedis;
  close(): Promise<void>;
}

/**
 * Connects with ioredis the way `stemguard health` connects (TLS for
 * `rediss://`, hostname verified against the URL host, client certificate
 * from `STEM_TLS_*`; verification off only with allow-insecure), sending the
 * URL's user name too (Stem sends none; the census's read-only ACL user needs
 * one). One attempt, no reconnect, no offline queue, and none of ioredis's
 * extra start-up commands (INFO ready check, CLIENT SETINFO, maintenance
 * notifications): the read-only user may send only what CENSUS_COMMANDS names.
 *
 * @throws CensusConnectionError when the connection, the handshake or AUTH fails
 */
export async function connectCensusRedis(url: RedisUrl, options: CensusConnectOptions): Promise<CensusConnection> {
  // Loaded here, not at the top: importing "stemguard" must not load a Redis client (~50 ms).
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { Redis: RedisClient } = require("ioredis") as typeof import("ioredis");
  const timeout = options.timeoutMs ?? DEFAULT_CENSUS_TIMEOUT_MS;
  const { material } = options;
  const redisOptions: RedisOptions = {
    host: url.host,
    port: url.port,
    ...(url.password !== undefined ? { password: url.password } : {}),
    ...(url.username !== undefined ? { username: url.username } : {}),
    ...(url.db !== undefined ? { db: url.db } : {}),
    ...(url.tls
      ? {
          tls: {
            ...(net.isIP(url.host) === 0 ? { servername: url.host } : {}),
            ...(material.ca !== undefined ? { ca: [...material.ca] } : {}),
            ...(material.cert !== undefined ? { cert: material.cert, key: material.key } : {}),
            rejectUnauthorized: !options.tls.allowInsecure,
          },
        }
      : {}),
    lazyConnect: true,
    enableReadyCheck: false,
    enableOfflineQueue: true,
    disableClientInfo: true,
    maintNotifications: "disabled",
    autoResubscribe: false,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    reconnectOnError: () => false,
    connectTimeout: timeout,
    commandTimeout: timeout,
    // After a failed connect ioredis keeps a timer to destroy the (already dead) socket: it would hold the process 2 s.
    disconnectTimeout: 100,
  };
  const client = new RedisClient(redisOptions);
  let lastError: Error | undefined;
  // Without a listener ioredis prints "Unhandled error event" with the error.
  client.on("error", (err: Error) => void (lastError = err));
  try {
    await client.connect();
  } catch (err) {
    client.disconnect();
    throw new CensusConnectionError(isTlsError(lastError ?? err, url.tls) || isTlsError(err, url.tls) ? "tls" : "connection", `cannot connect to ${url.redacted}: ${scrubSecret(describeError(lastError !== undefined && /Connection is closed/.test(describeError(err)) ? lastError : err), url.password)}`);
  }
  const run = async <T>(name: string, f: () => Promise<T>): Promise<T> => {
    try {
      return await f();
    } catch (err) {
      const text = scrubSecret(describeError(err), url.password);
      const refused = /^NOPERM|^NOAUTH|^ERR unknown command/.test(text);
      throw new CensusConnectionError(refused ? "command" : "connection", `Redis ${refused ? "refused" : "failed"} ${name} on ${url.redacted}: ${text}`);
    }
  };
  const redis: CensusRedis = {
    scan: (cursor, match, type, count) =>
      run("SCAN", async () => {
        const [next, keys] = (await client.call("SCAN", cursor, "MATCH", match, "TYPE", type, "COUNT", count)) as [string, string[]];
        return { cursor: String(next), keys: keys.map(String) };
      }),
    xinfoGroups: (key) =>
      run("XINFO GROUPS", async () => {
        try {
          return parseGroups(await client.call("XINFO", "GROUPS", key));
        } catch (err) {
          // The key went away between SCAN and now (a queue purge): nothing to read.
          if (/no such key/i.test(describeError(err))) return [];
          throw err;
        }
      }),
    xlen: (key) => run("XLEN", () => client.xlen(key)),
    xrange: (key, start, end, count) => run("XRANGE", async () => parseEntries(await client.xrange(key, start, end, "COUNT", count))),
    xpending: (key, group, start, end, count) => run("XPENDING", async () => parsePending(await client.xpending(key, group, start, end, count))),
    zscan: (key, cursor, count) =>
      run("ZSCAN", async () => {
        const [next, flat] = await client.zscan(key, cursor, "COUNT", count);
        const members: { member: string; score: string }[] = [];
        for (let i = 0; i + 1 < flat.length; i += 2) members.push({ member: String(flat[i]), score: String(flat[i + 1]) });
        return { cursor: String(next), members };
      }),
    llen: (key) => run("LLEN", () => client.llen(key)),
    lrange: (key, start, stop) => run("LRANGE", () => client.lrange(key, start, stop)),
  };
  return {
    redis,
    close: async () => {
      try {
        await client.quit();
      } catch {
        client.disconnect();
      }
    },
  };
}

function parseGroups(reply: unknown): StreamGroup[] {
  if (!Array.isArray(reply)) return [];
  return reply.map((group) => {
    const fields = pairs(group);
    return { name: String(fields.get("name")), lastDeliveredId: String(fields.get("last-delivered-id") ?? "0-0"), pending: Number(fields.get("pending") ?? 0) };
  });
}

// A RESP2 flat array or (RESP3 with object mapping) a plain object.
function pairs(value: unknown): Map<string, unknown> {
  if (Array.isArray(value)) {
    const map = new Map<string, unknown>();
    for (let i = 0; i + 1 < value.length; i += 2) map.set(String(value[i]), value[i + 1]);
    return map;
  }
  return new Map(Object.entries((value ?? {}) as Record<string, unknown>));
}

function parseEntries(reply: [id: string, fields: string[]][]): StreamEntry[] {
  return reply.map(([id, fields]) => ({ id: String(id), fields: (fields ?? []).map(String) }));
}

function parsePending(reply: unknown[]): PendingEntry[] {
  return reply.map((row) => {
    const [id, consumer, idle, deliveries] = row as [string, string, number, number];
    return { id: String(id), consumer: String(consumer), idleMs: Number(idle), deliveries: Number(deliveries) };
  });
}

function isTlsError(err: unknown, tls: boolean): boolean {
  if (!tls || typeof err !== "object" || err === null) return false;
  const code = (err as NodeJS.ErrnoException).code;
  const message = String((err as Error).message ?? "");
  return (typeof code === "string" && (code.startsWith("ERR_SSL_") || code.startsWith("ERR_TLS_") || /CERT|SELF_SIGNED|UNABLE_TO|HOSTNAME/.test(code))) || /certificate|handshake|SSL|TLS/i.test(message);
}

