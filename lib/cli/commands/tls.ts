import * as path from "node:path";
import { StemguardError } from "../../core/errors";
import type { Command } from "commander";
import { integerFlag } from "../flags";
import { CliExit, EXIT, type CliIo } from "../io";
import type { RegisterCommand } from "./index";
import { registerTlsTfVars } from "./tls-tf-vars";

type TlsCore = typeof import("../../core/tls/index");

// node-forge and the PKI code load only inside the actions, so `stemguard --help` stays fast.
const loadCore = (): TlsCore => require("../../core/tls/index") as TlsCore;

export const registerTls: RegisterCommand = (program, io) => {
  const tls = program.command("tls").description("Generate and inspect the TLS certificates Stem and Redis use (upstream's file layout).");

  tls
    .command("generate")
    .description("Generate a CA, a server and a client certificate with keys, under upstream's names (ca.crt ca.key server.crt server.key client.crt client.key).")
    .argument("<out-dir>", "directory to write (created with mode 0700)")
    .argument("<sans>", "comma list of names and IPs clients connect to; the first is the server CN unless --primary-host")
    .option("--days <n>", "validity in days (1-3650)", "365")
    .option("--key-size <bits>", "RSA key size: 2048 | 3072 | 4096", "4096")
    .option("--client-cn <name>", "client certificate CN", "stem-client")
    .option("--primary-host <name>", "server CN; the CA is <name>-ca (default: the first SAN)")
    .option("--force", "replace existing files in OUT_DIR")
    .option("--json", "print the summary as JSON")
    .addHelpText(
      "after",
      `
Unlike upstream's generate_tls_assets.sh, IP addresses become IP SANs (clients
match an IP only against those) and names are trimmed. Keys are written mode
0600 and never printed; stdout lists paths, SANs, fingerprints and the
STEM_TLS_* lines.

Example:
  $ stemguard tls generate certs "redis.internal,localhost,127.0.0.1"
  wrote 6 files to /srv/app/certs (keys 0600, certificates 0644)
  ...
  STEM_TLS_CA_CERT=/srv/app/certs/ca.crt`,
    )
    .action(async (outDir: string, sans: string, opts: GenerateFlags) => {
      await runGenerate(io, outDir, sans, opts);
    });

  tls
    .command("inspect")
    .description("Show what a certificate says and fail (exit 1) when it is expired, expiring soon, does not chain to the CA or does not match its key.")
    .argument("<path>", "a PEM certificate file, or a directory with ca.crt/server.crt/client.crt (and their .key files)")
    .option("--ca <file>", "trusted CA file (PEM, one or more CAs); default for a directory: <path>/ca.crt")
    .option("--key <file>", "private key that must match the certificate (file PATH only)")
    .option("--warn-days <n>", "fail when a certificate expires within N days", "30")
    .option("--json", "print the report as JSON")
    .addHelpText(
      "after",
      `
Exit status: 0 all good, 1 expired / expiring within --warn-days / chain or key
mismatch, 64 bad input. Key files are read only to compare them with the
certificate; nothing of them is printed.

Example:
  $ stemguard tls inspect certs --warn-days 45
  certs/server.crt: CN=redis.internal, issuer CN=redis.internal-ca
  ...
  verdict: OK`,
    )
    .action((target: string, opts: InspectFlags) => {
      runInspect(io, target, opts);
    });

  registerCaRotation(tls, io);
  registerTlsTfVars(tls, io);
};

interface CaFlags {
  ledger: string;
  material: string;
  days?: string;
  keySize?: string;
  json?: boolean;
}

