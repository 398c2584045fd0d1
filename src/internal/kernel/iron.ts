/**
 * The iron protocol (Fe26.2) above the crypto seam: passwords, the seal's
 * shape, expiry, JSON. Everything here is the same on every runtime.
 *
 * The protocol itself is plain functions that return a value, a Promise of one
 * (when the backend's crypto is asynchronous) or throw one of the kernel's
 * plain errors (`./errors.ts`); it imports nothing from `effect`, and takes
 * plain values: milliseconds, and passwords as strings. The Promise facade
 * calls it directly; the Effect API through `./effect.ts`, which turns its
 * `Duration`s and `Redacted`s into those values and its errors into tagged
 * ones. Keeping the work out of fibers is what lets a seal cost little more
 * than its crypto.
 *
 * @internal
 */

import { type IronCrypto, MAC_PREFIX, OpenFailure, type ParsedSeal } from "./crypto/types.js"
import {
  BadSealError,
  InvalidOptionError,
  InvalidPasswordError,
  isTagged,
  MissingOptionError,
  type OptionsError,
  PasswordTooShortError,
  SealExpiredError,
  UnserializableDataError,
} from "./errors.js"
import { findUnserializable, parseJson } from "./json.js"

/** iron's minimum password length, in characters. */
export const MIN_PASSWORD_LENGTH = 32
/** iron's allowance for clock skew between the sealing and the unsealing machine. */
export const TIMESTAMP_SKEW_MS = 60_000
/** The marker iron-session appends to every seal (`~2`, the seal format's major version). */
export const VERSION_MARKER = "~2"
/** iron-session's default ttl, 14 days. */
export const DEFAULT_TTL_MS = 14 * 86_400_000

/**
 * A checked password option: which password seals, and every password that
 * unseals. The secrets are behind a function, so that logging a keyring (or a
 * sealer, or a session's options) shows none of them.
 */
export interface Keyring {
  /** The id stamped on new seals: the highest id, `"1"` for a single password. */
  readonly sealId: string
  /** The secret of a password id, or `undefined` for an id not configured. */
  readonly secret: (passwordId: string) => string | undefined
  /**
   * A single password was given. It opens the seals a single password is
   * written with: id `1` (iron-session, which reads `"pw"` as `{ 1: "pw" }`)
   * and no id at all (@hapi/iron given a plain password). A seal naming any
   * other id is `unknown-password-id`, on both doors: replacing `{ 1: a, 2: b }`
   * by `b` turns the id-1 seals into "unknown password", not "tampered".
   */
  readonly single: boolean
}

const CANONICAL_ID = /^(0|[1-9]\d*)$/

const checkSecret = (id: string, value: unknown): string | OptionsError => {
  if (typeof value !== "string") return new InvalidPasswordError({ reason: "not-a-string", passwordId: id })
  if (value.length < MIN_PASSWORD_LENGTH)
    return new PasswordTooShortError({ passwordId: id, minimum: MIN_PASSWORD_LENGTH })
  return value
}

/**
 * Checks a password option (a string, or ids to strings), before any crypto
 * runs. Returns the error instead of throwing it. A face with secrets of its
 * own type (the Effect API's `Redacted`) reveals them before calling this.
 */
export const checkPassword = (password: unknown): Keyring | OptionsError => {
  if (password === undefined || password === null || password === "") {
    return new MissingOptionError({
      option: "password",
      hint: 'give a password of at least 32 characters, for example Config.redacted("SESSION_PASSWORD").',
    })
  }
  if (typeof password !== "object") {
    const secret = checkSecret("1", password)
    if (typeof secret !== "string") return secret
    return {
      sealId: "1",
      secret: (passwordId) => (passwordId === "1" || passwordId === "" ? secret : undefined),
      single: true,
    }
  }
  const entries = Object.entries(password as Record<string, unknown>)
  if (entries.length === 0) return new InvalidPasswordError({ reason: "empty-map" })
  const secrets = new Map<string, string>()
  let sealId = ""
  for (const [id, value] of entries) {
    if (!CANONICAL_ID.test(id)) return new InvalidPasswordError({ reason: "invalid-id", passwordId: id })
    const secret = checkSecret(id, value)
    if (typeof secret !== "string") return secret
    secrets.set(id, secret)
    if (sealId === "" || BigInt(id) > BigInt(sealId)) sealId = id
  }
  return { sealId, secret: (passwordId) => secrets.get(passwordId), single: false }
}

