import { type ChildProcess, spawn, spawnSync } from "node:child_process"
import { Socket } from "node:net"
import { freePort } from "./net.js"

/** Where Debian (and CI) install it. */
const binary = process.env.REDIS_SERVER ?? "redis-server"

/**
 * Whether `redis-server` can run here. Missing, the Redis tests are skipped
 * with a warning on a workstation and fail under `CI`, where it is installed.
 */
export const redisServerAvailable = (): boolean => {
  const probe = spawnSync(binary, ["--version"], { encoding: "utf8" })
  if (probe.status === 0) return true
  const message = `redis-server was not found (${binary}): install it (apt-get install redis-server) to run the Redis tests.`
  if (process.env.CI) throw new Error(message)
  console.warn(`${message} Skipping them.`)
  return false
}

/** Sends PING over a raw socket and resolves whether `+PONG` came back. */
const ping = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = new Socket()
    const done = (ok: boolean) => {
      socket.destroy()
      resolve(ok)
    }
    socket.setTimeout(200, () => done(false))
    socket.once("error", () => done(false))
    socket.once("data", (data) => done(data.toString().startsWith("+PONG")))
    socket.connect(port, "127.0.0.1", () => socket.write("PING\r\n"))
  })

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/**
 * A `redis-server` of its own on a free loopback port, without persistence.
 * `stop` kills it by pid (SIGKILL: Redis gone, as in a crash); `start` brings
 * a fresh one up on the same port. Call `stop` in `afterAll`; should the test
 * process exit without it, the server is killed on exit too.
 */
export interface RedisServer {
  readonly port: number
  readonly url: string
  readonly start: () => Promise<void>
  readonly stop: () => Promise<void>
  /** SIGSTOP: the server keeps its connections but answers nothing, until `resume`. */
  readonly pause: () => void
  readonly resume: () => void
}

export const startRedisServer = async (): Promise<RedisServer> => {
  const port = await freePort()
  let child: ChildProcess | undefined
  let output = ""

  const stop = async () => {
    const running = child
    child = undefined
    if (running?.pid === undefined || running.exitCode !== null || running.signalCode !== null) return
    const exited = new Promise<void>((resolve) => running.once("exit", () => resolve()))
    process.kill(running.pid, "SIGKILL")
    await exited
  }

  const start = async () => {
    if (child !== undefined) return
    output = ""
    const started = spawn(
      binary,
      ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--loglevel", "warning"],
      { stdio: ["ignore", "pipe", "pipe"] },
    )
    child = started
    started.stdout?.on("data", (chunk: Buffer) => {
      output += chunk.toString()
    })
    started.stderr?.on("data", (chunk: Buffer) => {
      output += chunk.toString()
    })
    const deadline = Date.now() + 5_000
    while (Date.now() < deadline) {
      if (started.exitCode !== null) break
      if (await ping(port)) return
      await sleep(20)
    }
    await stop()
    throw new Error(`redis-server did not answer PING on port ${port} within 5 s:\n${output}`)
  }

  const signal = (name: NodeJS.Signals) => {
    if (child?.pid !== undefined && child.exitCode === null) process.kill(child.pid, name)
  }
  process.once("exit", () => signal("SIGKILL"))

  await start()
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    start,
    stop,
    pause: () => signal("SIGSTOP"),
    resume: () => signal("SIGCONT"),
  }
}
