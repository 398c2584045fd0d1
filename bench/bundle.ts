/**
 * 7. Bundle size: esbuild (bundle, minify, platform browser, format esm) of a
 * tiny handler that imports and uses `getIronSession`, from the package's
 * built Promise entry (resolved through the package's self-reference, as an
 * app's bundler resolves it) and from iron-session; min+gzip at zlib level 9.
 * A bare `Effect.runPromise(Effect.void)` is printed for reference.
 */
import { gzipSync } from "node:zlib"
import * as esbuild from "esbuild"
import { heading, int, kB, printTable, type Report, type Settings } from "./common.js"
import { builtEntry, PACKAGE_NAME, ROOT } from "./lib.js"

const handler = (specifier: string) => `
import { getIronSession } from ${JSON.stringify(specifier)}
export default async function handle(request) {
  const response = new Response("ok")
  const session = await getIronSession(request, response, { cookieName: "app", password: "a-password-of-at-least-32-characters" })
  session.visits = (session.visits ?? 0) + 1
  await session.save()
  return response
}
`

interface Size {
  readonly min: number
  readonly gzip: number
  /** The inputs that weigh most in the output, in bytes. */
  readonly heaviest: ReadonlyArray<readonly [string, number]>
  readonly inputs: ReadonlyArray<string>
}

const measure = async (contents: string): Promise<Size> => {
  const result = await esbuild.build({
    stdin: { contents, resolveDir: ROOT, loader: "js", sourcefile: "entry.js" },
    bundle: true,
    minify: true,
    platform: "browser",
    format: "esm",
    write: false,
    metafile: true,
    logLevel: "silent",
    // Not the repository's tsconfig: its `paths` would send the package's own name to src/.
    tsconfigRaw: "{}",
  })
  const output = result.outputFiles[0]!.contents
  const meta = Object.values(result.metafile.outputs)[0]!
  const byPackage = new Map<string, number>()
  for (const [file, { bytesInOutput }] of Object.entries(meta.inputs)) {
    const match = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(file)
    const key = match ? match[1]! : /^(dist|src)\//.test(file) ? `${PACKAGE_NAME} (${file.split("/")[0]})` : file
    byPackage.set(key, (byPackage.get(key) ?? 0) + bytesInOutput)
  }
  return {
    min: output.length,
    gzip: gzipSync(output, { level: 9 }).length,
    heaviest: [...byPackage].sort((a, b) => b[1] - a[1]).slice(0, 4),
    inputs: Object.keys(result.metafile.inputs),
  }
}

export const run = async (_settings: Settings, report: Report): Promise<void> => {
  const facade = `${PACKAGE_NAME}/promise`
  heading("7. Bundle size (esbuild: bundle, minify, browser, esm; gzip level 9)", [
    `${facade} resolves to ${builtEntry("./promise").slice(ROOT.length)} (the build); 1 kB = 1000 bytes`,
  ])
  const entries = [
    { name: `getIronSession from ${facade}`, contents: handler(facade) },
    { name: "getIronSession from iron-session", contents: handler("iron-session") },
    {
      name: 'Effect.runPromise(Effect.void), from "effect"',
      contents: 'import { Effect } from "effect"\nEffect.runPromise(Effect.void)',
    },
    {
      name: 'Effect.runPromise(Effect.void), from "effect/Effect"',
      contents: 'import * as Effect from "effect/Effect"\nEffect.runPromise(Effect.void)',
    },
  ]
  const sizes: Size[] = []
  for (const entry of entries) sizes.push(await measure(entry.contents))
  const ours = sizes[0]!
  if (ours.inputs.some((file) => file.startsWith("src/"))) {
    throw new Error(
      `the facade bundle took files from src/, not the build: ${ours.inputs.filter((f) => f.startsWith("src/")).join(", ")}`,
    )
  }
  printTable(
    [
      ["entry", "minified", "min+gzip", "heaviest parts (minified bytes)"],
      ...entries.map((e, i) => {
        const s = sizes[i]!
        return [e.name, `${int(s.min)} B`, `${int(s.gzip)} B`, s.heaviest.map(([k, v]) => `${k} ${int(v)}`).join(", ")]
      }),
    ],
    [false, true, true, false],
  )
  const iron = sizes[1]!
  const ratio = ours.gzip / 50_000
  report.add({
    name: "bundle: facade handler, min+gzip",
    goal: "≤ 50 kB",
    measured: `${kB(ours.gzip)} (iron-session ${kB(iron.gzip)})`,
    value: `${ratio.toFixed(2)}× the budget`,
    status: ours.gzip <= 50_000 ? "PASS" : "MISS",
  })
}
