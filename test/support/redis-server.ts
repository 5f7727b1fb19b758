/**
 * Starts Debian's `redis-server` with TLS on a free loopback port for
 * integration tests, and stops it. Tests that need it call
 * `redisTlsSupport()` at collection time and skip loudly when it is absent.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as tls from "node:tls";
import { connects, startRedisProcess } from "./redis-process";

/** The line tests print when they cannot run. */
export const REDIS_TLS_SKIP = "SKIP: redis-server with TLS not found; mutual-TLS integration tests did not run";

/** Whether a TLS-capable redis-server is available. */
export type RedisTlsSupport = { readonly ok: true; readonly bin: string } | { readonly ok: false; readonly reason: string };

/** Finds `redis-server`: `$STEMGUARD_REDIS_SERVER` if set (only that), else on PATH or at /usr/bin/redis-server. */
export function findRedisServer(): string | undefined {
  const override = process.env.STEMGUARD_REDIS_SERVER;
  const candidates = override
    ? [override]
    : [
        ...(process.env.PATH ?? "").split(path.delimiter).filter(Boolean).map((dir) => path.join(dir, "redis-server")),
        "/usr/bin/redis-server",
      ];
  return candidates.find((file) => {
    try {
      fs.accessSync(file, fs.constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

let cachedSupport: RedisTlsSupport | undefined;

/**
 * Probes synchronously whether redis-server understands `--tls-port`: with no
 * listener at all a TLS build exits with "Configured to not listen anywhere",
 * a build without TLS rejects the directive.
 */
export function redisTlsSupport(): RedisTlsSupport {
  if (cachedSupport) return cachedSupport;
  const bin = findRedisServer();
  if (!bin) return (cachedSupport = { ok: false, reason: "redis-server not on PATH, at /usr/bin or at $STEMGUARD_REDIS_SERVER" });
  const probe = spawnSync(bin, ["--port", "0", "--tls-port", "0", "--save", "", "--appendonly", "no"], {
    cwd: os.tmpdir(),
    encoding: "utf8",
    timeout: 10000,
  });
  const out = `${probe.stdout ?? ""}${probe.stderr ?? ""}`;
  cachedSupport = /not listen anywhere/i.test(out)
    ? { ok: true, bin }
    : { ok: false, reason: `redis-server at ${bin} does not accept --tls-port: ${out.trim().split("\n").slice(-2).join(" ")}` };
  return cachedSupport;
}

/** Options of {@link startRedisTlsServer}. */
export interface RedisTlsServerOptions {
  /** Server certificate (PEM file). */
  readonly certFile: string;
  /** Server key (PEM file). */
  readonly keyFile: string;
  /** CA the server uses to verify client certificates (PEM file). */
  readonly caFile: string;
  /**
   * Require client certificates (`--tls-auth-clients yes`).
   *
   * @default true
   */
  readonly authClients?: boolean;
  /** `--requirepass`, if any. */
  readonly password?: string;
  /**
   * How long to wait for the server to accept TLS connections.
   *
   * @default 15000
   */
  readonly startTimeoutMs?: number;
}

/** A running server. */
export interface RedisTlsServer {
  readonly host: "127.0.0.1";
  readonly port: number;
  /** Server output so far (for failure messages). */
  output(): string;
  /** Stops the server (SIGTERM, then SIGKILL after 5 s) and removes its temp dir. */
  stop(): Promise<void>;
}

/**
 * Starts `redis-server --port 0 --tls-port <free> ...` bound to 127.0.0.1 in
 * a temp dir, without persistence, and waits (bounded) until a TLS handshake
 * succeeds. Retries on a port taken between probe and bind.
 */
export async function startRedisTlsServer(options: RedisTlsServerOptions): Promise<RedisTlsServer> {
  const support = redisTlsSupport();
  if (!support.ok) throw new Error(support.reason);
  const server = await startRedisProcess({
    bin: support.bin,
    args: (port, dir) => [
      "--port", "0",
      "--tls-port", String(port),
      "--bind", "127.0.0.1",
      "--tls-cert-file", options.certFile,
      "--tls-key-file", options.keyFile,
      "--tls-ca-cert-file", options.caFile,
      "--tls-auth-clients", options.authClients === false ? "no" : "yes",
      "--save", "",
      "--appendonly", "no",
      "--dir", dir,
      ...(options.password !== undefined ? ["--requirepass", options.password] : []),
    ],
    // A handshake without verification: readiness only, the tests verify for real.
    ready: (port) => connects(() => tls.connect({ host: "127.0.0.1", port, rejectUnauthorized: false }), "secureConnect"),
    what: "accept TLS",
    startTimeoutMs: options.startTimeoutMs,
    pollMs: 100,
  });
  return { host: "127.0.0.1", ...server };
}
