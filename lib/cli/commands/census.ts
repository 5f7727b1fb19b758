import { InvalidArgumentError } from "commander";
import { StemguardError } from "../../core/errors";
import type { CensusProgress } from "../../core/census/census";
import type { DrainGateResult } from "../../core/census/gate";
import type { CensusTarget } from "../../core/census/run-census";
import { CliExit, EXIT, type CliIo } from "../io";
import type { RegisterCommand } from "./index";

// The census modules (and ioredis) load inside the actions, so `--help` stays fast.
type CensusModules = typeof import("../../core/census/census") &
  typeof import("../../core/census/gate") &
  typeof import("../../core/census/run-census") &
  typeof import("../../core/census/render") &
  typeof import("../../core/census/emf") &
  typeof import("../../core/census/exporter") &
  typeof import("../../core/census/certificates") &
  typeof import("../../core/census/ioredis-reader");
function loadCensus(): CensusModules {
  return {
    ...(require("../../core/census/census") as typeof import("../../core/census/census")),
    ...(require("../../core/census/gate") as typeof import("../../core/census/gate")),
    ...(require("../../core/census/run-census") as typeof import("../../core/census/run-census")),
    ...(require("../../core/census/render") as typeof import("../../core/census/render")),
    ...(require("../../core/census/emf") as typeof import("../../core/census/emf")),
    ...(require("../../core/census/exporter") as typeof import("../../core/census/exporter")),
    ...(require("../../core/census/certificates") as typeof import("../../core/census/certificates")),
    ...(require("../../core/census/ioredis-reader") as typeof import("../../core/census/ioredis-reader")),
  };
}

interface CensusFlags {
  broker?: string;
  queue: string[];
  key?: string;
  json?: boolean;
  format?: string;
  serve?: number;
  bind: string;
  cacheSeconds: number;
  certificate: string[];
  allowInsecure?: boolean;
  interval: number;
  timeout: number;
  pageSize: number;
  maxTrackedIds: number;
}

const EXAMPLE = `
Reads Stem's broker with read-only commands only (SCAN ... TYPE, XINFO GROUPS,
XRANGE, XPENDING, XLEN, ZSCAN, LLEN, LRANGE): live messages per queue and
signing key id (ready entries after the group's last-delivered id, pending
entries, delayed entries, broadcast streams), deduplicated by envelope id;
dead letters per reason, error class and failed key id; acked history apart.
Stem's control queues are skipped. Connects like \`stemguard health\`
(STEM_BROKER_URL or --broker, STEM_TLS_*); the URL may name the read-only
user (rediss://stemguard-census:<password>@host:6379/0; docs/census.md).

With --key ID it is the drain gate: exit 1 while a live message is signed
with ID (it prints where), 0 after two clean passes in a row (--interval ms
apart). --key "(unsigned)" gates on unsigned messages.

Exit codes: 0 ok (gate: drained), 1 gate: not drained, 64 usage or
configuration, 70 connection, TLS or a command the server refused.

Examples:
  $ stemguard census --broker redis://127.0.0.1:6379/0
  $ stemguard census --broker redis://127.0.0.1:6379/0 --key k1      # the drain gate before 'rotate retire k1'
  $ stemguard census --json --queue default --queue emails
  $ stemguard census --format emf --certificate /etc/stem/tls/ca.crt  # CloudWatch EMF lines, one census
  $ stemguard census --serve 9464 --cache-seconds 30                  # Prometheus exporter on :9464/metrics
`;

const collect = (value: string, previous: string[]) => [...previous, value];

