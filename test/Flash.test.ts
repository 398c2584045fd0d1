import { HttpApp, HttpRouter, HttpServerResponse } from "@effect/platform"
import { afterAll, describe, expect, it } from "@effect/vitest"
import { Config, ConfigProvider, Effect, Either, Layer, Option, Schema, TestClock } from "effect"
import { CookieStore, Flash, Seal } from "effect-iron-session"
import * as HttpSession from "effect-iron-session/HttpSession"
import fc from "fast-check"
import { cookieHeaderFrom } from "./helpers/server.js"

const password = "a-password-that-is-at-least-32-characters-long"

class Notice extends Flash.Tag<Notice>()("test/Notice", { schema: Schema.String, cookieName: "flash", password }) {}

const Message = Schema.Struct({
  level: Schema.Literal("info", "error"),
  text: Schema.String,
  at: Schema.DateFromNumber,
})
class Alert extends Flash.Tag<Alert>()("test/Alert", { schema: Message, cookieName: "alert", password }) {}

/** Runs one "request" on a memory store holding `cookies`; returns the result and the store after. */
const request = <A, E, R>(effect: Effect.Effect<A, E, R>, cookies: ReadonlyMap<string, string> = new Map()) =>
  Effect.gen(function* () {
    const store = CookieStore.makeMemory(Object.fromEntries(cookies))
    const result = yield* Effect.either(Effect.provideService(effect, CookieStore.CookieStore, store))
    return { result, store }
  })

const value = <A, E>(result: Either.Either<A, E>): A => Either.getOrThrowWith(result, (e) => new Error(String(e)))

const expiry = "flash=; Max-Age=0; Path=/; HttpOnly; Secure; SameSite=Lax"

