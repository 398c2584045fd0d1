#!/usr/bin/env node
/**
 * `npm run mutation`: mutation testing of the core with StrykerJS (issue 14).
 *
 *   npm run mutation                                  every core file (stryker.config.mjs)
 *   npm run mutation -- src/internal/kernel/iron.ts          one file (or several)
 *   npm run mutation -- src/promise/index.ts:480-500  lines of a file (Stryker's mutation ranges)
 *   npm run mutation -- --concurrency 1 src/CookieStore.ts src/internal/kernel/cookie.ts
 *   npm run mutation -- --report                      the scores of the last run, without running
 *
 * 1. Stryker 10 needs Node 22 or later. On an older Node this takes Node 22
 *    from the npm registry the way .ci/run does (`npm pack node-linux-<arch>@22`,
 *    unpacked into .cache/node/22/, gitignored, reused from there) and runs
 *    Stryker on it, with that Node first on PATH.
 * 2. Stryker (a devDependency) runs the tests of vitest.mutation.config.ts
 *    against each mutant of the files, `concurrency` workers at a time
 *    (default 2; the machine's cores are shared, use 1 when others are busy).
 * 3. The score of each file, of each group issue 14 holds at 90% or more
 *    (CookieStore.ts with internal/cookie.ts), and overall, from the JSON
 *    report; reports/mutation/mutation.{html,json} stay for reading. The exit
 *    status is non-zero when Stryker failed or a group measured is under 90%.
 *
 * Environment: NODE_CACHE_DIR (default .cache/node), MUTATION_CONCURRENCY.
 */
import { spawnSync } from "node:child_process"
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { dirname, join, relative, resolve } from "node:path"
import { fileURLToPath } from "node:url"

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..")
process.chdir(root)

const MIN_MAJOR = 22
const THRESHOLD = 90
const REPORT = "reports/mutation/mutation.json"

/** The groups issue 14 scores; a file not listed counts alone. */
const GROUPS = [
  ["src/internal/kernel/iron.ts"],
  ["src/internal/kernel/session.ts"],
  ["src/internal/engine.ts"],
  ["src/internal/kernel/errors.ts"],
  ["src/promise/index.ts"],
  ["src/CookieStore.ts", "src/internal/kernel/cookie.ts"],
  ["src/internal/kernel/crypto/node.ts"],
  ["src/internal/kernel/crypto/web.ts"],
]

const fail = (message) => {
  console.error(`mutation: ${message}`)
  process.exit(1)
}

const args = process.argv.slice(2)
let concurrency = process.env.MUTATION_CONCURRENCY ?? "2"
let reportOnly = false
const files = []
for (let i = 0; i < args.length; i++) {
  const arg = args[i]
  if (arg === "--concurrency" || arg === "-c") concurrency = args[++i] ?? fail("--concurrency needs a number")
  else if (arg.startsWith("--concurrency=")) concurrency = arg.slice("--concurrency=".length)
  else if (arg === "--report") reportOnly = true
  else if (arg.startsWith("-")) fail(`unknown option ${arg}`)
  else {
    // A file, or a part of one as Stryker takes it: `file:startLine-endLine`.
    const [, file = arg, range = ""] = /^(.*?)(:\d+(?::\d+)?-\d+(?::\d+)?)?$/.exec(arg) ?? []
    files.push(relative(root, resolve(file)).replaceAll("\\", "/") + range)
  }
}
if (!/^[1-9]\d*$/.test(concurrency)) fail(`--concurrency must be a positive integer, got ${concurrency}`)
for (const file of files) if (!existsSync(file.replace(/:[\d:-]+$/, ""))) fail(`${file} does not exist`)

const majorOf = (node) => {
  const probe = spawnSync(node, ["--version"], { encoding: "utf8" })
  return probe.status === 0 ? Number(/^v(\d+)\./.exec(probe.stdout.trim())?.[1]) : undefined
}

