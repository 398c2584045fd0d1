import {
  HttpApi,
  HttpApiBuilder,
  HttpApiEndpoint,
  HttpApiError,
  HttpApiGroup,
  HttpApiMiddleware,
  HttpApp,
  HttpRouter,
  HttpServer,
  HttpServerResponse,
} from "@effect/platform"
import * as Cookies from "@effect/platform/Cookies"
import { afterAll, describe, expect, it } from "@effect/vitest"
import { Config, ConfigProvider, Context, Effect, Either, Layer, Option, Schema } from "effect"
import { Session } from "effect-iron-session"
import * as HttpSession from "effect-iron-session/HttpSession"
import fc from "fast-check"
import { TOKEN } from "../src/internal/kernel/cookie.js"
import { cookieHeaderFrom } from "./helpers/server.js"

const password = "a-password-that-is-at-least-32-characters-long"

const Visit = Schema.Struct({ count: Schema.Number })
class Visits extends Session.Tag<Visits>()("test/Visits", { schema: Visit, cookieName: "visits", password }) {}

class Oops extends Schema.TaggedError<Oops>()("Oops", {}) {}
class Uncaught extends Schema.TaggedError<Uncaught>()("Uncaught", {}) {}
/** A name the `cookie` package takes and @effect/platform's Cookies refuses. */
class OddName extends Session.Tag<OddName>()("test/OddName", { schema: Visit, cookieName: "app:visits", password }) {}
/** Names that are also properties of every plain object. */
class Constructor extends Session.Tag<Constructor>()("test/Constructor", {
  schema: Visit,
  cookieName: "constructor",
  password,
}) {}
class ToString extends Session.Tag<ToString>()("test/ToString", { schema: Visit, cookieName: "toString", password }) {}
class ValueOf extends Session.Tag<ValueOf>()("test/ValueOf", { schema: Visit, cookieName: "valueOf", password }) {}
const prototypeNamed = [Constructor, ToString, ValueOf] as const

const bump = Effect.flatMap(Visits, (visits) =>
  visits.update((current) => ({ count: Option.match(current, { onNone: () => 1, onSome: (v) => v.count + 1 }) })),
)
const count = Effect.flatMap(Visits, (visits) => visits.get).pipe(
  Effect.map(Option.match({ onNone: () => 0, onSome: (v) => v.count })),
)

const router = HttpRouter.empty.pipe(
  HttpRouter.get(
    "/twice",
    Effect.gen(function* () {
      yield* bump
      yield* bump
      return HttpServerResponse.text(`count ${yield* count}`)
    }),
  ),
  HttpRouter.get(
    "/read",
    Effect.map(count, (n) => HttpServerResponse.text(`count ${n}`)),
  ),
  HttpRouter.get("/fail", Effect.zipRight(bump, Effect.fail(new Oops()))),
  HttpRouter.get(
    "/logout-fail",
    Effect.gen(function* () {
      yield* (yield* Visits).destroy
      return yield* Effect.fail(new Oops())
    }),
  ),
  HttpRouter.get("/die", Effect.zipRight(bump, Effect.dieMessage("boom"))),
  HttpRouter.get("/uncaught", Effect.zipRight(bump, Effect.fail(new Uncaught()))),
  HttpRouter.get(
    "/prototype-names",
    Effect.gen(function* () {
      const seen: Array<unknown> = []
      for (const session of prototypeNamed) {
        const current = yield* session.get
        seen.push(Option.getOrNull(current))
        yield* session.set({ count: Option.match(current, { onNone: () => 1, onSome: (v) => v.count + 1 }) })
      }
      return HttpServerResponse.unsafeJson(seen)
    }),
  ),
)

// A session touched before routing, so even a 404 carries its cookie.
const app = HttpSession.middleware(
  Effect.gen(function* () {
    const touch = yield* Visits
    yield* Effect.ignore(touch.get)
    return yield* router.pipe(
      Effect.catchTag("Oops", () => Effect.succeed(HttpServerResponse.text("oops", { status: 409 }))),
    )
  }).pipe(
    Effect.catchTag("RouteNotFound", () =>
      Effect.zipRight(bump, Effect.succeed(HttpServerResponse.empty({ status: 404 }))),
    ),
  ),
)

const web = HttpApp.toWebHandlerLayer(
  app,
  Layer.mergeAll(Visits.layer, Constructor.layer, ToString.layer, ValueOf.layer),
)
afterAll(() => web.dispose())