/** `stemguard tls ca <step>`: one CA-rotation step per run, like `stemguard rotate` for signing keys. */
function registerCaRotation(tls: Command, io: CliIo): void {
  const ca = tls
    .command("ca")
    .description("Rotate the CA in phases: init, stage, reissue, retire (and renew leaves); one step = one pull request = one apply.")
    .addHelpText(
      "after",
      `
Material lives in <material>/<ca-id>/ (upstream's file names) and the current
trust bundle in <material>/trust-bundle.crt; the ledger (stemguard.tls.json)
records CA ids, states and fingerprints only. A step writes its material, the
trust bundle and the ledger together: if any of it fails, all stay as they
were and the same command can be run again.

Example (a full rotation, one pull request per line):
  $ stemguard tls ca init ca-2026 "redis.internal,127.0.0.1"
  $ stemguard tls ca stage-ca ca-2027
  $ stemguard tls ca reissue-leaves
  $ stemguard tls ca retire-ca ca-2026`,
    );
  const common = (cmd: Command, issues: boolean) => {
    cmd
      .option("--ledger <file>", "CA-rotation ledger", "stemguard.tls.json")
      .option("--material <dir>", "directory of CA material and the trust bundle", "tls")
      .option("--json", "print the result as JSON");
    if (issues) cmd.option("--days <n>", "validity of what this step issues (default: like the certificate it replaces)").option("--key-size <bits>", "RSA size of new keys (default: like the key it replaces)");
    return cmd;
  };
  common(ca.command("init").description("Record the first CA: generate a bundle into <material>/<ca-id>/ (or adopt one there) and create the ledger."), true)
    .argument("<ca-id>", "CA id ([A-Za-z0-9._-])")
    .argument("[sans]", "SANs for a new bundle; omit to adopt <material>/<ca-id>/ written by 'tls generate'")
    .option("--client-cn <name>", "client certificate CN", "stem-client")
    .option("--primary-host <name>", "server CN; the CA is <name>-ca (default: the first SAN)")
    .action(async (caId: string, sans: string | undefined, opts: CaFlags & { clientCn: string; primaryHost?: string }) => {
      await runCaStep(io, opts, { op: "init", caId, sans, clientCn: opts.clientCn, primaryHost: opts.primaryHost });
    });
  common(ca.command("stage-ca").description("Generate a new CA and add it to every trust bundle (old + new); leaves unchanged."), true)
    .argument("<ca-id>", "id of the new CA")
    .option("--common-name <cn>", "subject CN of the new CA (default: the id)")
    .action(async (caId: string, opts: CaFlags & { commonName?: string }) => {
      await runCaStep(io, opts, { op: "stage-ca", caId, commonName: opts.commonName });
    });
  common(ca.command("reissue-leaves").description("Issue server and client leaves from the staged CA, which becomes active; the old CA stays trusted (retiring)."), true).action(
    async (opts: CaFlags) => {
      await runCaStep(io, opts, { op: "reissue-leaves" });
    },
  );
  common(ca.command("retire-ca").description("Drop the retiring CA from every trust bundle."), false)
    .argument("<ca-id>", "id of the retiring CA")
    .action(async (caId: string, opts: CaFlags) => {
      await runCaStep(io, opts, { op: "retire-ca", caId });
    });
  common(ca.command("renew-leaves").description("Issue fresh server and client leaves from the same active CA (before they expire)."), true).action(async (opts: CaFlags) => {
    await runCaStep(io, opts, { op: "renew-leaves" });
  });
  ca.command("status")
    .description("Show the CA rotation's status table (each CA, its state, whether trust bundles hold it, which issues the leaves) and what comes next.")
    .option("--ledger <file>", "CA-rotation ledger", "stemguard.tls.json")
    .option("--json", "print the ledger state and every phase as JSON")
    .action((opts: { ledger: string; json?: boolean }) => {
      const core = loadCore();
      const ledger = core.readTlsLedgerFile(path.resolve(io.cwd, opts.ledger));
      const next = core.nextTlsStepHint(ledger);
      if (opts.json) {
        const phases = core.replayTlsPhases(ledger.history).slice(1).map((l) => ({
          phase: l.phase,
          step: core.describeTlsStep(core.stripPhase(l.history[l.history.length - 1])),
          trustBundle: core.trustBundleCaIds(l),
          leafIssuer: core.leafIssuerCaId(l)!,
        }));
        io.stdout(`${JSON.stringify({ phase: ledger.phase, cas: ledger.cas, leaves: ledger.leaves, phases, next })}\n`);
        return;
      }
      // The same table as `rotate status` and review comments: one shape for every ledger kind.
      const { formatLedgerStatus } = require("../../core/ledger/table") as typeof import("../../core/ledger/table");
      io.stdout(`${formatLedgerStatus(core.tlsSection(ledger), opts.ledger)}\n\nnext: ${next}\n`);
    });
}

