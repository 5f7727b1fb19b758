/**
 * The Redis ledger against Debian's real redis-server: for every phase of a
 * full walk (plain -> dual -> clients-tls -> tls-only, client certificates
 * optional -> yes, a password rotation, then a CA rotation), the server runs
 * exactly the files `stemguard redis render` writes, phases are applied live
 * by the rendered reloader (CONFIG SET + ACL LOAD, no restart), and every
 * role's rendered env connects with `stemguard health`'s checks (AUTH and
 * SELECT as Stem sends them) to the server of its own phase and of the next
 * one. One client stays connected across every phase change.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { X509Certificate } from "node:crypto";
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import * as tls from "node:tls";
import { runHealthChecks } from "../../lib/core/health/run-health";
import { renderRedisClientEnv } from "../../lib/core/redis/client-env";
import { redisConnects } from "../../lib/core/redis/drill";
import { applyRedisPasswordStep, applyRedisTlsStep, initRedisLedger, redisWalk, type RedisLedger } from "../../lib/core/redis/ledger-file";
import { generateRedisPassword, redisPasswordHash } from "../../lib/core/redis/password";
import { renderLiveConf, renderRedisConf, renderReloadScript, renderUsersAcl } from "../../lib/core/redis/server-config";
import type { RedisPhase } from "../../lib/core/redis/types";
import { generateTlsBundle } from "../../lib/core/tls/generate";
import type { TlsBundle } from "../../lib/core/tls/types";
import { REDIS_TLS_SKIP, redisTlsSupport } from "../support/redis-server";

const support = redisTlsSupport();
const describeRedis = support.ok ? describe : describe.skip;
if (!support.ok) console.warn(`${REDIS_TLS_SKIP} (${support.reason})`);

/** The Service DNS names the server certificate covers (namespace stem, Service stem-redis). */
const SERVICE_NAMES = ["stem-redis.stem.svc", "stem-redis.stem.svc.cluster.local", "stem-redis-0.stem-redis-headless.stem.svc.cluster.local"];

function walkLedger(): RedisLedger {
  let l = initRedisLedger("plain");
  const m = (mode: "dual" | "clients-tls" | "tls-only") => (l = applyRedisTlsStep(l, { op: "mode", mode }));
  const a = (clientAuth: "optional" | "yes") => (l = applyRedisTlsStep(l, { op: "client-auth", clientAuth }));
  const p = (op: "init" | "stage" | "activate" | "retire", id: string) => (l = applyRedisPasswordStep(l, op, id));
  m("dual");
  p("init", "pw1");
  m("clients-tls");
  a("optional");
  a("yes");
  m("tls-only");
  p("stage", "pw2");
  p("activate", "pw2");
  p("retire", "pw1");
  return l;
}

/** Which CA files the server and clients hold (a CA rotation from the TLS ledger: stage-ca, reissue-leaves, retire-ca). */
interface TlsFiles {
  readonly label: string;
  readonly serverCert: string;
  readonly serverKey: string;
  /** The server's trust bundle for client certificates. */
  readonly serverCa: string;
  readonly clientCa: string;
  readonly clientCert: string;
  readonly clientKey: string;
}

interface Phase {
  readonly label: string;
  readonly redis: RedisPhase;
  readonly tls: TlsFiles;
}

const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const s = net.createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });

