/**
 * A small benchmark harness. Every case is warmed up, then timed in rounds
 * that interleave all cases, in a new random order each round (from a fixed
 * seed, so no case always follows the same neighbour). Every case so sees the
 * same machine conditions: another process waking up, drift, or a GC or idle
 * thread pool left behind by the previous case are spread over all of them
 * instead of landing on one.
 *
 * A case is an async function awaited in sequence (one call in flight at a
 * time), or a synchronous one called in a plain loop, in batches of `n` calls
 * timed with `process.hrtime.bigint()`. The batch size is chosen during
 * warm-up so one batch takes about `batchMs`, which makes the timer's own cost
 * negligible. The mean is total time over total calls. The margin of error
 * is computed from the per-round means (Student's t at 95%): rounds are far
 * apart in time, so they catch the machine's slow drifts, which consecutive
 * batches would hide.
 */

export interface BenchCase {
  readonly name: string
  /** One call. Awaited, unless `sync` is set. */
  readonly fn: () => unknown
  /** A synchronous call: timed in a plain loop, without the cost of an await. */
  readonly sync?: boolean
}

export interface BenchOptions {
  /** Warm-up per case, in ms (also picks the batch size). */
  readonly warmupMs: number
  /** Measured time per case, in ms, split evenly over the rounds. */
  readonly timeMs: number
  /** How many interleaved rounds the measured time is split into. */
  readonly rounds: number
  /** Target duration of one timed batch, in ms. */
  readonly batchMs: number
}

export interface BenchResult {
  readonly name: string
  /** Calls timed (warm-up excluded). */
  readonly calls: number
  /** Batches timed. */
  readonly batches: number
  /** Mean time per call in each round, in µs. */
  readonly roundMeansUs: ReadonlyArray<number>
  readonly opsPerSec: number
  /** Mean time per call, in µs. */
  readonly meanUs: number
  /** Relative margin of error of the mean at 95%, from the round means, in percent. */
  readonly rmePercent: number
}

/** Keeps results reachable so no call can be optimised away. */
let sink: unknown

const timeBatch = async ({ fn, sync }: BenchCase, n: number): Promise<number> => {
  const start = process.hrtime.bigint()
  if (sync) for (let i = 0; i < n; i++) sink = fn()
  else for (let i = 0; i < n; i++) sink = await fn()
  return Number(process.hrtime.bigint() - start)
}

interface Tally {
  batchSize: number
  calls: number
  ns: number
  batches: number
  rounds: Array<{ calls: number; ns: number }>
}

const warmUp = async (bench: BenchCase, options: BenchOptions): Promise<number> => {
  const targetNs = options.batchMs * 1e6
  const endNs = options.warmupMs * 1e6
  let n = 1
  let spent = 0
  while (spent < endNs) {
    const ns = await timeBatch(bench, n)
    spent += ns
    if (ns < targetNs) n *= 2
    else if (ns > 2 * targetNs && n > 1) n = Math.ceil(n / 2)
  }
  // Settle on a size from the last, warmest batches.
  const ns = await timeBatch(bench, n)
  return Math.max(1, Math.round((n * targetNs) / Math.max(ns, 1)))
}

/** Two-sided 95% critical values of Student's t, by degrees of freedom (1..30). */
const T_95 = [
  12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16, 2.145, 2.131, 2.12, 2.11,
  2.101, 2.093, 2.086, 2.08, 2.074, 2.069, 2.064, 2.06, 2.056, 2.052, 2.048, 2.045, 2.042,
]
const tCritical = (df: number): number => T_95[df - 1] ?? 1.96

/** A small seeded PRNG, so the order of the rounds is the same on every run. */
const mulberry32 = (seed: number) => () => {
  seed = (seed + 0x6d2b79f5) | 0
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed)
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296
}

/** 0..n-1 in a random order (Fisher–Yates). */
const shuffled = (n: number, random: () => number): number[] => {
  const order = Array.from({ length: n }, (_, i) => i)
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1))
    ;[order[i], order[j]] = [order[j]!, order[i]!]
  }
  return order
}

export const runBenchmarks = async (
  cases: ReadonlyArray<BenchCase>,
  options: BenchOptions,
  log: (line: string) => void = () => {},
): Promise<ReadonlyArray<BenchResult>> => {
  const tallies: Tally[] = []
  for (const bench of cases) {
    const batchSize = await warmUp(bench, options)
    tallies.push({ batchSize, calls: 0, ns: 0, batches: 0, rounds: [] })
    log(`  warmed up ${bench.name} (batch of ${batchSize})`)
  }

  const sliceNs = (options.timeMs / options.rounds) * 1e6
  const random = mulberry32(0x1e0ba5e)
  for (let round = 0; round < options.rounds; round++) {
    for (const index of shuffled(cases.length, random)) {
      const bench = cases[index]!
      const tally = tallies[index]!
      const slice = { calls: 0, ns: 0 }
      while (slice.ns < sliceNs) {
        slice.ns += await timeBatch(bench, tally.batchSize)
        slice.calls += tally.batchSize
        tally.batches++
      }
      tally.rounds.push(slice)
      tally.calls += slice.calls
      tally.ns += slice.ns
    }
    log(`  round ${round + 1}/${options.rounds} done`)
  }
  if (sink === Symbol.for("never")) log("")

  return cases.map((bench, index) => {
    const tally = tallies[index]!
    const meanNs = tally.ns / tally.calls
    const roundMeans = tally.rounds.map((r) => r.ns / r.calls)
    const k = roundMeans.length
    const mean = roundMeans.reduce((a, b) => a + b, 0) / k
    const variance = k > 1 ? roundMeans.reduce((a, b) => a + (b - mean) ** 2, 0) / (k - 1) : 0
    const rme = k > 1 ? ((tCritical(k - 1) * Math.sqrt(variance / k)) / mean) * 100 : Number.NaN
    return {
      name: bench.name,
      calls: tally.calls,
      batches: tally.batches,
      roundMeansUs: roundMeans.map((ns) => ns / 1e3),
      opsPerSec: 1e9 / meanNs,
      meanUs: meanNs / 1e3,
      rmePercent: rme,
    }
  })
}
