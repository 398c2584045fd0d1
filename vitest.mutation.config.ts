/**
 * The tests Stryker runs against each mutant (`npm run mutation`, see
 * stryker.config.mjs): the suites that exercise the core in-process. Left out
 * are the ones that test the built package or the world around it (dist/,
 * Bun/Deno/workerd, a browser, a Next.js build, npm install, the README's
 * snippets and the JSDoc's examples, the benchmark floor) and the type-level
 * suites: they do not load the mutated sources, or take minutes per run, and
 * `npm test` runs them.
 */
import { relative } from "node:path"
import { fileURLToPath } from "node:url"
import { defineConfig } from "vitest/config"
import { BaseSequencer, type TestSpecification } from "vitest/node"
import base from "./vitest.config.js"

const root = fileURLToPath(new URL(".", import.meta.url))

/**
 * The order test files run in: the project's suites first, quick and pointed
 * ones before the slow ones, and test/boundaries/ last. Stryker stops a run at
 * the first failing test, so a mutant is recorded as killed by the first test
 * that kills it in this order: a kill by test/boundaries/ means no earlier
 * suite kills it, and scripts/mutation.mjs reads the score without
 * test/boundaries/ from the same run. (vitest's own order, the longest file
 * first, would also make every run slower.)
 */
const ORDER = [
  "test/Seal.test.ts",
  "test/CookieStore.test.ts",
  "test/Session.test.ts",
  "test/Lifecycle.test.ts",
  "test/promise.differential.test.ts",
  "test/interop.test.ts",
  "test/Testing.test.ts",
  "test/HttpSession.test.ts",
  "test/Flash.test.ts",
  "test/api.test.ts",
  "test/Csrf.test.ts",
  "test/Seal.property.test.ts",
  "test/Revocation.test.ts",
]

const rank = (spec: TestSpecification) => {
  const file = relative(root, spec.moduleId).replaceAll("\\", "/")
  if (file.startsWith("test/boundaries/")) return ORDER.length + 1
  const index = ORDER.indexOf(file)
  return index === -1 ? ORDER.length : index
}

class QuickFirst extends BaseSequencer {
  override async sort(files: Array<TestSpecification>): Promise<Array<TestSpecification>> {
    return [...files].sort((a, b) => rank(a) - rank(b) || a.moduleId.localeCompare(b.moduleId))
  }
}

export default defineConfig({
  ...base,
  test: {
    ...base.test,
    include: ["test/*.test.ts", "test/boundaries/*.test.ts"],
    exclude: [
      "test/bench.test.ts",
      "test/examples.test.ts",
      "test/install.test.ts",
      "test/jsdoc.test.ts",
      "test/package.test.ts",
      "test/readme.test.ts",
      "test/runtimes.test.ts",
      "test/types.test.ts",
    ],
    setupFiles: ["./scripts/mutation.setup.ts"],
    sequence: { sequencer: QuickFirst },
    reporters: ["dot"],
    outputFile: {},
  },
})
