import { execFileSync } from "node:child_process"
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"
import { describe, expect, it } from "@effect/vitest"
import { buildSync } from "esbuild"
import semver from "semver"

const root = new URL("../", import.meta.url)
const rootDir = fileURLToPath(root)

interface PackageJson {
  readonly name: string
  readonly version: string
  readonly engines?: { readonly node?: string }
  readonly exports: Record<string, string | { types: string; default: string }>
  readonly bin?: Record<string, string>
  readonly dependencies?: Record<string, string>
  readonly optionalDependencies?: Record<string, string>
  readonly peerDependencies?: Record<string, string>
}

const readJson = (path: string): PackageJson => JSON.parse(readFileSync(path, "utf8"))
const pkg = readJson(join(rootDir, "package.json"))
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
      { cwd: rootDir, encoding: "utf8", timeout: 20_000 },
    )
    expect(Number(out.trim())).toBeGreaterThan(0)
  })

  it("has its bin, effect-iron-session, in dist/ as a node script that runs from any folder", () => {
    expect(pkg.bin).toEqual({ "effect-iron-session": "./dist/cli.js" })
    const bin = join(rootDir, "dist/cli.js")
    expect(readFileSync(bin, "utf8").startsWith("#!/usr/bin/env node\n")).toBe(true)
    // Run through its shebang, as npm's link to it is, from a folder outside the package.
    const out = execFileSync(bin, ["password"], { cwd: tmpdir(), encoding: "utf8", timeout: 20_000 })
    expect(out).toMatch(/^[A-Za-z0-9_-]{43}\n$/)
  })

  it("packs dist, README.md, LICENSE, CHANGELOG.md and SECURITY.md, and no tests, benchmarks, examples or scripts", () => {
    const [packed] = JSON.parse(
      execFileSync("npm", ["pack", "--dry-run", "--json", "--ignore-scripts"], {
        cwd: rootDir,
        encoding: "utf8",
        timeout: 60_000,
      }),
    ) as Array<{ readonly files: ReadonlyArray<{ readonly path: string }> }>
    const paths = (packed?.files ?? []).map((file) => file.path)
    const required = ["package.json", "README.md", "LICENSE", "CHANGELOG.md", "SECURITY.md"]
    for (const [, target] of entries) if (typeof target !== "string") required.push(target.default, target.types)
    required.push(...Object.values(pkg.bin ?? {}))
    expect(paths).toEqual(expect.arrayContaining(required.map((path) => path.replace(/^\.\//, ""))))
    expect(paths.filter((path) => /^(test|bench|examples|scripts|\.ci)\//.test(path))).toEqual([])
    expect(paths.filter((path) => /\.test\.[cm]?[jt]s$/.test(path))).toEqual([])
  })
})

/**
 * The package's dependencies and its peers (installed here as dev
 * dependencies), and theirs, as Node would resolve them from the package's
 * folder: the code that runs in an app that installs the package.
 */
const runtimeDependencies = (): Array<PackageJson & { readonly dir: string }> => {
  const found = new Map<string, PackageJson & { readonly dir: string }>()
  const locate = (name: string, from: string): string | undefined => {
    for (let dir = from; ; dir = dirname(dir)) {
      const candidate = join(dir, "node_modules", name)
      if (existsSync(join(candidate, "package.json"))) return candidate
      if (dirname(dir) === dir) return undefined
    }
  }
  const visit = (names: Iterable<string>, from: string) => {
    for (const name of names) {
      const dir = locate(name, from)
      if (dir === undefined || found.has(dir)) continue // a missing optional dependency or peer
      const manifest = readJson(join(dir, "package.json"))
      found.set(dir, { ...manifest, dir })
      visit(
        new Set([
          ...Object.keys(manifest.dependencies ?? {}),
          ...Object.keys(manifest.optionalDependencies ?? {}),
          ...Object.keys(manifest.peerDependencies ?? {}),
        ]),
        dir,
      )
    }
  }
  visit(new Set([...Object.keys(pkg.dependencies ?? {}), ...Object.keys(pkg.peerDependencies ?? {})]), rootDir)
  return [...found.values()]
}

describe("the Promise facade without Effect", () => {
  it("bundles getIronSession from no module of effect, from the sources or from the build", () => {
    const inputsOf = (entry: string) =>
      Object.keys(
        buildSync({
          stdin: { contents: `export { getIronSession } from ${JSON.stringify(entry)}`, resolveDir: rootDir },
          bundle: true,
          format: "esm",
          platform: "browser",
          write: false,
          metafile: true,
          logLevel: "silent",
          tsconfigRaw: { compilerOptions: {} },
        }).metafile.inputs,
      )
    const fromSources = inputsOf("./src/promise/index.ts")
    expect(fromSources.filter((input) => input.startsWith("src/"))).toContain("src/promise/index.ts")
    expect(fromSources.filter((input) => /node_modules\/(effect|@effect)\//.test(input))).toEqual([])
    const fromBuild = inputsOf("./dist/promise/index.js")
    expect(fromBuild).toEqual(["dist/promise/index.js", "<stdin>"])
  })

  it("runs from a folder where effect cannot be resolved", () => {
    // The built facade is one file: copied where no node_modules is above it,
    // an import of `effect` (or of anything) would fail to resolve.
    const dir = mkdtempSync(join(tmpdir(), "facade-alone-"))
    try {
      cpSync(join(rootDir, "dist/promise/index.js"), join(dir, "facade.mjs"))
      const out = execFileSync(
        process.execPath,
        [
          "--input-type=module",
          "-e",
          `const f = await import(${JSON.stringify(join(dir, "facade.mjs"))});
           const password = "a-password-that-is-at-least-32-characters-long";
           const seal = await f.sealData({ n: 1 }, { password });
           console.log(JSON.stringify(await f.unsealData(seal, { password })));`,
        ],
        { cwd: dir, encoding: "utf8" },
      )
      expect(JSON.parse(out)).toEqual({ n: 1 })
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})

describe("peer dependencies", () => {
  // A `next` peer of any range turns some app's `npm install` into ERESOLVE:
  // `>=15` did so in iron-session's own Next 14 example (issue 19).
  // iron-session 9 declares none; test/install-next.test.ts installs into 14, 15 and 16.
  it("leave next out, as iron-session 9 does, so that no Next.js app's install is refused", () => {
    expect(Object.keys(pkg.peerDependencies ?? {})).not.toContain("next")
  })
})

describe("runtime dependencies", () => {
  it("accept the oldest Node the package accepts: none declares a newer floor in engines", () => {
    const oldest = semver.minVersion(pkg.engines?.node ?? "*")?.version
    expect(oldest).toBeDefined()
    const dependencies = runtimeDependencies()
    expect(dependencies.map((d) => d.name)).toEqual(
      expect.arrayContaining([...Object.keys(pkg.dependencies ?? {}), ...Object.keys(pkg.peerDependencies ?? {})]),
    )
    const refusing = dependencies
      .filter((d) => d.engines?.node !== undefined && !semver.satisfies(oldest ?? "", d.engines.node))
      .map((d) => `${d.name}@${d.version} engines.node ${d.engines?.node}`)
    expect(refusing).toEqual([])
  })
})
