// cdktf's jest matchers (toHaveResourceWithProperties, ...), registered only by
// the test files that use them, so other suites never load cdktf.
import { Testing } from "cdktf";
import "cdktf/lib/testing/adapters/jest";

Testing.setupJest();
