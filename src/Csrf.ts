/**
 * Cross-site request forgery protection for `@effect/platform` apps.
 *
 * {@link middleware} refuses unsafe requests (anything but GET, HEAD,
 * OPTIONS and TRACE) sent from another origin, which is what a forged form
 * post or `fetch` from another site is. It reads `Sec-Fetch-Site` where the
 * browser sends it, else compares `Origin` with the request's own origin.
 * That alone stops CSRF in every current browser.
 *
 * With `token: true` it also checks a token (double submit, signed):
 * {@link token} gives a token for a page or form, the client sends it back in
 * the `x-csrf-token` header or the `_csrf` form field, and the middleware
 * checks it against a secret kept in a sealed cookie and, with the `session`
 * option, against the login session, so that a sign-in ends every token
 * issued before it. Tokens need {@link layer} (a password from `Config`).
 *
 * A refusal is a {@link CsrfError}: typed, so a handler can
 * `Effect.catchTag("CsrfError", …)`, and a 403 response when nobody does
 * (in an `HttpApi` too, declared with `addError`).
 *
 * @example
 * ```ts
 * import { HttpRouter, HttpServerResponse } from "@effect/platform"
 * import * as Csrf from "effect-iron-session/Csrf"
 * import * as HttpSession from "effect-iron-session/HttpSession"
 *
 * const router = HttpRouter.empty.pipe(HttpRouter.post("/transfer", HttpServerResponse.text("done")))
 *
 * // Same-origin POSTs pass; a form posted from another site gets a 403.
 * const app = router.pipe(Csrf.middleware({ allowedOrigins: ["https://admin.example.com"] }), HttpSession.middleware)
 * ```
 *
 * @since 0.1.0
 */
import * as HttpApiSchema from "@effect/platform/HttpApiSchema"
import * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import * as HttpServerRespondable from "@effect/platform/HttpServerRespondable"
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import { parseCookie } from "cookie"
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import * as CookieStore from "./CookieStore.js"
import type * as Errors from "./Errors.js"
import { InvalidOptionError } from "./Errors.js"
import * as config from "./internal/config.js"
import * as internal from "./internal/csrf.js"
import * as perRequest from "./internal/perRequest.js"
import type * as Seal from "./Seal.js"
import * as Session from "./Session.js"

/**
 * Why a request was refused:
 *
 * - `cross-origin`: sent from another origin (by `Sec-Fetch-Site`, or by `Origin`), not an allowed one.
 * - `missing-origin`: neither `Sec-Fetch-Site` nor `Origin`, under `missingOrigin: "refuse"`.
 * - `missing-token`: no token in the header or the form field.
 * - `bad-token`: a token that was not issued for this browser's session (another session, a rotated or expired secret, a sign-in, sign-out or `regenerate` since it was issued under the `session` option, tampering).
 *
 * @since 0.1.0
 * @category models
 */
export type Reason = internal.Reason

const messages: Record<Reason, string> = {
  "cross-origin":
    "Refused a state-changing request sent from another origin. If that origin is yours, add it to allowedOrigins; if the app runs behind a proxy that changes the scheme or Host, set trustProxy: true.",
  "missing-origin":
    'Refused a state-changing request with neither a Sec-Fetch-Site nor an Origin header (missingOrigin: "refuse"). Browsers send one of them; a script or server calling this route must send an Origin header.',
  "missing-token":
    "Refused a state-changing request without a CSRF token. Put Csrf.token in the form's _csrf field, or send it in the x-csrf-token header (or the names configured).",
  "bad-token":
    "Refused a state-changing request whose CSRF token was not issued for this browser's session (another session, a rotated secret, a sign-in or sign-out since the page was made, or a page older than the CSRF cookie). Reload the page to get a fresh token.",
}

