/**
 * A typed session on a plain `node:http` server, with the Effect API.
 *
 *   SESSION_PASSWORD=... npx tsx examples/node-http.ts   (then open http://127.0.0.1:3001)
 *
 * The session layer is built once, before the server listens: a missing or
 * short SESSION_PASSWORD stops the program there, with a message, instead of
 * failing the first request. Each request provides its own CookieStore.
 */
import { createServer } from "node:http"
import { Config, Effect, ManagedRuntime, Option, Schema } from "effect"
import { CookieStore, Session } from "effect-iron-session"

// 1. Declare the session: its data, its cookie, its password.
const Visit = Schema.Struct({
  count: Schema.Number,
  firstSeen: Schema.DateFromNumber, // a Date in the app, a number in the cookie
})

class Visits extends Session.Tag<Visits>()("example/Visits", {
  schema: Visit,
  cookieName: "visits",
  password: Config.redacted("SESSION_PASSWORD"),
  ttl: "7 days",
  cookieOptions: { secure: false }, // plain http on 127.0.0.1
}) {}

// 2. A handler reads and writes the session as Effects.
const handler = Effect.gen(function* () {
  const next = Option.match(yield* Visits.get, {
    onNone: () => ({ count: 1, firstSeen: new Date() }),
    onSome: (v) => ({ ...v, count: v.count + 1 }),
  })
  yield* Visits.set(next)
  return `Visit number ${next.count}, first seen ${next.firstSeen.toISOString()}\n`
})

// 3. Build the session layer once, before listening; provide a CookieStore per request.
const runtime = ManagedRuntime.make(Visits.layer)
try {
  await runtime.runtime()
} catch (error) {
  console.error(`Cannot start: ${error instanceof Error ? error.message : String(error)}`)
  process.exit(1)
}

const server = createServer((req, res) => {
  const program = handler.pipe(Effect.provide(CookieStore.layerNode(req, res)))
  runtime.runPromise(program).then(
    (body) => res.end(body),
    (error: unknown) => {
      res.statusCode = 500
      res.end(error instanceof Error ? error.message : String(error))
    },
  )
})
server.listen(Number(process.env.PORT ?? 3001), "127.0.0.1", () => {
  const address = server.address()
  console.log(`http://127.0.0.1:${typeof address === "object" && address !== null ? address.port : ""}`)
})
