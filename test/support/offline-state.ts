// Phase N+1 planned against phase N's state, without a cloud account
// (../shared/docs/design.md, "Phase transitions without a cloud account";
// docs/architecture.md, "Verification without a cloud account").
//
// A plan against an empty state shows only creates. What a reviewer needs is
// the next phase planned against the current phase's state: update in place,
// or replace? Offline, that state is built from the current phase's own plan:
// `terraform show -json` gives the planned values and which attributes are
// unknown until apply; the state file holds those values plus typed
// placeholders for the unknown ones. References such as `secret_id =
// <secret>.id` resolve one level per rebuild, so the phase is re-planned
// against its state and the state rebuilt until the phase plans "No changes".
// Only then is the next phase planned (`-refresh=false`) against it.
//
// Generic: any root module (child modules included) whose resources belong to
// providers configured in the root. Used for the signing-rotation transitions
// of the example AWS fleet (test/transitions/); meant for Redis/ElastiCache
// phases and for feeding `stemguard review` real plans as well.
import { randomUUID } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { offlineRootModule, SharedProvider, TerraformWorkdir, type RunResult, type TerraformTooling } from "./terraform";

type Json = Record<string, unknown>;

// ---------------------------------------------------------------------------
// `terraform show -json` of a plan: the parts used here.
// ---------------------------------------------------------------------------

export type PlanAction = "no-op" | "create" | "read" | "update" | "delete";

export interface PlanResourceChange {
  readonly address: string;
  readonly module_address?: string;
  readonly mode: "managed" | "data";
  readonly type: string;
  readonly name: string;
  readonly index?: string | number;
  readonly provider_name: string;
  /** Set on a deposed object (create_before_destroy in flight); never in the plans built here. */
  readonly deposed?: string;
  readonly action_reason?: string;
  readonly change: {
    readonly actions: PlanAction[];
    readonly before: Json | null;
    readonly after: Json | null;
    readonly after_unknown?: unknown;
    readonly after_sensitive?: unknown;
    readonly replace_paths?: unknown[][];
  };
}

/** A module of the plan's `configuration`. */
interface ConfigModule {
  readonly resources?: { readonly mode: string; readonly type: string; readonly name: string; readonly provider_config_key?: string }[];
  readonly module_calls?: Record<string, { readonly module?: ConfigModule }>;
}

export interface PlanJson {
  readonly format_version: string;
  readonly terraform_version: string;
  readonly resource_changes?: PlanResourceChange[];
  readonly configuration?: {
    readonly provider_config?: Record<string, { readonly name: string; readonly full_name?: string; readonly alias?: string; readonly expressions?: Json }>;
    readonly root_module?: ConfigModule;
  };
  readonly errored?: boolean;
}

/** True when the plan changes nothing: every resource change is a no-op or a data read. */
export function plansNoChanges(plan: PlanJson): boolean {
  return (plan.resource_changes ?? []).every((r) => r.change.actions.every((a) => a === "no-op" || a === "read"));
}

/** Address -> actions of every resource change, e.g. `["create","delete"]` for a create-before-destroy replace. */
export function actionsByAddress(plan: PlanJson): Record<string, string[]> {
  return Object.fromEntries((plan.resource_changes ?? []).map((r) => [r.address, [...r.change.actions]]));
}

// ---------------------------------------------------------------------------
// Provider schemas: schema versions and attribute types for the placeholders.
// ---------------------------------------------------------------------------

/** A cty type as `terraform providers schema -json` writes it. */
type CtyType = string | [string, unknown];

interface SchemaAttribute {
  readonly type?: CtyType;
  readonly nested_type?: { readonly attributes: Record<string, SchemaAttribute>; readonly nesting_mode: string };
}

interface SchemaBlock {
  readonly attributes?: Record<string, SchemaAttribute>;
  readonly block_types?: Record<string, { readonly nesting_mode: string; readonly block: SchemaBlock }>;
}

export interface ResourceSchema {
  readonly version: number;
  readonly block: SchemaBlock;
}

/** Provider source address (`registry.terraform.io/hashicorp/aws`) -> resource type -> schema. */
export type ProviderSchemas = ReadonlyMap<string, ReadonlyMap<string, ResourceSchema>>;

const schemaCache = new Map<string, ProviderSchemas>();

/**
 * `terraform providers schema -json` of an initialized work directory (the
 * AWS schema is ~14 MB of JSON and ~3 s of CPU: cached per provider set).
 */
