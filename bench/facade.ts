/**
 * Side-by-side benchmark of a whole request through the Promise facade and
 * through iron-session 9: read the session from the request's cookie, and
 * read, change and save it. Same web Request/Response objects, same payload,
 * same password; cases interleaved in one process. The concurrent cases time
 * 32 requests in flight together (µs/op is per batch of 32).
 *
 *   npx tsx bench/facade.ts             # part of: npm run bench
 */
import * as os from "node:os"
import { Effect, Option, Schema } from "effect"
import { CookieStore, Session } from "effect-iron-session"
import * as facade from "effect-iron-session/promise"
import * as ironSession from "iron-session"
import { type BenchCase, runBenchmarks } from "./harness.js"
import { PASSWORD, PAYLOAD } from "./implementations.js"

type Data = typeof PAYLOAD
const options = { cookieName: "bench", password: PASSWORD }

const cookieFor = async (): Promise<string> => {
  const seal = await ironSession.sealData(PAYLOAD, { password: PASSWORD })
  return `theme=dark; bench=${seal}`
}

type Lib = typeof ironSession | typeof facade

const read = (lib: Lib, cookie: string) => async () => {
  const session = await lib.getIronSession<Data>(
    new Request("http://127.0.0.1/", { headers: { cookie } }),
    new Response(),
    options,
  )
  return session.visits
}

const readAndSave = (lib: Lib, cookie: string) => async () => {
  const response = new Response()
  const session = await lib.getIronSession<Data>(
    new Request("http://127.0.0.1/", { headers: { cookie } }),
    response,
    options,
  )
  session.visits = (session.visits ?? 0) + 1
  await session.save()
  return response.headers.get("set-cookie")
}

/** 32 requests in flight at once: Web Crypto can spread its work over libuv's thread pool, node:crypto runs inline. */
const concurrent = (lib: Lib, cookie: string) => {
  const one = readAndSave(lib, cookie)
  return () => Promise.all(Array.from({ length: 32 }, one))
}

/** The Effect API on the same request, for reference: a declared session over web objects. */
const effectApi = async (cookie: string) => {
  const Visit = Schema.Struct({
    user: Schema.Struct({ id: Schema.Number, name: Schema.String, roles: Schema.Array(Schema.String) }),
    visits: Schema.Number,
    signedInAt: Schema.Number,
  })
  const session = await Effect.runPromise(Session.make({ schema: Visit, cookieName: "bench", password: PASSWORD }))
  return async () => {
    const response = new Response()
    const store = CookieStore.fromWeb(new Request("http://127.0.0.1/", { headers: { cookie } }), response)
    await Effect.runPromise(
      session
        .update((current) => {
          const value = Option.getOrThrow(current)
          return { ...value, visits: value.visits + 1 }
        })
        .pipe(Effect.provideService(CookieStore.CookieStore, store)),
    )
    return response.headers.get("set-cookie")
  }
}

const main = async () => {
  const cookie = await cookieFor()
  // Both must see the same session before anything is timed.
  for (const lib of [ironSession, facade]) {
    if ((await read(lib, cookie)()) !== PAYLOAD.visits) throw new Error("a library did not read the session back")
  }
  const cases: ReadonlyArray<BenchCase> = [
    { name: "read: iron-session", fn: read(ironSession, cookie) },
    { name: "read: effect-iron-session/promise", fn: read(facade, cookie) },
    { name: "read+save: iron-session", fn: readAndSave(ironSession, cookie) },
    { name: "read+save: effect-iron-session/promise", fn: readAndSave(facade, cookie) },
    { name: "read+save: effect-iron-session (Effect API)", fn: await effectApi(cookie) },
    { name: "32 concurrent read+save: iron-session", fn: concurrent(ironSession, cookie) },
    { name: "32 concurrent read+save: effect-iron-session/promise", fn: concurrent(facade, cookie) },
  ]
  console.log("\neffect-iron-session benchmark: one request through the Promise facade and iron-session 9")
  console.log(
    `node ${process.version}, ${os.cpus()[0]?.model ?? "?"} × ${os.cpus().length}, ${new Date().toISOString()}`,
  )
  const results = await runBenchmarks(cases, { warmupMs: 500, timeMs: 1000, rounds: 10, batchMs: 5 })
  const byName = new Map(results.map((r) => [r.name, r]))
  console.log("\n| case | ops/sec | µs/op | ± | vs iron-session |")
  console.log("|---|---:|---:|---:|---|")
  for (const r of results) {
    const op = r.name.split(":")[0]
    const baseline = byName.get(`${op}: iron-session`)
    const ratio =
      baseline === undefined || r === baseline
        ? "1.00× (baseline)"
        : `${(r.opsPerSec / baseline.opsPerSec).toFixed(1)}× iron-session`
    console.log(
      `| ${r.name} | ${Math.round(r.opsPerSec).toLocaleString("en-US")} | ${r.meanUs.toFixed(1)} | ${r.rmePercent.toFixed(1)}% | ${ratio} |`,
    )
  }
  for (const op of ["read", "read+save", "32 concurrent read+save"]) {
    const ours = byName.get(`${op}: effect-iron-session/promise`)
    const theirs = byName.get(`${op}: iron-session`)
    if (ours && theirs)
      console.log(
        `${op}: effect-iron-session/promise ${(ours.opsPerSec / theirs.opsPerSec).toFixed(1)}× faster than iron-session`,
      )
  }
}

main().catch((error: unknown) => {
  console.error(error)
  process.exit(1)
})
