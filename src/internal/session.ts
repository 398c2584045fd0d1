/**
 * The one session implementation: read once per request, write with a size
 * budget and chunks, destroy. The Effect API and the Promise facade both run
 * through here.
 *
 * @internal
 */
import * as Clock from "effect/Clock"
import * as Config from "effect/Config"
import type * as ConfigError from "effect/ConfigError"
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as FiberId from "effect/FiberId"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import * as CookieStore from "../CookieStore.js"
import { CookieTooLargeError, InvalidOptionError, MissingOptionError, SessionDestroyedError } from "../Errors.js"
import type * as Seal from "../Seal.js"
import type { Configurable, InvalidCookieError, LayerError, Options, Policy, Rejection, Session } from "../Session.js"
import * as iron from "./iron.js"
import { mismatch } from "./schema.js"

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

/** iron-session's cookie defaults. */
export const DEFAULT_COOKIE_OPTIONS: CookieStore.CookieOptions = {
  httpOnly: true,
  secure: true,
  sameSite: "lax",
  path: "/",
}

/** Options checked once, when the layer is built. */
interface Resolved<A, I> {
  readonly schema: Schema.Schema<A, I>
  readonly cookieName: string
  readonly keyring: Seal.Keyring
  readonly ttl: Duration.Duration
  readonly cookieOptions: CookieStore.CookieOptions
  readonly chunk: boolean
  readonly policy: Policy
  readonly onRejected: ((rejection: Rejection) => Effect.Effect<void>) | undefined
}

/**
 * `Max-Age` is the ttl less iron's 60-second skew, so the cookie always
 * expires before the seal inside it and a browser never sends a seal the
 * server will refuse as expired.
 */
export const maxAgeFor = (ttlMillis: number | undefined): number => {
  if (ttlMillis === undefined) return MAX_AGE_FOREVER
  const seconds = Math.floor(ttlMillis / 1000)
  return seconds > iron.TIMESTAMP_SKEW_MS / 1000 ? seconds - iron.TIMESTAMP_SKEW_MS / 1000 : seconds
}

const resolve = <A, I, P extends Policy>(options: Options<A, I, P>): Effect.Effect<Resolved<A, I>, LayerError> =>
  Effect.gen(function* () {
    const cookieName = yield* configured(options.cookieName)
    if (typeof cookieName !== "string" || cookieName === "") {
      return yield* new MissingOptionError({
        option: "cookieName",
        hint: 'give the cookie a name unique to your app, such as "myapp_session".',
      })
    }
    const password = yield* configured(options.password)
    if (password === undefined || password === "") {
      return yield* new MissingOptionError({
        option: "password",
        hint: 'give a password of at least 32 characters, for example Config.redacted("SESSION_PASSWORD").',
      })
    }
    const keyring = yield* iron.keyring(password)
    const ttlMillis = yield* iron.ttlMillis(yield* configured(options.ttl))
    const chunk = (yield* configured(options.chunk)) === true
    const given = options.cookieOptions ?? {}
    const cookieOptions: CookieStore.CookieOptions = {
      ...DEFAULT_COOKIE_OPTIONS,
      ...given,
      ...("maxAge" in given ? {} : { maxAge: maxAgeFor(ttlMillis) }),
    }
    // Serializing once now refuses a bad name or attribute at start-up, not on
    // the first request that saves.
    yield* Effect.catchAll(CookieStore.cookie(cookieName, "", cookieOptions), (error) =>
      Effect.flatMap(
        Effect.either(CookieStore.cookie(cookieName, "")),
        (nameAlone): Effect.Effect<never, InvalidOptionError> =>
          nameAlone._tag === "Left"
            ? Effect.fail(
                new InvalidOptionError({
                  option: "cookieName",
                  reason: `${JSON.stringify(cookieName)} is not a valid cookie name. Use letters, digits and any of !#$%&'*+-.^_\`|~ (no spaces, no ;,=).`,
                }),
              )
            : Effect.fail(new InvalidOptionError({ option: "cookieOptions", reason: error.reason })),
      ),
    )
    return {
      schema: options.schema,
      cookieName,
      keyring,
      ttl: ttlMillis === undefined ? Duration.infinity : Duration.millis(ttlMillis),
      cookieOptions,
      chunk,
      policy: options.invalidCookie ?? "reset",
      onRejected: options.onRejected,
    }
  })

const configured = <A>(value: Configurable<A>): Effect.Effect<A, ConfigError.ConfigError> =>
  Config.isConfig(value) ? (value as Config.Config<A>) : Effect.succeed(value)

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
const readSeal = (store: CookieStore.CookieStore, cookieName: string): Effect.Effect<string> =>
  Effect.gen(function* () {
    const whole = yield* store.get(cookieName)
    if (Option.isSome(whole) && whole.value !== "") return whole.value
    let seal = ""
    for (let index = 0; index < MAX_CHUNKS; index++) {
      const part = yield* store.get(chunkName(cookieName, index))
      if (Option.isNone(part) || part.value === "") break
      seal += part.value
    }
    return seal
  })