export async function loadProviderSchemas(workdir: TerraformWorkdir): Promise<ProviderSchemas> {
  const lock = path.join(workdir.dir, ".terraform.lock.hcl");
  const key = `${workdir.tooling.pluginDir}\n${fs.existsSync(lock) ? fs.readFileSync(lock, "utf8") : ""}`;
  const known = schemaCache.get(key);
  if (known) return known;
  const run = await workdir.run(["providers", "schema", "-json"]);
  if (run.exitCode !== 0) throw new Error(`terraform providers schema failed: ${run.stderr}`);
  const parsed = JSON.parse(run.stdout) as { provider_schemas: Record<string, { resource_schemas?: Record<string, ResourceSchema> }> };
  const schemas = new Map(Object.entries(parsed.provider_schemas).map(([source, p]) => [source, new Map(Object.entries(p.resource_schemas ?? {}))]));
  // `providers schema -json` leaves out the built-in provider (terraform_data).
  for (const [source, types] of BUILTIN_SCHEMAS) if (!schemas.has(source)) schemas.set(source, new Map(types));
  schemaCache.set(key, schemas);
  return schemas;
}

/** Schemas of Terraform's built-in provider, which `providers schema -json` does not list. */
const BUILTIN_SCHEMAS: ProviderSchemas = new Map([
  [
    "terraform.io/builtin/terraform",
    new Map<string, ResourceSchema>([
      ["terraform_data", { version: 0, block: { attributes: { id: { type: "string" }, input: { type: "dynamic" }, output: { type: "dynamic" }, triggers_replace: { type: "dynamic" } } } }],
    ]),
  ],
]);

// ---------------------------------------------------------------------------
// The state file (format version 4) built from a plan.
// ---------------------------------------------------------------------------

export interface StateV4 {
  readonly version: 4;
  readonly terraform_version: string;
  readonly serial: number;
  readonly lineage: string;
  readonly outputs: Json;
  readonly resources: StateResource[];
  readonly check_results: null;
}

export interface StateResource {
  module?: string;
  mode: "managed";
  type: string;
  name: string;
  provider: string;
  instances: StateInstance[];
}

export interface StateInstance {
  index_key?: string | number;
  schema_version: number;
  attributes: Json;
  /** Paths of sensitive values, e.g. `[[{"type":"get_attr","value":"secret_string"}]]`. */
  sensitive_attributes: Json[][];
}

export interface StateFromPlanOptions {
  /**
   * Stands in for the values only an apply would know (ids, ARNs, computed
   * attributes) and keeps them stable across the rebuilds of one phase, so
   * references converge. A new generation per phase gives replaced resources
   * new ids, as an apply would.
   */
  readonly generation: string;
  /** Account-less AWS region for placeholder ARNs. @default - the root `aws` provider's constant `region`, else "us-east-1" */
  readonly region?: string;
  /** The state this one follows: its lineage is kept and its serial incremented. */
  readonly previous?: StateV4;
}

/**
 * The state an apply of `plan` would leave, as far as it can be known
 * offline: per resource instance its planned values (`change.after`), a
 * placeholder for each attribute unknown until apply (typed from the provider
 * schema: string "placeholder", number 0, bool false, list/set [], map {};
 * `id` and ARN attributes get stable made-up ids and ARN-shaped strings, which
 * the provider's validation requires), and `sensitive_attributes` from
 * `after_sensitive` (without them every resource with a sensitive attribute
 * plans a phantom update). Data sources are left out: Terraform reads them
 * again in every plan. Resources the plan deletes are left out too. No
 * `dependencies` or `create_before_destroy` marks: they order an apply or the
 * destroy of an orphan, not what a plan does to each address.
 */
