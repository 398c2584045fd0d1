/**
 * The one session implementation: read once per request, write with a size
 * budget and chunks, destroy. The Effect API (`Session.ts`) and the Promise
 * facade both run through here; each only turns its own options into a
 * {@link Resolved} and its own calls into these.
 *
 * @internal
 */
import * as Clock from "effect/Clock"
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Exit from "effect/Exit"
import * as FiberId from "effect/FiberId"
import * as Option from "effect/Option"
import {
  BadSealError,
  CookieNotWritableError,
  CookieTooLargeError,
  InvalidOptionError,
  MissingOptionError,
  type OptionsError,
  type SchemaMismatchError,
  SealExpiredError,
  SessionDestroyedError,
  UnserializableDataError,
} from "../Errors.js"
import * as Cookie from "./cookie.js"
import type { IronCrypto } from "./crypto/types.js"
import * as iron from "./iron.js"

/** Browsers cap one cookie at 4096 bytes over the whole `Set-Cookie` value. */
export const MAX_COOKIE_BYTES = 4096

/**
 * Hard cap on chunks, not configurable on purpose: four chunks is already
 * ~16 KB of `Cookie` header on every request, and proxies commonly cap the
 * header at 8 KB (nginx's default). Raising it would move the failure from our
 * error message to a 400 at the CDN.
 */
export const MAX_CHUNKS = 4

/** The largest `Max-Age` (2^31 − 1 seconds), used for seals that never expire. */
export const MAX_AGE_FOREVER = 2147483647

/** Why a cookie was not used. */
export type InvalidCookieError = SealExpiredError | BadSealError | SchemaMismatchError

/** A rejected cookie, as handed to `onRejected`. */
export interface Rejection {
  readonly cookieName: string
  readonly error: InvalidCookieError
}

/** Errors of writing a session. */
export type SaveError =
  | SessionDestroyedError
  | CookieNotWritableError
  | CookieTooLargeError
  | SchemaMismatchError
  | UnserializableDataError
  | InvalidOptionError

/**
 * How a session's value becomes JSON and back: a Schema for typed sessions,
 * nothing for the facade. The synchronous forms answer `undefined` when they
 * cannot (a schema with an asynchronous transformation); the Effect forms
 * always can.
 */
export interface Codec<A> {
  readonly decodeSync: (data: unknown) => Either.Either<A, SchemaMismatchError> | undefined
  readonly encodeSync: (value: A) => Either.Either<unknown, SchemaMismatchError> | undefined
  readonly decode: (data: unknown) => Effect.Effect<A, SchemaMismatchError>
  readonly encode: (value: A) => Effect.Effect<unknown, SchemaMismatchError>
}

/** The facade's codec: the data is the value. */
export const identity: Codec<unknown> = {
  decodeSync: Either.right,
  encodeSync: Either.right,
  decode: Effect.succeed,
  encode: Effect.succeed,
}

/** A session's options, checked once. */
export interface Resolved<A> {
  readonly cookieName: string
  readonly sealer: iron.Sealer
  readonly codec: Codec<A>
  /** The `Set-Cookie` attributes, defaults merged and `Max-Age` set. */
  readonly attributes: Cookie.Attributes
  /** Builds one of this session's cookies (the whole seal, or a chunk) with those attributes. */
  readonly cookie: (name: string, value: string) => Cookie.Cookie
  /** Builds the expiry of one of this session's cookies, with the same path and domain. */
  readonly expiry: (name: string) => Cookie.Cookie
  readonly chunk: boolean
  readonly policy: "reset" | "fail"
  readonly onRejected: ((rejection: Rejection) => Effect.Effect<void>) | undefined
}

/** What each door hands to {@link resolve}, after reading its own option shapes. */
export interface Input<A> {
  readonly cookieName: unknown
  readonly password: unknown
  readonly ttl: Duration.DurationInput | undefined
  /** The attributes given; `maxAge` present (even `undefined`) overrides the one derived from the ttl. */
  readonly attributes: Cookie.Attributes
  readonly chunk: boolean
  /** Names must be RFC 6265 tokens (the Effect API, for `@effect/platform`); the facade takes what `cookie` takes. */
  readonly strictName: boolean
  /** Open seals in iron's order (the facade): see `iron.Sealer`. */
  readonly ironOrder: boolean
  readonly codec: Codec<A>
  readonly policy: "reset" | "fail"
  readonly onRejected: ((rejection: Rejection) => Effect.Effect<void>) | undefined
  /** The hot-cookie cache of the session's sealer, or `false` for none. */
  readonly cache: iron.CacheOptions | false
}

