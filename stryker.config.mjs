// Mutation testing of the core (issue 14): StrykerJS 10 with the vitest runner
// and per-test coverage analysis. Run it with `npm run mutation`
// (scripts/mutation.mjs), which brings Node 22 for Stryker, prints the score of
// each file and group, and leaves the HTML and JSON reports in
// reports/mutation/ (gitignored). It is slow, so `npm test` does not run it.

/** The files whose score issue 14 holds at 90% or more; CookieStore.ts and internal/cookie.ts count as one. */
export const core = [
  "src/internal/kernel/iron.ts",
  "src/internal/kernel/session.ts",
  "src/internal/kernel/errors.ts",
  "src/internal/engine.ts",
  "src/promise/index.ts",
  "src/CookieStore.ts",
  "src/internal/kernel/cookie.ts",
  "src/internal/kernel/crypto/node.ts",
  "src/internal/kernel/crypto/web.ts",
]

/** @type {import("@stryker-mutator/api/core").PartialStrykerOptions} */
export default {
  testRunner: "vitest",
  vitest: { configFile: "vitest.mutation.config.ts" },
  coverageAnalysis: "perTest",
  mutate: core,
  // The machine's two cores are shared: scripts/mutation.mjs passes 1 or 2.
  concurrency: 2,
  // A mutant that makes a loop spin is a timeout. The allowance is wide because
  // the machine is shared: under load, loading a few test files can take longer
  // than the tests themselves, and a run that is merely slow must not count as
  // a timeout (which Stryker counts as a kill).
  timeoutMS: 30_000,
  reporters: ["progress", "clear-text", "html", "json"],
  clearTextReporter: { allowColor: false, logTests: false, reportScoreTable: true },
  htmlReporter: { fileName: "reports/mutation/mutation.html" },
  jsonReporter: { fileName: "reports/mutation/mutation.json" },
  thresholds: { high: 95, low: 90, break: null },
  tempDirName: ".stryker-tmp",
  cleanTempDir: true,
  // Not copied into the sandbox: build output, caches (Node binaries), reports.
  ignorePatterns: [
    ".cache",
    "dist",
    "reports",
    "test-results",
    ".scratch",
    "test/runtimes/.out",
    "examples/next/.next",
  ],
  plugins: ["@stryker-mutator/vitest-runner", "./scripts/mutation-equivalents.mjs"],
  ignorers: ["equivalent-mutants"],
}
