/**
 * The test kit, used the way an app's own tests would use it: a small app
 * (a profile page, a logout that flashes a notice, a Next-style route on the
 * Promise facade) and tests that sign a user in with the kit.
 */
import { HttpApp, HttpRouter, HttpServerResponse } from "@effect/platform"
import { afterAll, describe, expect, it } from "@effect/vitest"
import { Effect, Layer, Option, Schema, TestClock } from "effect"
import { CookieStore, Flash, Session, Testing } from "effect-iron-session"
import * as HttpSession from "effect-iron-session/HttpSession"
import { getIronSession } from "effect-iron-session/promise"
import * as IronSession from "iron-session"

// --- the app under test ----------------------------------------------------

const password = "a-password-that-is-at-least-32-characters-long"

const User = Schema.Struct({ name: Schema.String, signedInAt: Schema.DateFromNumber })
type User = typeof User.Type

class Auth extends Session.Tag<Auth>()("app/Auth", { schema: User, cookieName: "auth", password, ttl: "1 hour" }) {}
class Notice extends Flash.Tag<Notice>()("app/Notice", { schema: Schema.String, cookieName: "flash", password }) {}

/** A session large enough to need chunks. */
class Big extends Session.Tag<Big>()("app/Big", {
  schema: Schema.Struct({ blob: Schema.String }),
  cookieName: "big",
  password,
  chunk: true,
}) {}

const greeting = Effect.map(
  Auth.get,
  Option.match({ onNone: () => "Please sign in", onSome: (user) => `Hello ${user.name}` }),
)

const logout = Effect.zipRight(Auth.destroy, Notice.set("You are signed out"))

const router = HttpRouter.empty.pipe(
  HttpRouter.get("/", Effect.map(greeting, HttpServerResponse.text)),
  HttpRouter.post("/logout", Effect.as(Effect.orDie(logout), HttpServerResponse.redirect("/", { status: 303 }))),
  HttpRouter.get(
    "/big",
    Effect.map(Big.get, (big) => HttpServerResponse.text(String(Option.getOrUndefined(big)?.blob.length))),
  ),
)

const AppLayer = Layer.mergeAll(Auth.layer, Notice.layer, Big.layer)

/** A Route Handler on the Promise facade, as a Next.js app would write it. */
const facadeOptions = { cookieName: "app", password, ttl: 3600 }
async function GET(request: Request) {
  const session = await getIronSession<{ userId?: number }>(request, new Response(), facadeOptions)
  return new Response(session.userId === undefined ? "anonymous" : `user ${session.userId}`)
}

// --- the tests ---------------------------------------------------------------

const ada: User = { name: "Ada", signedInAt: new Date("2026-01-01T00:00:00.000Z") }

describe("Testing.cookieHeader with a real HttpApp", () => {
  const web = HttpApp.toWebHandlerLayer(router.pipe(HttpSession.middleware), AppLayer)
  afterAll(() => web.dispose())
  const get = (path: string, cookie: string) =>
    web.handler(new Request(`http://localhost${path}`, { headers: { cookie } }))

  // it.live: the app runs on the real clock, so the cookie must be made on it
  // too (under it.effect it would be sealed at the TestClock's 1970).
  it.live("signs a user in for a request to the app", () =>
    Effect.gen(function* () {
      const cookie = yield* Testing.cookieHeader(Auth, ada)
      expect(cookie).toMatch(/^auth=Fe26\.2\*1\*[^;]+~2$/)
      const response = yield* Effect.promise(() => get("/", cookie))
      expect(yield* Effect.promise(() => response.text())).toBe("Hello Ada")
    }).pipe(Effect.provide(Auth.layer)),
  )

  it.live("gives several cookies for a chunked session", () =>
    Effect.gen(function* () {
      const blob = "x".repeat(6000)
      const cookie = yield* Testing.cookieHeader(Big, { blob })
      expect(cookie.split("; ").map((pair) => pair.split("=")[0])).toEqual(["big.0", "big.1", "big.2"])
      const response = yield* Effect.promise(() => get("/big", cookie))
      expect(yield* Effect.promise(() => response.text())).toBe("6000")
    }).pipe(Effect.provide(Big.layer)),
  )

  it.effect("fails with the session's own error for a value its schema refuses", () =>
    Effect.gen(function* () {
      const error = yield* Effect.flip(
        Testing.cookieHeader(Auth, { name: 42 as unknown as string, signedInAt: new Date() }),
      )
      expect(error._tag).toBe("SchemaMismatchError")
    }).pipe(Effect.provide(Auth.layer)),
  )
})