/**
 * `Max-Age` is the ttl less iron's 60-second skew, so the cookie always
 * expires before the seal inside it and a browser never sends a seal the
 * server will refuse as expired. A ttl of a minute or less keeps the ttl.
 */
export const maxAgeFor = (ttlMillis: number | undefined): number => {
  if (ttlMillis === undefined) return MAX_AGE_FOREVER
  const seconds = Math.floor(ttlMillis / 1000)
  const skew = iron.TIMESTAMP_SKEW_MS / 1000
  return seconds > skew ? seconds - skew : seconds
}

/** Checks a session's options, for either door. Returns the first problem instead of throwing it. */
export const resolve = <A>(crypto: IronCrypto, input: Input<A>): Resolved<A> | OptionsError => {
  const { cookieName } = input
  if (typeof cookieName !== "string" || cookieName === "") {
    return new MissingOptionError({
      option: "cookieName",
      hint: 'give the cookie a name unique to your app, such as "myapp_session".',
    })
  }
  const sealer = iron.makeSealer(
    crypto,
    { password: input.password, ttl: input.ttl, cache: input.cache },
    input.ironOrder,
  )
  if (!iron.isSealer(sealer)) return sealer
  const attributes: Cookie.Attributes = {
    ...Cookie.DEFAULT_ATTRIBUTES,
    ...input.attributes,
    ...("maxAge" in input.attributes ? {} : { maxAge: maxAgeFor(sealer.ttl) }),
  }
  const bad = Cookie.checkCookie(cookieName, attributes, input.strictName)
  if (bad !== undefined) return bad
  const expiry = Cookie.cookieWriter({ ...attributes, maxAge: 0 })
  return {
    cookieName,
    sealer,
    codec: input.codec,
    attributes,
    cookie: Cookie.cookieWriter(attributes),
    expiry: (name) => expiry(name, ""),
    chunk: input.chunk,
    policy: input.policy,
    onRejected: input.onRejected,
  }
}

const chunkName = (cookieName: string, index: number) => `${cookieName}.${index}`

/**
 * Reads the seal, whether it was stored in one cookie or split into chunks.
 * Both shapes are accepted whatever the `chunk` setting, so turning chunking
 * on or off signs nobody out.
 *
 * Chunks are probed `name.0`, `name.1`, … up to the cap, stopping at the first
 * gap. There is no cookie holding the count: it would be attacker-controlled.
 * Nothing here trusts a single chunk: the HMAC covers the whole seal, so a
 * missing, reordered or foreign chunk fails integrity like any tampering.
 */
export const readSeal = (cookies: Cookie.Cookies, cookieName: string): string => {
  const whole = cookies.read(cookieName)
  if (whole !== undefined && whole !== "") return whole
  let seal = ""
  for (let index = 0; index < MAX_CHUNKS; index++) {
    const part = cookies.read(chunkName(cookieName, index))
    if (part === undefined || part === "") break
    seal += part
  }
  return seal
}

/** A short, stable name for why a cookie was rejected, for logs, spans and metrics. */
export const rejectionReason = (error: InvalidCookieError): string =>
  error._tag === "BadSealError" ? error.reason : error._tag === "SealExpiredError" ? "expired" : "schema-mismatch"

/**
 * What one request knows about one session. It lives beside the request's
 * cookies (in a WeakMap keyed by them), so it is collected with the request
 * and never leaks from one request to the next.
 */
export interface RequestState<A> {
  /**
   * The cookie as read and decoded, for the Effect driver: started by the
   * first reader, and awaited by every later one (at once if it is done)
   * rather than read again.
   */
  reading: Deferred.Deferred<Option.Option<A>, InvalidCookieError> | undefined
  /** The read's outcome, when it was decided without waiting (the common case: a synchronous backend). */
  read: Exit.Exit<Option.Option<A>, InvalidCookieError> | undefined
  rejection: Option.Option<InvalidCookieError>
  /** The value after a write in this request, which takes over from the cookie. */
  written: Option.Option<Option.Option<A>>
  destroyed: boolean
}

/** A fresh state, for a session not yet read, written or destroyed in the request. */
export const newState = <A>(): RequestState<A> => ({
  reading: undefined,
  read: undefined,
  rejection: Option.none(),
  written: Option.none(),
  destroyed: false,
})

