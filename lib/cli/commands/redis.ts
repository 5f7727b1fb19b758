import * as fs from "node:fs";
import * as path from "node:path";
import type { Command } from "commander";
import { StemguardError } from "../../core/errors";
import { assertWriteTarget, writeFileAtomic } from "../../core/fs/atomic-write";
import { diffSections } from "../../core/ledger/diff";
import { registerLedger } from "../../core/ledger/manifest";
import { emptySection, type LedgerSection } from "../../core/ledger/section";
import { formatLedgerStatus } from "../../core/ledger/table";
import {
  applyRedisPasswordStep,
  applyRedisTlsStep,
  currentRedisPhase,
  DEFAULT_REDIS_LEDGER_FILE,
  initRedisLedger,
  readRedisLedgerFile,
  redisWalk,
  writeRedisLedgerFile,
  type RedisLedger,
} from "../../core/redis/ledger-file";
import { CENSUS_USER_NAME } from "../../core/redis/census-user";
import { generateRedisPassword, readRedisPassword, readRedisPasswordFile, redisPasswordFileText, redisPasswordHash } from "../../core/redis/password";
import { redisPasswordsKind } from "../../core/redis/passwords-kind";
import { renderLiveConf, renderRedisConf, renderReloadScript, renderUsersAcl } from "../../core/redis/server-config";
import { REDIS_EDITOR, redisTlsKind } from "../../core/redis/tls-kind";
import { REDIS_CLIENT_AUTH, REDIS_TLS_MODES, type RedisPasswordStep } from "../../core/redis/types";
import { assertKeyId } from "../../core/keyring/key-id";
import { LEDGER_KIND_NAMES } from "../../review/ledger-kinds";
import { parsePortFlag } from "../flags";
import { CliExit, EXIT, type CliIo } from "../io";
import type { RegisterCommand } from "./index";

type Opts = { ledger: string; json?: boolean };

const NEXT: Record<string, string> = {
  "init plain": `Next: apply, then '${REDIS_EDITOR} tls dual' when the server certificate is in place.`,
  "init tls-only": `Next: apply; add a password with '${REDIS_EDITOR} password init <id>' in its own pull request.`,
  "tls dual": `Next: apply; check TLS with 'stemguard health' against the TLS port, then '${REDIS_EDITOR} tls clients-tls'.`,
  "tls clients-tls": `Next: apply (every role rolls onto rediss://); when 'stemguard health' passes with each role's env, '${REDIS_EDITOR} tls tls-only'.`,
  "tls tls-only": "Next: apply; plain connections are refused from now on.",
  "client-auth optional": `Next: apply (clients get their certificates); when every role runs this phase, '${REDIS_EDITOR} client-auth yes'.`,
  "client-auth yes": "Next: apply; TLS clients without a certificate are refused from now on.",
  "password init": `Next: generate it with '${REDIS_EDITOR} password generate --id <id> --out material/<id>.password' before apply.`,
  "password stage": `Next: apply (the server accepts both), then '${REDIS_EDITOR} password activate <id>'.`,
  "password activate": `Next: apply (every role sends the new password); when no client uses the old one, '${REDIS_EDITOR} password retire <old-id>'.`,
  "password retire": "Next: nothing; the password rotation is complete.",
};

