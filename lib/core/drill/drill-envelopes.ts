import { createEnvelope, type StemEnvelope } from "../signing/envelope";

/**
 * Envelopes the drill signs: a plain task, a retry (workers re-sign retries),
 * a delayed task with microsecond timestamps, and one whose args exercise
 * Stem's canonical JSON (integer-like keys, non-ASCII, nested nulls).
 */
export function drillEnvelopes(): StemEnvelope[] {
  return [
    createEnvelope({ id: "019a0000-0000-7000-8000-00000000d001", name: "drill.plain", enqueuedAt: "2026-01-02T03:04:05.123456Z", args: { value: 1 } }),
    createEnvelope({
      id: "019a0000-0000-7000-8000-00000000d002",
      name: "drill.retry",
      enqueuedAt: "2026-01-02T03:04:05Z",
      attempt: 2,
      maxRetries: 5,
      headers: { traceparent: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01" },
    }),
    createEnvelope({
      id: "019a0000-0000-7000-8000-00000000d003",
      name: "drill.delayed",
      queue: "scheduled",
      enqueuedAt: "2026-01-02T03:04:05.000001Z",
      notBefore: "2026-01-02T04:00:00.5Z",
      visibilityTimeoutMs: 30000,
      headers: { "scheduled-from": "beat", "schedule-id": "nightly" },
    }),
    createEnvelope({
      id: "019a0000-0000-7000-8000-00000000d004",
      name: "drill.canonical",
      enqueuedAt: "2026-01-02T03:04:05.999Z",
      args: { "10": "ten", "2": "two", nested: { z: true, a: null, list: [1, "é", { b: "line\nbreak" }] } },
      meta: { "stem.task": "drill.canonical" },
    }),
  ];
}
