import { execFileSync } from "node:child_process"
import { existsSync, readFileSync } from "node:fs"
import { describe, expect, it } from "@effect/vitest"

const root = new URL("../", import.meta.url)
const pkg = JSON.parse(readFileSync(new URL("package.json", root), "utf8")) as {
  exports: Record<string, string | { types: string; default: string }>
}
const entries = Object.entries(pkg.exports).filter(([, target]) => typeof target !== "string")

/** `npm test` builds before it runs vitest, so these check what would be published. */
describe("the built package", () => {
  it.each(entries)("%s has its JavaScript and its types in dist/", (_, target) => {
    if (typeof target === "string") return
    expect(existsSync(new URL(target.default, root))).toBe(true)
    expect(existsSync(new URL(target.types, root))).toBe(true)
  })

  it.each(entries)("node imports %s by the package's own name", (subpath) => {
    const specifier = subpath === "." ? "effect-iron-session" : `effect-iron-session/${subpath.slice(2)}`
    const out = execFileSync(
      process.execPath,
      [
        "--input-type=module",
        "-e",
        `const m = await import(${JSON.stringify(specifier)}); console.log(Object.keys(m).length)`,
      ],
      { cwd: new URL(".", root), encoding: "utf8" },
    )
    expect(Number(out.trim())).toBeGreaterThan(0)
  })
})
