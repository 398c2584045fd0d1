/**
 * Sessions in `@effect/platform` HTTP apps.
 *
 * - {@link middleware} provides the request's {@link CookieStore.CookieStore}
 *   to an `HttpApp` or `HttpRouter` (or any effect run in a request), so
 *   declared sessions work there. Cookies written during the request are
 *   applied to whatever response goes out (success, typed failure, 404)
 *   through `HttpApp.appendPreResponseHandler`, once per cookie name however
 *   many times the handler saved.
 * - For `HttpApi`, {@link Cookies} is an `HttpApiMiddleware` that provides the
 *   request's `CookieStore` to the endpoints of a group or API
 *   ({@link layerCookies} implements it), and {@link layerAuthentication}
 *   implements a security middleware from a session: it provides the session's
 *   value, or fails with `HttpApiError.Unauthorized` (401).
 *
 * @example
 * ```ts
 * import { HttpRouter, HttpServerResponse } from "@effect/platform"
 * import { Config, Effect, Option, Schema } from "effect"
 * import { Session } from "effect-iron-session"
 * import * as HttpSession from "effect-iron-session/HttpSession"
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
 *       const count = Option.match(yield* Visits.get, { onNone: () => 1, onSome: (v) => v.count + 1 })
 *       yield* Visits.set({ count })
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
import * as PlatformCookies from "@effect/platform/Cookies"
import * as HttpApiError from "@effect/platform/HttpApiError"
import * as HttpApiMiddleware from "@effect/platform/HttpApiMiddleware"
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
import * as CookieStore from "./CookieStore.js"
import * as Cookie from "./internal/kernel/cookie.js"
import type * as Session from "./Session.js"

/** A `Set-Cookie` in `@effect/platform`'s shape: `maxAge` a Duration, `sameSite` a string. */
const platformOptions = (attributes: Cookie.Attributes): PlatformCookies.Cookie["options"] => {
  const { maxAge, sameSite, expires, domain, path, priority, httpOnly, secure, partitioned } = attributes
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
 * Stores by request, for the `HttpApi` middlewares ({@link layerCookies},
 * {@link layerAuthentication}), which run apart and must share one store per
 * request: one read of each session, one set of cookies. Keyed by the
 * request's `source` (the Node message or web `Request` underneath), which
 * stays the same when a router hands a handler a modified request.
 * {@link middleware} needs none of this: everything inside it finds the store
 * it provides in its context.
 */
const stores = new WeakMap<object, CookieStore.CookieStore>()

/**
 * A CookieStore over an `@effect/platform` request. Writes are kept by name
 * (the last one wins) and applied to the response by a pre-response handler,
 * which runs on success, failure and 404 alike. After the response went out,
 * writing fails with `headers-sent`.
 *
 * The `Cookie` header is parsed here, as every other adapter parses it, not
 * taken from `request.cookies`: the platform parses into a plain object and
 * skips a name already "there", so a cookie named `constructor`, `toString`
 * or `valueOf` never reads back.
 */
const makeStore = (request: HttpServerRequest.HttpServerRequest) => {
  const written = new Map<string, PlatformCookies.Cookie>()
  let sent = false
  const cookies = Cookie.lazyCookies(() => request.headers.cookie)
  const store = CookieStore.make({
    read: (name) => Cookie.own(cookies(), name),
    names: () => Object.keys(cookies()),
    notWritable: () => (sent ? "headers-sent" : undefined),
    write: ({ name, value, attributes }) => {
      // Names were checked against the platform's rules when the session was
      // built; this only guards a value the platform still refuses.
      const cookie = PlatformCookies.makeCookie(name, value, platformOptions(attributes))
      if (Either.isLeft(cookie)) throw new CookieStore.NotWritable("rejected", cookie.left.reason)
      written.set(name, cookie.right)
    },
  })
  const apply = HttpApp.appendPreResponseHandler((_request, response) =>
    Effect.sync(() => {
      sent = true
      return written.size === 0
        ? response
        : HttpServerResponse.updateCookies(response, (cookies) =>
            PlatformCookies.setAllCookie(cookies, written.values()),
          )
    }),
  )
  return { store, apply }
}

/**
 * The current request's CookieStore: the one provided already, or else the
 * one made for the request (and remembered for it).
 */
const cookieStore: Effect.Effect<CookieStore.CookieStore, never, HttpServerRequest.HttpServerRequest> = Effect.flatMap(
  Effect.serviceOption(CookieStore.CookieStore),
  (provided) =>
    Option.isSome(provided)
      ? Effect.succeed(provided.value)
      : Effect.flatMap(HttpServerRequest.HttpServerRequest, (request) => {
          const key = typeof request.source === "object" && request.source !== null ? request.source : request
          const existing = stores.get(key)
          if (existing !== undefined) return Effect.succeed(existing)
          const { store, apply } = makeStore(request)
          stores.set(key, store)
          return Effect.as(apply, store)
        }),
)

/**
 * Provides the request's CookieStore to an `HttpApp` (a router, a handler, or
 * any effect run while serving a request), so every session works there, and
 * writes the session cookies on whatever response goes out, one `Set-Cookie`
 * per cookie name.
 *
 * @example
 * ```ts
 * import { HttpRouter, HttpServer } from "@effect/platform"
 * import * as HttpSession from "effect-iron-session/HttpSession"
 *
 * declare const router: HttpRouter.HttpRouter
 * const server = HttpServer.serve(router.pipe(HttpSession.middleware))
 * ```
 *
 * @since 0.1.0
 * @category middleware
 */
export const middleware = <A, E, R>(
  app: Effect.Effect<A, E, R>,
): Effect.Effect<A, E, Exclude<R, CookieStore.CookieStore> | HttpServerRequest.HttpServerRequest> =>
  Effect.flatMap(Effect.serviceOption(CookieStore.CookieStore), (provided) =>
    Option.isSome(provided)
      ? (app as Effect.Effect<A, E, Exclude<R, CookieStore.CookieStore>>)
      : Effect.flatMap(HttpServerRequest.HttpServerRequest, (request) => {
          const { store, apply } = makeStore(request)
          return Effect.zipRight(apply, Effect.provideService(app, CookieStore.CookieStore, store))
        }),
  )

/**
 * An `HttpApiMiddleware` that provides the request's CookieStore to the
 * endpoints it is applied to, so their handlers use sessions directly
 * (`Auth.set(user)`). Implemented by {@link layerCookies}.
 *
 * @example
 * ```ts
 * import { HttpApiEndpoint, HttpApiGroup } from "@effect/platform"
 * import * as HttpSession from "effect-iron-session/HttpSession"
 *
 * class Account extends HttpApiGroup.make("account")
 *   .add(HttpApiEndpoint.post("logout", "/logout"))
 *   .middleware(HttpSession.Cookies) {}
 * ```
 *
 * @since 0.1.0
 * @category middleware
 */
export class Cookies extends HttpApiMiddleware.Tag<Cookies>()("effect-iron-session/HttpSession/Cookies", {
  provides: CookieStore.CookieStore,
}) {}

/**
 * Implements {@link Cookies}.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerCookies: Layer.Layer<Cookies> = Layer.succeed(Cookies, cookieStore)

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
 * fails with the platform's `HttpApiError.Unauthorized` (401) when there is
 * none (no cookie, an expired or tampered one, or one that no longer fits the
 * schema).
 *
 * @example
 * ```ts
 * import { HttpApiError, HttpApiMiddleware } from "@effect/platform"
 * import { Config, Context, Schema } from "effect"
 * import { Session } from "effect-iron-session"
 * import * as HttpSession from "effect-iron-session/HttpSession"
 *
 * const User = Schema.Struct({ name: Schema.String })
 * class Auth extends Session.Tag<Auth>()("app/Auth", { schema: User, cookieName: "auth", password: Config.redacted("SESSION_PASSWORD") }) {}
 * class CurrentUser extends Context.Tag("app/CurrentUser")<CurrentUser, typeof User.Type>() {}
 *
 * class Authenticated extends HttpApiMiddleware.Tag<Authenticated>()("app/Authenticated", {
 *   failure: HttpApiError.Unauthorized,
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
        Effect.flatMap(cookieStore, (store) => Effect.provideService(s.get, CookieStore.CookieStore, store)).pipe(
          Effect.catchAll(() => Effect.succeed(Option.none<A>())),
          Effect.flatMap(
            Option.match({ onNone: () => Effect.fail(new HttpApiError.Unauthorized()), onSome: Effect.succeed }),
          ),
        )
      return Object.fromEntries(Object.keys(middleware.security).map((key) => [key, authenticate]))
    }),
  )