/**
 * Checks a ttl given in milliseconds: `undefined` is the default (14 days),
 * `Infinity` a seal that never expires, anything else must be positive. Gives
 * whole milliseconds, or `undefined` for never. Never expiring has to be asked
 * for: a zero ttl is refused rather than read as "forever", since forever is
 * rarely what a zero meant (the facade maps iron-session's `ttl: 0` itself).
 */
export const checkTtl = (ttl: number | undefined): number | undefined | InvalidOptionError => {
  if (ttl === undefined) return DEFAULT_TTL_MS
  if (ttl === Number.POSITIVE_INFINITY) return undefined
  const millis = Math.floor(ttl)
  if (!(millis > 0)) {
    return new InvalidOptionError({
      option: "ttl",
      reason: "must be positive. For seals that never expire, pass Duration.infinity explicitly.",
    })
  }
  return millis
}

/**
 * Bounds of the hot-cookie cache: a browsing user sends the same cookie on
 * every request until the session changes, so the seals a sealer opened
 * recently are kept, verified, and a repeated one costs a map lookup and a
 * `JSON.parse` instead of two key derivations, an HMAC and a decryption.
 */
export interface CacheOptions {
  /** How many seals are kept, at most. */
  readonly entries: number
  /** How many bytes of seals and their plaintexts are kept, at most (counted as UTF-16 code units × 2). */
  readonly bytes: number
}

export const DEFAULT_CACHE: CacheOptions = { entries: 1024, bytes: 2 * 1024 * 1024 }

interface CacheEntry {
  readonly text: string
  /** The seal's expiration in ms, or `undefined` for none: checked against the clock on every hit. */
  readonly expiration: number | undefined
  readonly size: number
}

/**
 * Seals already verified, least recently used first, by the part of the seal
 * under the MAC (without its `~` suffix).
 *
 * Only a seal that passed its MAC and decrypted is ever stored, so a flood of
 * distinct garbage costs what it costs without a cache and evicts nothing.
 * The cache belongs to one sealer, so to one keyring: a seal is never served
 * under passwords other than those that opened it. Expiry is still checked on
 * every hit, and the plaintext is parsed afresh each time, so no two readers
 * share a mutable object.
 */
export class SealCache {
  private readonly map = new Map<string, CacheEntry>()
  private bytes = 0
  constructor(readonly options: CacheOptions) {}

  get(sealed: string): CacheEntry | undefined {
    const entry = this.map.get(sealed)
    if (entry !== undefined) {
      this.map.delete(sealed)
      this.map.set(sealed, entry)
    }
    return entry
  }

  set(sealed: string, text: string, expiration: number | undefined): void {
    const size = (sealed.length + text.length) * 2
    if (size > this.options.bytes || this.options.entries <= 0) return
    const previous = this.map.get(sealed)
    if (previous !== undefined) {
      this.map.delete(sealed)
      this.bytes -= previous.size
    }
    this.map.set(sealed, { text, expiration, size })
    this.bytes += size
    for (const [key, entry] of this.map) {
      if (this.map.size <= this.options.entries && this.bytes <= this.options.bytes) break
      this.map.delete(key)
      this.bytes -= entry.size
    }
  }

  /** Entries and bytes held, for tests and metrics. */
  get size(): { readonly entries: number; readonly bytes: number } {
    return { entries: this.map.size, bytes: this.bytes }
  }
}

/**
 * Everything a seal or an unseal needs, checked once: the crypto, the
 * passwords and the ttl.
 */
export interface Sealer {
  readonly crypto: IronCrypto
  readonly keyring: Keyring
  /** Milliseconds a seal is valid, `undefined` for never. */
  readonly ttl: number | undefined
  /** Recently verified seals, or `undefined` when the cache is off. */
  readonly cache: SealCache | undefined
  /** The purpose seals are bound to (see {@link envelope}), or `undefined` for none. */
  readonly purpose: string | undefined
  /**
   * Open in iron's order (expiry before integrity), so that the reason given
   * for a bad seal is the one iron-session gives. Only the Promise facade asks
   * for it; everywhere else the MAC is checked first and an expiry is authentic.
   */
  readonly ironOrder: boolean
}

