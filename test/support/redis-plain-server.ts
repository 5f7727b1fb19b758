/**
 * Starts Debian's `redis-server` without TLS on a free loopback port (one per
 * test file), optionally with an ACL file, and stops it. Tests call
 * `findRedisServer()` at collection time and skip loudly when it is absent.
 */
import * as fs from "node:fs";
import * as net from "node:net";
import * as path from "node:path";
import { connects, startRedisProcess } from "./redis-process";
import { findRedisServer } from "./redis-server";

/** The line tests print when they cannot run. */
export const REDIS_SKIP = "SKIP: redis-server not found; census integration tests did not run";

/** A running server. */
export interface RedisPlainServer {
  readonly port: number;
  /** `redis://127.0.0.1:<port>` (add credentials for ACL users). */
  readonly url: string;
  output(): string;
  stop(): Promise<void>;
}

/** Starts redis-server on 127.0.0.1 in a temp dir, without persistence; `aclFile` text is written and loaded when given. */
export async function startRedisServer(options: { aclFile?: string; startTimeoutMs?: number } = {}): Promise<RedisPlainServer> {
  const bin = findRedisServer();
  if (!bin) throw new Error("redis-server not found");
  const server = await startRedisProcess({
    bin,
    args: (port, dir) => {
      const acl = path.join(dir, "users.acl");
      if (options.aclFile !== undefined) fs.writeFileSync(acl, options.aclFile, { mode: 0o600 });
      return ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir, ...(options.aclFile !== undefined ? ["--aclfile", acl] : [])];
    },
    ready: (port) => connects(() => net.connect({ host: "127.0.0.1", port }), "connect"),
    what: "listen",
    startTimeoutMs: options.startTimeoutMs,
    pollMs: 50,
  });
  return { ...server, url: `redis://127.0.0.1:${server.port}` };
}
