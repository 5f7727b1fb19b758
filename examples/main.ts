// Both example fleets in one cdktf app: the `app` of the repository's
// cdktf.json, so `cdktf synth` and `cdktf diff` work from the repository root
// (stacks "stem-fleet" and "kubernetes-fleet"). cdktf sets CDKTF_OUTDIR, which
// App reads; plain `node dist/examples/main.js` writes cdktf.out/.
import { App } from "cdktf";
import { addExampleAwsFleet } from "./aws-fleet/main";
import { addExampleKubernetesFleet } from "./kubernetes-fleet/main";

const app = new App();
addExampleAwsFleet(app);
addExampleKubernetesFleet(app);
app.synth();
