import * as path from "node:path";
import { StemguardError } from "../../core/errors";
import { DEFAULT_LEDGER_FILE } from "../../core/keyring/ledger-file";
import { LEDGER_FILE_PATTERN } from "../../core/ledger/manifest";
import { reviewPullRequest, type PullRequestReview } from "../../review/ledger-review";
import { assertGitRef, gitTopLevel, ledgerLikeFiles, readAtRef, readGivenFile, readInRepo, repoRelativePath } from "../../review/repo-files";
import { reviewLedgerFile, reviewRepository } from "../../review/review-ledgers";
import { changeReviewJson, COMMENT_MARKER, formatChangeReviewMarkdown, formatChangeReviewText } from "../../review/change/format";
import { readReviewInput } from "../../review/change/inputs";
import { reviewInputs } from "../../review/change/review-inputs";
import { CliExit, EXIT } from "../io";
import type { RegisterCommand } from "./index";

export const registerReview: RegisterCommand = (program, io) => {
  program
    .command("review")
    .description("Check that a pull request takes at most one legal step (or a safe revert) across every ledger stemguard.json declares, and say what rolls.")
    .option("--ledger <file>", "review this one ledger instead of every declared one")
    .option("--base <path>", "the base: a ledger file, a synth output folder (cdktf.out) or a `terraform show -json` plan file")
    .option("--head <path>", "the pull request's side, of the same kind as --base (default with a ledger --base: --ledger)")
    .option("--base-ref <git-ref>", "read the base ledgers from git at REF (e.g. origin/main)")
    .option("--format <format>", "text, json or markdown (a pull-request comment)")
    .option("--json", "print the verdict as JSON (short for --format json)")
    .addHelpText(
      "after",
      `
Without --ledger, every ledger in stemguard.json (repository root) is reviewed
against --base-ref; an undeclared stemguard.*.json, a declared ledger missing,
or more than one step across all ledgers fails.

With --base PATH --head PATH, each PATH is told apart by what it is: a ledger
file, a synth output folder (cdktf's manifest.json and stacks/*/cdk.tf.json),
or a plan (terraform show -json, read with the cdk.tf.json beside it). Both
must be the same kind. Per stack: resources added, changed, replaced and
destroyed by purpose, the workloads that roll in apply order, and the verdict
of every ledger the stemguard constructs render (docs/review.md).

Exit status: 0 unchanged, one legal step or a safe revert; 1 a check ran and
failed (illegal, unsafe, unparsable, missing or undeclared ledger, two steps);
64 bad input or git cannot read the base (never treated as "no ledger").
The Markdown output is meant for a pull-request comment.

Example:
  $ stemguard review --base-ref origin/main
  **stemguard**: legal step. phase 1 -> 2: stage "k2": every role trusts it, nothing signs with it yet. Rolls: producer, worker, beat.
  $ stemguard review --base base/cdktf.out --head cdktf.out --format markdown > comment.md`,
    )
    .action((opts: { ledger?: string; base?: string; head?: string; baseRef?: string; json?: boolean; format?: string }) => {
      const format = outputFormat(opts);
      if (opts.head !== undefined) {
        if (opts.base === undefined || opts.baseRef !== undefined || opts.ledger !== undefined) {
          throw new StemguardError("--head goes with --base only", { field: "--head", value: { base: opts.base, baseRef: opts.baseRef, ledger: opts.ledger }, fix: "pass --base PATH --head PATH (two ledger files, two cdktf.out folders or two plan files)" });
        }
        const base = readReviewInput(path.resolve(io.cwd, opts.base), "--base");
        const head = readReviewInput(path.resolve(io.cwd, opts.head), "--head");
        if (base.kind !== head.kind) {
          throw new StemguardError(`--base is a ${base.kind} and --head is a ${head.kind}; both must be the same kind`, { field: "--base/--head", value: { base: opts.base, head: opts.head }, fix: "pass two ledger files, two synth output folders or two plan files" });
        }
        if (base.kind === "ledger" && head.kind === "ledger") {
          printLedgerReview(reviewPullRequest(reviewLedgerFile(opts.head, { absent: false, text: base.text }, { absent: false, text: head.text })), format, io);
          return;
        }
        const review = reviewInputs(base, head);
        const exitCode = review.ok ? EXIT.OK : EXIT.FAILED;
        if (format === "json") io.stdout(`${JSON.stringify(changeReviewJson(review, exitCode))}\n`);
        else if (format === "markdown") io.stdout(`${formatChangeReviewMarkdown(review)}\n`);
        else io.stdout(`${formatChangeReviewText(review)}\n`);
        if (!review.ok) throw new CliExit(exitCode);
        return;
      }
      if (!opts.base === !opts.baseRef) {
        throw new StemguardError("give exactly one of --base and --base-ref", {
          field: "--base/--base-ref",
          value: { base: opts.base, baseRef: opts.baseRef },
          fix: "pass --base-ref origin/main to read the base from git, or --base FILE with --ledger FILE",
        });
      }
      let review: PullRequestReview;
      if (opts.base !== undefined) {
        const ledger = opts.ledger ?? DEFAULT_LEDGER_FILE;
        const head = readGivenFile(path.resolve(io.cwd, ledger), "--ledger");
        const base = readGivenFile(path.resolve(io.cwd, opts.base), "--base");
        if (base.absent) throw new StemguardError("the base ledger file does not exist", { field: "--base", value: opts.base, fix: "pass the base branch's ledger file" });
        review = reviewPullRequest(reviewLedgerFile(ledger, base, head));
      } else {
        const ref = opts.baseRef!;
        const top = gitTopLevel(io.cwd);
        assertGitRef(top, ref);
        if (opts.ledger !== undefined) {
          const rel = repoRelativePath(top, path.resolve(io.cwd, opts.ledger), "--ledger");
          const head = readInRepo(top, rel, "--ledger");
          const base = readAtRef(top, ref, rel);
          if (head.absent && base.absent) {
            throw new StemguardError("no ledger at this path, here or at the base ref", { field: "--ledger", value: opts.ledger, fix: "pass the ledger's path, or omit --ledger to review every ledger in stemguard.json" });
          }
          review = reviewPullRequest(reviewLedgerFile(opts.ledger, base, head));
        } else {
          review = reviewRepository({
            head: (rel) => readInRepo(top, rel, rel),
            base: (rel) => readAtRef(top, ref, rel),
            ledgerLikeFiles: () => ledgerLikeFiles(top, LEDGER_FILE_PATTERN),
          });
        }
      }
      printLedgerReview(review, format, io);
    });
};

