/** A Terraform JSON document as cdktf synthesizes it (`cdk.tf.json`). */
export type TerraformJson = Record<string, unknown>;

export interface BlockChange {
  /** Terraform address: `aws_secretsmanager_secret.x`, `data.aws_iam_policy_document.y`, `variable.z`. */
  readonly address: string;
  readonly action: "create" | "delete" | "update";
  /** For updates: the top-level arguments whose value changed, sorted. */
  readonly changedArguments?: readonly string[];
}

/** Block kinds compared, and how their addresses are prefixed. */
const BLOCKS: readonly { key: string; prefix: string; typed: boolean }[] = [
  { key: "resource", prefix: "", typed: true },
  { key: "data", prefix: "data.", typed: true },
  { key: "ephemeral", prefix: "ephemeral.", typed: true },
  { key: "variable", prefix: "var.", typed: false },
  { key: "output", prefix: "output.", typed: false },
  { key: "locals", prefix: "local.", typed: false },
];

/**
 * What changes between two synthesized stacks, block by block, ignoring
 * cdktf's `//` metadata. It reads configuration, not state, so it shows what a
 * reviewer should expect `terraform plan` to touch.
 */
export function diffSynth(before: TerraformJson, after: TerraformJson): BlockChange[] {
  const a = flatten(before);
  const b = flatten(after);
  const changes: BlockChange[] = [];
  for (const [address, value] of a) {
    if (!b.has(address)) changes.push({ address, action: "delete" });
    else {
      const other = b.get(address) as Record<string, unknown>;
      const keys = new Set([...Object.keys(value as object), ...Object.keys(other)]);
      const changed = [...keys].filter((k) => stable((value as Record<string, unknown>)[k]) !== stable(other[k])).sort();
      if (changed.length > 0) changes.push({ address, action: "update", changedArguments: changed });
    }
  }
  for (const address of b.keys()) if (!a.has(address)) changes.push({ address, action: "create" });
  return changes.sort((x, y) => (x.address < y.address ? -1 : x.address > y.address ? 1 : 0));
}

function flatten(doc: TerraformJson): Map<string, unknown> {
  const out = new Map<string, unknown>();
  for (const { key, prefix, typed } of BLOCKS) {
    const block = doc[key];
    if (!block || typeof block !== "object") continue;
    for (const [name, body] of Object.entries(block as Record<string, unknown>)) {
      if (name === "//") continue;
      if (typed) {
        for (const [id, config] of Object.entries(body as Record<string, unknown>)) out.set(`${prefix}${name}.${id}`, stripMetadata(config));
      } else {
        out.set(`${prefix}${name}`, stripMetadata(body));
      }
    }
  }
  return out;
}

function stripMetadata(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(stripMetadata);
  if (value && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).filter(([k]) => k !== "//").map(([k, v]) => [k, stripMetadata(v)]));
  }
  return value;
}

/** JSON with sorted keys, so argument comparison ignores key order. */
function stable(value: unknown): string {
  if (value === undefined) return "undefined";
  return JSON.stringify(value, (_k, v) =>
    v && typeof v === "object" && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([x], [y]) => (x < y ? -1 : 1))) : v,
  );
}

/** One line per change, for terminals and review comments. */
export function formatSynthDiff(changes: readonly BlockChange[]): string[] {
  const sign = { create: "+", delete: "-", update: "~" } as const;
  return changes.map((c) => `${sign[c.action]} ${c.address}${c.changedArguments ? ` (${c.changedArguments.join(", ")})` : ""}`);
}
