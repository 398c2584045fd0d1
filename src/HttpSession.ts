/**
 * Sessions in `@effect/platform` HTTP apps.
 *
 * - {@link middleware} provides the request's {@link CookieStore.CookieStore}
 *   to every handler of an `HttpApp` or `HttpRouter`, so any declared session
 *   works there. Cookies written during the request are applied to whatever
 *   response goes out (success, typed failure, 404) through
 *   `HttpApp.appendPreResponseHandler`, once per cookie name however many
 *   times the handler saved.
 * - {@link layerAuthentication} implements an `HttpApiMiddleware` security
 *   middleware for `HttpApi`: it reads the session and provides its value, or
 *   fails with a typed 401 ({@link Unauthorized}). {@link set} and
 *   {@link destroy} write the session from an `HttpApi` handler.
 *
 * @example
 * ```ts
 * import { HttpRouter, HttpServerResponse } from "@effect/platform"
 * import { Config, Effect, Option, Schema } from "effect"
 * import { HttpSession, Session } from "effect-iron-session"
 *
 * class Visits extends Session.Tag<Visits>()("app/Visits", {
 *   schema: Schema.Struct({ count: Schema.Number }),
 *   cookieName: "visits",
 *   password: Config.redacted("SESSION_PASSWORD"),
 * }) {}
 *
 * const router = HttpRouter.empty.pipe(
 *   HttpRouter.get(
 *     "/",
 *     Effect.gen(function* () {
 *       const visits = yield* Visits
 *       const count = Option.match(yield* visits.get, { onNone: () => 1, onSome: (v) => v.count + 1 })
 *       yield* visits.set({ count })
 *       return HttpServerResponse.text(`visit ${count}`)
 *     }),
 *   ),
 * )
 *
 * const app = router.pipe(HttpSession.middleware) // then serve it with Visits.layer provided
 * ```
 *
 * @since 0.1.0
 */
import * as Cookies from "@effect/platform/Cookies"
import * as HttpApiSchema from "@effect/platform/HttpApiSchema"
import * as HttpApiSecurity from "@effect/platform/HttpApiSecurity"
import * as HttpApp from "@effect/platform/HttpApp"
import * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import * as OpenApi from "@effect/platform/OpenApi"
import type * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import * as CookieStore from "./CookieStore.js"
import type * as Errors from "./Errors.js"
import type * as Session from "./Session.js"

/**
 * The typed 401 of {@link layerAuthentication}: the request has no usable
 * session.
 *
 * @since 0.1.0
 * @category errors
 */
export class Unauthorized extends Schema.TaggedError<Unauthorized>()(
  "Unauthorized",
  {},
  HttpApiSchema.annotations({ status: 401, description: "The request has no valid session: sign in first." }),
) {
  override get message(): string {
    return "The request has no valid session: sign in first."
  }
}

/** A `Set-Cookie` in `@effect/platform`'s shape: `maxAge` a Duration, `sameSite` a string. */
const platformOptions = (options: CookieStore.CookieOptions) => {
  const { maxAge, sameSite, expires, domain, path, priority, httpOnly, secure, partitioned } = options
  return {
    ...(maxAge === undefined ? {} : { maxAge: Duration.seconds(maxAge) }),
    ...(sameSite === undefined || sameSite === false
      ? {}
      : { sameSite: sameSite === true ? ("strict" as const) : sameSite }),
    ...(expires === undefined ? {} : { expires }),
    ...(domain === undefined ? {} : { domain }),
    ...(path === undefined ? {} : { path }),
    ...(priority === undefined ? {} : { priority }),
    ...(httpOnly === undefined ? {} : { httpOnly }),
    ...(secure === undefined ? {} : { secure }),
    ...(partitioned === undefined ? {} : { partitioned }),
  }
}

/**
 * Stores by request. Keyed by the request's `source` (the Node message or web
 * `Request` underneath), which stays the same when a router hands a handler a
 * modified request (a mounted prefix), so one request has one store, one read
 * of each session and one set of cookies.
 */
const stores = new WeakMap<object, CookieStore.CookieStore>()

