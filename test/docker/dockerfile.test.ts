import * as fs from "node:fs";
import * as path from "node:path";
import { STEMGUARD_DOCKERFILE, STEMGUARD_IMAGE_USER } from "../../lib/core/scans/cli-image";
import { parsePinnedImage, pinnedImageProblem } from "../../lib/core/scans/pinned-image";

/** What scripts/dockerfile.js (plain JS, shared with scripts/docker-install-check.js) returns. */
interface DockerfileSpec {
  from: string;
  env: [string, string][];
  workdir: string;
  steps: ({ kind: "COPY"; sources: string[]; dest: string; line: number } | { kind: "RUN"; mounts: { type: string; target: string }[]; command: string; line: number })[];
  volumes: string[];
  user?: { uid: number; gid: number };
  entrypoint: string[];
  cmd?: string[];
}
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { parseDockerfile, DockerfileError } = require("../../scripts/dockerfile.js") as { parseDockerfile(text: string): DockerfileSpec; DockerfileError: new (...args: never[]) => Error };

const ROOT = path.join(__dirname, "../..");
const TEXT = fs.readFileSync(path.join(ROOT, STEMGUARD_DOCKERFILE), "utf8");
const spec = parseDockerfile(TEXT);
const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as { files: string[]; dependencies: Record<string, string> };

// The install and entrypoint steps themselves run in scripts/docker-install-check.js (.ci/run's own step: it needs npm install).
describe("docker/Dockerfile (the stemguard CLI image)", () => {
  test("the base image is node pinned by digest (name:version-variant@sha256:<64 hex>), and the file says the digest is unverified", () => {
    expect(pinnedImageProblem(spec.from)).toBeUndefined();
    const { name, tag } = parsePinnedImage(spec.from)!;
    expect(name).toBe("node");
    expect(tag).toMatch(/^\d+(\.\d+){0,2}-(bookworm|trixie)-slim$/);
    // Node >= the package's engines floor (20.19), and an LTS line.
    expect(Number(tag.split(/[.-]/)[0]) % 2).toBe(0);
    expect(Number(tag.split(/[.-]/)[0])).toBeGreaterThanOrEqual(22);
    expect(TEXT).toMatch(/THIS DIGEST WAS NOT\s+# VERIFIED/);
    expect(TEXT).toMatch(/re-check it.*before production/s);
  });

  test("runs as the numeric non-root user the census jobs set, after every install step", () => {
    expect(spec.user).toEqual({ uid: STEMGUARD_IMAGE_USER.uid, gid: STEMGUARD_IMAGE_USER.gid });
    expect(spec.user!.uid).toBeGreaterThan(0);
    expect(() => parseDockerfile(`${TEXT}\nRUN true\n`)).toThrow(/RUN after USER/);
  });

  test("installs the packed tarball with production dependencies only, no install scripts, and removes it", () => {
    expect(spec.steps.map((s) => s.kind)).toEqual(["COPY", "RUN"]);
    const [copy, run] = spec.steps as unknown as [{ sources: string[]; dest: string }, { command: string; mounts: { target: string }[] }];
    expect(copy.sources).toEqual(["stemguard-*.tgz"]);
    expect(run.command).toMatch(/npm install --omit=dev --ignore-scripts .*"\.\/\$1"/);
    expect(run.command).toMatch(/rm -f "\$1"/);
    // npm's cache is a build cache mount, never a layer.
    expect(run.mounts).toEqual([{ type: "cache", target: "/root/.npm" }]);
    expect(fs.readFileSync(path.join(ROOT, "docker/.dockerignore"), "utf8").split("\n").filter((l) => l && !l.startsWith("#"))).toEqual(["*", "!stemguard-*.tgz"]);
  });

  test("ENTRYPOINT is the installed stemguard bin, also on PATH (the AWS census job's shell runs `stemguard`); VOLUME /run/stem-tls for its TLS entrypoint", () => {
    expect(spec.workdir).toBe("/opt/stemguard");
    expect(spec.entrypoint).toEqual(["/opt/stemguard/node_modules/.bin/stemguard"]);
    expect(spec.cmd).toEqual(["--help"]);
    expect(spec.env).toContainEqual(["PATH", "/opt/stemguard/node_modules/.bin:$PATH"]);
    expect(spec.env).toContainEqual(["NODE_ENV", "production"]);
    expect(spec.volumes).toEqual(["/run/stem-tls"]);
    expect((spec.steps[1] as { command: string }).command).toMatch(/chown 10001:10001 \/run\/stem-tls;\s+chmod 0700 \/run\/stem-tls/);
  });

  test("ships in the npm package, so `npm pack stemguard@<version>` users can build it", () => {
    expect(pkg.files).toEqual(expect.arrayContaining(["docker/Dockerfile", "docker/.dockerignore"]));
  });
});

describe("the Dockerfile parser (scripts/dockerfile.js) refuses what the install check could not run", () => {
  const base = 'FROM node:22-bookworm-slim@sha256:' + "a".repeat(64) + "\nWORKDIR /opt/x\n";
  test.each([
    ["an instruction outside the subset", `${base}ADD x.tgz ./\n`, /not in the supported subset/],
    ["a lower-case instruction", `${base}run true\n`, /not in the supported subset/],
    ["a second FROM (multi-stage)", `${base}FROM node:22-bookworm-slim@sha256:${"b".repeat(64)}\n`, /one FROM only/],
    ["a stage name", `FROM node:22@sha256:${"a".repeat(64)} AS build\nWORKDIR /x\nENTRYPOINT ["x"]\n`, /without flags or a stage name/],
    ["a shell-form ENTRYPOINT", `${base}ENTRYPOINT stemguard\n`, /exec form/],
    ["a named USER", `${base}USER node\nENTRYPOINT ["x"]\n`, /numeric uid:gid/],
    ["COPY with flags", `${base}COPY --chown=1:1 a ./\n`, /no flags/],
    ["COPY to an absolute path", `${base}COPY a /etc/\n`, /relative to WORKDIR/],
    ["COPY of a parent path", `${base}COPY ../a ./\n`, /file names in the build context/],
    ["a RUN flag other than a cache mount", `${base}RUN --network=host true\n`, /not supported/],
    ["a trailing continuation", `${base}RUN true \\`, /line continuation/],
    ["no ENTRYPOINT", base, /no ENTRYPOINT/],
  ])("%s", (_what, text, message) => {
    expect(() => parseDockerfile(text)).toThrow(DockerfileError);
    expect(() => parseDockerfile(text)).toThrow(message);
  });

  test("joins continuations, drops comment lines inside them, and keeps quoted ENV values", () => {
    const parsed = parseDockerfile(`${base}ENV A="x y" \\\n# note\n    B=$A\nRUN echo 1; \\\n    echo 2\nENTRYPOINT ["x"]\n`);
    expect(parsed.env).toEqual([["A", "x y"], ["B", "$A"]]);
    expect(parsed.steps).toEqual([{ kind: "RUN", mounts: [], command: "echo 1;     echo 2", line: 6 }]);
  });
});
