/**
 * Every `@example` in the JSDoc of src/ compiles, as the README's blocks do
 * (test/readme.test.ts): an example is what an editor shows a user on hover,
 * so one that no longer typechecks teaches the wrong API.
 *
 * Every fenced `ts` block inside a `/** … *\/` comment of src/**\/*.ts is
 * written, without its ` * ` prefix, to its own module under
 * test-results/jsdoc/ (`Seal-18.ts`: the file, and the line of the block's
 * first line) and all of them are typechecked in one `tsc` run, with the
 * repo's tsconfig.json (so `effect-iron-session` is the sources in src/). A
 * failure is reported at its line in src/. One thing differs from the
 * README's check: a bare `next/server` or `next/headers` resolves, as it does
 * in a Next.js app (see `paths` below), so the examples written for one are
 * checked instead of skipped.
 *
 * A first line `// snippet: skip <reason>` in the block leaves it out, for a
 * fragment that cannot compile on its own; it stays in the example, so the
 * reader sees why. Anything else after `// snippet:`, such a line anywhere but
 * first, or an `@example` with no `ts` block, fails the test rather than
 * being ignored. Examples are typechecked only, never run.
 */
import { readdirSync, readFileSync } from "node:fs"
import { join, relative } from "node:path"
import { beforeAll, describe, expect, it } from "@effect/vitest"
import { type Diagnostic, type Directives, parseDirectives, rootDir, typecheckSnippets } from "./helpers/snippets.js"

const srcDir = join(rootDir, "src")
const outDir = join(rootDir, "test-results", "jsdoc")

/**
 * How many examples src/ had when this test was written (52 `@example`s and
 * the module example of src/promise/index.ts). The test fails with fewer, so
 * that a change to the parser (or to how comments are written) cannot make it
 * pass by finding nothing. Raise it when you add examples.
 */
const minimumExamples = 53

/**
 * Next has no `exports` map, so Node's ESM resolution (the repo's NodeNext)
 * finds `next/server` only as `next/server.js`; Next's bundler, and the
 * `moduleResolution: "bundler"` of a Next app's tsconfig, find it bare, and
 * that is how an example written for a Next app imports it. `paths` here
 * replaces the repo's, so the repo's mappings come along, rebased.
 */
const paths = (() => {
  const fromOutDir = (path: string) => relative(outDir, join(rootDir, path))
  const tsconfig = JSON.parse(readFileSync(join(rootDir, "tsconfig.json"), "utf8"))
  const repoPaths: Record<string, Array<string>> = tsconfig.compilerOptions.paths
  return {
    ...Object.fromEntries(Object.entries(repoPaths).map(([name, targets]) => [name, targets.map(fromOutDir)])),
    "next/*": [fromOutDir("node_modules/next/*"), fromOutDir("node_modules/next/*.d.ts")],
  }
})()

interface Example extends Directives {
  /** The file, relative to the repository: `src/Seal.ts`. */
  readonly source: string
  /** The source line of the example's first line (the one after the fence). */
  readonly line: number
  readonly code: string
  /** For each line of `code`, how many characters of ` * ` were cut from it, to report columns in the source. */
  readonly indents: ReadonlyArray<number>
  readonly file: string
}

const JSDOC = /\/\*\*[\s\S]*?\*\//g
/** A comment line's prefix: its indentation, the `*`, and one space. */
const PREFIX = /^\s*\*(?: |$)/
const FENCE = /^(`{3,}|~{3,})\s*([^\s`]*)/
const LANGUAGES = new Set(["ts", "typescript", "mts"])
const MARKER = /^\s*\/\/\s*snippet:(.*)$/
/** A block tag at the start of a comment line ends the `@example` before it. */
const TAG = /^@(\w+)/

const sourcesOf = (dir: string): Array<string> =>
  readdirSync(dir, { recursive: true, encoding: "utf8" })
    .filter((name) => name.endsWith(".ts") && !name.endsWith(".d.ts"))
    .map((name) => join(dir, name))
    .sort()

