import * as path from "node:path";
import { StemguardError } from "../../core/errors";
import { DEFAULT_LEDGER_FILE } from "../../core/keyring/ledger-file";
import { LEDGER_FILE_PATTERN } from "../../core/ledger/manifest";
import { reviewPullRequest, type PullRequestReview } from "../../review/ledger-review";
import { assertGitRef, gitTopLevel, ledgerLikeFiles, readAtRef, readGivenFile, readInRepo, repoRelativePath } from "../../review/repo-files";
import { reviewLedgerFile, reviewRepository } from "../../review/review-ledgers";
import { CliExit, EXIT } from "../io";
import type { RegisterCommand } from "./index";

export const registerReview: RegisterCommand = (program, io) => {
  program
    .command("review")
    .description("Check that a pull request takes at most one legal step (or a safe revert) across every ledger stemguard.json declares, and say what rolls.")
    .option("--ledger <file>", "review this one ledger instead of every declared one")
    .option("--base <file>", "the base branch's ledger, as a file (with --ledger; default ledger stemguard.rotation.json)")
    .option("--base-ref <git-ref>", "read the base from git at REF (e.g. origin/main)")
    .option("--json", "print the verdict as JSON")
    .addHelpText(
      "after",
      `
Without --ledger, every ledger in stemguard.json (repository root) is reviewed
against --base-ref; an undeclared stemguard.*.json, a declared ledger missing,
or more than one step across all ledgers fails.

Exit status: 0 unchanged, one legal step or a safe revert; 1 a check ran and
failed (illegal, unsafe, unparsable, missing or undeclared ledger, two steps);
64 bad input or git cannot read the base (never treated as "no ledger").
The Markdown output is meant for a pull-request comment.

Example:
  $ stemguard review --base-ref origin/main
  **stemguard**: legal step. phase 1 -> 2: stage "k2": every role trusts it, nothing signs with it yet. Rolls: producer, worker, beat.`,
    )
    .action((opts: { ledger?: string; base?: string; baseRef?: string; json?: boolean }) => {
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
      const exitCode = review.ok ? EXIT.OK : EXIT.FAILED;
      if (opts.json) {
        io.stdout(
          `${JSON.stringify({
            ok: review.ok,
            exitCode,
            meaning: review.ok ? "ok: unchanged, one legal step or a safe revert" : "a check ran and failed",
            steps: review.steps,
            ledgers: review.ledgers.map(({ markdown, ...rest }) => ({ ...rest, message: markdown })),
          })}\n`,
        );
      } else io.stdout(`${review.markdown}\n`);
      if (!review.ok) throw new CliExit(exitCode);
    });
};
