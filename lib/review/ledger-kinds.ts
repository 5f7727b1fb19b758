import { redisPasswordsKind } from "../core/redis/passwords-kind";
import { redisTlsKind } from "../core/redis/tls-kind";
import { signingKeyringKind } from "../core/keyring/signing-kind";
import type { AnyLedgerKind } from "../core/ledger/kind";
import { tlsCaKind } from "../core/tls/ca-ledger-kind";

/** Every ledger kind stemguard knows; a new kind is one entry here and its table. */
export const LEDGER_KINDS: readonly AnyLedgerKind[] = [signingKeyringKind, tlsCaKind, redisTlsKind, redisPasswordsKind];

/** Kind names as `stemguard.json` spells them. */
export const LEDGER_KIND_NAMES: readonly string[] = LEDGER_KINDS.map((k) => k.name);
