// Real `terraform validate` / `plan` / `show -json` against the offline AWS
// provider mirror (docs/architecture.md, "Verification without a cloud account").
import { execFileSync, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

/** The provider version @cdktf/provider-aws 20.1.0 is built for. */
export const AWS_PROVIDER_VERSION = "5.100.0";

export interface TerraformTooling {
  /** Absolute path of the terraform binary. */
  readonly bin: string;
  /** The `-plugin-dir` root (holds `registry.terraform.io/hashicorp/aws/<version>/`). */
  readonly pluginDir: string;
  /** `terraform version` first line. */
  readonly version: string;
}

let cached: TerraformTooling | { readonly missing: string } | undefined;

/** Finds terraform on PATH and the AWS provider mirror; the reason when either is missing. */
export function findTerraformTooling(): TerraformTooling | { readonly missing: string } {
  if (cached) return cached;
  const bin = findOnPath("terraform");
  if (!bin) return (cached = { missing: "terraform is not on PATH" });
  const pluginDir = findPluginDir();
  if (!pluginDir) {
    return (cached = { missing: `no ${AWS_PROVIDER_VERSION} AWS provider mirror (set STEMGUARD_TF_PLUGIN_DIR to the -plugin-dir root)` });
  }
  let version: string;
  try {
    version = execFileSync(bin, ["version"], { env: terraformEnv(os.tmpdir()), encoding: "utf8", timeout: 20_000 }).split("\n")[0];
  } catch (err) {
    return (cached = { missing: `terraform version failed: ${(err as Error).message}` });
  }
  const match = /Terraform v(\d+)\.(\d+)/.exec(version);
  if (!match || Number(match[1]) < 1 || (Number(match[1]) === 1 && Number(match[2]) < 11)) {
    return (cached = { missing: `${version} is older than 1.11 (write-only arguments)` });
  }
  return (cached = { bin, pluginDir, version });
}

/**
 * `describe` when terraform and the mirror exist; otherwise one loud SKIP line
 * and `describe.skip`, so the tests show as skipped, never as passed.
 */
export function describeWithTerraform(name: string, body: (tooling: TerraformTooling) => void): void {
  const tooling = findTerraformTooling();
  if ("missing" in tooling) {
    console.warn(`SKIP: terraform/AWS provider mirror not found: real validate/plan did not run (${tooling.missing})`);
    describe.skip(name, () => {
      test("needs terraform and the AWS provider mirror", () => undefined);
    });
    return;
  }
  describe(name, () => body(tooling));
}

function findOnPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? "").split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, name);
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      if (fs.statSync(candidate).isFile()) return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

function hasAwsMirror(root: string): boolean {
  return fs.existsSync(path.join(root, "registry.terraform.io", "hashicorp", "aws", AWS_PROVIDER_VERSION));
}

function findPluginDir(): string | undefined {
  const fromEnv = process.env.STEMGUARD_TF_PLUGIN_DIR;
  if (fromEnv) return hasAwsMirror(fromEnv) ? fromEnv : undefined;
  if (hasAwsMirror("/opt/tf-plugins")) return "/opt/tf-plugins";
  // Bounded search (docs/architecture.md, "Verification without a cloud account"); a few seconds at most.
  let found = "";
  try {
    found = execFileSync("find", ["/", "-maxdepth", "5", "-type", "d", "-path", "*/registry.terraform.io/hashicorp/aws"], {
      encoding: "utf8",
      timeout: 15_000,
      stdio: ["ignore", "pipe", "ignore"],
    });
  } catch (err) {
    found = String((err as { stdout?: unknown }).stdout ?? ""); // find exits 1 on unreadable dirs
  }
  for (const line of found.split("\n")) {
    const root = line.trim().replace(/\/registry\.terraform\.io\/hashicorp\/aws$/, "");
    if (root && hasAwsMirror(root)) return root;
  }
  return undefined;
}

/**
 * A clean environment: no inherited AWS or TF_VAR settings, an empty CLI
 * config, no checkpoint calls, dummy credentials.
 */
