import { describe, expect, it } from "@effect/vitest"
import {
  Config,
  ConfigProvider,
  Duration,
  Effect,
  Either,
  Exit,
  Layer,
  Logger,
  LogLevel,
  Option,
  Redacted,
  Schema,
  TestClock,
  Tracer,
} from "effect"
import { CookieStore, Seal, Session } from "effect-iron-session"
import { nodeCrypto } from "../src/internal/kernel/crypto/node.js"
import type { IronCrypto } from "../src/internal/kernel/crypto/types.js"
import { request, value } from "./helpers/request.js"
import { cookieHeaderFrom, withServer } from "./helpers/server.js"

const password = "a-password-that-is-at-least-32-characters-long"
const newer = "a-newer-password-that-is-also-32-characters-long"

const UserId = Schema.Number.pipe(Schema.brand("UserId"))
const User = Schema.Struct({ id: UserId, name: Schema.String, signedInAt: Schema.DateFromNumber })
type User = typeof User.Type

const ada: User = { id: UserId.make(1), name: "Ada", signedInAt: new Date("2026-01-02T03:04:05.000Z") }

class Auth extends Session.Tag<Auth>()("test/Auth", { schema: User, cookieName: "auth", password }) {}

class StrictAuth extends Session.Tag<StrictAuth>()("test/StrictAuth", {
  schema: User,
  cookieName: "auth",
  password,
  invalidCookie: "fail",
}) {}

const Cart = Schema.Struct({ items: Schema.Array(Schema.String) })
class CartSession extends Session.Tag<CartSession>()("test/Cart", { schema: Cart, cookieName: "cart", password }) {}

describe("Session", () => {
  it.effect("reads none without a cookie, and writes one with iron-session's defaults", () =>
    Effect.gen(function* () {
      const { result, store } = yield* request(
        Effect.gen(function* () {
          const auth = yield* Auth
          const before = yield* auth.get
          yield* auth.set(ada)
          return { before, after: yield* auth.get }
        }),
      )
      expect(value(result)).toEqual({ before: Option.none(), after: Option.some(ada) })
      expect(store.setCookieHeaders).toHaveLength(1)
      const [header = ""] = store.setCookieHeaders
      expect(header).toMatch(/^auth=Fe26\.2\*1\*[^;]+~2; Max-Age=1209540; Path=\/; HttpOnly; Secure; SameSite=Lax$/)
    }).pipe(Effect.provide(Auth.layer)),
  )

  it.effect("gives back a Date as a Date and a branded id through the cookie", () =>
    Effect.gen(function* () {
      const first = yield* request(Effect.flatMap(Auth, (auth) => auth.set(ada)))
      const second = yield* request(
        Effect.flatMap(Auth, (auth) => auth.get),
        first.store.cookies,
      )
      const user = Option.getOrThrow(value(second.result))
      expect(user.signedInAt).toBeInstanceOf(Date)
      expect(user).toEqual(ada)
      const id: number = user.id
      expect(id).toBe(1)
    }).pipe(Effect.provide(Auth.layer)),
  )

  it.effect("reads and unseals the cookie at most once per request", () => {
    let unseals = 0
    const base = nodeCrypto!
    const counting: IronCrypto = {
      ...base,
      open: (...args) => {
        unseals++
        return base.open(...args)
      },
    }
    return Effect.gen(function* () {
      const first = yield* request(Effect.flatMap(Auth, (auth) => auth.set(ada)))
      yield* request(
        Effect.gen(function* () {
          const auth = yield* Auth
          yield* Effect.all([auth.get, auth.get, auth.rejection], { concurrency: "unbounded" })
          yield* auth.get
        }),
        first.store.cookies,
      )
      expect(unseals).toBe(1)
    }).pipe(Effect.provide(Auth.layer), Effect.provideService(Seal.CryptoBackend, counting as unknown as Seal.Backend))
  })

  it.effect("keeps two declared sessions in their own cookies", () =>
    Effect.gen(function* () {
      const { store } = yield* request(
        Effect.gen(function* () {
          yield* (yield* Auth).set(ada)
          yield* (yield* CartSession).set({ items: ["book"] })
        }),
      )
      expect([...store.cookies.keys()]).toEqual(["auth", "cart"])
      const next = yield* request(
        Effect.all([Auth, CartSession]).pipe(Effect.flatMap(([a, c]) => Effect.all([a.get, c.get]))),
        store.cookies,
      )
      expect(value(next.result)).toEqual([Option.some(ada), Option.some({ items: ["book"] })])
    }).pipe(Effect.provide(Layer.mergeAll(Auth.layer, CartSession.layer))),
  )

  it.effect("updates from the current value", () =>
    Effect.gen(function* () {
      const { store } = yield* request(
        Effect.gen(function* () {
          const cart = yield* CartSession
          yield* cart.update((current) => ({
            items: [...Option.match(current, { onNone: () => [], onSome: (c) => c.items }), "a"],
          }))
          yield* cart.update((current) => ({ items: [...Option.getOrThrow(current).items, "b"] }))
        }),
      )
      const next = yield* request(
        Effect.flatMap(CartSession, (c) => c.get),
        store.cookies,
      )
      expect(value(next.result)).toEqual(Option.some({ items: ["a", "b"] }))
    }).pipe(Effect.provide(CartSession.layer)),
  )
})