const get = (path: string, cookie?: string) =>
  web.handler(new Request(`http://127.0.0.1${path}`, cookie === undefined ? {} : { headers: { cookie } }))

describe("HttpSession.middleware with HttpApp.toWebHandler", () => {
  it("writes one Set-Cookie for a session saved twice", async () => {
    const response = await get("/twice")
    expect(await response.text()).toBe("count 2")
    const setCookies = response.headers.getSetCookie()
    expect(setCookies).toHaveLength(1)
    expect(setCookies[0]).toMatch(
      /^visits=Fe26\.2\*1\*[^;]+; Max-Age=1209540; Path=\/; HttpOnly; Secure; SameSite=Lax$/,
    )
    const next = await get("/read", cookieHeaderFrom(setCookies).header)
    expect(await next.text()).toBe("count 2")
  })

  it("writes no Set-Cookie when nothing changed", async () => {
    const first = await get("/twice")
    const response = await get("/read", cookieHeaderFrom(first.headers.getSetCookie()).header)
    expect(await response.text()).toBe("count 2")
    expect(response.headers.getSetCookie()).toEqual([])
  })

  it("writes the cookie on a typed-failure response", async () => {
    const response = await get("/fail")
    expect(response.status).toBe(409)
    const setCookies = response.headers.getSetCookie()
    expect(setCookies).toHaveLength(1)
    expect(await (await get("/read", cookieHeaderFrom(setCookies).header)).text()).toBe("count 1")
  })

  it("writes the cookie on the 500 of a typed failure nobody handled", async () => {
    const response = await get("/uncaught")
    expect(response.status).toBe(500)
    const setCookies = response.headers.getSetCookie()
    expect(setCookies).toHaveLength(1)
    expect(await (await get("/read", cookieHeaderFrom(setCookies).header)).text()).toBe("count 1")
  })

  it("refuses a cookie name the platform refuses when the layer is built, not at the first write", async () => {
    const error = await Effect.runPromise(Effect.flip(Layer.build(OddName.layer).pipe(Effect.scoped)))
    expect(error).toMatchObject({ _tag: "InvalidOptionError", option: "cookieName" })
    expect(error.message).toContain('"app:visits" is not a valid cookie name')
  })

  it("reads back sessions whose cookies are named constructor, toString and valueOf", async () => {
    const first = await get("/prototype-names")
    expect(await first.json()).toEqual([null, null, null])
    const setCookies = first.headers.getSetCookie()
    expect(setCookies.map((h) => h.split("=")[0])).toEqual(["constructor", "toString", "valueOf"])
    const second = await get("/prototype-names", cookieHeaderFrom(setCookies).header)
    expect(await second.json()).toEqual([{ count: 1 }, { count: 1 }, { count: 1 }])
  })

  it("writes the cookie on a defect's 500 response", async () => {
    const response = await get("/die")
    expect(response.status).toBe(500)
    expect(response.headers.getSetCookie()).toHaveLength(1)
  })

  it("expires the cookie when the session is destroyed on an error path", async () => {
    const first = await get("/twice")
    const response = await get("/logout-fail", cookieHeaderFrom(first.headers.getSetCookie()).header)
    expect(response.status).toBe(409)
    expect(response.headers.getSetCookie()).toEqual(["visits=; Max-Age=0; Path=/; HttpOnly; Secure; SameSite=Lax"])
  })

  it("writes the cookie on a 404", async () => {
    const response = await get("/nowhere")
    expect(response.status).toBe(404)
    const setCookies = response.headers.getSetCookie()
    expect(setCookies).toHaveLength(1)
    expect(await (await get("/read", cookieHeaderFrom(setCookies).header)).text()).toBe("count 1")
  })
})