/**
 * A request refused by the CSRF check. A `Schema.TaggedError` annotated with
 * status 403, so an `HttpApi` that declares it (`HttpApi.make("api").addError(Csrf.CsrfError)`)
 * documents and encodes it; outside `HttpApi` it renders itself as a 403 with
 * the same JSON body, `{ "_tag": "CsrfError", "reason": … }`. Neither the
 * message nor the body holds anything from the request.
 *
 * @example
 * ```ts
 * import { HttpRouter, HttpServerResponse } from "@effect/platform"
 * import { Effect } from "effect"
 * import * as Csrf from "effect-iron-session/Csrf"
 *
 * declare const router: HttpRouter.HttpRouter
 *
 * const app = router.pipe(
 *   Csrf.middleware(),
 *   Effect.catchTag("CsrfError", (error) =>
 *     Effect.succeed(HttpServerResponse.text(`Forbidden (${error.reason}). Reload the page and try again.`, { status: 403 })),
 *   ),
 * )
 * ```
 *
 * @since 0.1.0
 * @category errors
 */
export class CsrfError extends Schema.TaggedError<CsrfError>("effect-iron-session/CsrfError")(
  "CsrfError",
  { reason: Schema.Literal("cross-origin", "missing-origin", "missing-token", "bad-token") },
  HttpApiSchema.annotations({ status: 403, description: "The request was refused as a possible cross-site forgery." }),
) {
  override get message(): string {
    return messages[this.reason]
  }

  [HttpServerRespondable.symbol]() {
    return Effect.succeed(HttpServerResponse.unsafeJson({ _tag: this._tag, reason: this.reason }, { status: 403 }))
  }
}

/**
 * The origin check's options.
 *
 * @since 0.1.0
 * @category models
 */
export interface OriginOptions {
  /**
   * Other origins allowed to send unsafe requests, each `scheme://host[:port]`
   * (`"https://admin.example.com"`). Checked when the middleware is made.
   */
  readonly allowedOrigins?: ReadonlyArray<string> | undefined
  /**
   * Compare `Origin` with `X-Forwarded-Proto` and `X-Forwarded-Host` (their
   * first values) instead of the request's own scheme and `Host`. Only behind
   * a proxy that sets them: a client reaching the server directly can send
   * them too. Off by default.
   */
  readonly trustProxy?: boolean | undefined
  /**
   * An unsafe request with neither `Sec-Fetch-Site` nor `Origin`:
   * `"allow"` (default) or `"refuse"`. Every current browser sends one of them
   * on a form post or `fetch`, so such a request comes from a non-browser
   * client (curl, a server, a mobile app), which carries no ambient cookies to
   * forge with, or from a browser old enough (or an extension) to strip them.
   * `"refuse"` closes that last gap and breaks the non-browser clients.
   */
  readonly missingOrigin?: "allow" | "refuse" | undefined
}

/**
 * Where the middleware looks for the token.
 *
 * @since 0.1.0
 * @category models
 */
export interface TokenOptions {
  /** The request header; `x-csrf-token` by default. */
  readonly header?: string | undefined
  /**
   * The field of an `application/x-www-form-urlencoded` body; `_csrf` by
   * default, `false` for none. Read only when the header is absent. (A
   * multipart form sends the token in the header instead.)
   */
  readonly field?: string | false | undefined
}

/**
 * The middleware's options: the origin check's, and `token` to check tokens
 * too (`true` for the default header and field).
 *
 * @since 0.1.0
 * @category models
 */
export interface MiddlewareOptions extends OriginOptions {
  readonly token?: boolean | TokenOptions | undefined
}

/**
 * Errors of issuing a token: the CSRF cookie cannot be written (the response
 * went out, a Next.js Server Component), or its `cookieOptions.expires` is in
 * the past.
 *
 * @since 0.1.0
 * @category errors
 */
export type TokenError = Errors.CookieNotWritableError | Errors.InvalidOptionError

/**
 * A login session to bind tokens to: the class declared with `Session.Tag`
 * (`session: Auth`, which the token service then needs: provide `Auth.layer`
 * to its layer) or a `Session` value from `Session.make`. It must keep a
 * record (`track: true`, `rolling` or `revocation`), which gives it the
 * {@link Session.Session.id} tokens are bound to. `R` is what its operations
 * need: the request's `CookieStore`, and `Auth` for the class.
 *
 * @since 0.1.0
 * @category models
 */
