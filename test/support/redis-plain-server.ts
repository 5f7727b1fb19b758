/**
 * Starts Debian's `redis-server` without TLS on a free loopback port (one per
 * test file), optionally with an ACL file, and stops it. Tests call
 * `findRedisServer()` at collection time and skip loudly when it is absent.
 */
import { spawn, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
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

const running = new Set<ChildProcess>();
process.once("exit", () => {
  for (const child of running) child.kill("SIGKILL");
});

/** Starts redis-server on 127.0.0.1 in a temp dir, without persistence; `aclFile` text is written and loaded when given. */
export async function startRedisServer(options: { aclFile?: string; startTimeoutMs?: number } = {}): Promise<RedisPlainServer> {
  const bin = findRedisServer();
  if (!bin) throw new Error("redis-server not found");
  for (let attempt = 0; ; attempt++) {
    try {
      return await startOnce(bin, options);
    } catch (err) {
      if (attempt >= 2 || !/Address already in use/i.test(String(err))) throw err;
    }
  }
}

async function startOnce(bin: string, options: { aclFile?: string; startTimeoutMs?: number }): Promise<RedisPlainServer> {
  const port = await freePort();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "stemguard-redis-"));
  const acl = path.join(dir, "users.acl");
  if (options.aclFile !== undefined) fs.writeFileSync(acl, options.aclFile, { mode: 0o600 });
  const args = ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir, ...(options.aclFile !== undefined ? ["--aclfile", acl] : [])];
  const child = spawn(bin, args, { cwd: dir, stdio: ["ignore", "pipe", "pipe"] });
  running.add(child);
  let output = "";
  const append = (chunk: Buffer) => {
    if (output.length < 64 * 1024) output += chunk.toString("utf8");
  };
  child.stdout?.on("data", append);
  child.stderr?.on("data", append);
  let exited = false;
  const exitPromise = new Promise<void>((resolve) => {
    const gone = () => {
      exited = true;
      running.delete(child);
      resolve();
    };
    child.once("exit", gone);
    child.once("error", (err) => {
      output += `spawn failed: ${err.message}\n`;
      gone();
    });
  });
  const stop = async () => {
    if (!exited) {
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
      await exitPromise;
      clearTimeout(timer);
    }
    fs.rmSync(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + (options.startTimeoutMs ?? 15000);
  while (!(await accepts(port))) {
    if (exited || Date.now() > deadline) {
      await stop();
      throw new Error(`redis-server did not listen on 127.0.0.1:${port}${exited ? " (it exited)" : ""}:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return { port, url: `redis://127.0.0.1:${port}`, output: () => output, stop };
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: "127.0.0.1", port });
    const done = (ok: boolean) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(ok);
    };
    const timer = setTimeout(() => done(false), 1000);
    socket.once("connect", () => done(true));
    socket.once("error", () => done(false));
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
