/**
 * Flash messages: a value typed by a `Schema`, set in one request ("You are
 * signed out") and read once in a later one, then gone.
 *
 * A flash is a small session of its own, in its own cookie, built on
 * {@link Session.make}: the same sealing, cookie rules and errors, with a
 * short ttl (5 minutes by default) because a flash that was never shown
 * should not turn up days later. Nothing is written when nothing was flashed,
 * and reading a request without a flash writes nothing either.
 *
 * @example
 * ```ts
 * import { Config, Effect, Option, Schema } from "effect"
 * import { Flash } from "effect-iron-session"
 *
 * class Notice extends Flash.Tag<Notice>()("app/Notice", {
 *   schema: Schema.String,
 *   cookieName: "flash",
 *   password: Config.redacted("SESSION_PASSWORD"),
 * }) {}
 *
 * // POST /logout: flash, then redirect
 * const logout = Notice.set("You are signed out")
 *
 * // GET /: show it once
 * const home = Effect.map(Notice.take, Option.getOrElse(() => "Welcome"))
 * ```
 *
 * @since 0.1.0
 */
import * as Context from "effect/Context"
import * as Deferred from "effect/Deferred"
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import type * as Schema from "effect/Schema"
import * as CookieStore from "./CookieStore.js"
import type * as Errors from "./Errors.js"
import * as config from "./internal/config.js"
import * as perRequest from "./internal/perRequest.js"
import type * as Seal from "./Seal.js"
import * as Session from "./Session.js"

/**
 * A flash's declaration: {@link Session.Options} without what does not apply
 * to a value read once (chunking, the invalid-cookie policy: a flash that
 * cannot be read is simply none, and cleared).
 *
 * @since 0.1.0
 * @category models
 */
export interface Options<A, I> {
  /** The flashed value. Its encoded form must be JSON. */
  readonly schema: Schema.Schema<A, I>
  /** The cookie's name: an RFC 6265 token, as for a session. */
  readonly cookieName: Session.Configurable<string>
  /** A password of 32+ characters, a rotation map, or a `Config` of either. */
  readonly password: Session.Configurable<Seal.Password>
  /** How long a flash waits to be read; 5 minutes by default. */
  readonly ttl?: Session.Configurable<Duration.DurationInput> | undefined
  /** `Set-Cookie` attributes, as for a session (`maxAge` a `Duration`), merged over `HttpOnly; Secure; SameSite=Lax; Path=/`. */
  readonly cookieOptions?: Session.ConfigurableFields<CookieStore.CookieOptions> | undefined
}

/**
 * Errors of setting a flash: the response can no longer take cookies, the
 * value is too large for a cookie, does not fit the schema or cannot be
 * carried by JSON, or `cookieOptions.expires` is in the past.
 *
 * @since 0.1.0
 * @category errors
 */
export type SetError = Exclude<Session.SaveError, Errors.SessionDestroyedError>

/**
 * A flash's operations, each on the request's {@link CookieStore.CookieStore}.
 *
 * @since 0.1.0
 * @category models
 */
export interface Flash<A> {
  readonly cookieName: string
  /**
   * Flashes a value for a later request, replacing any flash, including one
   * taken earlier in this request (so a handler can take the old message and
   * flash a new one before redirecting).
   */
  readonly set: (value: A) => Effect.Effect<void, SetError, CookieStore.CookieStore>
  /**
   * The flash, read once: when there is one, its cookie is expired so it is
   * not shown again. Every `take` in a request gives the first one's result
   * and clears at most once. A cookie that cannot be read (expired, tampered,
   * another schema) is none, and is cleared too; without a cookie nothing is
   * written. Fails with `CookieNotWritableError` where the cookie cannot be
   * cleared (a Next.js Server Component): take it where cookies can be written,
   * or {@link Flash.peek} it.
   */
  readonly take: Effect.Effect<Option.Option<A>, Errors.CookieNotWritableError, CookieStore.CookieStore>
  /** The flash, without clearing it. */
  readonly peek: Effect.Effect<Option.Option<A>, never, CookieStore.CookieStore>
}

/** Five minutes: long enough for a redirect and a slow page, short enough that an unread flash does not linger. */
const DEFAULT_TTL: Duration.DurationInput = "5 minutes"

