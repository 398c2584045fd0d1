/**
 * A test kit for apps that use this library: cookies for a signed-in user,
 * a memory cookie store to run a handler against and read back what it
 * wrote, and the same for the Promise facade.
 *
 * Every cookie here is made by the session's own `set` (or the facade's own
 * `save`), on a memory store: the same sealing, cookie names, chunks and ttl
 * the app uses, so a test cannot pass on a cookie the app would never write.
 *
 * **Time.** Sessions read the time from Effect's `Clock`, so `TestClock`
 * moves it: a cookie made at the test's start reads as none once the clock
 * passes its ttl and iron's 60 seconds of allowance for clock skew. Cookies
 * are sealed at the `Clock`'s time, which under `it.effect` is the
 * `TestClock`'s (it starts in 1970): a handler run in the same fiber agrees,
 * but an app served by `HttpApp.toWebHandler` runs on the real clock and
 * reads such a cookie as long expired. Make cookies for it under `it.live`.
 *
 * @example
 * ```ts
 * import { describe, expect, it } from "@effect/vitest"
 * import { Config, Effect, Option, Schema, TestClock } from "effect"
 * import { Session, Testing } from "effect-iron-session"
 *
 * class Auth extends Session.Tag<Auth>()("app/Auth", {
 *   schema: Schema.Struct({ name: Schema.String }),
 *   cookieName: "auth",
 *   password: Config.redacted("SESSION_PASSWORD"),
 *   ttl: "1 hour",
 * }) {}
 *
 * // The handler under test.
 * const greeting = Effect.map(Auth.get, Option.match({ onNone: () => "Sign in", onSome: (u) => `Hello ${u.name}` }))
 *
 * describe("greeting", () => {
 *   it.effect("greets a signed-in user until the session expires", () =>
 *     Effect.gen(function* () {
 *       const cookies = yield* Testing.cookies(Auth, { name: "Ada" }) // sealed at the TestClock's time
 *       expect(yield* greeting.pipe(Effect.provide(Testing.layerCookies(cookies)))).toBe("Hello Ada")
 *       yield* TestClock.adjust("61 minutes") // the ttl, plus iron's 60 s of skew allowance
 *       expect(yield* greeting.pipe(Effect.provide(Testing.layerCookies(cookies)))).toBe("Sign in")
 *     }).pipe(Effect.provide(Auth.layer)),
 *   )
 * })
 * ```
 *
 * @since 0.1.0
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as CookieStore from "./CookieStore.js"
import type * as Errors from "./Errors.js"
import { type CookieJar, getIronSession, type SessionOptions } from "./promise/index.js"

/**
 * Anything with a `set` on the request's cookies: a declared session
 * (`Session.Tag`) or flash (`Flash.Tag`).
 *
 * @since 0.1.0
 * @category models
 */
export interface Settable<A, E> {
  readonly set: (value: A) => Effect.Effect<void, E, CookieStore.CookieStore>
}

/**
 * The value a {@link Settable} takes.
 *
 * @since 0.1.0
 * @category models
 */
export type ValueOf<S> = S extends Settable<infer A, infer _E> ? A : never

/**
 * The errors of writing a {@link Settable} into a fresh memory store: its
 * `set`'s errors, less those a fresh store cannot give (it is never closed,
 * and nothing was destroyed in it).
 *
 * @since 0.1.0
 * @category models
 */
export type WriteError<S> =
  S extends Settable<infer _A, infer E>
    ? Exclude<E, Errors.SessionDestroyedError | Errors.CookieNotWritableError>
    : never

/**
 * The memory store a test's handler runs against, provided beside
 * `CookieStore.CookieStore` (it is the same store) by {@link layerCookies} and
 * {@link withSession}: read back what the handler wrote from its
 * `setCookieHeaders` and `cookies`.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Testing } from "effect-iron-session"
 *
 * declare const handler: Effect.Effect<void>
 *
 * const written = Effect.gen(function* () {
 *   yield* handler
 *   const store = yield* Testing.MemoryStore
 *   return store.setCookieHeaders // every Set-Cookie, in order; store.cookies: what the browser now holds
 * }).pipe(Effect.provide(Testing.layerCookies()))
 * ```
 *
 * @since 0.1.0
 * @category tags
 */
