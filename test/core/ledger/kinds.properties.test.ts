import { redisTlsKind } from "../../../lib/core/redis/tls-kind";
import { REDIS_CLIENT_AUTH, REDIS_TLS_MODES } from "../../../lib/core/redis/types";
import { signingKeyringKind, type SigningState } from "../../../lib/core/keyring/signing-kind";
import { tlsCaKind, type TlsCaState } from "../../../lib/core/tls/ca-ledger-kind";
import { describeKindProperties } from "./kind-harness";
import { redisPasswordsKind, redisTlsModeKind } from "./toy-kinds";

const fp = (n: number) => Array.from({ length: 32 }, (_, i) => ((n * 37 + i) & 0xff).toString(16).padStart(2, "0").toUpperCase()).join(":");

describeKindProperties({
  title: "signing-keyring (ed25519)",
  kind: signingKeyringKind,
  options: { algorithm: "ed25519", producersFirst: false, verifyOnlyWorkers: false },
  candidates: (s: SigningState, fresh) => [
    { op: "init", keyId: "k0" },
    { op: "stage", keyId: `k${fresh}` },
    { op: "stage", keyId: s.keys[0]?.id ?? "k0" },
    ...s.keys.flatMap((k) => [{ op: "activate", keyId: k.id }, { op: "retire", keyId: k.id }]),
    { op: "enforce", keyId: s.holder.active ?? "k0" },
    { op: "verify-only-workers", keyId: s.holder.active ?? "k0" },
    { op: "sign-workers", keyId: s.holder.active ?? "k0" },
  ],
});

describeKindProperties({
  title: "signing-keyring (hmac-sha256, producers first)",
  kind: signingKeyringKind,
  options: { algorithm: "hmac-sha256", producersFirst: true, verifyOnlyWorkers: false },
  candidates: (s: SigningState, fresh) => [
    { op: "init", keyId: "k0" },
    { op: "enforce", keyId: s.holder.active ?? "k0" },
    { op: "stage", keyId: `k${fresh}` },
    { op: "stage", keyId: `k.${fresh}` }, // collapses like k-<n> / k_<n>: legal only while no twin exists
    { op: "stage", keyId: `k-${fresh - 1}` },
    ...s.keys.flatMap((k) => [{ op: "activate", keyId: k.id }, { op: "retire", keyId: k.id }]),
    { op: "sign-workers", keyId: s.holder.active ?? "k0" },
  ],
});

describeKindProperties({
  title: "tls-ca",
  kind: tlsCaKind,
  options: {},
  candidates: (s: TlsCaState, fresh) => [
    { op: "init", caId: "ca-0", caFingerprint256: fp(0) },
    { op: "stage-ca", caId: `ca-${fresh}`, caFingerprint256: fp(fresh) },
    { op: "stage-ca", caId: `ca-x${fresh}`, caFingerprint256: fp(0) },
    { op: "reissue-leaves", serverFingerprint256: fp(1000 + fresh) },
    { op: "renew-leaves" },
    ...s.cas.map((c) => ({ op: "retire-ca", caId: c.id })),
  ],
});

describeKindProperties({
  title: "redis-tls-mode (test-only kind)",
  kind: redisTlsModeKind,
  options: {},
  candidates: () => ["plain", "dual", "clients-tls", "tls-only"].flatMap((to) => [{ op: "init", to }, { op: "advance", to }]),
});

describeKindProperties({
  title: "redis-passwords (test-only kind)",
  kind: redisPasswordsKind,
  options: {},
  candidates: (s: { ids: Map<string, string> }, fresh) => [
    { op: "init", id: "p0" },
    { op: "stage", id: `p${fresh}` },
    ...[...s.ids.keys()].flatMap((id) => [{ op: "activate", id }, { op: "retire", id }, { op: "stage", id }]),
  ],
});

describeKindProperties({
  title: "redis-tls",
  kind: redisTlsKind,
  options: {},
  candidates: () => [
    { op: "init", mode: "plain" },
    { op: "init", mode: "tls-only" },
    ...REDIS_TLS_MODES.map((mode) => ({ op: "mode", mode })),
    ...REDIS_CLIENT_AUTH.map((clientAuth) => ({ op: "client-auth", clientAuth })),
  ],
});
