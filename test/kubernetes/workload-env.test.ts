import { CronJobV1 } from "@cdktf/provider-kubernetes/lib/cron-job-v1";
import { DeploymentV1 } from "@cdktf/provider-kubernetes/lib/deployment-v1";
import { StatefulSetV1 } from "@cdktf/provider-kubernetes/lib/stateful-set-v1";
import { Testing } from "cdktf";
import type { SigningLedger } from "../../lib/core/keyring/types";
import type { StemSigningKeyring } from "../../lib/kubernetes/signing-keyring";
import { KEYRING_REVISION_ANNOTATION } from "../../lib/kubernetes/workload-env";
import { byName, keyringStack, rotation, synthJson, type SynthJson } from "./fixtures";

const secretRef = (role: string, key: string) => ({
  name: key,
  value_from: {
    secret_key_ref: { name: `\${kubernetes_secret_v1.Keyring_${role}.metadata[0].name}`, key, optional: false },
  },
});

/** A producer Deployment, a worker StatefulSet, a beat Deployment and a producer CronJob wired to the keyring. */
function fleet(ledger: SigningLedger, extraService = false) {
  const { stack, keyring } = keyringStack(ledger);
  const wire = (k: StemSigningKeyring) => {
    new DeploymentV1(stack, "api", {
      metadata: { name: "api", namespace: k.namespace },
      spec: {
        selector: { matchLabels: { app: "api" } },
        template: {
          metadata: { labels: { app: "api" }, annotations: k.podAnnotations("producer", { team: "orders" }) },
          spec: { container: [{ name: "api", image: "app", env: k.containerEnv("producer", [{ name: "STEM_BROKER_URL", value: "redis://r:6379/0" }]) }] },
        },
      },
    });
    new StatefulSetV1(stack, "worker", {
      metadata: { name: "worker", namespace: k.namespace },
      spec: {
        serviceName: "worker",
        selector: { matchLabels: { app: "worker" } },
        template: {
          metadata: { labels: { app: "worker" }, annotations: k.podAnnotations("worker") },
          spec: { container: [{ name: "worker", image: "app", env: k.containerEnv("worker") }] },
        },
      },
    });
    new DeploymentV1(stack, "beat", {
      metadata: { name: "beat", namespace: k.namespace },
      spec: {
        replicas: "1",
        selector: { matchLabels: { app: "beat" } },
        template: {
          metadata: { labels: { app: "beat" }, annotations: k.podAnnotations("beat") },
          spec: { container: [{ name: "beat", image: "app", env: k.containerEnv("beat") }] },
        },
      },
    });
    new CronJobV1(stack, "nightly", {
      metadata: { name: "nightly", namespace: k.namespace },
      spec: {
        schedule: "0 3 * * *",
        jobTemplate: {
          metadata: {},
          spec: {
            template: {
              metadata: { annotations: k.podAnnotations("producer") },
              spec: { container: [{ name: "enqueue", image: "app", env: k.containerEnv("producer") }] },
            },
          },
        },
      },
    });
    if (extraService) {
      new DeploymentV1(stack, "extra", {
        metadata: { name: "extra", namespace: k.namespace },
        spec: {
          selector: { matchLabels: { app: "extra" } },
          template: { metadata: { labels: { app: "extra" } }, spec: { container: [{ name: "x", image: "other" }] } },
        },
      });
    }
  };
  wire(keyring);
  return { stack, keyring, json: synthJson(stack) };
}

/** Terraform addresses whose configuration differs between two synths (added and removed ones too). */
function changed(a: SynthJson, b: SynthJson): string[] {
  const flat = (j: SynthJson) =>
    new Map(Object.entries(j.resource ?? {}).flatMap(([type, rs]) => Object.entries(rs).map(([n, body]) => [`${type}.${n}`, JSON.stringify(body)])));
  const fa = flat(a);
  const fb = flat(b);
  return [...new Set([...fa.keys(), ...fb.keys()])].filter((k) => fa.get(k) !== fb.get(k)).sort();
}