export function stateFromPlan(plan: PlanJson, schemas: ProviderSchemas, options: StateFromPlanOptions): StateV4 {
  const region = options.region ?? providerRegion(plan) ?? "us-east-1";
  const resources = new Map<string, StateResource>();
  for (const rc of plan.resource_changes ?? []) {
    if (rc.mode !== "managed" || rc.deposed || rc.change.after === null || rc.change.actions.includes("read")) continue;
    if (rc.change.actions.length === 1 && rc.change.actions[0] === "delete") continue;
    const schema = schemas.get(rc.provider_name)?.get(rc.type);
    if (!schema) throw new Error(`offline state: no schema for ${rc.type} in provider ${rc.provider_name}`);
    const key = `${rc.module_address ?? ""}|${rc.type}.${rc.name}`;
    let resource = resources.get(key);
    if (!resource) {
      resource = {
        ...(rc.module_address ? { module: rc.module_address } : {}),
        mode: "managed",
        type: rc.type,
        name: rc.name,
        provider: stateProviderAddress(rc.provider_name, providerAlias(plan, rc)),
        instances: [],
      };
      resources.set(key, resource);
    }
    const ctx: PlaceholderContext = { type: rc.type, label: unique(rc, options.generation), region, arnId: hasAttribute(schema.block, "arn") };
    const attributes = fillUnknown(rc.change.after, rc.change.after_unknown, blockType(schema.block), ctx, undefined) as Json;
    // terraform_data's apply copies `input` to `output`; its placeholder is that copy.
    if (rc.type === "terraform_data" && (rc.change.after_unknown as Json | undefined)?.output === true) attributes.output = attributes.input ?? null;
    wrapDynamic(attributes, schema.block);
    if (hasAttribute(schema.block, "id") && (attributes.id === null || attributes.id === undefined)) attributes.id = placeholderId(ctx);
    if (hasAttribute(schema.block, "arn") && (attributes.arn === null || attributes.arn === undefined)) attributes.arn = placeholderArn(ctx, undefined);
    resource.instances.push({
      ...(rc.index !== undefined ? { index_key: rc.index } : {}),
      schema_version: schema.version,
      attributes,
      sensitive_attributes: sensitivePaths(rc.change.after_sensitive, []),
    });
  }
  return {
    version: 4,
    terraform_version: plan.terraform_version,
    serial: (options.previous?.serial ?? 0) + 1,
    lineage: options.previous?.lineage ?? randomUUID(),
    outputs: {},
    resources: [...resources.values()],
    check_results: null,
  };
}

/**
 * State stores a top-level attribute of type "dynamic" as `{"value": ..., "type": <cty type>}`
 * (plans show the bare value); null stays null.
 */
function wrapDynamic(attributes: Json, block: SchemaBlock): void {
  for (const [name, attribute] of Object.entries(block.attributes ?? {})) {
    if (attribute.type === "dynamic" && attributes[name] !== null && attributes[name] !== undefined) attributes[name] = { value: attributes[name], type: ctyTypeOf(attributes[name]) };
  }
}

/** The cty type of a JSON value as Terraform infers it: string, number, bool, tuple, object. */
function ctyTypeOf(value: unknown): CtyType {
  if (typeof value === "string") return "string";
  if (typeof value === "number") return "number";
  if (typeof value === "boolean") return "bool";
  if (Array.isArray(value)) return ["tuple", value.map(ctyTypeOf)];
  if (value && typeof value === "object") return ["object", Object.fromEntries(Object.entries(value).map(([k, v]) => [k, ctyTypeOf(v)]))];
  return "dynamic";
}

/** `provider["registry.terraform.io/hashicorp/aws"]`, or with `.alias`. Providers are configured in the root module. */
function stateProviderAddress(source: string, alias: string | undefined): string {
  return `provider["${source}"]${alias ? `.${alias}` : ""}`;
}

/**
 * The alias of the provider configuration a resource uses (`aws.west` -> "west"), from the
 * plan's configuration. Child modules are expected to use configurations of the root module
 * (cdktf stacks and composeModules configure providers only there).
 */
function providerAlias(plan: PlanJson, rc: PlanResourceChange): string | undefined {
  const moduleAddress = (rc.module_address ?? "").replace(/\[[^\]]*\]/g, "");
  let module = plan.configuration?.root_module;
  for (const call of moduleAddress ? moduleAddress.replace(/^module\./, "").split(".module.") : []) module = module?.module_calls?.[call]?.module;
  const key = module?.resources?.find((r) => r.mode === rc.mode && r.type === rc.type && r.name === rc.name)?.provider_config_key;
  const local = key?.includes(":") ? key.slice(key.lastIndexOf(":") + 1) : key;
  return local?.includes(".") ? local.slice(local.indexOf(".") + 1) : undefined;
}

function providerRegion(plan: PlanJson): string | undefined {
  const aws = plan.configuration?.provider_config?.aws;
  const region = (aws?.expressions?.region as { constant_value?: unknown } | undefined)?.constant_value;
  return typeof region === "string" ? region : undefined;
}

