import * as net from "node:net";
import * as tls from "node:tls";
import type { RedisUrl } from "./redis-url";
import { scrubSecret } from "./redis-url";
import { RespReader, encodeCommand, type RespReply } from "./resp";
import type { StemTlsConfig } from "./tls-env";
import type { TlsClientMaterial } from "./tls-files";
import { describeError } from "./describe-error";

/** Default bound for TCP connect plus TLS handshake, and for each command. */
export const DEFAULT_HEALTH_TIMEOUT_MS = 5000;

/** Options of {@link checkRedis}. */
export interface RedisCheckOptions {
  /** The `STEM_TLS_*` settings (only `allowInsecure` is read here). */
  readonly tls: StemTlsConfig;
  /** Files loaded by `loadTlsMaterial`; used only for `rediss://`. */
  readonly material: TlsClientMaterial;
  /**
   * Bound for TCP connect plus TLS handshake, in milliseconds.
   *
   * @default 5000
   */
  readonly connectTimeoutMs?: number;
  /**
   * Bound for each command's reply, in milliseconds.
   *
   * @default 5000
   */
  readonly commandTimeoutMs?: number;
}

/** Outcome of one Redis check. `error` never contains the password. */
export type RedisCheckResult =
  | { readonly ok: true }
  | {
      readonly ok: false;
      /** `tls`: the TLS handshake (or a TLS alert right after it) failed; `connection`: anything else. */
      readonly failure: "tls" | "connection";
      readonly error: string;
    };

type Phase = "connect" | "handshake" | "commands";

/**
 * Connects the way Stem does and then proves the server answers: TLS for
 * `rediss://` (hostname verified against the URL host, Node's default
 * `checkServerIdentity`; client certificate when both files are set;
 * verification off only with `allowInsecure`), then `AUTH <password>` when the
 * URL has userinfo, `SELECT <db>` when it has a database, and `PING` (Stem
 * stops after connecting). One attempt, bounded by timeouts; the socket is
 * always destroyed.
 */
export function checkRedis(url: RedisUrl, options: RedisCheckOptions): Promise<RedisCheckResult> {
  const connectTimeout = options.connectTimeoutMs ?? DEFAULT_HEALTH_TIMEOUT_MS;
  const commandTimeout = options.commandTimeoutMs ?? DEFAULT_HEALTH_TIMEOUT_MS;
  const commands: string[][] = [];
  if (url.password !== undefined) commands.push(["AUTH", url.password]);
  if (url.db !== undefined) commands.push(["SELECT", String(url.db)]);
  commands.push(["PING"]);

  // net.connect and tls.connect check the port only after creating the socket's
  // TCP handle, and their throw leaves that handle (and socket) unreachable, so
  // it is never closed: refuse a bad port before any socket exists.
  if (!Number.isInteger(url.port) || url.port < 0 || url.port > 65535) {
    return Promise.resolve({ ok: false, failure: "connection", error: `port ${url.port} is out of range (0 to 65535)` });
  }

  return new Promise((resolve) => {
    let phase: Phase = "connect";
    let settled = false;
    let current: string[] | undefined;
    let timer: NodeJS.Timeout | undefined;
    const reader = new RespReader();
    let socket: net.Socket;

    const finish = (result: RedisCheckResult) => {
      if (settled) return;
      settled = true;
      if (timer) clearTimeout(timer);
      socket.destroy();
      resolve(result.ok ? result : { ...result, error: scrubSecret(result.error, url.password) });
    };
    const fail = (failure: "tls" | "connection", error: string) => finish({ ok: false, failure, error });
    const arm = (ms: number, what: () => string) => {
      if (timer) clearTimeout(timer);
      timer = setTimeout(() => fail(phase === "handshake" ? "tls" : "connection", `timed out after ${ms} ms ${what()}`), ms);
    };
    const sendNext = () => {
      current = commands.shift();
      if (current === undefined) return finish({ ok: true });
      arm(commandTimeout, () => `waiting for the reply to ${(current as string[])[0]}`);
      socket.write(encodeCommand(current));
    };
    const onReply = (reply: RespReply) => {
      const name = current?.[0] ?? "?";
      if (reply.type === "error") return fail("connection", `Redis rejected ${name}: ${reply.value}`);
      if (name === "PING" && !(reply.type === "simple" && reply.value === "PONG")) {
        return fail("connection", `unexpected reply to PING: ${JSON.stringify(reply.value).slice(0, 80)}`);
      }
      sendNext();
    };
    const startCommands = () => {
      phase = "commands";
      sendNext();
    };

    try {
      socket = url.tls
        ? tls.connect({
            host: url.host,
            port: url.port,
            // Node sends no SNI for IP literals and warns when asked to; it then
            // verifies against `host`, matching IP SANs only, as BoringSSL does for Stem.
            ...(net.isIP(url.host) === 0 ? { servername: url.host } : {}),
            ...(options.material.ca !== undefined ? { ca: [...options.material.ca] } : {}),
            ...(options.material.cert !== undefined ? { cert: options.material.cert, key: options.material.key } : {}),
            rejectUnauthorized: !options.tls.allowInsecure,
          })
        : net.connect({ host: url.host, port: url.port });
    } catch (err) {
      // Synchronous throws: bad TLS material (before any socket exists; this
      // handle-less socket only gives `finish` something to destroy).
      socket = new net.Socket();
      fail("connection", describeError(err));
      return;
    }
    arm(connectTimeout, () => (phase === "handshake" ? "during the TLS handshake" : `connecting to ${url.host}:${url.port}`));
    socket.once("connect", () => {
      if (url.tls) phase = "handshake";
      else startCommands();
    });
    if (url.tls) socket.once("secureConnect", startCommands);
    socket.on("data", (chunk: Buffer) => {
      try {
        reader.push(chunk);
        for (let reply = reader.next(); reply !== undefined && !settled; reply = reader.next()) onReply(reply);
      } catch (err) {
        fail("connection", describeError(err));
      }
    });
    socket.on("error", (err: NodeJS.ErrnoException) => {
      // A TLS 1.3 server rejects a missing client certificate with an alert
      // that arrives after the client considers the handshake done.
      const tlsAlert = typeof err.code === "string" && err.code.startsWith("ERR_SSL_");
      fail(phase === "handshake" || (url.tls && tlsAlert) ? "tls" : "connection", describeError(err));
    });
    socket.on("close", () => {
      const when = current ? ` before answering ${current[0]}` : phase === "handshake" ? " during the TLS handshake" : "";
      fail(phase === "handshake" ? "tls" : "connection", `connection closed by the server${when}`);
    });
  });
}