/** The examples of one source file, and what is wrong with how they are marked. */
const parse = (path: string) => {
  const source = relative(rootDir, path)
  const name = relative(srcDir, path).replace(/\.ts$/, "").replaceAll("/", "-")
  const text = readFileSync(path, "utf8")
  const examples: Array<Example> = []
  const problems: Array<string> = []
  for (const comment of text.matchAll(JSDOC)) {
    const firstLine = text.slice(0, comment.index).split("\n").length
    // The opening `/**` line and the closing `*/` are not content.
    const raw = comment[0].split("\n").slice(1, -1)
    const lines = raw.map((line) => line.replace(PREFIX, ""))
    const indents = raw.map((line) => PREFIX.exec(line)?.[0].length ?? 0)
    const lineOf = (i: number) => firstLine + 1 + i
    let example: { line: number; blocks: number } | undefined
    const closeExample = () => {
      if (example && example.blocks === 0)
        problems.push(`${source}:${example.line}: an @example without a \`\`\`ts block (nothing to check)`)
      example = undefined
    }
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i] ?? ""
      const tag = TAG.exec(line)
      if (tag) {
        closeExample()
        if (tag[1] === "example") example = { line: lineOf(i), blocks: 0 }
        continue
      }
      const fence = FENCE.exec(line)
      if (!fence) continue
      const [, ticks = "", info = ""] = fence
      const close = new RegExp(`^${ticks[0] === "`" ? "`" : "~"}{${ticks.length},}\\s*$`)
      let end = i + 1
      while (end < lines.length && !close.test(lines[end] ?? "")) end++
      if (LANGUAGES.has(info.toLowerCase())) {
        const body = lines.slice(i + 1, end)
        const marker = MARKER.exec(body[0] ?? "")
        const directives = parseDirectives(marker?.[1] ?? "")
        const exampleProblems = [...directives.problems]
        if (directives.skip === "no reason given")
          exampleProblems.push("say why after `skip`: `// snippet: skip <reason>`")
        if (directives.run)
          exampleProblems.push("JSDoc examples are typechecked, not run: only `skip <reason>` applies")
        body.forEach((codeLine, j) => {
          if (j > 0 && MARKER.test(codeLine))
            problems.push(`${source}:${lineOf(i + 1 + j)}: a snippet marker must be the block's first line`)
        })
        examples.push({
          ...directives,
          problems: exampleProblems,
          source,
          line: lineOf(i + 1),
          code: body.join("\n"),
          indents: indents.slice(i + 1, end),
          file: join(outDir, `${name}-${lineOf(i + 1)}.ts`),
        })
        if (example) example.blocks++
      }
      i = end
    }
    closeExample()
  }
  return { examples, problems }
}

const parsed = sourcesOf(srcDir).map(parse)
const examples = parsed.flatMap((file) => file.examples)
const checked = examples.filter((example) => example.skip === undefined)

describe("JSDoc @example blocks in src/", () => {
  let diagnostics: Array<Diagnostic> = []

  beforeAll(async () => {
    diagnostics = await typecheckSnippets(outDir, checked, { paths })
  }, 180_000)

  it(`finds at least ${minimumExamples} examples, each a ts block whose snippet marker says what it means`, () => {
    expect(examples.length).toBeGreaterThanOrEqual(minimumExamples)
    expect([
      ...parsed.flatMap((file) => file.problems),
      ...examples.flatMap((example) =>
        example.problems.map((problem) => `${example.source}:${example.line}: ${problem}`),
      ),
    ]).toEqual([])
  })

  it("typechecks without errors outside the examples (the harness's own setup)", () => {
    const exampleFiles = new Set(checked.map((example) => example.file))
    expect(diagnostics.filter((d) => !exampleFiles.has(d.file)).map((d) => `${d.file}: ${d.text}`)).toEqual([])
  })

  for (const example of examples) {
    const where = `${example.source}:${example.line}`
    const test = example.skip !== undefined ? it.skip : it
    test(`${where} typechecks${example.skip !== undefined ? ` (skip: ${example.skip})` : ""}`, () => {
      const errors = diagnostics
        .filter((d) => d.file === example.file)
        .map(
          (d) =>
            `${example.source}:${example.line + d.line - 1}:${d.column + (example.indents[d.line - 1] ?? 0)} ${d.text}`,
        )
      expect(errors, relative(rootDir, example.file)).toEqual([])
    })
  }
})
