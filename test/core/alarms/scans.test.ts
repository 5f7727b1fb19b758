// The scan's pure parts: the trivy image rule, both schedule syntaxes, and the
// scan script run for real by sh with a stand-in trivy on PATH (exit codes,
// the EMF summary line the AWS alarms read).
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { SCAN_EMF } from "../../../lib/core/metrics/scan-metrics";
import { renderScanScript, scanTargetArgs } from "../../../lib/core/scans/scan-script";
import { AWS_SCHEDULE_TIME_ZONE, awsCron, KUBERNETES_SCHEDULE_TIME_ZONE, kubernetesCron, WEEKLY_SCAN_SCHEDULE } from "../../../lib/core/scans/schedule";
import { assertTrivyImage, DEFAULT_TRIVY_IMAGE } from "../../../lib/core/scans/trivy-image";
import { refused } from "../../support/refused";

const DIGEST = "a".repeat(64);

describe("schedules", () => {
  test("Monday 06:00 UTC is `0 6 * * 1` (Etc/UTC) on Kubernetes and `cron(0 6 ? * MON *)` (UTC) on AWS", () => {
    expect(kubernetesCron(WEEKLY_SCAN_SCHEDULE)).toBe("0 6 * * 1");
    expect(awsCron(WEEKLY_SCAN_SCHEDULE)).toBe("cron(0 6 ? * MON *)");
    expect(KUBERNETES_SCHEDULE_TIME_ZONE).toBe("Etc/UTC");
    expect(AWS_SCHEDULE_TIME_ZONE).toBe("UTC");
  });

  test("the AWS expression has six fields, `?` for day-of-month and the weekday by name (AWS numbers SUN=1)", () => {
    const fields = /^cron\((.*)\)$/.exec(awsCron({ day: "SUN", hour: 23, minute: 59 }))![1].split(" ");
    expect(fields).toEqual(["59", "23", "?", "*", "SUN", "*"]);
    expect(kubernetesCron({ day: "SUN", hour: 23, minute: 59 })).toBe("59 23 * * 0");
    expect(kubernetesCron({ day: "SAT", hour: 0, minute: 5 })).toBe("5 0 * * 6");
  });

  test("fails on hours and minutes out of range", () => {
    expect(refused(() => awsCron({ day: "MON", hour: 24, minute: 0 })).field).toBe("schedule.hour");
    expect(refused(() => kubernetesCron({ day: "MON", hour: 6, minute: 7.5 })).field).toBe("schedule.minute");
    expect(refused(() => awsCron({ day: "Monday" as "MON", hour: 6, minute: 0 })).field).toBe("schedule.day");
  });
});

describe("trivy image", () => {
  test("the default is 0.69.3 by digest", () => {
    expect(() => assertTrivyImage(DEFAULT_TRIVY_IMAGE, "trivyImage")).not.toThrow();
    expect(DEFAULT_TRIVY_IMAGE).toBe("aquasec/trivy:0.69.3@sha256:bcc376de8d77cfe086a917230e818dc9f8528e3c852f7b1aff648949b6258d1c");
  });

  test("fails on a bare tag, a digest without a tag, and the compromised releases 0.69.4-0.69.6", () => {
    expect(refused(() => assertTrivyImage("aquasec/trivy:0.69.3", "trivyImage")).message).toMatch(/pinned by digest/);
    expect(refused(() => assertTrivyImage("aquasec/trivy:latest", "trivyImage")).message).toMatch(/pinned by digest/);
    expect(refused(() => assertTrivyImage(`aquasec/trivy@sha256:${DIGEST}`, "trivyImage")).message).toMatch(/carry a tag/);
    for (const v of ["0.69.4", "0.69.5", "v0.69.6"]) {
      const err = refused(() => assertTrivyImage(`aquasec/trivy:${v}@sha256:${DIGEST}`, "trivyImage"));
      expect(err.message).toMatch(/compromised release channel/);
      expect(err.field).toBe("trivyImage");
    }
    expect(() => assertTrivyImage(`ghcr.io/aquasecurity/trivy:0.69.7@sha256:${DIGEST}`, "trivyImage")).not.toThrow();
  });

  test("scan targets must be pinned images or an https repository", () => {
    expect(scanTargetArgs({ images: [`app:1@sha256:${DIGEST}`], repository: "https://github.com/acme/orders" }, "p")).toEqual([`image=app:1@sha256:${DIGEST}`, "repo=https://github.com/acme/orders"]);
    expect(refused(() => scanTargetArgs({ images: ["app:1"] }, "p")).field).toBe("p.images[0]");
    expect(refused(() => scanTargetArgs({ images: [] }, "p")).field).toBe("p.images");
    expect(refused(() => scanTargetArgs({ images: [], repository: "https://user:pw@github.com/a/b" }, "p")).field).toBe("p.repository");
  });
});