const podAnnotation = (json: SynthJson, type: string, name: string): string => {
  const body = byName(json, type)[name] as { spec: Record<string, unknown> };
  const template =
    type === "kubernetes_cron_job_v1"
      ? (body.spec as { job_template: { spec: { template: { metadata: { annotations: Record<string, string> } } } } }).job_template.spec.template
      : (body.spec as { template: { metadata: { annotations: Record<string, string> } } }).template;
  return template.metadata.annotations[KEYRING_REVISION_ANNOTATION];
};

const ALL_SECRETS = [
  "kubernetes_secret_v1.Keyring_Beat_D760F81F",
  "kubernetes_secret_v1.Keyring_Producer_247E6E17",
  "kubernetes_secret_v1.Keyring_Worker_1CF116A6",
];
const ALL_WORKLOADS = [
  "kubernetes_cron_job_v1.nightly",
  "kubernetes_deployment_v1.api",
  "kubernetes_deployment_v1.beat",
  "kubernetes_stateful_set_v1.worker",
];

describe("workload wiring", () => {
  test("containerEnv: your env first, one secretKeyRef per Stem variable, then TZ=UTC", () => {
    const { json } = fleet(rotation("ed25519").staged);
    const container = (byName(json, "kubernetes_deployment_v1").api as { spec: { template: { spec: { container: { env: unknown[] }[] } } } }).spec.template.spec
      .container[0];
    expect(container.env).toEqual([
      { name: "STEM_BROKER_URL", value: "redis://r:6379/0" },
      secretRef("Producer_247E6E17", "STEM_SIGNING_ALGORITHM"),
      secretRef("Producer_247E6E17", "STEM_SIGNING_PUBLIC_KEYS"),
      secretRef("Producer_247E6E17", "STEM_SIGNING_PRIVATE_KEYS"),
      secretRef("Producer_247E6E17", "STEM_SIGNING_ACTIVE_KEY"),
      { name: "TZ", value: "UTC" },
    ]);
  });

  test("wires StatefulSet and CronJob containers too, each to its role's Secret", () => {
    const { json } = fleet(rotation("ed25519", { verifyOnlyWorkers: true }).init);
    const worker = byName(json, "kubernetes_stateful_set_v1").worker as { spec: { template: { spec: { container: { env: unknown[] }[] } } } };
    expect(worker.spec.template.spec.container[0].env).toEqual([
      secretRef("Worker_1CF116A6", "STEM_SIGNING_ALGORITHM"),
      secretRef("Worker_1CF116A6", "STEM_SIGNING_PUBLIC_KEYS"),
      { name: "TZ", value: "UTC" },
    ]);
    const cron = byName(json, "kubernetes_cron_job_v1").nightly as {
      spec: { job_template: { spec: { template: { spec: { container: { env: { name: string }[] }[] } } } } };
    };
    expect(cron.spec.job_template.spec.template.spec.container[0].env.map((e) => e.name)).toEqual([
      "STEM_SIGNING_ALGORITHM",
      "STEM_SIGNING_PUBLIC_KEYS",
      "STEM_SIGNING_PRIVATE_KEYS",
      "STEM_SIGNING_ACTIVE_KEY",
      "TZ",
    ]);
  });

  test("podAnnotations keeps your annotations and adds the role's revision", () => {
    const { json } = fleet(rotation("hmac-sha256").staged);
    const api = byName(json, "kubernetes_deployment_v1").api as { spec: { template: { metadata: { annotations: unknown } } } };
    expect(api.spec.template.metadata.annotations).toEqual({ team: "orders", [KEYRING_REVISION_ANNOTATION]: "2" });
  });

  test("keeps a TZ=UTC you set, once", () => {
    const { keyring } = keyringStack(rotation("hmac-sha256").init);
    const env = keyring.containerEnv("worker", [{ name: "TZ", value: "UTC" }]);
    expect(env.filter((e) => e.name === "TZ")).toEqual([{ name: "TZ", value: "UTC" }]);
    expect(env[0]).toEqual({ name: "TZ", value: "UTC" });
  });

  test("fails when your env sets another TZ or a Stem signing variable", () => {
    const { keyring } = keyringStack(rotation("hmac-sha256").init);
    expect(() => keyring.containerEnv("worker", [{ name: "TZ", value: "Europe/Berlin" }])).toThrow(
      /test\/Keyring\.containerEnv\(worker\)\.TZ: every Stem container must run in UTC.*\(got "Europe\/Berlin"\)\. Fix: remove TZ/,
    );
    expect(() => keyring.containerEnv("producer", [{ name: "STEM_SIGNING_KEYS", value: "k1:abc=" }])).toThrow(
      /containerEnv\(producer\)\.STEM_SIGNING_KEYS: the container sets STEM_SIGNING_KEYS; every STEM_SIGNING_\* variable is set by the signing keyring.*Fix: remove STEM_SIGNING_KEYS/,
    );
    // Not even a variable this algorithm does not use: Stem would ignore it, a reader would not.
    expect(() => keyring.containerEnv("producer", [{ name: "STEM_SIGNING_PUBLIC_KEYS", value: "x" }])).toThrow(/sets STEM_SIGNING_PUBLIC_KEYS; every STEM_SIGNING_\* variable is set by the signing keyring/);
  });

  test("fails when your annotations set another keyring revision", () => {
    const { keyring } = keyringStack(rotation("hmac-sha256").staged);
    expect(keyring.podAnnotations("beat", { [KEYRING_REVISION_ANNOTATION]: "2" })).toEqual({ [KEYRING_REVISION_ANNOTATION]: "2" });
    expect(() => keyring.podAnnotations("beat", { [KEYRING_REVISION_ANNOTATION]: "7" })).toThrow(
      /podAnnotations\(beat\)\.stemguard\.io\/keyring-revision: .*set by the signing keyring \(revision 2\) \(got "7"\)/,
    );
  });

  test("every workload depends on its Secret through the secretKeyRef name", () => {
    const { stack } = fleet(rotation("hmac-sha256").init);
    const synth = Testing.synth(stack, true);
    expect(synth).toHaveResourceWithProperties(DeploymentV1, {
      metadata: { name: "beat", namespace: "stem" },
    });
    expect(synth).toContain("${kubernetes_secret_v1.Keyring_Beat_D760F81F.metadata[0].name}");
  });
});

