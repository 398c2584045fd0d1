// Prints `N passed, N failed` from vitest's JSON report. A test file that could
// not run at all (an import error) counts as one failure; so does a test
// command that failed before vitest wrote a report (typecheck, lint, build), so
// the line never reads as green when the run was not.
import { existsSync, readFileSync } from "node:fs"

const [file = "test-results/vitest.json", status = "0"] = process.argv.slice(2)
let passed = 0
let failed = 0
if (existsSync(file)) {
  const report = JSON.parse(readFileSync(file, "utf8"))
  passed = report.numPassedTests ?? 0
  const brokenFiles = (report.testResults ?? []).filter(
    (result) => result.status === "failed" && !(result.assertionResults ?? []).some((t) => t.status === "failed"),
  ).length
  failed = (report.numFailedTests ?? 0) + brokenFiles
}
if (status !== "0" && failed === 0) failed = 1
console.log(`${passed} passed, ${failed} failed`)
