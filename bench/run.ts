/**
 * `npm run bench`: every section, each in its own Node process (so one
 * section's JIT state, heap and thread pool do not leak into the next), then a
 * summary of every target.
 *
 *   npm run bench                          # everything, ~3–4 minutes on a quiet 2-core machine
 *   npm run bench -- --quick               # a ~1 minute smoke run
 *   npm run bench -- --only=request,hot    # some sections
 *   npm run bench -- --source=src          # sources through tsx instead of the build
 *
 * `bench/README.md` explains each figure and every option. Not a test: vitest
 * only runs test/**\/*.test.ts.
 */
import { spawn, spawnSync } from "node:child_process"
import { existsSync, readFileSync, writeFileSync } from "node:fs"
import * as os from "node:os"
import { join } from "node:path"
import {
  loadLine,
  message,
  parseCommandLine,
  printSummary,
  Report,
  SECTIONS,
  type SectionName,
  type Settings,
  type Target,
} from "./common.js"
import { buildIsStale, ROOT } from "./lib.js"

type Section = { readonly run: (settings: Settings, report: Report) => Promise<void> }

const sectionModules: Record<SectionName, () => Promise<Section>> = {
  seal: () => import("./seal.js"),
  request: () => import("./request.js"),
  hot: () => import("./hot.js"),
  middleware: () => import("./middleware.js"),
  load: () => import("./load.js"),
  cold: () => import("./cold.js"),
  bundle: () => import("./bundle.js"),
  memory: () => import("./memory.js"),
  lifecycle: () => import("./lifecycle.js"),
}

/** In a section's child process: run it, hand its targets to the parent. */
const runSection = async (name: SectionName, settings: Settings): Promise<void> => {
  const report = new Report(name)
  const section = await sectionModules[name]()
  await section.run(settings, report)
  report.finish()
}

const version = (pkg: string): string => {
  try {
    return (JSON.parse(readFileSync(join(ROOT, "node_modules", pkg, "package.json"), "utf8")) as { version: string })
      .version
  } catch {
    return "?"
  }
}

const git = (...args: string[]): string => spawnSync("git", args, { cwd: ROOT, encoding: "utf8" }).stdout?.trim() || "?"

/** Runs one section in a child process; resolves to its targets, or to an ERROR line if it failed. */
const spawnSection = (name: SectionName): Promise<Target[]> =>
  new Promise((resolve) => {
    const started = Date.now()
    let targets: Target[] | undefined
    const child = spawn(process.execPath, ["--import", "tsx", join(ROOT, "bench/run.ts"), `--section=${name}`], {
      cwd: ROOT,
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    })
    child.on("message", (m: { type?: string; targets?: Target[] }) => {
      if (m.type === "targets") targets = m.targets
    })
    child.on("exit", (code, signal) => {
      console.log(`(${name}: ${((Date.now() - started) / 1000).toFixed(1)} s)`)
      if (code === 0 && targets !== undefined) return resolve(targets)
      resolve([
        ...(targets ?? []),
        {
          section: name,
          name: "the section ran to the end",
          goal: "exit 0",
          measured: signal === null ? `exit ${code}` : `killed by ${signal}`,
          value: "",
          status: "ERROR",
          note: "see its output above",
        },
      ])
    })
  })

/** bench/workerd*.ts belongs to another engineer: run it last when present, and never let it fail the run. */
const runWorkerd = (quick: boolean): Promise<void> =>
  new Promise((resolve) => {
    const file = join(ROOT, "bench/workerd.ts")
    if (!existsSync(file)) {
      console.log("\n(bench/workerd.ts is not here: no workerd section)")
      return resolve()
    }
    console.log(`\n## workerd (bench/workerd.ts)\nload: ${loadLine()}`)
    const child = spawn(process.execPath, ["--import", "tsx", file, ...(quick ? ["--quick"] : [])], {
      cwd: ROOT,
      stdio: ["ignore", "inherit", "inherit"],
    })
    child.on("error", (e) => {
      console.log(`(workerd: could not start: ${message(e)})`)
      resolve()
    })
    child.on("exit", (code) => {
      if (code !== 0) console.log(`(workerd: exit ${code}; not counted in the summary)`)
      resolve()
    })
  })

const main = async (): Promise<void> => {
  const cli = parseCommandLine()
  if (cli.section !== undefined) {
    if (!(SECTIONS as ReadonlyArray<string>).includes(cli.section)) throw new Error(`unknown section ${cli.section}`)
    // Started by the orchestrator, the settings come from it; run by hand, from this command line.
    const inherited = process.env.BENCH_SETTINGS
    if (inherited === undefined) process.env.BENCH_SOURCE = cli.source
    return runSection(cli.section as SectionName, inherited === undefined ? cli.settings : JSON.parse(inherited))
  }
  // Every child process (sections, servers, memory runs) reads these.
  process.env.BENCH_SOURCE = cli.source
  process.env.BENCH_SETTINGS = JSON.stringify(cli.settings)

  const started = Date.now()
  const cpus = os.cpus()
  console.log(`# effect-iron-session benchmarks${cli.settings.quick ? " (--quick: a smoke run, not figures)" : ""}`)
  console.log(`date:    ${new Date().toISOString()}`)
  console.log(`node:    ${process.version} (V8 ${process.versions.v8}), ${os.platform()} ${os.arch()}`)
  console.log(`cpu:     ${cpus[0]?.model.trim() ?? "unknown"} × ${cpus.length}`)
  console.log(`load:    ${loadLine()}`)
  console.log(
    `tree:    ${git("rev-parse", "--short", "HEAD")}${git("status", "--porcelain", "--", "src").length > 1 ? " (src/ has uncommitted changes)" : ""}`,
  )
  console.log(
    `peers:   iron-session ${version("iron-session")}, @hapi/iron ${version("@hapi/iron")}, iron-webcrypto ${version("iron-webcrypto")}, effect ${version("effect")}, @effect/platform ${version("@effect/platform")}, autocannon ${version("autocannon")}, esbuild ${version("esbuild")}`,
  )
  const sections = SECTIONS.filter((s) => cli.only.includes(s))
  const needsBuild = cli.source === "dist" || sections.includes("cold") || sections.includes("bundle")
  if (needsBuild && cli.build !== "never" && (cli.build === "always" || buildIsStale())) {
    console.log("build:   dist/ is missing or older than src/: npm run build")
    const build = spawnSync("npm", ["run", "build"], { cwd: ROOT, stdio: "inherit" })
    if (build.status !== 0) throw new Error("npm run build failed: nothing was measured")
  } else if (needsBuild) {
    console.log(cli.build === "never" ? "build:   not checked (--no-build)" : "build:   dist/ is up to date with src/")
  }

  const targets: Target[] = []
  for (const name of sections) targets.push(...(await spawnSection(name)))
  if (
    cli.only.includes("workerd") ||
    (cli.only.length === SECTIONS.length && existsSync(join(ROOT, "bench/workerd.ts")))
  ) {
    await runWorkerd(cli.settings.quick)
  }

  printSummary(targets)
  console.log(`total: ${((Date.now() - started) / 1000).toFixed(0)} s`)
  if (cli.json !== undefined) {
    writeFileSync(
      cli.json,
      `${JSON.stringify({ date: new Date().toISOString(), load: os.loadavg(), targets }, null, 2)}\n`,
    )
    console.log(`targets written to ${cli.json}`)
  }
  const failed = targets.some((t) => t.status === "ERROR" || (cli.strict && t.status === "MISS"))
  process.exitCode = failed ? 1 : 0
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : error)
  process.exit(1)
})