/** Builds a {@link Sealer}, or returns the first problem with its options. */
export const makeSealer = (
  crypto: IronCrypto,
  options: {
    readonly password: unknown
    /** Milliseconds; `undefined` for the default, `Infinity` for never: see {@link checkTtl}. */
    readonly ttl?: number | undefined
    /** The hot-cookie cache: off unless given (a one-off seal has nothing to reuse). */
    readonly cache?: CacheOptions | false | undefined
    /** Binds seals to a purpose: see {@link envelope}. */
    readonly purpose?: string | undefined
  },
  ironOrder = false,
): Sealer | OptionsError => {
  const keyring = checkPassword(options.password)
  if (!("sealId" in keyring)) return keyring
  const ttl = checkTtl(options.ttl)
  if (ttl instanceof InvalidOptionError) return ttl
  const cache = options.cache === undefined || options.cache === false ? undefined : new SealCache(options.cache)
  const purpose = options.purpose
  if (purpose !== undefined && (typeof purpose !== "string" || purpose === "")) {
    return new InvalidOptionError({
      option: "purpose",
      reason: 'must be a non-empty string naming what the seal is for, such as "magic-link".',
    })
  }
  return { crypto, keyring, ttl, cache, ironOrder, purpose }
}

/** Whether a {@link makeSealer} result is a sealer. */
export const isSealer = (u: Sealer | OptionsError): u is Sealer => "crypto" in u

/** Whether a kernel function gave a Promise (asynchronous crypto) rather than its value. */
export const isPromise = <A>(u: A | Promise<A>): u is Promise<A> => u instanceof Promise

/** A session's own record, kept in its seal beside its data when lifecycle features are on. */
export interface SessionRecord {
  /** A random id, given when the session was created (or regenerated). */
  readonly id: string
  /** When the user signed in (the session was created or regenerated), in ms. */
  readonly signedInAt: number
  /** When the session was last written, in ms. */
  readonly writtenAt: number
}

/** The keys a seal's JSON reserves for what the library keeps beside the data. */
export const RESERVED_PURPOSE = "~purpose"
export const RESERVED_SESSION = "~session"
export const RESERVED_VALUE = "~value"
const isReserved = (key: string) => key === RESERVED_PURPOSE || key === RESERVED_SESSION || key === RESERVED_VALUE

const isPlainObject = (u: unknown): u is Record<string, unknown> =>
  typeof u === "object" && u !== null && !Array.isArray(u)

/**
 * What is sealed: the data itself, or, when the seal is bound to a purpose or
 * carries a session record, an object with the data's own keys (or the data
 * under `~value`, when it is not an object or uses a reserved key) and
 * `~purpose` and `~session` beside them. Data with a reserved key of its own
 * is always under `~value`. Both sit inside the encryption and
 * so under the MAC: nobody without the password can add, change or remove
 * them. To iron-session such a seal reads as the data with one or two extra
 * keys; a seal with neither feature is the data alone, as before.
 */
const envelope = (data: unknown, purpose: string | undefined, record: SessionRecord | undefined): unknown => {
  // Only the library writes its reserved keys. Data that has one of its own
  // (`Object.assign(session, body)` with a `~session` in the body) is wrapped
  // under `~value` even with neither feature on; sealed as it is, a reader
  // would take the key for the library's: a `~purpose` that opens under a
  // purpose-bound reader, a `~session` read as an authentic record.
  if (purpose === undefined && record === undefined) {
    return isPlainObject(data) && Object.keys(data).some(isReserved) ? { [RESERVED_VALUE]: data } : data
  }
  const extra = {
    ...(purpose === undefined ? {} : { [RESERVED_PURPOSE]: purpose }),
    ...(record === undefined
      ? {}
      : { [RESERVED_SESSION]: { id: record.id, in: record.signedInAt, at: record.writtenAt } }),
  }
  return isPlainObject(data) && !Object.keys(data).some(isReserved)
    ? { ...data, ...extra }
    : { [RESERVED_VALUE]: data, ...extra }
}

const purposeError = () => new BadSealError({ reason: "purpose" })

const readRecord = (u: unknown): SessionRecord => {
  if (
    isPlainObject(u) &&
    typeof u.id === "string" &&
    u.id !== "" &&
    typeof u.in === "number" &&
    Number.isFinite(u.in) &&
    typeof u.at === "number" &&
    Number.isFinite(u.at)
  ) {
    return { id: u.id, signedInAt: u.in, writtenAt: u.at }
  }
  throw malformed()
}