/**
 * A CookieStore over an `@effect/platform` request. Writes are kept by name
 * (the last one wins) and applied to the response by a pre-response handler,
 * which runs on success, failure and 404 alike. After the response went out,
 * writing fails with `headers-sent`.
 *
 * Each write becomes a platform `Cookie` when it is made, not when the
 * response goes out: the platform takes a narrower set of cookie names than
 * the `cookie` package, and a name it refuses must fail the handler's write
 * with a typed error, not the response.
 */
const makeStore = (request: HttpServerRequest.HttpServerRequest) => {
  const written = new Map<string, Cookies.Cookie>()
  let sent = false
  const store = CookieStore.make({
    read: (name) => request.cookies[name],
    names: () => Object.keys(request.cookies),
    notWritable: () => (sent ? "headers-sent" : undefined),
    write: ({ name, value, options }) => {
      const cookie = Cookies.makeCookie(name, value, platformOptions(options))
      if (Either.isLeft(cookie)) throw new CookieStore.NotWritable("rejected", cookie.left.reason)
      written.set(name, cookie.right)
    },
  })
  const apply = HttpApp.appendPreResponseHandler((_request, response) =>
    Effect.sync(() => {
      sent = true
      return written.size === 0
        ? response
        : HttpServerResponse.updateCookies(response, (cookies) => Cookies.setAllCookie(cookies, written.values()))
    }),
  )
  return { store, apply }
}

/**
 * The current request's CookieStore: the one a {@link middleware} provided,
 * or else one made for the request (and remembered for it).
 *
 * @since 0.1.0
 * @category accessors
 */
export const cookieStore: Effect.Effect<CookieStore.CookieStore, never, HttpServerRequest.HttpServerRequest> =
  Effect.gen(function* () {
    const provided = yield* Effect.serviceOption(CookieStore.CookieStore)
    if (Option.isSome(provided)) return provided.value
    const request = yield* HttpServerRequest.HttpServerRequest
    const key = typeof request.source === "object" && request.source !== null ? request.source : request
    const existing = stores.get(key)
    if (existing !== undefined) return existing
    const { store, apply } = makeStore(request)
    stores.set(key, store)
    yield* apply
    return store
  })

/**
 * Runs an effect that needs the request's CookieStore (any session operation)
 * inside an HTTP handler.
 *
 * @since 0.1.0
 * @category combinators
 */
export const provide = <A, E, R>(
  effect: Effect.Effect<A, E, R>,
): Effect.Effect<A, E, Exclude<R, CookieStore.CookieStore> | HttpServerRequest.HttpServerRequest> =>
  Effect.flatMap(cookieStore, (store) => Effect.provideService(effect, CookieStore.CookieStore, store))

/**
 * The HTTP middleware: provides the request's CookieStore to the app, so
 * every handler can use any declared session, and writes the session cookies
 * on whatever response goes out, one `Set-Cookie` per cookie name.
 *
 * @example
 * ```ts
 * import { HttpRouter, HttpServer } from "@effect/platform"
 * import { HttpSession } from "effect-iron-session"
 *
 * declare const router: HttpRouter.HttpRouter
 * const server = HttpServer.serve(router.pipe(HttpSession.middleware))
 * ```
 *
 * @since 0.1.0
 * @category middleware
 */
export const middleware = <E, R>(
  app: HttpApp.Default<E, R>,
): HttpApp.Default<E, Exclude<R, CookieStore.CookieStore> | HttpServerRequest.HttpServerRequest> => provide(app)

/**
 * Reads a session in an HTTP handler.
 *
 * @since 0.1.0
 * @category accessors
 */
export const get = <Self, A, E>(
  session: Context.Tag<Self, Session.Session<A, E>>,
): Effect.Effect<Option.Option<A>, E, Self | HttpServerRequest.HttpServerRequest> =>
  Effect.flatMap(session, (s) => provide(s.get))

