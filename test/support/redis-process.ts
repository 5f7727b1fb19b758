/**
 * One redis-server process for a test file: a free loopback port, a temp dir,
 * captured output, a bounded wait until `ready`, stop (SIGTERM, then SIGKILL
 * after 5 s) and a retry when the port was taken between probe and bind. The
 * plain (redis-plain-server.ts) and TLS (redis-server.ts) launchers differ only
 * in their arguments and readiness probe.
 */
import { spawn, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";

export interface RedisProcess {
  readonly port: number;
  output(): string;
  stop(): Promise<void>;
}

export interface RedisProcessOptions {
  readonly bin: string;
  /** The command line for the chosen port and temp dir (may write files into `dir` first). */
  readonly args: (port: number, dir: string) => string[];
  /** Whether the server serves yet. */
  readonly ready: (port: number) => Promise<boolean>;
  /** For the failure message: `redis-server did not <what> on 127.0.0.1:<port>`. */
  readonly what: string;
  /** @default 15000 */
  readonly startTimeoutMs?: number;
  readonly pollMs: number;
}

const running = new Set<ChildProcess>();
process.once("exit", () => {
  for (const child of running) child.kill("SIGKILL");
});

/** Starts the server; up to three attempts while the port turns out to be taken. */
export async function startRedisProcess(options: RedisProcessOptions): Promise<RedisProcess> {
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      return await startOnce(options);
    } catch (err) {
      lastError = err;
      if (!/Address already in use/i.test(String(err))) throw err;
    }
  }
  throw lastError;
}

async function startOnce(options: RedisProcessOptions): Promise<RedisProcess> {
  const port = await freePort();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "stemguard-redis-"));
  const child = spawn(options.bin, options.args(port, dir), { cwd: dir, stdio: ["ignore", "pipe", "pipe"] });
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
    // A failed spawn emits 'error' and no 'exit': without this the error is
    // unhandled and stop() would wait forever.
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
  while (!(await options.ready(port))) {
    if (exited || Date.now() > deadline) {
      await stop();
      throw new Error(`redis-server did not ${options.what} on 127.0.0.1:${port}${exited ? " (it exited)" : ""}:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, options.pollMs));
  }
  return { port, output: () => output, stop };
}

/** Whether a socket made by `connect` reaches `event` within a second. */
export function connects(connect: () => net.Socket, event: "connect" | "secureConnect"): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect();
    const done = (ok: boolean) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(ok);
    };
    const timer = setTimeout(() => done(false), 1000);
    socket.once(event, () => done(true));
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