export const registerRedis: RegisterCommand = (program, io) => {
  const redis = program
    .command("redis")
    .description("Edit the Redis ledger (TLS mode, client certificates, passwords) one step at a time, and render the server's files.")
    .addHelpText(
      "after",
      `
Steps (one per pull request; the ledger is ${DEFAULT_REDIS_LEDGER_FILE}):
  init --mode plain|tls-only   create the ledger (tls-only only for a new deployment)
  tls dual                     the server accepts TLS beside plain; clients stay plain
  tls clients-tls              every role's Redis URLs switch to rediss://
  tls tls-only                 the server refuses plain
  client-auth optional|yes     client certificates (self-run Redis; ElastiCache has none)
  password init|stage|activate|retire ID
                               the default user's passwords, with an overlap (TLS first)
  password generate --id ID [--out FILE]
  status                       the phase tables
  drill                        every phase's clients against the server of the same and the next phase
  render --out DIR             the server's redis.conf, live.conf, users.acl and reload.sh

Example:
  $ stemguard redis init --mode plain
  $ stemguard redis tls dual          # PR 1
  $ stemguard redis tls clients-tls   # PR 2
  $ stemguard redis tls tls-only      # PR 3`,
    );
  const ledgerOption = (cmd: Command) => cmd.option("--ledger <file>", "Redis ledger file", DEFAULT_REDIS_LEDGER_FILE).option("--json", "print the result as JSON");

  ledgerOption(redis.command("init").description("Create the Redis ledger.").requiredOption("--mode <mode>", "plain (an existing deployment) or tls-only (a new one)")).action(
    (opts: Opts & { mode: string }) => {
      const file = path.resolve(io.cwd, opts.ledger);
      if (fs.existsSync(file)) throw new StemguardError("the Redis ledger already exists", { field: "--ledger", value: opts.ledger, fix: `take a step with '${REDIS_EDITOR} tls <mode>', or pass another --ledger path` });
      if (opts.mode !== "plain" && opts.mode !== "tls-only") throw new StemguardError("--mode must be plain or tls-only", { field: "--mode", value: opts.mode, fix: "plain for a running deployment (then dual, clients-tls, tls-only), tls-only for a new one" });
      const head = initRedisLedger(opts.mode);
      const registered = registerLedger(file, redisTlsKind.name, LEDGER_KIND_NAMES);
      try {
        writeRedisLedgerFile(file, head);
      } catch (err) {
        registered.undo();
        throw err;
      }
      report(io, opts, emptySection(redisTlsKind, {}), head.tls, file, `init ${opts.mode}`, head);
    },
  );

  ledgerOption(redis.command("tls <mode>").description(`Move the TLS mode one step: ${REDIS_TLS_MODES.slice(1).join(" -> ")}.`)).action((mode: string, opts: Opts) => {
    if (!(REDIS_TLS_MODES as readonly string[]).includes(mode)) throw new StemguardError(`mode must be one of ${REDIS_TLS_MODES.join(", ")}`, { field: "tls <mode>", value: mode, fix: "take the next mode: dual, clients-tls, then tls-only" });
    step(io, opts, (l) => applyRedisTlsStep(l, { op: "mode", mode: mode as (typeof REDIS_TLS_MODES)[number] }), "tls", `tls ${mode}`);
  });

  ledgerOption(redis.command("client-auth <setting>").description("Client certificates: no -> optional -> yes (self-run Redis only).")).action((setting: string, opts: Opts) => {
    if (!(REDIS_CLIENT_AUTH as readonly string[]).includes(setting)) throw new StemguardError(`setting must be one of ${REDIS_CLIENT_AUTH.join(", ")}`, { field: "client-auth <setting>", value: setting, fix: "take optional, then yes" });
    step(io, opts, (l) => applyRedisTlsStep(l, { op: "client-auth", clientAuth: setting as (typeof REDIS_CLIENT_AUTH)[number] }), "tls", `client-auth ${setting}`);
  });

  const password = redis.command("password").description("The default user's passwords: init, stage, activate, retire, generate.");
  for (const op of ["init", "stage", "activate", "retire"] as const) {
    ledgerOption(password.command(`${op} <id>`).description(PASSWORD_HELP[op])).action((id: string, opts: Opts) => {
      const file = path.resolve(io.cwd, opts.ledger);
      // Declared before the write (undone if it fails): review then checks the new section.
      const registered = op === "init" ? registerLedger(file, redisPasswordsKind.name, LEDGER_KIND_NAMES) : { undo: () => undefined };
      try {
        step(io, opts, (l) => applyRedisPasswordStep(l, op as RedisPasswordStep["op"], id), "passwords", `password ${op}`);
      } catch (err) {
        registered.undo();
        throw err;
      }
    });
  }

  password
    .command("generate")
    .description("Generate a password Stem can carry in a URL (43 characters of [A-Za-z0-9_-], 256 bits).")
    .requiredOption("--id <id>", "the password's id in the ledger")
    .option("--out <file>", "write to FILE (atomically, mode 0600, never over an existing file) instead of stdout")
    .addHelpText("after", "\nThe output is secret material. Without --out it goes to stdout.\n\nExample:\n  $ stemguard redis password generate --id pw2 --out material/pw2.password")
    .action((opts: { id: string; out?: string }) => {
      assertKeyId(opts.id, "--id", "password id");
      const value = generateRedisPassword();
      if (!opts.out) return io.stdout(redisPasswordFileText(value));
      const file = path.resolve(io.cwd, opts.out);
      assertWriteTarget(file, "--out");
      if (fs.existsSync(file)) throw new StemguardError("file exists; refusing to overwrite a password", { field: "--out", value: opts.out, fix: "choose a new file (a new id gets a new file)" });
      if (!fs.existsSync(path.dirname(file))) fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
      writeFileAtomic(file, redisPasswordFileText(value), { mode: 0o600, overwrite: false, field: "--out" });
      io.stderr(`wrote ${opts.out} (mode 0600): Redis password "${opts.id}"\n`);
    });

  ledgerOption(redis.command("status").description("Show the TLS and password tables of the current phase.")).action((opts: Opts) => {
    const ledger = readRedisLedgerFile(path.resolve(io.cwd, opts.ledger));
    if (opts.json) return io.stdout(`${JSON.stringify({ ledger: opts.ledger, tlsPhase: ledger.tls.phase, passwordsPhase: ledger.passwords?.phase ?? 0, phase: currentRedisPhase(ledger), passwords: ledger.passwords?.state.passwords ?? [] })}\n`);
    const parts = [formatLedgerStatus(ledger.tls, opts.ledger, "redis-tls")];
    parts.push(ledger.passwords ? formatLedgerStatus(ledger.passwords, opts.ledger, "redis-passwords") : `No passwords yet (the server accepts clients without AUTH): '${REDIS_EDITOR} password init <id>' once the server speaks TLS.`);
    io.stdout(`${parts.join("\n\n")}\n`);
  });

  ledgerOption(
    redis
      .command("drill")
      .description("For every phase of the ledger, check that each role's env connects to the server of the same phase and of the next one (scheme, port, client certificate, password).")
      .addHelpText("after", "\nExit status: 0 when no role is cut off (the first password's cut-over is reported, see docs/redis.md), 1 when one would be.\n\nExample:\n  $ stemguard redis drill\n  redis drill: 10 phases, 19 client/server checks, 0 cut off"),
  ).action((opts: Opts) => {
    const { runRedisDrill } = require("../../core/redis/drill") as typeof import("../../core/redis/drill");
    const walk = redisWalk(readRedisLedgerFile(path.resolve(io.cwd, opts.ledger)));
    const report = runRedisDrill(walk);
    if (opts.json) io.stdout(`${JSON.stringify({ ok: report.failures.length === 0, ...report })}\n`);
    else {
      const line = (kind: string, f: (typeof report.failures)[number]) => `${kind}: clients of phase ${f.clientPhase} vs the server of phase ${f.serverPhase} (${f.step}): ${f.reason}`;
      io.stdout(
        `${[
          `redis drill: ${report.phases} phases, ${report.checks} client/server checks, ${report.failures.length} cut off`,
          ...report.failures.map((f) => line("FAIL", f)),
          ...report.cutovers.map((f) => `${line("cut-over", f)}; the first password cannot overlap (docs/redis.md)`),
        ].join("\n")}\n`,
      );
    }
    if (report.failures.length > 0) throw new CliExit(EXIT.FAILED);
  });

  ledgerOption(
    redis
      .command("render")
      .description("Write the current phase's server files: redis.conf, live.conf (what the reloader applies with CONFIG SET), users.acl (SHA-256 hashes only) and reload.sh.")
      .requiredOption("--out <dir>", "directory to write (created 0700)")
      .option("--material <dir>", "directory of <id>.password files (needed once the ledger has passwords)")
      .option("--tls-dir <dir>", "directory of server.crt, server.key and ca.crt as the server sees it (needed from dual on)")
      .option("--port <n>", "plain port", "6379")
      .option("--tls-port <n>", "TLS port", "6380")
      .option("--acl-file <path>", "users.acl path as the server sees it (default: OUT_DIR/users.acl)")
      .option("--unix-socket <path>", "unix socket for the reloader and probes", "/run/redis/redis.sock")
      .option("--data-dir <path>", "data directory as the server sees it", "/data")
      .option("--census-password-file <file>", "add the census's read-only user to users.acl with this password (docs/census.md)")
      .option("--census-user <name>", "the census user's name (with --census-password-file)", CENSUS_USER_NAME)
      .addHelpText(
        "after",
        "\nExample:\n  $ stemguard redis render --material material --tls-dir /etc/redis/tls --out redis-conf\n  wrote redis.conf, live.conf, users.acl (0600), reload.sh to redis-conf (tls-only, client-auth yes, 1 password)\n  $ stemguard redis render --material material --tls-dir /etc/redis/tls --census-password-file material/census.password --out redis-conf\n  wrote redis.conf, live.conf, users.acl (0600), reload.sh to redis-conf (tls-only, client-auth yes, 1 password, census user stemguard-census)",
      ),
  ).action((opts: Opts & { out: string; material?: string; tlsDir?: string; port: string; tlsPort: string; aclFile?: string; unixSocket: string; dataDir: string; censusPasswordFile?: string; censusUser: string }) => {
    const ledger = readRedisLedgerFile(path.resolve(io.cwd, opts.ledger));
    const phase = currentRedisPhase(ledger);
    const out = path.resolve(io.cwd, opts.out);
    const tlsDir = opts.tlsDir === undefined ? undefined : path.resolve(io.cwd, opts.tlsDir);
    const server = {
      port: parsePortFlag(opts.port, "--port"),
      tlsPort: parsePortFlag(opts.tlsPort, "--tls-port"),
      tlsFiles: tlsDir ? { cert: path.join(tlsDir, "server.crt"), key: path.join(tlsDir, "server.key"), ca: path.join(tlsDir, "ca.crt") } : undefined,
      aclFile: opts.aclFile ?? path.join(out, "users.acl"),
      unixSocket: opts.unixSocket,
      dataDir: opts.dataDir,
    };
    if (phase.mode !== "plain" && !tlsDir) throw new StemguardError(`mode ${phase.mode}: the server speaks TLS and needs its certificate files`, { field: "--tls-dir", fix: "pass --tls-dir DIR holding server.crt, server.key and ca.crt (stemguard tls generate writes them)" });
    if (phase.acceptedPasswords.length > 0 && !opts.material) throw new StemguardError("the ledger has passwords: users.acl needs their hashes", { field: "--material", fix: `pass --material DIR holding <id>.password files ('${REDIS_EDITOR} password generate --id <id> --out DIR/<id>.password')` });
    // Read every password first: nothing is written when one is missing or bad.
    const hashes = new Map(phase.acceptedPasswords.map((id) => [id, redisPasswordHash(readRedisPassword(path.resolve(io.cwd, opts.material!), id))]));
    if (opts.censusPasswordFile === undefined && opts.censusUser !== CENSUS_USER_NAME) throw new StemguardError("--census-user names the census user added by --census-password-file", { field: "--census-user", value: opts.censusUser, fix: "add --census-password-file FILE, or drop --census-user" });
    const censusUser =
      opts.censusPasswordFile === undefined ? undefined : { name: opts.censusUser, passwordHash: redisPasswordHash(readRedisPasswordFile(path.resolve(io.cwd, opts.censusPasswordFile), "--census-password-file")) };
    const files: [string, string, number][] = [
      ["redis.conf", renderRedisConf(phase, server), 0o644],
      ["live.conf", renderLiveConf(phase, server), 0o644],
      ["users.acl", renderUsersAcl(phase, (id) => hashes.get(id)!, [], censusUser ? { censusUser } : {}), 0o600],
      ["reload.sh", renderReloadScript({ liveConf: path.join(out, "live.conf"), unixSocket: server.unixSocket, passwordFile: path.join(out, "password"), watch: [server.aclFile] }), 0o755],
    ];
    for (const [name] of files) assertWriteTarget(path.join(out, name), "--out");
    if (!fs.existsSync(out)) fs.mkdirSync(out, { recursive: true, mode: 0o700 });
    for (const [name, text, mode] of files) writeFileAtomic(path.join(out, name), text, { mode, field: "--out" });
    const summary = `${phase.mode}, client-auth ${phase.mode === "plain" ? "n/a" : phase.clientAuth}, ${phase.acceptedPasswords.length} password${phase.acceptedPasswords.length === 1 ? "" : "s"}${censusUser ? `, census user ${censusUser.name}` : ""}`;
    if (opts.json) return io.stdout(`${JSON.stringify({ out, files: files.map(([n]) => n), phase, ...(censusUser ? { censusUser: censusUser.name } : {}) })}\n`);
    io.stdout(`wrote ${files.map(([n, , m]) => (m === 0o600 ? `${n} (0600)` : n)).join(", ")} to ${opts.out} (${summary})\n`);
  });
};

