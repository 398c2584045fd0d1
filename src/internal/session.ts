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
import * as Metric from "effect/Metric"
import * as MetricBoundaries from "effect/MetricBoundaries"
import * as MetricLabel from "effect/MetricLabel"
import * as Option from "effect/Option"
import {
  type BadSealError,
  type CookieNotWritableError,
  CookieTooLargeError,
  InvalidOptionError,
  MissingOptionError,
  type OptionsError,
  type RevocationUnavailableError,
  type SchemaMismatchError,
  SealExpiredError,
  SessionDestroyedError,
  SessionExpiredError,
  SessionNotFreshError,
  SessionRevokedError,
  type UnserializableDataError,
} from "../Errors.js"
import type { Revocation } from "../Revocation.js"
import * as Cookie from "./cookie.js"
import type { IronCrypto } from "./crypto/types.js"
import * as iron from "./iron.js"
import { isTagged } from "./tags.js"

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
export type InvalidCookieError =
  | SealExpiredError
  | BadSealError
  | SchemaMismatchError
  | SessionExpiredError
  | SessionRevokedError
  | RevocationUnavailableError

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
  /** The cookie's `Max-Age` follows each write's deadline (a session with timeouts, no `maxAge` of the app's). */
  readonly timedMaxAge: boolean
  readonly chunk: boolean
  readonly policy: "reset" | "fail"
  readonly onRejected: ((rejection: Rejection) => Effect.Effect<void>) | undefined
  /** What the session keeps beside its data and checks on every read, or `undefined` for nothing. */
  readonly lifecycle: Lifecycle | undefined
  /** A span per operation. */
  readonly spans: boolean
}

/**
 * A session's lifecycle: a record kept in the seal (its id, when the user
 * signed in, when it was last written) and what is checked against it.
 */
export interface Lifecycle {
  /** Milliseconds without a write after which the session ends, or `undefined`. */
  readonly idle: number | undefined
  /** Milliseconds after sign-in after which the session ends however active, or `undefined`. */
  readonly absolute: number | undefined
  /** Milliseconds after a write after which a read writes the session again, or `undefined` for never. */
  readonly refresh: number | undefined
  /**
   * The app gave a ttl beside the timeouts: it caps every seal too, so no
   * seal outlives its ttl (see {@link deadlineOf}). Without one the timeouts
   * alone decide, and the default ttl plays no part.
   */
  readonly capByTtl: boolean
  readonly revocation:
    | {
        readonly store: Revocation
        readonly subject: ((value: unknown) => string | undefined) | undefined
        readonly failOpen: boolean
      }
    | undefined
}

