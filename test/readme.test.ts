/**
 * The README's TypeScript compiles, and the snippets marked to run do run.
 *
 * Every fenced block whose language is `ts`, `typescript`, `mts` or `tsx` is
 * written to its own module under test-results/readme/ and all of them are
 * typechecked in one `tsc` run, with the repo's tsconfig.json (so
 * `effect-iron-session` is the sources in src/, as in the tests). A failure
 * is reported at its README line.
 *
 * An HTML comment on the line before the fence (blank lines between are
 * fine) changes what happens to a block:
 *
 *   <!-- snippet: skip -->                    not written, not checked; for a
 *                                             fragment that cannot compile on
 *                                             its own (say why after `skip`)
 *   <!-- snippet: run -->                     also run with tsx; it must exit
 *                                             with 0 by itself
 *   <!-- snippet: run, expect "listening" --> also run with tsx, until it
 *                                             prints that text (stdout or
 *                                             stderr); then it is stopped: for
 *                                             servers
 *   <!-- snippet: run, timeout 60s -->        more than the default 30 s
 *
 * A block that runs gets `SESSION_PASSWORD` (a 32+ character test value) and
 * `PORT` (a free port on 127.0.0.1) in its environment, and its working
 * directory is the repository. An unknown directive, or a marker that is not
 * followed by a TypeScript block, fails the test rather than being ignored.
 */
import { spawn } from "node:child_process"
import { createHash } from "node:crypto"
import { readFileSync } from "node:fs"
import { createRequire } from "node:module"
import { join, relative } from "node:path"
import { beforeAll, describe, expect, it } from "@effect/vitest"
import { freePort } from "./helpers/net.js"
import { type Diagnostic, type Directives, parseDirectives, rootDir, typecheckSnippets } from "./helpers/snippets.js"

const outDir = join(rootDir, "test-results", "readme")
const require = createRequire(import.meta.url)
const password = "a-readme-snippet-password-of-at-least-32-characters"

interface Block extends Directives {
  /** The README line of the opening fence; the block's first line is the next one. */
  readonly line: number
  readonly extension: "ts" | "tsx"
  readonly code: string
  readonly hash: string
}

const MARKER = /^\s*<!--\s*snippet:(.*?)-->\s*$/
const FENCE = /^\s*(`{3,}|~{3,})\s*([^\s`]*)/
const LANGUAGES: Record<string, Block["extension"]> = { ts: "ts", typescript: "ts", mts: "ts", tsx: "tsx" }

/** The TypeScript blocks of a Markdown file, with their markers, and the markers that mark nothing. */
const parse = (markdown: string) => {
  const lines = markdown.split(/\r?\n/)
  const blocks: Array<Block> = []
  const strayMarkers: Array<number> = []
  let pending: { line: number; text: string } | undefined
  for (let i = 0; i < lines.length; i++) {
    const text = lines[i] ?? ""
    const marker = MARKER.exec(text)
    if (marker) {
      if (pending) strayMarkers.push(pending.line)
      pending = { line: i + 1, text: marker[1] ?? "" }
      continue
    }
    const fence = FENCE.exec(text)
    if (!fence) {
      if (text.trim() !== "" && pending) {
        strayMarkers.push(pending.line)
        pending = undefined
      }
      continue
    }
    const [, ticks = "", info = ""] = fence
    const close = new RegExp(`^\\s*${ticks[0] === "`" ? "`" : "~"}{${ticks.length},}\\s*$`)
    let end = i + 1
    while (end < lines.length && !close.test(lines[end] ?? "")) end++
    const extension = LANGUAGES[info.toLowerCase()]
    if (extension) {
      const code = lines.slice(i + 1, end).join("\n")
      blocks.push({
        line: i + 1,
        extension,
        code,
        hash: createHash("sha256").update(code).digest("hex").slice(0, 12),
        ...parseDirectives(pending?.text ?? ""),
      })
    } else if (pending) strayMarkers.push(pending.line)
    pending = undefined
    i = end
  }
  if (pending) strayMarkers.push(pending.line)
  return { blocks, strayMarkers }
}

/**
 * Blocks of the current README known to fail, by the hash of their code, and
 * why. A listed block is expected to fail (`it.fails`), so the suite stays
 * green while the README is rewritten; once its code changes, the hash no
 * longer matches and the block is checked like any other. Delete an entry
 * when its block is fixed.
 */
