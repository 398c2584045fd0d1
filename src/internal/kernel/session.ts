/**
 * The session rules, for both faces: open a request's cookie (chunks,
 * records, lifecycle deadlines), what to write and expire, when a store can
 * no longer be written. Plain functions over plain values, importing nothing
 * from `effect`: each returns its value or a Promise of it (when the crypto is
 * asynchronous) and throws the kernel's plain errors. The Promise facade
 * calls them with `Date.now()`; the Effect API's driver (`./engine.ts`) with
 * the `Clock`, and turns their errors into its tagged ones.
 *
 * @internal
 */
import { toBase64Url } from "./base64url.js"
import * as Cookie from "./cookie.js"
import type { IronCrypto } from "./crypto/types.js"
import {
  CookieTooLargeError,
  InvalidOptionError,
  MissingOptionError,
  type OptionsError,
  SealExpiredError,
  SessionDestroyedError,
  SessionExpiredError,
} from "./errors.js"
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

/** A session's options, checked once. */
export interface Resolved {
  readonly cookieName: string
  readonly sealer: iron.Sealer
  /** The `Set-Cookie` attributes, defaults merged and `Max-Age` set. */
  readonly attributes: Cookie.Attributes
  /** Builds one of this session's cookies (the whole seal, or a chunk) with those attributes. */
  readonly cookie: (name: string, value: string) => Cookie.Cookie
  /** Builds the expiry of one of this session's cookies, with the same path and domain. */
  readonly expiry: (name: string) => Cookie.Cookie
  /** The cookie's `Max-Age` follows each write's deadline (a session with timeouts, no `maxAge` of the app's). */
  readonly timedMaxAge: boolean
  readonly chunk: boolean
  /** What the session keeps beside its data and checks on every read, or `undefined` for nothing. */
  readonly lifecycle: Lifecycle | undefined
}

/**
 * A session's lifecycle: a record kept in the seal (its id, when the user
 * signed in, when it was last written) and what is checked against it.
 */
export interface Lifecycle<Store = unknown> {
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
        /** The face's revocation store: the rules only need to know there is one. */
        readonly store: Store
        readonly subject: ((value: unknown) => string | undefined) | undefined
        readonly failOpen: boolean
      }
    | undefined
}

/** What each door hands to {@link resolve}, after reading its own option shapes. */
export interface Input {
  readonly cookieName: unknown
  /** A string, or ids to strings: a face reveals its own secret type first. */
  readonly password: unknown
  /** Milliseconds; `undefined` for the default, `Infinity` for never (see `iron.checkTtl`). */
  readonly ttl: number | undefined
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
  /** The hot-cookie cache of the session's sealer, or `false` for none. */
  readonly cache: iron.CacheOptions | false
  /** The purpose the session's seals are bound to, or `undefined`. */
  readonly purpose: string | undefined
  readonly lifecycle: Lifecycle | undefined
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
export const resolve = (crypto: IronCrypto, input: Input): Resolved | OptionsError => {
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
    attributes,
    cookie: Cookie.cookieWriter(attributes),
    expiry: (name) => expiry(name, ""),
    timedMaxAge: timeouts(input.lifecycle) !== undefined && !("maxAge" in input.attributes),
    chunk: input.chunk,
    lifecycle: input.lifecycle,
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
  config: Resolved,
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
const withRecord = (config: Resolved, sealed: string, opened: iron.Opened, now: number): iron.Opened => {
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
export const deadlineOf = (config: Resolved, record: iron.SessionRecord): number | undefined => {
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
export const revokedUntil = (config: Resolved, signedInAt: number, now: number): number | undefined => {
  const deadline = deadlineOf(config, { id: "", signedInAt, writtenAt: now })
  return deadline === undefined ? undefined : deadline + iron.TIMESTAMP_SKEW_MS
}

/**
 * Checks an opened session's deadlines: with timeouts, absolute, then idle,
 * each at its exact time (the record is under the MAC); then the seal's own
 * expiration with iron's skew (its ttl: alone, as a cap beside the
 * timeouts, or that of a seal from before they were on).
 */
const checkTimeouts = (config: Resolved, opened: iron.Opened, now: number): iron.Opened => {
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
const expired = (config: Resolved, name: string) => config.expiry(name)

/**
 * Expires the cookies of this session present now (sent with the request or
 * written earlier in it) that the new value does not use.
 */
const staleCookies = (config: Resolved, cookies: Cookie.Cookies, keepWhole: boolean, chunksUpTo: number) => {
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
  config: Resolved,
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
  config: Resolved,
  state: { readonly destroyed: boolean },
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
  config: Resolved,
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

/**
 * Expires the cookie and its chunks, and ends the session for the request
 * (`state.destroyed`: a save after it would sign the user back in). Throws
 * `CookieNotWritableError`.
 */
export const destroyCookies = (config: Resolved, state: { destroyed: boolean }, cookies: Cookie.Cookies): void => {
  const refused = cookies.writeAll([expired(config, config.cookieName), ...staleCookies(config, cookies, true, 0)])
  if (refused !== undefined) throw refused
  state.destroyed = true
}

/** 16 random bytes, base64url: a session id nobody can guess. */
export const newId = (): string => toBase64Url(globalThis.crypto.getRandomValues(new Uint8Array(16)))