/** A label unique to one resource instance and generation, e.g. `hmac.Task-api.g2`. */
function unique(rc: PlanResourceChange, generation: string): string {
  const module = (rc.module_address ?? "").replace(/^module\./, "").replace(/\.module\./g, ".");
  const index = rc.index === undefined ? "" : `[${String(rc.index)}]`;
  return `${module ? `${module}.` : ""}${rc.name}${index}.${generation}`;
}

interface PlaceholderContext {
  readonly type: string;
  readonly label: string;
  readonly region: string;
  /** The type has an `arn`: its id is ARN-shaped too (Secrets Manager secrets and ECS services use their ARN as id). */
  readonly arnId: boolean;
}

/** `arn:aws:<service>:<region>:000000000000:<type>/<name>`: what the provider's ARN validation accepts. */
function placeholderArn(ctx: PlaceholderContext, attribute: string | undefined): string {
  const [, service = "unknown", ...rest] = ctx.type.split("_");
  const kind = rest.join("_") || service;
  return `arn:aws:${service}:${ctx.region}:000000000000:${kind}/${ctx.label}${attribute ? `/${attribute}` : ""}`;
}

function placeholderId(ctx: PlaceholderContext): string {
  return ctx.arnId ? placeholderArn(ctx, undefined) : `${ctx.type}.${ctx.label}`;
}

function hasAttribute(block: SchemaBlock, name: string): boolean {
  return Boolean(block.attributes?.[name]);
}

/** A schema block as one object type, nested blocks as lists, sets, maps or objects of their block's type. */
function blockType(block: SchemaBlock): CtyType {
  const attributes: Record<string, CtyType> = {};
  for (const [name, attribute] of Object.entries(block.attributes ?? {})) attributes[name] = attributeType(attribute);
  for (const [name, nested] of Object.entries(block.block_types ?? {})) {
    const inner = blockType(nested.block);
    attributes[name] = nestedType(nested.nesting_mode, inner);
  }
  return ["object", attributes];
}

function attributeType(attribute: SchemaAttribute): CtyType {
  if (attribute.type !== undefined) return attribute.type;
  const nested = attribute.nested_type!;
  const inner: CtyType = ["object", Object.fromEntries(Object.entries(nested.attributes).map(([n, a]) => [n, attributeType(a)]))];
  return nestedType(nested.nesting_mode, inner);
}

function nestedType(mode: string, inner: CtyType): CtyType {
  if (mode === "list") return ["list", inner];
  if (mode === "set") return ["set", inner];
  if (mode === "map") return ["map", inner];
  return inner; // single, group
}

/**
 * `value` with each attribute that `unknown` marks `true` replaced by a
 * placeholder of its type; nested objects and collections are walked.
 */
function fillUnknown(value: unknown, unknown: unknown, type: CtyType, ctx: PlaceholderContext, attribute: string | undefined): unknown {
  if (unknown === true) return placeholder(type, ctx, attribute);
  if (unknown === undefined || unknown === false || unknown === null) return value;
  const [kind, inner] = Array.isArray(type) ? type : [type, undefined];
  if (kind === "object" && typeof unknown === "object" && !Array.isArray(unknown)) {
    const attributes = (inner ?? {}) as Record<string, CtyType>;
    const out: Json = { ...((value ?? {}) as Json) };
    for (const [name, mark] of Object.entries(unknown as Json)) {
      out[name] = fillUnknown(out[name] ?? null, mark, attributes[name] ?? "dynamic", ctx, name);
    }
    return out;
  }
  if ((kind === "list" || kind === "set" || kind === "tuple") && Array.isArray(unknown)) {
    const items = Array.isArray(value) ? [...(value as unknown[])] : [];
    unknown.forEach((mark, i) => {
      const itemType = kind === "tuple" ? ((inner as CtyType[])[i] ?? "dynamic") : (inner as CtyType);
      items[i] = fillUnknown(items[i] ?? null, mark, itemType, ctx, attribute);
    });
    return items;
  }
  if (kind === "map" && typeof unknown === "object" && !Array.isArray(unknown)) {
    const out: Json = { ...((value ?? {}) as Json) };
    for (const [k, mark] of Object.entries(unknown as Json)) out[k] = fillUnknown(out[k] ?? null, mark, inner as CtyType, ctx, attribute);
    return out;
  }
  return value;
}