describe("Flash", () => {
  it.effect("reads none and writes nothing when nothing was flashed", () =>
    Effect.gen(function* () {
      const { result, store } = yield* request(Notice.take)
      expect(value(result)).toEqual(Option.none())
      expect(store.setCookieHeaders).toEqual([])
    }).pipe(Effect.provide(Notice.layer)),
  )

  it.effect("is set in one request, taken in the next, and gone in the one after", () =>
    Effect.gen(function* () {
      const first = yield* request(Notice.set("You are signed out"))
      expect(first.store.setCookieHeaders).toHaveLength(1)
      expect(first.store.setCookieHeaders[0]).toMatch(
        /^flash=Fe26\.2\*1\*[^;]+; Max-Age=240; Path=\/; HttpOnly; Secure; SameSite=Lax$/,
      )
      const second = yield* request(Notice.take, first.store.cookies)
      expect(value(second.result)).toEqual(Option.some("You are signed out"))
      expect(second.store.setCookieHeaders).toEqual([expiry])
      const third = yield* request(Notice.take, second.store.cookies)
      expect(value(third.result)).toEqual(Option.none())
      expect(third.store.setCookieHeaders).toEqual([])
    }).pipe(Effect.provide(Notice.layer)),
  )

  it.effect("gives every take in a request the same value and clears the cookie once", () =>
    Effect.gen(function* () {
      const first = yield* request(Notice.set("Saved"))
      const second = yield* request(
        Effect.gen(function* () {
          const together = yield* Effect.all([Notice.take, Notice.take], { concurrency: "unbounded" })
          return [...together, yield* Notice.take]
        }),
        first.store.cookies,
      )
      expect(value(second.result)).toEqual([Option.some("Saved"), Option.some("Saved"), Option.some("Saved")])
      expect(second.store.setCookieHeaders).toEqual([expiry])
    }).pipe(Effect.provide(Notice.layer)),
  )

  it.effect("keeps a typed value typed: a Date comes back a Date", () =>
    Effect.gen(function* () {
      const message = { level: "info" as const, text: "Welcome back", at: new Date("2026-03-01T10:00:00.000Z") }
      const first = yield* request(Alert.set(message))
      const second = yield* request(Alert.take, first.store.cookies)
      const taken = Option.getOrThrow(value(second.result))
      expect(taken.at).toBeInstanceOf(Date)
      expect(taken).toEqual(message)
    }).pipe(Effect.provide(Alert.layer)),
  )

  it.effect("reads an expired flash as none and clears it", () =>
    Effect.gen(function* () {
      const first = yield* request(Notice.set("Too late"))
      // 5 minutes of ttl and iron's 60 seconds of allowance for clock skew.
      yield* TestClock.adjust("6 minutes")
      const second = yield* request(Notice.take, first.store.cookies)
      expect(value(second.result)).toEqual(Option.none())
      expect(second.store.setCookieHeaders).toEqual([expiry])
    }).pipe(Effect.provide(Notice.layer)),
  )

  it.effect("reads a tampered flash as none and clears it", () =>
    Effect.gen(function* () {
      const first = yield* request(Notice.set("Hello"))
      const parts = (first.store.cookies.get("flash") ?? "").split("*")
      parts[4] = `${parts[4]?.startsWith("A") ? "B" : "A"}${parts[4]?.slice(1)}`
      const second = yield* request(Notice.take, new Map([["flash", parts.join("*")]]))
      expect(value(second.result)).toEqual(Option.none())
      expect(second.store.setCookieHeaders).toEqual([expiry])
    }).pipe(Effect.provide(Notice.layer)),
  )

  it.effect("reads a flash of another shape as none and clears it", () =>
    Effect.gen(function* () {
      const sealed = yield* Seal.seal({ text: "an object, not a string" }, { password })
      const { result, store } = yield* request(Notice.take, new Map([["flash", sealed]]))
      expect(value(result)).toEqual(Option.none())
      expect(store.setCookieHeaders).toEqual([expiry])
    }).pipe(Effect.provide(Notice.layer)),
  )

  it.effect("keeps a new flash set after the old one was taken in the same request", () =>
    Effect.gen(function* () {
      const first = yield* request(Notice.set("old"))
      const second = yield* request(Effect.zipLeft(Notice.take, Notice.set("new")), first.store.cookies)
      expect(value(second.result)).toEqual(Option.some("old"))
      const third = yield* request(Notice.take, second.store.cookies)
      expect(value(third.result)).toEqual(Option.some("new"))
    }).pipe(Effect.provide(Notice.layer)),
  )

  it.effect("shows a flash set earlier in the same request, once", () =>
    Effect.gen(function* () {
      const { result, store } = yield* request(Effect.zipRight(Notice.set("now"), Notice.take))
      expect(value(result)).toEqual(Option.some("now"))
      expect(store.cookies.has("flash")).toBe(false)
    }).pipe(Effect.provide(Notice.layer)),
  )

  it.effect("peeks without clearing", () =>
    Effect.gen(function* () {
      const first = yield* request(Notice.set("still here"))
      const second = yield* request(Effect.all([Notice.peek, Notice.peek]), first.store.cookies)
      expect(value(second.result)).toEqual([Option.some("still here"), Option.some("still here")])
      expect(second.store.setCookieHeaders).toEqual([])
      const third = yield* request(Effect.all([Notice.take, Notice.peek]), first.store.cookies)
      expect(value(third.result)).toEqual([Option.some("still here"), Option.some("still here")])
    }).pipe(Effect.provide(Notice.layer)),
  )

  it.effect("fails to take with CookieNotWritableError where the cookie cannot be cleared", () =>
    Effect.gen(function* () {
      const first = yield* request(Notice.set("read-only"))
      const store = CookieStore.makeMemory(Object.fromEntries(first.store.cookies))
      store.close("read-only")
      const error = yield* Effect.flip(Effect.provideService(Notice.take, CookieStore.CookieStore, store))
      expect(error).toMatchObject({ _tag: "CookieNotWritableError", cookieName: "flash", reason: "read-only" })
      expect(yield* Effect.provideService(Notice.peek, CookieStore.CookieStore, store)).toEqual(
        Option.some("read-only"),
      )
    }).pipe(Effect.provide(Notice.layer)),
  )

  it.effect("takes its cookie name, password, ttl and cookie options from Config", () =>
    Effect.gen(function* () {
      class Configured extends Flash.Tag<Configured>()("test/Configured", {
        schema: Schema.String,
        cookieName: Config.string("FLASH_COOKIE"),
        password: Config.redacted("FLASH_PASSWORD"),
        ttl: Config.duration("FLASH_TTL"),
        cookieOptions: { path: Config.string("FLASH_PATH"), sameSite: "strict" },
      }) {}
      const provider = ConfigProvider.fromMap(
        new Map([
          ["FLASH_COOKIE", "notice"],
          ["FLASH_PASSWORD", password],
          ["FLASH_TTL", "2 minutes"],
          ["FLASH_PATH", "/app"],
        ]),
      )
      const { store } = yield* request(Configured.set("hi")).pipe(
        Effect.provide(Configured.layer.pipe(Layer.provide(Layer.setConfigProvider(provider)))),
      )
      expect(store.setCookieHeaders[0]).toMatch(
        /^notice=Fe26[^;]+; Max-Age=60; Path=\/app; HttpOnly; Secure; SameSite=Strict$/,
      )
    }),
  )

  it.effect("fails its layer at start-up for a short password", () =>
    Effect.gen(function* () {
      class Short extends Flash.Tag<Short>()("test/Short", {
        schema: Schema.String,
        cookieName: "f",
        password: "short",
      }) {}
      const error = yield* Effect.flip(Layer.build(Short.layer).pipe(Effect.scoped))
      expect(error._tag).toBe("PasswordTooShortError")
    }),
  )

  it.effect.prop(
    "any string flashed is taken back unchanged",
    [fc.string({ unit: "grapheme", maxLength: 200 })],
    ([text]) =>
      Effect.gen(function* () {
        const first = yield* request(Notice.set(text))
        const second = yield* request(Notice.take, first.store.cookies)
        expect(value(second.result)).toEqual(Option.some(text))
      }).pipe(Effect.provide(Notice.layer)),
    { timeout: 60_000, fastCheck: { numRuns: 50 } },
  )
})

