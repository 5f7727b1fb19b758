#!/usr/bin/env node
"use strict";
// docker/Dockerfile's steps without Docker (no image can be built where this runs): packs the
// tarball into a temporary build context, parses the Dockerfile (scripts/dockerfile.js, a strict
// subset), maps its WORKDIR to a temporary directory, runs its COPY and RUN steps there with its
// ENV, then runs its ENTRYPOINT + CMD (and `census --help`, `--version`, the AWS census job's
// `/bin/sh -c 'exec stemguard ...'`) as the image's USER, and checks that no devDependency was
// installed and that the tarball and npm cache did not stay in the app directory.
// What differs from a real build: node and npm are this machine's (not the base image's), and the
// npm cache is this machine's (`--prefer-offline`: the RUN's cache mount is not applied).
// A step of .ci/run (after the pack-install check, timed on its own). Needs the npm registry or a warm cache.
//
//   node scripts/docker-install-check.js [--keep]
const { spawnSync } = require("node:child_process");
const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");
const { parseDockerfile, expandEnv } = require("./dockerfile");

const ROOT = path.resolve(__dirname, "..");
const DOCKERFILE = path.join(ROOT, "docker/Dockerfile");
const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8"));
const started = Date.now();
let failed = false;

function fail(message) {
  failed = true;
  console.log(`docker-check: FAILED: ${message}`);
}

/** Runs one command; prints "ok" or "FAILED" with its time and, on failure, its output. Returns the run or undefined. */
function step(title, command, args, options = {}) {
  const t0 = Date.now();
  process.stdout.write(`docker-check: ${title} ... `);
  const run = spawnSync(command, args, { encoding: "utf8", maxBuffer: 64 * 1024 * 1024, ...options });
  const seconds = ((Date.now() - t0) / 1000).toFixed(1);
  const problem = run.error ? run.error.message : run.status !== 0 ? `exit ${run.status}` : options.check?.(run.stdout, run.stderr);
  if (problem) {
    failed = true;
    console.log(`FAILED (${problem}) in ${seconds} s\n  $ ${[command, ...args].join(" ")}`);
    console.log(`${run.stdout ?? ""}${run.stderr ?? ""}`.trim().replace(/^/gm, "  | "));
    return undefined;
  }
  console.log(`ok in ${seconds} s`);
  return run;
}

/** Package names under a node_modules tree (nested and scoped included). */
function installedPackages(dir, found = new Set()) {
  if (!fs.existsSync(dir)) return found;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (!entry.isDirectory() || entry.name.startsWith(".")) continue;
    const full = path.join(dir, entry.name);
    if (entry.name.startsWith("@")) {
      installedPackages(full, found);
      continue;
    }
    const manifest = path.join(full, "package.json");
    if (fs.existsSync(manifest)) found.add(JSON.parse(fs.readFileSync(manifest, "utf8")).name);
    installedPackages(path.join(full, "node_modules"), found);
  }
  return found;
}

