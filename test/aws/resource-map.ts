// Flattens a synthesized stack into "kind.type.name" -> config text, for phase diffs.

type Json = Record<string, unknown>;

/** Drops cdktf's 8-hex-digit logical-ID suffix so addresses read like construct paths. */
export function readable(name: string): string {
  return name.replace(/_[0-9A-F]{8}$/, "");
}

/** `resource.<type>.<name>`, `ephemeral.<type>.<name>`, `data.<type>.<name>` and `variable.<name>` blocks. */
export function blockMap(stackJson: string | Json): Map<string, string> {
  const stack = (typeof stackJson === "string" ? JSON.parse(stackJson) : stackJson) as Json;
  const map = new Map<string, string>();
  for (const kind of ["resource", "ephemeral", "data"]) {
    for (const [type, blocks] of Object.entries((stack[kind] ?? {}) as Record<string, Json>)) {
      for (const [name, body] of Object.entries(blocks)) {
        const { "//": _meta, ...rest } = body as Json;
        map.set(`${kind}.${type}.${readable(name)}`, JSON.stringify(rest));
      }
    }
  }
  for (const [name, body] of Object.entries((stack.variable ?? {}) as Json)) map.set(`variable.${name}`, JSON.stringify(body));
  return map;
}

export interface BlockDiff {
  readonly added: string[];
  readonly removed: string[];
  readonly changed: string[];
}

/** What changed between two synths, each list sorted. */
export function diffBlocks(before: Map<string, string>, after: Map<string, string>): BlockDiff {
  const added = [...after.keys()].filter((k) => !before.has(k)).sort();
  const removed = [...before.keys()].filter((k) => !after.has(k)).sort();
  const changed = [...after.keys()].filter((k) => before.has(k) && before.get(k) !== after.get(k)).sort();
  return { added, removed, changed };
}