/**
 * The data and record of an opened seal. A seal bound to a purpose opens only
 * for that purpose, and a reader that expects one refuses a seal bound to none:
 * a magic-link token pasted into a session cookie is a `BadSealError` with
 * reason `purpose`, whichever side binds.
 */
const unwrap = (json: unknown, purpose: string | undefined): { data: unknown; record: SessionRecord | undefined } => {
  if (!isPlainObject(json) || !Object.keys(json).some(isReserved)) {
    if (purpose !== undefined) throw purposeError()
    return { data: json, record: undefined }
  }
  if (json[RESERVED_PURPOSE] !== purpose) throw purposeError()
  const record = RESERVED_SESSION in json ? readRecord(json[RESERVED_SESSION]) : undefined
  if (RESERVED_VALUE in json) return { data: json[RESERVED_VALUE], record }
  const data: Record<string, unknown> = {}
  for (const key of Object.keys(json)) if (!isReserved(key)) data[key] = json[key]
  return { data, record }
}

/**
 * Seals JSON-safe data at time `now`. Returns the seal with iron-session's
 * `~2` marker. Throws {@link UnserializableDataError} for data JSON cannot carry.
 * A session with a lifecycle passes its record, and the expiration its
 * timeouts give (instead of now + ttl).
 */
export const sealData = (
  sealer: Sealer,
  data: unknown,
  now: number,
  session?: { readonly record: SessionRecord; readonly expiration: number | undefined },
): string | Promise<string> => {
  const bad = findUnserializable(data)
  if (bad !== undefined) throw new UnserializableDataError({ path: bad.path, found: bad.found })
  const expiresAt = session !== undefined ? session.expiration : sealer.ttl === undefined ? undefined : now + sealer.ttl
  const { keyring } = sealer
  const sealed = sealer.crypto.seal(
    JSON.stringify(envelope(data, sealer.purpose, session?.record)),
    keyring.sealId,
    keyring.secret(keyring.sealId)!,
    expiresAt === undefined ? "" : String(expiresAt),
  )
  return isPromise(sealed) ? sealed.then((s) => s + VERSION_MARKER) : sealed + VERSION_MARKER
}

const B64URL = /^[A-Za-z0-9_-]+$/
const isB64Url = (s: string): boolean => s.length % 4 !== 1 && B64URL.test(s)
const PASSWORD_ID = /^\w{0,32}$/
const EXPIRATION = /^[1-9]\d*$/

const malformed = () => new BadSealError({ reason: "malformed" })

interface Parts {
  readonly raw: string
  readonly parts: readonly [string, string, string, string, string, string, string, string]
}

/** A seal without its `~` suffix: the part the MAC covers. */
export const macCovered = (sealed: string): string => {
  const tilde = sealed.indexOf("~")
  return tilde === -1 ? sealed : sealed.slice(0, tilde)
}

/**
 * The parts of a seal iron reads before anything else: the prefix, the part
 * count and the expiration. The `~2` marker (or any `~` suffix) is dropped
 * first: it sits outside the HMAC, so it is attacker-controlled and must never
 * select a code path; iron-session 9 ignores it for the same reason.
 */
const envelopeOf = (sealed: string): Parts | undefined => {
  const raw = macCovered(sealed)
  const parts = raw.split("*")
  if (parts.length !== 8 || parts[0] !== MAC_PREFIX) return undefined
  const expiration = parts[5] as string
  if (expiration !== "" && !EXPIRATION.test(expiration)) return undefined
  return { raw, parts: parts as unknown as Parts["parts"] }
}

/**
 * The rest of the shape, checked once the password is known. Every check here
 * is one the crypto would fail later anyway (a bad part breaks the HMAC or the
 * decoding), but making it first gives the precise reason, spares the crypto,
 * and shows both backends only well-formed input: an empty salt, for one, is
 * something the two would not treat alike.
 */
const complete = ({ raw, parts }: Parts): ParsedSeal | undefined => {
  const [, passwordId, encryptionSalt, iv, encrypted, expiration, hmacSalt, hmacDigest] = parts
  if (!PASSWORD_ID.test(passwordId) || encryptionSalt === "" || hmacSalt === "") return undefined
  if (!isB64Url(iv) || !isB64Url(encrypted) || !isB64Url(hmacDigest)) return undefined
  const macBase = raw.slice(0, raw.length - hmacSalt.length - hmacDigest.length - 2)
  return { raw, passwordId, encryptionSalt, iv, encrypted, expiration, hmacSalt, hmacDigest, macBase }
}

