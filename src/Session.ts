/**
 * Typed sessions: a value described by a `Schema`, read once per request from
 * a cookie, written back as Effects.
 *
 * Declare each session once with {@link Tag}: you get a service tag, its
 * `layer`, and accessors (`Auth.get`, `Auth.set(value)`, ...). The operations
 * need the request's {@link CookieStore.CookieStore}, provided per request
 * (`HttpSession.middleware` does it for `@effect/platform` apps).
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
 *   const user = yield* Auth.get // Option<User>, signedInAt a Date
 *   if (Option.isNone(user)) yield* Auth.set({ id: 1, name: "Ada", signedInAt: new Date() })
 * })
 *
 * // per request: handler.pipe(Effect.provide(CookieStore.layerWeb(request, headers)))
 * // once, for the app: Effect.provide(Auth.layer)
 * ```
 *
 * @since 0.1.0
 */
import type * as ConfigError from "effect/ConfigError"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import type * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import * as CookieStore from "./CookieStore.js"
import type * as Errors from "./Errors.js"
import { InvalidOptionError, type OptionsError } from "./Errors.js"
import * as config from "./internal/config.js"
import * as bridge from "./internal/effect.js"
import * as internal from "./internal/engine.js"
import * as Cookie from "./internal/kernel/cookie.js"
import type { IronCrypto } from "./internal/kernel/crypto/types.js"
import * as iron from "./internal/kernel/iron.js"
import type { Lifecycle } from "./internal/kernel/session.js"
import { mismatch } from "./internal/schema.js"
import * as Revocation from "./Revocation.js"
import * as Seal from "./Seal.js"

/**
 * An option's value, or a `Config` that gives it when the layer is built
 * (`Config.redacted("SESSION_PASSWORD")`, `Config.duration("SESSION_TTL")`).
 *
 * @since 0.1.0
 * @category models
 */
export type Configurable<A> = config.Configurable<A>

/**
 * An object whose every field is a value or a `Config` of it, or a `Config`
 * of the whole object.
 *
 * @since 0.1.0
 * @category models
 */
export type ConfigurableFields<A> = config.ConfigurableFields<A>

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
export type InvalidCookieError = internal.InvalidCookieError

/**
 * A rejected cookie, as handed to `onRejected`.
 *
 * @since 0.1.0
 * @category models
 */
export type Rejection = internal.Rejection

/**
 * Errors of writing a session: destroyed earlier in the request, the response
 * can no longer take cookies, over the size limit, a value that does not fit
 * the schema or that JSON cannot carry, or `cookieOptions.expires` in the past.
 *
 * @since 0.1.0
 * @category errors
 */
export type SaveError = internal.SaveError

/**
 * Errors of building a session layer: a missing or bad config value, a bad
 * password, an option that cannot work.
 *
 * @since 0.1.0
 * @category errors
 */
export type LayerError = ConfigError.ConfigError | OptionsError

/**
 * A session's declaration. `cookieName`, `password`, `ttl`, `chunk` and each
 * field of `cookieOptions` (or `cookieOptions` as a whole) take a value or a
 * `Config` of it.
 *
 * @since 0.1.0
 * @category models
 */