const PASSWORD_HELP: Record<RedisPasswordStep["op"], string> = {
  init: "Require a first password (the server must speak TLS: mode dual or later).",
  stage: "Stage a new password: the server accepts it beside the active one.",
  activate: "Activate a staged password: every role's URLs carry it; the previous one is retiring.",
  retire: "Retire a retiring password (after every role moved off it), or withdraw a staged one.",
};


function step(io: CliIo, opts: Opts, apply: (l: RedisLedger) => RedisLedger, section: "tls" | "passwords", nextKey: string): void {
  const file = path.resolve(io.cwd, opts.ledger);
  const base = readRedisLedgerFile(file);
  const head = apply(base);
  writeRedisLedgerFile(file, head);
  const before = section === "tls" ? base.tls : (base.passwords ?? emptySection(redisPasswordsKind, {}));
  report(io, opts, before, section === "tls" ? head.tls : head.passwords!, file, nextKey, head);
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
function report(io: CliIo, opts: Opts, base: LedgerSection<any, any, any>, head: LedgerSection<any, any, any>, file: string, nextKey: string, ledger: RedisLedger): void {
  const diff = diffSections(base, head);
  const summary = diff.kind === "step" ? diff.summary : `phase ${head.phase}`;
  if (opts.json) {
    io.stdout(`${JSON.stringify({ ledger: file, section: head.kind.name, phase: head.phase, step: head.history.at(-1), rolls: diff.kind === "step" ? diff.rolls : [], redis: currentRedisPhase(ledger) })}\n`);
    return;
  }
  const next = NEXT[nextKey] ?? NEXT[nextKey.split(" ").slice(0, 2).join(" ")];
  io.stdout(`${summary}\nWrote ${file}.\n\n${formatLedgerStatus(head, path.basename(file), head.kind.name)}\n\n${next}\n`);
}