describe("what rolls in each phase (diff of two synths)", () => {
  test("HMAC: stage, activate and retire each rewrite every role Secret and roll every workload, nothing else", () => {
    const r = rotation("hmac-sha256");
    const phases = [r.init, r.staged, r.activated, r.retired].map((l) => fleet(l).json);
    for (let i = 1; i < phases.length; i++) {
      expect(changed(phases[i - 1], phases[i])).toEqual([...ALL_WORKLOADS, ...ALL_SECRETS].sort());
      expect(podAnnotation(phases[i], "kubernetes_deployment_v1", "api")).toBe(String(i + 1));
      expect(podAnnotation(phases[i], "kubernetes_stateful_set_v1", "worker")).toBe(String(i + 1));
      expect(podAnnotation(phases[i], "kubernetes_deployment_v1", "beat")).toBe(String(i + 1));
      expect(podAnnotation(phases[i], "kubernetes_cron_job_v1", "nightly")).toBe(String(i + 1));
    }
  });

  test("Ed25519 verify-only workers do not roll when a staged key is activated (their trust list is unchanged)", () => {
    const r = rotation("ed25519", { verifyOnlyWorkers: true });
    const before = fleet(r.staged).json;
    const after = fleet(r.activated).json;
    expect(changed(before, after)).toEqual(
      [
        "kubernetes_cron_job_v1.nightly",
        "kubernetes_deployment_v1.api",
        "kubernetes_deployment_v1.beat",
        "kubernetes_secret_v1.Keyring_Beat_D760F81F",
        "kubernetes_secret_v1.Keyring_Producer_247E6E17",
      ].sort(),
    );
    expect(podAnnotation(before, "kubernetes_stateful_set_v1", "worker")).toBe("2");
    expect(podAnnotation(after, "kubernetes_stateful_set_v1", "worker")).toBe("2");
    expect(podAnnotation(after, "kubernetes_deployment_v1", "api")).toBe("3");
  });

  test("an unrelated change leaves every Secret and every annotation alone", () => {
    const ledger = rotation("ed25519").activated;
    expect(changed(fleet(ledger).json, fleet(ledger, true).json)).toEqual(["kubernetes_deployment_v1.extra"]);
  });
});