export interface Options<A, I, P extends Policy = Policy> {
  /** The session's data. Its encoded form must be JSON (use `Schema.DateFromNumber` for dates). */
  readonly schema: Schema.Schema<A, I>
  /**
   * The cookie's name: an RFC 6265 token (letters, digits and ``!#$%&'*+-.^_`|~``),
   * as `@effect/platform` requires. Chunks are `<name>.0` to `<name>.3`.
   */
  readonly cookieName: Configurable<string>
  /** A password, a rotation map `{ 1: old, 2: new }`, or a `Config` of either (`Config.redacted("SESSION_PASSWORD")`). */
  readonly password: Configurable<Seal.Password>
  /** How long a seal is valid; 14 days by default. The cookie's `Max-Age` is this less 60 seconds. */
  readonly ttl?: Configurable<Duration.DurationInput> | undefined
  /**
   * `Set-Cookie` attributes in `@effect/platform`'s shape (`maxAge` a
   * `Duration` input), merged over `HttpOnly; Secure; SameSite=Lax; Path=/`.
   * An explicit `maxAge: undefined` makes a browser-session cookie. A
   * `__Host-` or `__Secure-` name must keep its prefix's rules.
   */
  readonly cookieOptions?: ConfigurableFields<CookieStore.CookieOptions> | undefined
  /** Split a session over 4096 bytes into at most 4 cookies. Off by default; reading accepts both shapes either way. */
  readonly chunk?: Configurable<boolean> | undefined
  /** See {@link Policy}. */
  readonly invalidCookie?: P | undefined
  /** Called once per request when a cookie is rejected. */
  readonly onRejected?: ((rejection: Rejection) => Effect.Effect<void>) | undefined
  /**
   * The hot-cookie cache: seals this session opened recently are kept,
   * verified, so a cookie sent again (a user browsing) costs a lookup instead
   * of the crypto. On by default with 1024 entries and 2 MB; `false` turns it
   * off. Expiry is still checked on every read.
   */
  readonly cache?: boolean | { readonly entries?: number; readonly bytes?: number } | undefined
  /**
   * A rolling session: it ends after `idle` without a write, and `absolute`
   * after sign-in however active it is; a read more than `refresh` after the
   * last write writes it again (a fresh seal and `Max-Age`), so an active user
   * stays signed in. At least one of `idle` and `absolute`; `refresh` defaults
   * to half of `idle`. The ending is observable: `SessionExpiredError` with
   * reason `idle` or `absolute`. Needs the session's record (see {@link Options.track}).
   */
  readonly rolling?:
    | {
        readonly idle?: Configurable<Duration.DurationInput> | undefined
        readonly absolute?: Configurable<Duration.DurationInput> | undefined
        readonly refresh?: Configurable<Duration.DurationInput> | undefined
      }
    | undefined
  /**
   * Revocation, checked on every read (one round trip to the
   * `Revocation.Revocation` store: in memory unless a layer provides another).
   * `destroy` revokes the session's id, `signOutEverywhere` every session of
   * its `subject` signed in before now. When the store cannot be reached the
   * session is refused (`fail-closed`, the default) or used with a logged
   * warning (`fail-open`).
   */
  readonly revocation?:
    | {
        /** Whose session this is ("sign out everywhere" revokes all of a subject's sessions): a user id. */
        readonly subject?: ((value: A) => string | undefined) | undefined
        readonly onUnavailable?: "fail-closed" | "fail-open" | undefined
      }
    | undefined
  /**
   * Keeps a record beside the data (a random id, when the user signed in, when
   * the session was last written) without rolling or revocation, so that
   * `signedInAt`, `requireFresh` and `regenerate` work. On whenever `rolling`
   * or `revocation` is. The record is one more key in the sealed JSON
   * (`~session`), which iron-session would show beside the data.
   */
  readonly track?: boolean | undefined
  /**
   * Binds the session's seals to a purpose, checked inside the MAC: `true`
   * binds them to the cookie's name, a string to that string. A seal made for
   * another purpose (a magic-link token pasted into the cookie) or for none is
   * refused with `BadSealError` reason `purpose`. Off by default, for
   * iron-session's sake: turning it on signs out every session sealed without
   * it, once.
   */
  readonly purpose?: true | Configurable<string> | undefined
  /** A span per session operation (`Session.get`, `Session.set`, ...). Off by default. */
  readonly spans?: boolean | undefined
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
  readonly destroy: Effect.Effect<
    void,
    Errors.CookieNotWritableError | Errors.RevocationUnavailableError,
    CookieStore.CookieStore
  >
  /** Why this request's cookie was not used, if it was not. */
  readonly rejection: Effect.Effect<Option.Option<InvalidCookieError>, never, CookieStore.CookieStore>
  /**
   * When the user signed in: none without a session, or for a session that
   * keeps no record (see {@link Options.track}).
   */
  readonly signedInAt: Effect.Effect<Option.Option<Date>, E, CookieStore.CookieStore>
  /**
   * The session's id: random, given at sign-in (and by `regenerate`), the
   * same for every write of the session after it. None without a session, or
   * for a session that keeps no record (see {@link Options.track}). It is what
   * revocation revokes, and what `Csrf` binds its tokens to; it is not a
   * credential (the sealed cookie is), but keep it out of URLs and pages.
   */
  readonly id: Effect.Effect<Option.Option<string>, E, CookieStore.CookieStore>
  /**
   * Succeeds when the user signed in within `maxAge` (`"10 minutes"`), for
   * sensitive actions (change the password, delete the account); fails with
   * `SessionNotFreshError` otherwise, or without a sign-in on record.
   */
  readonly requireFresh: (
    maxAge: Duration.DurationInput,
  ) => Effect.Effect<void, Errors.SessionNotFreshError | E, CookieStore.CookieStore>
  /**
   * Gives the session a new id and sign-in time and writes it, so a cookie
   * planted before sign-in cannot be used after it (session fixation); with
   * revocation on, the old id is revoked. Call it right after signing in. On an
   * empty session it applies to the next write.
   */
  readonly regenerate: Effect.Effect<void, SaveError | Errors.RevocationUnavailableError | E, CookieStore.CookieStore>
  /**
   * Signs the user out everywhere: revokes every session of the current
   * value's subject signed in before now, and destroys this one. Needs
   * `revocation` with a `subject`; without it, a defect.
   */
  readonly signOutEverywhere: Effect.Effect<
    void,
    Errors.RevocationUnavailableError | Errors.CookieNotWritableError | E,
    CookieStore.CookieStore
  >
}

