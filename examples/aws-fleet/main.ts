// The example AWS fleet as a cdktf app of its own, built on the installed
// package (imported by name, as any user's app does). Its keyring follows
// stemguard.rotation.json next to this file: `stemguard rotate stage k2
// --ledger examples/aws-fleet/stemguard.rotation.json`, then synth again.
//   cdktf synth                                    (from this directory or, with both fleets, the repository root)
//   npm run build && node dist/examples/aws-fleet/main.js   (writes cdktf.out/)
import { App } from "cdktf";
import { parseLedger } from "stemguard";
import { addAwsFleetStack, type AwsFleetApp } from "stemguard/demo";
// Imported, not read at run time, so the app synthesizes from any working directory and from dist/.
import ledgerJson from "./stemguard.rotation.json";

/** Adds the AWS fleet (stack "stem-fleet"), keyed by this directory's ledger, to `app`. */
export function addExampleAwsFleet(app: App): Omit<AwsFleetApp, "app"> {
  return addAwsFleetStack(app, { ledger: parseLedger(ledgerJson, "examples/aws-fleet/stemguard.rotation.json") });
}

if (require.main === module) {
  const app = new App();
  addExampleAwsFleet(app);
  app.synth();
}