function terraformEnv(home: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const cliConfig = path.join(home, "empty.tfrc");
  if (!fs.existsSync(cliConfig)) fs.writeFileSync(cliConfig, "");
  return {
    PATH: process.env.PATH,
    HOME: home,
    TMPDIR: os.tmpdir(),
    TF_CLI_CONFIG_FILE: cliConfig,
    CHECKPOINT_DISABLE: "1",
    TF_IN_AUTOMATION: "1",
    TF_INPUT: "0",
    AWS_ACCESS_KEY_ID: "mock-access-key",
    AWS_SECRET_ACCESS_KEY: "mock-secret-key",
    AWS_EC2_METADATA_DISABLED: "true",
    ...extra,
  };
}

export interface RunResult {
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** A temp directory holding one Terraform root module. */
export class TerraformWorkdir {
  public static create(tooling: TerraformTooling, prefix = "stemguard-tf-"): TerraformWorkdir {
    return new TerraformWorkdir(tooling, fs.mkdtempSync(path.join(os.tmpdir(), prefix)));
  }

  private constructor(
    public readonly tooling: TerraformTooling,
    public readonly dir: string,
  ) {}

  /** Writes a file (relative path) into the root module. */
  public write(relative: string, content: string): void {
    const file = path.join(this.dir, relative);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, content);
  }

  private provider: SharedProvider | undefined;

  /**
   * Makes every later command but `init` use `provider` instead of starting
   * the AWS provider itself. Commands on one provider must not overlap.
   */
  public attach(provider: SharedProvider): this {
    this.provider = provider;
    return this;
  }

  /** Runs terraform with `args`; `env` adds variables such as `TF_VAR_*`. */
  public run(args: readonly string[], env: Record<string, string> = {}, timeoutMs = 120_000): Promise<RunResult> {
    return this.spawn(args, { ...env, ...this.provider?.env }, timeoutMs);
  }

  private spawn(args: readonly string[], env: Record<string, string>, timeoutMs: number): Promise<RunResult> {
    return new Promise((resolve, reject) => {
      const child = spawn(this.tooling.bin, ["-chdir=" + this.dir, ...args], {
        env: terraformEnv(this.dir, env),
        stdio: ["ignore", "pipe", "pipe"],
      });
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      child.stdout.on("data", (b: Buffer) => out.push(b));
      child.stderr.on("data", (b: Buffer) => err.push(b));
      const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
      child.on("error", (err) => {
        // Node does not promise a 'close' after a failed spawn; a live kill timer would hold the worker for timeoutMs.
        clearTimeout(timer);
        reject(err);
      });
      child.on("close", (code) => {
        clearTimeout(timer);
        resolve({ exitCode: code ?? -1, stdout: Buffer.concat(out).toString("utf8"), stderr: Buffer.concat(err).toString("utf8") });
      });
    });
  }

  /** `terraform init` from the mirror only (no network); never through an attached provider. */
  public init(): Promise<RunResult> {
    return this.spawn(["init", "-input=false", "-no-color", `-plugin-dir=${this.tooling.pluginDir}`], {}, 120_000);
  }

  public validate(): Promise<RunResult> {
    return this.run(["validate", "-no-color"]);
  }

  /** `plan -refresh=false -out plan.bin`, then `show -json plan.bin` when the plan succeeded. */
  public async plan(env: Record<string, string> = {}): Promise<RunResult & { readonly planJson?: string }> {
    const plan = await this.run(["plan", "-refresh=false", "-input=false", "-no-color", "-out=plan.bin"], env);
    if (plan.exitCode !== 0) return plan;
    const show = await this.run(["show", "-json", "plan.bin"]);
    if (show.exitCode !== 0) throw new Error(`terraform show failed: ${show.stderr}`);
    return { ...plan, planJson: show.stdout };
  }

