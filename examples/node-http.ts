/**
 * A typed session on a plain `node:http` server, with the Effect API.
 *
 *   SESSION_PASSWORD=... npx tsx examples/node-http.ts   (then open http://127.0.0.1:3001)
 *
 * The session layer is built once for the app (its options are checked then);
 * each request provides its own CookieStore.
 */
import { createServer } from "node:http"
import { Config, ConfigProvider, Effect, Layer, ManagedRuntime, Option, Schema } from "effect"
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
  const visits = yield* Visits
  const current = yield* visits.get
  const next = Option.match(current, {
    onNone: () => ({ count: 1, firstSeen: new Date() }),
    onSome: (v) => ({ ...v, count: v.count + 1 }),
  })
  yield* visits.set(next)
  return `Visit number ${next.count}, first seen ${next.firstSeen.toISOString()}\n`
})

// 3. Build the app's layer once; provide a CookieStore per request.
const development = ConfigProvider.fromMap(new Map([["SESSION_PASSWORD", "development-password-of-32-characters!"]]))
const runtime = ManagedRuntime.make(
  Visits.layer.pipe(
    Layer.provide(Layer.setConfigProvider(ConfigProvider.fromEnv().pipe(ConfigProvider.orElse(() => development)))),
  ),
)

const server = createServer((req, res) => {
  const program = handler.pipe(Effect.provideService(CookieStore.CookieStore, CookieStore.fromNode(req, res)))
  runtime.runPromise(program).then(
    (body) => res.end(body),
    (error: unknown) => {
      res.statusCode = 500
      res.end(String(error))
    },
  )
})
server.listen(Number(process.env.PORT ?? 3001), "127.0.0.1", () => {
  const address = server.address()
  console.log(`http://127.0.0.1:${typeof address === "object" && address !== null ? address.port : ""}`)
})