/** string "placeholder" (ids and ARNs made up), number 0, bool false, list/set [], map {}, object of placeholders. */
function placeholder(type: CtyType, ctx: PlaceholderContext, attribute: string | undefined): unknown {
  const [kind, inner] = Array.isArray(type) ? type : [type, undefined];
  switch (kind) {
    case "string":
      if (attribute === "arn" || attribute?.endsWith("_arn")) return placeholderArn(ctx, attribute === "arn" ? undefined : attribute);
      if (attribute === "id") return placeholderId(ctx);
      return "placeholder";
    case "number":
      return 0;
    case "bool":
      return false;
    case "list":
    case "set":
      return [];
    case "map":
      return {};
    case "object":
      return Object.fromEntries(Object.entries((inner ?? {}) as Record<string, CtyType>).map(([n, t]) => [n, placeholder(t, ctx, n)]));
    case "tuple":
      return ((inner ?? []) as CtyType[]).map((t) => placeholder(t, ctx, attribute));
    default:
      return null;
  }
}

/** `after_sensitive` as state paths: `[[{"type":"get_attr","value":"secret_string"}], ...]`. */
function sensitivePaths(marks: unknown, prefix: Json[]): Json[][] {
  if (marks === true) return prefix.length > 0 ? [prefix] : [];
  if (Array.isArray(marks)) {
    return marks.flatMap((m, i) => sensitivePaths(m, [...prefix, { type: "index", value: { value: i, type: "number" } }]));
  }
  if (marks && typeof marks === "object") {
    return Object.entries(marks as Json).flatMap(([name, m]) => sensitivePaths(m, [...prefix, { type: "get_attr", value: name }]));
  }
  return [];
}

// ---------------------------------------------------------------------------
// Test copies of a stack: ephemeral reads become ephemeral test variables.
// ---------------------------------------------------------------------------

/** One ephemeral block of a stack whose references became a variable. */
export interface EphemeralRead {
  readonly type: string;
  readonly name: string;
  /** The attribute that was read, e.g. `secret_string`. */
  readonly attribute: string;
  /** The block's arguments as synthesized (references unresolved). */
  readonly config: Json;
  /** The variable that replaces `ephemeral.<type>.<name>.<attribute>`. */
  readonly variable: string;
}

/**
 * A copy of a synthesized stack for offline plans: each
 * `ephemeral.<type>.<name>.<attribute>` reference is replaced by an
 * ephemeral, sensitive test variable (`ephemeral_<name>_<attribute>`) and
 * the ephemeral blocks are dropped. Once its inputs are known (from the
 * offline state), Terraform would open an ephemeral resource during plan,
 * which calls the cloud. `value` gives each variable's test value (marker
 * material only); `inputs` maps the variable names to them. Only for tests:
 * users get the real ephemeral reads.
 */
export function replaceEphemeralReads(stackJson: Json, value: (read: EphemeralRead) => string): { stackJson: Json; inputs: Record<string, string>; reads: EphemeralRead[] } {
  const copy = JSON.parse(JSON.stringify(stackJson)) as Json;
  const blocks = (copy.ephemeral ?? {}) as Record<string, Record<string, Json>>;
  delete copy.ephemeral;
  const byRef = new Map<string, { type: string; name: string; config: Json }>();
  for (const [type, byName] of Object.entries(blocks)) for (const [name, config] of Object.entries(byName)) byRef.set(`${type}.${name}`, { type, name, config });
  const reads = new Map<string, EphemeralRead>();
  const pattern = /\bephemeral\.([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)\.([A-Za-z0-9_]+)/g;
  const rewrite = (node: unknown): unknown => {
    if (typeof node === "string") {
      return node.replace(pattern, (whole, type: string, name: string, attribute: string) => {
        const block = byRef.get(`${type}.${name}`);
        if (!block) throw new Error(`replaceEphemeralReads: ${whole} refers to no ephemeral block of the stack`);
        const variable = `ephemeral_${name}_${attribute}`;
        if (!reads.has(variable)) reads.set(variable, { ...block, attribute, variable });
        return `var.${variable}`;
      });
    }
    if (Array.isArray(node)) return node.map(rewrite);
    if (node && typeof node === "object") return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, rewrite(v)]));
    return node;
  };
  const rewritten = rewrite(copy) as Json;
  const leftover = JSON.stringify(rewritten).match(/\bephemeral\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+/);
  if (leftover) throw new Error(`replaceEphemeralReads: a whole-object reference ${leftover[0]} cannot be replaced by a string variable`);
  const variables = { ...((rewritten.variable ?? {}) as Json) };
  const inputs: Record<string, string> = {};
  for (const read of reads.values()) {
    if (read.variable in variables) throw new Error(`replaceEphemeralReads: the stack already declares variable ${read.variable}`);
    variables[read.variable] = { type: "string", ephemeral: true, sensitive: true, description: `test stand-in for ephemeral.${read.type}.${read.name}.${read.attribute}` };
    inputs[read.variable] = value(read);
  }
  if (reads.size > 0) rewritten.variable = variables;
  return { stackJson: rewritten, inputs, reads: [...reads.values()] };
}