/** `stemguard census`: a read-only census of Stem's Redis broker, the drain gate, an exporter and EMF lines. */
export const registerCensus: RegisterCommand = (program, io) => {
  program
    .command("census")
    .description("Count Stem's live messages per queue and signing key, and dead letters per reason, with read-only Redis commands; --key ID is the drain gate.")
    .option("--broker <url>", "broker URL (overrides STEM_BROKER_URL)")
    .option("--queue <name>", "only this queue or broadcast channel (repeatable)", collect, [])
    .option("--key <id>", 'drain gate: exit 1 while a live message is signed with ID ("(unsigned)": unsigned messages)')
    .option("--json", "print the census as JSON (same as --format json)")
    .option("--format <format>", "text | json | emf (CloudWatch embedded metric format lines, then exit)")
    .option("--serve <port>", "run a Prometheus exporter on PORT (/metrics; 0 picks a free port)", parseServePort)
    .option("--bind <address>", "address the exporter listens on", "0.0.0.0")
    .option("--cache-seconds <n>", "exporter: serve one census this long before the next scrape runs another", wholeNumber("--cache-seconds", 0, 86_400), 30)
    .option("--certificate <file>", "also export the days left of this PEM certificate (repeatable)", collect, [])
    .option("--allow-insecure", "skip server-certificate verification for this run (STEM_TLS_ALLOW_INSECURE=true)")
    .option("--interval <ms>", "drain gate: pause between the two passes", wholeNumber("--interval", 0, 600_000), 2000)
    .option("--timeout <ms>", "bound for connecting and for each reply", wholeNumber("--timeout", 100, 120_000), 10_000)
    .option("--page-size <n>", "entries per SCAN/XRANGE/XPENDING/ZSCAN/LRANGE page", wholeNumber("--page-size", 1, 100_000), 1000)
    .option("--max-tracked-ids <n>", "bound of the deduplication set (beyond it copies are counted twice, never missed)", wholeNumber("--max-tracked-ids", 0, 100_000_000), 100_000)
    .addHelpText("after", EXAMPLE)
    .action(async (flags: CensusFlags) => {
      const format = outputFormat(flags);
      if (flags.serve !== undefined && (flags.key !== undefined || format !== "text")) {
        throw new StemguardError("--serve runs the exporter; it does not take --key, --json or --format", { field: "--serve", value: flags.serve, fix: "run the exporter and the drain gate as separate commands" });
      }
      if (flags.key !== undefined && format === "emf") {
        throw new StemguardError("the drain gate prints text or JSON, not EMF", { field: "--format", value: "emf", fix: "drop --format emf, or drop --key" });
      }
      const m = loadCensus();
      if (flags.key !== undefined) m.assertGateKey(flags.key);
      const target = censusTarget(io, flags.broker, flags.allowInsecure);
      const options = { queues: flags.queue.length > 0 ? flags.queue : undefined, pageSize: flags.pageSize, maxTrackedIds: flags.maxTrackedIds, timeoutMs: flags.timeout };
      const readCertificates = () => m.certificateDays(flags.certificate, io.cwd);
      readCertificates(); // a bad --certificate is a usage error before any connection

      if (flags.serve !== undefined) return serve(io, m, target, options, flags, readCertificates);
      if (flags.key !== undefined) {
        const result = await drainGate(io, target, flags.key, { ...options, intervalMs: flags.interval, json: format === "json" });
        if (format === "json") io.stdout(`${JSON.stringify({ ok: result.drained, broker: target.url.redacted, gate: gateJson(result), census: result.passes[result.passes.length - 1].report })}\n`);
        if (!result.drained) throw new CliExit(EXIT.FAILED);
        return;
      }
      const report = await withConnectionErrors(io, format === "json", () => m.censusOnce(target, { ...options, onProgress: progressPrinter(io) }));
      const certificates = readCertificates();
      if (format === "emf") io.stdout(`${m.renderEmf(report, Date.now(), certificates).join("\n")}\n`);
      else if (format === "json") io.stdout(`${JSON.stringify({ ok: true, broker: target.url.redacted, ...report, certificates })}\n`);
      else io.stdout(m.renderCensusText(report, target.url.redacted, certificates));
    });
};

/** The broker and STEM_TLS_* as `stemguard health` reads them; warnings on stderr. */
function censusTarget(io: CliIo, broker: string | undefined, allowInsecure: boolean | undefined): CensusTarget {
  const target = loadCensus().planCensusTarget({ env: io.env, broker, allowInsecure, cwd: io.cwd });
  for (const issue of target.issues) io.stderr(`warning: ${issue.message}\n`);
  return target;
}

/** Options of {@link drainGate}. */
export interface DrainGateRun {
  readonly queues?: readonly string[];
  readonly pageSize?: number;
  readonly maxTrackedIds?: number;
  readonly timeoutMs?: number;
  readonly intervalMs: number;
  /** Errors as JSON on stdout too (the caller prints its own JSON result). */
  readonly json?: boolean;
}

/**
 * The drain gate as the CLI runs it (`census --key`, `rotate retire --broker`,
 * `rotate enforce --broker`): each pass and the verdict on stderr. A
 * connection, TLS or refused-command failure ends the command with exit 70.
 */
export async function drainGate(io: CliIo, target: CensusTarget, keyId: string, run: DrainGateRun): Promise<DrainGateResult> {
  const m = loadCensus();
  const result = await withConnectionErrors(io, run.json === true, () =>
    m.runDrainGate(() => m.censusOnce(target, { ...run, onProgress: progressPrinter(io) }), {
      keyId,
      intervalMs: run.intervalMs,
      onPass: (pass, i) => io.stderr(m.renderDrainPass(pass, i, m.DRAIN_GATE_PASSES, m.displayKeyLabel(keyId))),
    }),
  );
  io.stderr(m.renderDrainVerdict(result, run.intervalMs));
  return result;
}

