import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

// The built package without the repository around it: dist/lib, bin and package.json (what
// "files" ships) copied to a temp dir with no examples/. `npm test` builds dist/ before jest;
// the pack-install-run step of .ci/run covers the real tarball.
const ROOT = path.join(__dirname, "..", "..");
const BUILT = path.join(ROOT, "dist", "lib", "demo", "index.js");
const run = fs.existsSync(BUILT) ? test : test.skip;
if (!fs.existsSync(BUILT)) console.warn(`SKIP: ${path.relative(ROOT, BUILT)} is missing (run 'npm run build'); the shipped-demo check did not run`);

run("`stemguard demo` runs from the built package alone, without examples/", () => {
  const pkg = fs.mkdtempSync(path.join(os.tmpdir(), "stemguard-pkg-"));
  try {
    fs.cpSync(path.join(ROOT, "dist", "lib"), path.join(pkg, "dist", "lib"), { recursive: true });
    fs.cpSync(path.join(ROOT, "bin"), path.join(pkg, "bin"), { recursive: true });
    fs.copyFileSync(path.join(ROOT, "package.json"), path.join(pkg, "package.json"));
    fs.symlinkSync(path.join(ROOT, "node_modules"), path.join(pkg, "node_modules"), "dir");
    const res = spawnSync(process.execPath, ["bin/stemguard.js", "demo", "--quiet", "--services", "1", "--fleet-services", "4", "--out", "out"], { cwd: pkg, encoding: "utf8" });
    expect(res.stderr).not.toMatch(/Cannot find module/);
    expect(res.status).toBe(0);
    expect(res.stdout).toMatch(/^phase 4: retire k1 \(legal\): aws \d+ changes, kubernetes \d+ changes$/m);
    expect(fs.readdirSync(path.join(pkg, "out", "phase-4")).sort()).toEqual(["aws", "kubernetes"]);
    // The example fleet ships too: every environment's stacks, its ledgers and its report.
    expect(res.stdout).toMatch(/^fleet prod: signing phase 1 \(init k1\), 1 behind staging$/m);
    expect(fs.readdirSync(path.join(pkg, "out", "fleet", "cdktf.out", "stacks"))).toHaveLength(9);
    expect(fs.readdirSync(path.join(pkg, "out", "fleet", "envs")).sort()).toEqual(["dev", "prod", "staging"]);
    expect(fs.existsSync(path.join(pkg, "examples"))).toBe(false);
  } finally {
    fs.rmSync(pkg, { recursive: true, force: true });
  }
});

run("`stemguard demo --redis` needs no Terraform on PATH (cdktf's terraform_data check runs `terraform version`)", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "stemguard-noterraform-"));
  try {
    // A PATH with node alone: no terraform (it lives in /usr/local/bin or elsewhere on this machine).
    fs.mkdirSync(path.join(dir, "bin"));
    fs.symlinkSync(process.execPath, path.join(dir, "bin", "node"));
    const env = { ...process.env, PATH: path.join(dir, "bin") };
    expect(spawnSync("terraform", ["version"], { env }).error).toBeDefined(); // control: not found
    const res = spawnSync(process.execPath, [path.join(ROOT, "bin", "stemguard.js"), "demo", "--redis", "--quiet", "--services", "1", "--out", "out"], { cwd: dir, env, encoding: "utf8" });
    expect(res.stderr).not.toMatch(/stack trace|terraform/i);
    expect(res.status).toBe(0);
    expect(res.stdout).toMatch(/^phase 8: password retire pw1 \(legal\): aws \d+ changes$/m);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