/**
 * Builds a flash from its options, reading each `Config` and checking every
 * option once, as {@link Session.make} does.
 *
 * @example
 * ```ts
 * import { Effect, Schema } from "effect"
 * import { CookieStore, Flash } from "effect-iron-session"
 *
 * const program = Effect.gen(function* () {
 *   const notice = yield* Flash.make({ schema: Schema.String, cookieName: "flash", password: "a-password-of-at-least-32-characters" })
 *   yield* notice.set("Saved")
 * }).pipe(Effect.provide(CookieStore.layerMemory()))
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = <A, I>(options: Options<A, I>): Effect.Effect<Flash<A>, Session.LayerError> =>
  Effect.gen(function* () {
    // Each Config is read once, then both sessions below get the same values.
    const sessionOptions: Session.Options<A, I, "reset"> = {
      schema: options.schema,
      cookieName: yield* config.configured(options.cookieName),
      password: yield* config.configured(options.password),
      ttl: (yield* config.configured(options.ttl)) ?? DEFAULT_TTL,
      ...(options.cookieOptions === undefined
        ? {}
        : { cookieOptions: yield* config.configuredFields(options.cookieOptions) }),
    }
    // Two sessions over the same cookie: `destroy` is terminal for a session
    // in its request, and taking a flash destroys it, yet a handler may take
    // the old flash and set a new one in the same request. The reader takes
    // and destroys; the writer, which never destroys, sets. Both see the
    // request's writes through the one CookieStore, so a flash set and then
    // taken in one request is taken, and one taken and then set is kept.
    const reader = yield* Session.make(sessionOptions)
    const writer = yield* Session.make(sessionOptions)
    // One request is one CookieStore, as for sessions: the first take's
    // result is kept for the request, and concurrent takes wait for it.
    const taken = perRequest.once(
      Effect.gen(function* () {
        const value = yield* reader.get
        const present = Option.isSome(value) || Option.isSome(yield* reader.rejection)
        // A flash has no revocation, so its destroy only clears the cookie.
        if (present) yield* Effect.catchTag(reader.destroy, "RevocationUnavailableError", Effect.die)
        return value
      }),
    )

    return {
      cookieName: reader.cookieName,
      set: (value: A) =>
        // The writer never destroys, so its set cannot meet a destroyed session.
        Effect.catchTag(writer.set(value), "SessionDestroyedError", (error) => Effect.die(error)),
      take: taken.get,
      peek: Effect.flatMap(CookieStore.CookieStore, (store) => {
        const first = taken.peek(store)
        // After a take, what it took (the cookie is cleared by now); after a
        // take that could not clear it, the cookie is still there to read.
        return first === undefined ? reader.get : Effect.catchAll(Deferred.await(first), () => reader.get)
      }),
    } satisfies Flash<A>
  })

/**
 * A layer for a flash tag you declared yourself: see {@link make}.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = <Self, A, I>(
  tag: Context.Tag<Self, Flash<A>>,
  options: Options<A, I>,
): Layer.Layer<Self, Session.LayerError> => Layer.effect(tag, make(options))

/**
 * A declared flash: a service tag with its layer and accessors, each needing
 * the flash and the request's {@link CookieStore.CookieStore}.
 *
 * @since 0.1.0
 * @category models
 */
export interface TagClass<Self, Id extends string, A> extends Context.TagClass<Self, Id, Flash<A>> {
  /** The flash, built from its options (each `Config` read then). */
  readonly layer: Layer.Layer<Self, Session.LayerError>
  /** Flashes a value for a later request. */
  readonly set: (value: A) => Effect.Effect<void, SetError, Self | CookieStore.CookieStore>
  /** The flash, read once and cleared. */
  readonly take: Effect.Effect<Option.Option<A>, Errors.CookieNotWritableError, Self | CookieStore.CookieStore>
  /** The flash, without clearing it. */
  readonly peek: Effect.Effect<Option.Option<A>, never, Self | CookieStore.CookieStore>
}

/**
 * Declares a flash: a class that is its service tag, with its `layer` and
 * the accessors `set`, `take` and `peek`.
 *
 * @example
 * ```ts
 * import { Config, Effect, Option, Schema } from "effect"
 * import { Flash } from "effect-iron-session"
 *
 * const Message = Schema.Struct({ level: Schema.Literal("info", "error"), text: Schema.String })
 *
 * class Notice extends Flash.Tag<Notice>()("app/Notice", {
 *   schema: Message,
 *   cookieName: "flash",
 *   password: Config.redacted("SESSION_PASSWORD"),
 *   ttl: "1 minute",
 * }) {}
 *
 * const afterSave = Notice.set({ level: "info", text: "Saved" })
 * const banner = Effect.map(Notice.take, Option.map((m) => `[${m.level}] ${m.text}`))
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const Tag =
  <Self>() =>
  <const Id extends string, A, I>(id: Id, options: Options<A, I>): TagClass<Self, Id, A> => {
    const tag = Context.Tag(id)<Self, Flash<A>>()
    return Object.assign(tag, {
      layer: layer(tag, options),
      set: (value: A) => Effect.flatMap(tag, (flash) => flash.set(value)),
      take: Effect.flatMap(tag, (flash) => flash.take),
      peek: Effect.flatMap(tag, (flash) => flash.peek),
    })
  }
