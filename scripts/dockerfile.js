"use strict";
// A small, strict parser for the subset of Dockerfile syntax docker/Dockerfile uses: one FROM
// (no stage name, no flags), LABEL and ENV as key=value pairs, one absolute WORKDIR, COPY of
// build-context files (names with `*`) to a relative directory, shell-form RUN with optional
// `--mount=type=cache,...` flags, VOLUME as a JSON array of absolute paths, a numeric USER, and
// exec-form (JSON) ENTRYPOINT and CMD.
// Anything else is refused with its line number, so docker/Dockerfile cannot grow a step that
// scripts/docker-install-check.js would silently not run. Used by that script and test/docker.

/** A parse failure, with the 1-based line of the instruction. */
class DockerfileError extends Error {
  constructor(line, message) {
    super(`Dockerfile line ${line}: ${message}`);
    this.name = "DockerfileError";
    this.line = line;
  }
}

const KEYWORDS = new Set(["FROM", "LABEL", "ENV", "WORKDIR", "COPY", "RUN", "VOLUME", "USER", "ENTRYPOINT", "CMD"]);

/** Logical lines: comments and blank lines dropped, `\`-continuations joined (as Docker does, comment lines inside a continuation dropped). */
function logicalLines(text) {
  const out = [];
  let current;
  let start = 0;
  text.split("\n").forEach((raw, i) => {
    const line = raw.replace(/\r$/, "");
    if (/^\s*#/.test(line) || (current === undefined && line.trim() === "")) return;
    const continued = /\\\s*$/.test(line);
    const body = continued ? line.replace(/\\\s*$/, "") : line;
    if (current === undefined) {
      current = body;
      start = i + 1;
    } else current += body;
    if (!continued) {
      out.push({ line: start, text: current.trim() });
      current = undefined;
    }
  });
  if (current !== undefined) throw new DockerfileError(start, "the last instruction ends with a line continuation");
  return out;
}

/** `k=v k2="v 2"` pairs; values double-quoted or bare (no spaces); `$VAR`/`${VAR}` kept for the caller. */
function keyValues(line, rest) {
  const pairs = [];
  const re = /\s*([A-Za-z_][A-Za-z0-9_.-]*)=("(?:[^"\\]|\\.)*"|[^\s"]*)/y;
  let at = 0;
  while (at < rest.length) {
    re.lastIndex = at;
    const m = re.exec(rest);
    if (!m) throw new DockerfileError(line, `expected key=value pairs, got ${JSON.stringify(rest.slice(at).trim())}`);
    const value = m[2].startsWith('"') ? m[2].slice(1, -1).replace(/\\(.)/g, "$1") : m[2];
    pairs.push([m[1], value]);
    at = re.lastIndex;
    if (at < rest.length && !/^\s/.test(rest.slice(at))) throw new DockerfileError(line, `pairs must be separated by spaces near ${JSON.stringify(rest.slice(at))}`);
    while (at < rest.length && /\s/.test(rest[at])) at++;
  }
  if (pairs.length === 0) throw new DockerfileError(line, "expected at least one key=value pair");
  return pairs;
}

function execForm(line, keyword, rest) {
  let value;
  try {
    value = JSON.parse(rest);
  } catch {
    throw new DockerfileError(line, `${keyword} must be the exec form, a JSON array of strings (the shell form would wrap it in /bin/sh -c)`);
  }
  if (!Array.isArray(value) || value.length === 0 || !value.every((v) => typeof v === "string")) throw new DockerfileError(line, `${keyword} must be a non-empty JSON array of strings`);
  return value;
}

/**
 * Parses docker/Dockerfile's subset. Returns `{ from, labels, env: [[k, v]...], workdir, steps, volumes, user, entrypoint, cmd }`
 * where `steps` are the COPY and RUN instructions in order (`{ kind: "COPY", sources, dest, line }`,
 * `{ kind: "RUN", mounts, command, line }`). Throws DockerfileError on anything outside the subset.
 */
