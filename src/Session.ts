/**
 * Typed sessions: a value described by a `Schema`, read once per request from
 * a cookie, written back as Effects.
 *
 * Declare each session once, with its own cookie; get a service tag and a
 * layer. The session's operations need the request's
 * {@link CookieStore.CookieStore}, which you provide per request.
 *
 * @example
 * ```ts
 * import { Config, Effect, Option, Schema } from "effect"
 * import { CookieStore, Session } from "effect-iron-session"
 *
 * const User = Schema.Struct({ id: Schema.Number, name: Schema.String, signedInAt: Schema.DateFromNumber })
 *
 * class Auth extends Session.Tag<Auth>()("app/Auth", {
 *   schema: User,
 *   cookieName: "auth",
 *   password: Config.redacted("SESSION_PASSWORD"),
 * }) {}
 *
 * const handler = Effect.gen(function* () {
 *   const auth = yield* Auth
 *   const user = yield* auth.get // Option<User>, signedInAt a Date
 *   if (Option.isNone(user)) yield* auth.set({ id: 1, name: "Ada", signedInAt: new Date() })
 * })
 *
 * // per request: handler.pipe(Effect.provide(CookieStore.layerWeb(request, headers)))
 * // once, for the app: Effect.provide(Auth.layer)
 * ```
 *
 * @since 0.1.0
 */
import type * as Config from "effect/Config"
import type * as ConfigError from "effect/ConfigError"
import * as Context from "effect/Context"
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as Option from "effect/Option"
import type * as Schema from "effect/Schema"
import type * as CookieStore from "./CookieStore.js"
import type * as Errors from "./Errors.js"
import * as internal from "./internal/session.js"
import * as Seal from "./Seal.js"

/**
 * What to do with a cookie that is expired, tampered, sealed under an unknown
 * password or no longer matching the schema:
 *
 * - `"reset"` (default): the session reads as empty. The reason is still
 *   observable: a debug log, a `session.<cookieName>.rejected` attribute on
 *   the current span, the `onRejected` hook and {@link Session.rejection}.
 * - `"fail"`: `get` fails with the typed error instead.
 *
 * @since 0.1.0
 * @category models
 */
export type Policy = "reset" | "fail"

/**
 * Why a cookie was not used.
 *
 * @since 0.1.0
 * @category models
 */
export type InvalidCookieError = Errors.SealExpiredError | Errors.BadSealError | Errors.SchemaMismatchError

/**
 * A rejected cookie, as handed to `onRejected`.
 *
 * @since 0.1.0
 * @category models
 */
export interface Rejection {
  readonly cookieName: string
  readonly error: InvalidCookieError
}

/**
 * Errors of writing a session.
 *
 * @since 0.1.0
 * @category errors
 */
export type SaveError =
  | Errors.SessionDestroyedError
  | Errors.CookieNotWritableError
  | Errors.CookieTooLargeError
  | Errors.SchemaMismatchError
  | Errors.UnserializableDataError
  | Errors.InvalidOptionError

/**
 * Errors of building a session layer: a missing config value, a bad password,
 * an option that cannot work.
 *
 * @since 0.1.0
 * @category errors
 */
export type LayerError =
  | ConfigError.ConfigError
  | Errors.PasswordError
  | Errors.InvalidOptionError
  | Errors.MissingOptionError

/**
 * An option's value, or a `Config` that gives it when the layer is built
 * (`Config.redacted("SESSION_PASSWORD")`, `Config.duration("SESSION_TTL")`).
 *
 * @since 0.1.0
 * @category models
 */
export type Configurable<A> = A | Config.Config<A>

/**
 * A session's declaration. `cookieName`, `password`, `ttl` and `chunk` each
 * take a value or a `Config` of it.
 *
 * @since 0.1.0
 * @category models
 */
export interface Options<A, I, P extends Policy = Policy> {
  /** The session's data. Its encoded form must be JSON (use `Schema.DateFromNumber` for dates). */
  readonly schema: Schema.Schema<A, I>
  /** The cookie's name; chunks are `<name>.0` to `<name>.3`. */
  readonly cookieName: Configurable<string>
  /** A password, a rotation map `{ 1: old, 2: new }`, or a `Config` of either (`Config.redacted("SESSION_PASSWORD")`). */
  readonly password: Configurable<Seal.Password>
  /** How long a seal is valid; 14 days by default. The cookie's `Max-Age` is this less 60 seconds. */
  readonly ttl?: Configurable<Duration.DurationInput> | undefined
  /**
   * `Set-Cookie` attributes, merged over `HttpOnly; Secure; SameSite=Lax; Path=/`.
   * `maxAge` is in seconds; an explicit `maxAge: undefined` makes a browser-session cookie.
   */
  readonly cookieOptions?: CookieStore.CookieOptions | undefined
  /** Split a session over 4096 bytes into at most 4 cookies. Off by default; reading accepts both shapes either way. */
  readonly chunk?: Configurable<boolean> | undefined
  /** See {@link Policy}. */
  readonly invalidCookie?: P | undefined
  /** Called once per request when a cookie is rejected. */
  readonly onRejected?: ((rejection: Rejection) => Effect.Effect<void>) | undefined
}

