import { Lazy, TerraformStack } from "cdktf";
import type { Construct } from "constructs";
import { serializeLedger } from "../core/keyring/ledger-file";
import type { SigningLedger } from "../core/keyring/types";
import { serializeRedisLedger, type RedisLedger } from "../core/redis/ledger-file";
import { serializeTlsLedger } from "../core/tls/ca-ledger-file";
import type { TlsCaLedger } from "../core/tls/ca-ledger-types";
import { SYNTH_MARKER_KEY, SYNTH_MARKER_VERSION, type MarkedConstruct, type SynthMarker } from "../core/synth-marker/marker";

/*
 * Records stemguard's constructs in their stack's top-level "//" block (which Terraform ignores) for
 * `stemguard review` (lib/core/synth-marker/marker.ts). One lazy override per stack, produced at
 * synth time, so a construct registers in its constructor and the record reads its final state.
 */

type Entry = () => MarkedConstruct;
const REGISTRY = new WeakMap<TerraformStack, Entry[]>();

/** Registers `construct` for the review record of its stack; `entry` is called at synth time. */
export function recordForReview(construct: Construct, entry: () => Omit<MarkedConstruct, "path">): void {
  const stack = TerraformStack.of(construct);
  let entries = REGISTRY.get(stack);
  if (!entries) {
    entries = [];
    REGISTRY.set(stack, entries);
    const list = entries;
    stack.addOverride(
      `//.${SYNTH_MARKER_KEY}`,
      Lazy.anyValue({ produce: (): SynthMarker => ({ schemaVersion: SYNTH_MARKER_VERSION, constructs: list.map((e) => e()) }) }),
    );
  }
  const path = construct.node.path;
  entries.push(() => ({ path, ...entry() }));
}

/** A signing keyring (created or imported) in the review record; reads `ledger` and `namePrefix` at synth time. */
export function markSigningKeyring(keyring: Construct & { readonly ledger: SigningLedger; readonly namePrefix: string }, platform: "aws" | "kubernetes", imported: boolean | (() => boolean)): void {
  recordForReview(keyring, () => ({ family: "signing-keyring", construct: "StemSigningKeyring", platform, imported: typeof imported === "function" ? imported() : imported, namePrefix: keyring.namePrefix, ledger: JSON.parse(serializeLedger(keyring.ledger)) }));
}

/** TLS bundles in the review record; `ledger` is absent when the bundles follow a bare `revision`. */
export function markTlsBundles(bundles: Construct & { readonly namePrefix: string }, platform: "aws" | "kubernetes", imported: boolean | (() => boolean), ledger: TlsCaLedger | undefined): void {
  recordForReview(bundles, () => ({ family: "tls", construct: "StemTlsBundles", platform, imported: typeof imported === "function" ? imported() : imported, namePrefix: bundles.namePrefix, ...(ledger ? { ledger: JSON.parse(serializeTlsLedger(ledger)) } : {}) }));
}

/** A Redis (created or imported) in the review record. */
export function markRedis(redis: Construct & { readonly ledger: RedisLedger; readonly namePrefix: string }, platform: "aws" | "kubernetes", imported: boolean | (() => boolean)): void {
  recordForReview(redis, () => ({ family: "redis", construct: "StemRedis", platform, imported: typeof imported === "function" ? imported() : imported, namePrefix: redis.namePrefix, ledger: JSON.parse(serializeRedisLedger(redis.ledger)) }));
}