function main() {
  const spec = parseDockerfile(fs.readFileSync(DOCKERFILE, "utf8"));
  console.log(`docker-check: docker/Dockerfile: FROM ${spec.from}, WORKDIR ${spec.workdir}, ${spec.steps.length} COPY/RUN steps, USER ${spec.user?.uid}:${spec.user?.gid}, ENTRYPOINT ${JSON.stringify(spec.entrypoint)} CMD ${JSON.stringify(spec.cmd)}`);
  const work = fs.mkdtempSync(path.join(os.tmpdir(), "stemguard-docker-"));
  // The image's user must be able to reach the app through the temporary root.
  fs.chmodSync(work, 0o755);
  const context = path.join(work, "context");
  const rootfs = path.join(work, "rootfs");
  const workdir = path.join(rootfs, spec.workdir);
  fs.mkdirSync(context);
  fs.mkdirSync(workdir, { recursive: true });
  for (let d = workdir; d !== work; d = path.dirname(d)) fs.chmodSync(d, 0o755);
  /** The image's absolute paths under WORKDIR and the VOLUMEs, moved under the temporary root (longest first). */
  const roots = [spec.workdir, ...spec.volumes].sort((a, b) => b.length - a.length);
  const map = (text) => roots.reduce((t, r) => t.split(r).join(path.join(rootfs, r)), text);
  try {
    if (!step("npm pack into the build context", "npm", ["pack", "--pack-destination", context, "--loglevel=error"], { cwd: ROOT, check: (out) => (out.trim().endsWith(".tgz") ? undefined : "no tarball name printed") })) return;
    const env = { ...expandEnv(spec.env.map(([k, v]) => [k, map(v)]), { PATH: process.env.PATH }) };
    for (const s of spec.steps) {
      if (s.kind === "COPY") {
        const dest = path.join(workdir, s.dest);
        fs.mkdirSync(dest, { recursive: true });
        for (const source of s.sources) {
          const re = new RegExp(`^${source.replace(/[.+?^${}()|[\]\\]/g, "\\$&").replace(/\*/g, "[^/]*")}$`);
          const matches = fs.readdirSync(context).filter((f) => re.test(f));
          if (matches.length === 0) return fail(`line ${s.line}: COPY ${source} matches nothing in the build context (${fs.readdirSync(context).join(", ")})`);
          for (const f of matches) fs.copyFileSync(path.join(context, f), path.join(dest, f));
        }
        console.log(`docker-check: line ${s.line}: COPY ${s.sources.join(" ")} ${s.dest} ... ok`);
        continue;
      }
      const command = map(s.command);
      // Only WORKDIR and the VOLUMEs (mapped under the temporary root) may be touched: any other absolute path would be this machine's.
      const outside = [...command.matchAll(/(?:^|[\s"'=:;(])(\/[^\s"';)]*)/g)].map((m) => m[1]).filter((p) => !p.startsWith(work) && p !== "/dev/null");
      if (outside.length > 0) return fail(`line ${s.line}: RUN names paths outside WORKDIR (${outside.join(", ")}): this check cannot run it safely`);
      const run = step(`line ${s.line}: RUN ${s.command.slice(0, 60)}${s.command.length > 60 ? "..." : ""}`, "/bin/sh", ["-c", command], {
        cwd: workdir,
        // Root's HOME, as in the build: npm's cache (the RUN's cache mount) is this machine's, offline first.
        env: { ...env, HOME: os.homedir(), npm_config_prefer_offline: "true" },
      });
      if (!run) return;
    }

    const installed = path.join(workdir, "node_modules", pkg.name, "package.json");
    if (!fs.existsSync(installed)) return fail(`${pkg.name} is not in ${spec.workdir}/node_modules`);
    const version = JSON.parse(fs.readFileSync(installed, "utf8")).version;
    if (version !== pkg.version) fail(`installed ${pkg.name} ${version}, packed ${pkg.version}`);
    const packages = installedPackages(path.join(workdir, "node_modules"));
    const dev = Object.keys(pkg.devDependencies ?? {}).filter((d) => packages.has(d));
    if (dev.length > 0) fail(`devDependencies installed: ${dev.join(", ")}`);
    else console.log(`docker-check: ${packages.size} packages installed, none of the ${Object.keys(pkg.devDependencies ?? {}).length} devDependencies (${Object.keys(pkg.dependencies).join(", ")} and theirs)`);
    for (const v of spec.volumes) {
      const stat = fs.statSync(path.join(rootfs, v), { throwIfNoEntry: false });
      if (!stat?.isDirectory()) fail(`VOLUME ${v} was not created by a RUN step`);
      else if (spec.user && (stat.uid !== spec.user.uid || stat.gid !== spec.user.gid || (stat.mode & 0o777) !== 0o700)) fail(`VOLUME ${v} is ${stat.uid}:${stat.gid} mode ${(stat.mode & 0o777).toString(8)}, not ${spec.user.uid}:${spec.user.gid} 0700 (the AWS census job's entrypoint writes the TLS files there)`);
      else console.log(`docker-check: VOLUME ${v}: a directory owned by ${stat.uid}:${stat.gid}, mode ${(stat.mode & 0o777).toString(8)}`);
    }
    const leftovers = fs.readdirSync(workdir).filter((f) => f.endsWith(".tgz") || f === ".npm");
    if (leftovers.length > 0) fail(`left in ${spec.workdir}: ${leftovers.join(", ")}`);

    // As the image runs it: its USER (when this runs as root), its ENV, HOME=/ as Docker sets for a uid without a passwd entry.
    const asUser = process.getuid?.() === 0 && spec.user !== undefined;
    if (!asUser) console.log(`docker-check: SKIP: not root, so the entrypoint runs as uid ${process.getuid?.()} instead of the image's USER ${spec.user?.uid}:${spec.user?.gid}`);
    const image = (args) => {
      const argv = [...spec.entrypoint.map(map), ...args];
      return asUser ? ["setpriv", [`--reuid=${spec.user.uid}`, `--regid=${spec.user.gid}`, "--clear-groups", ...argv]] : [argv[0], argv.slice(1)];
    };
    const runEnv = { ...env, HOME: "/" };
    const who = asUser ? ` as ${spec.user.uid}:${spec.user.gid}` : "";
    const [c0, a0] = image(spec.cmd ?? []);
    step(`ENTRYPOINT + CMD (${[...spec.entrypoint, ...(spec.cmd ?? [])].join(" ")})${who}`, c0, a0, { env: runEnv, check: (out) => (/^Usage: stemguard /m.test(out) ? undefined : "no usage line") });
    const [c1, a1] = image(["census", "--help"]);
    step(`ENTRYPOINT census --help${who}`, c1, a1, { env: runEnv, check: (out) => (/^Usage: stemguard census /m.test(out) ? undefined : "no census usage line") });
    const [c2, a2] = image(["--version"]);
    step(`ENTRYPOINT --version${who}`, c2, a2, { env: runEnv, check: (out) => (out.trim() === pkg.version ? undefined : `printed ${JSON.stringify(out.trim())}, not ${pkg.version}`) });
    // The AWS census job's entry points, exactly as the construct writes them (built by npm pack's prepack):
    // a shell finds `stemguard` on the image's PATH; with TLS, StemTlsBundles' entrypoint first writes
    // the PEMs ECS injects as env into the image's /run/stem-tls, as the image's user.
    const { censusEntryPoint } = require(path.join(ROOT, "dist/lib/aws/census-entry-point.js"));
    const as = (argv) => (asUser ? ["setpriv", [`--reuid=${spec.user.uid}`, `--regid=${spec.user.gid}`, "--clear-groups", ...argv]] : [argv[0], argv.slice(1)]);
    const [c3, a3] = as([...censusEntryPoint(false), "--help"]);
    step(`the AWS census job's entry point (/bin/sh -c 'exec stemguard census ...')${who}`, c3, a3, { env: { ...runEnv, STEM_BROKER_URL: "redis://127.0.0.1:1/0" }, check: (out) => (/^Usage: stemguard census /m.test(out) ? undefined : "no census usage line") });
    const tlsDir = spec.volumes.includes("/run/stem-tls") ? path.join(rootfs, "/run/stem-tls") : undefined;
    if (!tlsDir) fail("docker/Dockerfile has no VOLUME /run/stem-tls (StemTlsBundles' default fileDir) for the AWS census job's TLS entrypoint");
    else {
      const files = { STEM_TLS_CA_CERT: "ca.crt", STEM_TLS_CLIENT_CERT: "client.crt", STEM_TLS_CLIENT_KEY: "client.key" };
      const tlsEnv = { ...runEnv, STEM_BROKER_URL: "rediss://127.0.0.1:1/0" };
      for (const [name, file] of Object.entries(files)) {
        tlsEnv[name] = path.join(tlsDir, file);
        tlsEnv[`${name}_PEM`] = `-----BEGIN TEST ${file}-----`;
      }
      const [c4, a4] = as([...censusEntryPoint(true), "--help"]);
      step(`the AWS census job's TLS entry point (stem-tls-entrypoint, then stemguard census)${who}`, c4, a4, {
        env: tlsEnv,
        check: (out) => {
          if (!/^Usage: stemguard census /m.test(out)) return "no census usage line";
          for (const file of Object.values(files)) {
            const stat = fs.statSync(path.join(tlsDir, file), { throwIfNoEntry: false });
            if (!stat) return `${file} not written to /run/stem-tls`;
            if ((stat.mode & 0o777) !== 0o600 || (asUser && stat.uid !== spec.user.uid)) return `${file} is ${stat.uid} mode ${(stat.mode & 0o777).toString(8)}, not ${spec.user.uid} 0600`;
            if (fs.readFileSync(path.join(tlsDir, file), "utf8") !== `-----BEGIN TEST ${file}-----\n`) return `${file} does not hold its PEM variable`;
          }
          return undefined;
        },
      });
    }
  } finally {
    if (process.argv.includes("--keep")) console.log(`docker-check: kept ${work}`);
    else fs.rmSync(work, { recursive: true, force: true });
  }
}

try {
  main();
} catch (err) {
  fail(err.message);
}
console.log(`docker-check: ${failed ? "FAILED" : "ok"} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
process.exitCode = failed ? 1 : 0;