/**
 * The read error of a policy.
 *
 * @since 0.1.0
 * @category models
 */
export type ReadError<P extends Policy> = P extends "fail" ? InvalidCookieError : never

/**
 * A schema as the engine's codec. The synchronous forms serve every schema
 * without an asynchronous transformation (a `Forbidden` issue says there is
 * one); the engine then falls back to the Effect forms.
 */
const codecOf = <A, I>(schema: Schema.Schema<A, I>): internal.Codec<A> => {
  const decode = Schema.decodeUnknown(schema, { errors: "all" })
  const encode = Schema.encode(schema, { errors: "all" })
  const decodeEither = Schema.decodeUnknownEither(schema, { errors: "all" })
  const encodeEither = Schema.encodeEither(schema, { errors: "all" })
  const sync =
    (operation: "decode" | "encode") =>
    <X>(result: Either.Either<X, ParseResult.ParseError>): Either.Either<X, Errors.SchemaMismatchError> | undefined =>
      Either.isRight(result)
        ? Either.right(result.right)
        : result.left.issue._tag === "Forbidden"
          ? undefined
          : Either.left(mismatch(operation, result.left))
  return {
    decodeSync: (data) => sync("decode")(decodeEither(data)),
    encodeSync: (value) => sync("encode")(encodeEither(value)),
    decode: (data) => Effect.mapError(decode(data), (error) => mismatch("decode", error)),
    encode: (value) => Effect.mapError(encode(value), (error) => mismatch("encode", error)),
  }
}

const withCookies = <A, E>(
  f: (cookies: Cookie.Cookies) => Effect.Effect<A, E>,
): Effect.Effect<A, E, CookieStore.CookieStore> =>
  Effect.flatMap(CookieStore.CookieStore, (store) => f(Cookie.cookiesOf(store)))

/** The service over the engine: each operation on the request's cookies. */
const fromEngine = <A, E>(engine: internal.Engine<A>): Session<A, E> =>
  ({
    cookieName: engine.cookieName,
    get: withCookies(engine.get),
    set: (value: A) => withCookies((cookies) => engine.set(cookies, value)),
    update: (f: (current: Option.Option<A>) => A) => withCookies((cookies) => engine.update(cookies, f)),
    save: withCookies(engine.save),
    destroy: withCookies(engine.destroy),
    rejection: withCookies(engine.rejection),
    signedInAt: withCookies(engine.signedInAt),
    id: withCookies(engine.id),
    requireFresh: (maxAge: Duration.DurationInput) => withCookies((cookies) => engine.requireFresh(cookies, maxAge)),
    regenerate: withCookies(engine.regenerate),
    signOutEverywhere: withCookies(engine.signOutEverywhere),
  }) as unknown as Session<A, E>