describe("Session with a cookie it cannot use", () => {
  const sealedAs = (data: unknown, options: Seal.Options = { password }) =>
    Effect.map(Seal.seal(data, options), (sealed) => new Map([["auth", sealed]]))

  it.effect("reads a cookie that no longer matches the schema as empty, and says why", () =>
    Effect.gen(function* () {
      const rejected: Array<Session.Rejection> = []
      const logs: Array<{ message: unknown; annotations: Record<string, unknown> }> = []
      class Observed extends Session.Tag<Observed>()("test/Observed", {
        schema: User,
        cookieName: "auth",
        password,
        onRejected: (rejection) => Effect.sync(() => rejected.push(rejection)),
      }) {}
      const cookies = yield* sealedAs({ id: "not-a-number", name: "Old shape" })
      const logger = Logger.make(({ message, annotations }) => {
        logs.push({ message, annotations: Object.fromEntries(annotations) })
      })
      const { result } = yield* request(
        Effect.flatMap(Observed, (s) => Effect.all([s.get, s.rejection])),
        cookies,
      ).pipe(
        Effect.provide(Observed.layer),
        Effect.provide(Logger.replace(Logger.defaultLogger, logger)),
        Logger.withMinimumLogLevel(LogLevel.Debug),
      )
      const [current, reason] = value(result)
      expect(current).toEqual(Option.none())
      expect(Option.getOrThrow(reason)).toMatchObject({ _tag: "SchemaMismatchError", operation: "decode" })
      expect(rejected).toHaveLength(1)
      expect(rejected[0]).toMatchObject({ cookieName: "auth", error: { _tag: "SchemaMismatchError" } })
      expect(logs).toEqual([
        { message: ["session cookie rejected"], annotations: { cookieName: "auth", reason: "schema-mismatch" } },
      ])
      expect(JSON.stringify(logs)).not.toContain("Old shape")
    }),
  )

  it.effect("puts the reason a cookie was rejected on the caller's span", () =>
    Effect.gen(function* () {
      const spans: Array<Tracer.Span> = []
      const base = yield* Effect.tracer
      const capturing = Tracer.make({
        span: (...args) => {
          const span = base.span(...args)
          spans.push(span)
          return span
        },
        context: (f, fiber) => base.context(f, fiber),
      })
      const cookies = new Map([["auth", "Fe26.2*not*a*seal"]])
      yield* request(
        Effect.flatMap(Auth, (s) => s.get),
        cookies,
      ).pipe(Effect.withSpan("GET /profile"), Effect.withTracer(capturing))
      const span = spans.find((s) => s.name === "GET /profile")
      expect(span?.attributes.get("session.auth.rejected")).toBe("malformed")
    }).pipe(Effect.provide(Auth.layer)),
  )

  it.effect("fails with the typed error instead under the fail policy", () =>
    Effect.gen(function* () {
      const cookies = yield* sealedAs({ id: "not-a-number", name: "Old shape" })
      const { result } = yield* request(
        Effect.flatMap(StrictAuth, (s) => s.get),
        cookies,
      )
      expect(Either.getLeft(result)).toEqual(Option.some(expect.objectContaining({ _tag: "SchemaMismatchError" })))
    }).pipe(Effect.provide(StrictAuth.layer)),
  )

  it.effect("reads a tampered cookie as empty with BadSealError integrity", () =>
    Effect.gen(function* () {
      const first = yield* request(Effect.flatMap(Auth, (auth) => auth.set(ada)))
      const sealed = first.store.cookies.get("auth") ?? ""
      const parts = sealed.split("*")
      parts[4] = `${parts[4]?.startsWith("A") ? "B" : "A"}${parts[4]?.slice(1)}`
      const { result } = yield* request(
        Effect.flatMap(Auth, (s) => Effect.all([s.get, s.rejection])),
        new Map([["auth", parts.join("*")]]),
      )
      const [current, reason] = value(result)
      expect(current).toEqual(Option.none())
      expect(Option.getOrThrow(reason)).toMatchObject({ _tag: "BadSealError", reason: "integrity" })
      const strict = yield* request(
        Effect.flatMap(StrictAuth, (s) => s.get),
        new Map([["auth", parts.join("*")]]),
      )
      expect(Either.getLeft(strict.result)).toEqual(Option.some(expect.objectContaining({ _tag: "BadSealError" })))
    }).pipe(Effect.provide(Layer.mergeAll(Auth.layer, StrictAuth.layer))),
  )

  it.effect("expires the session when the Clock passes its ttl", () =>
    Effect.gen(function* () {
      class Short extends Session.Tag<Short>()("test/Short", {
        schema: User,
        cookieName: "auth",
        password,
        ttl: "1 hour",
      }) {}
      const first = yield* request(Effect.flatMap(Short, (s) => s.set(ada))).pipe(Effect.provide(Short.layer))
      expect(first.store.setCookieHeaders[0]).toContain("Max-Age=3540;")
      yield* TestClock.adjust(Duration.sum(Duration.hours(1), Duration.seconds(59)))
      const fresh = yield* request(
        Effect.flatMap(Short, (s) => s.get),
        first.store.cookies,
      ).pipe(Effect.provide(Short.layer))
      expect(value(fresh.result)).toEqual(Option.some(ada))
      yield* TestClock.adjust(Duration.seconds(2))
      const late = yield* request(
        Effect.flatMap(Short, (s) => Effect.all([s.get, s.rejection])),
        first.store.cookies,
      ).pipe(Effect.provide(Short.layer))
      const [current, reason] = value(late.result)
      expect(current).toEqual(Option.none())
      expect(Option.getOrThrow(reason)._tag).toBe("SealExpiredError")
    }),
  )

  it.effect("rotates across two password ids without signing anyone out", () =>
    Effect.gen(function* () {
      class V1 extends Session.Tag<V1>()("test/V1", { schema: User, cookieName: "auth", password: { 1: password } }) {}
      class V2 extends Session.Tag<V2>()("test/V2", {
        schema: User,
        cookieName: "auth",
        password: { 1: password, 2: newer },
      }) {}
      class V3 extends Session.Tag<V3>()("test/V3", { schema: User, cookieName: "auth", password: { 2: newer } }) {}
      const old = yield* request(Effect.flatMap(V1, (s) => s.set(ada))).pipe(Effect.provide(V1.layer))
      expect(old.store.cookies.get("auth")).toMatch(/^Fe26\.2\*1\*/)
      const rotated = yield* request(
        Effect.flatMap(V2, (s) => Effect.zipLeft(s.get, s.save)),
        old.store.cookies,
      ).pipe(Effect.provide(V2.layer))
      expect(value(rotated.result)).toEqual(Option.some(ada))
      expect(rotated.store.cookies.get("auth")).toMatch(/^Fe26\.2\*2\*/)
      const later = yield* request(
        Effect.flatMap(V3, (s) => s.get),
        rotated.store.cookies,
      ).pipe(Effect.provide(V3.layer))
      expect(value(later.result)).toEqual(Option.some(ada))
      const stale = yield* request(
        Effect.flatMap(V3, (s) => s.rejection),
        old.store.cookies,
      ).pipe(Effect.provide(V3.layer))
      expect(Option.getOrThrow(value(stale.result))).toMatchObject({
        _tag: "BadSealError",
        reason: "unknown-password-id",
      })
    }),
  )
})

