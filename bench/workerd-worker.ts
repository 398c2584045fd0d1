/**
 * The Worker of `bench/workerd.ts`: iron-session 9 and the Promise facade
 * side by side in one isolate, timed by the Worker itself. Bundled with
 * esbuild (the package from dist/); see bench/workerd.ts for the method.
 *
 *   POST /setup      { password, payload }      → seal pools, cross-check, backend, clock step
 *   POST /calibrate  { name, targetMs }         → calls per batch so a batch takes about targetMs
 *   POST /batches    [{ name, n }, …]           → { results: [{ name, n, ms }, …] }, one batch per entry, in order
 */
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as ManagedRuntime from "effect/ManagedRuntime"
import * as facade from "effect-iron-session/promise"
import * as ironSession from "iron-session"
import { backend } from "../test/runtimes/effect-api.js"

type Case = () => Promise<unknown>

/**
 * Distinct seals per library, cycled through, so no call reopens the previous
 * call's seal. More than the facade's hot-cookie cache holds (1024 seals):
 * cycling through a pool larger than a least-recently-used cache misses it
 * every time, so the "unseal" rows are real unseals; "unseal same seal" is the
 * hot path.
 */
const POOL = 2048

const runtime = ManagedRuntime.make(Layer.empty)
let cases: Record<string, Case> = {}
let sink: unknown

const timeBatch = async (fn: Case, n: number): Promise<number> => {
  const start = performance.now()
  for (let i = 0; i < n; i++) sink = await fn()
  return performance.now() - start
}

/** The smallest step `performance.now()` takes here (workerd's clock may move in whole milliseconds). */
const clockStep = (): number => {
  let step = Number.POSITIVE_INFINITY
  let last = performance.now()
  for (let seen = 0; seen < 5; ) {
    const now = performance.now()
    if (now !== last) {
      step = Math.min(step, now - last)
      last = now
      seen++
    }
  }
  return step
}

const setup = async ({ password, payload }: { password: string; payload: object }) => {
  const options = { password }
  const pool = (seal: (data: unknown, o: typeof options) => Promise<string>) =>
    Promise.all(Array.from({ length: POOL }, () => seal(payload, options)))
  const ironSeals = await pool(ironSession.sealData)
  const facadeSeals = await pool(facade.sealData)
  // Each opens the other's seals before anything is timed.
  const crossCheck = {
    ironOpensFacade: JSON.stringify(await ironSession.unsealData(facadeSeals[0]!, options)) === JSON.stringify(payload),
    facadeOpensIron: JSON.stringify(await facade.unsealData(ironSeals[0]!, options)) === JSON.stringify(payload),
  }
  let i = 0
  let j = 0
  const hotIron = ironSeals[0]!
  const hotFacade = facadeSeals[0]!
  cases = {
    "seal: iron-session": () => ironSession.sealData(payload, options),
    "seal: effect-iron-session/promise": () => facade.sealData(payload, options),
    "unseal: iron-session": () => ironSession.unsealData(ironSeals[i++ % POOL]!, options),
    "unseal: effect-iron-session/promise": () => facade.unsealData(facadeSeals[j++ % POOL]!, options),
    "unseal same seal: iron-session": () => ironSession.unsealData(hotIron, options),
    "unseal same seal: effect-iron-session/promise": () => facade.unsealData(hotFacade, options),
    "runtime.runPromise(Effect.void)": () => runtime.runPromise(Effect.void),
  }
  const detected = await backend(password)
  return {
    runtime: navigator.userAgent,
    backend: detected.status === "ok" ? detected.value : detected,
    crossCheck,
    clockStepMs: clockStep(),
    cases: Object.keys(cases),
  }
}

const calibrate = async ({ name, targetMs }: { name: string; targetMs: number }) => {
  const fn = cases[name]
  if (fn === undefined) throw new Error(`no case ${name}`)
  // Double until a batch takes 10 ms (ten steps of the clock), scale to the
  // target, and run once at that size: a single slow batch during the
  // doubling (load, GC) cannot leave the case with tiny batches.
  let n = 1
  let ms = await timeBatch(fn, n)
  while (ms < Math.min(10, targetMs)) {
    n *= 2
    ms = await timeBatch(fn, n)
  }
  n = Math.max(1, Math.round((n * targetMs) / ms))
  await timeBatch(fn, n)
  return { name, n }
}

const batches = async (plan: ReadonlyArray<{ name: string; n: number }>) => {
  const results: Array<{ name: string; n: number; ms: number }> = []
  for (const { name, n } of plan) {
    const fn = cases[name]
    if (fn === undefined) throw new Error(`no case ${name}`)
    results.push({ name, n, ms: await timeBatch(fn, n) })
  }
  return results
}

export default {
  async fetch(request: Request): Promise<Response> {
    const body: unknown = await request.json()
    try {
      switch (new URL(request.url).pathname) {
        case "/setup":
          return Response.json(await setup(body as Parameters<typeof setup>[0]))
        case "/calibrate":
          return Response.json(await calibrate(body as Parameters<typeof calibrate>[0]))
        case "/batches":
          return Response.json({ results: await batches(body as Parameters<typeof batches>[0]), sink: typeof sink })
        default:
          return new Response("not found", { status: 404 })
      }
    } catch (error) {
      return new Response(error instanceof Error ? (error.stack ?? error.message) : String(error), { status: 500 })
    }
  },
}