describe("scan script (real sh, stand-in trivy)", () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "stemguard-scan-"));
    // The stand-in exits with the code named in the target's tag: app:clean -> 0, app:vuln -> 2, app:broken -> 1.
    fs.writeFileSync(
      path.join(dir, "trivy"),
      '#!/bin/sh\nfor a in "$@"; do last="$a"; done\necho "trivy $*" >> "$TRIVY_LOG"\ncase "$last" in *:vuln@*) exit 2;; *:broken@*) exit 1;; *) exit 0;; esac\n',
      { mode: 0o755 },
    );
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  const run = (tags: string[]) => {
    const log = path.join(dir, `log-${tags.join("-")}`);
    const r = spawnSync("sh", ["-c", renderScanScript(), "stemguard-scan", ...tags.map((t) => `image=app:${t}@sha256:${DIGEST}`)], {
      env: { PATH: `${dir}:/usr/bin:/bin`, SCAN_NAME: "stem-scan", TRIVY_CACHE_DIR: "/var/cache/trivy", TRIVY_LOG: log },
      encoding: "utf8",
    });
    const emf = JSON.parse(r.stdout.trim().split("\n").at(-1)!) as Record<string, unknown>;
    return { status: r.status, emf, calls: fs.readFileSync(log, "utf8").trim().split("\n") };
  };

  test("clean images: exit 0 and ScanCompleted 1", () => {
    const r = run(["clean", "clean2"]);
    expect(r.status).toBe(0);
    expect(r.emf).toMatchObject({ Scan: "stem-scan", ScanCompleted: 1, TargetsWithFindings: 0, ScanErrors: 0 });
    expect(r.calls[0]).toBe(`trivy image --scanners vuln --severity CRITICAL,HIGH --exit-code 2 --no-progress --cache-dir /var/cache/trivy app:clean@sha256:${DIGEST}`);
  });

  test("findings: exit 2, still a completed scan", () => {
    const r = run(["clean", "vuln"]);
    expect(r.status).toBe(2);
    expect(r.emf).toMatchObject({ ScanCompleted: 1, TargetsWithFindings: 1, ScanErrors: 0 });
  });

  test("a target trivy could not scan: exit 1 and ScanCompleted 0 (the heartbeat counts it as no scan)", () => {
    const r = run(["vuln", "broken"]);
    expect(r.status).toBe(1);
    expect(r.emf).toMatchObject({ ScanCompleted: 0, TargetsWithFindings: 1, ScanErrors: 1 });
  });

  test("the summary line is an EMF document with the alarm's namespace, metrics and dimension", () => {
    const { emf } = run(["clean"]);
    const aws = emf._aws as { Timestamp: number; CloudWatchMetrics: { Namespace: string; Dimensions: string[][]; Metrics: { Name: string }[] }[] };
    expect(Math.abs(aws.Timestamp - Date.now())).toBeLessThan(120_000);
    expect(aws.CloudWatchMetrics).toEqual([
      {
        Namespace: SCAN_EMF.namespace,
        Dimensions: [[SCAN_EMF.dimensions.scan]],
        Metrics: [SCAN_EMF.scanCompleted, SCAN_EMF.targetsWithFindings, SCAN_EMF.scanErrors].map((Name) => ({ Name, Unit: "Count" })),
      },
    ]);
  });
});