/** What each door hands to {@link resolve}, after reading its own option shapes. */
export interface Input<A> {
  readonly cookieName: unknown
  readonly password: unknown
  readonly ttl: Duration.DurationInput | undefined
  /** The attributes given; `maxAge` present (even `undefined`) overrides the one derived from the ttl. */
  readonly attributes: Cookie.Attributes
  readonly chunk: boolean
  /**
   * The Effect API's cookie rules: names are RFC 6265 tokens (for `@effect/platform`) and
   * `SameSite=None` needs `Secure`; the facade takes what `cookie` takes (see `Cookie.checkCookie`).
   */
  readonly strict: boolean
  /** Open seals in iron's order (the facade): see `iron.Sealer`. */
  readonly ironOrder: boolean
  readonly codec: Codec<A>
  readonly policy: "reset" | "fail"
  readonly onRejected: ((rejection: Rejection) => Effect.Effect<void>) | undefined
  /** The hot-cookie cache of the session's sealer, or `false` for none. */
  readonly cache: iron.CacheOptions | false
  /** The purpose the session's seals are bound to, or `undefined`. */
  readonly purpose: string | undefined
  readonly lifecycle: Lifecycle | undefined
  readonly spans: boolean
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
    { password: input.password, ttl: input.ttl, cache: input.cache, purpose: input.purpose },
    input.ironOrder,
  )
  if (!iron.isSealer(sealer)) return sealer
  const attributes: Cookie.Attributes = {
    ...Cookie.DEFAULT_ATTRIBUTES,
    ...input.attributes,
    ...("maxAge" in input.attributes ? {} : { maxAge: maxAgeFor(sealer.ttl) }),
  }
  const bad = Cookie.checkCookie(cookieName, attributes, input.strict)
  if (bad !== undefined) return bad
  if (
    input.lifecycle?.revocation !== undefined &&
    sealer.ttl === undefined &&
    timeouts(input.lifecycle) === undefined
  ) {
    // A revocation has to outlast every copy of the cookie, and such a copy
    // never expires: the store would keep every signed-out id for ever, or
    // (as it once did) forget it and let the copy back in.
    return new InvalidOptionError({
      option: "ttl",
      reason:
        'is Duration.infinity with revocation on and no rolling timeouts, so a revoked session could never be forgotten by the store. Give a ttl (such as "30 days") or rolling: { absolute: "30 days" }.',
    })
  }
  const expiry = Cookie.cookieWriter({ ...attributes, maxAge: 0 })
  return {
    cookieName,
    sealer,
    codec: input.codec,
    attributes,
    cookie: Cookie.cookieWriter(attributes),
    expiry: (name) => expiry(name, ""),
    timedMaxAge: timeouts(input.lifecycle) !== undefined && !("maxAge" in input.attributes),
    chunk: input.chunk,
    policy: input.policy,
    onRejected: input.onRejected,
    lifecycle: input.lifecycle,
    spans: input.spans,
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
export const rejectionReason = (error: InvalidCookieError): string => {
  switch (error._tag) {
    case "BadSealError":
      return error.reason
    case "SealExpiredError":
      return "expired"
    case "SchemaMismatchError":
      return "schema-mismatch"
    case "SessionExpiredError":
      return error.reason === "idle" ? "idle-timeout" : "absolute-timeout"
    case "SessionRevokedError":
      return "revoked"
    case "RevocationUnavailableError":
      return "revocation-unavailable"
  }
}

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
  /** The session's record, as read or last written in this request (sessions with a lifecycle). */
  record: iron.SessionRecord | undefined
  /**
   * The record of the cookie the request brought, once its MAC held, even
   * when the cookie was then refused (ended, revoked, the store down, data
   * that no longer fits the schema): what signing out revokes.
   */
  presented: iron.SessionRecord | undefined
  /** The next write starts a new record (a new id, signed in now): see `regenerate`. */
  regenerate: boolean
}

/** A fresh state, for a session not yet read, written or destroyed in the request. */
export const newState = <A>(): RequestState<A> => ({
  reading: undefined,
  read: undefined,
  rejection: Option.none(),
  written: Option.none(),
  destroyed: false,
  record: undefined,
  presented: undefined,
  regenerate: false,
})

/*
 * The rules, as plain functions both drivers call: the Effect engine below
 * (fibers, Clock, logs and spans) and the Promise facade (plain awaits,
 * `Date.now()`). Each returns its value or a Promise of it (when the crypto is
 * asynchronous) and throws the library's tagged errors.
 */

/**
 * Opens the request's cookie: what its seal held, or `undefined` when there is
 * no cookie. Throws `BadSealError`, `SealExpiredError` or `SessionExpiredError`
 * for a cookie it cannot use.
 *
 * A session with timeouts reads them from its record, which is authentic (it
 * is under the MAC), so an ended session says whether it was idle too long or
 * past its lifetime; the seal's own expiration, which is the earlier of the
 * two, is what other readers (iron-session) go by. A cookie without a record
 * (written before the timeouts were turned on) goes by its seal's expiration.
 */
export const openCookie = (
  config: Resolved<unknown>,
  cookies: Cookie.Cookies,
  now: number,
  seen?: (record: iron.SessionRecord) => void,
): iron.Opened | undefined | Promise<iron.Opened> => {
  const sealed = readSeal(cookies, config.cookieName)
  if (sealed === "") return undefined
  if (config.lifecycle === undefined) return iron.openSealed(config.sealer, sealed, now)
  // Expiry is checked after the record is known: an authentic cookie that
  // has ended still names its session, and signing out with it must revoke
  // that id, or a thief's copy written later outlives the sign-out.
  const opened = iron.openSealed(config.sealer, sealed, now, false)
  const checked = (o: iron.Opened) => {
    const authentic = withRecord(config, sealed, o, now)
    seen?.(authentic.record!)
    return checkTimeouts(config, authentic, now)
  }
  return opened instanceof Promise ? opened.then(checked) : checked(opened)
}

