import { StemguardError } from "../errors";

/** How an in-cluster Redis is named: its Services, its pods and the cluster's DNS domain. */
export interface RedisServiceNames {
  /** The client Service (what Stem connects to). */
  readonly service: string;
  /** The headless Service that gives the StatefulSet's pods their DNS names. */
  readonly headlessService: string;
  /** The StatefulSet: its pods are `<statefulSet>-0`, `-1`, ... */
  readonly statefulSet: string;
  readonly namespace: string;
  /**
   * Pods of the StatefulSet.
   *
   * @default 1
   */
  readonly replicas?: number;
  /**
   * The cluster's DNS domain.
   *
   * @default "cluster.local"
   */
  readonly clusterDomain?: string;
}

const LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

function check(names: RedisServiceNames): Required<RedisServiceNames> {
  const n = { replicas: 1, clusterDomain: "cluster.local", ...names };
  for (const field of ["service", "headlessService", "statefulSet", "namespace"] as const) {
    if (!LABEL.test(n[field]) || n[field].length > 63) {
      throw new StemguardError("must be a DNS label: lowercase letters, digits and '-', at most 63 characters (it is part of the server certificate's names)", { field, value: n[field], fix: 'e.g. "stem-redis" or "stem"' });
    }
  }
  if (!DOMAIN.test(n.clusterDomain)) throw new StemguardError("clusterDomain must be a DNS name", { field: "clusterDomain", value: n.clusterDomain, fix: 'e.g. "cluster.local"' });
  if (!Number.isInteger(n.replicas) || n.replicas < 1) throw new StemguardError("replicas must be a whole number >= 1", { field: "replicas", value: n.replicas, fix: "e.g. 1" });
  return n;
}

/** The host Stem connects to and verifies the certificate against: `<service>.<namespace>.svc.<clusterDomain>`. */
export function redisClientHost(names: RedisServiceNames): string {
  const n = check(names);
  return `${n.service}.${n.namespace}.svc.${n.clusterDomain}`;
}

/**
 * The DNS names the server certificate must cover: the client Service's
 * `<svc>.<ns>.svc` and `<svc>.<ns>.svc.<clusterDomain>`, then each pod behind
 * the headless Service, `<pod>.<headless>.<ns>.svc` and
 * `<pod>.<headless>.<ns>.svc.<clusterDomain>`. Pass them to
 * `stemguard tls generate` (or the TLS ledger's `tls ca init`) as the SANs.
 */
export function redisServerDnsNames(names: RedisServiceNames): string[] {
  const n = check(names);
  const both = (name: string) => [`${name}.${n.namespace}.svc`, `${name}.${n.namespace}.svc.${n.clusterDomain}`];
  const pods = Array.from({ length: n.replicas }, (_, i) => both(`${n.statefulSet}-${i}.${n.headlessService}`)).flat();
  return [...both(n.service), ...pods];
}
