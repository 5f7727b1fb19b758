// Kubernetes StemVulnerabilityScan (CronJob) and StemCensusJob (exporter
// Deployment + Service + data_wo Secret), on the synthesized JSON.
import { KubernetesProvider } from "@cdktf/provider-kubernetes/lib/provider";
import { TerraformStack, Testing } from "cdktf";
import { StemCensusJob } from "../../lib/kubernetes/census-job";
import { StemTlsBundles } from "../../lib/kubernetes/tls-bundles";
import { StemVulnerabilityScan, type StemVulnerabilityScanProps } from "../../lib/kubernetes/vulnerability-scan";
import { refused } from "../support/refused";

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const APP = `registry.example.com/orders:1.4.2@sha256:${"c".repeat(64)}`;
const CLI = `registry.example.com/stemguard:0.1.0@sha256:${"d".repeat(64)}`;

function stack() {
  const s = new TerraformStack(Testing.app(), "jobs");
  new KubernetesProvider(s, "kubernetes", { configPath: "~/.kube/config" });
  return s;
}
const synth = (s: TerraformStack) => JSON.parse(Testing.synth(s, true)) as Json;
const only = (json: Json, type: string) => Object.values(json.resource[type] as Record<string, Json>)[0];

describe("StemVulnerabilityScan (CronJob)", () => {
  const scan = (props: Partial<StemVulnerabilityScanProps> = {}) => {
    const s = stack();
    new StemVulnerabilityScan(s, "Scan", { namespace: "stem", images: [APP], ...props });
    return only(synth(s), "kubernetes_cron_job_v1");
  };

  test("Monday 06:00 Etc/UTC, Forbid, deadlines, history limits, no retries", () => {
    const { spec } = scan();
    expect(spec).toMatchObject({ schedule: "0 6 * * 1", timezone: "Etc/UTC", concurrency_policy: "Forbid", starting_deadline_seconds: 3600, successful_jobs_history_limit: 1, failed_jobs_history_limit: 1 });
    expect(spec.job_template.spec).toMatchObject({ backoff_limit: 0, active_deadline_seconds: 7200 });
  });

  test("trivy by digest, non-root, read-only root, a cache volume, the images as targets", () => {
    const pod = scan({ repository: "https://github.com/acme/orders" }).spec.job_template.spec.template.spec;
    const [c] = pod.container;
    expect(c.image).toBe("aquasec/trivy:0.69.3@sha256:bcc376de8d77cfe086a917230e818dc9f8528e3c852f7b1aff648949b6258d1c");
    expect(c.args).toEqual([`image=${APP}`, "repo=https://github.com/acme/orders"]);
    expect(c.command.slice(0, 2)).toEqual(["/bin/sh", "-c"]);
    expect(c.security_context).toMatchObject({ run_as_non_root: true, read_only_root_filesystem: true, allow_privilege_escalation: false });
    expect(pod.security_context).toMatchObject({ run_as_non_root: true, run_as_user: "65532" });
    expect(pod.volume.find((v: Json) => v.name === "trivy-cache")).toMatchObject({ empty_dir: { size_limit: "2Gi" } });
    expect(c.volume_mount.find((m: Json) => m.name === "trivy-cache").mount_path).toBe("/var/cache/trivy");
    expect(pod.restart_policy).toBe("Never");
  });

  test("a claim for the vulnerability database when given", () => {
    const pod = scan({ cacheClaimName: "trivy-db" }).spec.job_template.spec.template.spec;
    expect(pod.volume.find((v: Json) => v.name === "trivy-cache")).toMatchObject({ persistent_volume_claim: { claim_name: "trivy-db" } });
  });

  test("fails on a bare trivy tag, a compromised trivy, and unpinned fleet images", () => {
    const s = stack();
    expect(refused(() => new StemVulnerabilityScan(s, "A", { namespace: "stem", images: [APP], trivyImage: "aquasec/trivy:0.69.3" })).message).toMatch(/pinned by digest/);
    expect(refused(() => new StemVulnerabilityScan(s, "B", { namespace: "stem", images: [APP], trivyImage: `aquasec/trivy:0.69.5@sha256:${"e".repeat(64)}` })).message).toMatch(/compromised release channel/);
    expect(refused(() => new StemVulnerabilityScan(s, "C", { namespace: "stem", images: ["registry.example.com/orders:1.4.2"] })).field).toMatch(/images\[0\]$/);
  });
});