  /**
   * Reuses `source`'s `terraform init` (its `.terraform` directory, with the
   * provider link and local module manifest, and the lock file) instead of
   * running init here: same provider, same backend; local modules are read
   * from this directory.
   */
  public copyInitFrom(source: TerraformWorkdir): void {
    fs.cpSync(path.join(source.dir, ".terraform"), path.join(this.dir, ".terraform"), { recursive: true, verbatimSymlinks: true });
    fs.copyFileSync(path.join(source.dir, ".terraform.lock.hcl"), path.join(this.dir, ".terraform.lock.hcl"));
  }

  public dispose(): void {
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

/**
 * One AWS provider process that every terraform command of a suite attaches
 * to (`TF_REATTACH_PROVIDERS`) instead of starting its own. Same terraform,
 * same provider binary from the mirror; what it saves is the provider's
 * start-up and schema build in every command (two or three per validate or
 * plan), about 2 s of CPU per command. The commands sharing one process run
 * one after another: the provider is configured per command.
 */
export class SharedProvider {
  /** Starts the mirror's provider in debug mode and waits for its reattach address. */
  public static start(tooling: TerraformTooling, timeoutMs = 60_000): Promise<SharedProvider> {
    const versionDir = path.join(tooling.pluginDir, "registry.terraform.io", "hashicorp", "aws", AWS_PROVIDER_VERSION);
    const platform = fs.readdirSync(versionDir).find((d) => fs.statSync(path.join(versionDir, d)).isDirectory());
    const binary = platform && fs.readdirSync(path.join(versionDir, platform)).find((f) => f.startsWith("terraform-provider-aws"));
    if (!platform || !binary) return Promise.reject(new Error(`no provider binary under ${versionDir}`));
    const home = fs.mkdtempSync(path.join(os.tmpdir(), "stemguard-tf-provider-"));
    const child = spawn(path.join(versionDir, platform, binary), ["-debug"], { env: terraformEnv(home), stdio: ["ignore", "pipe", "pipe"] });
    return new Promise((resolve, reject) => {
      let out = "";
      let err = "";
      const fail = (why: string) => {
        clearTimeout(timer);
        child.kill("SIGKILL");
        fs.rmSync(home, { recursive: true, force: true });
        reject(new Error(`${why}\n${out}${err}`));
      };
      const timer = setTimeout(() => fail("the provider printed no reattach address"), timeoutMs);
      child.stderr.on("data", (b: Buffer) => (err += b.toString("utf8")));
      child.stdout.on("data", (b: Buffer) => {
        out += b.toString("utf8");
        const match = /TF_REATTACH_PROVIDERS='([^']+)'/.exec(out);
        if (!match) return;
        clearTimeout(timer);
        child.stdout.removeAllListeners("data");
        child.stdout.resume(); // keep draining its log output
        child.stderr.removeAllListeners("data");
        child.stderr.resume();
        resolve(new SharedProvider(child, home, match[1]));
      });
      child.on("error", (e) => fail(`the provider did not start: ${e.message}`));
      child.on("exit", (code) => fail(`the provider exited (${code}) before printing its reattach address`));
    });
  }

  private constructor(
    private readonly child: ReturnType<typeof spawn>,
    private readonly home: string,
    reattach: string,
  ) {
    this.env = { TF_REATTACH_PROVIDERS: reattach };
    this.child.removeAllListeners("exit");
    this.exited = new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) resolve();
      else child.once("exit", () => resolve());
    });
    // A worker that exits without afterAll must not leave the provider behind.
    process.once("exit", this.stopNow);
  }

  /** Add to a command's environment to use this process. */
  public readonly env: Readonly<Record<string, string>>;

  private readonly exited: Promise<void>;

  private readonly stopNow = (): void => {
    this.child.kill("SIGKILL");
  };

  /** Stops the provider, waits until it has exited, and removes its home directory. */
  public async stop(): Promise<void> {
    process.removeListener("exit", this.stopNow);
    this.stopNow();
    await this.exited;
    fs.rmSync(this.home, { recursive: true, force: true });
  }
}

type Json = Record<string, unknown>;