/** A positive, finite duration option in milliseconds, or `undefined` when not given. */
const millisOf = (option: string, value: Duration.DurationInput | undefined) =>
  Effect.suspend((): Effect.Effect<number | undefined, InvalidOptionError> => {
    if (value === undefined) return Effect.succeed(undefined)
    const decoded = Duration.decodeUnknown(value)
    if (Option.isNone(decoded) || !Duration.isFinite(decoded.value) || Duration.toMillis(decoded.value) <= 0) {
      return Effect.fail(
        new InvalidOptionError({
          option,
          reason: `${JSON.stringify(String(value))} is not a positive, finite duration. Use a Duration or a string such as "30 minutes".`,
        }),
      )
    }
    return Effect.succeed(Duration.toMillis(decoded.value))
  })

/** The lifecycle options, read from Config where given and checked. */
const lifecycleOf = <A, I, P extends Policy>(
  options: Options<A, I, P>,
  ttlGiven: boolean,
): Effect.Effect<Lifecycle<Revocation.Revocation> | undefined, LayerError> =>
  Effect.gen(function* () {
    const { rolling, revocation } = options
    if (rolling === undefined && revocation === undefined && options.track !== true) return undefined
    const idle = yield* millisOf("rolling.idle", yield* config.configured(rolling?.idle))
    const absolute = yield* millisOf("rolling.absolute", yield* config.configured(rolling?.absolute))
    const refresh = yield* millisOf("rolling.refresh", yield* config.configured(rolling?.refresh))
    if (rolling !== undefined && idle === undefined && absolute === undefined) {
      return yield* new InvalidOptionError({
        option: "rolling",
        reason:
          'needs an idle timeout, an absolute lifetime or both, such as { idle: "30 minutes", absolute: "7 days" }.',
      })
    }
    if (refresh !== undefined && idle !== undefined && refresh >= idle) {
      return yield* new InvalidOptionError({
        option: "rolling.refresh",
        reason: "must be shorter than rolling.idle, or an idle session would end before it is refreshed.",
      })
    }
    return {
      idle,
      absolute,
      refresh: refresh ?? (idle === undefined ? undefined : Math.floor(idle / 2)),
      capByTtl: ttlGiven,
      revocation:
        revocation === undefined
          ? undefined
          : {
              store: yield* Revocation.Revocation,
              subject: revocation.subject as ((value: unknown) => string | undefined) | undefined,
              failOpen: revocation.onUnavailable === "fail-open",
            },
    }
  })

const cacheOptions = (cache: Options<unknown, unknown>["cache"]) =>
  cache === false ? false : { ...iron.DEFAULT_CACHE, ...(typeof cache === "object" ? cache : {}) }

/**
 * Builds a session from its options, reading each `Config` and checking every
 * option once: a missing or short password, a cookie name the platform
 * refuses or a `__Host-` cookie with a `Domain` fails here, at start-up, not
 * on the first request.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = <A, I, P extends Policy = "reset">(
  options: Options<A, I, P>,
): Effect.Effect<Session<A, ReadError<P>>, LayerError> =>
  Effect.gen(function* () {
    const backend = yield* Seal.CryptoBackend
    const cookieName = yield* config.configured(options.cookieName)
    const password = yield* config.configured(options.password)
    const ttl = yield* config.configured(options.ttl)
    const chunk = yield* config.configured(options.chunk)
    const cookieOptions =
      options.cookieOptions === undefined ? {} : yield* config.configuredFields(options.cookieOptions)
    const attributes = bridge.fromCookieOptions(cookieOptions)
    if (bridge.isLibraryError(attributes)) return yield* attributes
    const lifecycle = yield* lifecycleOf(options, ttl !== undefined)
    const purpose = options.purpose === true ? cookieName : yield* config.configured(options.purpose)
    const resolved = internal.resolve(backend as unknown as IronCrypto, {
      cookieName,
      password,
      ttl,
      attributes,
      chunk: chunk === true,
      strict: true,
      ironOrder: false,
      codec: codecOf(options.schema),
      policy: options.invalidCookie ?? "reset",
      onRejected: options.onRejected,
      cache: cacheOptions(options.cache),
      purpose,
      lifecycle,
      spans: options.spans === true,
    })
    if (!("sealer" in resolved)) return yield* resolved
    return fromEngine<A, ReadError<P>>(internal.make(resolved))
  })

/**
 * A layer for a session tag you declared yourself: see {@link make}.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = <Self, A, I, P extends Policy = "reset">(
  tag: Context.Tag<Self, Session<A, ReadError<P>>>,
  options: Options<A, I, P>,
): Layer.Layer<Self, LayerError> => Layer.effect(tag, make(options))

/**
 * A declared session: a service tag with its layer and accessors. Each
 * accessor is an Effect needing the session and the request's
 * {@link CookieStore.CookieStore}.
 *
 * @since 0.1.0
 * @category models
 */
