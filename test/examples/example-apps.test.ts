import * as fs from "node:fs";
import * as path from "node:path";
import { App, TerraformStack, Testing } from "cdktf";
import { readLedgerFile } from "../../lib/core/keyring/ledger-file";
import { AWS_FLEET_STACK_ID, awsFleetExampleLedger, buildAwsFleetApp, buildKubernetesFleetApp, KUBERNETES_FLEET_STACK_ID, kubernetesFleetExampleLedger } from "../../lib/demo";
import { addExampleAwsFleet } from "../../examples/aws-fleet/main";
import { addExampleKubernetesFleet } from "../../examples/kubernetes-fleet/main";

const ROOT = path.join(__dirname, "..", "..");

/** Every file under `dir` whose name ends in one of `exts`. */
function listFiles(dir: string, exts: string[]): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    return e.isDirectory() ? listFiles(full, exts) : exts.some((x) => e.name.endsWith(x)) ? [full] : [];
  });
}

const synthStack = (app: App, id: string) => JSON.parse(Testing.synth(app.node.findChild(id) as TerraformStack)) as unknown;

describe("example apps (examples/): thin apps on the package, imported by its name", () => {
  test("import stemguard by name only, never lib/ by relative path", () => {
    const sources = listFiles(path.join(ROOT, "examples"), [".ts"]);
    expect(sources.map((f) => path.relative(ROOT, f)).sort()).toEqual(["examples/aws-fleet/main.ts", "examples/kubernetes-fleet/main.ts", "examples/main.ts", "examples/security/aws.ts", "examples/security/kubernetes.ts"]);
    for (const file of sources) {
      const specifiers = [...fs.readFileSync(file, "utf8").matchAll(/\bfrom "([^"]+)"/g)].map((m) => m[1]);
      // Deep provider imports (@cdktf/provider-*/lib/...) are how apps import providers; stemguard's lib/ never.
      expect(specifiers.filter((s) => (!s.startsWith("@cdktf/") && s.includes("lib/")) || s.startsWith("../"))).toEqual([]);
    }
    const named = listFiles(path.join(ROOT, "examples"), [".ts"]).flatMap((f) => [...fs.readFileSync(f, "utf8").matchAll(/\bfrom "(stemguard[^"]*)"/g)].map((m) => m[1]));
    expect(new Set(named)).toEqual(new Set(["stemguard", "stemguard/demo", "stemguard/aws", "stemguard/kubernetes"]));
  });

  test("each app's ledger file is the fleet's default ledger, so the shipped demo and the apps agree", () => {
    expect(readLedgerFile(path.join(ROOT, "examples/aws-fleet/stemguard.rotation.json"))).toEqual(awsFleetExampleLedger());
    expect(readLedgerFile(path.join(ROOT, "examples/kubernetes-fleet/stemguard.rotation.json"))).toEqual(kubernetesFleetExampleLedger());
  });

  test("the root app (cdktf.json) holds both fleets, Terraform for Terraform the same as the demo's builders", () => {
    const app = new App({ outdir: "unused" });
    addExampleAwsFleet(app);
    addExampleKubernetesFleet(app);
    expect(app.node.children.map((c) => c.node.id).sort()).toEqual([KUBERNETES_FLEET_STACK_ID, AWS_FLEET_STACK_ID].sort());
    expect(synthStack(app, AWS_FLEET_STACK_ID)).toEqual(synthStack(buildAwsFleetApp({ outdir: "unused" }).app, AWS_FLEET_STACK_ID));
    expect(synthStack(app, KUBERNETES_FLEET_STACK_ID)).toEqual(synthStack(buildKubernetesFleetApp({ outdir: "unused" }), KUBERNETES_FLEET_STACK_ID));
  });

  test("the root cdktf.json runs that app (built first when stale), as cdktf's project layout has it", () => {
    const config = JSON.parse(fs.readFileSync(path.join(ROOT, "cdktf.json"), "utf8")) as { app: string; language: string };
    expect(config.language).toBe("typescript");
    expect(config.app).toBe("node scripts/build.js --if-stale && node dist/examples/main.js");
  });
});

describe("lib/ (what the package ships)", () => {
  test("references nothing under examples/ (the tarball has no examples/)", () => {
    const offenders = listFiles(path.join(ROOT, "lib"), [".ts", ".json"]).filter((f) => /(^|[^A-Za-z])examples\//.test(fs.readFileSync(f, "utf8")));
    expect(offenders.map((f) => path.relative(ROOT, f))).toEqual([]);
  });
});