async function runCaStep(io: CliIo, opts: CaFlags, request: import("../../core/tls/index").TlsStepRequest): Promise<void> {
  const core = loadCore();
  const fs = require("node:fs") as typeof import("node:fs");
  const ledgerFile = path.resolve(io.cwd, opts.ledger);
  let ledger;
  if (request.op === "init") {
    if (fs.existsSync(ledgerFile)) {
      throw new StemguardError("the ledger already exists; init starts a new CA rotation history", {
        field: "--ledger",
        value: opts.ledger,
        fix: "use 'stemguard tls ca stage-ca <new-id>' to rotate, or pass --ledger for another environment",
      });
    }
    ledger = core.emptyTlsLedger();
  } else {
    ledger = core.readTlsLedgerFile(ledgerFile);
  }
  const days = opts.days === undefined ? undefined : core.assertDays(integerFlag(opts.days, "--days", "pass e.g. --days 365"), "--days");
  const keySize =
    opts.keySize === undefined ? undefined : core.assertKeySize(integerFlag(opts.keySize, "--key-size", "pass --key-size 2048, 3072 or 4096"), "--key-size");
  // Steps that make RSA keys take seconds: show progress (generate reports each key; the others one line).
  const issuing: Partial<Record<typeof request.op, string>> = {
    "stage-ca": "generating the new CA's RSA key",
    "reissue-leaves": "generating server and client RSA keys",
    "renew-leaves": "generating server and client RSA keys",
  };
  const label = request.op === "init" && request.sans !== undefined ? `generating 3 RSA-${keySize ?? 4096} keys and certificates` : issuing[request.op];
  const progress = label === undefined ? undefined : progressReporter(io, label);
  if (progress && request.op !== "init") progress.update({ step: "start", done: 0, total: 1 });
  let plan;
  try {
    plan = await core.planTlsStep(ledger, request, { materialDir: path.resolve(io.cwd, opts.material), materialField: "--material", days, keySize, onProgress: progress?.update });
  } finally {
    progress?.stop();
  }
  // Declared in stemguard.json before init writes anything (undone if the step fails), so review checks it.
  const registered = request.op === "init" ? registerCaLedger(ledgerFile) : undefined;
  // Material, trust bundle and ledger land together or not at all, so a failed step can simply be retried.
  let result;
  try {
    result = core.commitTlsStep(plan, { ledgerFile, ledgerField: "--ledger" });
  } catch (err) {
    registered?.undo();
    throw err;
  }
  const next = result.ledger;
  const last = next.history[next.history.length - 1];
  const rel = (file: string) => path.relative(io.cwd, file) || file;
  const summary = {
    phase: next.phase,
    step: core.describeTlsStep(core.stripPhase(last)),
    trustBundle: core.trustBundleCaIds(next),
    leafIssuer: core.leafIssuerCaId(next)!,
    trustBundleFile: result.trustBundleFile,
    written: result.written,
    ledgerFile,
    next: core.nextTlsStepHint(next),
  };
  if (opts.json) {
    io.stdout(`${JSON.stringify(summary)}\n`);
    return;
  }
  io.stdout(
    [
      `phase ${summary.phase}: ${summary.step}`,
      `  trust bundle  ${summary.trustBundle.join(", ")} -> ${rel(summary.trustBundleFile)}`,
      `  leaves from   ${summary.leafIssuer}`,
      `  wrote         ${result.written.filter((f) => f !== result.trustBundleFile).map(rel).join(", ") || "no new material"}`,
      `  ledger        ${rel(ledgerFile)}`,
      `next: ${summary.next}`,
      "",
    ].join("\n"),
  );
}

interface GenerateFlags {
  days: string;
  keySize: string;
  clientCn: string;
  primaryHost?: string;
  force?: boolean;
  json?: boolean;
}

interface InspectFlags {
  ca?: string;
  key?: string;
  warnDays: string;
  json?: boolean;
}