describe("Flash over HttpSession.middleware", () => {
  const router = HttpRouter.empty.pipe(
    HttpRouter.post(
      "/logout",
      Effect.as(Notice.set("You are signed out"), HttpServerResponse.redirect("/", { status: 303 })),
    ),
    HttpRouter.get(
      "/",
      Effect.map(Notice.take, (notice) => HttpServerResponse.text(Option.getOrElse(notice, () => "Welcome"))),
    ),
  )
  const web = HttpApp.toWebHandlerLayer(
    router.pipe(
      HttpSession.middleware,
      Effect.catchTags({ CookieNotWritableError: Effect.die, CookieTooLargeError: Effect.die }),
    ),
    Notice.layer,
  )
  afterAll(() => web.dispose())
  const call = (method: string, path: string, cookie = "") =>
    web.handler(new Request(`http://127.0.0.1${path}`, { method, headers: cookie === "" ? {} : { cookie } }))

  it("shows the message once after a redirect", async () => {
    const logout = await call("POST", "/logout")
    expect(logout.status).toBe(303)
    const browser = cookieHeaderFrom(logout.headers.getSetCookie())
    const home = await call("GET", "/", browser.header)
    expect(await home.text()).toBe("You are signed out")
    const after = cookieHeaderFrom(home.headers.getSetCookie(), browser.jar)
    expect(after.jar).toEqual({})
    const again = await call("GET", "/", after.header)
    expect(await again.text()).toBe("Welcome")
    expect(again.headers.getSetCookie()).toEqual([])
  })
})
