import * as fs from "node:fs";
import * as path from "node:path";
import { InvalidArgumentError, type Command } from "commander";
import { StemguardError } from "../../core/errors";
import { diffLedgers } from "../../core/keyring/diff-ledgers";
import { DEFAULT_LEDGER_FILE, readLedgerFile, writeLedgerFile } from "../../core/keyring/ledger-file";
import { formatPhaseTable, phaseTable } from "../../core/keyring/phase-table";
import { applyStep, emptyLedger, initLedger, signingSection } from "../../core/keyring/steps";
import { signingKeyringKind } from "../../core/keyring/signing-kind";
import { registerLedger } from "../../core/ledger/manifest";
import { formatLedgerStatus } from "../../core/ledger/table";
import { LEDGER_KIND_NAMES } from "../../review/ledger-kinds";
import { type SigningAlgorithm, type SigningLedger, type StepOp } from "../../core/keyring/types";
import { UNSIGNED_KEY_LABEL } from "../../core/metrics/census-metrics";
import { CliExit, EXIT, type CliIo } from "../io";
import { ALGORITHM_FLAG_HELP, parseAlgorithmFlag } from "../flags";
import type { RegisterCommand } from "./index";

const NEXT: Record<StepOp, (id: string, head: SigningLedger) => string> = {
  init: (id) => `Next: generate material with 'stemguard keys generate --id ${id} ...', apply, then stage the next key when it is time to rotate.`,
  stage: (id) => `Next: merge and apply this phase (all roles roll and trust "${id}"), then 'stemguard rotate activate ${id}'.`,
  activate: (_id, head) => {
    const old = head.keys.find((k) => k.state === "retiring")?.id ?? "<old-id>";
    return `Next: merge and apply, wait until no live message is signed with "${old}" (delayed tasks, retries, leases; 'stemguard census --broker URL --key ${old}' shows where), then 'stemguard rotate retire ${old} --broker URL' (it runs that drain gate first).`;
  },
  retire: () => "Next: nothing; the rotation is complete.",
  enforce: () => "Next: merge and apply; workers now verify. Rotate later with 'stemguard rotate stage <new-id>'.",
  "verify-only-workers": () => "Next: merge and apply (only workers roll); retries that Stem re-signs fail from then on. Undo with 'stemguard rotate workers --sign'.",
  "sign-workers": () => "Next: merge and apply (only workers roll); workers re-sign retries again.",
};

export const registerRotate: RegisterCommand = (program, io) => {
  const rotate = program
    .command("rotate")
    .description("Edit the rotation ledger one step at a time (one step = one pull request = one apply).")
    .addHelpText(
      "after",
      `
Steps:
  init ID       create the ledger with ID as the active key
                (--producers-first on a fleet with unsigned traffic: workers verify only after 'enforce')
  enforce       turn verification on for workers (after the unsigned backlog drained)
  stage ID      every role trusts ID; nothing signs with it yet
  activate ID   every signer switches to ID; the previous key becomes retiring
  retire ID     drop a retiring key from every trust list (after drain)
  workers --sign | --verify-only
                ed25519: switch workers between re-signing retries and verify-only
  status        show the phase table

Example:
  $ stemguard rotate init k1 --algorithm hmac-sha256
  $ stemguard rotate stage k2      # PR 1
  $ stemguard rotate activate k2   # PR 2, then drain
  $ stemguard rotate retire k1     # PR 3`,
    );
  const ledgerOption = (cmd: Command) =>
    cmd.option("--ledger <file>", "ledger file", DEFAULT_LEDGER_FILE).option("--json", "print the result as JSON");

  ledgerOption(
    rotate
      .command("init <id>")
      .description("Create a ledger whose first phase has ID as the active key.")
      .requiredOption("--algorithm <name>", ALGORITHM_FLAG_HELP, parseAlgorithmFlag)
      .option("--verify-only-workers", "ed25519: give workers public keys only (retries then fail; docs/stem-compat.md §1.4)")
      .option("--producers-first", "adopt signing on a running fleet: producers and beat sign now, workers verify after 'rotate enforce'"),
  ).action((id: string, opts: { ledger: string; json?: boolean; algorithm: SigningAlgorithm; verifyOnlyWorkers?: boolean; producersFirst?: boolean }) => {
    const file = path.resolve(io.cwd, opts.ledger);
    if (fs.existsSync(file)) {
      throw new StemguardError("ledger already exists; init creates a new keyring", {
        field: "--ledger",
        value: opts.ledger,
        fix: "use 'stemguard rotate stage <id>' to rotate, or pass another --ledger path",
      });
    }
    const ledger = initLedger(opts.algorithm, id, { verifyOnlyWorkers: opts.verifyOnlyWorkers, producersFirst: opts.producersFirst });
    // Declared in stemguard.json first, so review checks it; undone if the ledger cannot be written.
    const registered = registerLedger(file, signingKeyringKind.name, LEDGER_KIND_NAMES);
    try {
      writeLedgerFile(file, ledger);
    } catch (err) {
      registered.undo();
      throw err;
    }
    report(io, opts, emptyLedger(ledger.algorithm, ledger), ledger, file);
  });

  for (const op of ["stage", "activate", "retire"] as const) {
    const cmd = ledgerOption(rotate.command(`${op} <id>`).description(descriptionOf(op)));
    if (op === "retire") gateOptions(cmd, "no live message is signed with the key");
    cmd.action(async (id: string, opts: GatedOpts) => {
      const file = path.resolve(io.cwd, opts.ledger);
      const base = readLedgerFile(file);
      const head = applyStep(base, op, id);
      // The drain gate runs after the step is known to be legal and before anything is written.
      if (op === "retire") await gateBeforeWrite(io, opts, id);
      writeLedgerFile(file, head);
      report(io, opts, base, head, file);
    });
  }

  gateOptions(
    ledgerOption(rotate.command("enforce").description("Turn on signature verification on workers of a --producers-first ledger, after unsigned messages drained.")),
    "no live message is unsigned",
  ).action(async (opts: GatedOpts) => {
    const file = path.resolve(io.cwd, opts.ledger);
    const base = readLedgerFile(file);
    const active = base.keys.find((k) => k.state === "active")!;
    const head = applyStep(base, "enforce", active.id);
    await gateBeforeWrite(io, opts, UNSIGNED_KEY_LABEL);
    writeLedgerFile(file, head);
    report(io, opts, base, head, file);
  });

  ledgerOption(
    rotate
      .command("workers")
      .description("Ed25519: switch workers between signing (they re-sign retries) and verify-only (public keys only; retries then fail). A step of its own: one pull request, only workers roll.")
      .option("--sign", "give workers the active seed again so Stem can re-sign retries and requeues")
      .option("--verify-only", "give workers public keys only; Stem's re-signing of retries and requeues fails from the apply on (docs/stem-compat.md §1.4)")
      .addHelpText(
        "after",
        `
Example:
  $ stemguard rotate workers --sign
  phase 3 -> 4: sign-workers: workers get the active key's seed again, so retries and requeues are re-signed. Rolls: worker.`,
      ),
  ).action((opts: { ledger: string; json?: boolean; sign?: boolean; verifyOnly?: boolean }) => {
    if (Boolean(opts.sign) === Boolean(opts.verifyOnly)) {
      throw new StemguardError("give exactly one of --sign and --verify-only", {
        field: "rotate workers",
        value: opts.sign ? "both" : "neither",
        fix: "pass --sign (workers re-sign retries) or --verify-only (public keys only)",
      });
    }
    const file = path.resolve(io.cwd, opts.ledger);
    const base = readLedgerFile(file);
    const active = base.keys.find((k) => k.state === "active")!;
    const head = applyStep(base, opts.verifyOnly ? "verify-only-workers" : "sign-workers", active.id);
    writeLedgerFile(file, head);
    report(io, opts, base, head, file);
  });

  ledgerOption(rotate.command("status").description("Show the phase table: each key, its state, which roles trust it and which sign with it.")).action(
    (opts: { ledger: string; json?: boolean }) => {
      const ledger = readLedgerFile(path.resolve(io.cwd, opts.ledger));
      if (opts.json) {
        io.stdout(`${JSON.stringify({ phase: ledger.phase, algorithm: ledger.algorithm, keys: phaseTable(ledger) })}\n`);
        return;
      }
      io.stdout(`${formatLedgerStatus(signingSection(ledger), opts.ledger, ledger.algorithm)}\n`);
    },
  );
};