export interface BoundSession<R = never> {
  readonly get: Effect.Effect<Option.Option<unknown>, unknown, R>
  readonly id: Effect.Effect<Option.Option<string>, unknown, R>
}

/**
 * The options of the token service. Each takes a value or a `Config`.
 *
 * @since 0.1.0
 * @category models
 */
export interface Options<R = never> {
  /** Seals the CSRF cookie: 32+ characters, a rotation map, or a `Config` of either. */
  readonly password: Session.Configurable<Seal.Password>
  /**
   * Binds every token to the login session as well as to the CSRF cookie's
   * secret: a token is valid only for the sign-in it was issued under (or,
   * issued signed out, only while signed out). A sign-in, a sign-out or
   * `regenerate` then ends every earlier token, and a secret someone else
   * planted in the browser (a sibling subdomain, a page on plain http) gives
   * him no token that passes once the user signs in: he cannot know the
   * session's id, which sits sealed in the session cookie.
   *
   * Without it, tokens are bound to the secret alone: call {@link rotate} at
   * every sign-in and sign-out, and keep the `__Host-` cookie name.
   *
   * @example
   * ```ts
   * import { Config, Layer, Schema } from "effect"
   * import { Session } from "effect-iron-session"
   * import * as Csrf from "effect-iron-session/Csrf"
   *
   * class Auth extends Session.Tag<Auth>()("app/Auth", {
   *   schema: Schema.Struct({ userId: Schema.String }),
   *   cookieName: "auth",
   *   password: Config.redacted("SESSION_PASSWORD"),
   *   track: true, // the record that holds the id tokens are bound to
   * }) {}
   *
   * const CsrfLive = Csrf.layer({ password: Config.redacted("CSRF_PASSWORD"), session: Auth }).pipe(
   *   Layer.provideMerge(Auth.layer), // gives Auth to the app too
   * )
   * ```
   */
  readonly session?: BoundSession<R> | undefined
  /**
   * The CSRF cookie; `__Host-csrf` by default. The `__Host-` prefix makes
   * browsers refuse it from a sibling subdomain or a plain-http page, which
   * could otherwise plant a secret of its own (cookie tossing); it needs
   * `Secure` and `Path=/`. Another name, without `session`, logs a warning
   * when the layer is built.
   */
  readonly cookieName?: Session.Configurable<string> | undefined
  /** How long a secret lives without use; 14 days by default. A secret in use is renewed past half of it. */
  readonly ttl?: Session.Configurable<Duration.DurationInput> | undefined
  /** `Set-Cookie` attributes, as for a session, merged over `HttpOnly; Secure; SameSite=Lax; Path=/`. */
  readonly cookieOptions?: Session.ConfigurableFields<CookieStore.CookieOptions> | undefined
}

/**
 * The token service: tokens bound to a per-browser secret kept in a sealed
 * cookie. Each operation needs the request's {@link CookieStore.CookieStore}.
 *
 * @since 0.1.0
 * @category models
 */
export interface Csrf {
  readonly cookieName: string
  /**
   * A token for a page or form. The first call for a browser creates its
   * secret and writes the cookie; later calls write nothing (until the secret
   * is past half its ttl, when it is renewed). Every call gives a different
   * token, all valid. Under the `session` option it is bound to the session
   * as it is now: a page rendered after a sign-in in the same request gets a
   * token for the new sign-in.
   */
  readonly token: Effect.Effect<string, TokenError, CookieStore.CookieStore>
  /**
   * Checks a token against this browser's secret (and, under the `session`
   * option, its current sign-in): fails with `missing-token` for none
   * (`null`, `undefined`, `""`) and `bad-token` for one not issued for it.
   * For runtimes the middleware does not cover.
   */
  readonly verify: (token: string | null | undefined) => Effect.Effect<void, CsrfError, CookieStore.CookieStore>
  /**
   * Replaces this browser's secret, so every token issued before is refused.
   * Without the `session` option tokens are bound to the secret alone: call
   * it whenever a user signs in or out, or tokens issued before (including
   * ones for a secret someone planted) stay valid across it. Under `session`
   * a sign-in, sign-out or `regenerate` already ends them.
   */
  readonly rotate: Effect.Effect<void, TokenError, CookieStore.CookieStore>
}