/** Ids given to cookies sealed without a record (see {@link withRecord}): never a random id's shape. */
export const LEGACY_ID_PREFIX = "seal."

/**
 * A cookie sealed without a record (before `rolling` or `revocation` was
 * turned on, or by iron-session or the facade on the same cookie) gets one
 * derived from its seal, so that it is held to the same rules as every
 * other: its id is its MAC (authentic, and the same for every copy of the
 * cookie, so `destroy` revokes them all), and it counts as signed in and
 * written when its seal was (its expiration less the ttl, never later than
 * now; at the epoch for a seal that never expires). A write keeps that
 * record, so the first write of such a copy starts no new lifetime.
 */
const withRecord = (config: Resolved<unknown>, sealed: string, opened: iron.Opened, now: number): iron.Opened => {
  if (opened.record !== undefined) return opened
  const raw = iron.macCovered(sealed)
  const ttl = config.sealer.ttl ?? iron.DEFAULT_TTL_MS
  const writtenAt = opened.expiration === undefined ? 0 : Math.min(now, opened.expiration - ttl)
  return {
    ...opened,
    record: { id: LEGACY_ID_PREFIX + raw.slice(raw.lastIndexOf("*") + 1), signedInAt: writtenAt, writtenAt },
  }
}

const timeouts = (lifecycle: Lifecycle | undefined) =>
  lifecycle !== undefined && (lifecycle.idle !== undefined || lifecycle.absolute !== undefined) ? lifecycle : undefined

const earliest = (a: number | undefined, b: number | undefined) =>
  a === undefined ? b : b === undefined ? a : Math.min(a, b)

/**
 * When the seal of a write with `record` expires, or `undefined` for never:
 * the earliest of its idle deadline, its absolute deadline and its ttl (the
 * ttl counts beside timeouts only when the app gave one, see
 * {@link Lifecycle.capByTtl}). One rule for what a write seals and for how
 * long a revocation must last.
 */
export const deadlineOf = (config: Resolved<unknown>, record: iron.SessionRecord): number | undefined => {
  const { lifecycle } = config
  const ttl = config.sealer.ttl === undefined ? undefined : record.writtenAt + config.sealer.ttl
  const timed = timeouts(lifecycle)
  if (timed === undefined) return ttl
  const idle = timed.idle === undefined ? undefined : record.writtenAt + timed.idle
  const absolute = timed.absolute === undefined ? undefined : record.signedInAt + timed.absolute
  return earliest(earliest(idle, absolute), timed.capByTtl ? ttl : undefined)
}

/**
 * Until when a revocation made now must last so that no copy of the session
 * opens after it: a copy of the same id may have been written (refreshed,
 * saved) as late as now, so its seal lives until the deadline of a write now,
 * and iron's minute of clock skew after that. Never the copy in hand: a
 * thief's copy written after the victim's outlives it. `undefined` when such
 * a copy never expires, which {@link resolve} refuses with revocation on.
 */
export const revokedUntil = (config: Resolved<unknown>, signedInAt: number, now: number): number | undefined => {
  const deadline = deadlineOf(config, { id: "", signedInAt, writtenAt: now })
  return deadline === undefined ? undefined : deadline + iron.TIMESTAMP_SKEW_MS
}

/**
 * Checks an opened session's deadlines: with timeouts, absolute, then idle,
 * each at its exact time (the record is under the MAC); then the seal's own
 * expiration with iron's skew (its ttl: alone, as a cap beside the
 * timeouts, or that of a seal from before they were on).
 */