/*
 * The rules, as plain functions both drivers call: the Effect engine below
 * (fibers, Clock, logs and spans) and the Promise facade (plain awaits,
 * `Date.now()`). Each returns its value or a Promise of it (when the crypto is
 * asynchronous) and throws the library's tagged errors.
 */

/**
 * Opens the request's cookie: the sealed data, or `undefined` when there is no
 * cookie. Throws `BadSealError` or `SealExpiredError` for a cookie it cannot use.
 */
export const openCookie = (config: Resolved<unknown>, cookies: Cookie.Cookies, now: number): unknown => {
  const sealed = readSeal(cookies, config.cookieName)
  return sealed === "" ? undefined : iron.openSeal(config.sealer, sealed, now)
}

/** Expires a cookie, with the same path and domain, or the browser keeps the old one. */
const expired = (config: Resolved<unknown>, name: string) => config.expiry(name)

/**
 * Expires the cookies of this session present now (sent with the request or
 * written earlier in it) that the new value does not use.
 */
const staleCookies = (config: Resolved<unknown>, cookies: Cookie.Cookies, keepWhole: boolean, chunksUpTo: number) => {
  const out: Array<Cookie.Cookie> = []
  if (!keepWhole && (cookies.read(config.cookieName) ?? "") !== "") out.push(expired(config, config.cookieName))
  for (let index = chunksUpTo; index < MAX_CHUNKS; index++) {
    const name = chunkName(config.cookieName, index)
    if ((cookies.read(name) ?? "") !== "") out.push(expired(config, name))
  }
  return out
}

/**
 * The cookies that carry a seal: one when it fits, chunks when it does not
 * and chunking is on, and in both cases expiries for the cookies of an
 * earlier, larger shape. A session that shrinks from three chunks to one
 * would otherwise leave `name.1` and `name.2` behind; the next read would
 * join them to the new chunk, fail integrity, and sign the user out on every
 * request while every save reported success.
 */
const cookiesFor = (config: Resolved<unknown>, cookies: Cookie.Cookies, sealed: string): Array<Cookie.Cookie> => {
  const { cookieName } = config
  const whole = config.cookie(cookieName, sealed)
  const size = cookies.bytes(whole)
  if (size <= MAX_COOKIE_BYTES) return [whole, ...staleCookies(config, cookies, true, 0)]
  if (!config.chunk) {
    throw new CookieTooLargeError({
      cookieName,
      size,
      limit: MAX_COOKIE_BYTES,
      ...((cookies.read(chunkName(cookieName, 0)) ?? "") !== "" ? { alreadyChunked: true } : {}),
    })
  }
  const overhead = cookies.bytes(config.cookie(chunkName(cookieName, 0), ""))
  const budget = MAX_COOKIE_BYTES - overhead
  if (budget <= 0) throw new CookieTooLargeError({ cookieName, size, limit: MAX_COOKIE_BYTES, overhead })
  const count = Math.ceil(sealed.length / budget)
  if (count > MAX_CHUNKS) {
    throw new CookieTooLargeError({ cookieName, size, limit: MAX_COOKIE_BYTES, chunks: count, maxChunks: MAX_CHUNKS })
  }
  const chunks: Array<Cookie.Cookie> = []
  for (let index = 0; index < count; index++) {
    chunks.push(config.cookie(chunkName(cookieName, index), sealed.slice(index * budget, (index + 1) * budget)))
  }
  return [...chunks, ...staleCookies(config, cookies, false, count)]
}

/**
 * Checks that the session can be written now, before anything is encoded or
 * sealed. Throws `SessionDestroyedError`, `CookieNotWritableError` or
 * `InvalidOptionError` (a `cookieOptions.expires` in the past).
 */
export const checkWritable = (
  config: Resolved<unknown>,
  state: RequestState<unknown>,
  cookies: Cookie.Cookies,
  now: number,
): void => {
  // `destroy` is terminal for the request: saving data now would restore
  // the cookie it just cleared, and leave the user signed in.
  if (state.destroyed) throw new SessionDestroyedError({ cookieName: config.cookieName })
  const closed = cookies.notWritable(config.cookieName)
  if (closed !== undefined) throw closed
  // Only checked when writing: a page that only reads a session should not
  // break because of a stale `expires`.
  const expires = config.attributes.expires
  if (expires instanceof Date && expires.getTime() < now) {
    throw new InvalidOptionError({
      option: "cookieOptions.expires",
      reason: `is in the past (${expires.toISOString()}), so the browser would discard the cookie and the session would never persist. This usually means the Date was created once at start-up; use \`ttl\` instead.`,
    })
  }
}