describe("Session size and chunks", () => {
  const Notes = Schema.Struct({ notes: Schema.String })
  const notes = (length: number) => ({ notes: "x".repeat(length) })
  class Big extends Session.Tag<Big>()("test/Big", { schema: Notes, cookieName: "big", password, chunk: true }) {}
  class Unchunked extends Session.Tag<Unchunked>()("test/Unchunked", { schema: Notes, cookieName: "big", password }) {}
  const layers = Layer.mergeAll(Big.layer, Unchunked.layer)

  it.effect("refuses a cookie over 4096 bytes with CookieTooLargeError naming the size, and writes nothing", () =>
    Effect.gen(function* () {
      const { result, store } = yield* request(
        Effect.flatMap(Unchunked, (s) => Effect.zipRight(s.set(notes(4000)), s.get)),
      )
      const error = Option.getOrThrow(Either.getLeft(result))
      expect(error).toMatchObject({ _tag: "CookieTooLargeError", cookieName: "big", limit: 4096 })
      expect(error._tag === "CookieTooLargeError" && error.size > 4096).toBe(true)
      expect(error.message).toMatch(/is \d+ bytes, over the 4096-byte limit/)
      expect(store.setCookieHeaders).toEqual([])
    }).pipe(Effect.provide(layers)),
  )

  it.effect("splits a large session into chunks and reads them back, whatever the chunk setting", () =>
    Effect.gen(function* () {
      const first = yield* request(Effect.flatMap(Big, (s) => s.set(notes(6000))))
      expect([...first.store.cookies.keys()]).toEqual(["big.0", "big.1", "big.2"])
      for (const header of first.store.setCookieHeaders)
        expect(new TextEncoder().encode(header).length).toBeLessThanOrEqual(4096)
      const read = yield* request(
        Effect.flatMap(Big, (s) => s.get),
        first.store.cookies,
      )
      expect(value(read.result)).toEqual(Option.some(notes(6000)))
      const readUnchunked = yield* request(
        Effect.flatMap(Unchunked, (s) => s.get),
        first.store.cookies,
      )
      expect(value(readUnchunked.result)).toEqual(Option.some(notes(6000)))
    }).pipe(Effect.provide(layers)),
  )

  it.effect("expires stale chunks when the session shrinks", () =>
    Effect.gen(function* () {
      const three = yield* request(Effect.flatMap(Big, (s) => s.set(notes(6000))))
      const one = yield* request(
        Effect.flatMap(Big, (s) => s.set(notes(10))),
        three.store.cookies,
      )
      expect(one.store.setCookieHeaders.map((h) => h.split(";")[0])).toEqual([
        `big=${one.store.cookies.get("big")}`,
        "big.0=",
        "big.1=",
        "big.2=",
      ])
      expect(one.store.setCookieHeaders.slice(1).every((h) => h.includes("Max-Age=0"))).toBe(true)
      expect([...one.store.cookies.keys()]).toEqual(["big"])
      const two = yield* request(
        Effect.flatMap(Big, (s) => s.set(notes(5000))),
        three.store.cookies,
      )
      expect([...two.store.cookies.keys()]).toEqual(["big.0", "big.1"])
      const grown = yield* request(
        Effect.flatMap(Big, (s) => s.set(notes(5000))),
        one.store.cookies,
      )
      expect([...grown.store.cookies.keys()]).toEqual(["big.0", "big.1"])
      const read = yield* request(
        Effect.flatMap(Big, (s) => s.get),
        grown.store.cookies,
      )
      expect(value(read.result)).toEqual(Option.some(notes(5000)))
    }).pipe(Effect.provide(layers)),
  )

  it.effect("refuses a session that needs more than 4 chunks, and writes nothing", () =>
    Effect.gen(function* () {
      const { result, store } = yield* request(Effect.flatMap(Big, (s) => s.set(notes(12_000))))
      const error = Option.getOrThrow(Either.getLeft(result))
      expect(error).toMatchObject({ _tag: "CookieTooLargeError", chunks: 5, maxChunks: 4 })
      expect(error.message).toContain("Store an id in the session")
      expect(store.setCookieHeaders).toEqual([])
    }).pipe(Effect.provide(layers)),
  )

  it.effect("destroy expires the cookie and its chunks, and is terminal for the request", () =>
    Effect.gen(function* () {
      const first = yield* request(Effect.flatMap(Big, (s) => s.set(notes(6000))))
      const { result, store } = yield* request(
        Effect.gen(function* () {
          const s = yield* Big
          yield* s.destroy
          const afterDestroy = yield* s.get
          yield* s.save
          const setAgain = yield* Effect.either(s.set(notes(1)))
          return { afterDestroy, setAgain }
        }),
        first.store.cookies,
      )
      const { afterDestroy, setAgain } = value(result)
      expect(afterDestroy).toEqual(Option.none())
      expect(Either.getLeft(setAgain)).toEqual(
        Option.some(expect.objectContaining({ _tag: "SessionDestroyedError", cookieName: "big" })),
      )
      expect(store.setCookieHeaders.map((h) => h.split(";")[0])).toEqual(["big=", "big.0=", "big.1=", "big.2="])
      expect(store.setCookieHeaders.every((h) => h.includes("Max-Age=0"))).toBe(true)
      expect(store.cookies.size).toBe(0)
    }).pipe(Effect.provide(layers)),
  )
})

