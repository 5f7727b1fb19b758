import { rotationContext } from "../core/alarms/rotation";
import type { RotationContext } from "../core/alarms/types";
import type { SigningLedger } from "../core/keyring/types";
import { loadKeyringLedger } from "./keyring-source";

/** The ledger props both platforms' StemAlarms take (both optional: alarms work without a rotation). */
export interface AlarmLedgerProps {
  readonly ledger?: SigningLedger;
  readonly ledgerFile?: string;
}

/** The rotation in flight from `ledger`/`ledgerFile`, or none when neither is given. */
export function loadRotation(props: AlarmLedgerProps, field: (name: string) => string): RotationContext | undefined {
  if (props.ledger === undefined && props.ledgerFile === undefined) return undefined;
  return rotationContext(loadKeyringLedger(props, field));
}
