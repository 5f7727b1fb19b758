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

interface Commit {
  readonly id: string;
  readonly type: string;
  readonly tags: string[];
}
const BROKEN = 'gitGraph\n  commit id: "x" tipe: HIGHLIGHT\n';
let legal: { code: number; text: string };
let unsafe: { code: number; text: string };
let revert: { code: number; text: string };
/** Parse results of legal's blocks, revert's blocks, then the broken control: one child process for all. */
let parsed: { legal: unknown[]; revert: unknown[]; broken: unknown };

beforeAll(async () => {
  const [p1, p2, p3] = signingPhases();
  const at = (signing: typeof p1) => ({ ...firstLedgers(), signing });
  const [s1, s2, s3] = [synth(at(p1)), synth(at(p2)), synth(at(p3))];
  legal = await markdown(s2, s3);
  unsafe = await markdown(s1, synth(at(p1), { awsKeyringId: "SigningKeyring" }));
  revert = await markdown(s2, s1);
  const [a, b] = [blocksOf(legal.text), blocksOf(revert.text)];
  const all = parseMermaid([...a, ...b, BROKEN]);
  parsed = { legal: all.slice(0, a.length), revert: all.slice(a.length, a.length + b.length), broken: all.at(-1) };
});

test("a legal step: verdict line, details, and a gitGraph of the rotation with the step highlighted that Mermaid parses", () => {
  expect(legal.code).toBe(0);
  expect(legal.text.split("\n")[0]).toBe("<!-- stemguard-review -->");
  expect(legal.text.split("\n")[1]).toMatch(/^\*\*stemguard review: ✅ safe: 1 ledger step \(signing-keyring: activate k2\); 2 stacks \(synth\): \d+ to add/);
  expect(legal.text).toContain("<details><summary>Stack <code>stem-aws</code>");
  expect(parsed.legal.find((p) => Array.isArray(p) && p.length === 3)).toEqual([
    { id: "1: init k1", type: "NORMAL", tags: [] },
    { id: "2: stage k2", type: "NORMAL", tags: [] },
    { id: "3: activate k2", type: "HIGHLIGHT", tags: ["this PR"] },
  ]);
  // Every diagram parses (the TLS and Redis rotations too), and the parser does fail on a broken one.
  expect(parsed.legal.length).toBe(3);
  expect(parsed.legal.filter((p) => !Array.isArray(p))).toEqual([]);
  expect(parsed.broken).toEqual({ error: expect.stringMatching(/Parse error/) });
});

test("an unsafe change: the verdict line says UNSAFE and each finding is listed above the details", () => {
  expect(unsafe.code).toBe(1);
  expect(unsafe.text.split("\n")[1]).toMatch(/^\*\*stemguard review: ❌ UNSAFE \(\d+ findings?\)/);
  expect(unsafe.text).toMatch(/\n- `stem-aws`: construct id changed: StemSigningKeyring stem-aws\/Signing is now stem-aws\/SigningKeyring/);
});

test("a revert is drawn with the reverted entry reversed", () => {
  expect(revert.code).toBe(0);
  expect((parsed.revert as Commit[][]).find((p) => p.length === 2)).toEqual([
    { id: "1: init k1", type: "NORMAL", tags: [] },
    { id: "2: stage k2", type: "REVERSE", tags: ["reverted by this PR"] },
  ]);
});
