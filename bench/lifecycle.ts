/**
 * 9. What a lifecycle costs a request: the app of section 4 (`Visits.get` +
 * `Visits.set` through `HttpSession.middleware`) with a plain session, a
 * rolling one, and revocation checked on every read against the in-memory
 * store, a real Redis (started here on loopback, persistence off), and Redis
 * behind `Revocation.cached`. Each case reads one of a pool of distinct
 * cookies; the difference to the plain session, round by round, is what the
 * feature adds. No targets: these are printed for the reader.
 */
import { pathToFileURL } from "node:url"
import * as HttpApp from "@effect/platform/HttpApp"
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import { redisServerAvailable, startRedisServer } from "../test/helpers/redis.js"
import { DataSchema } from "./apps.js"
import { heading, printResults, type Report, type Settings, us } from "./common.js"
import { COOKIE_NAME, PASSWORD, PAYLOAD, webRequest } from "./fixtures.js"
import { cookiePool } from "./floor.js"
import { type BenchCase, paired, runBenchmarks } from "./harness.js"
import { describeSource, entryFile, loadApi } from "./lib.js"

export const run = async (settings: Settings, report: Report): Promise<void> => {
  heading("9. Lifecycle: rolling sessions and revocation checks, per request", [
    `library: ${describeSource()}`,
    `each call: new Request with one of ${settings.pool} distinct cookies, get + set through HttpSession.middleware`,
  ])
  const api = await loadApi()
  const { HttpSession, Revocation, Session } = api
  // The Redis store is a subpath of its own (it needs ioredis), loaded only here.
  const Redis: typeof import("../src/Redis.js") = await import(pathToFileURL(entryFile("./Redis")).href)
  const redis = redisServerAvailable() ? await startRedisServer() : undefined

  type Data = typeof DataSchema.Type
  type Options = Omit<
    Parameters<typeof Session.make<Data, typeof DataSchema.Encoded>>[0],
    "schema" | "cookieName" | "password"
  >
  const app = (name: string, options: Options, store?: Layer.Layer<typeof Revocation.Revocation.Service, unknown>) => {
    class Visits extends Session.Tag<Visits>()(`bench/Lifecycle/${name}`, {
      schema: DataSchema,
      cookieName: COOKIE_NAME,
      password: PASSWORD,
      ...options,
    }) {}
    const handler = HttpSession.middleware(
      Effect.gen(function* () {
        const current = yield* Visits.get
        const data = Option.getOrElse(current, () => ({ ...PAYLOAD, visits: 0 }))
        const next = { ...data, visits: data.visits + 1 }
        yield* Visits.set(next)
        return HttpServerResponse.text(String(next.visits))
      }),
    )
    const layer: Layer.Layer<Visits, unknown> =
      store === undefined ? Visits.layer : Visits.layer.pipe(Layer.provide(store))
    return { name, ...HttpApp.toWebHandlerLayer(handler, layer) }
  }
  const subject = (value: Data) => String(value.user.id)
  const apps = [
    app("plain session", {}),
    app("rolling (idle 30 min, absolute 8 h)", { rolling: { idle: "30 minutes", absolute: "8 hours" } }),
    app("revocation, in memory", { revocation: { subject } }, Revocation.layerMemory),
    ...(redis === undefined
      ? []
      : [
          app("revocation, Redis", { revocation: { subject } }, Redis.layerRedis({ url: redis.url })),
          app(
            "revocation, Redis behind a 1 s cache",
            { revocation: { subject } },
            Layer.effect(
              Revocation.Revocation,
              Effect.flatMap(Revocation.Revocation, Revocation.cached({ timeToLive: "1 second", capacity: 10_000 })),
            ).pipe(Layer.provide(Redis.layerRedis({ url: redis.url }))),
          ),
        ]),
  ]
  if (redis === undefined) console.log("(redis-server is not installed: the Redis rows are left out)")

  try {
    // A lifecycle changes the cookie on purpose (a record beside the data, a
    // Max-Age from the timeouts), so the check is that each app reads a floor
    // cookie, counts the visit and writes its cookie.
    const problems: Array<string> = []
    for (const a of apps) {
      const response = await a.handler(webRequest(cookiePool(1)()))
      const body = await response.text()
      if (body !== String(PAYLOAD.visits + 1)) problems.push(`${a.name} answered ${JSON.stringify(body)}`)
      if (!response.headers.getSetCookie().some((h) => h.startsWith(`${COOKIE_NAME}=Fe26.2*`))) {
        problems.push(`${a.name} wrote no session cookie`)
      }
    }
    if (problems.length > 0) throw new Error(`cross-check failed, nothing was timed:\n  - ${problems.join("\n  - ")}`)
    console.log("cross-check: ok (each app reads a floor cookie, counts the visit and writes its cookie)")

    const cases: BenchCase[] = apps.map((a) => {
      const next = cookiePool(settings.pool)
      return { name: a.name, fn: () => a.handler(webRequest(next())) }
    })
    const results = await runBenchmarks(cases, settings.micro, (line) => console.log(line))
    const plain = results.find((r) => r.name === "plain session")!
    console.log("")
    printResults(results, [])
    for (const result of results) {
      if (result === plain) continue
      const added = paired(result.roundUs, plain.roundUs, (r, p) => r - p)
      console.log(
        `${result.name}: +${us(added.median)} per request over the plain session (rounds ${us(added.min)} to ${us(added.max)})`,
      )
      report.info(
        `lifecycle: ${result.name}, added per request`,
        `+${us(added.median)}`,
        `plain ${us(plain.us.median)}`,
      )
    }
  } finally {
    await Promise.all(apps.map((a) => a.dispose()))
    await redis?.stop()
  }
}
