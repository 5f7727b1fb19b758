import * as fs from "node:fs";
import * as path from "node:path";
import { StemguardError } from "../../core/errors";
import { READ_CAPS } from "../../core/fs/limits";
import { readRegularTextFile } from "../../core/fs/read-regular-file";
import { findDuplicateJsonKey } from "../../core/fs/json-duplicate-keys";

/** What a `--base`/`--head` path is, told apart by its content, never by its name. */
export type ReviewInputKind = "ledger" | "synth" | "plan";

export type Json = Record<string, unknown>;

/** One synthesized stack: its name (the cdktf stack id) and its Terraform JSON. */
export interface SynthStackJson {
  readonly name: string;
  readonly json: Json;
}

export type ReviewInput =
  | { readonly kind: "ledger"; readonly path: string; readonly text: string }
  | { readonly kind: "synth"; readonly path: string; readonly stacks: readonly SynthStackJson[] }
  /** `synth`: the stack's `cdk.tf.json` found beside the plan file (construct metadata and ledgers), when present. */
  | { readonly kind: "plan"; readonly path: string; readonly stackName: string; readonly plan: Json; readonly synth?: Json };

const PLAN_FIX = "pass the output of `terraform show -json PLANFILE` run in the stack's directory (cdktf.out/stacks/<stack>)";

/** Parses JSON text without echoing any of it in errors (a plan can hold secrets). */
export function parseJsonQuiet(text: string, field: string, what: string): unknown {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw new StemguardError(`the ${what} is not valid JSON (content not shown)`, { field, fix: "pass the file stemguard or terraform wrote, unedited" });
  }
  const duplicate = findDuplicateJsonKey(text);
  if (duplicate !== undefined) throw new StemguardError(`the ${what} has key ${duplicate} twice in one object`, { field, fix: "pass the file as the tool wrote it" });
  return data;
}

function readJson(file: string, field: string, what: string): unknown {
  return parseJsonQuiet(readRegularTextFile(file, { field, maxBytes: READ_CAPS.terraformJson, what, shownPath: file }), field, what);
}

/**
 * Reads a review input and tells what it is: a directory holding cdktf's
 * `manifest.json` is a synth output folder; a JSON file with Terraform's
 * `format_version` and `terraform_version` is a plan; a JSON file with a
 * ledger `kind` or `sections` is a ledger. Anything else is refused (exit 64).
 */
export function readReviewInput(file: string, field: string): ReviewInput {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(file);
  } catch {
    throw new StemguardError("no such file or directory", { field, value: file, fix: "pass a ledger file, a synth output folder (cdktf.out) or a `terraform show -json` plan file" });
  }
  if (stat.isDirectory()) return { kind: "synth", path: file, stacks: readSynthFolder(file, field) };
  const text = readRegularTextFile(file, { field, maxBytes: READ_CAPS.terraformJson, what: "review input", shownPath: file });
  const data = parseJsonQuiet(text, field, "review input");
  if (typeof data !== "object" || data === null || Array.isArray(data)) {
    throw new StemguardError("not a ledger, synth output or plan: the file is not a JSON object", { field, value: file, fix: "pass a ledger file, a cdktf.out folder or a `terraform show -json` plan" });
  }
  const obj = data as Json;
  if (typeof obj.format_version === "string" && typeof obj.terraform_version === "string") {
    if (obj.errored === true) throw new StemguardError("the plan errored: terraform could not plan this configuration", { field, value: file, fix: PLAN_FIX });
    if (!Array.isArray(obj.resource_changes) && obj.planned_values === undefined) {
      throw new StemguardError("a Terraform JSON file but not a plan (no resource_changes): `terraform show -json` of a state is not reviewable", { field, value: file, fix: PLAN_FIX });
    }
    const beside = path.join(path.dirname(file), "cdk.tf.json");
    const synth = fs.existsSync(beside) ? (readJson(beside, field, "stack JSON beside the plan") as Json) : undefined;
    const stackName = synthStackName(synth) ?? path.basename(path.dirname(path.resolve(file)));
    return { kind: "plan", path: file, stackName, plan: obj, ...(synth ? { synth } : {}) };
  }
  if (typeof obj.kind === "string" || "sections" in obj) return { kind: "ledger", path: file, text };
  if ("resource" in obj || "terraform" in obj) {
    throw new StemguardError("a single stack's cdk.tf.json: pass the synth output folder (the directory holding manifest.json)", { field, value: file, fix: "pass e.g. cdktf.out" });
  }
  throw new StemguardError("not a ledger, synth output or plan", { field, value: file, fix: "pass a ledger file, a cdktf.out folder or a `terraform show -json` plan" });
}

function synthStackName(json: Json | undefined): string | undefined {
  const meta = ((json?.["//"] as Json | undefined)?.metadata as Json | undefined)?.stackName;
  return typeof meta === "string" ? meta : undefined;
}

/** The stacks of a cdktf synth output folder, from its `manifest.json`; a stack path outside the folder is refused. */
export function readSynthFolder(dir: string, field: string): SynthStackJson[] {
  const manifestFile = path.join(dir, "manifest.json");
  if (!fs.existsSync(manifestFile)) {
    throw new StemguardError("a directory without cdktf's manifest.json: not a synth output folder", { field, value: dir, fix: "pass the folder `cdktf synth` (or app.synth()) wrote, e.g. cdktf.out" });
  }
  const manifest = readJson(manifestFile, field, "cdktf manifest") as Json;
  const stacks = manifest.stacks;
  if (typeof stacks !== "object" || stacks === null || Array.isArray(stacks)) {
    throw new StemguardError("manifest.json has no stacks object", { field, value: manifestFile, fix: "synthesize again with cdktf 0.21" });
  }
  const root = fs.realpathSync(dir);
  return Object.entries(stacks as Record<string, Json>)
    .map(([name, entry]) => {
      const rel = entry?.synthesizedStackPath;
      if (typeof rel !== "string") throw new StemguardError("a stack without synthesizedStackPath in manifest.json", { field, value: name, fix: "synthesize again with cdktf 0.21" });
      const file = path.resolve(dir, rel);
      const real = fs.existsSync(file) ? fs.realpathSync(file) : file;
      if (path.relative(root, real).startsWith("..")) throw new StemguardError("a stack file outside the synth folder", { field, value: rel, fix: "synthesize again; do not edit manifest.json" });
      return { name, json: readJson(file, field, `stack ${name}`) as Json };
    })
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}