/** --format, with --json as its short form; a conflicting pair or an unknown format is a usage error. */
function outputFormat(opts: { json?: boolean; format?: string }): "text" | "json" | "markdown" | undefined {
  if (opts.format !== undefined && !["text", "json", "markdown"].includes(opts.format)) {
    throw new StemguardError("unknown format", { field: "--format", value: opts.format, fix: "use text, json or markdown" });
  }
  if (opts.json && opts.format !== undefined && opts.format !== "json") throw new StemguardError("--json is --format json", { field: "--json/--format", value: opts.format, fix: "pass one of them" });
  return opts.json ? "json" : (opts.format as "text" | "json" | "markdown" | undefined);
}

function printLedgerReview(review: PullRequestReview, format: string | undefined, io: Parameters<RegisterCommand>[1]): void {
  const exitCode = review.ok ? EXIT.OK : EXIT.FAILED;
  if (format === "json") {
    io.stdout(
      `${JSON.stringify({
        ok: review.ok,
        exitCode,
        meaning: review.ok ? "ok: unchanged, one legal step or a safe revert" : "a check ran and failed",
        steps: review.steps,
        ledgers: review.ledgers.map(({ markdown, ...rest }) => ({ ...rest, message: markdown })),
      })}\n`,
    );
  } else io.stdout(`${format === "markdown" ? `${COMMENT_MARKER}\n` : ""}${review.markdown}\n`);
  if (!review.ok) throw new CliExit(exitCode);
}