/**
 * The token service's tag.
 *
 * @since 0.1.0
 * @category tags
 */
export const Csrf: Context.Tag<Csrf, Csrf> = Context.GenericTag<Csrf>("effect-iron-session/Csrf")

const Secret = Schema.Struct({ secret: Schema.String, issuedAt: Schema.Number })

const DEFAULT_TTL: Duration.DurationInput = "14 days"

const unboundWarning =
  "The CSRF cookie's name has no __Host- prefix, so a sibling subdomain or a page served over plain http can plant a CSRF cookie whose tokens its author knows, and those tokens stay valid after the user signs in. Keep the default name (__Host-csrf), or bind tokens to the login session with the session option."

const signedOut = (): Option.Option<string> => Option.none()

/**
 * Builds the token service, reading each `Config` and checking every option
 * once (as {@link Session.make} does: a short password or a `__Host-` cookie
 * without `Secure` fails here). With `session: Auth`, it needs `Auth`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = <R = never>(
  options: Options<R>,
): Effect.Effect<Csrf, Session.LayerError, Exclude<R, CookieStore.CookieStore>> =>
  Effect.gen(function* () {
    const ttl = (yield* config.configured(options.ttl)) ?? DEFAULT_TTL
    // The secret is a session of its own: sealed, in its own cookie, with the
    // same checks and cookie rules as every session.
    const secrets = yield* Session.make({
      schema: Secret,
      cookieName: (yield* config.configured(options.cookieName)) ?? "__Host-csrf",
      password: options.password,
      ttl,
      ...(options.cookieOptions === undefined ? {} : { cookieOptions: options.cookieOptions }),
    })
    const bound = options.session
    // Browsers match cookie prefixes case-insensitively, as Session.make checks them.
    if (bound === undefined && !secrets.cookieName.toLowerCase().startsWith("__host-")) {
      yield* Effect.logWarning(unboundWarning).pipe(Effect.annotateLogs({ cookieName: secrets.cookieName }))
    }
    // What the layer was built with (the session's service, for `session: Auth`),
    // under what each request has: the request's own CookieStore, and its
    // session when the app provides one, come first.
    const built = yield* Effect.context<Exclude<R, CookieStore.CookieStore>>()
    const inRequest = <A>(effect: Effect.Effect<A, unknown, R>) =>
      Effect.mapInputContext(
        effect,
        // Exclude<R, CookieStore> | CookieStore is R, which TypeScript cannot see for a generic R.
        (request: Context.Context<CookieStore.CookieStore>) => Context.merge(built, request) as Context.Context<R>,
      )
    /**
     * The sign-in tokens are bound to: none when signed out. A session that
     * cannot be read (an expired or tampered cookie under `invalidCookie:
     * "fail"`, an unreachable revocation store) is signed out here as it is for
     * the app's handlers, so a token of a sign-in never passes then.
     */
    const binding: Effect.Effect<internal.Binding, never, CookieStore.CookieStore> =
      bound === undefined
        ? Effect.succeed(undefined)
        : Effect.gen(function* () {
            const id = yield* Effect.orElseSucceed(inRequest(bound.id), signedOut)
            if (Option.isSome(id)) return id
            // Signed in without an id: the session keeps no record, and binding
            // to nothing would silently leave tokens unbound.
            const value = yield* Effect.orElseSucceed(inRequest(bound.get), Option.none)
            if (Option.isSome(value)) {
              return yield* Effect.dieMessage(
                "Csrf: the session given as the session option keeps no record, so it has no id to bind tokens to. Declare it with track: true (or rolling, or revocation).",
              )
            }
            return id
          })
    // Valid, or Session.make would have refused it.
    const renewAfter = Duration.toMillis(Duration.decode(ttl)) / 2

    const write = (secret: string) =>
      Effect.flatMap(Clock.currentTimeMillis, (issuedAt) => secrets.set({ secret, issuedAt })).pipe(
        // A fresh 32-byte secret always fits the schema, JSON and a cookie,
        // and this session is never destroyed: those errors cannot happen.
        Effect.catchTags({
          SessionDestroyedError: Effect.die,
          CookieTooLargeError: Effect.die,
          SchemaMismatchError: Effect.die,
          UnserializableDataError: Effect.die,
        }),
      )

    // The secret this request uses, settled once: two forms rendered at once
    // for a browser without a secret must not each create one.
    const current = perRequest.once(
      Effect.gen(function* () {
        const stored = yield* secrets.get
        if (Option.isNone(stored)) {
          const secret = internal.newSecret()
          yield* write(secret)
          return secret
        }
        const { secret, issuedAt } = stored.value
        if ((yield* Clock.currentTimeMillis) - issuedAt > renewAfter) yield* write(secret)
        return secret
      }),
    )

    const verify = (token: string | null | undefined) =>
      Effect.gen(function* () {
        if (token === null || token === undefined || token === "") {
          return yield* new CsrfError({ reason: "missing-token" })
        }
        const stored = yield* secrets.get
        const valid = Option.isSome(stored) && (yield* internal.verify(stored.value.secret, token, yield* binding))
        if (!valid) return yield* new CsrfError({ reason: "bad-token" })
      })

    return {
      cookieName: secrets.cookieName,
      token: Effect.flatMap(current.get, (secret) => Effect.flatMap(binding, (bound) => internal.issue(secret, bound))),
      verify,
      rotate: Effect.flatMap(CookieStore.CookieStore, (store) => {
        const secret = internal.newSecret()
        return Effect.map(write(secret), () => current.replace(store, secret))
      }),
    } satisfies Csrf
  })