describe("Session options", () => {
  it.effect("checks the options when the layer is built", () =>
    Effect.gen(function* () {
      const short = Session.make({ schema: User, cookieName: "a", password: "short" })
      expect(yield* Effect.flip(short)).toMatchObject({ _tag: "PasswordTooShortError" })
      const noName = Session.make({ schema: User, cookieName: "", password })
      expect(yield* Effect.flip(noName)).toMatchObject({ _tag: "MissingOptionError", option: "cookieName" })
      const badName = Session.make({ schema: User, cookieName: "a b", password })
      expect(yield* Effect.flip(badName)).toMatchObject({ _tag: "InvalidOptionError", option: "cookieName" })
      const zero = Session.make({ schema: User, cookieName: "a", password, ttl: 0 })
      expect(yield* Effect.flip(zero)).toMatchObject({ _tag: "InvalidOptionError", option: "ttl" })
    }),
  )

  it.effect("reads the password from Config, kept Redacted", () =>
    Effect.gen(function* () {
      const fromConfig = Session.make({
        schema: User,
        cookieName: "auth",
        password: Config.redacted("SESSION_PASSWORD"),
      })
      const missing = yield* Effect.flip(fromConfig)
      expect(missing._tag).toBe("ConfigError")
      const provider = ConfigProvider.fromMap(new Map([["SESSION_PASSWORD", password]]))
      const session = yield* fromConfig.pipe(Effect.withConfigProvider(provider))
      const { store } = yield* request(session.set(ada))
      const check = yield* Seal.unseal(store.cookies.get("auth") ?? "", { password: Redacted.make(password) })
      expect(check).toEqual({ id: 1, name: "Ada", signedInAt: ada.signedInAt.getTime() })
    }),
  )

  it.effect(
    "takes @effect/platform's cookie options (maxAge a Duration), and maxAge: undefined for a browser-session cookie",
    () =>
      Effect.gen(function* () {
        const custom = yield* Session.make({
          schema: User,
          cookieName: "a",
          password,
          cookieOptions: { maxAge: "10 minutes", sameSite: "strict", domain: "example.com" },
        })
        const browser = yield* Session.make({
          schema: User,
          cookieName: "b",
          password,
          cookieOptions: { maxAge: undefined },
        })
        const { store } = yield* request(Effect.zipRight(custom.set(ada), browser.set(ada)))
        expect(store.setCookieHeaders[0]).toMatch(
          /; Max-Age=600; Domain=example\.com; Path=\/; HttpOnly; Secure; SameSite=Strict$/,
        )
        expect(store.setCookieHeaders[1]).toMatch(/^b=[^;]+; Path=\/; HttpOnly; Secure; SameSite=Lax$/)
      }),
  )

  it.effect("refuses to save with cookieOptions.expires in the past", () =>
    Effect.gen(function* () {
      yield* TestClock.setTime(Date.parse("2026-06-01T00:00:00Z"))
      const session = yield* Session.make({
        schema: User,
        cookieName: "a",
        password,
        cookieOptions: { expires: new Date("2026-01-01T00:00:00Z") },
      })
      const { result, store } = yield* request(session.set(ada))
      expect(Either.getLeft(result)).toEqual(
        Option.some(expect.objectContaining({ _tag: "InvalidOptionError", option: "cookieOptions.expires" })),
      )
      expect(store.setCookieHeaders).toEqual([])
    }),
  )
})