/** A Node of at least MIN_MAJOR: this one, or Node 22 from the cache, fetched into it when missing. */
const node22 = () => {
  if (Number(process.versions.node.split(".")[0]) >= MIN_MAJOR) return process.execPath
  const arch = { x64: "x64", arm64: "arm64" }[process.arch]
  if (process.platform !== "linux" || arch === undefined) {
    fail(
      `Stryker needs Node ${MIN_MAJOR}+, and this script only fetches it on Linux x64/arm64: run it on Node ${MIN_MAJOR}+.`,
    )
  }
  const cache = resolve(process.env.NODE_CACHE_DIR ?? ".cache/node")
  const dir = join(cache, String(MIN_MAJOR))
  const node = join(dir, "bin", "node")
  if (majorOf(node) === MIN_MAJOR) return node
  console.log(
    `mutation: fetching Node ${MIN_MAJOR} (npm pack node-linux-${arch}@${MIN_MAJOR}) into ${relative(root, dir)}`,
  )
  const tmp = mkdtempSync(join(tmpdir(), "node22-"))
  try {
    const pack = spawnSync(
      "npm",
      ["pack", `node-linux-${arch}@${MIN_MAJOR}`, "--pack-destination", tmp, "--silent", "--no-audit", "--no-fund"],
      { encoding: "utf8", timeout: 5 * 60_000, stdio: ["ignore", "pipe", "inherit"] },
    )
    const tarball = pack.stdout.trim().split("\n").at(-1)
    if (pack.status !== 0 || !tarball) fail(`npm pack node-linux-${arch}@${MIN_MAJOR} failed`)
    const untar = spawnSync("tar", ["-xzf", join(tmp, tarball), "-C", tmp], { stdio: "inherit" })
    if (untar.status !== 0 || majorOf(join(tmp, "package", "bin", "node")) !== MIN_MAJOR) {
      fail(`the package node-linux-${arch}@${MIN_MAJOR} did not hold a working bin/node`)
    }
    mkdirSync(cache, { recursive: true })
    rmSync(dir, { recursive: true, force: true })
    renameSync(join(tmp, "package"), dir)
  } finally {
    rmSync(tmp, { recursive: true, force: true })
  }
  return node
}

const runStryker = () => {
  const stryker = "node_modules/@stryker-mutator/core/bin/stryker.js"
  if (!existsSync(stryker)) fail("Stryker is not installed: run npm ci first (it is a devDependency).")
  const node = node22()
  // npm reads its global config next to the Node running it: keep this machine's (as .ci/run does).
  const globalconfig = spawnSync("npm", ["config", "get", "globalconfig"], { encoding: "utf8" }).stdout.trim()
  const strykerArgs = [stryker, "run", "stryker.config.mjs", "--concurrency", concurrency]
  if (files.length > 0) strykerArgs.push("--mutate", files.join(","))
  console.log(`mutation: ${relative(root, node) || node} ${strykerArgs.join(" ")}`)
  const started = Date.now()
  rmSync(REPORT, { force: true })
  const run = spawnSync(node, strykerArgs, {
    stdio: "inherit",
    env: {
      ...process.env,
      PATH: `${dirname(node)}:${process.env.PATH ?? ""}`,
      ...(globalconfig ? { npm_config_globalconfig: globalconfig } : {}),
    },
  })
  const seconds = Math.round((Date.now() - started) / 1000)
  console.log(`mutation: Stryker took ${Math.floor(seconds / 60)} min ${seconds % 60} s`)
  return run.status ?? 1
}

/**
 * Stryker's mutation score: detected (killed, timed out) over valid (those and
 * survived, not covered). `withoutBoundaries` scores the same run as if
 * test/boundaries/ did not exist: those files run last (vitest.mutation.config.ts)
 * and Stryker stops at the first kill, so a mutant whose killer is one of them
 * is one no other suite kills. (A timeout counts as detected in both.)
 */
const tally = (mutants, isBoundary, withoutBoundaries = false) => {
  const count = { killed: 0, survived: 0, noCoverage: 0, ignored: 0, errors: 0 }
  for (const { status, killedBy = [] } of mutants) {
    const byBoundaryOnly = withoutBoundaries && status === "Killed" && killedBy.every(isBoundary)
    if (byBoundaryOnly) count.survived++
    else if (status === "Killed" || status === "Timeout") count.killed++
    else if (status === "Survived") count.survived++
    else if (status === "NoCoverage") count.noCoverage++
    else if (status === "Ignored") count.ignored++
    else count.errors++
  }
  const valid = count.killed + count.survived + count.noCoverage
  return { ...count, score: valid === 0 ? Number.NaN : (100 * count.killed) / valid }
}

/**
 * The mutants ignored as equivalent, each checked against its entry in
 * scripts/mutation-equivalents.mjs: Stryker ignores by line and mutator, so an
 * entry that ignored a replacement it does not name would hide a mutant a
 * test might kill. Returns how many problems it found.
 */