interface GatedOpts {
  ledger: string;
  json?: boolean;
  broker?: string;
  gateInterval: number;
}

/** --broker and --gate-interval: the drain gate (stemguard census --key) before the ledger is written. */
function gateOptions(cmd: Command, what: string): Command {
  return cmd
    .option("--broker <url>", `run the drain gate first (like 'stemguard census --broker URL --key ...'): write the ledger only when ${what} in two passes in a row; STEM_TLS_* as for health`)
    .option("--gate-interval <ms>", "pause between the gate's two passes, in milliseconds", (v: string) => {
      if (!/^[0-9]+$/.test(v) || Number(v) > 600_000) throw new InvalidArgumentError("give a whole number of milliseconds from 0 to 600000, e.g. 2000");
      return Number(v);
    }, 2000);
}

/** With --broker: the drain gate; not drained ends the command with exit 1 and the ledger untouched. */
async function gateBeforeWrite(io: CliIo, opts: GatedOpts, keyId: string): Promise<void> {
  if (opts.broker === undefined) return;
  const { drainGate, gateJson, rotationGateTarget } = require("./census") as typeof import("./census");
  const result = await drainGate(io, rotationGateTarget(io, opts.broker), keyId, { intervalMs: opts.gateInterval, json: opts.json });
  if (result.drained) return;
  io.stderr(`stemguard: the ledger was not written: messages signed with "${result.keyLabel}" are still live. Fix: wait until they drain (stemguard census --broker URL --key ${keyId === UNSIGNED_KEY_LABEL ? `"${keyId}"` : keyId}) and run this step again\n`);
  if (opts.json) io.stdout(`${JSON.stringify({ ok: false, exitCode: EXIT.FAILED, error: { message: "not drained: the ledger was not written" }, gate: gateJson(result) })}\n`);
  throw new CliExit(EXIT.FAILED);
}

function descriptionOf(op: "stage" | "activate" | "retire"): string {
  return {
    stage: "Stage a new key: every role trusts it; nothing signs with it yet.",
    activate: "Activate a staged key: every signer switches to it; the previous active key becomes retiring.",
    retire: "Retire a retiring key after drain (or withdraw a staged key that never signed): it leaves every trust list.",
  }[op];
}

function report(io: CliIo, opts: { json?: boolean }, base: SigningLedger, head: SigningLedger, file: string): void {
  const step = head.history.at(-1)!;
  const diff = diffLedgers(base, head);
  const rolls = diff.kind === "step" ? diff.rolls : [];
  if (opts.json) {
    io.stdout(`${JSON.stringify({ ledger: file, phase: head.phase, step, rolls, keys: phaseTable(head) })}\n`);
    return;
  }
  const summary = diff.kind === "step" ? diff.summary : `phase ${head.phase}`;
  io.stdout(`${summary}\nWrote ${file}.\n\n${formatPhaseTable(head)}\n\n${NEXT[step.op](step.keyId, head)}\n`);
}
