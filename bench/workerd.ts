/**
 * iron-session 9 against the Promise facade inside workerd (Cloudflare's
 * Workers runtime), with and without Node.js compatibility.
 *
 *   npx tsx bench/workerd.ts                          # about 25 s
 *   npx tsx bench/workerd.ts --rounds=30 --batch-ms=100
 *
 * How it measures:
 *
 * - One workerd process runs the same bundle (bench/workerd-worker.ts, the
 *   package from dist/, built first if stale) as two Workers: `nodejs_compat`
 *   (where the library finds `node:crypto` through `process.getBuiltinModule`)
 *   and `no_nodejs_compat_v2` (Web Crypto only). Each Worker holds both
 *   libraries, so every ratio compares calls made in the same isolate.
 * - The Worker times itself with `performance.now()`. workerd's clock moves in
 *   whole milliseconds, so nothing is timed call by call: a case runs as a batch
 *   of n calls in a row (each awaited: one call in flight), n chosen during a
 *   warm-up so that a batch takes about `--batch-ms` (50 ms by default; the
 *   1 ms step is then at most 2% of a batch). The run prints the step it found.
 * - Each batch is one request, and the driver also reads workerd's CPU time
 *   around it (all its threads, from /proc/<pid>/task/<tid>/schedstat, in ns),
 *   less the CPU of an empty request (measured in every round like a case).
 *   The Worker's clock is wall time: on a busy shared machine it includes the
 *   time workerd waited for a core. CPU time does not, and is the steadier
 *   figure there; on a quiet machine the two agree.
 * - Rounds interleave everything: each round visits both Workers in a random
 *   order and runs one batch of every case in a new random order (fixed seed),
 *   so drift and load spread over all cases. A first round is discarded.
 * - Per case: the median µs per call over the rounds, and the middle half of
 *   the rounds (25th to 75th percentile) as the spread. Ratios are against
 *   iron-session in the same Worker: the median over rounds of iron-session's
 *   µs over ours in the same round (paired, so a slow round slows both).
 * - Unseal cases cycle through 2048 seals each library made beforehand (more than
 *   the facade's hot-cookie cache holds, so every call opens a seal); the
 *   "same seal" cases reopen one seal every call (the hot path of a site whose
 *   visitor sends the same cookie again). `runtime.runPromise(Effect.void)` is
 *   the cost of one Effect run on a ManagedRuntime built once, for reference.
 * - Before anything is timed, each library opens the other's seal. The machine's
 *   load (`uptime`) is printed before and after the run: on a shared machine,
 *   compare ratios within one run, not µs across runs.
 */
import { execFileSync } from "node:child_process"
import { readdirSync, readFileSync } from "node:fs"
import * as os from "node:os"
import { bundle, COMPATIBILITY_DATE, ensureBuilt, prepareOutDir, startWorkerd } from "../test/runtimes/launch.js"
import { PASSWORD, PAYLOAD } from "./fixtures.js"

const arg = (name: string, fallback: number): number => {
  const found = process.argv.find((a) => a.startsWith(`--${name}=`))
  return found === undefined ? fallback : Number(found.slice(name.length + 3))
}
const rounds = arg("rounds", 15)
const batchMs = arg("batch-ms", 50)

const workers = [
  { name: "nodejs-compat", compatibilityDate: COMPATIBILITY_DATE, compatibilityFlags: ["nodejs_compat"] },
  { name: "no-nodejs-compat", compatibilityDate: COMPATIBILITY_DATE, compatibilityFlags: ["no_nodejs_compat_v2"] },
] as const