describe("StemCensusJob (exporter)", () => {
  test("Deployment runs `census --serve` with the broker URL from a data_wo Secret; the Service has a `metrics` port", () => {
    const s = stack();
    const census = new StemCensusJob(s, "Census", { namespace: "stem", image: CLI, queues: ["default", "emails"], certificateFiles: ["/etc/stem/tls/ca.pem"] });
    const json = synth(s);
    const dep = only(json, "kubernetes_deployment_v1");
    const [c] = dep.spec.template.spec.container;
    expect(c.args).toEqual(["census", "--broker", "$(STEM_BROKER_URL)", "--serve", "9464", "--queue", "default", "--queue", "emails", "--certificate", "/etc/stem/tls/ca.pem"]);
    expect(c.env[0]).toMatchObject({ name: "STEM_BROKER_URL", value_from: { secret_key_ref: { key: "STEM_BROKER_URL", optional: false } } });
    expect(c.security_context).toMatchObject({ run_as_non_root: true, read_only_root_filesystem: true });
    const secret = only(json, "kubernetes_secret_v1");
    expect(secret.data_wo).toEqual({ STEM_BROKER_URL: "${var.stem_census_broker_url}" });
    expect(secret.data_wo_revision).toBe(1);
    expect(json.variable.stem_census_broker_url).toMatchObject({ ephemeral: true, sensitive: true });
    const svc = only(json, "kubernetes_service_v1");
    expect(svc.spec.port).toEqual([{ name: "metrics", port: 9464, target_port: "metrics", protocol: "TCP" }]);
    expect(svc.metadata.labels).toEqual(census.serviceLabels);
    expect(StemCensusJob.fromNamePrefix("stem")).toEqual({ namespace: "stem", serviceName: "stem-census", serviceLabels: census.serviceLabels, metricsPortName: "metrics" });
  });

  test("the broker URL reaches only the write-only data_wo (never data, env literals or args)", () => {
    const s = stack();
    new StemCensusJob(s, "Census", { namespace: "stem", image: CLI });
    const json = synth(s);
    expect(only(json, "kubernetes_secret_v1").data).toBeUndefined();
    const refs = Testing.synth(s).match(/var\.stem_census_broker_url/g) ?? [];
    expect(refs).toHaveLength(2); // data_wo and the variable's own validation rule
  });

  test("fails on an unpinned CLI image and bad queue names", () => {
    const s = stack();
    expect(refused(() => new StemCensusJob(s, "A", { namespace: "stem", image: "stemguard:latest" })).message).toMatch(/pinned by digest/);
    expect(refused(() => new StemCensusJob(s, "B", { namespace: "stem", image: CLI, queues: ["orders:p3"] })).field).toMatch(/queues\[0\]$/);
  });

  test("with tlsBundles: mounts the CA and client Secrets (fsGroup 10001), sets STEM_TLS_*, rolls with the bundles, and inspects the mounted certificates", () => {
    const s = stack();
    const tls = new StemTlsBundles(s, "Tls", { namespace: "stem", revision: 3 });
    const census = new StemCensusJob(s, "Census", { namespace: "stem", image: CLI, tlsBundles: tls });
    expect(census.certificateFiles).toEqual(["/etc/stem/tls/ca/ca.crt", "/etc/stem/tls/client/tls.crt"]);
    const json = synth(s);
    const pod = only(json, "kubernetes_deployment_v1").spec.template;
    const [c] = pod.spec.container;
    expect(c.args.slice(5)).toEqual(["--certificate", "/etc/stem/tls/ca/ca.crt", "--certificate", "/etc/stem/tls/client/tls.crt"]);
    expect(c.env.map((e: Json) => e.name)).toEqual(["STEM_BROKER_URL", "TZ", "STEM_TLS_CA_CERT", "STEM_TLS_CLIENT_CERT", "STEM_TLS_CLIENT_KEY"]);
    expect(c.env.slice(2).map((e: Json) => e.value)).toEqual(["/etc/stem/tls/ca/ca.crt", "/etc/stem/tls/client/tls.crt", "/etc/stem/tls/client/tls.key"]);
    expect(c.volume_mount).toEqual([
      { name: "stem-tls-ca", mount_path: "/etc/stem/tls/ca", read_only: true },
      { name: "stem-tls-client", mount_path: "/etc/stem/tls/client", read_only: true },
    ]);
    // The client bundle only: never the server key.
    expect(pod.spec.volume.map((v: Json) => [v.name, v.secret.default_mode, v.secret.items.map((i: Json) => i.key)])).toEqual([["stem-tls-ca", "0400", ["ca.crt"]], ["stem-tls-client", "0400", ["tls.crt", "tls.key"]]]);
    expect(JSON.stringify(pod.spec.volume)).not.toContain("server");
    expect(pod.spec.security_context).toMatchObject({ run_as_user: "10001", run_as_group: "10001", fs_group: "10001", run_as_non_root: true });
    expect(pod.metadata.annotations).toEqual({ "stemguard.io/broker-url-revision": "1", "stemguard.io/tls-revision": "3" });
  });

  test("tlsBundles must hold a client bundle and live in the census's namespace; without them no fsGroup and no TLS env", () => {
    const s = stack();
    const serverOnly = new StemTlsBundles(s, "Server", { namespace: "stem", revision: 1, namePrefix: "srv", kinds: ["server"] });
    expect(refused(() => new StemCensusJob(s, "A", { namespace: "stem", image: CLI, tlsBundles: serverOnly })).message).toMatch(/no client bundle/);
    const other = new StemTlsBundles(s, "Other", { namespace: "other", revision: 1, namePrefix: "oth" });
    expect(refused(() => new StemCensusJob(s, "B", { namespace: "stem", image: CLI, namePrefix: "b", tlsBundles: other })).message).toMatch(/another namespace/);
    const s2 = stack();
    new StemCensusJob(s2, "Plain", { namespace: "stem", image: CLI });
    const pod = only(synth(s2), "kubernetes_deployment_v1").spec.template;
    expect(pod.spec.security_context.fs_group).toBeUndefined();
    expect(JSON.stringify(pod)).not.toContain("STEM_TLS_");
  });
});