/**
 * Seals encoded data and writes its cookies, all or none. Throws
 * `UnserializableDataError`, `CookieTooLargeError` or `CookieNotWritableError`.
 * The caller checked {@link checkWritable} and records the value written.
 */
export const writeSealed = (
  config: Resolved<unknown>,
  cookies: Cookie.Cookies,
  encoded: unknown,
  now: number,
): void | Promise<void> => {
  const finish = (sealed: string) => {
    const refused = cookies.writeAll(cookiesFor(config, cookies, sealed))
    if (refused !== undefined) throw refused
  }
  const sealed = iron.sealData(config.sealer, encoded, now)
  return typeof sealed === "string" ? finish(sealed) : sealed.then(finish)
}

/** Expires the cookie and its chunks, and ends the session for the request. Throws `CookieNotWritableError`. */
export const destroyCookies = (
  config: Resolved<unknown>,
  state: RequestState<unknown>,
  cookies: Cookie.Cookies,
): void => {
  const refused = cookies.writeAll([expired(config, config.cookieName), ...staleCookies(config, cookies, true, 0)])
  if (refused !== undefined) throw refused
  state.destroyed = true
  state.written = Option.some(Option.none())
}

const isInvalidCookie = (u: unknown): u is BadSealError | SealExpiredError =>
  u instanceof BadSealError || u instanceof SealExpiredError

const isSaveError = (u: unknown): u is SaveError =>
  u instanceof SessionDestroyedError ||
  u instanceof CookieNotWritableError ||
  u instanceof CookieTooLargeError ||
  u instanceof InvalidOptionError ||
  u instanceof UnserializableDataError

const isNotWritable = (u: unknown): u is CookieNotWritableError => u instanceof CookieNotWritableError

const isPromise = (u: unknown): u is Promise<unknown> => u instanceof Promise

/** A session's operations on one request's cookies, as Effects. */
export interface Engine<A> {
  readonly cookieName: string
  readonly get: (cookies: Cookie.Cookies) => Effect.Effect<Option.Option<A>, InvalidCookieError>
  readonly set: (cookies: Cookie.Cookies, value: A) => Effect.Effect<void, SaveError>
  readonly update: (
    cookies: Cookie.Cookies,
    f: (current: Option.Option<A>) => A,
  ) => Effect.Effect<void, SaveError | InvalidCookieError>
  readonly save: (cookies: Cookie.Cookies) => Effect.Effect<void, SaveError | InvalidCookieError>
  readonly destroy: (cookies: Cookie.Cookies) => Effect.Effect<void, CookieNotWritableError>
  readonly rejection: (cookies: Cookie.Cookies) => Effect.Effect<Option.Option<InvalidCookieError>>
}