describe("Session over real runtimes", () => {
  const runtime = Layer.toRuntime(Auth.layer).pipe(Effect.scoped, Effect.runSync)
  const runWith = <A, E>(effect: Effect.Effect<A, E, Auth | CookieStore.CookieStore>, store: CookieStore.CookieStore) =>
    Effect.runPromiseExit(Effect.provideService(effect, CookieStore.CookieStore, store).pipe(Effect.provide(runtime)))

  it("reads, writes and destroys over Node's req/res on a real server, keeping earlier Set-Cookie headers", async () => {
    const handler = async (req: import("node:http").IncomingMessage, res: import("node:http").ServerResponse) => {
      res.setHeader("set-cookie", "theme=dark; Path=/")
      const store = CookieStore.fromNode(req, res)
      const url = new URL(req.url ?? "/", "http://x")
      const exit = await runWith(
        Effect.gen(function* () {
          const auth = yield* Auth
          if (url.pathname === "/login") yield* auth.set(ada)
          if (url.pathname === "/logout") yield* auth.destroy
          if (url.pathname === "/late") {
            res.flushHeaders()
            yield* auth.set(ada)
          }
          return Option.map(yield* auth.get, (u) => u.name)
        }),
        store,
      )
      res.end(
        JSON.stringify(Exit.isSuccess(exit) ? exit.value : { failed: String(Exit.isFailure(exit) && exit.cause) }),
      )
    }
    await withServer(handler, async (url) => {
      const login = await fetch(`${url}/login`)
      expect(await login.json()).toEqual({ _id: "Option", _tag: "Some", value: "Ada" })
      const setCookies = login.headers.getSetCookie()
      expect(setCookies[0]).toBe("theme=dark; Path=/")
      expect(setCookies[1]).toMatch(/^auth=Fe26\.2\*/)
      const browser = cookieHeaderFrom(setCookies)

      const profile = await fetch(`${url}/profile`, { headers: { cookie: browser.header } })
      expect(await profile.json()).toEqual({ _id: "Option", _tag: "Some", value: "Ada" })

      const late = await fetch(`${url}/late`, { headers: { cookie: browser.header } })
      expect(await late.text()).toContain("CookieNotWritableError")

      const logout = await fetch(`${url}/logout`, { headers: { cookie: browser.header } })
      expect(await logout.json()).toEqual({ _id: "Option", _tag: "None" })
      expect(logout.headers.getSetCookie()[1]).toBe("auth=; Max-Age=0; Path=/; HttpOnly; Secure; SameSite=Lax")
      expect(cookieHeaderFrom(logout.headers.getSetCookie(), browser.jar).jar.auth).toBeUndefined()
    })
  })

  it("reads, writes and destroys over web Request and Response, and refuses once the body was used", async () => {
    const login = new Response("ok", { headers: { "set-cookie": "theme=dark" } })
    const exit = await runWith(
      Effect.flatMap(Auth, (a) => a.set(ada)),
      CookieStore.fromWeb(new Request("http://127.0.0.1/login"), login),
    )
    expect(Exit.isSuccess(exit)).toBe(true)
    const [theme, auth = ""] = login.headers.getSetCookie()
    expect(theme).toBe("theme=dark")
    const cookie = cookieHeaderFrom([auth]).header

    const read = await runWith(
      Effect.flatMap(Auth, (a) => a.get),
      CookieStore.fromWeb(new Request("http://127.0.0.1/", { headers: { cookie } }), new Headers()),
    )
    expect(Exit.isSuccess(read) && read.value).toEqual(Option.some(ada))

    const headers = new Headers()
    await runWith(
      Effect.flatMap(Auth, (a) => a.destroy),
      CookieStore.fromWeb(new Request("http://127.0.0.1/", { headers: { cookie } }), headers),
    )
    expect(headers.getSetCookie()).toEqual(["auth=; Max-Age=0; Path=/; HttpOnly; Secure; SameSite=Lax"])

    const used = new Response("body")
    await used.text()
    const refused = await runWith(
      Effect.flatMap(Auth, (a) => a.set(ada)),
      CookieStore.fromWeb(new Request("http://127.0.0.1/"), used),
    )
    expect(Exit.isFailure(refused) && JSON.stringify(refused.cause)).toContain("body-used")
  })
})

