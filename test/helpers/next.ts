/**
 * The Next.js example (`examples/next`) as a user runs it: the package built
 * into `dist/`, `next build`, then `next start` on 127.0.0.1. The same steps
 * run any other app with a `next` of its own (`test/install-next.test.ts`).
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process"
import { createHash } from "node:crypto"
import { existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs"
import { createRequire } from "node:module"
import { join, relative } from "node:path"
import { fileURLToPath } from "node:url"

export const root = fileURLToPath(new URL("../../", import.meta.url))
export const appDir = join(root, "examples/next")
const nextBin = createRequire(import.meta.url).resolve("next/dist/bin/next")

/** A Next.js app: its folder, the `next` it runs with, and a path that answers once it is up. */
export interface NextApp {
  readonly dir: string
  readonly bin: string
  readonly probe: string
}

const example: NextApp = { dir: appDir, bin: nextBin, probe: "/api/session" }

/** An app in `dir` with its own `next` installed, up once `probe` answers. */
export const nextAppIn = (dir: string, probe: string): NextApp => ({
  dir,
  bin: createRequire(join(dir, "package.json")).resolve("next/dist/bin/next"),
  probe,
})

/**
 * Newest modification time of `path` and everything under it. Directories
 * count too: removing or renaming a file changes only its directory's time.
 */
const newest = (path: string, skip: ReadonlySet<string> = new Set()): number => {
  const stat = statSync(path)
  if (!stat.isDirectory()) return stat.mtimeMs
  let time = stat.mtimeMs
  for (const entry of readdirSync(path)) {
    if (!skip.has(entry)) time = Math.max(time, newest(join(path, entry), skip))
  }
  return time
}

/**
 * The example imports `effect-iron-session/promise`, which resolves through
 * the package's `exports` to `dist/`. `npm test` builds it first; a test run
 * on its own rebuilds it when `src/` is newer, rather than test stale code.
 */
export const ensurePackageBuilt = (): void => {
  const entry = join(root, "dist/promise/index.js")
  if (existsSync(entry) && statSync(entry).mtimeMs >= newest(join(root, "src"))) return
  execFileSync("npm", ["run", "build"], { cwd: root, stdio: "pipe" })
}

/** Every file under `path` but the names in `skip`, build info and docs. */
const filesUnder = (path: string, skip: ReadonlySet<string>): Array<string> =>
  statSync(path).isDirectory()
    ? readdirSync(path)
        .filter((entry) => !skip.has(entry) && !entry.endsWith(".tsbuildinfo") && !entry.endsWith(".md"))
        .sort()
        .flatMap((entry) => filesUnder(join(path, entry), skip))
    : [path]

/**
 * What a `next build` of the example depends on: its sources, the package's
 * `dist/` and the lock file, by content (`npm test` rebuilds `dist/` every
 * time, with new times and the same bytes).
 */
const buildInputs = (): string => {
  const hash = createHash("sha256")
  const files = [
    ...filesUnder(appDir, new Set([".next", "next-env.d.ts"])),
    ...filesUnder(join(root, "dist"), new Set()),
    join(root, "package-lock.json"),
  ]
  for (const file of files) hash.update(`${relative(root, file)}\0`).update(readFileSync(file))
  return hash.digest("hex")
}

/** Written after a successful `next build`: the hash of the inputs it was built from. */
const marker = join(appDir, ".next/e2e-build-inputs")

/** The environment Next runs in: without vitest's `NODE_ENV=test`, and without telemetry. */
const nextEnv = (extra: Record<string, string | undefined>): NodeJS.ProcessEnv => {
  const { NODE_ENV: _, ...inherited } = process.env
  const env: Record<string, string | undefined> = { ...inherited, NEXT_TELEMETRY_DISABLED: "1", ...extra }
  // `next`'s global types declare NODE_ENV required; a build must run without it.
  return Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined)) as NodeJS.ProcessEnv
}

const run = (args: ReadonlyArray<string>, env: NodeJS.ProcessEnv, app: NextApp = example) =>
  new Promise<string>((resolve, reject) => {
    const child = spawn(process.execPath, [app.bin, ...args], { cwd: app.dir, env })
    let out = ""
    child.stdout.on("data", (chunk: Buffer) => {
      out += chunk.toString()
    })
    child.stderr.on("data", (chunk: Buffer) => {
      out += chunk.toString()
    })
    child.on("error", reject)
    child.on("exit", (code) =>
      code === 0 ? resolve(out) : reject(new Error(`next ${args.join(" ")} exited with ${code}:\n${out}`)),
    )
  })

/**
 * `next build`, once: skipped when the last complete build was made from the
 * same inputs (`NEXT_E2E_REBUILD=1` forces it). Builds without
 * `SESSION_PASSWORD`: the app reads it at run time. Returns how long the
 * build took, 0 when the last one was reused.
 */