/** mulberry32: a fixed seed, so every run shuffles the same way. */
const random = (() => {
  let seed = 0x5eed
  return () => {
    seed = (seed + 0x6d2b79f5) | 0
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
})()
const shuffled = <A>(xs: ReadonlyArray<A>): Array<A> => {
  const out = [...xs]
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1))
    ;[out[i], out[j]] = [out[j]!, out[i]!]
  }
  return out
}
/** The q-quantile, interpolated between the closest ranks. */
const quantile = (xs: ReadonlyArray<number>, q: number): number => {
  const s = [...xs].sort((a, b) => a - b)
  const at = (s.length - 1) * q
  const lo = Math.floor(at)
  return s[lo]! + (s[Math.min(lo + 1, s.length - 1)]! - s[lo]!) * (at - lo)
}
const median = (xs: ReadonlyArray<number>): number => quantile(xs, 0.5)

const post = async <A>(url: string, body: unknown): Promise<A> => {
  const response = await fetch(url, { method: "POST", body: JSON.stringify(body), signal: AbortSignal.timeout(60_000) })
  if (!response.ok) throw new Error(`${url}: ${response.status} ${await response.text()}`)
  return (await response.json()) as A
}

interface Setup {
  runtime: string
  backend: unknown
  crossCheck: Record<string, boolean>
  clockStepMs: number
  cases: Array<string>
}
type Batch = { name: string; n: number; ms: number }

const uptime = () => {
  try {
    return execFileSync("uptime", { encoding: "utf8" }).trim()
  } catch {
    return `load average: ${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(", ")}`
  }
}

/**
 * CPU time of every thread of a process, in ns, from Linux's
 * `/proc/<pid>/task/<tid>/schedstat`; `undefined` where that is not available.
 */
const cpuNs = (pid: number): number | undefined => {
  try {
    let ns = 0
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      ns += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, "utf8").split(" ")[0])
    }
    return ns
  } catch {
    return undefined
  }
}

/** iron-session's time over ours: above 1, ours is faster. */
const ratio = (r: number) => (r >= 1 ? `${r.toFixed(2)}× faster` : `${(1 / r).toFixed(2)}× slower`)

const fmt = (us: number) => (us >= 100 ? us.toFixed(0) : us >= 10 ? us.toFixed(1) : us.toFixed(2))