const knownFailures: Record<string, string> = {}

const readme = readFileSync(join(rootDir, "README.md"), "utf8")
const { blocks, strayMarkers } = parse(readme)
const fileOf = (block: Block) => join(outDir, `readme-${block.line + 1}.${block.extension}`)
const checked = blocks.filter((block) => block.skip === undefined)

/** Runs a block with tsx; resolves with what it printed, rejects with why it failed. */
const runBlock = async (block: Block): Promise<string> => {
  const port = await freePort()
  return new Promise<string>((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [require.resolve("tsx/cli"), "--tsconfig", join(outDir, "tsconfig.json"), fileOf(block)],
      {
        cwd: rootDir,
        env: { ...process.env, SESSION_PASSWORD: password, PORT: String(port) },
        detached: true, // its own process group, so that stopping it stops what it started
        stdio: ["ignore", "pipe", "pipe"],
      },
    )
    let output = ""
    let settled = false
    const stop = () => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, "SIGTERM")
        setTimeout(() => {
          try {
            if (child.pid !== undefined && child.exitCode === null) process.kill(-child.pid, "SIGKILL")
          } catch {}
        }, 2_000).unref()
      } catch {}
    }
    const settle = (error: string | undefined) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      stop()
      if (error === undefined) resolve(output)
      else reject(new Error(`README.md:${block.line + 1}: ${error}\n--- output ---\n${output}`))
    }
    const timer = setTimeout(
      () =>
        settle(
          block.expectText === undefined
            ? `did not exit within ${block.timeout} s (a server needs: <!-- snippet: run, expect "text it prints" -->)`
            : `did not print "${block.expectText}" within ${block.timeout} s`,
        ),
      block.timeout * 1000,
    )
    const onData = (chunk: Buffer) => {
      output += chunk.toString()
      if (block.expectText !== undefined && output.includes(block.expectText)) settle(undefined)
    }
    child.stdout.on("data", onData)
    child.stderr.on("data", onData)
    child.on("error", (error) => settle(error.message))
    child.on("exit", (code, signal) => {
      if (block.expectText !== undefined) settle(`exited (${signal ?? code}) before printing "${block.expectText}"`)
      else settle(code === 0 ? undefined : `exited with ${signal ?? code}`)
    })
  })
}

describe("README.md", () => {
  let diagnostics: Array<Diagnostic> = []

  beforeAll(async () => {
    diagnostics = await typecheckSnippets(
      outDir,
      checked.map((block) => ({ file: fileOf(block), code: block.code })),
    )
  }, 180_000)

  it("has TypeScript blocks, and every snippet marker stands right before one and says what it means", () => {
    expect(blocks.length).toBeGreaterThan(0)
    expect([
      ...strayMarkers.map((line) => `README.md:${line}: a snippet marker not followed by a ts block`),
      ...blocks.flatMap((block) => block.problems.map((problem) => `README.md:${block.line - 1}: ${problem}`)),
    ]).toEqual([])
  })

  it("typechecks without errors outside the README's blocks (the harness's own setup)", () => {
    const blockFiles = new Set(checked.map(fileOf))
    expect(diagnostics.filter((d) => !blockFiles.has(d.file)).map((d) => `${d.file}: ${d.text}`)).toEqual([])
  })

  for (const block of blocks) {
    const where = `README.md:${block.line + 1}`
    const known = knownFailures[block.hash]
    const test = block.skip !== undefined ? it.skip : known !== undefined ? it.fails : it
    const name = `${where} typechecks${block.skip !== undefined ? ` (skip: ${block.skip})` : ""}${known ? ` (known failure: ${known})` : ""}`
    test(name, () => {
      const errors = diagnostics
        .filter((d) => d.file === fileOf(block))
        .map((d) => `README.md:${block.line + d.line}:${d.column} ${d.text}`)
      expect(errors, `${relative(rootDir, fileOf(block))} (block hash ${block.hash})`).toEqual([])
    })
    if (block.run && block.skip === undefined) {
      it(
        `${where} runs${block.expectText === undefined ? " and exits with 0" : ` until it prints "${block.expectText}"`}`,
        async () => {
          await runBlock(block)
        },
        (block.timeout + 15) * 1000,
      )
    }
  }
})