describeRedis("the Redis ledger's phases on a real redis-server", () => {
  let root: string;
  let server: ChildProcess;
  let serverOutput = "";
  let port: number;
  let tlsPort: number;
  let a: TlsBundle;
  let b: TlsBundle;
  const passwords = new Map<string, string>();
  let phases: Phase[];
  const serverDir = () => path.join(root, "server");
  const tlsDir = () => path.join(root, "server", "tls");
  const sock = () => path.join(root, "redis.sock");

  /** Writes `files` into the server's mounted locations (as the kubelet swaps a Secret volume). */
  function mount(phase: Phase): void {
    const write = (name: string, text: string, mode = 0o600) => {
      const file = path.join(name.startsWith("tls/") ? tlsDir() : serverDir(), name.replace(/^tls\//, ""));
      fs.writeFileSync(`${file}.tmp`, text, { mode });
      fs.renameSync(`${file}.tmp`, file);
    };
    const t = phase.tls;
    write("tls/server.crt", t.serverCert);
    write("tls/server.key", t.serverKey);
    write("tls/ca.crt", t.serverCa);
    const options = serverOptions();
    write("redis.conf", renderRedisConf(phase.redis, options), 0o644);
    write("live.conf", renderLiveConf(phase.redis, options), 0o644);
    write("users.acl", renderUsersAcl(phase.redis, (id) => redisPasswordHash(passwords.get(id)!)));
    write("password", phase.redis.activePassword ? `${passwords.get(phase.redis.activePassword)}\n` : "");
  }

  const serverOptions = () => ({
    port,
    tlsPort,
    tlsFiles: { cert: path.join(tlsDir(), "server.crt"), key: path.join(tlsDir(), "server.key"), ca: path.join(tlsDir(), "ca.crt") },
    aclFile: path.join(serverDir(), "users.acl"),
    unixSocket: sock(),
    dataDir: path.join(root, "data"),
  });

  /** Runs the rendered reloader once, as the sidecar does on a change. */
  function reload(): string {
    const script = path.join(root, "reload.sh");
    fs.writeFileSync(script, renderReloadScript({ liveConf: path.join(serverDir(), "live.conf"), unixSocket: sock(), passwordFile: path.join(serverDir(), "password"), watch: [path.join(serverDir(), "users.acl")] }), { mode: 0o755 });
    const res = spawnSync("sh", [script, "--once"], { encoding: "utf8", timeout: 20_000 });
    if (res.status !== 0) throw new Error(`reload.sh failed (${res.status}): ${res.stdout}${res.stderr}\nserver:\n${serverOutput}`);
    return res.stdout;
  }

  /** A role's Stem env in a phase, as the constructs and `env render` give it (host localhost: a SAN of the test certificate). */
  function roleEnv(phase: Phase): Record<string, string> {
    const dir = path.join(root, "client", phase.label);
    fs.mkdirSync(dir, { recursive: true });
    const files = { ca: path.join(dir, "ca.crt"), clientCert: path.join(dir, "client.crt"), clientKey: path.join(dir, "client.key") };
    fs.writeFileSync(files.ca, phase.tls.clientCa);
    fs.writeFileSync(files.clientCert, phase.tls.clientCert);
    fs.writeFileSync(files.clientKey, phase.tls.clientKey, { mode: 0o600 });
    return Object.fromEntries(renderRedisClientEnv(phase.redis, { host: "localhost", port, tlsPort, tlsFiles: files }, (id) => passwords.get(id)!));
  }

  async function health(env: Record<string, string>): Promise<{ code: number; messages: string[] }> {
    const run = await runHealthChecks({ env, connectTimeoutMs: 3000, commandTimeoutMs: 3000 });
    return { code: run.exitCode, messages: run.results.map((r) => `${r.component}: ${r.status}: ${r.message}`) };
  }

  /** Sends RESP commands on a new connection and returns the replies (or the connection error). */
  async function raw(commands: string[][], over: { tls?: tls.ConnectionOptions } = {}): Promise<string> {
    return new Promise((resolve) => {
      const socket = over.tls ? tls.connect({ host: "127.0.0.1", port: tlsPort, ...over.tls }) : net.connect(port, "127.0.0.1");
      let out = "";
      const done = (text: string) => {
        clearTimeout(timer);
        socket.destroy();
        resolve(text);
      };
      const timer = setTimeout(() => done(out || "timeout"), 3000);
      socket.once(over.tls ? "secureConnect" : "connect", () => socket.write(commands.map((c) => `*${c.length}\r\n${c.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join("")}`).join("")));
      socket.on("data", (c: Buffer) => {
        out += c.toString();
        if (out.split("\r\n").length > commands.length) done(out);
      });
      socket.once("error", (err: NodeJS.ErrnoException) => done(`error: ${err.code ?? err.message}`));
      socket.once("close", () => done(out || "closed"));
    });
  }

  /** The Must-show checks of one phase, beyond "each env connects". */
  async function probes(phase: Phase): Promise<void> {
    const r = phase.redis;
    const ca = phase.tls.clientCa;
    const withCert = { ca, cert: phase.tls.clientCert, key: phase.tls.clientKey, servername: SERVICE_NAMES[1] };
    const pw = (id: string) => ["AUTH", passwords.get(id)!];
    // Plain is refused in tls-only (for new connections).
    expect(await raw([["PING"]])).toMatch(r.mode === "tls-only" ? /^error: ECONNREFUSED/ : /^\+PONG|NOAUTH/);
    if (r.mode === "plain") return;
    // Hostname verification against the Service DNS names, not only 127.0.0.1; a name outside the SANs fails.
    for (const name of SERVICE_NAMES) expect(await raw([["PING"]], { tls: { ...withCert, servername: name } })).toMatch(/^\+PONG|NOAUTH/);
    expect(await raw([["PING"]], { tls: { ...withCert, servername: "other.stem.svc.cluster.local" } })).toMatch(/^error: ERR_TLS_CERT_ALTNAME_INVALID/);
    // Client certificates: refused without one only once client-auth is yes.
    const noCert = await raw([["PING"]], { tls: { ca, servername: SERVICE_NAMES[1] } });
    if (r.clientAuth === "yes") expect(noCert).toMatch(/^error|^closed|^$/);
    else expect(noCert).toMatch(/^\+PONG|NOAUTH/);
    // Every accepted password works; a retired one is refused for new connections.
    for (const id of ["pw1", "pw2"]) {
      const reply = await raw([pw(id), ["PING"]], { tls: withCert });
      if (r.acceptedPasswords.includes(id)) expect(reply).toBe("+OK\r\n+PONG\r\n");
      else if (r.acceptedPasswords.length > 0) expect(reply).toMatch(/^-WRONGPASS/);
    }
    // The server presents the leaf of the phase (a CA rotation's reissue is applied live).
    const presented = await new Promise<string>((resolve) => {
      const s = tls.connect({ host: "127.0.0.1", port: tlsPort, ...withCert }, () => {
        resolve(s.getPeerX509Certificate()?.fingerprint256 ?? "");
        s.destroy();
      });
      s.once("error", () => resolve("error"));
    });
    expect(presented).toBe(new X509Certificate(phase.tls.serverCert).fingerprint256);
  }

  beforeAll(async () => {
    root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "sg-redis-phases-")));
    fs.mkdirSync(tlsDir(), { recursive: true });
    fs.mkdirSync(path.join(root, "data"));
    port = await freePort();
    tlsPort = await freePort();
    [a, b] = await Promise.all([0, 1].map(() => generateTlsBundle({ sans: [...SERVICE_NAMES, "localhost", "127.0.0.1"], keySize: 2048, days: 30 })));
    for (const id of ["pw1", "pw2"]) passwords.set(id, generateRedisPassword());
    const onA: TlsFiles = { label: "ca-a", serverCert: a.serverCertPem, serverKey: a.serverKeyPem, serverCa: a.caCertPem, clientCa: a.caCertPem, clientCert: a.clientCertPem, clientKey: a.clientKeyPem };
    const redisPhases = redisWalk(walkLedger());
    const last = redisPhases.at(-1)!.phase;
    phases = [
      ...redisPhases.map((p) => ({ label: `${p.index}-${p.step.replace(/\s+/g, "_")}`, redis: p.phase, tls: onA })),
      { label: "stage-ca", redis: last, tls: { ...onA, label: "stage-ca", serverCa: a.caCertPem + b.caCertPem, clientCa: a.caCertPem + b.caCertPem } },
      { label: "reissue-leaves", redis: last, tls: { label: "reissue", serverCert: b.serverCertPem, serverKey: b.serverKeyPem, serverCa: a.caCertPem + b.caCertPem, clientCa: a.caCertPem + b.caCertPem, clientCert: b.clientCertPem, clientKey: b.clientKeyPem } },
      { label: "retire-ca", redis: last, tls: { label: "retire", serverCert: b.serverCertPem, serverKey: b.serverKeyPem, serverCa: b.caCertPem, clientCa: b.caCertPem, clientCert: b.clientCertPem, clientKey: b.clientKeyPem } },
    ];
    mount(phases[0]);
    // The rendered redis.conf as the only configuration; bind and the temp dir are the test's.
    server = spawn(support.ok ? support.bin : "redis-server", [path.join(serverDir(), "redis.conf"), "--bind", "127.0.0.1", "--save", ""], { cwd: root, stdio: ["ignore", "pipe", "pipe"] });
    server.stdout?.on("data", (c: Buffer) => (serverOutput += c.toString()));
    server.stderr?.on("data", (c: Buffer) => (serverOutput += c.toString()));
    const deadline = Date.now() + 10_000;
    while (!fs.existsSync(sock())) {
      if (Date.now() > deadline || server.exitCode !== null) throw new Error(`redis-server did not start:\n${serverOutput}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }, 60_000);

  afterAll(async () => {
    if (server && server.exitCode === null) {
      const gone = new Promise((r) => server.once("exit", r));
      server.kill("SIGTERM");
      await gone;
    }
    if (root) fs.rmSync(root, { recursive: true, force: true });
  });

  test("every phase is applied live; each role's env connects to its own phase's server and to the next one's; one client stays connected throughout", async () => {
    // One long-lived plain connection from the first phase (a worker that never reconnects).
    const keeper = net.connect(port, "127.0.0.1");
    await new Promise((r, j) => keeper.once("connect", r).once("error", j));
    let replies = "";
    keeper.on("data", (c: Buffer) => (replies += c.toString()));
    const ping = async () => {
      const before = replies.length;
      keeper.write("PING\r\n");
      const deadline = Date.now() + 3000;
      while (replies.length === before && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      return replies.slice(before);
    };
    expect(await ping()).toBe("+PONG\r\n");
    const seen: string[] = [];
    for (let i = 0; i < phases.length; i++) {
      const phase = phases[i];
      if (i > 0) {
        mount(phase);
        reload();
        // The previous phase's env against this phase's server: no role is cut off while it rolls.
        const previous = await health(roleEnv(phases[i - 1]));
        // The real server agrees with the pure drill (lib/core/redis/drill.ts) on every pair; the only
        // refused pair is the first password, the documented cut-over (no overlap from nopass).
        const expected = redisConnects(phases[i - 1].redis, phase.redis);
        expect({ phase: phase.label, connects: previous.code === 0 }).toEqual({ phase: phase.label, connects: expected.ok });
        if (!expected.ok) {
          expect(phase.label).toMatch(/password_init_pw1$/);
          expect(previous.messages.join("\n")).toMatch(/NOAUTH|auth/i);
        }
      }
      const own = await health(roleEnv(phase));
      expect({ phase: phase.label, env: "own", ...own }).toEqual({ phase: phase.label, env: "own", code: 0, messages: expect.any(Array) });
      expect(await ping()).toBe("+PONG\r\n");
      await probes(phase);
      seen.push(`${phase.label}: ${roleEnv(phase).STEM_BROKER_URL.replace(/:[^:@/]+@/, ":***@").replace(`:${tlsPort}/`, ":TLS_PORT/").replace(`:${port}/`, ":PORT/")}`);
    }
    keeper.destroy();
    expect(seen).toMatchSnapshot();
  }, 120_000);
});