const checkTimeouts = (config: Resolved<unknown>, opened: iron.Opened, now: number): iron.Opened => {
  const lifecycle = timeouts(config.lifecycle)
  const { record } = opened
  if (lifecycle !== undefined && record !== undefined) {
    if (lifecycle.absolute !== undefined && now >= record.signedInAt + lifecycle.absolute) {
      throw new SessionExpiredError({
        reason: "absolute",
        expiredAt: new Date(record.signedInAt + lifecycle.absolute),
      })
    }
    if (lifecycle.idle !== undefined && now >= record.writtenAt + lifecycle.idle) {
      throw new SessionExpiredError({ reason: "idle", expiredAt: new Date(record.writtenAt + lifecycle.idle) })
    }
  }
  if (opened.expiration !== undefined && opened.expiration <= now - iron.TIMESTAMP_SKEW_MS) {
    throw new SealExpiredError({ expiredAt: new Date(opened.expiration) })
  }
  return opened
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
const cookiesFor = (
  config: Resolved<unknown>,
  cookies: Cookie.Cookies,
  sealed: string,
  cookie: (name: string, value: string) => Cookie.Cookie,
): Array<Cookie.Cookie> => {
  const { cookieName } = config
  const whole = cookie(cookieName, sealed)
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
  const overhead = cookies.bytes(cookie(chunkName(cookieName, 0), ""))
  const budget = MAX_COOKIE_BYTES - overhead
  if (budget <= 0) throw new CookieTooLargeError({ cookieName, size, limit: MAX_COOKIE_BYTES, overhead })
  const count = Math.ceil(sealed.length / budget)
  if (count > MAX_CHUNKS) {
    throw new CookieTooLargeError({ cookieName, size, limit: MAX_COOKIE_BYTES, chunks: count, maxChunks: MAX_CHUNKS })
  }
  const chunks: Array<Cookie.Cookie> = []
  for (let index = 0; index < count; index++) {
    chunks.push(cookie(chunkName(cookieName, index), sealed.slice(index * budget, (index + 1) * budget)))
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
 * Seals encoded data and writes its cookies, all or none, and gives the bytes
 * of the `Set-Cookie` headers written. Throws
 * `UnserializableDataError`, `CookieTooLargeError` or `CookieNotWritableError`.
 * The caller checked {@link checkWritable} and records the value written.
 */
export const writeSealed = (
  config: Resolved<unknown>,
  cookies: Cookie.Cookies,
  encoded: unknown,
  now: number,
  record?: iron.SessionRecord,
): number | Promise<number> => {
  const { lifecycle } = config
  const deadline = record === undefined ? undefined : deadlineOf(config, record)
  // A session with timeouts: its seal expires at its deadline (the earlier of
  // idle and absolute), which is what iron-session goes by. Its cookie lives
  // until the absolute deadline when there is one (unless the app set a
  // Max-Age of its own): a browser left idle then still sends it, and the
  // server says the session ended for idleness, instead of the user finding
  // themselves signed out with no reason given.
  const absolute =
    lifecycle?.absolute === undefined || record === undefined ? undefined : record.signedInAt + lifecycle.absolute
  const cookie =
    deadline === undefined || !config.timedMaxAge
      ? config.cookie
      : Cookie.cookieWriter({
          ...config.attributes,
          maxAge:
            absolute === undefined
              ? maxAgeFor(Math.max(deadline - now, 1000))
              : // A ttl given beside the timeouts caps the cookie too.
                Math.min(
                  Math.max(Math.floor((absolute - now) / 1000), 1),
                  lifecycle?.capByTtl === true ? maxAgeFor(config.sealer.ttl) : MAX_AGE_FOREVER,
                ),
        })
  const finish = (sealed: string) => {
    const out = cookiesFor(config, cookies, sealed, cookie)
    const refused = cookies.writeAll(out)
    if (refused !== undefined) throw refused
    let bytes = 0
    for (const c of out) bytes += Cookie.byteLength(c.header)
    return bytes
  }
  const sealed = iron.sealData(
    config.sealer,
    encoded,
    now,
    record === undefined ? undefined : { record, expiration: deadline },
  )
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

const isInvalidCookie = isTagged<BadSealError | SealExpiredError | SessionExpiredError>(
  "BadSealError",
  "SealExpiredError",
  "SessionExpiredError",
)

const isSaveError = isTagged<SaveError>(
  "SessionDestroyedError",
  "CookieNotWritableError",
  "CookieTooLargeError",
  "InvalidOptionError",
  "UnserializableDataError",
)

const isNotWritable = isTagged<CookieNotWritableError>("CookieNotWritableError")

const isPromise = (u: unknown): u is Promise<unknown> => u instanceof Promise

/** 16 random bytes, base64url: a session id nobody can guess. */
const newId = (): string => {
  const bytes = globalThis.crypto.getRandomValues(new Uint8Array(16))
  let binary = ""
  for (const byte of bytes) binary += String.fromCharCode(byte)
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "")
}

/** The metrics every session reports, tagged with its cookie name. */
export const metrics = {
  reads: Metric.counter("effect_iron_session_reads", {
    description: "Session cookies read (at most once per session per request).",
    incremental: true,
  }),
  writes: Metric.counter("effect_iron_session_writes", {
    description: "Sessions written (set, update, save, a refresh, regenerate).",
    incremental: true,
  }),
  rejections: Metric.counter("effect_iron_session_rejections", {
    description: "Session cookies refused, tagged with the reason.",
    incremental: true,
  }),
  refreshes: Metric.counter("effect_iron_session_refreshes", {
    description: "Rolling sessions written again by a read after their refresh interval.",
    incremental: true,
  }),
  cookieBytes: Metric.histogram(
    "effect_iron_session_cookie_bytes",
    MetricBoundaries.fromIterable([256, 512, 1024, 2048, 3072, 4096, 8192, 16384]),
    "Bytes of the Set-Cookie headers a session write sends.",
  ),
}

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
  readonly destroy: (
    cookies: Cookie.Cookies,
  ) => Effect.Effect<void, CookieNotWritableError | RevocationUnavailableError>
  readonly rejection: (cookies: Cookie.Cookies) => Effect.Effect<Option.Option<InvalidCookieError>>
  readonly signedInAt: (cookies: Cookie.Cookies) => Effect.Effect<Option.Option<Date>, InvalidCookieError>
  readonly id: (cookies: Cookie.Cookies) => Effect.Effect<Option.Option<string>, InvalidCookieError>
  readonly requireFresh: (
    cookies: Cookie.Cookies,
    maxAge: Duration.DurationInput,
  ) => Effect.Effect<void, SessionNotFreshError | InvalidCookieError>
  readonly regenerate: (
    cookies: Cookie.Cookies,
  ) => Effect.Effect<void, SaveError | InvalidCookieError | RevocationUnavailableError>
  readonly signOutEverywhere: (
    cookies: Cookie.Cookies,
  ) => Effect.Effect<void, RevocationUnavailableError | CookieNotWritableError | InvalidCookieError>
}

/** The Effect driver: the rules above, with time from `Clock` and rejections in logs, spans, metrics and hooks. */
export const make = <A>(config: Resolved<A>): Engine<A> => {
  const { cookieName, codec, lifecycle } = config
  const rules = config as Resolved<unknown>
  const tags = [MetricLabel.make("cookie", cookieName)]
  // This session's state in each request, kept with the request's cookies.
  const key = {}
  const stateOf = <X = A>(cookies: Cookie.Cookies) => cookies.local(key, newState<X>)
  const traced = <X, E>(name: string, effect: Effect.Effect<X, E>): Effect.Effect<X, E> =>
    config.spans ? Effect.withSpan(effect, `Session.${name}`, { attributes: { "session.cookie": cookieName } }) : effect

  const rejected = (state: RequestState<A>, error: InvalidCookieError) => {
    state.rejection = Option.some(error)
    state.record = undefined
    const reason = rejectionReason(error)
    metrics.rejections.unsafeUpdate(1, [...tags, MetricLabel.make("reason", reason)])
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

  /**
   * Checks a decoded session against the revocation store: one round trip.
   * When the store cannot be reached, the session is refused (fail-closed,
   * the default) or used with a warning in the log (fail-open).
   */
  const checkRevoked = (state: RequestState<A>, value: A, opened: iron.Opened) => {
    const revocation = lifecycle?.revocation
    if (revocation === undefined) return Exit.succeed(Option.some(value))
    const record = opened.record
    const subject = revocation.subject?.(value)
    // A cookie from before revocation was on has no id, and no sign-in time:
    // it answers to its subject, as if signed in at the epoch.
    const ref = { id: record?.id ?? "", subject, signedInAt: record?.signedInAt ?? 0 }
    return Effect.matchEffect(revocation.store.check(ref), {
      onSuccess: Option.match({
        onNone: () => Effect.succeed(Option.some(value)),
        onSome: (reason) => rejected(state, new SessionRevokedError({ reason })),
      }),
      onFailure: (error) =>
        revocation.failOpen
          ? Effect.as(
              Effect.logWarning("revocation store unavailable: session used without the check (fail-open)").pipe(
                Effect.annotateLogs({ cookieName, store: error.store }),
              ),
              Option.some(value),
            )
          : rejected(state, error),
    })
  }

  /** Decodes opened data: at once when the codec can, else as an Effect; then the revocation check. */
  const decoded = (
    state: RequestState<A>,
    opened: iron.Opened | undefined,
  ): Effect.Effect<Option.Option<A>, InvalidCookieError> => {
    if (opened === undefined) return Exit.succeed(Option.none())
    state.record = opened.record
    const now = codec.decodeSync(opened.data)
    if (now !== undefined) {
      return Either.isRight(now) ? checkRevoked(state, now.right, opened) : rejected(state, now.left)
    }
    return Effect.matchEffect(codec.decode(opened.data), {
      onFailure: (error) => rejected(state, error),
      onSuccess: (value) => checkRevoked(state, value, opened),
    })
  }

  /**
   * Reads the cookie. With a synchronous backend and codec, no revocation
   * store and a cookie that opens (the common case) the outcome is known here
   * and now, without a fiber's worth of steps; anything else goes the Effect way.
   */
  const readCookie = (state: RequestState<A>, cookies: Cookie.Cookies, now: number) => {
    let opened: iron.Opened | undefined | Promise<iron.Opened>
    try {
      opened = openCookie(rules, cookies, now, (record) => {
        state.presented = record
      })
      if (opened !== undefined) metrics.reads.unsafeUpdate(1, tags)
    } catch (error) {
      metrics.reads.unsafeUpdate(1, tags)
      return isInvalidCookie(error) ? rejected(state, error) : Effect.die(error)
    }
    // Only the opening's failure is rejected here: `decoded` reports its own
    // rejections, and under the fail policy fails with them, which a catch
    // around both would have reported a second time (onRejected twice).
    return isPromise(opened)
      ? Effect.matchEffect(
          iron.attempt(() => opened, isInvalidCookie),
          {
            onFailure: (error) => rejected(state, error),
            onSuccess: (o) => decoded(state, o),
          },
        )
      : decoded(state, opened)
  }

  /** Reads the cookie at most once per request, however many fibers ask at once. */
  const readOnce = (state: RequestState<A>, cookies: Cookie.Cookies) =>
    Effect.clockWith((clock) => {
      if (state.read !== undefined) return state.read
      if (state.reading !== undefined) return Deferred.await(state.reading)
      const now = clock.unsafeCurrentTimeMillis()
      const read = readCookie(state, cookies, now)
      // Only a rolling session has anything to do after a read; the others keep
      // a read that was decided at once (an Exit) as it is.
      const reading =
        lifecycle?.refresh === undefined ? read : Effect.tap(read, (value) => refreshed(state, cookies, value, now))
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

  /**
   * A rolling session read after its refresh interval is written again, once
   * per request: same value, same id and sign-in time, a fresh deadline (never
   * past the absolute lifetime: the deadline is computed from sign-in). A read
   * that needs no refresh writes nothing. A store that cannot take cookies now
   * (a Server Component) only means no refresh this time.
   */
  const refreshed = (
    state: RequestState<A>,
    cookies: Cookie.Cookies,
    value: Option.Option<A>,
    now: number,
  ): Effect.Effect<void> => {
    const record = state.record
    if (lifecycle?.refresh === undefined || record === undefined || Option.isNone(value)) return Exit.void
    if (now - record.writtenAt < lifecycle.refresh || Option.isSome(state.written)) return Exit.void
    if (cookies.notWritable(cookieName) !== undefined) return Exit.void
    metrics.refreshes.unsafeUpdate(1, tags)
    return Effect.catchAll(write(state, cookies, value.value, now), (error) =>
      Effect.logDebug("rolling session not refreshed").pipe(Effect.annotateLogs({ cookieName, reason: error._tag })),
    )
  }

  const current = (state: RequestState<A>, cookies: Cookie.Cookies) =>
    Option.isSome(state.written) ? Exit.succeed(state.written.value) : readOnce(state, cookies)

  /** The record a write carries: the current one, or a new one for a new (or regenerated) session. */
  const recordFor = (state: RequestState<A>, now: number): iron.SessionRecord | undefined => {
    if (lifecycle === undefined) return undefined
    const previous = state.regenerate ? undefined : state.record
    return previous === undefined
      ? { id: newId(), signedInAt: now, writtenAt: now }
      : { id: previous.id, signedInAt: previous.signedInAt, writtenAt: now }
  }

  const wrote = (state: RequestState<A>, value: A, record: iron.SessionRecord | undefined, bytes: number) => {
    state.written = Option.some(Option.some(value))
    state.record = record
    state.regenerate = false
    metrics.writes.unsafeUpdate(1, tags)
    metrics.cookieBytes.unsafeUpdate(bytes, tags)
  }

  const write = (
    state: RequestState<A>,
    cookies: Cookie.Cookies,
    value: A,
    now: number,
  ): Effect.Effect<void, SaveError> => {
    const record = recordFor(state, now)
    try {
      checkWritable(rules, state as RequestState<unknown>, cookies, now)
      const encoded = codec.encodeSync(value)
      if (encoded !== undefined) {
        if (Either.isLeft(encoded)) return Exit.fail(encoded.left)
        const done = writeSealed(rules, cookies, encoded.right, now, record)
        if (!isPromise(done)) {
          wrote(state, value, record, done)
          return Exit.void
        }
        return Effect.map(
          iron.attempt(() => done, isSaveError),
          (bytes) => wrote(state, value, record, bytes),
        )
      }
    } catch (error) {
      return isSaveError(error) ? Exit.fail(error) : Exit.die(error)
    }
    return codec.encode(value).pipe(
      Effect.flatMap((encoded) => iron.attempt(() => writeSealed(rules, cookies, encoded, now, record), isSaveError)),
      Effect.map((bytes) => wrote(state, value, record, bytes)),
    )
  }

  /**
   * A session with a lifecycle reads its cookie before a write that did not
   * read it, so the write keeps the session's id and sign-in time rather than
   * starting a new session. Whatever the read finds wrong is only a reason to
   * start afresh.
   */
  const known = (state: RequestState<A>, cookies: Cookie.Cookies) =>
    lifecycle === undefined || state.read !== undefined || Option.isSome(state.written)
      ? Exit.void
      : Effect.ignore(readOnce(state, cookies))

  const writeNow = (state: RequestState<A>, cookies: Cookie.Cookies, value: A) =>
    Effect.zipRight(
      known(state, cookies),
      Effect.clockWith((clock) => write(state, cookies, value, clock.unsafeCurrentTimeMillis())),
    )

  /**
   * Revokes a session id until no copy of it can open any more (see
   * {@link revokedUntil}). When the store cannot take it, the cookie is
   * already cleared, but a copy elsewhere stays valid: fail-closed (the
   * default) says so with `RevocationUnavailableError`, so the app can retry
   * or tell the user; fail-open logs a warning and carries on.
   */
  const revokeId = (
    ...records: ReadonlyArray<iron.SessionRecord | undefined>
  ): Effect.Effect<void, RevocationUnavailableError> => {
    const revocation = lifecycle?.revocation
    const ids = new Map<string, number>()
    for (const record of records) if (record !== undefined) ids.set(record.id, record.signedInAt)
    if (revocation === undefined || ids.size === 0) return Exit.void
    return Effect.flatMap(Clock.currentTimeMillis, (now) => {
      // resolve() refuses revocation for seals that never expire.
      const revoke = Effect.forEach(
        ids,
        ([id, signedInAt]) =>
          revocation.store.revokeSession(id, revokedUntil(rules, signedInAt, now) ?? Number.POSITIVE_INFINITY),
        { discard: true },
      )
      return revocation.failOpen
        ? Effect.catchAll(revoke, (error) =>
            Effect.logWarning("session id not revoked: the revocation store is unavailable (fail-open)").pipe(
              Effect.annotateLogs({ cookieName, store: error.store }),
            ),
          )
        : revoke
    })
  }

  const destroy = (state: RequestState<A>, cookies: Cookie.Cookies) =>
    Effect.zipRight(
      known(state, cookies),
      Effect.suspend(() => {
        // The session as it stands, and the cookie the request brought if it
        // named another (a refused one, or one replaced in this request).
        const { record, presented } = state
        return Effect.zipRight(
          iron.attempt(() => destroyCookies(rules, state as RequestState<unknown>, cookies), isNotWritable),
          revokeId(record, presented),
        )
      }),
    )

  /** A field of the current record: none without a session or a record. */
  const ofRecord =
    <X>(field: (record: iron.SessionRecord) => X) =>
    (state: RequestState<A>, cookies: Cookie.Cookies) =>
      Effect.map(current(state, cookies), (value) =>
        Option.isNone(value) || state.record === undefined ? Option.none<X>() : Option.some(field(state.record)),
      )
  const signedInAt = ofRecord((record) => new Date(record.signedInAt))
  const idOf = ofRecord((record) => record.id)

  return {
    cookieName,
    get: (cookies) => traced("get", current(stateOf(cookies), cookies)),
    set: (cookies, value) => traced("set", writeNow(stateOf(cookies), cookies, value)),
    update: (cookies, f) => {
      const state = stateOf(cookies)
      return traced(
        "update",
        Effect.flatMap(current(state, cookies), (now) => writeNow(state, cookies, f(now))),
      )
    },
    save: (cookies) => {
      const state = stateOf(cookies)
      return traced(
        "save",
        Effect.flatMap(current(state, cookies), (now) =>
          // Nothing to write for an empty session, and after `destroy` that is
          // what keeps an emptied session from writing anything.
          Option.isNone(now) ? Effect.void : writeNow(state, cookies, now.value),
        ),
      )
    },
    destroy: (cookies) => traced("destroy", destroy(stateOf(cookies), cookies)),
    rejection: (cookies) => {
      const state = stateOf(cookies)
      return Effect.zipRight(
        Effect.ignore(readOnce(state, cookies)),
        Effect.sync(() => state.rejection),
      )
    },
    signedInAt: (cookies) => signedInAt(stateOf(cookies), cookies),
    id: (cookies) => idOf(stateOf(cookies), cookies),
    requireFresh: (cookies, maxAge) =>
      Effect.flatMap(Effect.zip(signedInAt(stateOf(cookies), cookies), Clock.currentTimeMillis), ([at, now]) => {
        const limit = Duration.toMillis(Duration.decode(maxAge))
        // A cookie from before the record was kept has only an estimated
        // sign-in (its last write): never fresh, so a sensitive action asks
        // for the password again, and `regenerate` after it gives a real record.
        const estimated = stateOf(cookies).record?.id.startsWith(LEGACY_ID_PREFIX) === true
        return Option.isSome(at) && !estimated && now - at.value.getTime() <= limit
          ? Effect.void
          : Effect.fail(
              new SessionNotFreshError({
                ...(Option.isSome(at) ? { signedInAt: at.value } : {}),
                maxAgeMillis: limit,
              }),
            )
      }),
    regenerate: (cookies) => {
      const state = stateOf(cookies)
      return traced(
        "regenerate",
        Effect.flatMap(current(state, cookies), (value) =>
          Effect.suspend(() => {
            const previous = state.record
            state.regenerate = true
            return Option.isNone(value)
              ? Effect.void
              : Effect.zipRight(writeNow(state, cookies, value.value), revokeId(previous))
          }),
        ),
      )
    },
    signOutEverywhere: (cookies) => {
      const state = stateOf(cookies)
      const revocation = lifecycle?.revocation
      if (revocation === undefined) {
        return Effect.dieMessage(
          `Session "${cookieName}": signOutEverywhere needs revocation on, with a subject: declare the session with revocation: { subject: (value) => ... }.`,
        )
      }
      return traced(
        "signOutEverywhere",
        Effect.flatMap(current(state, cookies), (value) =>
          Effect.flatMap(Clock.currentTimeMillis, (now) => {
            const subject = Option.isSome(value) ? revocation.subject?.(value.value) : undefined
            // Every session of the subject was signed in by now, so none lives past a write now.
            const retain = revokedUntil(rules, now, now) ?? Number.POSITIVE_INFINITY
            const revoke = subject === undefined ? Effect.void : revocation.store.revokeSubject(subject, now, retain)
            return Effect.zipRight(revoke, destroy(state, cookies))
          }),
        ),
      )
    },
  }
}

/** A ttl as a `Duration` input, from iron-session's seconds (`0` for none). */
export const ttlFromSeconds = (seconds: number): Duration.Duration =>
  seconds === 0 ? Duration.infinity : Duration.seconds(seconds)
