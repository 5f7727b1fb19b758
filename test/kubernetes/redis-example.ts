// The docs/kubernetes.md "Redis with rediss:// in phases" example as a real stack: the snippets
// between the DOCS_BLOCK markers are the ones the docs show (test/kubernetes/redis-docs.test.ts).
import { StatefulSetV1 } from "@cdktf/provider-kubernetes/lib/stateful-set-v1";
import { KubernetesProvider } from "@cdktf/provider-kubernetes/lib/provider";
import { TerraformStack } from "cdktf";
import type { Construct } from "constructs";
import { StemRedis, StemSigningKeyring, StemTlsBundles } from "../../lib/kubernetes";

/** Reads stemguard.redis.json, stemguard.tls.json and stemguard.rotation.json from the working directory. */
export class RedisExampleStack extends TerraformStack {
  public readonly redis: StemRedis;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    new KubernetesProvider(this, "kubernetes", {});
    const image = "example/stem-worker:1";
    // DOCS_BLOCK_START:redis
    const tls = new StemTlsBundles(this, "Tls", { ledgerFile: "stemguard.tls.json", namespace: "stem" });
    const redis = new StemRedis(this, "Redis", {
      ledgerFile: "stemguard.redis.json", // the default
      namespace: "stem",
      tlsBundles: tls, // already in the plain phase: then dual applies live
      storage: { size: "5Gi" },
    });
    redis.allowFrom({ app: "api" });
    redis.allowFrom({ app: "worker" });
    const keyring = new StemSigningKeyring(this, "Keyring", { ledgerFile: "stemguard.rotation.json", namespace: "stem", redis });
    // DOCS_BLOCK_END:redis
    this.redis = redis;
    // DOCS_BLOCK_START:redis_worker
    new StatefulSetV1(this, "worker", {
      metadata: { name: "worker", namespace: "stem" },
      spec: {
        serviceName: "worker",
        selector: { matchLabels: { app: "worker" } },
        template: {
          metadata: { labels: { app: "worker" }, annotations: { ...keyring.podAnnotations("worker"), ...tls.podAnnotations() } },
          spec: {
            securityContext: { runAsNonRoot: true, runAsUser: "1000", fsGroup: "1000" },
            volume: tls.volumes("client"), // mounted in every phase; Stem reads them over rediss:// only
            container: [
              {
                name: "worker",
                image,
                args: ["worker"],
                env: keyring.containerEnv("worker"), // signing env + Redis URLs + STEM_TLS_*, one Secret
                volumeMount: tls.volumeMounts("client"),
              },
            ],
          },
        },
      },
    });
    // DOCS_BLOCK_END:redis_worker
  }
}
