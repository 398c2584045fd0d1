/**
 * The example app (`examples/app/main.ts`, what `npm start` runs) in a child
 * process on a free loopback port, with the environment a test gives it and
 * none of the developer's own session settings.
 *
 * It runs as `node --import tsx`, one process, rather than through the `tsx`
 * command, which runs the app in a second process of its own: a test that
 * kills the app by its pid then kills the app.
 */
import { type ChildProcess, spawn } from "node:child_process"

const root = new URL("../../", import.meta.url)

/** Settings the app reads; a test's run starts from none of them, whatever the shell has. */
const settings = [
  "SESSION_PASSWORD",
  "REDIS_URL",
  "SESSION_IDLE",
  "SESSION_ABSOLUTE",
  "SESSION_REFRESH",
  "SESSION_FRESH",
  "COOKIE_SECURE",
  "NODE_ENV",
  "PORT",
]

const spawnApp = (env: Readonly<Record<string, string>>): ChildProcess => {
  const base: NodeJS.ProcessEnv = { ...process.env }
  for (const name of settings) delete base[name]
  return spawn(process.execPath, ["--import", "tsx", "examples/app/main.ts"], {
    cwd: root,
    env: { ...base, PORT: "0", NODE_ENV: "development", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  })
}

export interface ExampleApp {
  /** `http://127.0.0.1:<port>` */
  readonly url: string
  /** Everything it printed so far, stdout and stderr interleaved. */
  readonly output: () => string
  /** Kills it (by its pid) and waits for it to exit. */
  readonly stop: () => Promise<void>
}

/** Starts the app and resolves once it logs its address; rejects with its output if it exits or is silent for `timeoutMs`. */
export const startExampleApp = (env: Readonly<Record<string, string>> = {}, timeoutMs = 30_000) =>
  new Promise<ExampleApp>((resolve, reject) => {
    const child = spawnApp(env)
    let out = ""
    let listening = false
    const exited = new Promise<void>((done) => child.once("exit", () => done()))
    const stop = async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL")
      await exited
    }
    const timer = setTimeout(() => {
      void stop()
      reject(new Error(`the example app did not start within ${timeoutMs} ms:\n${out}`))
    }, timeoutMs)
    const onData = (chunk: Buffer) => {
      out += chunk.toString()
      const match = out.match(/Listening on (http:\/\/127\.0\.0\.1:\d+)/)
      if (match?.[1] && !listening) {
        listening = true
        clearTimeout(timer)
        resolve({ url: match[1], output: () => out, stop })
      }
    }
    child.stdout?.on("data", onData)
    child.stderr?.on("data", onData)
    child.once("exit", (code) => {
      clearTimeout(timer)
      if (!listening) reject(new Error(`the example app exited with ${code} before it listened:\n${out}`))
    })
  })

/** Runs the app until it exits (expected: it refuses to start), or kills it after `timeoutMs` (`code` then `null`). */
export const runExampleAppToExit = (env: Readonly<Record<string, string>>, timeoutMs = 30_000) =>
  new Promise<{ readonly code: number | null; readonly output: string }>((resolve) => {
    const child = spawnApp(env)
    let out = ""
    const onData = (chunk: Buffer) => {
      out += chunk.toString()
    }
    child.stdout?.on("data", onData)
    child.stderr?.on("data", onData)
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs)
    child.once("exit", (code) => {
      clearTimeout(timer)
      resolve({ code, output: out })
    })
  })