/**
 * A synthesized cdktf stack made runnable offline: dummy-credential provider
 * flags, and a local backend in the work directory (an S3 backend would need
 * a bucket).
 */
export function offlineRootModule(stackJson: Json): Json {
  const copy = JSON.parse(JSON.stringify(stackJson)) as Json;
  const providers = (copy.provider as Json | undefined)?.aws as Json[] | undefined;
  for (const p of providers ?? []) {
    Object.assign(p, { skip_credentials_validation: true, skip_requesting_account_id: true, skip_metadata_api_check: true });
  }
  const terraform = (copy.terraform ?? {}) as Json;
  terraform.backend = { local: { path: "terraform.tfstate" } };
  copy.terraform = terraform;
  return copy;
}

/** One stack to check as a child module of a shared root. */
export interface ModulePhase {
  /** Module name: a Terraform identifier. */
  readonly name: string;
  readonly stackJson: Json;
  /** Values of the stack's variables (e.g. material documents), by variable name. */
  readonly inputs: Readonly<Record<string, string>>;
}

/**
 * One root module that calls every stack as a child module, so a single
 * validate/plan/show (each of which loads the AWS provider's schema: seconds
 * of CPU) checks them all. Children keep everything but `provider` blocks and the
 * backend; each child variable becomes a root variable `<module>__<name>`
 * with the same declaration (ephemeral, sensitive, default, validation), and
 * inputs reach it as `TF_VAR_<module>__<name>`.
 *
 * `root` is either the provider configuration of an otherwise empty root, or
 * `{ host }`: a synthesized stack that stays the root module as is (its
 * provider, variables and resources; {@link offlineRootModule} applied), with
 * the children added to it. The `__` in child variable names keeps them apart
 * from the host's own variables.
 */
export function composeModules(
  phases: readonly ModulePhase[],
  root: Json | { readonly host: Json },
): { files: Record<string, string>; env: Record<string, string> } {
  const files: Record<string, string> = {};
  const env: Record<string, string> = {};
  const rootVariables: Json = {};
  const modules: Json = {};
  let requiredProviders: unknown;
  for (const phase of phases) {
    const child = JSON.parse(JSON.stringify(phase.stackJson)) as Json;
    delete child.provider;
    const terraform = (child.terraform ?? {}) as Json;
    delete terraform.backend;
    requiredProviders = terraform.required_providers;
    const call: Json = { source: `./${phase.name}` };
    for (const [name, declaration] of Object.entries((child.variable ?? {}) as Record<string, Json>)) {
      const rootName = `${phase.name}__${name}`;
      const { validation: _validation, ...rest } = declaration; // validation stays in the child, where it refers to its own name
      rootVariables[rootName] = rest;
      call[name] = `\${var.${rootName}}`;
      if (phase.inputs[name] !== undefined) env[`TF_VAR_${rootName}`] = phase.inputs[name];
    }
    modules[phase.name] = call;
    files[`${phase.name}/main.tf.json`] = JSON.stringify(child, null, 2);
  }
  let rootModule: Json;
  if ("host" in root) {
    rootModule = offlineRootModule(root.host as Json);
    const hostVariables = (rootModule.variable ?? {}) as Json;
    for (const name of Object.keys(rootVariables)) {
      if (name in hostVariables) throw new Error(`composeModules: the host already declares variable ${name}`);
    }
    if (rootModule.module) throw new Error("composeModules: the host already calls modules");
    rootModule.variable = { ...hostVariables, ...rootVariables };
    rootModule.module = modules;
  } else {
    rootModule = {
      terraform: { required_providers: requiredProviders, backend: { local: { path: "terraform.tfstate" } } },
      provider: { aws: [{ ...root, skip_credentials_validation: true, skip_requesting_account_id: true, skip_metadata_api_check: true }] },
      variable: rootVariables,
      module: modules,
    };
  }
  files["main.tf.json"] = JSON.stringify(rootModule, null, 2);
  return { files, env };
}
