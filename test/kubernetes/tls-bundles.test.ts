import "../support/cdktf-jest";
import { DeploymentV1 } from "@cdktf/provider-kubernetes/lib/deployment-v1";
import { KubernetesProvider } from "@cdktf/provider-kubernetes/lib/provider";
import { SecretV1 } from "@cdktf/provider-kubernetes/lib/secret-v1";
import { StatefulSetV1 } from "@cdktf/provider-kubernetes/lib/stateful-set-v1";
import { TerraformStack, Testing } from "cdktf";
import { generateTlsBundle } from "../../lib/core/tls/generate";
import type { TlsBundle } from "../../lib/core/tls/types";
import { StemTlsBundles, type StemTlsBundlesProps } from "../../lib/kubernetes/tls-bundles";
import { expectNoPemMaterial } from "../support/pem-leaks";

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

function setup(props: Partial<StemTlsBundlesProps> = {}) {
  const stack = new TerraformStack(Testing.app(), "test");
  new KubernetesProvider(stack, "kubernetes", { configPath: "~/.kube/config" });
  const tls = new StemTlsBundles(stack, "Tls", { namespace: "stem", revision: 3, ...props });
  return { stack, tls };
}

function secretsByName(synth: string): Record<string, Json> {
  const json = JSON.parse(synth) as Json;
  const out: Record<string, Json> = {};
  for (const body of Object.values((json.resource?.kubernetes_secret_v1 ?? {}) as Record<string, Json>)) out[body.metadata.name] = body;
  return out;
}

/** A worker StatefulSet wired the documented way. */
function addWorker(stack: TerraformStack, tls: StemTlsBundles): void {
  new StatefulSetV1(stack, "worker", {
    metadata: { name: "worker", namespace: "stem" },
    spec: {
      serviceName: "worker",
      selector: { matchLabels: { app: "worker" } },
      template: {
        metadata: { labels: { app: "worker" }, annotations: tls.podAnnotations({ "prometheus.io/scrape": "true" }) },
        spec: {
          securityContext: { fsGroup: "1000", runAsUser: "1000", runAsNonRoot: true },
          volume: tls.volumes("client"),
          container: [
            {
              name: "worker",
              image: "example/stem-worker:1",
              env: tls.containerEnv([{ name: "STEM_BROKER_URL", value: "rediss://redis.stem.svc:6379/0" }]),
              volumeMount: tls.volumeMounts("client"),
            },
          ],
        },
      },
    },
  });
}

let bundle: TlsBundle;
beforeAll(async () => {
  bundle = await generateTlsBundle({ sans: "redis.stem.svc,localhost", keySize: 2048, days: 30 });
});

