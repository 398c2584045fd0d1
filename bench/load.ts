/**
 * 5. Loopback load: autocannon (as a library, in this process) against three
 * `node:http` servers, each in its own child process: the facade,
 * iron-session and the floor, each request reading the session, counting a
 * visit and saving it, with a different cookie from a pool on every request.
 * The servers take turns, in a new order each round; each run is bounded.
 */
import { type ChildProcess, spawn } from "node:child_process"
import { join } from "node:path"
import autocannon from "autocannon"
import { heading, int, printTable, type Report, type Settings, times } from "./common.js"
import { splitSetCookie } from "./crosscheck.js"
import { COOKIE_NAME, cookieHeader, PAYLOAD } from "./fixtures.js"
import { sealFloor, unsealFloor } from "./floor.js"
import { paired, seededRandom, shuffled, spreadOf } from "./harness.js"
import { describeSource, ROOT } from "./lib.js"

const SERVERS = ["facade", "iron-session", "floor"] as const
type ServerName = (typeof SERVERS)[number]

interface Server {
  readonly name: ServerName
  readonly child: ChildProcess
  readonly url: string
}

const start = (name: ServerName): Promise<Server> =>
  new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", join(ROOT, "bench/load-server.ts"), name], {
      cwd: ROOT,
      env: process.env,
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    })
    const timer = setTimeout(() => reject(new Error(`the ${name} server did not start within 60 s`)), 60_000)
    child.once("message", (m: { port: number }) => {
      clearTimeout(timer)
      resolve({ name, child, url: `http://127.0.0.1:${m.port}/` })
    })
    child.once("exit", (code) => reject(new Error(`the ${name} server exited (${code}) before listening`)))
  })

/** Stops a server by its pid, and waits for it to be gone. */
const stop = (server: Server): Promise<void> =>
  new Promise((resolve) => {
    if (server.child.exitCode !== null || server.child.pid === undefined) return resolve()
    server.child.once("exit", () => resolve())
    process.kill(server.child.pid, "SIGTERM")
  })

/** One request by hand: the server answers 18 and writes a cookie the floor opens to the counted payload. */
const verify = async (server: Server): Promise<void> => {
  const response = await fetch(server.url, { headers: { cookie: cookieHeader(sealFloor(PAYLOAD)) } })
  const body = await response.text()
  const { name, value } = splitSetCookie(response.headers.getSetCookie()[0] ?? "")
  const data = unsealFloor(value) as { visits?: number }
  if (response.status !== 200 || body !== "18" || name !== COOKIE_NAME || data.visits !== 18) {
    throw new Error(
      `the ${server.name} server answered ${response.status} ${JSON.stringify(body)}, visits ${data.visits}`,
    )
  }
}

interface Run {
  readonly reqPerSec: number
  readonly p50: number
  readonly p99: number
  readonly failures: number
}

const load = async (
  server: Server,
  seconds: number,
  connections: number,
  pool: ReadonlyArray<string>,
): Promise<Run> => {
  let next = 0
  const result = await autocannon({
    url: server.url,
    connections,
    duration: seconds,
    pipelining: 1,
    timeout: 10,
    requests: [
      {
        method: "GET",
        path: "/",
        setupRequest: (request) => ({
          ...request,
          headers: { ...request.headers, cookie: pool[next++ % pool.length]! },
        }),
      },
    ],
  })
  return {
    reqPerSec: result.requests.total / result.duration,
    p50: result.latency.p50,
    p99: result.latency.p99,
    failures: result.errors + result.timeouts + result.non2xx,
  }
}

export const run = async (settings: Settings, report: Report): Promise<void> => {
  const { seconds, warmupSeconds, rounds, connections } = settings.load
  heading("5. Loopback load (autocannon → node:http, read + count + save)", [
    `library: ${describeSource()}`,
    `${connections} connections, ${seconds} s per run after ${warmupSeconds} s of warm-up, ${rounds} round(s) in a new order each; ${settings.pool} distinct cookies; servers in child processes on 127.0.0.1`,
    "the load generator and the servers share this machine's cores: figures are relative, not capacity",
  ])
  const pool = Array.from({ length: settings.pool }, () => cookieHeader(sealFloor(PAYLOAD)))
  const servers: Server[] = []
  try {
    for (const name of SERVERS) servers.push(await start(name))
    for (const server of servers) await verify(server)
    console.log("cross-check: ok (each server answers 18 and writes a cookie the floor opens)")
    for (const server of servers) await load(server, warmupSeconds, connections, pool)

    const runs = new Map<ServerName, Run[]>(SERVERS.map((name) => [name, []]))
    const random = seededRandom()
    for (let round = 0; round < rounds; round++) {
      for (const index of shuffled(servers.length, random)) {
        const server = servers[index]!
        const result = await load(server, seconds, connections, pool)
        runs.get(server.name)!.push(result)
        console.log(
          `  round ${round + 1}/${rounds} ${server.name}: ${int(result.reqPerSec)} req/s, p50 ${result.p50} ms, p99 ${result.p99} ms${result.failures > 0 ? `, ${result.failures} failed` : ""}`,
        )
      }
    }

    const rps = (name: ServerName) => runs.get(name)!.map((r) => r.reqPerSec)
    const vs = (a: ServerName, b: ServerName) => paired(rps(a), rps(b), (x, y) => x / y)
    console.log("")
    printTable(
      [
        [
          "server",
          "req/s, median (min–max)",
          "p50 ms",
          "p99 ms",
          "failed",
          "× floor's req/s",
          "× iron-session's req/s",
        ],
        ...SERVERS.map((name) => {
          const r = runs.get(name)!
          const s = spreadOf(rps(name))
          return [
            name,
            `${int(s.median)} (${int(s.min)}–${int(s.max)})`,
            String(spreadOf(r.map((x) => x.p50)).median),
            String(spreadOf(r.map((x) => x.p99)).median),
            String(r.reduce((n, x) => n + x.failures, 0)),
            times(vs(name, "floor")),
            times(vs(name, "iron-session")),
          ]
        }),
      ],
      [false, true, true, true, true, true, true],
    )
    const failures = [...runs.values()].flat().reduce((n, r) => n + r.failures, 0)
    if (failures > 0) console.log(`WARNING: ${failures} requests failed (errors, timeouts or non-2xx): see the table`)

    const facade = spreadOf(rps("facade")).median
    report.ratio(
      "load: facade req/s vs floor",
      vs("facade", "floor"),
      ">=",
      0.6,
      `${int(facade)} vs ${int(spreadOf(rps("floor")).median)} req/s`,
    )
    report.ratio(
      "load: facade req/s vs iron-session",
      vs("facade", "iron-session"),
      ">=",
      3,
      `${int(facade)} vs ${int(spreadOf(rps("iron-session")).median)} req/s`,
    )
  } finally {
    await Promise.all(servers.map(stop))
  }
}
