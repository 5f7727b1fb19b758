import { redisClientHost, redisServerDnsNames } from "../../../lib/core/redis/dns-names";

const names = { service: "stem-redis", headlessService: "stem-redis-headless", statefulSet: "stem-redis", namespace: "stem" };

describe("Redis Service DNS names", () => {
  test("the client host and the server certificate's names cover both Service forms and each pod", () => {
    expect(redisClientHost(names)).toBe("stem-redis.stem.svc.cluster.local");
    expect(redisServerDnsNames(names)).toEqual([
      "stem-redis.stem.svc",
      "stem-redis.stem.svc.cluster.local",
      "stem-redis-0.stem-redis-headless.stem.svc",
      "stem-redis-0.stem-redis-headless.stem.svc.cluster.local",
    ]);
    expect(redisServerDnsNames({ ...names, replicas: 2, clusterDomain: "k8s.example" })).toContain("stem-redis-1.stem-redis-headless.stem.svc.k8s.example");
  });

  test("fails on a name that is not a DNS label, with the field and the fix", () => {
    expect(() => redisClientHost({ ...names, namespace: "Stem_Prod" })).toThrow(/must be a DNS label/);
    expect(() => redisServerDnsNames({ ...names, replicas: 0 })).toThrow(/replicas must be a whole number/);
  });
});
