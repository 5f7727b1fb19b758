import * as fs from "node:fs";
import * as path from "node:path";
import { SECURITY_PART_IDS } from "../../lib/private/security-parts";
import { exampleBlocks } from "../support/docs-blocks";

const ROOT = path.join(__dirname, "../..");
const DOC = fs.readFileSync(path.join(ROOT, "docs/security.md"), "utf8");

describe("docs/security.md", () => {
  test("every snippet is the compiled example's DOCS_BLOCK of that name, on both platforms", () => {
    for (const platform of ["aws", "kubernetes"]) {
      const blocks = exampleBlocks(path.join(ROOT, `examples/security/${platform}.ts`));
      const snippets = [...DOC.matchAll(new RegExp(`<!-- ${platform}-example: (\\w+) -->\\n\`\`\`ts\\n([\\s\\S]*?)\\n\`\`\``, "g"))];
      expect(snippets.map((s) => s[1])).toEqual(["security", "bind"]);
      for (const [, name, body] of snippets) expect(body).toBe(blocks.get(name));
    }
  });

  test("the part table names the construct ids the code uses", () => {
    const table = [...DOC.matchAll(/^\| [a-zA-Z ]+ \| `(\w+)` \|/gm)].map((m) => m[1]);
    expect(table).toEqual(Object.values(SECURITY_PART_IDS));
  });
  // The example stacks are synthesized with validations (app.synth) by the leak tests of
  // test/aws/security.test.ts and test/kubernetes/security.test.ts.
});
