// Prints `N passed, N failed` over one or more test passes, each given as its
// vitest JSON report and the exit status of its test command:
//
//   node scripts/summary.mjs REPORT STATUS [REPORT STATUS ...]
//
// A test file that could not run at all (an import error) counts as one
// failure; so does a pass whose command failed before vitest wrote a report
// (typecheck, lint, build, a timeout, a Node that could not be fetched), so
// the line never reads as green when a pass was not. One line per pass comes
// first, worded so that only the last line reads `N passed, N failed`. Exits
// with 1 when anything failed.
import { existsSync, readFileSync } from "node:fs"
import { basename } from "node:path"

const args = process.argv.slice(2)
if (args.length === 0) args.push("test-results/vitest.json", "0")
if (args.length % 2 !== 0) {
  console.error("usage: node scripts/summary.mjs REPORT STATUS [REPORT STATUS ...]")
  process.exit(2)
}

const count = (file, status) => {
  let passed = 0
  let failed = 0
  let skipped = 0
  if (file !== "" && existsSync(file)) {
    const report = JSON.parse(readFileSync(file, "utf8"))
    passed = report.numPassedTests ?? 0
    skipped = (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0)
    const brokenFiles = (report.testResults ?? []).filter(
      (result) => result.status === "failed" && !(result.assertionResults ?? []).some((t) => t.status === "failed"),
    ).length
    failed = (report.numFailedTests ?? 0) + brokenFiles
  }
  if (status !== "0" && failed === 0) failed = 1
  return { passed, failed, skipped }
}

let passed = 0
let failed = 0
for (let i = 0; i < args.length; i += 2) {
  const [file = "", status = "1"] = args.slice(i, i + 2)
  const pass = count(file, status)
  passed += pass.passed
  failed += pass.failed
  if (args.length > 2) {
    const label = basename(file || "unknown", ".json").replace(/^vitest-?/, "") || "vitest"
    const missing = file === "" || !existsSync(file) ? ", no report" : ""
    console.log(
      `== pass ${label} (exit ${status}${missing}): ${pass.passed} tests passed, ${pass.failed} failed, ${pass.skipped} skipped`,
    )
  }
}
console.log(`${passed} passed, ${failed} failed`)
process.exitCode = failed > 0 ? 1 : 0