const main = async () => {
  console.log(`\neffect-iron-session in workerd: iron-session 9 and the Promise facade, in the same Worker`)
  console.log(`before: ${uptime()}`)
  console.log(
    `node ${process.version}, ${os.cpus()[0]?.model ?? "?"} × ${os.cpus().length}, ${new Date().toISOString()}`,
  )
  console.log(`dist: ${ensureBuilt()}`)
  prepareOutDir()
  const inputs = await bundle("bench/workerd-worker.ts", "bench-worker.mjs", "worker")
  console.log(`library: ${inputs.filter((f) => f.startsWith("dist/promise/") || f.startsWith("src/")).join(", ")}`)

  const server = await startWorkerd("bench-worker.mjs", workers, { config: "bench.capnp" })
  try {
    const setups = new Map<string, Setup>()
    for (const w of workers) {
      const setup = await post<Setup>(`${server.urls[w.name]}/setup`, { password: PASSWORD, payload: PAYLOAD })
      if (!Object.values(setup.crossCheck).every(Boolean)) throw new Error(`${w.name}: cross-check failed`)
      setups.set(w.name, setup)
      console.log(
        `workerd ${w.name} (compatibility_date ${w.compatibilityDate}, flags [${w.compatibilityFlags.join(", ")}]): ` +
          `${setup.runtime}, backend ${JSON.stringify(setup.backend)}, clock step ${setup.clockStepMs} ms`,
      )
    }
    const cases = setups.get(workers[0].name)!.cases

    // Warm-up and batch sizes, per Worker and case: the larger of two
    // calibrations, so one disturbed calibration does not shrink the batches.
    const sizes = new Map<string, number>()
    for (let pass = 0; pass < 2; pass++) {
      for (const w of workers) {
        for (const name of cases) {
          const { n } = await post<{ n: number }>(`${server.urls[w.name]}/calibrate`, { name, targetMs: batchMs })
          const key = `${w.name}|${name}`
          sizes.set(key, Math.max(n, sizes.get(key) ?? 0))
        }
      }
    }

    // Per case, Worker and round: µs per call by the Worker's clock (wall) and
    // by workerd's CPU time, less the CPU of an empty request.
    const wall = new Map<string, Array<number>>()
    const cpu = new Map<string, Array<number>>()
    const push = (map: Map<string, Array<number>>, key: string, x: number) => map.set(key, [...(map.get(key) ?? []), x])
    // An empty request's CPU (HTTP, JSON), measured in every round like a case.
    const EMPTY = "(empty request)"
    const cpuRaw = new Map<string, Array<number>>()
    let timedMs = 0
    let cpuMs = 0
    for (let round = 0; round <= rounds; round++) {
      for (const w of shuffled(workers)) {
        for (const name of shuffled([...cases, EMPTY])) {
          const key = `${w.name}|${name}`
          const plan = name === EMPTY ? [] : [{ name, n: sizes.get(key)! }]
          const before = cpuNs(server.pid)
          const { results } = await post<{ results: Array<Batch> }>(`${server.urls[w.name]}/batches`, plan)
          const after = cpuNs(server.pid)
          if (round === 0) continue // the warm-up round
          if (before !== undefined && after !== undefined) {
            cpuMs += (after - before) / 1e6
            push(cpuRaw, key, after - before)
          }
          const ms = results[0]?.ms
          if (ms === undefined) continue
          timedMs += ms
          push(wall, key, (ms * 1000) / plan[0]!.n)
        }
      }
    }
    const emptyRequestNs = median(workers.flatMap((w) => cpuRaw.get(`${w.name}|${EMPTY}`) ?? [Number.NaN]))
    for (const [key, xs] of cpuRaw) {
      const n = sizes.get(key)
      if (n !== undefined)
        cpu.set(
          key,
          xs.map((ns) => (ns - emptyRequestNs) / 1000 / n),
        )
    }

    console.log(
      `\n${rounds} rounds (+1 discarded), one batch of ~${batchMs} ms per case, Worker and round: ` +
        `${Math.round(timedMs)} ms by the Workers' clock, ${Math.round(cpuMs)} ms of workerd CPU time ` +
        `(an empty request: ${Number.isNaN(emptyRequestNs) ? "n/a" : `${Math.round(emptyRequestNs / 1000)} µs`})\n`,
    )
    console.log(
      "| workerd | case | calls/batch | wall µs/op: median (p25–p75) | CPU µs/op: median (p25–p75) | vs iron-session: wall | CPU |",
    )
    console.log("|---|---|---:|---:|---:|---|---|")
    const spread = (xs: ReadonlyArray<number> | undefined) =>
      xs === undefined || xs.length === 0
        ? "n/a"
        : `${fmt(median(xs))} (${fmt(quantile(xs, 0.25))}–${fmt(quantile(xs, 0.75))})`
    /** The median over rounds of iron-session's µs over ours in the same round: paired, so a slow round slows both. */
    const paired = (map: Map<string, Array<number>>, w: string, name: string) => {
      const [op, lib] = name.split(": ")
      const ours = map.get(`${w}|${name}`)
      const baseline = map.get(`${w}|${op}: iron-session`)
      if (lib === undefined) return "(reference)"
      if (lib === "iron-session") return "1.00× (baseline)"
      if (ours === undefined || baseline === undefined) return "n/a"
      return ratio(median(ours.map((x, i) => baseline[i]! / x)))
    }
    for (const w of workers) {
      for (const name of cases) {
        const key = `${w.name}|${name}`
        console.log(
          `| ${w.name} | ${name} | ${sizes.get(key)} | ${spread(wall.get(key))} | ${spread(cpu.get(key))} | ` +
            `${paired(wall, w.name, name)} | ${paired(cpu, w.name, name)} |`,
        )
      }
    }
  } finally {
    await server.stop()
  }
  console.log(`\nafter: ${uptime()}`)
}

main().catch((error) => {
  console.error(error)
  process.exitCode = 1
})