/**
 * Sets a session from an HTTP handler (an `HttpApi` handler included): the
 * cookie goes out on the response.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { HttpSession } from "effect-iron-session"
 *
 * // in an HttpApiBuilder handler:
 * // .handle("login", ({ payload }) => HttpSession.set(Auth, { name: payload.name, signedInAt: new Date() }))
 * ```
 *
 * @since 0.1.0
 * @category combinators
 */
export const set = <Self, A, E>(
  session: Context.Tag<Self, Session.Session<A, E>>,
  value: A,
): Effect.Effect<void, Session.SaveError, Self | HttpServerRequest.HttpServerRequest> =>
  Effect.flatMap(session, (s) => provide(s.set(value)))

/**
 * Clears a session from an HTTP handler.
 *
 * @since 0.1.0
 * @category combinators
 */
export const destroy = <Self, A, E>(
  session: Context.Tag<Self, Session.Session<A, E>>,
): Effect.Effect<void, Errors.CookieNotWritableError, Self | HttpServerRequest.HttpServerRequest> =>
  Effect.flatMap(session, (s) => provide(s.destroy))

/**
 * The `HttpApiSecurity` of a session cookie, for an `HttpApiMiddleware`'s
 * `security`: it documents the cookie in the OpenAPI spec. The middleware of
 * {@link layerAuthentication} reads the session itself (chunks included), not
 * the raw value.
 *
 * @since 0.1.0
 * @category security
 */
export const security = (cookieName: string): HttpApiSecurity.ApiKey =>
  HttpApiSecurity.apiKey({ in: "cookie", key: cookieName }).pipe(
    HttpApiSecurity.annotate(OpenApi.Description, "An encrypted session cookie (an iron seal)."),
  )

/**
 * Implements an `HttpApiMiddleware` security middleware with a session: the
 * middleware provides the session's value to the endpoints it guards, or
 * fails with {@link Unauthorized} when there is none (no cookie, an expired
 * or tampered one, or one that no longer fits the schema).
 *
 * @example
 * ```ts
 * import { HttpApiMiddleware } from "@effect/platform"
 * import { Config, Context, Schema } from "effect"
 * import { HttpSession, Session } from "effect-iron-session"
 *
 * const User = Schema.Struct({ name: Schema.String })
 * class Auth extends Session.Tag<Auth>()("app/Auth", { schema: User, cookieName: "auth", password: Config.redacted("SESSION_PASSWORD") }) {}
 * class CurrentUser extends Context.Tag("app/CurrentUser")<CurrentUser, typeof User.Type>() {}
 *
 * class Authenticated extends HttpApiMiddleware.Tag<Authenticated>()("app/Authenticated", {
 *   failure: HttpSession.Unauthorized,
 *   provides: CurrentUser,
 *   security: { session: HttpSession.security("auth") },
 * }) {}
 *
 * const AuthenticatedLive = HttpSession.layerAuthentication(Authenticated, Auth)
 * ```
 *
 * @since 0.1.0
 * @category layers
 */
export const layerAuthentication = <
  // biome-ignore lint/suspicious/noExplicitAny: any middleware tag with security schemes
  M extends Context.Tag<any, any> & {
    readonly security: Record<string, HttpApiSecurity.HttpApiSecurity>
    // biome-ignore lint/suspicious/noExplicitAny: the tag of the value it provides
    readonly provides?: Context.Tag<any, any> | undefined
  },
  Self,
  A extends Context.Tag.Service<NonNullable<M["provides"]>>,
  E,
>(
  middleware: M,
  session: Context.Tag<Self, Session.Session<A, E>>,
): Layer.Layer<Context.Tag.Identifier<M>, never, Self> =>
  Layer.effect(
    middleware as unknown as Context.Tag<Context.Tag.Identifier<M>, unknown>,
    Effect.map(session, (s) => {
      const authenticate = () =>
        provide(s.get).pipe(
          Effect.catchAll(() => Effect.succeed(Option.none<A>())),
          Effect.flatMap(Option.match({ onNone: () => Effect.fail(new Unauthorized()), onSome: Effect.succeed })),
        )
      return Object.fromEntries(Object.keys(middleware.security).map((key) => [key, authenticate]))
    }),
  )
