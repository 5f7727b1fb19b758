"use strict";
/** Small helpers shared by the benchmark scripts. */
function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

function report(title, results) {
  console.log(`${title}, ${require("node:os").cpus().length} cores, node ${process.version}`);
  for (const [name, values] of Object.entries(results)) {
    const sorted = [...values].sort((a, b) => a - b);
    console.log(
      `  ${name.padEnd(28)} median ${median(values).toFixed(0).padStart(6)}  min ${sorted[0].toFixed(0).padStart(6)}  max ${sorted.at(-1).toFixed(0).padStart(6)}  (n=${values.length})`,
    );
  }
}

module.exports = { median, report };