describe("Testing.withSession and Testing.layerCookies", () => {
  it.effect("runs a handler as a signed-in user", () =>
    Effect.gen(function* () {
      expect(yield* greeting).toBe("Hello Ada")
      const store = yield* Testing.MemoryStore
      expect(store.setCookieHeaders).toEqual([])
    }).pipe(Effect.provide(Testing.withSession(Auth, ada)), Effect.provide(Auth.layer)),
  )

  it.effect("reads back what the handler wrote", () =>
    Effect.gen(function* () {
      yield* logout
      const store = yield* Testing.MemoryStore
      expect(store.setCookieHeaders[0]).toBe("auth=; Max-Age=0; Path=/; HttpOnly; Secure; SameSite=Lax")
      expect([...store.cookies.keys()]).toEqual(["flash"])
    }).pipe(Effect.provide(Testing.withSession(Auth, ada)), Effect.provide(AppLayer)),
  )

  it.effect("follows a flow across requests: logout, then the page shows the notice once", () =>
    Effect.gen(function* () {
      const first = yield* Effect.zipRight(logout, Testing.MemoryStore).pipe(
        Effect.provide(Testing.withSession(Auth, ada)),
      )
      const page = Effect.all([greeting, Notice.take, Testing.MemoryStore])
      const [text, notice, second] = yield* Effect.provide(page, Testing.layerCookies(first.cookies))
      expect([text, notice]).toEqual(["Please sign in", Option.some("You are signed out")])
      const [, again] = yield* Effect.provide(page, Testing.layerCookies(second.cookies))
      expect(again).toEqual(Option.none())
    }).pipe(Effect.provide(AppLayer)),
  )

  it.effect("puts a flash in the browser too, and combines cookies of two sessions", () =>
    Effect.gen(function* () {
      const cookies = { ...(yield* Testing.cookies(Auth, ada)), ...(yield* Testing.cookies(Notice, "Welcome back")) }
      const [text, notice] = yield* Effect.all([greeting, Notice.take]).pipe(
        Effect.provide(Testing.layerCookies(cookies)),
      )
      expect([text, notice]).toEqual(["Hello Ada", Option.some("Welcome back")])
    }).pipe(Effect.provide(AppLayer)),
  )

  it.effect("gives each build of the layer a request of its own", () =>
    Effect.gen(function* () {
      const layer = Testing.layerCookies({ theme: "dark" })
      const write = Effect.flatMap(CookieStore.CookieStore, (store) => store.set("theme", "light"))
      yield* Effect.provide(write, layer)
      const theme = yield* Effect.provide(
        Effect.flatMap(CookieStore.CookieStore, (store) => store.get("theme")),
        layer,
      )
      expect(theme).toEqual(Option.some("dark"))
    }),
  )
})

describe("moving time with TestClock", () => {
  it.effect("a session written at T reads as none once its ttl (and iron's minute of skew) has passed", () =>
    Effect.gen(function* () {
      const cookies = yield* Testing.cookies(Auth, ada)
      const signedIn = Effect.provide(greeting, Testing.layerCookies(cookies))
      yield* TestClock.adjust("60 minutes")
      expect(yield* signedIn).toBe("Hello Ada")
      yield* TestClock.adjust("1 minute")
      expect(yield* signedIn).toBe("Please sign in")
    }).pipe(Effect.provide(Auth.layer)),
  )
})

describe("Testing.ironSessionCookie for the Promise facade", () => {
  it("signs a user in for a Route Handler", async () => {
    const cookie = await Testing.ironSessionCookie(facadeOptions, { userId: 42 })
    const response = await GET(new Request("http://localhost/", { headers: { cookie } }))
    expect(await response.text()).toBe("user 42")
  })

  it("makes a cookie the real iron-session 9 reads, by getIronSession and by unsealData", async () => {
    const cookie = await Testing.ironSessionCookie(facadeOptions, { userId: 7, roles: ["admin"] })
    const request = new Request("http://localhost/", { headers: { cookie } })
    const session = await IronSession.getIronSession<{ userId?: number; roles?: Array<string> }>(
      request,
      new Response(),
      facadeOptions,
    )
    expect({ userId: session.userId, roles: session.roles }).toEqual({ userId: 7, roles: ["admin"] })
    const [, sealed = ""] = cookie.split("=")
    expect(await IronSession.unsealData(sealed, { password })).toEqual({ userId: 7, roles: ["admin"] })
  })

  it("chunks a large session as iron-session 9 does, and both read it back", async () => {
    const options = { ...facadeOptions, cookieName: "large", chunk: true }
    const data = { blob: "y".repeat(5000) }
    const cookie = await Testing.ironSessionCookie(options, data)
    expect(cookie.split("; ").map((pair) => pair.split("=")[0])).toEqual(["large.0", "large.1"])
    const request = () => new Request("http://localhost/", { headers: { cookie } })
    const ours = await getIronSession<typeof data>(request(), new Response(), options)
    const theirs = await IronSession.getIronSession<typeof data>(request(), new Response(), options)
    expect([ours.blob, theirs.blob]).toEqual([data.blob, data.blob])
  })

  it("seals with the options' ttl: the seal expires when iron-session's sealData would", async () => {
    const short = { ...facadeOptions, ttl: 120 }
    const expiryOf = (sealed: string) => Number(sealed.split("*")[5])
    const ours = (await Testing.ironSessionCookie(short, { userId: 1 })).split("=")[1] ?? ""
    const theirs = await IronSession.sealData({ userId: 1 }, { password, ttl: 120 })
    expect(Math.abs(expiryOf(ours) - expiryOf(theirs))).toBeLessThan(1000)
    expect(expiryOf(ours) - Date.now()).toBeGreaterThan(110_000)
  })
})
