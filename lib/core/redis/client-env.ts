import { StemguardError } from "../errors";
import { clientTransport } from "./transport";
import type { RedisPhase } from "./types";

/** Every Redis URL variable Stem reads (docs/stem-compat.md §8), in the order they are rendered. */
export const REDIS_URL_VARIABLES = ["STEM_BROKER_URL", "STEM_RESULT_BACKEND_URL", "STEM_SCHEDULE_STORE_URL", "STEM_REVOKE_STORE_URL", "STEM_WORKFLOW_STORE_URL"] as const;
export type RedisUrlVariable = (typeof REDIS_URL_VARIABLES)[number];

/** How Stem's processes reach Redis; the same in every phase. */
export interface RedisClientEndpoint {
  /** Host name the clients connect to and verify the certificate against (a Service DNS name, an ElastiCache endpoint). */
  readonly host: string;
  /**
   * Plain port.
   *
   * @default 6379
   */
  readonly port?: number;
  /**
   * TLS port. ElastiCache serves both on one port; a self-run Redis in dual needs two.
   *
   * @default - the plain port
   */
  readonly tlsPort?: number;
  /**
   * Database index per URL variable; `STEM_BROKER_URL` is always rendered.
   *
   * @default { STEM_BROKER_URL: 0, STEM_RESULT_BACKEND_URL: 1 }
   */
  readonly databases?: Partial<Record<RedisUrlVariable, number>>;
  /**
   * TLS files as paths inside the client process, set as STEM_TLS_* over
   * rediss://. Leave `ca` unset to trust the platform store (ElastiCache's
   * Amazon certificate): once any STEM_TLS_* path is set, Stem trusts only
   * that file (docs/stem-compat.md §4.1).
   *
   * @default - platform trust store, no client certificate
   */
  readonly tlsFiles?: { readonly ca?: string; readonly clientCert?: string; readonly clientKey?: string };
}

const HOST = /^[A-Za-z0-9.-]+$|^\$\{.+\}$/;

/**
 * A role's Redis env in a phase: every URL variable with the phase's scheme,
 * port and active password, plus STEM_TLS_* over rediss://. `password` gives
 * an id's value (or a Terraform expression that yields it); it is only ever
 * put into the values returned, never into an error.
 */
export function renderRedisClientEnv(phase: RedisPhase, endpoint: RedisClientEndpoint, password: (passwordId: string) => string): [string, string][] {
  if (!HOST.test(endpoint.host)) throw new StemguardError("Redis host must be a DNS name or an IPv4 address", { field: "host", value: endpoint.host, fix: "e.g. redis.stem.svc.cluster.local" });
  const t = clientTransport(phase);
  const port = t.scheme === "rediss" ? (endpoint.tlsPort ?? endpoint.port ?? 6379) : (endpoint.port ?? 6379);
  const auth = phase.activePassword === undefined ? "" : `:${password(phase.activePassword)}@`;
  const dbs = endpoint.databases ?? { STEM_BROKER_URL: 0, STEM_RESULT_BACKEND_URL: 1 };
  const env: [string, string][] = [];
  for (const name of REDIS_URL_VARIABLES) {
    const db = name === "STEM_BROKER_URL" ? (dbs[name] ?? 0) : dbs[name];
    if (db === undefined) continue;
    if (!Number.isInteger(db) || db < 0 || db > 15) throw new StemguardError("a Redis database index is a whole number from 0 to 15", { field: `databases.${name}`, value: db, fix: "e.g. 0 for the broker, 1 for the result backend" });
    env.push([name, `${t.scheme}://${auth}${endpoint.host}:${port}/${db}`]);
  }
  if (t.scheme === "rediss") {
    const files = endpoint.tlsFiles ?? {};
    if (files.ca) env.push(["STEM_TLS_CA_CERT", files.ca]);
    if (t.clientCertificate) {
      if (!files.clientCert || !files.clientKey) {
        throw new StemguardError(`client-auth ${phase.clientAuth}: clients must present a certificate, but no client certificate and key paths are given`, {
          field: "tlsFiles.clientCert",
          fix: "give tlsFiles.clientCert and tlsFiles.clientKey (the client bundle), or keep client-auth at no (ElastiCache has no client certificates)",
        });
      }
      env.push(["STEM_TLS_CLIENT_CERT", files.clientCert], ["STEM_TLS_CLIENT_KEY", files.clientKey]);
    }
  }
  return env;
}