export interface TagClass<Self, Id extends string, A, E> extends Context.TagClass<Self, Id, Session<A, E>> {
  /** The session, built from its options (each `Config` read then). */
  readonly layer: Layer.Layer<Self, LayerError>
  /** The current value: none when there is no valid cookie (or after `destroy`). */
  readonly get: Effect.Effect<Option.Option<A>, E, Self | CookieStore.CookieStore>
  /** Replaces the value and writes the cookie. */
  readonly set: (value: A) => Effect.Effect<void, SaveError, Self | CookieStore.CookieStore>
  /** Computes the new value from the current one and writes it. */
  readonly update: (
    f: (current: Option.Option<A>) => A,
  ) => Effect.Effect<void, SaveError | E, Self | CookieStore.CookieStore>
  /** Writes the current value again, with a fresh ttl; nothing for an empty session. */
  readonly save: Effect.Effect<void, SaveError | E, Self | CookieStore.CookieStore>
  /** Expires the cookie and its chunks; terminal for the request. */
  readonly destroy: Effect.Effect<
    void,
    Errors.CookieNotWritableError | Errors.RevocationUnavailableError,
    Self | CookieStore.CookieStore
  >
  /** Why this request's cookie was not used, if it was not. */
  readonly rejection: Effect.Effect<Option.Option<InvalidCookieError>, never, Self | CookieStore.CookieStore>
  /** When the user signed in (sessions with a record). */
  readonly signedInAt: Effect.Effect<Option.Option<Date>, E, Self | CookieStore.CookieStore>
  /** The session's id, given at sign-in (sessions with a record). */
  readonly id: Effect.Effect<Option.Option<string>, E, Self | CookieStore.CookieStore>
  /** Fails with `SessionNotFreshError` unless the user signed in within `maxAge`. */
  readonly requireFresh: (
    maxAge: Duration.DurationInput,
  ) => Effect.Effect<void, Errors.SessionNotFreshError | E, Self | CookieStore.CookieStore>
  /** A new id and sign-in time, written now; the old id revoked with revocation on. */
  readonly regenerate: Effect.Effect<
    void,
    SaveError | Errors.RevocationUnavailableError | E,
    Self | CookieStore.CookieStore
  >
  /** Revokes every session of the current subject signed in before now, and destroys this one. */
  readonly signOutEverywhere: Effect.Effect<
    void,
    Errors.RevocationUnavailableError | Errors.CookieNotWritableError | E,
    Self | CookieStore.CookieStore
  >
}

/**
 * Declares a session: a class that is its service tag, with its `layer` and
 * accessors, as `Effect.Service` gives with `accessors: true`.
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
 *   cookieOptions: { secure: Config.boolean("COOKIE_SECURE").pipe(Config.withDefault(true)) },
 * }) {}
 *
 * const addBook = Cart.update((cart) => ({ items: [...(cart._tag === "Some" ? cart.value.items : []), "book"] }))
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
    const tag = Context.Tag(id)<Self, Session<A, ReadError<P>>>()
    return Object.assign(tag, {
      layer: layer(tag, options),
      get: Effect.flatMap(tag, (s) => s.get),
      set: (value: A) => Effect.flatMap(tag, (s) => s.set(value)),
      update: (f: (current: Option.Option<A>) => A) => Effect.flatMap(tag, (s) => s.update(f)),
      save: Effect.flatMap(tag, (s) => s.save),
      destroy: Effect.flatMap(tag, (s) => s.destroy),
      rejection: Effect.flatMap(tag, (s) => s.rejection),
      signedInAt: Effect.flatMap(tag, (s) => s.signedInAt),
      id: Effect.flatMap(tag, (s) => s.id),
      requireFresh: (maxAge: Duration.DurationInput) => Effect.flatMap(tag, (s) => s.requireFresh(maxAge)),
      regenerate: Effect.flatMap(tag, (s) => s.regenerate),
      signOutEverywhere: Effect.flatMap(tag, (s) => s.signOutEverywhere),
    })
  }