async function runGenerate(io: CliIo, outDir: string, sansText: string, opts: GenerateFlags): Promise<void> {
  const core = loadCore();
  const { X509Certificate } = require("node:crypto") as typeof import("node:crypto");
  // Validate every input under its flag name before spending seconds on RSA keys.
  const sans = core.parseSans(sansText, "SANS");
  const days = core.assertDays(integerFlag(opts.days, "--days", "pass e.g. --days 365"), "--days");
  const keySize = core.assertKeySize(integerFlag(opts.keySize, "--key-size", "pass --key-size 2048, 3072 or 4096"), "--key-size");
  const clientCn = core.assertCommonName(opts.clientCn, "--client-cn");
  const primaryHost = core.assertCommonName(opts.primaryHost ?? sans[0].value, "--primary-host", 61);
  const dir = path.resolve(io.cwd, outDir);
  const paths = core.tlsBundlePaths(dir);
  // Links, FIFOs, devices, directories in the way and /proc, /sys, /dev targets: refused before any key is generated.
  const { assertFilesWritable } = require("../../core/tls/write-files") as typeof import("../../core/tls/write-files");
  assertFilesWritable(dir, Object.values(core.TLS_FILE_NAMES), { overwrite: true, field: "OUT_DIR" });
  if (!opts.force) {
    const fs = require("node:fs") as typeof import("node:fs");
    const existing = Object.values(core.TLS_FILE_NAMES).filter((name) => fs.existsSync(path.join(dir, name)));
    if (existing.length > 0) {
      throw new StemguardError(`refusing to overwrite existing TLS files in ${dir}`, {
        field: "OUT_DIR",
        value: existing,
        fix: "choose an empty directory, or pass --force to replace them",
      });
    }
  }

  const progress = progressReporter(io, `generating 3 RSA-${keySize} keys and certificates`);
  let bundle;
  try {
    bundle = await core.generateTlsBundle({ sans: sans.map((s) => s.value), primaryHost, clientCn, days, keySize, onProgress: progress.update });
  } finally {
    progress.stop();
  }
  core.writeTlsBundle(dir, bundle, { overwrite: Boolean(opts.force), field: "OUT_DIR" });

  const server = new X509Certificate(bundle.serverCertPem);
  const describe = (pem: string) => {
    const cert = new X509Certificate(pem);
    return { subject: cert.subject, sha256: cert.fingerprint256 };
  };
  const env = {
    STEM_TLS_CA_CERT: paths.caCert,
    STEM_TLS_CLIENT_CERT: paths.clientCert,
    STEM_TLS_CLIENT_KEY: paths.clientKey,
  };
  if (opts.json) {
    io.stdout(
      `${JSON.stringify({
        dir,
        files: paths,
        sans,
        keySize,
        notBefore: new Date(server.validFrom).toISOString(),
        notAfter: new Date(server.validTo).toISOString(),
        ca: describe(bundle.caCertPem),
        server: describe(bundle.serverCertPem),
        client: describe(bundle.clientCertPem),
        env,
      })}\n`,
    );
    return;
  }
  const row = (file: string, pem: string, extra = "") => {
    const d = describe(pem);
    return `  ${file.padEnd(11)} ${d.subject.padEnd(28)} SHA256 ${d.sha256}${extra}`;
  };
  const sanText = sans.map((s) => `${s.type === "ip" ? "IP" : "DNS"}:${s.value}`).join(", ");
  io.stdout(
    [
      `wrote 6 files to ${dir} (keys 0600, certificates 0644)`,
      row("ca.crt", bundle.caCertPem),
      row("server.crt", bundle.serverCertPem),
      row("client.crt", bundle.clientCertPem),
      `  keys        ca.key server.key client.key (RSA ${keySize}, PKCS#8, unencrypted)`,
      `  SANs        ${sanText}`,
      `  valid       ${new Date(server.validFrom).toISOString()} -> ${new Date(server.validTo).toISOString()} (${days} days)`,
      "",
      "Stem env (paths as seen by the process; mount the directory at the same path in containers):",
      ...Object.entries(env).map(([k, v]) => `${k}=${v}`),
      "",
      "Redis with mutual TLS:",
      `  redis-server --port 0 --tls-port 6379 --tls-cert-file ${paths.serverCert} --tls-key-file ${paths.serverKey} --tls-ca-cert-file ${paths.caCert} --tls-auth-clients yes`,
      "",
    ].join("\n"),
  );
}

/** A spinner with a percentage on a terminal, one plain line per step otherwise. */
function progressReporter(io: CliIo, label: string): { update: (e: { step: string; done: number; total: number }) => void; stop: () => void } {
  if (!io.stderrIsTty) {
    return {
      update: (e) => io.stderr(e.step === "start" ? `tls: ${label}...\n` : `tls: ${e.step} done (${e.done}/${e.total})\n`),
      stop: () => undefined,
    };
  }
  const frames = ["|", "/", "-", "\\"];
  let frame = 0;
  let percent = 0;
  const draw = () => io.stderr(`\r${frames[frame++ % frames.length]} ${label} ${String(percent).padStart(3)}%`);
  const timer = setInterval(draw, 120);
  timer.unref();
  return {
    update: (e) => {
      percent = Math.round((100 * e.done) / e.total);
      draw();
    },
    stop: () => {
      clearInterval(timer);
      io.stderr("\r\x1b[2K");
    },
  };
}

