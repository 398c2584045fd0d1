/**
 * Builds what the runtimes run and starts them: the package into dist/, the
 * conformance (or a benchmark) bundled with esbuild into `.out/`, Node, Bun
 * and Deno as one-shot processes, workerd as a server on loopback. Shared by
 * `test/runtimes.test.ts` and `bench/workerd.ts`.
 *
 * Every process is started with a deadline and stopped by its pid.
 */
import { type ChildProcess, execFile, execFileSync, spawn } from "node:child_process"
import { existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from "node:fs"
import { createRequire } from "node:module"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import * as esbuild from "esbuild"

export const root = fileURLToPath(new URL("../../", import.meta.url))
/** Generated files (bundles, configs); ignored by git. */
export const outDir = join(root, "test/runtimes/.out")

const modules = join(root, "node_modules")

/** The runtime binaries, from their npm packages (devDependencies); `undefined` where not installed. */
export const binaries = {
  node: process.execPath,
  bun: [join(modules, "@oven/bun-linux-x64/bin/bun")].find(existsSync),
  deno: [join(modules, "@deno/linux-x64-glibc/deno")].find(existsSync),
  workerd: [join(modules, "@cloudflare/workerd-linux-64/bin/workerd")].find(existsSync),
} as const

const files = (dir: string): Array<string> =>
  readdirSync(dir, { recursive: true, encoding: "utf8" })
    .map((file) => join(dir, file))
    .filter((file) => statSync(file).isFile())

/**
 * Builds dist/ when it is missing or older than src/ (`npm test` has just
 * built it, so then nothing is done). tsc writes over the old files rather
 * than `npm run build`'s `rm -rf dist`, so a test reading dist/ meanwhile never
 * finds it gone.
 */
export const ensureBuilt = (): "fresh" | "built" => {
  const dist = join(root, "dist")
  const built = existsSync(join(dist, "promise/index.js")) ? files(dist).filter((f) => f.endsWith(".js")) : []
  const oldestBuilt = Math.min(...built.map((f) => statSync(f).mtimeMs))
  const newestSource = Math.max(...files(join(root, "src")).map((f) => statSync(f).mtimeMs))
  if (built.length > 0 && oldestBuilt >= newestSource) return "fresh"
  const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc")
  execFileSync(process.execPath, [tsc, "-p", "tsconfig.build.json"], { cwd: root, timeout: 120_000, stdio: "pipe" })
  return "built"
}

/**
 * Bundles `entry` (relative to the root) into `.out/<outfile>`; returns the
 * files that went in, relative to the root.
 *
 * - `"packages-external"`, for Node, Bun and Deno: only this directory's own
 *   modules are bundled; every package import stays, to be resolved by the
 *   runtime.
 * - `"worker"`, for workerd: everything in one ES module, packages resolved
 *   with the `worker` and `browser` conditions, as wrangler does.
 *
 * esbuild is given an empty tsconfig: the repository's maps the package's own
 * name to src/ (for vitest and tsx), and what runs here must be dist/.
 */
export const bundle = async (
  entry: string,
  outfile: string,
  kind: "packages-external" | "worker",
): Promise<ReadonlyArray<string>> => {
  const result = await esbuild.build({
    absWorkingDir: root,
    entryPoints: [entry],
    outfile: join(outDir, outfile),
    bundle: true,
    format: "esm",
    target: "es2022",
    metafile: true,
    logLevel: "silent",
    tsconfigRaw: {},
    ...(kind === "worker"
      ? { platform: "neutral", conditions: ["worker", "browser"], mainFields: ["module", "main"] }
      : { platform: "node", packages: "external" }),
  })
  return Object.keys(result.metafile.inputs)
}

/** Creates `.out/` and what the runtimes need in it. */
export const prepareOutDir = (): void => {
  mkdirSync(outDir, { recursive: true })
  // Bun applies the nearest tsconfig's `paths` even to plain .mjs files, which
  // would send the package's own name to src/; this empty one replaces it.
  writeFileSync(join(outDir, "tsconfig.json"), "{}\n")
}

export type ScriptRuntime = "node" | "bun" | "deno"

/** The command line that runs `script` (a file in `.out/`) in a runtime, or `undefined` if it is not installed. */
export const commandFor = (
  runtime: ScriptRuntime,
  script: string,
): { command: string; args: Array<string>; env: Record<string, string> } | undefined => {
  const file = join(outDir, script)
  switch (runtime) {
    case "node":
      return { command: binaries.node, args: [file], env: {} }
    case "bun":
      return binaries.bun === undefined
        ? undefined
        : {
            command: binaries.bun,
            args: ["--no-install", `--tsconfig-override=${join(outDir, "tsconfig.json")}`, file],
            env: {},
          }
    case "deno":
      // No permission flags: importing modules needs none, and the checks
      // read no file, no environment variable and no network (--deny-net).
      return binaries.deno === undefined
        ? undefined
        : {
            command: binaries.deno,
            args: ["run", "--no-prompt", "--no-lock", "--node-modules-dir=manual", "--deny-net", file],
            env: { DENO_NO_UPDATE_CHECK: "1" },
          }
  }
}

/** Runs a script to its end with `args` appended; resolves to its stdout. Killed at the deadline. */
export const runScript = (
  runtime: ScriptRuntime,
  script: string,
  args: ReadonlyArray<string>,
  timeoutMs: number,
): Promise<string> => {
  const command = commandFor(runtime, script)
  if (command === undefined) return Promise.reject(new Error(`${runtime} is not installed`))
  return new Promise((resolve, reject) => {
    execFile(
      command.command,
      [...command.args, ...args],
      {
        cwd: root,
        env: { ...process.env, NO_COLOR: "1", ...command.env },
        timeout: timeoutMs,
        killSignal: "SIGKILL",
        maxBuffer: 16 * 1024 * 1024,
      },
      (error, stdout, stderr) => {
        if (error) reject(new Error(`${runtime} ${script}: ${error.message}\n${stderr}`))
        else resolve(stdout)
      },
    )
  })
}

/**
 * A compatibility date this workerd supports. From 2026-08-04 on, Node.js
 * compatibility (`nodejs_compat_v2`) is on by default: a Worker with no flags
 * has `process.getBuiltinModule("node:crypto")`, and only `no_nodejs_compat_v2`
 * turns it off (`no_nodejs_compat` alone does not).
 */
export const COMPATIBILITY_DATE = "2026-11-01"

/** One Worker in the workerd process, on its own socket. */
export interface WorkerSpec {
  /** Letters, digits and dashes: it names the service and the socket. */
  readonly name: string
  readonly compatibilityDate: string
  readonly compatibilityFlags: ReadonlyArray<string>
}

export interface Workerd {
  readonly pid: number
  /** `http://127.0.0.1:<port>` by worker name. */
  readonly urls: Readonly<Record<string, string>>
  /** The last of what workerd printed. */
  readonly output: () => string
  /** Stops the process (SIGTERM, then SIGKILL after 3 s). */
  readonly stop: () => Promise<void>
}

const capnp = (module: string, workers: ReadonlyArray<WorkerSpec>): string => {
  const quote = (s: string) => JSON.stringify(s)
  const lines = [
    `using Workerd = import "/workerd/workerd.capnp";`,
    "",
    "const config :Workerd.Config = (",
    `  services = [${workers.map((w, i) => `(name = ${quote(w.name)}, worker = .w${i})`).join(", ")}],`,
    "  sockets = [",
    ...workers.map(
      (w) => `    (name = ${quote(w.name)}, address = "127.0.0.1:0", http = (), service = ${quote(w.name)}),`,
    ),
    "  ],",
    ");",
    "",
    ...workers.map(
      (w, i) =>
        `const w${i} :Workerd.Worker = (\n` +
        `  modules = [(name = "worker.mjs", esModule = embed ${quote(module)})],\n` +
        `  compatibilityDate = ${quote(w.compatibilityDate)},\n` +
        `  compatibilityFlags = [${w.compatibilityFlags.map(quote).join(", ")}],\n` +
        ");",
    ),
  ]
  return `${lines.join("\n")}\n`
}

/**
 * Starts `workerd serve` with one Worker per spec, all running `module` (a
 * bundle in `.out/`), each on a free port of 127.0.0.1. The ports are read
 * from workerd's control descriptor (`--control-fd`), which reports each
 * socket once it listens: no port is guessed, nothing is polled.
 */
export const startWorkerd = (
  module: string,
  workers: ReadonlyArray<WorkerSpec>,
  options: { readonly config: string; readonly timeoutMs?: number },
): Promise<Workerd> => {
  const workerd = binaries.workerd
  if (workerd === undefined) return Promise.reject(new Error("workerd is not installed"))
  for (const w of workers) if (!/^[a-z0-9-]+$/.test(w.name)) throw new Error(`bad worker name: ${w.name}`)
  const config = join(outDir, options.config)
  writeFileSync(config, capnp(module, workers))

  const child: ChildProcess = spawn(workerd, ["serve", "--control-fd=3", config], {
    cwd: outDir,
    stdio: ["ignore", "pipe", "pipe", "pipe"],
  })
  let printed = ""
  const keep = (chunk: Buffer) => {
    printed = (printed + chunk.toString()).slice(-8000)
  }
  child.stdout?.on("data", keep)
  child.stderr?.on("data", keep)
  const killOnExit = () => child.kill("SIGKILL")
  process.once("exit", killOnExit)

  const stop = () =>
    new Promise<void>((resolve) => {
      process.removeListener("exit", killOnExit)
      if (child.exitCode !== null || child.signalCode !== null) return resolve()
      const force = setTimeout(() => child.kill("SIGKILL"), 3000)
      child.once("exit", () => {
        clearTimeout(force)
        resolve()
      })
      child.kill("SIGTERM")
    })

  return new Promise<Workerd>((resolve, reject) => {
    const urls: Record<string, string> = {}
    let control = ""
    const fail = (message: string) => {
      clearTimeout(deadline)
      void stop().then(() => reject(new Error(`workerd: ${message}\n${printed}`)))
    }
    const deadline = setTimeout(() => fail("not listening in time"), options.timeoutMs ?? 15_000)
    child.once("exit", (code, signal) => fail(`exited (${code ?? signal}) before listening`))
    child.once("error", (error) => fail(error.message))
    const fd = child.stdio[3] as NodeJS.ReadableStream
    fd.on("data", (chunk: Buffer) => {
      control += chunk.toString()
      const lines = control.split("\n")
      control = lines.pop() ?? ""
      for (const line of lines) {
        const event = JSON.parse(line) as { event?: string; socket?: string; port?: number }
        if (event.event === "listen" && event.socket && event.port)
          urls[event.socket] = `http://127.0.0.1:${event.port}`
      }
      if (workers.every((w) => urls[w.name] !== undefined)) {
        clearTimeout(deadline)
        child.removeAllListeners("exit")
        resolve({ pid: child.pid ?? -1, urls, output: () => printed, stop })
      }
    })
  })
}
