import type { StatefulSetV1SpecTemplateSpec } from "@cdktf/provider-kubernetes/lib/stateful-set-v1";
import type { ITlsBundles } from "./tls-bundles";
import { REDIS_MOUNTS } from "./redis-base";

/** Container requests and limits, as Kubernetes quantities. */
export interface StemRedisResources {
  /**
   * @default { cpu: "100m", memory: "256Mi" }
   */
  readonly requests?: Readonly<Record<string, string>>;
  /**
   * No CPU limit by default: throttling Redis stalls every worker at once.
   *
   * @default { memory: "512Mi" }
   */
  readonly limits?: Readonly<Record<string, string>>;
}

/** What the pod template is built from: nothing here may depend on the ledger's phase. */
export interface RedisPodInputs {
  readonly image: string;
  readonly port: number;
  readonly tlsPort: number;
  readonly configMapName: string;
  readonly authSecretName: string;
  readonly tlsBundles?: ITlsBundles;
  readonly resources: Required<StemRedisResources>;
  readonly runAsUser: number;
  readonly fsGroup: number;
}

const CONTAINER_SECURITY = {
  allowPrivilegeEscalation: false,
  readOnlyRootFilesystem: true,
  runAsNonRoot: true,
  capabilities: { drop: ["ALL"] },
};

/**
 * The Redis pod: `redis` (redis-server with the mounted redis.conf, readiness
 * by the mounted probe.sh) and `reloader` (the mounted reload.sh, same image).
 * Every phase-dependent file is mounted from the ConfigMap or the auth Secret,
 * so a ledger step changes this template in no phase: the kubelet swaps the
 * files and the reloader applies them live.
 */
export function redisPodSpec(inputs: RedisPodInputs): StatefulSetV1SpecTemplateSpec {
  const tls = inputs.tlsBundles;
  const clientVolumes = tls?.kinds.includes("client") ? tls.volumes("client").filter((v) => v.name !== tls.secretName("ca")) : [];
  const clientMounts = tls?.kinds.includes("client") ? tls.volumeMounts("client").filter((m) => m.name !== tls.secretName("ca")) : [];
  const serverMounts = tls ? tls.volumeMounts("server") : [];
  const common = [
    { name: "config", mountPath: REDIS_MOUNTS.config, readOnly: true },
    { name: "auth", mountPath: REDIS_MOUNTS.auth, readOnly: true },
    { name: "run", mountPath: REDIS_MOUNTS.run, readOnly: false },
  ];
  return {
    automountServiceAccountToken: false,
    // A Service named like the prefix would inject <PREFIX>_PORT=tcp://... variables; Redis needs none.
    enableServiceLinks: false,
    securityContext: {
      runAsNonRoot: true,
      runAsUser: String(inputs.runAsUser),
      runAsGroup: String(inputs.fsGroup),
      fsGroup: String(inputs.fsGroup),
      fsGroupChangePolicy: "OnRootMismatch",
      seccompProfile: { type: "RuntimeDefault" },
    },
    volume: [
      { name: "config", configMap: { name: inputs.configMapName, defaultMode: "0444" } },
      { name: "auth", secret: { secretName: inputs.authSecretName, defaultMode: "0440", optional: false, items: [{ key: "users.acl", path: "users.acl" }, { key: "password", path: "password" }] } },
      { name: "run", emptyDir: { medium: "Memory", sizeLimit: "1Mi" } },
      ...(tls ? tls.volumes("server") : []),
      ...clientVolumes,
    ],
    container: [
      {
        name: "redis",
        image: inputs.image,
        command: ["redis-server", `${REDIS_MOUNTS.config}/redis.conf`],
        // Both ports in every phase: the listeners open and close live, the template stays.
        port: [
          { name: "redis", containerPort: inputs.port },
          { name: "redis-tls", containerPort: inputs.tlsPort },
        ],
        readinessProbe: {
          exec: { command: ["sh", `${REDIS_MOUNTS.config}/probe.sh`] },
          initialDelaySeconds: 5,
          periodSeconds: 10,
          timeoutSeconds: 5,
          // Three misses (30 s) before NotReady: the probe and live.conf swap together, the reloader applies within 5 s.
          failureThreshold: 3,
        },
        resources: { requests: { ...inputs.resources.requests }, limits: { ...inputs.resources.limits } },
        securityContext: CONTAINER_SECURITY,
        volumeMount: [...common, { name: "data", mountPath: REDIS_MOUNTS.data, readOnly: false }, ...serverMounts, ...clientMounts],
      },
      {
        name: "reloader",
        image: inputs.image,
        command: ["sh", `${REDIS_MOUNTS.config}/reload.sh`],
        resources: { requests: { cpu: "10m", memory: "16Mi" }, limits: { memory: "32Mi" } },
        securityContext: CONTAINER_SECURITY,
        volumeMount: [...common, ...serverMounts],
      },
    ],
  };
}