export class MemoryStore extends Context.Tag("effect-iron-session/Testing/MemoryStore")<
  MemoryStore,
  CookieStore.MemoryCookieStore
>() {}

/**
 * The cookies a browser would hold for a session (or flash) holding `value`,
 * by name: one cookie, or its chunks when the session is chunked. Made by the
 * session's own `set`, at the `Clock`'s time.
 *
 * @example
 * ```ts
 * import { Config, Effect, Schema } from "effect"
 * import { CookieStore, Session, Testing } from "effect-iron-session"
 *
 * class Auth extends Session.Tag<Auth>()("app/Auth", {
 *   schema: Schema.Struct({ name: Schema.String }),
 *   cookieName: "auth",
 *   password: Config.redacted("SESSION_PASSWORD"),
 * }) {}
 *
 * const store = Effect.map(Testing.cookies(Auth, { name: "Ada" }), (cookies) => CookieStore.makeMemory(cookies))
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const cookies = <Self, S extends Settable<never, unknown>>(
  session: Context.Tag<Self, S>,
  value: ValueOf<S>,
): Effect.Effect<Readonly<Record<string, string>>, WriteError<S>, Self> =>
  Effect.gen(function* () {
    const settable = yield* session
    const store = CookieStore.makeMemory()
    const set = (settable as unknown as Settable<ValueOf<S>, unknown>).set(value)
    yield* Effect.provideService(set, CookieStore.CookieStore, store).pipe(
      Effect.catchIf(
        (error): error is Errors.SessionDestroyedError | Errors.CookieNotWritableError =>
          typeof error === "object" &&
          error !== null &&
          "_tag" in error &&
          (error._tag === "SessionDestroyedError" || error._tag === "CookieNotWritableError"),
        (error) => Effect.die(error),
      ),
    )
    return Object.fromEntries(store.cookies)
  }) as Effect.Effect<Readonly<Record<string, string>>, WriteError<S>, Self>

/**
 * The `Cookie` header a browser would send for a session (or flash) holding
 * `value`, for a real `Request` to a handler under test. A chunked session
 * gives several cookies (`auth.0=…; auth.1=…`). Sealed at the `Clock`'s
 * time: for an app that runs on the real clock, make it under `it.live`.
 *
 * @example
 * ```ts
 * import { HttpApp, HttpServerResponse } from "@effect/platform"
 * import { Config, Effect, Option, Schema } from "effect"
 * import { Session, Testing } from "effect-iron-session"
 * import * as HttpSession from "effect-iron-session/HttpSession"
 *
 * class Auth extends Session.Tag<Auth>()("app/Auth", {
 *   schema: Schema.Struct({ name: Schema.String }),
 *   cookieName: "auth",
 *   password: Config.redacted("SESSION_PASSWORD"),
 * }) {}
 *
 * const app = HttpSession.middleware(
 *   Effect.map(Auth.get, (user) => HttpServerResponse.text(Option.match(user, { onNone: () => "anonymous", onSome: (u) => u.name }))),
 * )
 *
 * const test = Effect.gen(function* () {
 *   const cookie = yield* Testing.cookieHeader(Auth, { name: "Ada" })
 *   const { handler, dispose } = HttpApp.toWebHandlerLayer(app, Auth.layer)
 *   const response = yield* Effect.promise(() => handler(new Request("http://localhost/", { headers: { cookie } })))
 *   yield* Effect.promise(dispose)
 *   return yield* Effect.promise(() => response.text()) // "Ada"
 * }).pipe(Effect.provide(Auth.layer))
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const cookieHeader = <Self, S extends Settable<never, unknown>>(
  session: Context.Tag<Self, S>,
  value: ValueOf<S>,
): Effect.Effect<string, WriteError<S>, Self> => Effect.map(cookies(session, value), toHeader)

const toHeader = (cookies: Readonly<Record<string, string>>): string =>
  Object.entries(cookies)
    .map(([name, value]) => `${name}=${value}`)
    .join("; ")

/**
 * Provides a memory `CookieStore.CookieStore` holding these cookies (none by
 * default), as one request from a browser that holds them, and the same store
 * as {@link MemoryStore} to read back what the handler wrote. Each time the
 * layer is built it is a new request: for the next request of a flow, pass
 * the store's `cookies` (what the browser holds now) to a new layer.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Testing } from "effect-iron-session"
 *
 * declare const login: Effect.Effect<void>
 * declare const profile: Effect.Effect<string>
 *
 * const flow = Effect.gen(function* () {
 *   const first = yield* Effect.provide(Effect.zipRight(login, Testing.MemoryStore), Testing.layerCookies())
 *   return yield* profile.pipe(Effect.provide(Testing.layerCookies(first.cookies)))
 * })
 * ```
 *
 * @since 0.1.0
 * @category layers
 */