const rejectionReason = (error: InvalidCookieError): string =>
  error._tag === "BadSealError" ? error.reason : error._tag === "SealExpiredError" ? "expired" : "schema-mismatch"

/**
 * What one request knows about one session. It lives beside the request's
 * CookieStore (in a WeakMap keyed by it), so it is collected with the request
 * and never leaks from one request to the next.
 */
export interface RequestState<A> {
  /**
   * The cookie as read and decoded: started by the first reader, and awaited
   * by every later one (at once if it is done) rather than read again.
   */
  reading: Deferred.Deferred<Option.Option<A>, InvalidCookieError> | undefined
  rejection: Option.Option<InvalidCookieError>
  /** The value after a write in this request, which takes over from the cookie. */
  written: Option.Option<Option.Option<A>>
  destroyed: boolean
}

/**
 * Where a session keeps what each request knows. Sessions made with the same
 * map share it per request: the Promise facade rebuilds its session on
 * `updateConfig`, and `destroy` must stay terminal across that.
 */
export type States = WeakMap<CookieStore.CookieStore, RequestState<unknown>>

export const make = <A, I, P extends Policy = "reset">(
  options: Options<A, I, P>,
  seal: Seal.Seal,
  states: States = new WeakMap(),
): Effect.Effect<Session<A, P extends "fail" ? InvalidCookieError : never>, LayerError> =>
  Effect.map(
    resolve(options),
    (config) => fromResolved(config, seal, states as WeakMap<CookieStore.CookieStore, RequestState<A>>) as never,
  )

