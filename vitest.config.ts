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
    reporters: ["default", "json"],
    outputFile: { json: "test-results/vitest.json" },
  },
})