describe("Session writes twice in one request", () => {
  const Notes = Schema.Struct({ notes: Schema.String })
  class Big extends Session.Tag<Big>()("test/BigWeb", { schema: Notes, cookieName: "big", password, chunk: true }) {}
  const runtime = Layer.toRuntime(Big.layer).pipe(Effect.scoped, Effect.runSync)
  const inRequest = <A, E>(effect: Effect.Effect<A, E, Big | CookieStore.CookieStore>, cookie?: string) => {
    const headers = new Headers()
    const request = new Request("http://127.0.0.1/", cookie === undefined ? {} : { headers: { cookie } })
    const exit = Effect.runSyncExit(
      Effect.provideService(effect, CookieStore.CookieStore, CookieStore.fromWeb(request, headers)).pipe(
        Effect.provide(runtime),
      ),
    )
    return { exit, setCookies: headers.getSetCookie() }
  }
  const names = (setCookies: ReadonlyArray<string>) => setCookies.map((h) => h.split("=")[0])

  it("destroy expires the chunks written earlier in the same request", () => {
    const { exit, setCookies } = inRequest(
      Effect.flatMap(Big, (s) => Effect.zipRight(s.set({ notes: "x".repeat(6000) }), s.destroy)),
    )
    expect(Exit.isSuccess(exit)).toBe(true)
    const browser = cookieHeaderFrom(setCookies)
    expect(browser.jar).toEqual({})
    const next = inRequest(
      Effect.flatMap(Big, (s) => s.get),
      browser.header,
    )
    expect(Exit.isSuccess(next.exit) && next.exit.value).toEqual(Option.none())
  })

  it("a session that grows into chunks in the request it was first saved expires its whole cookie", () => {
    const { setCookies } = inRequest(
      Effect.flatMap(Big, (s) => Effect.zipRight(s.set({ notes: "small" }), s.set({ notes: "x".repeat(6000) }))),
    )
    expect(names(setCookies)).toEqual(["big", "big.0", "big.1", "big.2", "big"])
    const browser = cookieHeaderFrom(setCookies)
    expect(Object.keys(browser.jar)).toEqual(["big.0", "big.1", "big.2"])
    const next = inRequest(
      Effect.flatMap(Big, (s) => s.get),
      browser.header,
    )
    expect(Exit.isSuccess(next.exit) && Option.map(next.exit.value, (v) => v.notes.length)).toEqual(Option.some(6000))
  })
})

