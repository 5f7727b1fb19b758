import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Testing, type TerraformStack } from "cdktf";
import { buildKubernetesFleetApp, KUBERNETES_FLEET_STACK_ID } from "../../lib/demo/kubernetes-fleet";
import type { SynthJson } from "./fixtures";
import { exampleBlocks } from "../support/docs-blocks";

const root = path.join(__dirname, "../..");

describe("docs/kubernetes.md", () => {
  test("every snippet marked <!-- example: name --> is the example's DOCS_BLOCK of that name", () => {
    const doc = fs.readFileSync(path.join(root, "docs/kubernetes.md"), "utf8");
    const blocks = exampleBlocks(path.join(root, "lib/demo/kubernetes-fleet.ts"));
    const snippets = [...doc.matchAll(/<!-- example: (\w+) -->\n```ts\n([\s\S]*?)\n```/g)];
    expect(snippets.map((s) => s[1])).toEqual(["keyring", "producer", "worker", "beat"]);
    for (const [, name, body] of snippets) {
      expect(blocks.has(name)).toBe(true);
      expect(body).toBe(blocks.get(name));
    }
  });

  test("the Terraform addresses it lists are the example's", () => {
    const doc = fs.readFileSync(path.join(root, "docs/kubernetes.md"), "utf8");
    const listed = [...doc.matchAll(/`kubernetes_secret_v1\.(\w+)`/g)].map((m) => m[1]).sort();
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), "stemguard-k8s-docs-"));
    const app = buildKubernetesFleetApp({ outdir });
    const json = JSON.parse(Testing.synth(app.node.findChild(KUBERNETES_FLEET_STACK_ID) as TerraformStack)) as SynthJson;
    expect(listed).toEqual(Object.keys(json.resource!.kubernetes_secret_v1).sort());
    expect(listed).toHaveLength(3);
    fs.rmSync(outdir, { recursive: true, force: true });
  });
});