/** The gate's passes without the full census (which `--json` prints beside it). */
export function gateJson(result: DrainGateResult): Record<string, unknown> {
  return {
    key: result.keyLabel,
    drained: result.drained,
    passes: result.passes.map((p) => ({ live: p.live, unreadable: p.unreadable, locations: p.locations, oldest: p.oldest ?? null, deadSigned: p.deadSigned, clean: p.clean })),
  };
}

/** Resolves the broker for a rotation step's gate: STEM_BROKER_URL and STEM_TLS_* from the env, --broker first. */
export function rotationGateTarget(io: CliIo, broker: string): CensusTarget {
  return censusTarget(io, broker, false);
}

/** Runs `f`; a CensusConnectionError ends the command with exit 70 (and the error on stdout too with --json). */
async function withConnectionErrors<T>(io: CliIo, json: boolean, f: () => Promise<T>): Promise<T> {
  const { CensusConnectionError } = loadCensus();
  try {
    return await f();
  } catch (err) {
    if (!(err instanceof CensusConnectionError)) throw err;
    const fix =
      err.failure === "command"
        ? "give the census user read access to stem:* (docs/census.md: the read-only user)"
        : err.failure === "tls"
          ? "check STEM_TLS_CA_CERT / STEM_TLS_CLIENT_CERT / STEM_TLS_CLIENT_KEY and the host name in the URL (stemguard health tells the same)"
          : "check the host, port, password and that Redis is up (stemguard health --broker URL)";
    io.stderr(`stemguard: census: ${err.message}\nFix: ${fix}\n`);
    if (json) io.stdout(`${JSON.stringify({ ok: false, exitCode: EXIT.UNAVAILABLE, error: { message: err.message, failure: err.failure, fix } })}\n`);
    throw new CliExit(EXIT.UNAVAILABLE);
  }
}

function outputFormat(flags: CensusFlags): "text" | "json" | "emf" {
  const format = flags.format ?? (flags.json ? "json" : "text");
  if (format !== "text" && format !== "json" && format !== "emf") {
    throw new StemguardError("unknown output format", { field: "--format", value: format, fix: "use --format text, json or emf" });
  }
  if (flags.json && format !== "json") throw new StemguardError("--json asks for JSON and --format for something else", { field: "--format", value: format, fix: "give one of them" });
  return format;
}

async function serve(io: CliIo, m: CensusModules, target: CensusTarget, options: Parameters<CensusModules["censusOnce"]>[1], flags: CensusFlags, certificates: () => ReturnType<CensusModules["certificateDays"]>): Promise<void> {
  const exporter = await m
    .startCensusExporter({
      port: flags.serve!,
      host: flags.bind,
      cacheSeconds: flags.cacheSeconds,
      census: () => m.censusOnce(target, options),
      certificates,
      onError: (err) => io.stderr(`stemguard: census failed (serving the last good metrics): ${err instanceof Error ? err.message : String(err)}\n`),
    })
    .catch((err: NodeJS.ErrnoException) => {
      throw new StemguardError(`cannot listen: ${err.code ?? err.message}`, { field: "--serve", value: flags.serve, fix: "pick a free port, or another --bind address" });
    });
  io.stderr(`stemguard census: serving http://${flags.bind}:${exporter.port}/metrics for ${target.url.redacted} (one census per ${flags.cacheSeconds} s at most; stop with SIGTERM)\n`);
  await new Promise<void>((resolve) => {
    const stop = () => {
      process.off("SIGTERM", stop);
      process.off("SIGINT", stop);
      void exporter.close().then(resolve);
    };
    process.once("SIGTERM", stop);
    process.once("SIGINT", stop);
  });
}

/** Progress on stderr for slow runs: nothing in the first 2 s, then a line every 2 s (redrawn in place on a terminal). */
function progressPrinter(io: CliIo): (p: CensusProgress) => void {
  const started = Date.now();
  let last = started;
  let drawn = false;
  return (p) => {
    const now = Date.now();
    if (now - started < 2000 || now - last < 2000) return;
    last = now;
    const text = `census: ${p.entriesRead} entries read, ${p.keysDone} of ${p.keysTotal} keys done`;
    io.stderr(io.stderrIsTty ? `\r\x1b[2K${text}` : `${text}\n`);
    drawn = io.stderrIsTty;
    if (drawn && p.keysDone === p.keysTotal) io.stderr("\r\x1b[2K");
  };
}

function parseServePort(value: string): number {
  if (!/^[0-9]+$/.test(value) || Number(value) > 65535) throw new InvalidArgumentError("give a port from 0 to 65535 (0 picks a free one), e.g. 9464");
  return Number(value);
}

function wholeNumber(field: string, min: number, max: number): (value: string) => number {
  return (value) => {
    if (!/^[0-9]+$/.test(value) || Number(value) < min || Number(value) > max) throw new InvalidArgumentError(`${field}: give a whole number from ${min} to ${max}`);
    return Number(value);
  };
}
