/**
 * One run of the memory section, in its own process with `--expose-gc`:
 * `node --expose-gc --import tsx bench/memory-child.ts <facade|middleware> <requests> <warmup> <pool>`.
 * Serves `warmup` requests, collects garbage, notes the heap, serves
 * `requests` more (read + count + save, a different cookie each), collects
 * garbage again and sends the heap figures to the parent.
 */
import { facadeRequest, middlewareApps } from "./apps.js"
import { webRequest } from "./fixtures.js"
import { cookiePool } from "./floor.js"
import { loadApi, loadFacade } from "./lib.js"

const [kind, requestsArg, warmupArg, poolArg] = process.argv.slice(2)
const requests = Number(requestsArg)
const warmup = Number(warmupArg)
const gc = globalThis.gc
if (gc === undefined) throw new Error("memory-child needs node --expose-gc")

const serve: (request: Request) => Promise<unknown> = await (async () => {
  if (kind === "facade") {
    const facade = facadeRequest(await loadFacade())
    return (request: Request) => Promise.resolve(facade.readSave(request, new Response()))
  }
  if (kind === "middleware") {
    const apps = middlewareApps(await loadApi())
    return async (request: Request) => (await apps.session(request)).text()
  }
  throw new Error(`memory-child: unknown kind ${JSON.stringify(kind)}; use facade or middleware`)
})()

/**
 * Heap in use once garbage is collected: full collections, with a pause after
 * each for finalizers to run, until two readings agree within 64 kB.
 */
const settledHeap = async (): Promise<number> => {
  let last = -1
  for (let pass = 0; pass < 30; pass++) {
    gc()
    await new Promise((resolve) => setTimeout(resolve, 10))
    const heap = process.memoryUsage().heapUsed
    if (Math.abs(heap - last) < 64e3) return heap
    last = heap
  }
  return last
}

const next = cookiePool(Number(poolArg))
/**
 * The requests run in a function, not in a loop at the module's top level:
 * such a loop was seen to hold ~2 MB until it ended (a drop between the last
 * checkpoint and the end, on every run); inside a function nothing of the kind.
 */
const serveMany = async (n: number): Promise<void> => {
  for (let i = 0; i < n; i++) await serve(webRequest(next()))
}

await serveMany(warmup)
const before = await settledHeap()
const started = performance.now()
const checkpoints: number[] = []
const quarter = Math.ceil(requests / 4)
for (let done = 0; done < requests; done += quarter) {
  await serveMany(Math.min(quarter, requests - done))
  if (done + quarter < requests) checkpoints.push(await settledHeap())
}
const elapsedMs = performance.now() - started
const after = await settledHeap()
const figures = { before, after, checkpoints, elapsedMs, rss: process.memoryUsage().rss }
if (process.send !== undefined) process.send(figures)
else console.log(JSON.stringify(figures))
