import { existsSync } from "node:fs"
import { fileURLToPath } from "node:url"
import { defineConfig } from "vitest/config"

const src = fileURLToPath(new URL("./src/", import.meta.url))

export default defineConfig({
  resolve: {
    // Tests import the package by its public name, resolved to the sources.
    alias: [
      { find: /^effect-iron-session$/, replacement: `${src}index.ts` },
      {
        find: /^effect-iron-session\/(.+)$/,
        replacement: "$1",
        customResolver: (id) => (existsSync(`${src}${id}.ts`) ? `${src}${id}.ts` : `${src}${id}/index.ts`),
      },
    ],
  },
  test: {
    include: ["test/**/*.test.ts"],
    // CI shares 2 cores with other work, so the defaults (5 s a test, 10 s a
    // hook) fail tests that are only slow: a property test runs 100 to 300
    // cases, and a test that spawns tsx or a browser waits for a cold start.
    // These are ceilings for a busy machine, finite so that a hang still
    // fails. A test that needs more (a Next.js build, an npm install) says so
    // itself, next to the reason.
    testTimeout: 30_000,
    hookTimeout: 60_000,
    reporters: ["default", "json"],
    outputFile: { json: "test-results/vitest.json" },
  },
})