/** The Effect driver: the rules above, with time from `Clock` and rejections in logs, spans and hooks. */
export const make = <A>(config: Resolved<A>): Engine<A> => {
  const { cookieName, codec } = config
  const rules = config as Resolved<unknown>
  // This session's state in each request, kept with the request's cookies.
  const key = {}
  const stateOf = <X = A>(cookies: Cookie.Cookies) => cookies.local(key, newState<X>)

  const rejected = (state: RequestState<A>, error: InvalidCookieError) => {
    state.rejection = Option.some(error)
    const reason = rejectionReason(error)
    return Effect.zipRight(
      Effect.all(
        [
          // On the caller's span (an HTTP server's request span, say), where a
          // trace shows it; a span of our own per read would cost more than the read.
          Effect.annotateCurrentSpan(`session.${cookieName}.rejected`, reason),
          Effect.logDebug("session cookie rejected").pipe(Effect.annotateLogs({ cookieName, reason })),
          config.onRejected === undefined ? Effect.void : config.onRejected({ cookieName, error }),
        ],
        { discard: true },
      ),
      config.policy === "fail" ? Effect.fail(error) : Effect.succeed(Option.none<A>()),
    )
  }

  /** Decodes opened data: at once when the codec can, else as an Effect. */
  const decoded = (state: RequestState<A>, data: unknown): Effect.Effect<Option.Option<A>, InvalidCookieError> => {
    if (data === undefined) return Exit.succeed(Option.none())
    const now = codec.decodeSync(data)
    if (now !== undefined) return Either.isRight(now) ? Exit.succeed(Option.some(now.right)) : rejected(state, now.left)
    return Effect.matchEffect(codec.decode(data), {
      onFailure: (error) => rejected(state, error),
      onSuccess: (value) => Effect.succeed(Option.some(value)),
    })
  }

  /**
   * Reads the cookie. With a synchronous backend and codec and a cookie that
   * opens (the common case) the outcome is known here and now, without a
   * fiber's worth of steps; anything else goes the Effect way.
   */
  const readCookie = (state: RequestState<A>, cookies: Cookie.Cookies, now: number) => {
    let data: unknown
    try {
      data = openCookie(rules, cookies, now)
    } catch (error) {
      return isInvalidCookie(error) ? rejected(state, error) : Effect.die(error)
    }
    return isPromise(data)
      ? Effect.flatMap(
          iron.attempt(() => data, isInvalidCookie),
          (opened) => decoded(state, opened),
        ).pipe(Effect.catchAll((error) => rejected(state, error)))
      : decoded(state, data)
  }

  /** Reads the cookie at most once per request, however many fibers ask at once. */
  const readOnce = (state: RequestState<A>, cookies: Cookie.Cookies) =>
    Effect.clockWith((clock) => {
      if (state.read !== undefined) return state.read
      if (state.reading !== undefined) return Deferred.await(state.reading)
      const reading = readCookie(state, cookies, clock.unsafeCurrentTimeMillis())
      if (Exit.isExit(reading)) {
        state.read = reading as Exit.Exit<Option.Option<A>, InvalidCookieError>
        return reading
      }
      const deferred = Deferred.unsafeMake<Option.Option<A>, InvalidCookieError>(FiberId.none)
      state.reading = deferred
      return Effect.uninterruptible(
        Effect.flatMap(Effect.exit(reading), (exit) => {
          state.read = exit
          return Effect.zipRight(Deferred.done(deferred, exit), exit)
        }),
      )
    })

  const current = (state: RequestState<A>, cookies: Cookie.Cookies) =>
    Option.isSome(state.written) ? Exit.succeed(state.written.value) : readOnce(state, cookies)

  const written = (state: RequestState<A>, value: A) => {
    state.written = Option.some(Option.some(value))
  }

  const write = (state: RequestState<A>, cookies: Cookie.Cookies, value: A): Effect.Effect<void, SaveError> =>
    Effect.clockWith((clock) => {
      const now = clock.unsafeCurrentTimeMillis()
      try {
        checkWritable(rules, state as RequestState<unknown>, cookies, now)
        const encoded = codec.encodeSync(value)
        if (encoded !== undefined) {
          if (Either.isLeft(encoded)) return Exit.fail(encoded.left)
          const done = writeSealed(rules, cookies, encoded.right, now)
          if (done === undefined) {
            written(state, value)
            return Exit.void
          }
          return Effect.tap(
            iron.attempt(() => done, isSaveError),
            () => written(state, value),
          )
        }
      } catch (error) {
        return isSaveError(error) ? Exit.fail(error) : Exit.die(error)
      }
      return codec.encode(value).pipe(
        Effect.flatMap((encoded) => iron.attempt(() => writeSealed(rules, cookies, encoded, now), isSaveError)),
        Effect.tap(() => written(state, value)),
      )
    })

  return {
    cookieName,
    get: (cookies) => current(stateOf(cookies), cookies),
    set: (cookies, value) => write(stateOf(cookies), cookies, value),
    update: (cookies, f) => {
      const state = stateOf(cookies)
      return Effect.flatMap(current(state, cookies), (now) => write(state, cookies, f(now)))
    },
    save: (cookies) => {
      const state = stateOf(cookies)
      return Effect.flatMap(current(state, cookies), (now) =>
        // Nothing to write for an empty session, and after `destroy` that is
        // what keeps an emptied session from writing anything.
        Option.isNone(now) ? Effect.void : write(state, cookies, now.value),
      )
    },
    destroy: (cookies) => iron.attempt(() => destroyCookies(rules, stateOf(cookies), cookies), isNotWritable),
    rejection: (cookies) => {
      const state = stateOf(cookies)
      return Effect.zipRight(
        Effect.ignore(readOnce(state, cookies)),
        Effect.sync(() => state.rejection),
      )
    },
  }
}

/** A ttl as a `Duration` input, from iron-session's seconds (`0` for none). */
export const ttlFromSeconds = (seconds: number): Duration.Duration =>
  seconds === 0 ? Duration.infinity : Duration.seconds(seconds)