export const buildApp = async (): Promise<number> => {
  const inputs = buildInputs()
  const previous = existsSync(marker) ? readFileSync(marker, "utf8") : undefined
  if (process.env.NEXT_E2E_REBUILD !== "1" && previous === inputs) return 0
  rmSync(marker, { force: true })
  const started = performance.now()
  await run(["build"], nextEnv({ SESSION_PASSWORD: undefined }))
  writeFileSync(marker, inputs)
  return performance.now() - started
}

/** `next build` of `app`, every time; what it printed. */
export const buildNextApp = (app: NextApp, env: Record<string, string | undefined> = {}): Promise<string> =>
  run(["build"], nextEnv(env), app)

export interface NextServer {
  readonly url: string
  readonly child: ChildProcess
  /** Everything the server printed so far. */
  readonly output: () => string
  readonly stop: () => Promise<void>
}

const running = new Set<ChildProcess>()

// A server left behind by a crashed test run would hold its port and the CPU.
// (`next start` is one process; it stays in the test's process group, so a
// Ctrl-C in the terminal reaches it too.)
process.on("exit", () => {
  for (const child of running) kill(child, "SIGKILL")
})

const kill = (child: ChildProcess, signal: NodeJS.Signals) => {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return
  try {
    process.kill(child.pid, signal)
  } catch {
    // Already gone.
  }
}

const exited = (child: ChildProcess, ms: number) =>
  new Promise<boolean>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve(true)
    const timer = setTimeout(() => resolve(false), ms)
    child.once("exit", () => {
      clearTimeout(timer)
      resolve(true)
    })
  })

/** Stops a server by its pid: SIGTERM, then SIGKILL if it lingers. */
export const stopServer = async (child: ChildProcess): Promise<void> => {
  kill(child, "SIGTERM")
  if (!(await exited(child, 5_000))) {
    kill(child, "SIGKILL")
    await exited(child, 5_000)
  }
  running.delete(child)
}

/**
 * `next start -H 127.0.0.1 -p 0`: the OS picks a free port and Next prints it,
 * so there is no race for a port. Ready once a request gets an answer.
 */
export const startApp = (
  env: Record<string, string | undefined>,
  timeoutMs = 30_000,
  app: NextApp = example,
): Promise<NextServer> =>
  new Promise<NextServer>((resolve, reject) => {
    const child = spawn(process.execPath, [app.bin, "start", "-H", "127.0.0.1", "-p", "0"], {
      cwd: app.dir,
      env: nextEnv({ NODE_ENV: "production", ...env }),
    })
    running.add(child)
    let out = ""
    let url: string | undefined
    let settled = false
    const output = () => out
    const fail = (error: Error) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      stopServer(child).finally(() => reject(error))
    }
    const timer = setTimeout(() => fail(new Error(`next start was not ready in ${timeoutMs} ms:\n${out}`)), timeoutMs)
    const poll = async (base: string) => {
      while (!settled) {
        try {
          await fetch(`${base}${app.probe}`)
        } catch {
          await new Promise((r) => setTimeout(r, 100))
          continue
        }
        if (settled) return
        settled = true
        clearTimeout(timer)
        return resolve({ url: base, child, output, stop: () => stopServer(child) })
      }
    }
    const onData = (chunk: Buffer) => {
      out += chunk.toString()
      const match = url === undefined ? out.match(/Local:\s+(http:\/\/127\.0\.0\.1:\d+)/) : null
      if (match?.[1]) {
        url = match[1]
        void poll(url)
      }
    }
    child.stdout.on("data", onData)
    child.stderr.on("data", onData)
    child.on("error", fail)
    child.on("exit", (code, signal) => {
      running.delete(child)
      fail(new Error(`next start exited (${code ?? signal}) before it was ready:\n${out}`))
    })
  })

/**
 * Starts the server and waits for it to exit on its own, for a start-up that
 * must fail. Returns its exit code and output; a server still up after
 * `timeoutMs` is stopped, and reported with code `null`.
 */
export const startAppExpectingExit = async (
  env: Record<string, string | undefined>,
  timeoutMs = 20_000,
): Promise<{ code: number | null; output: string }> => {
  const child = spawn(process.execPath, [nextBin, "start", "-H", "127.0.0.1", "-p", "0"], {
    cwd: appDir,
    env: nextEnv({ NODE_ENV: "production", ...env }),
  })
  running.add(child)
  let out = ""
  child.stdout.on("data", (chunk: Buffer) => {
    out += chunk.toString()
  })
  child.stderr.on("data", (chunk: Buffer) => {
    out += chunk.toString()
  })
  if (!(await exited(child, timeoutMs))) {
    await stopServer(child)
    return { code: null, output: out }
  }
  running.delete(child)
  return { code: child.exitCode, output: out }
}
