import * as fs from "node:fs";

/** `// DOCS_BLOCK_START:<name>` ... `// DOCS_BLOCK_END:<name>` regions of a source file, dedented (the code a doc snippet must equal). */
export function exampleBlocks(file: string): Map<string, string> {
  const text = fs.readFileSync(file, "utf8");
  const blocks = new Map<string, string>();
  for (const m of text.matchAll(/\/\/ DOCS_BLOCK_START:(\w+)\n([\s\S]*?)\n\s*\/\/ DOCS_BLOCK_END:\1/g)) {
    const lines = m[2].split("\n");
    const indent = Math.min(...lines.filter((l) => l.trim()).map((l) => l.length - l.trimStart().length));
    blocks.set(m[1], lines.map((l) => l.slice(indent)).join("\n"));
  }
  return blocks;
}