function runInspect(io: CliIo, target: string, opts: InspectFlags): void {
  const core = loadCore();
  const warnDays = integerFlag(opts.warnDays, "--warn-days", "pass e.g. --warn-days 30");
  if (warnDays > 3650) {
    throw new StemguardError("must be from 0 to 3650", { field: "--warn-days", value: opts.warnDays, fix: "pass e.g. --warn-days 30" });
  }
  const report = core.inspectTlsPath(path.resolve(io.cwd, target), {
    caFile: opts.ca === undefined ? undefined : path.resolve(io.cwd, opts.ca),
    keyFile: opts.key === undefined ? undefined : path.resolve(io.cwd, opts.key),
    warnDays,
  });
  if (opts.json) {
    io.stdout(`${JSON.stringify({ warnDays, ...report })}\n`);
  } else {
    const rel = (file: string) => path.relative(io.cwd, file) || file;
    const lines: string[] = [];
    for (const f of report.files) {
      f.report.certificates.forEach((c, i) => {
        const title = f.report.certificates.length > 1 ? `${rel(f.file)} #${i + 1}` : rel(f.file);
        const sans = [c.sans.dns.length ? `DNS: ${c.sans.dns.join(", ")}` : "", c.sans.ip.length ? `IP: ${c.sans.ip.join(", ")}` : "", ...c.sans.other]
          .filter(Boolean)
          .join("; ");
        const validity = c.expired
          ? `EXPIRED ${Math.floor((Date.now() - Date.parse(c.notAfter)) / 86_400_000)} days ago`
          : c.notYetValid
            ? "NOT YET VALID"
            : `${c.daysLeft} days left${c.expiringSoon ? `; EXPIRING within ${warnDays} days` : ""}`;
        lines.push(`${title}: ${c.subject.replace(/\n/g, ", ")}, issuer ${c.issuer.replace(/\n/g, ", ")}`);
        lines.push(`  serial      ${c.serialNumber}`);
        lines.push(`  sha256      ${c.fingerprint256}`);
        lines.push(`  valid       ${c.notBefore} -> ${c.notAfter} (${validity})`);
        lines.push(`  SANs        ${sans || "none"}`);
        lines.push(`  CA          ${c.isCa ? "yes" : "no"}${c.selfSigned ? " (self-signed)" : ""}`);
        lines.push(`  key usage   ${c.keyUsage.join(", ") || "none"}; extended: ${c.extendedKeyUsage.join(", ") || "none"}`);
        lines.push(`  public key  ${c.publicKey.type}${c.publicKey.bits ? ` ${c.publicKey.bits}` : ""}${c.publicKey.curve ? ` ${c.publicKey.curve}` : ""}`);
        if (c.chain) lines.push(`  chain       ${c.chain.valid ? `OK (anchored at CN=${c.chain.anchorCommonName})` : `FAIL: ${c.chain.reason}`}`);
        if (c.keyMatches !== undefined) lines.push(`  key         ${c.keyMatches ? "matches" : "DOES NOT MATCH"} ${f.keyFile ? rel(f.keyFile) : ""}`.trimEnd());
      });
    }
    if (report.ok) {
      lines.push(`verdict: OK${report.caFile ? "" : " (no CA given: chain not checked)"}`);
    } else {
      lines.push(`verdict: FAIL (${report.problems.length} problem${report.problems.length === 1 ? "" : "s"})`);
      for (const p of report.problems) lines.push(`  - ${rel(p.file)}: ${p.code}: ${p.message}`);
    }
    io.stdout(`${lines.join("\n")}\n`);
  }
  if (!report.ok) throw new CliExit(EXIT.FAILED);
}

function registerCaLedger(ledgerFile: string): { undo: () => void } {
  const { registerLedger } = require("../../core/ledger/manifest") as typeof import("../../core/ledger/manifest");
  const { LEDGER_KIND_NAMES } = require("../../review/ledger-kinds") as typeof import("../../review/ledger-kinds");
  return registerLedger(ledgerFile, "tls-ca", LEDGER_KIND_NAMES);
}
