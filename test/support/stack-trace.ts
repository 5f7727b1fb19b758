// Stands in for the private `stack-trace` module of cdktf and constructs under
// jest (moduleNameMapper in jest.config.js). Same frames as the original, in
// V8's own format, i.e. what those packages record outside jest. Why: cdktf
// captures an unbounded stack for every token it creates, and jest's
// source-map stack formatter (Error.prepareStackTrace) maps each of those
// frames through the inline source maps of node_modules, which cost more CPU
// than the synthesis itself. The stacks only ever appear in cdktf's error
// messages; synthesized JSON does not change.

/** V8's default rendering of the frames, without a header line. */
function v8Frames(_error: unknown, frames: NodeJS.CallSite[]): string {
  return frames.map((frame) => `    at ${String(frame)}`).join("\n");
}

/** A complete stack trace below `below`, one "fn (file:line:col)" string per frame. */
export function captureStackTrace(below?: (...args: never[]) => unknown): string[] {
  const object = { stack: "" };
  const previousLimit = Error.stackTraceLimit;
  const previousPrepare = Error.prepareStackTrace;
  try {
    Error.stackTraceLimit = Number.MAX_SAFE_INTEGER;
    Error.prepareStackTrace = v8Frames;
    Error.captureStackTrace(object, below ?? captureStackTrace);
    void object.stack; // formatted lazily: read it while our formatter is in place
  } finally {
    Error.stackTraceLimit = previousLimit;
    Error.prepareStackTrace = previousPrepare;
  }
  if (!object.stack) return [];
  return object.stack.split("\n").map((s) => s.replace(/^\s*at\s+/, ""));
}