const fromResolved = <A, I>(
  config: Resolved<A, I>,
  sealService: Seal.Seal,
  states: WeakMap<CookieStore.CookieStore, RequestState<A>>,
): Session<A, InvalidCookieError> => {
  const { cookieName, cookieOptions, schema } = config
  const decode = Schema.decodeUnknown(schema, { errors: "all" })
  const encode = Schema.encode(schema, { errors: "all" })

  const readCookie = (store: CookieStore.CookieStore): Effect.Effect<Option.Option<A>, InvalidCookieError> =>
    Effect.gen(function* () {
      const sealed = yield* readSeal(store, cookieName)
      if (sealed === "") return Option.none()
      const data = yield* sealService.unseal(sealed, { password: config.keyring }).pipe(
        // The keyring was checked when the layer was built.
        Effect.catchTags({ PasswordTooShortError: Effect.die, InvalidPasswordError: Effect.die }),
      )
      return Option.some(yield* Effect.mapError(decode(data), (error) => mismatch("decode", error)))
    }).pipe(
      Effect.catchAll((error) => {
        const state = states.get(store)
        if (state !== undefined) state.rejection = Option.some(error)
        const rejected = Effect.all([
          // On the caller's span (an HTTP server's request span, say), where a
          // trace shows it; a span of our own per read would cost more than the read.
          Effect.annotateCurrentSpan(`session.${cookieName}.rejected`, rejectionReason(error)),
          Effect.logDebug("session cookie rejected").pipe(
            Effect.annotateLogs({ cookieName, reason: rejectionReason(error) }),
          ),
          config.onRejected === undefined ? Effect.void : config.onRejected({ cookieName, error }),
        ])
        return Effect.zipRight(
          rejected,
          config.policy === "fail" ? Effect.fail(error) : Effect.succeed(Option.none<A>()),
        )
      }),
    )

  /** Reads the cookie at most once per request, however many fibers ask at once. */
  const readOnce = (state: RequestState<A>, store: CookieStore.CookieStore) =>
    Effect.suspend((): Effect.Effect<Option.Option<A>, InvalidCookieError> => {
      if (state.reading !== undefined) return Deferred.await(state.reading)
      const reading = Deferred.unsafeMake<Option.Option<A>, InvalidCookieError>(FiberId.none)
      state.reading = reading
      return Effect.uninterruptible(
        Effect.flatMap(Effect.exit(readCookie(store)), (exit) => Effect.zipRight(Deferred.done(reading, exit), exit)),
      )
    })

  const stateOf = (store: CookieStore.CookieStore): RequestState<A> => {
    let state = states.get(store)
    if (state === undefined) {
      state = {
        reading: undefined,
        rejection: Option.none(),
        written: Option.none(),
        destroyed: false,
      }
      states.set(store, state)
    }
    return state
  }

  const withState = <X, E>(f: (state: RequestState<A>, store: CookieStore.CookieStore) => Effect.Effect<X, E>) =>
    Effect.flatMap(CookieStore.CookieStore, (store) => f(stateOf(store), store))

  const current = (state: RequestState<A>, store: CookieStore.CookieStore) =>
    Option.isSome(state.written) ? Effect.succeed(state.written.value) : readOnce(state, store)

  const toCookie = (name: string, value: string, options = cookieOptions) =>
    CookieStore.unsafeCookie(name, value, options)

  /** Expires a cookie, with the same path and domain, or the browser keeps the old one. */
  const expired = (name: string) => toCookie(name, "", { ...cookieOptions, maxAge: 0 })

  /**
   * Expires the cookies of this session present now (sent with the request or
   * written earlier in it) that the new value does not use.
   */
  const staleCookies = (
    store: CookieStore.CookieStore,
    keep: { readonly whole: boolean; readonly chunksUpTo: number },
  ): Effect.Effect<Array<CookieStore.Cookie>> =>
    Effect.gen(function* () {
      const names = [...(keep.whole ? [] : [cookieName])]
      for (let index = keep.chunksUpTo; index < MAX_CHUNKS; index++) names.push(chunkName(cookieName, index))
      const out: Array<CookieStore.Cookie> = []
      for (const name of names) {
        const present = yield* store.get(name)
        if (Option.isSome(present) && present.value !== "") out.push(expired(name))
      }
      return out
    })

  /**
   * The cookies that carry a seal: one when it fits, chunks when it does not
   * and chunking is on, and in both cases expiries for the cookies of an
   * earlier, larger shape. A session that shrinks from three chunks to one
   * would otherwise leave `name.1` and `name.2` behind; the next read would
   * join them to the new chunk, fail integrity, and sign the user out on every
   * request while every save reported success.
   */
  const cookiesFor = (store: CookieStore.CookieStore, sealed: string) =>
    Effect.gen(function* () {
      const whole = toCookie(cookieName, sealed)
      const size = store.bytes(whole)
      if (size <= MAX_COOKIE_BYTES) {
        return [whole, ...(yield* staleCookies(store, { whole: true, chunksUpTo: 0 }))]
      }
      if (!config.chunk) {
        const chunked = yield* store.get(chunkName(cookieName, 0))
        return yield* new CookieTooLargeError({
          cookieName,
          size,
          limit: MAX_COOKIE_BYTES,
          ...(Option.isSome(chunked) && chunked.value !== "" ? { alreadyChunked: true } : {}),
        })
      }
      const overhead = store.bytes(toCookie(chunkName(cookieName, 0), ""))
      const budget = MAX_COOKIE_BYTES - overhead
      if (budget <= 0) return yield* new CookieTooLargeError({ cookieName, size, limit: MAX_COOKIE_BYTES, overhead })
      const count = Math.ceil(sealed.length / budget)
      if (count > MAX_CHUNKS) {
        return yield* new CookieTooLargeError({
          cookieName,
          size,
          limit: MAX_COOKIE_BYTES,
          chunks: count,
          maxChunks: MAX_CHUNKS,
        })
      }
      const chunks: Array<CookieStore.Cookie> = []
      for (let index = 0; index < count; index++) {
        chunks.push(toCookie(chunkName(cookieName, index), sealed.slice(index * budget, (index + 1) * budget)))
      }
      return [...chunks, ...(yield* staleCookies(store, { whole: false, chunksUpTo: count }))]
    })

  /**
   * Only checked when writing: a page that only reads a session should not
   * break because of a stale `expires`.
   */
  const checkExpires = Effect.gen(function* () {
    const expires = cookieOptions.expires
    if (expires instanceof Date && expires.getTime() < (yield* Clock.currentTimeMillis)) {
      return yield* new InvalidOptionError({
        option: "cookieOptions.expires",
        reason: `is in the past (${expires.toISOString()}), so the browser would discard the cookie and the session would never persist. This usually means the Date was created once at start-up; use \`ttl\` instead.`,
      })
    }
  })

  const write = (state: RequestState<A>, store: CookieStore.CookieStore, value: A) =>
    Effect.gen(function* () {
      // `destroy` is terminal for the request: saving data now would restore
      // the cookie it just cleared, and leave the user signed in.
      if (state.destroyed) return yield* new SessionDestroyedError({ cookieName })
      yield* store.ensureWritable(cookieName)
      yield* checkExpires
      const encoded = yield* Effect.mapError(encode(value), (error) => mismatch("encode", error))
      const sealed = yield* sealService
        .seal(encoded, { password: config.keyring, ttl: config.ttl })
        .pipe(Effect.catchTags({ PasswordTooShortError: Effect.die, InvalidPasswordError: Effect.die }))
      yield* store.setAll(yield* cookiesFor(store, sealed))
      state.written = Option.some(Option.some(value))
    })

  return {
    cookieName,
    get: withState((state, store) => current(state, store)),
    set: (value) => withState((state, store) => write(state, store, value)),
    update: (f) =>
      withState((state, store) => Effect.flatMap(current(state, store), (now) => write(state, store, f(now)))),
    save: withState((state, store) =>
      Effect.flatMap(current(state, store), (now) =>
        // Nothing to write for an empty session, and after `destroy` that is
        // what keeps an emptied session from writing anything.
        Option.isNone(now) ? Effect.void : write(state, store, now.value),
      ),
    ),
    destroy: withState((state, store) =>
      Effect.gen(function* () {
        yield* store.setAll([expired(cookieName), ...(yield* staleCookies(store, { whole: true, chunksUpTo: 0 }))])
        state.destroyed = true
        state.written = Option.some(Option.none())
      }),
    ),
    rejection: withState((state, store) =>
      Effect.zipRight(
        Effect.ignore(readOnce(state, store)),
        Effect.sync(() => state.rejection),
      ),
    ),
  }
}
