/**
 * The import rules of ARCHITECTURE.md, read from the sources: the kernel
 * imports nothing from `effect` and nothing outside itself, and the Promise
 * facade and the command-line tool stand on the kernel alone. A rule broken here is a facade that
 * carries Effect again, or a rule that lives in one face only.
 */
import { readdirSync, readFileSync } from "node:fs"
import { dirname, join, normalize, relative } from "node:path"
import { fileURLToPath } from "node:url"
import { describe, expect, it } from "@effect/vitest"

const rootDir = fileURLToPath(new URL("../", import.meta.url))

const sourcesUnder = (dir: string): Array<string> =>
  readdirSync(join(rootDir, dir), { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory()
      ? sourcesUnder(join(dir, entry.name))
      : entry.name.endsWith(".ts")
        ? [join(dir, entry.name)]
        : [],
  )

/** Every module a file imports (type-only imports included: they are dependencies of its `.d.ts`), resolved to a repository path or kept as a package name. */
const importsOf = (file: string): Array<string> => {
  const text = readFileSync(join(rootDir, file), "utf8")
  const specifiers = [...text.matchAll(/(?:^|\n)\s*(?:import|export)[^"'`;]*?from\s*["']([^"']+)["']/g)].map(
    (m) => m[1] as string,
  )
  const dynamic = [...text.matchAll(/import\(\s*["']([^"']+)["']\s*\)/g)].map((m) => m[1] as string)
  return [...specifiers, ...dynamic].map((specifier) =>
    specifier.startsWith(".")
      ? relative(rootDir, normalize(join(rootDir, dirname(file), specifier))).replace(/\.js$/, ".ts")
      : specifier,
  )
}

const kernel = sourcesUnder("src/internal/kernel")
const facade = sourcesUnder("src/promise")
/** The command-line tool: its entry and its work, standing on the kernel alone like the facade. */
const cli = ["src/cli.ts", "src/internal/nodeCli.ts"]

describe("the layers", () => {
  it("the kernel is found: its files are the ones ARCHITECTURE.md names", () => {
    expect(kernel.sort()).toEqual(
      [
        "src/internal/kernel/base64url.ts",
        "src/internal/kernel/cookie.ts",
        "src/internal/kernel/crypto/node.ts",
        "src/internal/kernel/crypto/types.ts",
        "src/internal/kernel/crypto/web.ts",
        "src/internal/kernel/errors.ts",
        "src/internal/kernel/iron.ts",
        "src/internal/kernel/json.ts",
        "src/internal/kernel/session.ts",
      ].sort(),
    )
    expect(facade.length).toBeGreaterThanOrEqual(3)
  })

  it.each(kernel)("%s imports only the kernel, the cookie package and (the Node backend) node:crypto", (file) => {
    const runtime = file === "src/internal/kernel/crypto/node.ts" ? ["node:crypto", "node:buffer"] : []
    const outside = importsOf(file).filter(
      (target) => !(target.startsWith("src/internal/kernel/") || target === "cookie" || runtime.includes(target)),
    )
    expect(outside).toEqual([])
  })

  it.each(facade)("%s imports only the kernel, itself and types of cookie and node:http", (file) => {
    const outside = importsOf(file).filter(
      (target) =>
        !(
          target.startsWith("src/internal/kernel/") ||
          target.startsWith("src/promise/") ||
          target === "cookie" ||
          target === "node:http"
        ),
    )
    expect(outside).toEqual([])
  })

  it.each(cli)("%s imports only the kernel, itself and node:util and node:fs", (file) => {
    const outside = importsOf(file).filter(
      (target) =>
        !(
          target.startsWith("src/internal/kernel/") ||
          cli.includes(target) ||
          (file === "src/internal/nodeCli.ts" && (target === "node:util" || target === "node:fs"))
        ),
    )
    expect(outside).toEqual([])
  })

  it("the reader of imports sees a relative, a package and a type-only import", () => {
    // Guards the regular expressions above: a rule that reads no import holds vacuously.
    expect(importsOf("src/internal/kernel/iron.ts")).toEqual(
      expect.arrayContaining(["src/internal/kernel/errors.ts", "src/internal/kernel/crypto/types.ts"]),
    )
    expect(importsOf("src/internal/engine.ts")).toEqual(
      expect.arrayContaining(["effect/Effect", "src/Revocation.ts", "src/internal/kernel/session.ts"]),
    )
  })
})