/**
 * A stack made plannable offline as a root module: ephemeral reads replaced
 * ({@link replaceEphemeralReads}), a local backend instead of the stack's,
 * and the provider flags for dummy credentials ({@link offlineRootModule};
 * `TerraformWorkdir` sets the dummy credentials in the environment).
 */
export function offlineTestStack(stackJson: Json, value: (read: EphemeralRead) => string): { stackJson: Json; inputs: Record<string, string> } {
  const replaced = replaceEphemeralReads(stackJson, value);
  return { stackJson: offlineRootModule(replaced.stackJson), inputs: replaced.inputs };
}

// ---------------------------------------------------------------------------
// Convergence and transitions.
// ---------------------------------------------------------------------------

/** A phase's root module: its files (written into the work directory) and its `TF_VAR_*` environment. */
export interface PhaseConfig {
  readonly files: Readonly<Record<string, string>>;
  readonly env: Readonly<Record<string, string>>;
}

/**
 * A work directory for a transition suite: the first phase's files written
 * and initialised, with one shared provider process for every command (each
 * command would otherwise start it two or three times). Stop `provider` and
 * dispose `workdir` in afterAll.
 */
export async function openTransitionWorkdir(tooling: TerraformTooling, prefix: string, first: PhaseConfig): Promise<{ readonly workdir: TerraformWorkdir; readonly provider?: SharedProvider }> {
  const workdir = TerraformWorkdir.create(tooling, prefix);
  const provider = await SharedProvider.start(tooling).catch((err: Error) => {
    console.warn(`terraform starts the provider itself (slower): no shared provider process (${err.message})`);
    return undefined;
  });
  if (provider) workdir.attach(provider);
  for (const [file, content] of Object.entries(first.files)) workdir.write(file, content);
  const init = await workdir.init();
  if (init.exitCode !== 0) throw new Error(`terraform init failed: ${init.stderr}`);
  return { workdir, provider };
}

export interface ConvergeOptions {
  /** See {@link StateFromPlanOptions.generation}. */
  readonly generation: string;
  /** Rebuilds before giving up. @default 8 */
  readonly maxRebuilds?: number;
  /** Where the root's local backend keeps state (relative to the work directory). @default "terraform.tfstate" */
  readonly statePath?: string;
  /** Start from this state instead of phase N's plan against an empty state (e.g. a transition plan's result). */
  readonly from?: StateV4;
}

export interface Converged {
  /** The state phase N plans "No changes" against (written to the work directory). */
  readonly state: StateV4;
  /** Rebuilds after the first state it took. */
  readonly rebuilds: number;
  /** The last plan: "No changes". */
  readonly plan: PlanJson;
  /** Every plan run, first to last (for timing and debugging). */
  readonly plans: number;
}

/**
 * Writes `config` into `workdir` (initialized, local backend at `statePath`),
 * plans it against an empty state (or `from`), writes the state that plan
 * would leave, and re-plans and rebuilds until the phase plans "No changes".
 * Fails with the addresses still changing after `maxRebuilds`.
 */
