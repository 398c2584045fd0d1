/**
 * A small benchmark harness for in-process cases. Every case is warmed up,
 * then timed in rounds that interleave all cases, in a new random order each
 * round (from a fixed seed, so no case always follows the same neighbour).
 * Every case so sees the same machine: another process waking up, a slow
 * drift, a GC or an idle thread pool left by the previous case are spread over
 * all of them instead of landing on one.
 *
 * A call is awaited before the next starts (one call in flight: the latency of
 * one request), in batches of `n` calls timed with `process.hrtime.bigint()`.
 * The batch size is picked during warm-up so one batch takes about `batchMs`,
 * which makes the timer's own cost negligible.
 *
 * Each round gives each case one mean (its time over its calls in that
 * round). A case is reported as the **median** of its round means, with their
 * min–max as the spread. A ratio between two cases is taken **round by
 * round** (the two were measured within the same round, moments apart) and
 * reported as the median of those per-round ratios, with their min–max: so a
 * burst of load that slowed one round moves that round's ratio far less than
 * it moves either case.
 */

export interface BenchCase {
  readonly name: string
  /** One call; its result is awaited (a plain value is awaited too, so every case pays the same loop). */
  readonly fn: () => unknown
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

export interface Spread {
  readonly median: number
  readonly min: number
  readonly max: number
}

export interface BenchResult {
  readonly name: string
  /** Calls timed (warm-up excluded). */
  readonly calls: number
  /** Mean µs per call in each round, in round order. */
  readonly roundUs: ReadonlyArray<number>
  /** µs per call: median of the round means, and their min and max. */
  readonly us: Spread
  /** Calls per second at the median. */
  readonly opsPerSec: number
}

/** Keeps results reachable so no call can be optimised away. */
let sink: unknown

const timeBatch = async (fn: () => unknown, n: number): Promise<number> => {
  const start = process.hrtime.bigint()
  for (let i = 0; i < n; i++) sink = await fn()
  return Number(process.hrtime.bigint() - start)
}

const warmUp = async ({ fn }: BenchCase, options: BenchOptions): Promise<number> => {
  const targetNs = options.batchMs * 1e6
  const endNs = options.warmupMs * 1e6
  let n = 1
  let spent = 0
  while (spent < endNs) {
    const ns = await timeBatch(fn, n)
    spent += ns
    if (ns < targetNs) n *= 2
    else if (ns > 2 * targetNs && n > 1) n = Math.ceil(n / 2)
  }
  // Settle on a size from the last, warmest batch.
  const ns = await timeBatch(fn, n)
  return Math.max(1, Math.round((n * targetNs) / Math.max(ns, 1)))
}

/** A small seeded PRNG, so the order of the rounds is the same on every run. */
const mulberry32 = (seed: number) => () => {
  seed = (seed + 0x6d2b79f5) | 0
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed)
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296
}

/** 0..n-1 in a random order (Fisher–Yates). */
export const shuffled = (n: number, random: () => number): number[] => {
  const order = Array.from({ length: n }, (_, i) => i)
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1))
    ;[order[i], order[j]] = [order[j]!, order[i]!]
  }
  return order
}

/** A fixed-seed random source for interleaving (also used by the cold-start and load sections). */
export const seededRandom = (seed = 0x1e0ba5e): (() => number) => mulberry32(seed)

/** The median and range of some numbers. */
export const spreadOf = (values: ReadonlyArray<number>): Spread => {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  const median = sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
  return { median, min: sorted[0]!, max: sorted[sorted.length - 1]! }
}

/** `f(a_i, b_i)` round by round, as a median and range. */
export const paired = (
  a: ReadonlyArray<number>,
  b: ReadonlyArray<number>,
  f: (a: number, b: number) => number,
): Spread => {
  if (a.length !== b.length) throw new Error("paired: the two series have different lengths")
  return spreadOf(a.map((x, i) => f(x, b[i]!)))
}

/** How many times longer `a` takes than `b`, round by round (`> 1`: `a` is slower). */
export const timeRatio = (a: BenchResult, b: BenchResult): Spread => paired(a.roundUs, b.roundUs, (x, y) => x / y)

/** How many µs `a` takes more than `b`, round by round. */
export const timeDifference = (a: BenchResult, b: BenchResult): Spread => paired(a.roundUs, b.roundUs, (x, y) => x - y)

export const runBenchmarks = async (
  cases: ReadonlyArray<BenchCase>,
  options: BenchOptions,
  log: (line: string) => void = () => {},
): Promise<ReadonlyArray<BenchResult>> => {
  const batchSizes: number[] = []
  for (const bench of cases) batchSizes.push(await warmUp(bench, options))
  log(`  warmed up ${cases.length} cases (batches of ${batchSizes.join(", ")} calls)`)

  const rounds = cases.map(() => [] as Array<{ calls: number; ns: number }>)
  const sliceNs = (options.timeMs / options.rounds) * 1e6
  const random = seededRandom()
  let lastLog = Date.now()
  for (let round = 0; round < options.rounds; round++) {
    for (const index of shuffled(cases.length, random)) {
      const { fn } = cases[index]!
      const n = batchSizes[index]!
      const slice = { calls: 0, ns: 0 }
      while (slice.ns < sliceNs) {
        slice.ns += await timeBatch(fn, n)
        slice.calls += n
      }
      rounds[index]!.push(slice)
    }
    if (Date.now() - lastLog > 5000 || round === options.rounds - 1) {
      log(`  round ${round + 1}/${options.rounds} done`)
      lastLog = Date.now()
    }
  }
  if (sink === Symbol.for("never")) log("")

  return cases.map((bench, index) => {
    const slices = rounds[index]!
    const roundUs = slices.map((r) => r.ns / r.calls / 1e3)
    const us = spreadOf(roundUs)
    return {
      name: bench.name,
      calls: slices.reduce((n, r) => n + r.calls, 0),
      roundUs,
      us,
      opsPerSec: 1e6 / us.median,
    }
  })
}