describe("Session size on Next.js, which adds an Expires", () => {
  const Notes = Schema.Struct({ notes: Schema.String })
  const run = (effect: Effect.Effect<void, unknown, CookieStore.CookieStore>, store: CookieStore.CookieStore) =>
    Effect.runSyncExit(Effect.provideService(effect, CookieStore.CookieStore, store))

  it("counts Next's Expires, so no header it sends is over 4096 bytes", async () => {
    const { NextRequest, NextResponse } = await import("next/server.js")
    const plain = Effect.runSync(Session.make({ schema: Notes, cookieName: "n", password }))
    const chunked = Effect.runSync(Session.make({ schema: Notes, cookieName: "n", password, chunk: true }))
    // Find a session that fits a plain Set-Cookie but not one with an Expires added.
    let length = 2700
    let header = 0
    while (header < 4096 - 20 || header > 4096) {
      const headers = new Headers()
      run(plain.set({ notes: "x".repeat(length) }), CookieStore.fromWeb(new Request("http://127.0.0.1/"), headers))
      header = new TextEncoder().encode(headers.getSetCookie()[0] ?? "").length
      if (header > 4096) length -= 10
      else length += 10
    }
    const request = new NextRequest("http://127.0.0.1/")
    const response = NextResponse.next()
    const exit = run(plain.set({ notes: "x".repeat(length) }), CookieStore.fromNextProxy(request, response))
    expect(Exit.isFailure(exit) && JSON.stringify(exit.cause)).toContain("CookieTooLargeError")

    const chunkedResponse = NextResponse.next()
    const ok = run(
      chunked.set({ notes: "x".repeat(length) }),
      CookieStore.fromNextProxy(new NextRequest("http://127.0.0.1/"), chunkedResponse),
    )
    expect(Exit.isSuccess(ok)).toBe(true)
    const sent = chunkedResponse.headers.getSetCookie()
    expect(sent.length).toBe(2)
    for (const h of sent) expect(new TextEncoder().encode(h).length).toBeLessThanOrEqual(4096)
  })
})