/**
 * The token service as a layer: see {@link make}. Pass `session` to bind
 * tokens to the login session (see {@link Options.session}).
 *
 * @example
 * ```ts
 * import { Config } from "effect"
 * import * as Csrf from "effect-iron-session/Csrf"
 *
 * const CsrfLive = Csrf.layer({ password: Config.redacted("CSRF_PASSWORD") })
 * ```
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = <R = never>(
  options: Options<R>,
): Layer.Layer<Csrf, Session.LayerError, Exclude<R, CookieStore.CookieStore>> => Layer.effect(Csrf, make(options))

/**
 * A token for the current page or form: put it in a hidden `_csrf` field or
 * hand it to scripts for the `x-csrf-token` header.
 *
 * @example
 * ```ts
 * import { HttpRouter, HttpServerResponse } from "@effect/platform"
 * import { Effect } from "effect"
 * import * as Csrf from "effect-iron-session/Csrf"
 *
 * const form = HttpRouter.get(
 *   "/transfer",
 *   Effect.map(Csrf.token.pipe(Effect.orDie), (token) =>
 *     HttpServerResponse.html(`<form method="post"><input type="hidden" name="_csrf" value="${token}"><button>Send</button></form>`),
 *   ),
 * )
 * ```
 *
 * @since 0.1.0
 * @category accessors
 */
export const token: Effect.Effect<string, TokenError, Csrf | CookieStore.CookieStore> = Effect.flatMap(
  Csrf,
  (csrf) => csrf.token,
)

/**
 * Checks a token against this browser's secret: see {@link Csrf.verify}.
 *
 * @since 0.1.0
 * @category accessors
 */
export const verify = (
  token: string | null | undefined,
): Effect.Effect<void, CsrfError, Csrf | CookieStore.CookieStore> => Effect.flatMap(Csrf, (csrf) => csrf.verify(token))

/**
 * Replaces this browser's secret: see {@link Csrf.rotate}.
 *
 * @since 0.1.0
 * @category accessors
 */
export const rotate: Effect.Effect<void, TokenError, Csrf | CookieStore.CookieStore> = Effect.flatMap(
  Csrf,
  (csrf) => csrf.rotate,
)

/** Throws at start-up, where the app is put together, for options that cannot work. */
const policyOrThrow = (options: OriginOptions): internal.Policy => {
  const policy = internal.policy(options)
  if (policy instanceof InvalidOptionError) throw policy
  return policy
}

/**
 * The origin a platform request was sent to, as the server sees it: a web
 * `Request`'s URL is absolute; a Node request has a path, its `Host` and a
 * socket that is or is not TLS.
 */