describe("HttpSession with HttpApi", () => {
  const User = Schema.Struct({ name: Schema.String, signedInAt: Schema.DateFromNumber })
  class Auth extends Session.Tag<Auth>()("test/ApiAuth", {
    schema: User,
    cookieName: Config.string("COOKIE_NAME"),
    password: Config.redacted("SESSION_PASSWORD"),
    ttl: Config.duration("SESSION_TTL"),
  }) {}
  class CurrentUser extends Context.Tag("test/CurrentUser")<CurrentUser, typeof User.Type>() {}
  class Authenticated extends HttpApiMiddleware.Tag<Authenticated>()("test/Authenticated", {
    failure: HttpApiError.Unauthorized,
    provides: CurrentUser,
    security: { session: HttpSession.security("api_auth") },
  }) {}

  const Api = HttpApi.make("api").add(
    HttpApiGroup.make("account")
      .add(HttpApiEndpoint.post("login", "/login").setPayload(Schema.Struct({ name: Schema.String })))
      .add(
        HttpApiEndpoint.get("me", "/me")
          .addSuccess(Schema.Struct({ name: Schema.String, since: Schema.String }))
          .middleware(Authenticated),
      )
      .add(HttpApiEndpoint.post("logout", "/logout"))
      .middleware(HttpSession.Cookies),
  )

  const AccountLive = HttpApiBuilder.group(Api, "account", (handlers) =>
    handlers
      .handle("login", ({ payload }) =>
        Auth.set({ name: payload.name, signedInAt: new Date("2026-01-01T00:00:00Z") }).pipe(Effect.orDie),
      )
      .handle("me", () =>
        Effect.map(CurrentUser, (user) => ({ name: user.name, since: user.signedInAt.toISOString() })),
      )
      .handle("logout", () => Auth.destroy.pipe(Effect.orDie)),
  )

  const config = ConfigProvider.fromMap(
    new Map([
      ["COOKIE_NAME", "api_auth"],
      ["SESSION_PASSWORD", password],
      ["SESSION_TTL", "1 hour"],
    ]),
  )
  const ApiLive = HttpApiBuilder.api(Api).pipe(
    Layer.provide(AccountLive),
    Layer.provide(HttpSession.layerAuthentication(Authenticated, Auth)),
    Layer.provide(HttpSession.layerCookies),
    Layer.provide(Auth.layer),
    Layer.provide(Layer.setConfigProvider(config)),
  )
  const api = HttpApiBuilder.toWebHandler(Layer.mergeAll(ApiLive, HttpServer.layerContext))
  afterAll(() => api.dispose())

  const call = (method: string, path: string, init: { cookie?: string; body?: unknown } = {}) =>
    api.handler(
      new Request(`http://127.0.0.1${path}`, {
        method,
        headers: {
          ...(init.cookie === undefined ? {} : { cookie: init.cookie }),
          ...(init.body === undefined ? {} : { "content-type": "application/json" }),
        },
        ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
      }),
    )

  it("answers 401 without a session, provides the user with one, and 401 again after logout", async () => {
    const anonymous = await call("GET", "/me")
    expect(anonymous.status).toBe(401)
    expect(await anonymous.text()).toBe("")

    const login = await call("POST", "/login", { body: { name: "Ada" } })
    expect(login.status).toBe(204)
    const [cookie = ""] = login.headers.getSetCookie()
    expect(cookie).toMatch(/^api_auth=Fe26\.2\*[^;]+; Max-Age=3540; Path=\/; HttpOnly; Secure; SameSite=Lax$/)
    const browser = cookieHeaderFrom([cookie])

    const me = await call("GET", "/me", { cookie: browser.header })
    expect(me.status).toBe(200)
    expect(await me.json()).toEqual({ name: "Ada", since: "2026-01-01T00:00:00.000Z" })

    const logout = await call("POST", "/logout", { cookie: browser.header })
    const cleared = cookieHeaderFrom(logout.headers.getSetCookie(), browser.jar)
    expect(cleared.jar.api_auth).toBeUndefined()
    expect((await call("GET", "/me", { cookie: cleared.header })).status).toBe(401)
  })

  it("answers 401 for a tampered session cookie", async () => {
    const login = await call("POST", "/login", { body: { name: "Ada" } })
    const [cookie = ""] = login.headers.getSetCookie()
    const value = cookie.split(";")[0]?.split("=")[1] ?? ""
    const parts = value.split("*")
    parts[4] = `${parts[4]?.startsWith("A") ? "B" : "A"}${parts[4]?.slice(1)}`
    const response = await call("GET", "/me", { cookie: `api_auth=${parts.join("*")}` })
    expect(response.status).toBe(401)
  })
})

describe("cookie names on the Effect side", () => {
  it.prop(
    "a name passes the Effect API's check exactly when @effect/platform's Cookies.makeCookie takes it",
    [fc.oneof(fc.string(), fc.string({ unit: "binary" }), fc.stringMatching(/^[!-~]{1,12}$/))],
    ([name]) => {
      const platform = Either.isRight(Cookies.makeCookie(name, "v"))
      expect(TOKEN.test(name)).toBe(platform)
    },
    { timeout: 60_000, fastCheck: { numRuns: 2000 } },
  )
})