export const layerCookies = (
  cookies: Readonly<Record<string, string>> | ReadonlyMap<string, string> = {},
): Layer.Layer<CookieStore.CookieStore | MemoryStore> =>
  Layer.effectContext(
    Effect.sync(() => {
      const store = CookieStore.makeMemory(isMap(cookies) ? Object.fromEntries(cookies) : cookies)
      return Context.make(MemoryStore, store).pipe(Context.add(CookieStore.CookieStore, store))
    }),
  )

const isMap = (u: unknown): u is ReadonlyMap<string, string> => u instanceof Map

/**
 * Provides a memory cookie store already holding a session (or flash) with
 * `value`, as a request from a signed-in browser: the handler under test sees
 * the user, and {@link MemoryStore} shows what it wrote. The session's layer
 * is needed to make the cookie.
 *
 * @example
 * ```ts
 * import { expect, it } from "@effect/vitest"
 * import { Config, Effect, Schema } from "effect"
 * import { Session, Testing } from "effect-iron-session"
 *
 * class Auth extends Session.Tag<Auth>()("app/Auth", {
 *   schema: Schema.Struct({ name: Schema.String }),
 *   cookieName: "auth",
 *   password: Config.redacted("SESSION_PASSWORD"),
 * }) {}
 *
 * const logout = Auth.destroy
 *
 * it.effect("logout clears the session cookie", () =>
 *   Effect.gen(function* () {
 *     yield* logout
 *     const store = yield* Testing.MemoryStore
 *     expect(store.cookies.has("auth")).toBe(false)
 *     expect(store.setCookieHeaders).toEqual(["auth=; Max-Age=0; Path=/; HttpOnly; Secure; SameSite=Lax"])
 *   }).pipe(Effect.provide(Testing.withSession(Auth, { name: "Ada" })), Effect.provide(Auth.layer)),
 * )
 * ```
 *
 * @since 0.1.0
 * @category layers
 */
export const withSession = <Self, S extends Settable<never, unknown>>(
  session: Context.Tag<Self, S>,
  value: ValueOf<S>,
): Layer.Layer<CookieStore.CookieStore | MemoryStore, WriteError<S>, Self> =>
  Layer.unwrapEffect(Effect.map(cookies(session, value), layerCookies))

/**
 * The `Cookie` header value a browser would send for a facade session with
 * these options and data: made by the facade's own `getIronSession` and
 * `save`, so the cookie name, ttl, `Max-Age` rules and chunks are the ones
 * iron-session 9 and the facade use, and either reads it back.
 *
 * (This module also needs `effect` installed, as a dev dependency of the
 * tests at least.)
 *
 * @example
 * ```ts
 * import { getIronSession } from "effect-iron-session/promise"
 * import { Testing } from "effect-iron-session"
 *
 * const options = { cookieName: "app", password: process.env.SESSION_PASSWORD! }
 *
 * export async function GET(request: Request) {
 *   const response = new Response()
 *   const session = await getIronSession<{ userId?: number }>(request, response, options)
 *   return new Response(session.userId === undefined ? "anonymous" : `user ${session.userId}`)
 * }
 *
 * const cookie = await Testing.ironSessionCookie(options, { userId: 42 })
 * const response = await GET(new Request("http://localhost/", { headers: { cookie } })) // "user 42"
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const ironSessionCookie = async (options: SessionOptions, data: object): Promise<string> => {
  const jar = new Map<string, string>()
  const cookieJar: CookieJar = {
    read: () => undefined,
    names: () => [],
    write: (name, value, attributes) => {
      if (attributes.maxAge !== undefined && attributes.maxAge <= 0) jar.delete(name)
      else jar.set(name, value)
    },
  }
  const session = await getIronSession<Record<string, unknown>>(cookieJar, options)
  Object.assign(session, data)
  await session.save()
  return toHeader(Object.fromEntries(jar))
}