export async function convergeState(workdir: TerraformWorkdir, config: PhaseConfig, options: ConvergeOptions): Promise<Converged> {
  const schemas = await loadProviderSchemas(workdir);
  const statePath = path.join(workdir.dir, options.statePath ?? "terraform.tfstate");
  const maxRebuilds = options.maxRebuilds ?? 8;
  writeConfig(workdir, config);
  let state = options.from;
  let plans = 0;
  if (state) writeState(statePath, state);
  else {
    // Phase N against an empty state: only creates; the state an apply of it would leave.
    fs.rmSync(statePath, { force: true });
    const first = await planJson(workdir, config.env);
    plans++;
    state = stateFromPlan(first, schemas, { generation: options.generation });
    writeState(statePath, state);
  }
  for (let rebuilds = 0; ; rebuilds++) {
    const plan = await planJson(workdir, config.env);
    plans++;
    if (plansNoChanges(plan)) return { state, rebuilds, plan, plans };
    if (rebuilds >= maxRebuilds) {
      throw new Error(`offline state did not converge after ${maxRebuilds} rebuilds; still changing:\n${describeChanges(plan)}`);
    }
    state = stateFromPlan(plan, schemas, { generation: options.generation, previous: state });
    writeState(statePath, state);
  }
}

export interface Transition {
  /** Phase N converged: it plans "No changes" against `from.state`. */
  readonly from: Converged;
  /** `terraform show -json` of phase N+1 planned with `-refresh=false` against `from.state`. */
  readonly plan: PlanJson;
  /** The same plan as `show -json` text (for leak checks and `stemguard review`). */
  readonly planText: string;
  /** `terraform plan` output of that plan. */
  readonly run: RunResult;
}

/**
 * Phase N+1 (`to`) planned against phase N's (`from`) converged offline state.
 * Pass `converged` to reuse a state built before (e.g. by the previous
 * transition's `next`), else phase N is converged here.
 */
export async function planTransition(
  workdir: TerraformWorkdir,
  from: PhaseConfig,
  to: PhaseConfig,
  options: ConvergeOptions & { readonly converged?: Converged },
): Promise<Transition> {
  const converged = options.converged ?? (await convergeState(workdir, from, options));
  return { from: converged, ...(await planAgainst(workdir, to, converged.state, options.statePath)) };
}

/** `config` planned with `-refresh=false` against `state` (written to the work directory's local backend first). */
export async function planAgainst(
  workdir: TerraformWorkdir,
  config: PhaseConfig,
  state: StateV4,
  statePath = "terraform.tfstate",
): Promise<{ plan: PlanJson; planText: string; run: RunResult }> {
  writeState(path.join(workdir.dir, statePath), state); // the work directory may have moved on since
  writeConfig(workdir, config);
  const run = await workdir.plan({ ...config.env });
  if (run.exitCode !== 0 || !run.planJson) throw new Error(`terraform plan failed:\n${run.stderr}`);
  return { plan: JSON.parse(run.planJson) as PlanJson, planText: run.planJson, run };
}

function writeConfig(workdir: TerraformWorkdir, config: PhaseConfig): void {
  for (const [file, content] of Object.entries(config.files)) workdir.write(file, content);
}

function writeState(file: string, state: StateV4): void {
  fs.writeFileSync(file, JSON.stringify(state, null, 2));
  fs.rmSync(`${file}.backup`, { force: true });
}

async function planJson(workdir: TerraformWorkdir, env: Readonly<Record<string, string>>): Promise<PlanJson> {
  const run = await workdir.plan({ ...env });
  if (run.exitCode !== 0 || !run.planJson) throw new Error(`terraform plan failed:\n${run.stderr}`);
  return JSON.parse(run.planJson) as PlanJson;
}

/** The changing resources of a plan: address, actions, why, and which attribute paths force replacement (names only, never values). */
export function describeChanges(plan: PlanJson): string {
  return (plan.resource_changes ?? [])
    .filter((r) => !r.change.actions.every((a) => a === "no-op" || a === "read"))
    .map((r) => {
      const paths = (r.change.replace_paths ?? []).map((p) => p.join(".")).join(", ");
      const changed = changedAttributes(r).join(", ");
      return `  ${r.address}: ${r.change.actions.join(",")}${r.action_reason ? ` (${r.action_reason})` : ""}${paths ? ` replace_paths: ${paths}` : ""}${changed ? ` changed: ${changed}` : ""}`;
    })
    .join("\n");
}

/** Top-level attributes whose planned value differs from the prior one (or is unknown). */
export function changedAttributes(rc: PlanResourceChange): string[] {
  const before = rc.change.before ?? {};
  const after = rc.change.after ?? {};
  const unknown = (rc.change.after_unknown ?? {}) as Json;
  const names = new Set([...Object.keys(before), ...Object.keys(after)]);
  return [...names].filter((n) => unknown[n] === true || JSON.stringify(before[n] ?? null) !== JSON.stringify(after[n] ?? null)).sort();
}
