import { StemguardError } from "../errors";
import { serverDefaults } from "./server-config";
import { serverTransport } from "./transport";
import type { RedisPhase } from "./types";

/** What the readiness probe uses inside the Redis container. */
export interface RedisProbeOptions {
  /** @default 6379 */
  readonly port?: number;
  /** @default 6380 */
  readonly tlsPort?: number;
  /**
   * The CA bundle that verifies the server, and a client certificate and key
   * the server's CA bundle verifies (needed once client-auth is yes; sent in
   * every TLS phase when given).
   */
  readonly tlsFiles?: { readonly ca: string; readonly clientCert?: string; readonly clientKey?: string };
  /**
   * The active password (for AUTH, via REDISCLI_AUTH); an empty file before the first password.
   *
   * @default "/etc/stemguard/redis-auth/password"
   */
  readonly passwordFile?: string;
}

const SAFE_PATH = /^\/[A-Za-z0-9._/-]+$/;

/**
 * `probe.sh`: readiness of a phase. Every listener the phase opens must answer
 * PING: the plain port until tls-only, the TLS port (with the CA and, when
 * given, the client certificate) from dual on. AUTH with the mounted active
 * password; without one when that is refused, which only works while the
 * server has no password (the first password's ACL not loaded yet). Exit 0
 * when ready.
 */
export function renderProbeScript(phase: RedisPhase, options: RedisProbeOptions = {}): string {
  const { port, tlsPort } = serverDefaults({ port: options.port, tlsPort: options.tlsPort });
  const pw = options.passwordFile ?? "/etc/stemguard/redis-auth/password";
  const t = serverTransport(phase);
  const files = options.tlsFiles;
  if (t.tls && !files) throw new StemguardError(`mode ${phase.mode}: the probe speaks TLS and needs the CA bundle path`, { field: "tlsFiles.ca", fix: "give the CA bundle (and a client certificate) the Redis container mounts" });
  if (t.tls && t.clientAuth === "yes" && (!files?.clientCert || !files.clientKey)) {
    throw new StemguardError("client-auth yes: the probe must present a client certificate", { field: "tlsFiles.clientCert", fix: "mount a client bundle into the Redis pod and give its certificate and key paths" });
  }
  for (const p of [pw, files?.ca, files?.clientCert, files?.clientKey]) {
    if (p !== undefined && !SAFE_PATH.test(p)) throw new StemguardError("must be an absolute path of [A-Za-z0-9._/-]", { field: "probe path", value: p, fix: "e.g. /etc/stem/tls/ca/ca.crt" });
  }
  const checks: string[] = [];
  if (t.plain) checks.push(`ready -h 127.0.0.1 -p ${port}`);
  if (t.tls) {
    const cert = files!.clientCert && files!.clientKey ? ` --cert ${files!.clientCert} --key ${files!.clientKey}` : "";
    checks.push(`ready --tls --cacert ${files!.ca}${cert} -h 127.0.0.1 -p ${tlsPort}`);
  }
  return `#!/bin/sh
# Rendered by stemguard: readiness of TLS mode ${phase.mode}${t.tls ? `, client certificates ${t.clientAuth}` : ""}. Every open listener must answer PING.
set -u
ping() { out=$(redis-cli --no-auth-warning "$@" PING 2>/dev/null) && [ "$out" = "PONG" ]; }
ready() {
  if [ -s ${pw} ]; then
    REDISCLI_AUTH=$(cat ${pw}) && export REDISCLI_AUTH && ping "$@" && return 0
    unset REDISCLI_AUTH
  fi
  ping "$@"
}
${checks.map((c) => `${c} || exit 1`).join("\n")}
`;
}