describe("Session declared with accessors and Config", () => {
  class Configured extends Session.Tag<Configured>()("test/Configured", {
    schema: User,
    cookieName: Config.string("COOKIE_NAME"),
    password: Config.redacted("SESSION_PASSWORD"),
    ttl: Config.duration("SESSION_TTL"),
    chunk: Config.boolean("SESSION_CHUNK"),
    cookieOptions: {
      secure: Config.boolean("COOKIE_SECURE"),
      sameSite: Config.literal("lax", "strict", "none")("COOKIE_SAME_SITE"),
      path: "/app",
    },
  }) {}
  const env = (entries: Record<string, string>) =>
    Layer.setConfigProvider(ConfigProvider.fromMap(new Map(Object.entries(entries))))
  const good = {
    COOKIE_NAME: "configured",
    SESSION_PASSWORD: password,
    SESSION_TTL: "2 hours",
    SESSION_CHUNK: "false",
    COOKIE_SECURE: "false",
    COOKIE_SAME_SITE: "strict",
  }

  it.effect("reads every option from Config when the layer is built, cookieOptions included", () =>
    Effect.gen(function* () {
      const { result, store } = yield* request(
        Effect.gen(function* () {
          yield* Configured.set(ada)
          return yield* Configured.get
        }),
      ).pipe(Effect.provide(Configured.layer.pipe(Layer.provide(env(good)))))
      expect(value(result)).toEqual(Option.some(ada))
      expect(store.setCookieHeaders[0]).toMatch(
        /^configured=Fe26\.2\*1\*[^;]+; Max-Age=7140; Path=\/app; HttpOnly; SameSite=Strict$/,
      )
      expect(store.setCookieHeaders[0]).not.toContain("Secure")
    }),
  )

  it.effect("fails the layer at start-up for a missing or bad value, naming it", () =>
    Effect.gen(function* () {
      const build = (entries: Record<string, string>) =>
        Effect.flip(Layer.build(Configured.layer.pipe(Layer.provide(env(entries)))).pipe(Effect.scoped))
      const { SESSION_PASSWORD: _, ...noPassword } = good
      expect(String(yield* build(noPassword))).toContain("SESSION_PASSWORD")
      expect(String(yield* build({ ...good, COOKIE_SECURE: "maybe" }))).toContain("COOKIE_SECURE")
      expect(String(yield* build({ ...good, COOKIE_SAME_SITE: "sometimes" }))).toContain("COOKIE_SAME_SITE")
      expect(yield* build({ ...good, SESSION_PASSWORD: "short" })).toMatchObject({ _tag: "PasswordTooShortError" })
      expect(yield* build({ ...good, COOKIE_NAME: "a b" })).toMatchObject({
        _tag: "InvalidOptionError",
        option: "cookieName",
      })
    }),
  )

  it.effect("gives accessors that need only the session and the request's CookieStore", () =>
    Effect.gen(function* () {
      const first = yield* request(
        Effect.gen(function* () {
          const before = yield* Auth.get
          yield* Auth.set(ada)
          yield* Auth.update((current) => ({ ...Option.getOrThrow(current), name: "Ada L." }))
          yield* Auth.save
          return { before, rejection: yield* Auth.rejection }
        }),
      )
      expect(value(first.result)).toEqual({ before: Option.none(), rejection: Option.none() })
      expect(first.store.setCookieHeaders).toHaveLength(3)
      const second = yield* request(
        Effect.gen(function* () {
          const user = yield* Auth.get
          yield* Auth.destroy
          return { user, after: yield* Auth.get }
        }),
        first.store.cookies,
      )
      expect(value(second.result)).toEqual({ user: Option.some({ ...ada, name: "Ada L." }), after: Option.none() })
      expect(second.store.cookies.size).toBe(0)
    }).pipe(Effect.provide(Auth.layer)),
  )
})

describe("Session cookie names and prefixes, checked when the layer is built", () => {
  const build = (cookieName: string, cookieOptions: CookieStore.CookieOptions = {}) =>
    Effect.flip(Session.make({ schema: User, cookieName, password, cookieOptions }))

  it.effect("refuses a name @effect/platform would refuse (RFC 6265 tokens only)", () =>
    Effect.gen(function* () {
      for (const name of ["app:session", "a b", "a;b", "ünïcode", "a=b", "(x)"]) {
        expect(yield* build(name)).toMatchObject({ _tag: "InvalidOptionError", option: "cookieName" })
      }
    }),
  )

  it.effect("refuses __Host- with a Domain, a Path other than /, or without Secure; __Secure- without Secure", () =>
    Effect.gen(function* () {
      expect(yield* build("__Host-s", { domain: "example.com" })).toMatchObject({ option: "cookieOptions.domain" })
      expect(yield* build("__Host-s", { path: "/app" })).toMatchObject({ option: "cookieOptions.path" })
      expect(yield* build("__Host-s", { secure: false })).toMatchObject({ option: "cookieOptions.secure" })
      expect(yield* build("__secure-s", { secure: false })).toMatchObject({ option: "cookieOptions.secure" })
      const fine = yield* Session.make({ schema: User, cookieName: "__Host-s", password })
      expect(fine.cookieName).toBe("__Host-s")
    }),
  )

  it.effect("refuses a maxAge that is not a finite duration", () =>
    Effect.gen(function* () {
      expect(yield* build("s", { maxAge: Duration.infinity })).toMatchObject({ option: "cookieOptions.maxAge" })
    }),
  )
})
