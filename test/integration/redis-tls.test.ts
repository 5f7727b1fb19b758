/**
 * `stemguard health` against a real redis-server with mutual TLS, using
 * certificates from stemguard's own generator. Skips loudly when redis-server
 * (with TLS) is absent.
 */
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Command, CommanderError } from "commander";
import Redis from "ioredis";
import { main as cliMain } from "../../lib/cli/main";
import { registerHealth } from "../../lib/cli/commands/health";
import { CliExit, type CliIo } from "../../lib/cli/io";
import { StemConfigError, StemguardError } from "../../lib/core/errors";
import { TLS_HINT_INSECURE, TLS_HINT_VERIFYING, type HealthResult } from "../../lib/core/health/health-report";
import { generateCa, generateTlsBundle } from "../../lib/core/tls/generate";
import { writeTlsBundle, type TlsBundlePaths } from "../../lib/core/tls/write-bundle";
import { fakeIo } from "../support/fake-io";
import { REDIS_TLS_SKIP, redisTlsSupport, startRedisTlsServer, type RedisTlsServer } from "../support/redis-server";
import { envelope, publish } from "../support/stem-broker-seed";

const support = redisTlsSupport();
if (!support.ok) console.warn(`${REDIS_TLS_SKIP} (${support.reason})`);
const describeRedis = support.ok ? describe : describe.skip;

const PASSWORD = "Zq9-hunter.77x";
const REPO = path.resolve(__dirname, "../..");

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Everything any run printed, checked for the password at the end. */
const printed: string[] = [];

/** Runs `stemguard health` in-process through the real command, mapping errors to exit codes as main() does. */
async function health(args: string[], env: Record<string, string>): Promise<Run> {
  let stdout = "";
  let stderr = "";
  const io: CliIo = {
    stdout: (t) => void (stdout += t),
    stderr: (t) => void (stderr += t),
    env,
    cwd: REPO,
    stderrIsTty: false,
  };
  const program = new Command("stemguard").exitOverride().configureOutput({ writeOut: io.stdout, writeErr: io.stderr });
  registerHealth(program, io);
  let code = 0;
  try {
    await program.parseAsync(["health", ...args], { from: "user" });
  } catch (err) {
    if (err instanceof CliExit) code = err.code;
    else if (err instanceof CommanderError) code = err.exitCode === 0 ? 0 : 64;
    else if (err instanceof StemguardError || err instanceof StemConfigError) {
      stderr += `stemguard: ${err.message}\n`;
      code = 64;
    } else throw err;
  }
  printed.push(stdout, stderr);
  return { code, stdout, stderr };
}