const originOf = (request: HttpServerRequest.HttpServerRequest): string | undefined => {
  if (/^https?:\/\//i.test(request.originalUrl)) return internal.normalizeOrigin(request.originalUrl)
  const host = request.headers.host
  if (host === undefined) return undefined
  const source = request.source as { readonly socket?: { readonly encrypted?: unknown } } | null | undefined
  return internal.normalizeOrigin(`${source?.socket?.encrypted === true ? "https" : "http"}://${host}`)
}

const platformFacts = (request: HttpServerRequest.HttpServerRequest): internal.Facts => ({
  method: request.method,
  header: (name) => request.headers[name],
  origin: () => originOf(request),
})

/**
 * The request with its body text kept: a router that mounts a prefix hands
 * its handler a modified request, which would read the body again from a
 * stream this middleware already consumed.
 */
const withText = (request: HttpServerRequest.HttpServerRequest, text: string): HttpServerRequest.HttpServerRequest =>
  Object.create(request, {
    text: { value: Effect.succeed(text) },
    modify: {
      value: (options: Parameters<HttpServerRequest.HttpServerRequest["modify"]>[0]) =>
        withText(request.modify(options), text),
    },
  })

const FORM = /^application\/x-www-form-urlencoded\b/i

/** The token a request carries, and the request to hand on (its body kept when it was read). */
const tokenOf = (request: HttpServerRequest.HttpServerRequest, header: string, field: string | false) => {
  const fromHeader = request.headers[header]
  if (fromHeader !== undefined || field === false || !FORM.test(request.headers["content-type"] ?? "")) {
    return Effect.succeed({ token: fromHeader, request })
  }
  return request.text.pipe(
    Effect.map((text) => ({ token: new URLSearchParams(text).get(field), request: withText(request, text) })),
    // A body that cannot be read carries no token; the handler meets the same error.
    Effect.orElseSucceed(() => ({ token: undefined, request })),
  )
}

/**
 * The request's CookieStore when one is provided (`HttpSession.middleware`
 * around this one), so the CSRF cookie is read once per request; else a
 * read-only store over the request's `Cookie` header, which is all checking
 * a token needs.
 */
const storeFor = (request: HttpServerRequest.HttpServerRequest) =>
  Effect.map(Effect.serviceOption(CookieStore.CookieStore), (provided) => {
    if (Option.isSome(provided)) return provided.value
    const cookies = parseCookie(request.headers.cookie ?? "")
    return CookieStore.make({
      read: (name) => (Object.hasOwn(cookies, name) ? cookies[name] : undefined),
      names: () => Object.keys(cookies),
      write: () => {
        throw new CookieStore.NotWritable("read-only")
      },
    })
  })

/**
 * Refuses unsafe requests (anything but GET, HEAD, OPTIONS, TRACE) from
 * another origin with a {@link CsrfError}, and with `token` those without a
 * valid token too. Safe requests are never checked. Wraps an `HttpApp`, a
 * router, or an `HttpApi` (through `HttpApiBuilder.middleware`).
 *
 * Throws an `InvalidOptionError` when called with an `allowedOrigins` entry
 * that is not an origin, so a typo stops the app at start-up.
 *
 * With `token`, it needs {@link Csrf} (from {@link layer}), best bound to the
 * login session with its `session` option. Put it inside
 * `HttpSession.middleware` so the CSRF and session cookies are read once per
 * request.
 *
 * @example
 * ```ts
 * import { HttpRouter, HttpServerResponse } from "@effect/platform"
 * import { Config, Effect, Layer, Schema } from "effect"
 * import { Session } from "effect-iron-session"
 * import * as Csrf from "effect-iron-session/Csrf"
 * import * as HttpSession from "effect-iron-session/HttpSession"
 *
 * class Auth extends Session.Tag<Auth>()("app/Auth", {
 *   schema: Schema.Struct({ userId: Schema.String }),
 *   cookieName: "auth",
 *   password: Config.redacted("SESSION_PASSWORD"),
 *   track: true,
 * }) {}
 *
 * const router = HttpRouter.empty.pipe(
 *   HttpRouter.get(
 *     "/",
 *     Effect.map(Csrf.token.pipe(Effect.orDie), (token) =>
 *       HttpServerResponse.html(`<form method="post" action="/send"><input type="hidden" name="_csrf" value="${token}"></form>`),
 *     ),
 *   ),
 *   HttpRouter.post("/send", HttpServerResponse.text("sent")),
 * )
 *
 * const app = router.pipe(Csrf.middleware({ token: true }), HttpSession.middleware)
 * // Tokens bound to Auth's sign-in; provide it with the app: it gives Auth too.
 * const CsrfLive = Csrf.layer({ password: Config.redacted("CSRF_PASSWORD"), session: Auth }).pipe(
 *   Layer.provideMerge(Auth.layer),
 * )
 * ```
 *
 * @since 0.1.0
 * @category middleware
 */
export const middleware: {
  (
    options?: MiddlewareOptions & { readonly token?: false | undefined },
  ): <A, E, R>(app: Effect.Effect<A, E, R>) => Effect.Effect<A, E | CsrfError, R | HttpServerRequest.HttpServerRequest>
  (
    options: MiddlewareOptions & { readonly token: true | TokenOptions },
  ): <A, E, R>(
    app: Effect.Effect<A, E, R>,
  ) => Effect.Effect<A, E | CsrfError, R | HttpServerRequest.HttpServerRequest | Csrf>
  /** Options not known to leave tokens off: the token service may be needed. */
  (
    options: MiddlewareOptions,
  ): <A, E, R>(
    app: Effect.Effect<A, E, R>,
  ) => Effect.Effect<A, E | CsrfError, R | HttpServerRequest.HttpServerRequest | Csrf>
} = ((options: MiddlewareOptions = {}) => {
  const policy = policyOrThrow(options)
  const tokens = options.token === undefined || options.token === false ? undefined : options.token
  const header = (tokens === true ? undefined : tokens?.header)?.toLowerCase() ?? "x-csrf-token"
  const field = (tokens === true ? undefined : tokens?.field) ?? "_csrf"
  return <A, E, R>(app: Effect.Effect<A, E, R>) =>
    Effect.gen(function* () {
      const request = yield* HttpServerRequest.HttpServerRequest
      if (internal.isSafe(request.method)) return yield* app
      const refused = internal.checkOrigin(policy, platformFacts(request))
      if (refused !== undefined) return yield* new CsrfError({ reason: refused })
      if (tokens === undefined) return yield* app
      const csrf = yield* Csrf
      const carried = yield* tokenOf(request, header, field)
      const store = yield* storeFor(request)
      yield* Effect.provideService(csrf.verify(carried.token), CookieStore.CookieStore, store)
      return yield* Effect.provideService(app, HttpServerRequest.HttpServerRequest, carried.request)
    })
  // Without `token` the Csrf service is never asked for; the overloads say so.
}) as (options?: MiddlewareOptions) => <A, E, R>(app: Effect.Effect<A, E, R>) => Effect.Effect<A, E | CsrfError, R>

/**
 * The origin check alone, for a web `Request` in a runtime the middleware
 * does not cover (a Next.js Route Handler, Hono, a Worker): the
 * {@link CsrfError} that refuses it, or `undefined` for a request that may
 * go on. Throws an `InvalidOptionError` when made with an `allowedOrigins`
 * entry that is not an origin.
 *
 * @example
 * ```ts
 * import * as Csrf from "effect-iron-session/Csrf"
 *
 * const sameOrigin = Csrf.checkOrigin({ trustProxy: true })
 *
 * export async function POST(request: Request) {
 *   if (sameOrigin(request) !== undefined) return new Response(null, { status: 403 })
 *   return new Response("done")
 * }
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const checkOrigin = (options: OriginOptions = {}): ((request: Request) => CsrfError | undefined) => {
  const policy = policyOrThrow(options)
  return (request) => {
    const refused = internal.checkOrigin(policy, {
      method: request.method,
      header: (name) => request.headers.get(name) ?? undefined,
      origin: () => internal.normalizeOrigin(request.url),
    })
    return refused === undefined ? undefined : new CsrfError({ reason: refused })
  }
}