const checkEquivalents = async (measured) => {
  const { equivalents } = await import("./mutation-equivalents.mjs")
  let problems = 0
  const ignored = Object.entries(measured).flatMap(([file, mutants]) =>
    mutants.filter((m) => m.status === "Ignored").map((m) => ({ file, ...m })),
  )
  if (ignored.length > 0) console.log("\nignored as equivalent (scripts/mutation-equivalents.mjs)")
  // The comment Stryker reads can show in the replacement of the node it is attached to.
  const replacementOf = (m) => m.replacement.replace(/^\/\* Stryker disable [^*]*\*\//, "")
  for (const m of ignored) {
    const entry = equivalents.find((e) => e.file === m.file && e.reason === m.statusReason)
    const ok = entry?.replacements.includes(replacementOf(m)) === true
    if (!ok) problems++
    console.log(
      `${ok ? "  " : "! "}${m.file}:${m.location.start.line} ${m.mutatorName} ${JSON.stringify(replacementOf(m))}${ok ? "" : "  NOT NAMED BY ITS ENTRY"}`,
    )
  }
  // A run over parts of files (mutation ranges) need not reach every entry.
  const wholeFiles = files.length === 0 || files.every((file) => !/:\d/.test(file))
  for (const entry of equivalents.filter((e) => wholeFiles && e.file in measured)) {
    for (const replacement of entry.replacements) {
      if (
        !ignored.some(
          (m) => m.file === entry.file && m.statusReason === entry.reason && replacementOf(m) === replacement,
        )
      ) {
        problems++
        console.log(
          `! ${entry.file}: ${JSON.stringify(replacement)} (${entry.code}) was not ignored: look at the entry again`,
        )
      }
    }
  }
  return problems
}

const report = async () => {
  if (!existsSync(REPORT)) fail(`no report at ${REPORT}`)
  const { files: results, testFiles = {} } = JSON.parse(readFileSync(REPORT, "utf8"))
  const normalize = (file) => relative(root, resolve(file)).replaceAll("\\", "/")
  const measured = Object.fromEntries(Object.entries(results).map(([file, { mutants }]) => [normalize(file), mutants]))
  const boundaryTests = new Set(
    Object.entries(testFiles)
      .filter(([file]) => normalize(file).startsWith("test/boundaries/"))
      .flatMap(([, { tests }]) => tests.map((test) => test.id)),
  )
  const isBoundary = (id) => boundaryTests.has(id)
  const percent = (t) => (Number.isNaN(t.score) ? "   n/a" : t.score.toFixed(2).padStart(6))
  const row = (name, mutants) => {
    const t = tally(mutants, isBoundary)
    const before = tally(mutants, isBoundary, true)
    return `${name.padEnd(48)} ${percent(t)}%  (${percent(before)}% without test/boundaries)  killed ${String(t.killed).padStart(4)}  survived ${String(t.survived).padStart(3)}  no coverage ${String(t.noCoverage).padStart(3)}  ignored ${String(t.ignored).padStart(3)}${t.errors ? `  errors ${t.errors}` : ""}`
  }
  console.log("\nmutation score per file (killed and timed out over killed, timed out, survived and not covered)")
  for (const [file, mutants] of Object.entries(measured).sort()) console.log(row(file, mutants))
  console.log(`\nissue 14 groups (each must be at least ${THRESHOLD}%)`)
  let below = 0
  const grouped = new Set(GROUPS.flat())
  const groups = [
    ...GROUPS,
    ...Object.keys(measured)
      .filter((file) => !grouped.has(file))
      .map((file) => [file]),
  ]
  for (const group of groups) {
    if (!group.every((file) => file in measured)) continue
    const mutants = group.flatMap((file) => measured[file])
    const ok = tally(mutants, isBoundary).score >= THRESHOLD
    if (!ok) below++
    console.log(`${row(group.join(" + "), mutants)}  ${ok ? "ok" : "BELOW"}`)
  }
  console.log(`\n${row("overall", Object.values(measured).flat())}`)
  const problems = await checkEquivalents(measured)
  console.log(`\nreport: ${REPORT.replace(".json", ".html")}`)
  return below + problems
}

const status = reportOnly ? 0 : runStryker()
if (status !== 0) fail(`Stryker exited with ${status}`)
process.exit((await report()) === 0 ? 0 : 1)
