import { CONSTRUCT_FAMILIES, SYNTH_MARKER_KEY, SYNTH_MARKER_VERSION, type MarkedConstruct } from "../../core/synth-marker/marker";
import type { Json } from "./inputs";

/** One managed resource of a synthesized stack. */
export interface StackResource {
  /** `type.name`, as Terraform addresses it in the root module. */
  readonly address: string;
  readonly type: string;
  /** The construct path cdktf recorded (`"//".metadata.path`); absent in JSON without metadata. */
  readonly path?: string;
  /** The arguments, without cdktf's `//` metadata. */
  readonly config: Json;
  /** Addresses of the stack's resources this one references (`${type.name.attr}`). */
  readonly references: readonly string[];
}

/** A synthesized stack as the review reads it. */
export interface StackModel {
  readonly name: string;
  /** stemguard's constructs in this stack (empty when the stack has none). */
  readonly constructs: readonly MarkedConstruct[];
  /** Why the stemguard record could not be read (the review then fails closed). */
  readonly markerProblem?: string;
  readonly resources: ReadonlyMap<string, StackResource>;
}

const REF = /\$\{[^}]*?\b((?:aws|kubernetes|random|tls|time|null|local)_[a-z0-9_]*)\.([A-Za-z0-9_-]+)\b/g;

/** Reads a stack's Terraform JSON: managed resources with their construct paths and references, and the stemguard record. */
export function stackModel(name: string, json: Json): StackModel {
  const resources = new Map<string, StackResource>();
  const block = json.resource;
  if (block && typeof block === "object") {
    for (const [type, byName] of Object.entries(block as Record<string, unknown>)) {
      if (!byName || typeof byName !== "object") continue;
      for (const [id, raw] of Object.entries(byName as Record<string, unknown>)) {
        const body = (raw ?? {}) as Json;
        const meta = (body["//"] as Json | undefined)?.metadata as Json | undefined;
        const config = stripMetadata(body) as Json;
        resources.set(`${type}.${id}`, { address: `${type}.${id}`, type, ...(typeof meta?.path === "string" ? { path: meta.path } : {}), config, references: [] });
      }
    }
  }
  for (const resource of resources.values()) {
    const text = JSON.stringify(resource.config);
    const refs = new Set<string>();
    for (const m of text.matchAll(REF)) {
      const address = `${m[1]}.${m[2]}`;
      if (address !== resource.address && resources.has(address)) refs.add(address);
    }
    (resource as { references: readonly string[] }).references = [...refs].sort();
  }
  const marker = readMarker(json);
  return { name, resources, constructs: "constructs" in marker ? marker.constructs : [], ...("problem" in marker ? { markerProblem: marker.problem } : {}) };
}

function stripMetadata(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(stripMetadata);
  if (value && typeof value === "object") return Object.fromEntries(Object.entries(value).filter(([k]) => k !== "//").map(([k, v]) => [k, stripMetadata(v)]));
  return value;
}

/** The stemguard record of a stack (lib/core/synth-marker), validated field by field. */
export function readMarker(json: Json): { readonly constructs: MarkedConstruct[] } | { readonly problem: string } {
  const raw = (json["//"] as Json | undefined)?.[SYNTH_MARKER_KEY];
  if (raw === undefined) return { constructs: [] };
  const bad = (problem: string) => ({ problem: `the stack's stemguard record (//.${SYNTH_MARKER_KEY}) ${problem}; synthesize again with this stemguard, do not edit cdk.tf.json` });
  if (!raw || typeof raw !== "object" || Array.isArray(raw)) return bad("is not an object");
  const record = raw as Json;
  if (record.schemaVersion !== SYNTH_MARKER_VERSION) return bad(`has schemaVersion ${JSON.stringify(record.schemaVersion)}, this stemguard reads ${SYNTH_MARKER_VERSION}`);
  if (!Array.isArray(record.constructs)) return bad("has no constructs list");
  const constructs: MarkedConstruct[] = [];
  const paths = new Set<string>();
  for (const [i, c] of (record.constructs as unknown[]).entries()) {
    const e = (c ?? {}) as Json;
    if (typeof e.path !== "string" || e.path === "" || paths.has(e.path)) return bad(`constructs[${i}].path is missing or repeated`);
    if (!CONSTRUCT_FAMILIES.includes(e.family as never)) return bad(`constructs[${i}].family is not one of ${CONSTRUCT_FAMILIES.join(", ")}`);
    if (e.platform !== "aws" && e.platform !== "kubernetes") return bad(`constructs[${i}].platform is not aws or kubernetes`);
    if (typeof e.construct !== "string" || typeof e.namePrefix !== "string" || typeof e.imported !== "boolean") return bad(`constructs[${i}] lacks construct, namePrefix or imported`);
    paths.add(e.path);
    constructs.push({ path: e.path, family: e.family as MarkedConstruct["family"], construct: e.construct, platform: e.platform, imported: e.imported, namePrefix: e.namePrefix, ...(e.ledger !== undefined ? { ledger: e.ledger } : {}) });
  }
  return { constructs };
}

/** The stemguard construct a resource belongs to: the longest marked path its construct path lies under. */
export function ownerOf(constructs: readonly MarkedConstruct[], resourcePath: string | undefined): MarkedConstruct | undefined {
  if (resourcePath === undefined) return undefined;
  let best: MarkedConstruct | undefined;
  for (const c of constructs) {
    if (resourcePath.startsWith(`${c.path}/`) && (!best || c.path.length > best.path.length)) best = c;
  }
  return best;
}