/** Runs the built CLI as a real process. */
function subprocess(args: string[], env: Record<string, string>): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [path.join(REPO, "bin/stemguard.js"), ...args],
      { cwd: REPO, env: { PATH: process.env.PATH ?? "", ...env }, timeout: 30000 },
      (error, stdout, stderr) => {
        printed.push(stdout, stderr);
        const code = error ? (typeof error.code === "number" ? error.code : -1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

const parseJson = (run: Run): HealthResult[] => {
  expect(run.stdout.endsWith("\n")).toBe(true);
  expect(run.stdout.trimEnd().split("\n")).toHaveLength(1);
  return JSON.parse(run.stdout) as HealthResult[];
};

/** Why the built CLI cannot be used, or undefined when dist/ is current and wires `health`. */
function distProblem(): string | undefined {
  const built = path.join(REPO, "dist/lib/cli/commands/health.js");
  const index = path.join(REPO, "dist/lib/cli/commands/index.js");
  if (!fs.existsSync(built) || !fs.existsSync(index)) return "dist/ has no health command (run `npm run build`)";
  if (!fs.readFileSync(index, "utf8").includes("registerHealth")) return "dist/ does not wire registerHealth into COMMANDS";
  // Per file: an incremental build leaves unchanged outputs untouched.
  const sources = [
    "lib/cli/commands/health.ts",
    ...fs.readdirSync(path.join(REPO, "lib/core/health")).map((f) => `lib/core/health/${f}`),
  ];
  const stale = sources.filter((src) => {
    const out = path.join(REPO, "dist", src.replace(/\.ts$/, ".js"));
    return !fs.existsSync(out) || fs.statSync(out).mtimeMs < fs.statSync(path.join(REPO, src)).mtimeMs;
  });
  if (stale.length > 0) return `dist/ is older than ${stale.join(", ")} (run \`npm run build\`)`;
  return undefined;
}

describeRedis("stemguard health over real redis-server with mutual TLS", () => {
  let root: string;
  let good: TlsBundlePaths;
  /** ca.crt of an unrelated CA: the server's chain does not verify against it. */
  let otherCaCert: string;
  let expired: TlsBundlePaths;
  let sanOnly: TlsBundlePaths;
  let main: RedisTlsServer;
  let expiredServer: RedisTlsServer;
  let sanServer: RedisTlsServer;
  let noClientAuthServer: RedisTlsServer;
  const servers: RedisTlsServer[] = [];

  const mtlsEnv = (port: number, extra: Record<string, string> = {}): Record<string, string> => ({
    STEM_BROKER_URL: `rediss://:${PASSWORD}@127.0.0.1:${port}/1`,
    STEM_TLS_CA_CERT: good.caCert,
    STEM_TLS_CLIENT_CERT: good.clientCert,
    STEM_TLS_CLIENT_KEY: good.clientKey,
    ...extra,
  });

  beforeAll(async () => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), "stemguard-redis-tls-"));
    const day = 24 * 60 * 60 * 1000;
    const [goodB, otherCa, expiredB, sanB] = await Promise.all([
      generateTlsBundle({ sans: "localhost,127.0.0.1", keySize: 2048 }),
      generateCa({ commonName: "localhost-ca", keySize: 2048 }), // same CN as good's CA, another key
      generateTlsBundle({ sans: "localhost,127.0.0.1", keySize: 2048, notBefore: new Date(Date.now() - 10 * day), days: 1 }),
      generateTlsBundle({ sans: "redis.internal", keySize: 2048 }),
    ]);
    good = writeTlsBundle(path.join(root, "good"), goodB);
    fs.mkdirSync(path.join(root, "other"));
    otherCaCert = path.join(root, "other", "ca.crt");
    fs.writeFileSync(otherCaCert, otherCa.certPem);
    expired = writeTlsBundle(path.join(root, "expired"), expiredB);
    sanOnly = writeTlsBundle(path.join(root, "san"), sanB);
    const serve = async (b: TlsBundlePaths, extra: { password?: string; authClients?: boolean } = {}) => {
      const server = await startRedisTlsServer({ certFile: b.serverCert, keyFile: b.serverKey, caFile: b.caCert, ...extra });
      servers.push(server);
      return server;
    };
    main = await serve(good, { password: PASSWORD });
    expiredServer = await serve(expired);
    sanServer = await serve(sanOnly);
    noClientAuthServer = await serve(good, { authClients: false });
  }, 180000);

  afterAll(async () => {
    await Promise.all(servers.map((s) => s.stop()));
    if (root) fs.rmSync(root, { recursive: true, force: true });
  });

  it("succeeds with the client bundle, AUTH password and SELECT 1 (exit 0, JSON ok)", async () => {
    const run = await health(["--json"], mtlsEnv(main.port));
    expect(run.code).toBe(0);
    expect(parseJson(run)).toEqual([
      { component: "broker", status: "ok", message: `Connected to rediss://:***@127.0.0.1:${main.port}/1` },
    ]);
  });

  // The census job's TLS binding (StemCensusJob tlsBundles): the same STEM_TLS_* env and client
  // bundle as Stem, over mutual TLS, and the mounted certificates inspected for days left.
  it("the census connects over mutual TLS with the client bundle, counts, gates and reports the bundle's certificate days", async () => {
    const admin = new Redis({ host: "127.0.0.1", port: main.port, password: PASSWORD, db: 1, lazyConnect: true, tls: { ca: fs.readFileSync(good.caCert), cert: fs.readFileSync(good.clientCert), key: fs.readFileSync(good.clientKey), servername: "localhost" } });
    await admin.connect();
    try {
      await admin.del("stem:stream:tlsq");
      await admin.xgroup("CREATE", "stem:stream:tlsq", "stem:group:tlsq", "0", "MKSTREAM");
      await publish(admin, envelope("tlsq", "k1"));
      await publish(admin, envelope("tlsq", "k1"));
      await publish(admin, envelope("tlsq", undefined));
    } finally {
      admin.disconnect();
    }
    const census = async (args: string[], env: Record<string, string>) => {
      const io = fakeIo(REPO, env);
      const code = await cliMain(["census", ...args], io);
      printed.push(io.out(), io.err());
      return { code, out: io.out(), err: io.err() };
    };
    const run = await census(["--queue", "tlsq", "--json", "--certificate", good.caCert, "--certificate", good.clientCert], mtlsEnv(main.port));
    expect(run.err).toBe("");
    expect(run.code).toBe(0);
    const report = JSON.parse(run.out) as { live: Record<string, number>; certificates: { name: string; daysLeft: number }[] };
    expect(report.live).toEqual({ k1: 2, "(unsigned)": 1 });
    expect(report.certificates.map((c) => c.name)).toEqual(["ca.crt", "client.crt"]);
    for (const c of report.certificates) expect(c.daysLeft).toBeGreaterThan(300);
    // The drain gate over the same connection: k1 still live (exit 1), k9 drained (exit 0, two clean passes).
    expect((await census(["--queue", "tlsq", "--key", "k1", "--interval", "10"], mtlsEnv(main.port))).code).toBe(1);
    expect((await census(["--queue", "tlsq", "--key", "k9", "--interval", "10"], mtlsEnv(main.port))).code).toBe(0);
    // Without the client certificate the server refuses the handshake: a TLS failure, exit 70.
    const { STEM_TLS_CLIENT_CERT: _c, STEM_TLS_CLIENT_KEY: _k, ...noClient } = mtlsEnv(main.port);
    const refused = await census(["--queue", "tlsq", "--json"], noClient);
    expect(refused.code).toBe(70);
  });

  it("checks broker and backend, by IP SAN and by DNS SAN (localhost), and prints human output", async () => {
    const run = await health([], mtlsEnv(main.port, { STEM_RESULT_BACKEND_URL: ` rediss://:${PASSWORD}@localhost:${main.port}/2 ` }));
    expect(run.code).toBe(0);
    expect(run.stdout.split("\n")).toEqual([
      "Health checks",
      "",
      `[ok]    broker: Connected to rediss://:***@127.0.0.1:${main.port}/1`,
      `[ok]    backend: Connected to rediss://:***@localhost:${main.port}/2`,
      "",
    ]);
  });

  it("sends SELECT: a database Redis does not have fails with exit 70", async () => {
    const run = await health(["--json", "--broker", `rediss://:${PASSWORD}@127.0.0.1:${main.port}/16`], mtlsEnv(main.port));
    expect(run.code).toBe(70);
    expect(parseJson(run)[0].message).toBe(
      `Connection failed for rediss://:***@127.0.0.1:${main.port}/16: Redis rejected SELECT: ERR DB index is out of range`,
    );
  });

  it("fails with exit 70 and TLS context without a client certificate", async () => {
    const env = mtlsEnv(main.port);
    delete env.STEM_TLS_CLIENT_CERT;
    delete env.STEM_TLS_CLIENT_KEY;
    const run = await health(["--json"], env);
    expect(run.code).toBe(70);
    const [result] = parseJson(run);
    expect(result.status).toBe("error");
    expect(result.message).toMatch(
      new RegExp(`^TLS handshake failed for rediss://:\\*\\*\\*@127\\.0\\.0\\.1:${main.port}/1: .*certificate required`),
    );
    expect(result.context).toEqual({
      tls: { caCertificate: good.caCert, clientCertificate: "not provided", allowInsecure: false },
      hints: [TLS_HINT_VERIFYING],
    });
  });

  it("fails with exit 70 when the CA is not the server's (a second generated CA of the same name)", async () => {
    const run = await health(["--json"], mtlsEnv(main.port, { STEM_TLS_CA_CERT: otherCaCert }));
    expect(run.code).toBe(70);
    const [result] = parseJson(run);
    // redis-server sends its CA along, so OpenSSL sees a self-signed root it does not trust.
    expect(result.message).toMatch(/^TLS handshake failed for .*: self-signed certificate in certificate chain \(SELF_SIGNED_CERT_IN_CHAIN\)$/);
    expect(result.context?.tls.caCertificate).toBe(otherCaCert);
  });

  it("fails with exit 70 on an expired server certificate", async () => {
    const run = await health(
      ["--json"],
      {
        STEM_BROKER_URL: `rediss://127.0.0.1:${expiredServer.port}/0`,
        STEM_TLS_CA_CERT: expired.caCert,
        STEM_TLS_CLIENT_CERT: expired.clientCert,
        STEM_TLS_CLIENT_KEY: expired.clientKey,
      },
    );
    expect(run.code).toBe(70);
    expect(parseJson(run)[0].message).toMatch(/^TLS handshake failed for .*: certificate has expired \(CERT_HAS_EXPIRED\)$/);
  });

  describe("hostname not in the server certificate's SANs (redis.internal only)", () => {
    const sanEnv = (host: string, extra: Record<string, string> = {}): Record<string, string> => ({
      STEM_BROKER_URL: `rediss://${host}:${sanServer.port}/0`,
      STEM_TLS_CA_CERT: sanOnly.caCert,
      STEM_TLS_CLIENT_CERT: sanOnly.clientCert,
      STEM_TLS_CLIENT_KEY: sanOnly.clientKey,
      ...extra,
    });

    it.each(["127.0.0.1", "localhost"])("fails with exit 70 when connecting to %s", async (host) => {
      const run = await health(["--json"], sanEnv(host));
      expect(run.code).toBe(70);
      expect(parseJson(run)[0].message).toMatch(
        new RegExp(
          `^TLS handshake failed for rediss://${host}:\\d+/0: Hostname/IP does not match certificate's altnames: .*${host.replace(/\./g, "\\.")}.* \\(ERR_TLS_CERT_ALTNAME_INVALID\\)$`,
        ),
      );
    });

    it("passes with --allow-insecure (Stem's onBadCertificate accepts anything) and says so in warnings", async () => {
      const run = await health(["--json", "--allow-insecure"], sanEnv("127.0.0.1"));
      expect(run.code).toBe(0);
      expect(parseJson(run)[0].status).toBe("ok");
      expect(run.stderr).toMatch(/warning: STEM_TLS_ALLOW_INSECURE disables server-certificate and hostname verification/);
    });

    it.each([
      ["untrue", 0],
      ["TRUE", 0],
      [" 1", 70],
      ["yes", 70],
    ])("reads STEM_TLS_ALLOW_INSECURE=%j like Stem (exit %d)", async (value, code) => {
      const run = await health(["--json"], sanEnv("localhost", { STEM_TLS_ALLOW_INSECURE: value }));
      expect(run.code).toBe(code);
      if (code === 70) expect(parseJson(run)[0].context?.hints).toEqual([TLS_HINT_VERIFYING]);
    });

    it("reports allowInsecure and the insecure hint when a TLS failure happens anyway", async () => {
      // allow-insecure does not rescue a missing client certificate: the server still demands one.
      const env = sanEnv("localhost", { STEM_TLS_ALLOW_INSECURE: "true" });
      delete env.STEM_TLS_CLIENT_KEY;
      const run = await health(["--json"], env);
      expect(run.code).toBe(70);
      expect(parseJson(run)[0].context).toEqual({
        tls: { caCertificate: sanOnly.caCert, clientCertificate: sanOnly.clientCert, allowInsecure: true },
        hints: [TLS_HINT_INSECURE],
      });
    });
  });

  it("fails with exit 70 on a wrong password", async () => {
    const run = await health(["--json"], mtlsEnv(main.port, { STEM_BROKER_URL: `rediss://:Wrong-${PASSWORD}@127.0.0.1:${main.port}/1` }));
    expect(run.code).toBe(70);
    expect(parseJson(run)[0].message).toBe(
      `Connection failed for rediss://:***@127.0.0.1:${main.port}/1: Redis rejected AUTH: WRONGPASS invalid username-password pair or user is disabled.`,
    );
  });

  it("fails with exit 70 without a password where Redis requires one (Stem, which only connects, would pass)", async () => {
    const withDb = await health(["--json"], mtlsEnv(main.port, { STEM_BROKER_URL: `rediss://127.0.0.1:${main.port}/0` }));
    expect(withDb.code).toBe(70);
    expect(parseJson(withDb)[0].message).toMatch(/: Redis rejected SELECT: NOAUTH Authentication required\.$/);
    const noDb = await health(["--json"], mtlsEnv(main.port, { STEM_BROKER_URL: `rediss://127.0.0.1:${main.port}` }));
    expect(noDb.code).toBe(70);
    expect(parseJson(noDb)[0].message).toMatch(/: Redis rejected PING: NOAUTH Authentication required\.$/);
  });

  it("fails with exit 70 as a connection failure when redis:// is used against the TLS port", async () => {
    const run = await health(["--json"], mtlsEnv(main.port, { STEM_BROKER_URL: `redis://:${PASSWORD}@127.0.0.1:${main.port}/1` }));
    expect(run.code).toBe(70);
    const [result] = parseJson(run);
    expect(result.message).toMatch(/^Connection failed for redis:\/\/:\*\*\*@127\.0\.0\.1:\d+\/1: /);
    expect(result.context).toBeUndefined();
    expect(run.stderr).toMatch(/tls-env-ignored|STEM_TLS_\* paths are set/);
  });

  it("fails with exit 64 and Stem's message when STEM_BROKER_URL is missing", async () => {
    const env = mtlsEnv(main.port);
    delete env.STEM_BROKER_URL;
    const run = await health(["--json"], env);
    expect(run.code).toBe(64);
    expect(run.stdout).toBe("");
    expect(run.stderr).toContain("Missing STEM_BROKER_URL environment variable (e.g. redis://host:6379).");
  });

  it.each([
    ["a missing file", () => path.join(root, "nope", "ca.crt"), "file does not exist"],
    ["a directory", () => root, "file is a directory, not a regular file"],
  ])("fails with exit 64 when STEM_TLS_CA_CERT is %s", async (_what, caPath, code) => {
    const run = await health(["--json"], mtlsEnv(main.port, { STEM_TLS_CA_CERT: caPath() }));
    expect(run.code).toBe(64);
    expect(run.stdout).toBe("");
    expect(run.stderr).toContain(`STEM_TLS_CA_CERT: ${code}`);
  });

  describe("as a real process (node bin/stemguard.js)", () => {
    const problem = distProblem();
    if (problem) console.warn(`SKIP: subprocess health tests did not run: ${problem}`);
    const itBuilt = problem ? it.skip : it;

    itBuilt("exits 0 with JSON ok, 70 on a TLS failure, 64 on missing config", async () => {
      const ok = await subprocess(["health", "--json"], mtlsEnv(main.port));
      expect(ok.code).toBe(0);
      expect(parseJson(ok)).toEqual([
        { component: "broker", status: "ok", message: `Connected to rediss://:***@127.0.0.1:${main.port}/1` },
      ]);
      const tlsFail = await subprocess(["health", "--json"], mtlsEnv(main.port, { STEM_TLS_CA_CERT: otherCaCert }));
      expect(tlsFail.code).toBe(70);
      expect(parseJson(tlsFail)[0].context?.tls.caCertificate).toBe(otherCaCert);
      const missing = await subprocess(["health"], {});
      expect(missing.code).toBe(64);
      expect(missing.stderr).toContain("Missing STEM_BROKER_URL environment variable (e.g. redis://host:6379).");
    });

    itBuilt("trusts the system roots only while no STEM_TLS_* path is set, as Stem's SecurityContext", async () => {
      // NODE_EXTRA_CA_CERTS puts the test CA into Node's default ("system") roots.
      const base = { NODE_EXTRA_CA_CERTS: good.caCert, STEM_BROKER_URL: `rediss://127.0.0.1:${noClientAuthServer.port}/0` };
      const system = await subprocess(["health", "--json"], base);
      expect(system.code).toBe(0);
      const pathsSet = await subprocess(["health", "--json"], {
        ...base,
        STEM_TLS_CLIENT_CERT: good.clientCert,
        STEM_TLS_CLIENT_KEY: good.clientKey,
      });
      expect(pathsSet.code).toBe(70);
      expect(parseJson(pathsSet)[0].context?.tls.caCertificate).toBe("system");
      expect(pathsSet.stderr).toMatch(/Stem then trusts no CA at all/);
    });
  });

  it("never printed the password, in any output of this file", () => {
    expect(printed.length).toBeGreaterThan(20);
    for (const text of printed) expect(text).not.toContain(PASSWORD);
  });
});
