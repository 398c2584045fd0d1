/**
 * What the README's and the JSDoc's snippet tests share: the `snippet:`
 * directives, and one `tsc` run over a folder of snippet modules with the
 * repo's tsconfig.json (so `effect-iron-session` is the sources in src/).
 */
import { execFile } from "node:child_process"
import { mkdirSync, rmSync, writeFileSync } from "node:fs"
import { createRequire } from "node:module"
import { join, relative, resolve } from "node:path"
import { fileURLToPath } from "node:url"

export const rootDir = fileURLToPath(new URL("../../", import.meta.url))
const require = createRequire(import.meta.url)

/** Seconds a snippet that runs may take, unless it says `timeout Ns`. */
export const defaultTimeout = 30

export interface Directives {
  /** Why the snippet is not checked; `undefined` when it is. */
  readonly skip: string | undefined
  readonly run: boolean
  readonly expectText: string | undefined
  readonly timeout: number
  readonly problems: ReadonlyArray<string>
}

/** The directives after `snippet:`, comma-separated: `skip reason`, `run`, `expect "text"`, `timeout Ns`. */
export const parseDirectives = (text: string): Directives => {
  const directives = {
    skip: undefined as string | undefined,
    run: false,
    expectText: undefined as string | undefined,
    timeout: defaultTimeout,
    problems: [] as Array<string>,
  }
  for (const [part = ""] of text.matchAll(/(?:[^,"]|"[^"]*")+/g)) {
    const directive = part.trim()
    const skip = /^skip\b\s*[:(—-]?\s*(.*?)\)?$/.exec(directive)
    const expectText = /^expect\s+"([^"]+)"$/.exec(directive)
    const timeout = /^timeout\s+(\d+)\s*s$/.exec(directive)
    if (skip) directives.skip = skip[1] || "no reason given"
    else if (directive === "run") directives.run = true
    else if (expectText) {
      directives.run = true
      directives.expectText = expectText[1]
    } else if (timeout) directives.timeout = Number(timeout[1])
    else directives.problems.push(`unknown snippet directive "${directive}" (skip, run, expect "text", timeout Ns)`)
  }
  return directives
}

export interface Diagnostic {
  readonly file: string
  readonly line: number
  readonly column: number
  readonly text: string
}

/** tsc's diagnostics, one `file(line,col): error TSxxxx: …` per entry (continuation lines kept). */
const parseDiagnostics = (output: string): Array<Diagnostic> => {
  const diagnostics: Array<Diagnostic> = []
  for (const text of output.split("\n")) {
    const match = /^(.+?)\((\d+),(\d+)\): (error .*)$/.exec(text)
    if (match) {
      diagnostics.push({
        file: resolve(rootDir, match[1] ?? ""),
        line: Number(match[2]),
        column: Number(match[3]),
        text: match[4] ?? "",
      })
    } else if (text.trim() !== "") {
      const last = diagnostics.pop()
      diagnostics.push(last ? { ...last, text: `${last.text}\n${text}` } : { file: "", line: 0, column: 0, text })
    }
  }
  return diagnostics
}

/**
 * Empties `outDir`, writes each snippet there as a module of its own, and
 * typechecks them all in one `tsc` run (one program is much faster than a
 * run per snippet: src/ and effect are checked once). The tsconfig.json it
 * writes there extends the repo's, with `compilerOptions` on top, and also
 * serves tsx, for snippets that run.
 */
export const typecheckSnippets = async (
  outDir: string,
  snippets: ReadonlyArray<{ readonly file: string; readonly code: string }>,
  compilerOptions: Record<string, unknown> = {},
): Promise<Array<Diagnostic>> => {
  rmSync(outDir, { recursive: true, force: true })
  mkdirSync(outDir, { recursive: true })
  for (const { file, code } of snippets) {
    // `export {}` makes every snippet a module of its own, so that two snippets may declare the same names.
    writeFileSync(file, `${code}\nexport {}\n`)
  }
  writeFileSync(
    join(outDir, "tsconfig.json"),
    JSON.stringify({
      extends: relative(outDir, join(rootDir, "tsconfig.json")),
      compilerOptions: { noEmit: true, jsx: "react-jsx", ...compilerOptions },
      include: ["*.ts", "*.tsx"],
    }),
  )
  if (snippets.length === 0) return []
  const output = await new Promise<string>((resolve) => {
    execFile(
      process.execPath,
      [require.resolve("typescript/bin/tsc"), "-p", join(outDir, "tsconfig.json"), "--pretty", "false"],
      { cwd: rootDir, timeout: 120_000, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => resolve(`${stdout}${stderr}${error?.killed ? "\nerror tsc: killed after 120 s" : ""}`),
    )
  })
  return parseDiagnostics(output)
}