function parseDockerfile(text) {
  const result = { from: undefined, labels: {}, env: [], workdir: undefined, steps: [], volumes: [], user: undefined, entrypoint: undefined, cmd: undefined };
  for (const { line, text: instruction } of logicalLines(text)) {
    const m = /^(\S+)(?:\s+(.*))?$/.exec(instruction);
    const keyword = m[1];
    const rest = (m[2] ?? "").trim();
    if (!KEYWORDS.has(keyword)) throw new DockerfileError(line, `${JSON.stringify(keyword)} is not in the supported subset (${[...KEYWORDS].join(", ")}; upper case)`);
    if (rest === "") throw new DockerfileError(line, `${keyword} needs arguments`);
    if (keyword !== "FROM" && result.from === undefined) throw new DockerfileError(line, "FROM must be the first instruction");
    if (result.user !== undefined && (keyword === "RUN" || keyword === "COPY")) throw new DockerfileError(line, `${keyword} after USER: install as root (the app stays root-owned), then switch`);
    switch (keyword) {
      case "FROM":
        if (result.from !== undefined) throw new DockerfileError(line, "one FROM only (no multi-stage builds in this subset)");
        if (/\s/.test(rest) || rest.startsWith("--")) throw new DockerfileError(line, "FROM takes one image reference, without flags or a stage name");
        result.from = rest;
        break;
      case "LABEL":
        for (const [k, v] of keyValues(line, rest)) result.labels[k] = v;
        break;
      case "ENV":
        result.env.push(...keyValues(line, rest));
        break;
      case "WORKDIR":
        if (result.workdir !== undefined) throw new DockerfileError(line, "one WORKDIR only");
        if (!/^\/[A-Za-z0-9._/-]*[A-Za-z0-9._-]$/.test(rest) || rest.split("/").includes("..")) throw new DockerfileError(line, "WORKDIR must be an absolute path without '..', spaces or variables");
        if (result.steps.length > 0) throw new DockerfileError(line, "WORKDIR must come before COPY and RUN");
        result.workdir = rest;
        break;
      case "COPY": {
        if (result.workdir === undefined) throw new DockerfileError(line, "COPY before WORKDIR");
        if (rest.startsWith("--") || rest.startsWith("[")) throw new DockerfileError(line, "COPY takes no flags and no JSON form in this subset");
        const parts = rest.split(/\s+/);
        if (parts.length < 2) throw new DockerfileError(line, "COPY needs a source and a destination");
        const dest = parts.pop();
        if (!/^\.\/(?:[A-Za-z0-9._-]+\/)*$/.test(dest)) throw new DockerfileError(line, `COPY's destination must be a directory relative to WORKDIR ending in '/', got ${JSON.stringify(dest)}`);
        for (const source of parts) {
          if (!/^[A-Za-z0-9._*-]+$/.test(source) || source === "." || source === "..") throw new DockerfileError(line, `COPY sources must be file names in the build context ('*' allowed), got ${JSON.stringify(source)}`);
        }
        result.steps.push({ kind: "COPY", sources: parts, dest, line });
        break;
      }
      case "RUN": {
        if (result.workdir === undefined) throw new DockerfileError(line, "RUN before WORKDIR");
        const mounts = [];
        let command = rest;
        for (let flag = /^--(\S+)\s+/.exec(command); flag; flag = /^--(\S+)\s+/.exec(command)) {
          const mount = /^mount=type=cache,target=(\/[^,\s]+)((?:,[a-z]+=[^,\s]+)*)$/.exec(flag[1]);
          if (!mount) throw new DockerfileError(line, `RUN flag --${flag[1]} is not supported (only --mount=type=cache,target=/path[,...])`);
          mounts.push({ type: "cache", target: mount[1] });
          command = command.slice(flag[0].length);
        }
        if (command.startsWith("[")) throw new DockerfileError(line, "RUN must be the shell form in this subset");
        result.steps.push({ kind: "RUN", mounts, command, line });
        break;
      }
      case "VOLUME":
        for (const v of execForm(line, keyword, rest)) {
          if (!/^\/[A-Za-z0-9._/-]*[A-Za-z0-9._-]$/.test(v) || v.split("/").includes("..")) throw new DockerfileError(line, `VOLUME paths must be absolute, without '..', spaces or variables, got ${JSON.stringify(v)}`);
          result.volumes.push(v);
        }
        break;
      case "USER": {
        if (result.user !== undefined) throw new DockerfileError(line, "one USER only");
        const u = /^([0-9]+):([0-9]+)$/.exec(rest);
        if (!u) throw new DockerfileError(line, "USER must be numeric uid:gid (Kubernetes runAsNonRoot can only check a numeric user)");
        result.user = { uid: Number(u[1]), gid: Number(u[2]) };
        break;
      }
      case "ENTRYPOINT":
      case "CMD": {
        const field = keyword === "ENTRYPOINT" ? "entrypoint" : "cmd";
        if (result[field] !== undefined) throw new DockerfileError(line, `one ${keyword} only`);
        result[field] = execForm(line, keyword, rest);
        break;
      }
    }
  }
  if (result.from === undefined) throw new DockerfileError(1, "no FROM");
  if (result.workdir === undefined) throw new DockerfileError(1, "no WORKDIR");
  if (result.entrypoint === undefined) throw new DockerfileError(1, "no ENTRYPOINT");
  return result;
}

/** ENV values with `$VAR` and `${VAR}` expanded from earlier ENV pairs, then from `base` (the base image's env). */
function expandEnv(pairs, base) {
  const env = {};
  for (const [k, v] of pairs) env[k] = v.replace(/\$(?:\{([A-Za-z_][A-Za-z0-9_]*)\}|([A-Za-z_][A-Za-z0-9_]*))/g, (_, a, b) => env[a ?? b] ?? base[a ?? b] ?? "");
  return env;
}

module.exports = { DockerfileError, expandEnv, parseDockerfile };
