import { execFileSync } from "node:child_process";
import * as path from "node:path";
import { StemguardError } from "../../core/errors";
import { parseJsonText, readJsonFile } from "../../core/fs/read-json-file";
import { DEFAULT_LEDGER_FILE, parseLedger } from "../../core/keyring/ledger-file";
import { emptyLedger } from "../../core/keyring/steps";
import { reviewLedgerChange } from "../../review/ledger-review";
import { CliExit, EXIT } from "../io";
import type { RegisterCommand } from "./index";

export const registerReview: RegisterCommand = (program, io) => {
  program
    .command("review")
    .description("Check that a pull request changes a ledger (signing keyring or stemguard.tls.json CA ledger) by exactly one legal step, and say what rolls.")
    .option("--ledger <file>", "the pull request's ledger", DEFAULT_LEDGER_FILE)
    .option("--base <file>", "the base branch's ledger, as a file")
    .option("--base-ref <git-ref>", "read the base ledger from git at REF (e.g. origin/main)")
    .option("--json", "print the verdict as JSON")
    .addHelpText(
      "after",
      `
Exit status: 0 unchanged or one legal step, 1 illegal change, 64 bad input.
The Markdown output is meant for a pull-request comment.

Example:
  $ stemguard review --base-ref origin/main
  **stemguard**: legal step. phase 1 -> 2: stage "k2": every role trusts it, nothing signs with it yet. Rolls: producer, worker, beat.`,
    )
    .action((opts: { ledger: string; base?: string; baseRef?: string; json?: boolean }) => {
      if (!opts.base === !opts.baseRef) {
        throw new StemguardError("give exactly one of --base and --base-ref", {
          field: "--base/--base-ref",
          value: { base: opts.base, baseRef: opts.baseRef },
          fix: "pass --base FILE, or --base-ref origin/main to read the ledger from git",
        });
      }
      const headFile = path.resolve(io.cwd, opts.ledger);
      const fix = "restore the file from version control";
      const headData = readJsonFile(headFile, { field: "--ledger", missingFix: "pass --ledger PATH", invalidFix: fix });
      // A pull request that creates the ledger has no base: it is reviewed against phase 0.
      const baseData = opts.base
        ? readJsonFile(path.resolve(io.cwd, opts.base), { field: "--base", missingFix: "pass --base PATH", invalidFix: fix })
        : ((text) => (text === undefined ? undefined : parseJsonText(text, `${opts.baseRef}:${opts.ledger}`, fix)))(gitShow(io.cwd, opts.baseRef!, headFile));
      const baseSource = opts.base ?? `${opts.baseRef}:${opts.ledger}`;
      let review: { ok: boolean; markdown: string; diff: object };
      if ((headData as { kind?: unknown } | null)?.kind === "stemguard.tls-ca") {
        const { parseTlsLedger } = require("../../core/tls/ca-ledger-file") as typeof import("../../core/tls/ca-ledger-file");
        const { emptyTlsLedger } = require("../../core/tls/ca-ledger") as typeof import("../../core/tls/ca-ledger");
        const { reviewTlsLedgerChange } = require("../../review/tls-ledger-review") as typeof import("../../review/tls-ledger-review");
        const head = parseTlsLedger(headData, headFile);
        review = reviewTlsLedgerChange(baseData === undefined ? emptyTlsLedger() : parseTlsLedger(baseData, baseSource), head, opts.ledger);
      } else {
        const head = parseLedger(headData, headFile);
        review = reviewLedgerChange(baseData === undefined ? emptyLedger(head.algorithm, head) : parseLedger(baseData, baseSource), head, opts.ledger);
      }
      if (opts.json) io.stdout(`${JSON.stringify({ ok: review.ok, ...review.diff })}\n`);
      else io.stdout(`${review.markdown}\n`);
      if (!review.ok) throw new CliExit(EXIT.FAILED);
    });
};

/** The file's text at `ref`, or undefined when the ref exists but the file does not. */
function gitShow(cwd: string, ref: string, file: string): string | undefined {
  const git = (...args: string[]) => execFileSync("git", args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  let top: string;
  try {
    top = git("rev-parse", "--show-toplevel").trim();
    git("rev-parse", "--verify", "--quiet", `${ref}^{commit}`);
  } catch {
    throw new StemguardError("not a git checkout, or unknown ref", { field: "--base-ref", value: ref, fix: "run inside the repository and fetch the base branch (git fetch origin), or pass --base FILE" });
  }
  const rel = path.relative(top, file).split(path.sep).join("/");
  try {
    git("cat-file", "-e", `${ref}:${rel}`);
  } catch {
    return undefined;
  }
  try {
    return git("show", `${ref}:${rel}`);
  } catch {
    throw new StemguardError("cannot read the base ledger from git", { field: "--base-ref", value: `${ref}:${rel}`, fix: "fetch the base branch (git fetch origin) or pass --base FILE" });
  }
}