/**
 * A session's operations. Each needs the request's
 * {@link CookieStore.CookieStore}; the cookie is read and unsealed at most once
 * per request, on first use.
 *
 * `E` is the error of reading: `never` under the default `"reset"` policy,
 * {@link InvalidCookieError} under `"fail"`.
 *
 * @since 0.1.0
 * @category models
 */
export interface Session<A, E = never> {
  readonly cookieName: string
  /** The current value: none when there is no valid cookie (or after `destroy`). */
  readonly get: Effect.Effect<Option.Option<A>, E, CookieStore.CookieStore>
  /** Replaces the value and writes the cookie. Atomic: on failure the session is unchanged. */
  readonly set: (value: A) => Effect.Effect<void, SaveError, CookieStore.CookieStore>
  /** Computes the new value from the current one and writes it. */
  readonly update: (f: (current: Option.Option<A>) => A) => Effect.Effect<void, SaveError | E, CookieStore.CookieStore>
  /**
   * Writes the current value again, with a fresh ttl. Writes nothing for an
   * empty session, so saving after `destroy` writes nothing either.
   */
  readonly save: Effect.Effect<void, SaveError | E, CookieStore.CookieStore>
  /**
   * Expires the cookie (and any chunks) and empties the session. Terminal for
   * the request: a later `set` or `update` fails with `SessionDestroyedError`.
   */
  readonly destroy: Effect.Effect<void, Errors.CookieNotWritableError, CookieStore.CookieStore>
  /** Why this request's cookie was not used, if it was not. */
  readonly rejection: Effect.Effect<Option.Option<InvalidCookieError>, never, CookieStore.CookieStore>
}

/**
 * The read error of a policy.
 *
 * @since 0.1.0
 * @category models
 */
export type ReadError<P extends Policy> = P extends "fail" ? InvalidCookieError : never

/**
 * Builds a session from its options, with the {@link Seal.Seal} service. The
 * options are checked here, once: a bad password or cookie name fails the
 * layer at start-up, not the first request.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = <A, I, P extends Policy = "reset">(
  options: Options<A, I, P>,
): Effect.Effect<Session<A, ReadError<P>>, LayerError, Seal.Seal> =>
  Effect.flatMap(Seal.Seal, (seal) => internal.make(options, seal))

/**
 * A layer for a session tag you declared yourself, needing {@link Seal.Seal}.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = <Self, A, I, P extends Policy = "reset">(
  tag: Context.Tag<Self, Session<A, ReadError<P>>>,
  options: Options<A, I, P>,
): Layer.Layer<Self, LayerError, Seal.Seal> => Layer.effect(tag, make(options))

/**
 * A declared session: a service tag with its layers.
 *
 * @since 0.1.0
 * @category models
 */
export interface TagClass<Self, Id extends string, A, E> extends Context.TagClass<Self, Id, Session<A, E>> {
  /** The session with the default {@link Seal.layer}. */
  readonly layer: Layer.Layer<Self, LayerError>
  /** The session alone, needing a {@link Seal.Seal}. */
  readonly layerWithoutDependencies: Layer.Layer<Self, LayerError, Seal.Seal>
}

/**
 * Declares a session: a class that is its service tag, with its layers.
 *
 * @example
 * ```ts
 * import { Config, Schema } from "effect"
 * import { Session } from "effect-iron-session"
 *
 * class Cart extends Session.Tag<Cart>()("app/Cart", {
 *   schema: Schema.Struct({ items: Schema.Array(Schema.String) }),
 *   cookieName: "cart",
 *   password: Config.redacted("SESSION_PASSWORD"),
 *   ttl: "30 days",
 * }) {}
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const Tag =
  <Self>() =>
  <const Id extends string, A, I, P extends Policy = "reset">(
    id: Id,
    options: Options<A, I, P>,
  ): TagClass<Self, Id, A, ReadError<P>> => {
    const base = Context.Tag(id)<Self, Session<A, ReadError<P>>>()
    const withoutDependencies = layer(base, options)
    return Object.assign(base, {
      layerWithoutDependencies: withoutDependencies,
      layer: Layer.provide(withoutDependencies, Seal.layer),
    })
  }
