import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as ts from "typescript";

// A consumer app on cdktf's default settings (test/consumer: the TypeScript template's
// tsconfig.json unmodified, module CommonJS, so moduleResolution node10 on TypeScript 5.x,
// which ignores package.json "exports") type-checks against the built declarations of
// "stemguard", "stemguard/aws" and "stemguard/kubernetes". package.json "typesVersions"
// is what lets it find the subpaths. TypeScript 7 and the packed tarball are checked by
// scripts/pack-install-check.js (a step of .ci/run).
const ROOT = path.join(__dirname, "../..");
const FIXTURE = path.join(ROOT, "test/consumer");
const LINKED = ["cdktf", "constructs", "@cdktf/provider-aws", "@cdktf/provider-kubernetes", "@types/node"];

/** A consumer project in a temp dir: the fixture plus node_modules links; `stemguard` is `pkgDir`. */
function consumerProject(pkgDir: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "sg-consumer-"));
  for (const file of fs.readdirSync(FIXTURE)) fs.copyFileSync(path.join(FIXTURE, file), path.join(dir, file));
  for (const name of [...LINKED, "stemguard"]) {
    const link = path.join(dir, "node_modules", name);
    fs.mkdirSync(path.dirname(link), { recursive: true });
    fs.symlinkSync(name === "stemguard" ? pkgDir : path.join(ROOT, "node_modules", name), link, "dir");
  }
  return dir;
}

// Both programs parse the same cdktf and provider declarations: parse them once.
const parsed = new Map<string, ts.SourceFile | undefined>();

/** Type-checks the project with its own tsconfig.json (as `tsc` would, without writing files). */
function typeCheck(dir: string): { program: ts.Program; errors: string[] } {
  const config = ts.getParsedCommandLineOfConfigFile(path.join(dir, "tsconfig.json"), { noEmit: true, incremental: false }, {
    ...ts.sys,
    onUnRecoverableConfigFileDiagnostic: (d) => {
      throw new Error(ts.flattenDiagnosticMessageText(d.messageText, "\n"));
    },
  })!;
  const host = ts.createCompilerHost(config.options);
  const getSourceFile = host.getSourceFile;
  host.getSourceFile = (fileName, languageVersion, ...rest) => {
    if (!fileName.includes("node_modules")) return getSourceFile(fileName, languageVersion, ...rest);
    if (!parsed.has(fileName)) parsed.set(fileName, getSourceFile(fileName, languageVersion, ...rest));
    return parsed.get(fileName);
  };
  const program = ts.createProgram(config.fileNames, config.options, host);
  const errors = ts.getPreEmitDiagnostics(program).map((d) => {
    const where = d.file ? `${path.basename(d.file.fileName)}:${d.file.getLineAndCharacterOfPosition(d.start ?? 0).line + 1}: ` : "";
    return `${where}TS${d.code} ${ts.flattenDiagnosticMessageText(d.messageText, "\n")}`;
  });
  return { program, errors };
}

describe("consumer app on the cdktf template's tsconfig (TypeScript 5.9)", () => {
  const dirs: string[] = [];
  afterAll(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

  it("uses the template's module settings: CommonJS, resolution node10", () => {
    const config = JSON.parse(fs.readFileSync(path.join(FIXTURE, "tsconfig.json"), "utf8")) as { compilerOptions: Record<string, unknown> };
    expect(config.compilerOptions.module).toBe("CommonJS");
    expect(config.compilerOptions.moduleResolution).toBeUndefined();
  });

  it("compiles main.ts against the built declarations of all three entry points", () => {
    if (!fs.existsSync(path.join(ROOT, "dist/lib/aws/index.d.ts"))) throw new Error("dist/ is missing: run npm run build (npm test builds first)");
    const dir = consumerProject(ROOT);
    dirs.push(dir);
    const { program, errors } = typeCheck(dir);
    expect(errors).toEqual([]);
    const loaded = program.getSourceFiles().map((f) => path.relative(ROOT, fs.realpathSync(f.fileName)));
    expect(loaded).toEqual(expect.arrayContaining(["dist/lib/index.d.ts", "dist/lib/aws/index.d.ts", "dist/lib/kubernetes/index.d.ts"]));
  });

  it("fails with TS2307 for the subpaths without typesVersions (what the fix is for)", () => {
    const pkgDir = fs.mkdtempSync(path.join(os.tmpdir(), "sg-pkg-"));
    dirs.push(pkgDir);
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as Record<string, unknown>;
    delete pkg.typesVersions;
    fs.writeFileSync(path.join(pkgDir, "package.json"), JSON.stringify(pkg));
    fs.symlinkSync(path.join(ROOT, "dist"), path.join(pkgDir, "dist"), "dir");
    fs.symlinkSync(path.join(ROOT, "node_modules"), path.join(pkgDir, "node_modules"), "dir");
    const dir = consumerProject(pkgDir);
    dirs.push(dir);
    const { errors } = typeCheck(dir);
    expect(errors.filter((e) => e.includes("TS2307"))).toEqual([
      expect.stringContaining(`Cannot find module 'stemguard/aws'`),
      expect.stringContaining(`Cannot find module 'stemguard/kubernetes'`),
    ]);
  });
});