const secretFor = (keyring: Keyring, passwordId: string): string | undefined =>
  keyring.single && passwordId !== keyring.sealId && passwordId !== "" ? undefined : keyring.secret(passwordId)

const unknownId = (passwordId: string) =>
  new BadSealError({
    reason: "unknown-password-id",
    ...(PASSWORD_ID.test(passwordId) && passwordId !== "" ? { passwordId } : {}),
  })

const expiredAt = (expiration: string) =>
  new SealExpiredError({ expiredAt: new Date(Math.min(Number(expiration), 8.64e15)) })

const fromJson = (text: string): unknown => {
  try {
    return parseJson(text)
  } catch {
    throw new BadSealError({ reason: "not-json" })
  }
}

const openFailure = (error: unknown): never => {
  throw error instanceof OpenFailure ? new BadSealError({ reason: error.reason }) : error
}

/** What an opened seal held. */
export interface Opened {
  readonly data: unknown
  readonly record: SessionRecord | undefined
  /** The seal's expiration in ms, `undefined` for none. */
  readonly expiration: number | undefined
}

const opened = (sealer: Sealer, text: string, expiration: number | undefined): Opened => ({
  ...unwrap(fromJson(text), sealer.purpose),
  expiration,
})

/**
 * Opens a seal at time `now`. Throws {@link SealExpiredError} (unless
 * `checkExpiry` is off: a session with a lifecycle reads its own timeouts from
 * its record) or {@link BadSealError}.
 *
 * The order: prefix and part count, password id, the rest of the shape,
 * integrity and decryption (the backend's), expiry, JSON, purpose. A seal
 * naming an unknown id is `unknown-password-id` whatever else is wrong with
 * it, as iron-session reports it. Expiry is checked after the MAC, so an
 * expired-looking forgery is a `BadSealError` and `expiredAt` is authentic;
 * with `ironOrder` it is checked right after the part count, as iron does, so
 * that the facade's `onUnsealError` gives iron-session's reasons.
 */
export const openSealed = (
  sealer: Sealer,
  sealed: string,
  now: number,
  checkExpiry = true,
): Opened | Promise<Opened> => {
  if (typeof sealed !== "string") throw malformed()
  // The cache is keyed on the part under the MAC: the `~` suffix is not, so a
  // client could otherwise send one valid cookie with ever-new suffixes and
  // push everyone else's seals out of the cache.
  const key = macCovered(sealed)
  const hit = sealer.cache?.get(key)
  if (hit !== undefined) {
    if (checkExpiry && hit.expiration !== undefined && hit.expiration <= now - TIMESTAMP_SKEW_MS) {
      throw expiredAt(String(hit.expiration))
    }
    return opened(sealer, hit.text, hit.expiration)
  }
  const outer = envelopeOf(sealed)
  if (outer === undefined) throw malformed()
  const [, passwordId, , , , expiration] = outer.parts
  const expired = checkExpiry && expiration !== "" && Number(expiration) <= now - TIMESTAMP_SKEW_MS
  if (expired && sealer.ironOrder) throw expiredAt(expiration)
  const secret = secretFor(sealer.keyring, passwordId)
  if (secret === undefined) throw unknownId(passwordId)
  const parsed = complete(outer)
  if (parsed === undefined) throw malformed()
  let text: string | Promise<string>
  try {
    text = sealer.crypto.open(parsed, secret)
  } catch (error) {
    return openFailure(error)
  }
  const finish = (plain: string): Opened => {
    if (expired) throw expiredAt(expiration)
    const expiresAt = expiration === "" ? undefined : Number(expiration)
    const result = opened(sealer, plain, expiresAt)
    sealer.cache?.set(key, plain, expiresAt)
    return result
  }
  return isPromise(text) ? text.then(finish, openFailure) : finish(text)
}

/** Opens a seal at time `now` and gives its data: see {@link openSealed}. */
export const openSeal = (sealer: Sealer, sealed: string, now: number): unknown => {
  const result = openSealed(sealer, sealed, now)
  return isPromise(result) ? result.then((o) => o.data) : result.data
}

/** Whether something thrown by the protocol is one of its typed failures. */
export const isDataError = isTagged<BadSealError | SealExpiredError | UnserializableDataError>(
  "BadSealError",
  "SealExpiredError",
  "UnserializableDataError",
)