describe("StemTlsBundles", () => {
  test("creates an Opaque CA-bundle Secret and kubernetes.io/tls server and client Secrets, written with data_wo", () => {
    const { stack } = setup();
    const synth = Testing.synth(stack, true);
    const common = { namespace: "stem", annotations: { "stemguard.io/tls-revision": "3" } };
    expect(synth).toHaveResourceWithProperties(SecretV1, {
      metadata: { ...common, name: "stem-tls-ca", labels: { "app.kubernetes.io/managed-by": "stemguard", "stemguard.io/tls-bundle": "ca" } },
      type: "Opaque",
      // Exact expressions: token references to the ephemeral inputs, not escaped "$${...}" literals.
      data_wo: { "ca.crt": "${var.stem_tls_ca_bundle}" },
      data_wo_revision: 3,
    });
    for (const kind of ["server", "client"]) {
      expect(synth).toHaveResourceWithProperties(SecretV1, {
        metadata: { ...common, name: `stem-tls-${kind}`, labels: { "app.kubernetes.io/managed-by": "stemguard", "stemguard.io/tls-bundle": kind } },
        type: "kubernetes.io/tls",
        data_wo: { "tls.crt": `\${var.stem_tls_${kind}_cert}`, "tls.key": `\${var.stem_tls_${kind}_key}` },
        data_wo_revision: 3,
      });
    }
    expect(Object.keys(secretsByName(synth))).toHaveLength(3);
    expect(synth).not.toContain("$${");
    expect(synth).not.toMatch(/"data"\s*:/); // never the stateful `data` argument
  });

  test("declares one ephemeral, sensitive, required input per PEM file, with a shape check that hides the value", () => {
    const { stack, tls } = setup();
    const variables = (JSON.parse(Testing.synth(stack)) as Json).variable as Record<string, Json>;
    const names = ["stem_tls_ca_bundle", "stem_tls_server_cert", "stem_tls_server_key", "stem_tls_client_cert", "stem_tls_client_key"];
    expect(Object.keys(variables).sort()).toEqual([...names].sort());
    expect(tls.materialInputs.map((m) => m.envVarName)).toEqual(names.map((n) => `TF_VAR_${n}`));
    for (const name of names) {
      const v = variables[name];
      expect(v).toMatchObject({ ephemeral: true, sensitive: true, type: "string" });
      expect(v).not.toHaveProperty("default");
      const pattern = name.endsWith("_key") ? "-----BEGIN (RSA |EC )?PRIVATE KEY-----" : "-----BEGIN CERTIFICATE-----";
      expect(v.validation).toEqual([{ condition: `\${can(regex("${pattern}", var.${name}))}`, error_message: expect.stringContaining("(value not shown)") }]);
    }
  });

  test("the shape-check patterns accept generated PEMs and refuse a key where a certificate belongs", () => {
    const certPattern = /-----BEGIN CERTIFICATE-----/;
    const keyPattern = /-----BEGIN (RSA |EC )?PRIVATE KEY-----/;
    for (const pem of [bundle.caCertPem, bundle.serverCertPem, bundle.clientCertPem]) expect(pem).toMatch(certPattern);
    for (const pem of [bundle.serverKeyPem, bundle.clientKeyPem]) expect(pem).toMatch(keyPattern);
    expect(bundle.clientKeyPem).not.toMatch(certPattern);
    expect(bundle.clientCertPem).not.toMatch(keyPattern);
  });

  test("kinds: ['client'] leaves out the server Secret and never asks for the server key", () => {
    const { stack, tls } = setup({ kinds: ["client"] });
    const synth = Testing.synth(stack);
    expect(Object.keys(secretsByName(synth)).sort()).toEqual(["stem-tls-ca", "stem-tls-client"]);
    expect(synth).not.toContain("server_key");
    expect(tls.materialInputs.map((m) => m.file)).toEqual(["caBundle", "clientCert", "clientKey"]);
    expect(() => tls.volumes("server")).toThrow(/no server bundle.*add "server" to props.kinds/);
  });

  test("wires a workload: 0400 secret volumes, read-only mounts, env paths equal to the mounted files, revision annotation", () => {
    const { stack, tls } = setup();
    addWorker(stack, tls);
    const json = JSON.parse(Testing.synth(stack, true)) as Json;
    const pod = json.resource.kubernetes_stateful_set_v1.worker.spec.template;
    expect(pod.metadata.annotations).toEqual({ "prometheus.io/scrape": "true", "stemguard.io/tls-revision": "3" });
    expect(pod.spec.volume).toEqual([
      {
        name: "stem-tls-ca",
        secret: { secret_name: "${kubernetes_secret_v1.Tls_CaBundle_55A20178.metadata[0].name}", default_mode: "0400", optional: false, items: [{ key: "ca.crt", path: "ca.crt" }] },
      },
      {
        name: "stem-tls-client",
        secret: {
          secret_name: "${kubernetes_secret_v1.Tls_ClientBundle_2C568622.metadata[0].name}",
          default_mode: "0400",
          optional: false,
          items: [
            { key: "tls.crt", path: "tls.crt" },
            { key: "tls.key", path: "tls.key" },
          ],
        },
      },
    ]);
    const container = pod.spec.container[0];
    expect(container.volume_mount).toEqual([
      { name: "stem-tls-ca", mount_path: "/etc/stem/tls/ca", read_only: true },
      { name: "stem-tls-client", mount_path: "/etc/stem/tls/client", read_only: true },
    ]);
    expect(container.env).toEqual([
      { name: "STEM_BROKER_URL", value: "rediss://redis.stem.svc:6379/0" },
      { name: "STEM_TLS_CA_CERT", value: "/etc/stem/tls/ca/ca.crt" },
      { name: "STEM_TLS_CLIENT_CERT", value: "/etc/stem/tls/client/tls.crt" },
      { name: "STEM_TLS_CLIENT_KEY", value: "/etc/stem/tls/client/tls.key" },
    ]);

    // Every env path is a file the pod actually has: <mount path>/<item path> of a mounted volume.
    const files = new Set<string>();
    for (const mount of container.volume_mount as Json[]) {
      const volume = (pod.spec.volume as Json[]).find((v) => v.name === mount.name)!;
      for (const item of volume.secret.items as Json[]) files.add(`${mount.mount_path}/${item.path}`);
    }
    const stemPaths = (container.env as Json[]).filter((e) => e.name.startsWith("STEM_TLS_")).map((e) => e.value as string);
    expect(stemPaths).toHaveLength(3);
    for (const p of stemPaths) expect(files).toContain(p);
    expect(Object.values(tls.paths).filter((p) => p.includes("/client/") || p.includes("/ca/")).sort()).toEqual([...stemPaths].sort());
  });

  test("a server (Redis) pod mounts the CA bundle and the server bundle, never the client key", () => {
    const { tls } = setup({ mountPath: "/tls" });
    expect(tls.volumeMounts("server")).toEqual([
      { name: "stem-tls-ca", mountPath: "/tls/ca", readOnly: true },
      { name: "stem-tls-server", mountPath: "/tls/server", readOnly: true },
    ]);
    expect(tls.volumes("server").map((v) => v.name)).toEqual(["stem-tls-ca", "stem-tls-server"]);
    expect(tls.paths).toEqual({
      caCert: "/tls/ca/ca.crt",
      clientCert: "/tls/client/tls.crt",
      clientKey: "/tls/client/tls.key",
      serverCert: "/tls/server/tls.crt",
      serverKey: "/tls/server/tls.key",
    });
  });

  test("never sets STEM_TLS_ALLOW_INSECURE unless allowInsecure: true, and then exactly 'true' with a synth warning", () => {
    const { stack, tls } = setup();
    addWorker(stack, tls);
    expect(Testing.synth(stack)).not.toContain("ALLOW_INSECURE");
    expect(tls.containerEnv().map((e) => e.name)).not.toContain("STEM_TLS_ALLOW_INSECURE");

    const insecure = setup({ allowInsecure: true });
    expect(insecure.tls.containerEnv().at(-1)).toEqual({ name: "STEM_TLS_ALLOW_INSECURE", value: "true" });
    const warnings = insecure.tls.node.metadata.filter((m) => m.type === "@cdktf/warn").map((m) => String(m.data));
    expect(warnings).toEqual([expect.stringContaining("accept any server certificate")]);
  });

  test("a new revision changes data_wo_revision and the pod annotation, so Secrets are rewritten and pods roll", () => {
    const { stack, tls } = setup({ revision: 4 });
    addWorker(stack, tls);
    const json = JSON.parse(Testing.synth(stack)) as Json;
    for (const s of Object.values(secretsByName(JSON.stringify(json)))) expect(s.data_wo_revision).toBe(4);
    expect(json.resource.kubernetes_stateful_set_v1.worker.spec.template.metadata.annotations["stemguard.io/tls-revision"]).toBe("4");
  });

  test("the bindings fit DeploymentV1 too", () => {
    const { stack, tls } = setup();
    new DeploymentV1(stack, "api", {
      metadata: { name: "api", namespace: "stem" },
      spec: {
        selector: { matchLabels: { app: "api" } },
        template: {
          metadata: { labels: { app: "api" }, annotations: tls.podAnnotations() },
          spec: { volume: tls.volumes(), container: [{ name: "api", image: "x", env: tls.containerEnv(), volumeMount: tls.volumeMounts() }] },
        },
      },
    });
    expect(Testing.synth(stack, true)).toHaveResourceWithProperties(DeploymentV1, { metadata: { name: "api", namespace: "stem" } });
  });

  test("no material reaches the synthesized JSON, even with every input set in the environment", () => {
    // GIVEN the PEMs (and a sentinel) wherever a caller could put material: the TF_VAR_* inputs Terraform will read.
    const SENTINEL = "SENTINEL-do-not-leak";
    const values: Record<string, string> = {
      TF_VAR_stem_tls_ca_bundle: bundle.caCertPem + SENTINEL,
      TF_VAR_stem_tls_server_cert: bundle.serverCertPem,
      TF_VAR_stem_tls_server_key: bundle.serverKeyPem + SENTINEL,
      TF_VAR_stem_tls_client_cert: bundle.clientCertPem,
      TF_VAR_stem_tls_client_key: bundle.clientKeyPem,
    };
    Object.assign(process.env, values);
    try {
      // WHEN a full stack is synthesized
      const { stack, tls } = setup({ labels: { team: "queue" } });
      addWorker(stack, tls);
      const synth = Testing.synth(stack, true);
      // THEN neither the sentinel nor any PEM (armour or body line) is in it
      expectNoPemMaterial(synth, Object.values(values));
    } finally {
      for (const name of Object.keys(values)) delete process.env[name];
    }
  });

  test("fails on a bad namespace, revision, mountPath, kinds or an owned label", () => {
    const stack = new TerraformStack(Testing.app(), "test");
    const make = (id: string, props: Partial<StemTlsBundlesProps>) =>
      new StemTlsBundles(stack, id, { namespace: "stem", revision: 1, namePrefix: id.toLowerCase(), ...props });
    expect(() => make("A", { namespace: "Stem_Prod" })).toThrow(/props.namespace: namespace must be a DNS label/);
    expect(() => make("B", { revision: 0 })).toThrow(/props.revision: revision must be a whole number >= 1 \(got 0\)/);
    expect(() => make("C", { revision: 1.5 })).toThrow(/revision must be a whole number/);
    expect(() => make("D", { mountPath: "etc/tls" })).toThrow(/props.mountPath: mountPath must be an absolute path/);
    expect(() => make("E", { mountPath: "/etc/../tls" })).toThrow(/mountPath must be an absolute path/);
    expect(() => make("F", { kinds: [] })).toThrow(/kinds must not be empty/);
    expect(() => make("G", { labels: { "stemguard.io/tls-bundle": "x" } })).toThrow(/this label is set by the construct/);
  });

  test("containerEnv twice says already bound", () => {
    const { tls } = setup();
    expect(() => tls.containerEnv(tls.containerEnv([{ name: "A", value: "b" }]))).toThrow(/test\/Tls\.containerEnv: the container is already bound to the TLS bundles \(it has STEM_TLS_CA_CERT\)/);
  });

  test("fails when the container env already sets a STEM_TLS_* variable or the annotation differs", () => {
    const { tls } = setup();
    expect(() => tls.containerEnv([{ name: "STEM_TLS_CA_CERT", value: "/certs/ca.crt" }])).toThrow(/STEM_TLS_CA_CERT is set by the TLS bundles/);
    expect(() => tls.containerEnv([{ name: "STEM_TLS_ALLOW_INSECURE", value: "true" }])).toThrow(/use the allowInsecure prop/);
    expect(() => tls.podAnnotations({ "stemguard.io/tls-revision": "2" })).toThrow(/set by the TLS bundles \(revision 3\)/);
    expect(tls.podAnnotations({ "stemguard.io/tls-revision": "3" })).toEqual({ "stemguard.io/tls-revision": "3" });
  });

  test("fails containerEnv when there is no client bundle", () => {
    const { tls } = setup({ kinds: ["server"] });
    expect(() => tls.containerEnv()).toThrow(/no client bundle/);
  });
});
