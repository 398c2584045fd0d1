/**
 * Where the library under test comes from. By default, the built package: the
 * files its package.json `exports` name (what `import "effect-iron-session/promise"`
 * loads in an app), so the suite measures whatever `npm run build` made of
 * src/, bundled or not. `BENCH_SOURCE=src` (`--source=src`) loads the
 * TypeScript sources through tsx instead, for a quick look without a build;
 * the cold-start and bundle sections always measure the built package.
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs"
import { join } from "node:path"
import { fileURLToPath, pathToFileURL } from "node:url"

export const ROOT = fileURLToPath(new URL("..", import.meta.url))

export type Source = "dist" | "src"
export const source = (): Source => (process.env.BENCH_SOURCE === "src" ? "src" : "dist")

type Exports = Record<string, string | Record<string, unknown>>

const packageJson = (): { name: string; exports: Exports } =>
  JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8"))

/** The package's own name: what the cold-start and bundle entries import. */
export const PACKAGE_NAME: string = packageJson().name

const NODE_IMPORT_CONDITIONS = new Set(["node", "import", "module-sync", "default"])

/** The file an `exports` entry (`"."`, `"./promise"`) resolves to for `import`, as Node resolves it. */
export const builtEntry = (subpath: string): string => {
  let target: unknown = packageJson().exports[subpath]
  // As Node picks: the first key, in the object's order, among the conditions an `import` on Node meets.
  while (typeof target === "object" && target !== null) {
    const conditions = Object.entries(target as Record<string, unknown>)
    target = conditions.find(([condition]) => NODE_IMPORT_CONDITIONS.has(condition))?.[1]
  }
  if (typeof target !== "string") throw new Error(`package.json has no "exports" entry for ${subpath}`)
  return join(ROOT, target)
}

const sourceEntry = (subpath: string): string => {
  const name = subpath === "." ? "index" : subpath.slice(2)
  const file = join(ROOT, "src", `${name}.ts`)
  return existsSync(file) ? file : join(ROOT, "src", name, "index.ts")
}

/** The file an entry is loaded from in this run. */
export const entryFile = (subpath: string): string => (source() === "src" ? sourceEntry(subpath) : builtEntry(subpath))

/** Whether the build is missing, or older than a file of src/ (the newest mtime wins). */
export const buildIsStale = (): boolean => {
  const entries = Object.keys(packageJson().exports).filter((k) => k !== "./package.json")
  const built = entries.map(builtEntry)
  if (!built.every((file) => existsSync(file))) return true
  const oldestBuilt = Math.min(...built.map((file) => statSync(file).mtimeMs))
  return newestMtime(join(ROOT, "src")) > oldestBuilt
}

const newestMtime = (dir: string): number => {
  let newest = 0
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) newest = Math.max(newest, statSync(join(entry.parentPath, entry.name)).mtimeMs)
  }
  return newest
}

/** The Promise facade, `effect-iron-session/promise`. */
export type Facade = typeof import("../src/promise/index.js")
/** The Effect API: `effect-iron-session`, and `effect-iron-session/HttpSession` (a subpath of its own). */
export type Api = typeof import("../src/index.js") & { readonly HttpSession: typeof import("../src/HttpSession.js") }

export const loadFacade = (): Promise<Facade> => import(pathToFileURL(entryFile("./promise")).href)
export const loadApi = async (): Promise<Api> => ({
  ...(await import(pathToFileURL(entryFile(".")).href)),
  HttpSession: await import(pathToFileURL(entryFile("./HttpSession")).href),
})

/** One line saying what is measured, for the header of every section. */
export const describeSource = (): string =>
  source() === "src"
    ? "src/ through tsx (--source=src; cold start and bundle still use the build)"
    : `the build, as package.json "exports" names it (${builtEntry("./promise").slice(ROOT.length)}, …)`
