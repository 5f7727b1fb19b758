// The Markdown review comment: verdict line, collapsible details, one Mermaid gitGraph per
// rotation with this pull request's step highlighted, each block parsed by Mermaid's own parser
// (@mermaid-js/parser, which parses gitGraph). The parser is ESM-only with ESM dependencies
// (langium, chevrotain), so it runs in a real Node ESM child process instead of through jest's
// CommonJS transform; one child parses every block.
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import { main } from "../../lib/cli/main";
import { fakeIo } from "../support/fake-io";
import { firstLedgers, signingPhases, synthApps } from "./support/review-apps";

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));
const synth = (...args: Parameters<typeof synthApps>) => {
  const d = synthApps(...args);
  dirs.push(d);
  return d;
};

async function markdown(base: string, head: string): Promise<{ code: number; text: string }> {
  const io = fakeIo(process.cwd());
  const code = await main(["review", "--base", base, "--head", head, "--format", "markdown"], io);
  return { code, text: io.out() };
}

/** Parses each block with @mermaid-js/parser; returns per block the commits (id, type, tags) or the parse error. */
function parseMermaid(blocks: string[]): unknown[] {
  const script = `
    import { parse } from "@mermaid-js/parser";
    const blocks = JSON.parse(process.argv[1]);
    const out = [];
    for (const b of blocks) {
      try {
        const ast = await parse("gitGraph", b);
        out.push(ast.statements.filter((s) => s.$type === "Commit").map((s) => ({ id: s.id, type: s.type ?? "NORMAL", tags: s.tags })));
      } catch (e) { out.push({ error: String(e.message).split("\\n")[0] }); }
    }
    console.log(JSON.stringify(out));`;
  return JSON.parse(execFileSync(process.execPath, ["--input-type=module", "-e", script, JSON.stringify(blocks)], { cwd: process.cwd(), encoding: "utf8" }));
}

const blocksOf = (text: string) => [...text.matchAll(/```mermaid\n([\s\S]*?)```/g)].map((m) => m[1]);

test("a legal step: verdict line, details, and a gitGraph of the rotation with the step highlighted that Mermaid parses", async () => {
  const [p1, p2, p3] = signingPhases();
  const base = synth({ ...firstLedgers(), signing: p2 });
  const head = synth({ ...firstLedgers(), signing: p3 });
  const { code, text } = await markdown(base, head);
  expect(code).toBe(0);
  expect(text.split("\n")[0]).toBe("<!-- stemguard-review -->");
  expect(text.split("\n")[1]).toMatch(/^\*\*stemguard review: ✅ safe: 1 ledger step \(signing-keyring: activate k2\); 2 stacks \(synth\): \d+ to add/);
  expect(text).toContain("<details><summary>Stack <code>stem-aws</code>");
  const blocks = blocksOf(text);
  const parsed = parseMermaid(blocks);
  const signing = parsed.find((p) => Array.isArray(p) && p.length === 3);
  expect(signing).toEqual([
    { id: "1: init k1", type: "NORMAL", tags: [] },
    { id: "2: stage k2", type: "NORMAL", tags: [] },
    { id: "3: activate k2", type: "HIGHLIGHT", tags: ["this PR"] },
  ]);
  // Every diagram parses (TLS and Redis rotations too), and the parser does fail on a broken one.
  expect(parsed.filter((p) => !Array.isArray(p))).toEqual([]);
  expect(parseMermaid(["gitGraph\n  commit id: \"x\" tipe: HIGHLIGHT\n"])).toEqual([{ error: expect.stringMatching(/Parse error/) }]);
  void p1;
});

test("an unsafe change: the verdict line says UNSAFE and each finding is listed above the details; a revert is drawn reversed", async () => {
  const [p1, p2] = signingPhases();
  const { code, text } = await markdown(synth({ ...firstLedgers(), signing: p1 }), synth({ ...firstLedgers(), signing: p1 }, { awsKeyringId: "SigningKeyring" }));
  expect(code).toBe(1);
  expect(text.split("\n")[1]).toMatch(/^\*\*stemguard review: ❌ UNSAFE \(\d+ findings?\)/);
  expect(text).toMatch(/\n- `stem-aws`: construct id changed: StemSigningKeyring stem-aws\/Signing is now stem-aws\/SigningKeyring/);
  const revert = await markdown(synth({ ...firstLedgers(), signing: p2 }), synth({ ...firstLedgers(), signing: p1 }));
  const parsed = parseMermaid(blocksOf(revert.text)) as { id: string; type: string; tags: string[] }[][];
  expect(parsed.find((p) => p.length === 2)).toEqual([
    { id: "1: init k1", type: "NORMAL", tags: [] },
    { id: "2: stage k2", type: "REVERSE", tags: ["reverted by this PR"] },
  ]);
});
