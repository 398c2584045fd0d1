/**
 * The iron protocol (Fe26.2) above the crypto seam: passwords, the seal's
 * shape, expiry against Effect's `Clock`, JSON. Everything here is the same on
 * every runtime.
 *
 * @internal
 */
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import {
  BadSealError,
  InvalidOptionError,
  InvalidPasswordError,
  type PasswordError,
  PasswordTooShortError,
  SealExpiredError,
  UnserializableDataError,
} from "../Errors.js"
import type { Password } from "../Seal.js"
import { type IronCrypto, MAC_PREFIX, OpenFailure, type ParsedSeal } from "./crypto/types.js"
import { findUnserializable } from "./json.js"

/** iron's minimum password length, in characters. */
export const MIN_PASSWORD_LENGTH = 32
/** iron's allowance for clock skew between the sealing and the unsealing machine. */
export const TIMESTAMP_SKEW_MS = 60_000
/** The marker iron-session appends to every seal (`~2`, the seal format's major version). */
export const VERSION_MARKER = "~2"
/** iron-session's default ttl. */
export const DEFAULT_TTL: Duration.Duration = Duration.days(14)

export const KeyringTypeId: unique symbol = Symbol.for("effect-iron-session/Keyring")

/** A checked password option: which password seals, and every password that unseals. */
export interface Keyring {
  readonly [KeyringTypeId]: typeof KeyringTypeId
  /** The id stamped on new seals: the highest id, `"1"` for a single password. */
  readonly sealId: string
  readonly sealSecret: Redacted.Redacted<string>
  readonly secrets: ReadonlyMap<string, Redacted.Redacted<string>>
  /**
   * A single password was given. iron opens a seal with a single password
   * whatever id the seal names, and so do we: replacing `{ 2: p }` by `p`
   * must not sign anyone out.
   */
  readonly single: boolean
}

export const isKeyring = (u: unknown): u is Keyring => typeof u === "object" && u !== null && KeyringTypeId in u

const CANONICAL_ID = /^(0|[1-9]\d*)$/

const checkSecret = (id: string, value: unknown): Redacted.Redacted<string> | PasswordError => {
  const plain: unknown = Redacted.isRedacted(value) ? Redacted.value(value) : value
  if (typeof plain !== "string") return new InvalidPasswordError({ reason: "not-a-string", passwordId: id })
  if (plain.length < MIN_PASSWORD_LENGTH)
    return new PasswordTooShortError({ passwordId: id, minimum: MIN_PASSWORD_LENGTH })
  return Redacted.isRedacted(value) ? (value as Redacted.Redacted<string>) : Redacted.make(plain)
}

const isPasswordError = (u: unknown): u is PasswordError =>
  u instanceof InvalidPasswordError || u instanceof PasswordTooShortError

const checkPassword = (password: Password | Keyring): Keyring | PasswordError => {
  if (isKeyring(password)) return password
  if (typeof password !== "object" || password === null || Redacted.isRedacted(password)) {
    const secret = checkSecret("1", password)
    if (isPasswordError(secret)) return secret
    return {
      [KeyringTypeId]: KeyringTypeId,
      sealId: "1",
      sealSecret: secret,
      secrets: new Map([["1", secret]]),
      single: true,
    }
  }
  const entries = Object.entries(password as Record<string, unknown>)
  if (entries.length === 0) return new InvalidPasswordError({ reason: "empty-map" })
  const secrets = new Map<string, Redacted.Redacted<string>>()
  let sealId = ""
  for (const [id, value] of entries) {
    if (!CANONICAL_ID.test(id)) return new InvalidPasswordError({ reason: "invalid-id", passwordId: id })
    const secret = checkSecret(id, value)
    if (isPasswordError(secret)) return secret
    secrets.set(id, secret)
    if (sealId === "" || BigInt(id) > BigInt(sealId)) sealId = id
  }
  return { [KeyringTypeId]: KeyringTypeId, sealId, sealSecret: secrets.get(sealId)!, secrets, single: false }
}

/** Checks a password option, before any crypto runs. */
export const keyring = (password: Password | Keyring): Effect.Effect<Keyring, PasswordError> =>
  Effect.suspend(() => {
    const checked = checkPassword(password)
    return isPasswordError(checked) ? Effect.fail(checked) : Effect.succeed(checked)
  })

/**
 * Turns a ttl into milliseconds, or `undefined` for a seal that never expires.
 * Never expiring has to be asked for with `Duration.infinity`: a zero ttl is
 * refused rather than read as "forever", since forever is rarely what a zero meant.
 */
export const ttlMillis = (
  ttl: Duration.DurationInput | undefined,
): Effect.Effect<number | undefined, InvalidOptionError> =>
  Effect.suspend(() => {
    if (ttl === undefined) return Effect.succeed(Duration.toMillis(DEFAULT_TTL))
    const decoded = Duration.decodeUnknown(ttl)
    if (decoded._tag === "None") {
      return Effect.fail(
        new InvalidOptionError({
          option: "ttl",
          reason: `${JSON.stringify(String(ttl))} is not a duration. Use a Duration or a string such as "14 days" or "1 hour".`,
        }),
      )
    }
    const duration = decoded.value
    if (!Duration.isFinite(duration)) return Effect.succeed(undefined)
    const millis = Math.floor(Duration.toMillis(duration))
    if (millis <= 0) {
      return Effect.fail(
        new InvalidOptionError({
          option: "ttl",
          reason: "must be positive. For seals that never expire, pass Duration.infinity explicitly.",
        }),
      )
    }
    return Effect.succeed(millis)
  })

const sealFailure = (e: unknown) => (e instanceof OpenFailure ? e : new OpenFailure("undecryptable"))

const callBackend = <A>(f: () => A | Promise<A>): Effect.Effect<A, OpenFailure> =>
  Effect.suspend(() => {
    let result: A | Promise<A>
    try {
      result = f()
    } catch (e) {
      return Effect.fail(sealFailure(e))
    }
    return result instanceof Promise
      ? Effect.tryPromise({ try: () => result, catch: sealFailure })
      : Effect.succeed(result as A)
  })

/**
 * Seals JSON-safe data. Returns the seal with iron-session's `~2` marker.
 */
export const seal = (
  crypto: IronCrypto,
  data: unknown,
  password: Password | Keyring,
  ttl: Duration.DurationInput | undefined,
): Effect.Effect<string, PasswordError | InvalidOptionError | UnserializableDataError> =>
  Effect.gen(function* () {
    const ring = yield* keyring(password)
    const ms = yield* ttlMillis(ttl)
    const bad = findUnserializable(data)
    if (bad !== undefined) return yield* new UnserializableDataError({ path: bad.path, found: bad.found })
    const expiration = ms === undefined ? "" : String((yield* Clock.currentTimeMillis) + ms)
    const text = JSON.stringify(data)
    const sealed = yield* callBackend(() =>
      crypto.seal(text, ring.sealId, Redacted.value(ring.sealSecret), expiration),
    ).pipe(Effect.orDie)
    return sealed + VERSION_MARKER
  })

const B64URL = /^[A-Za-z0-9_-]+$/
const isB64Url = (s: string | undefined): s is string => s !== undefined && s.length % 4 !== 1 && B64URL.test(s)
const PASSWORD_ID = /^\w*$/
const EXPIRATION = /^[1-9]\d*$/

const malformed = () => new BadSealError({ reason: "malformed" })

/**
 * The parts of a seal iron reads before it checks anything else: the prefix,
 * the password id and the expiration. The `~2` marker (or any `~` suffix) is
 * dropped first: it sits outside the HMAC, so it is attacker-controlled and
 * must never select a code path; iron-session 9 ignores it for the same reason.
 */
interface Envelope {
  readonly raw: string
  readonly parts: readonly [string, string, string, string, string, string, string, string]
}

const envelope = (sealed: string): Envelope | undefined => {
  const tilde = sealed.indexOf("~")
  const raw = tilde === -1 ? sealed : sealed.slice(0, tilde)
  const parts = raw.split("*")
  if (parts.length !== 8 || parts[0] !== MAC_PREFIX) return undefined
  const expiration = parts[5] as string
  if (expiration !== "" && !EXPIRATION.test(expiration)) return undefined
  return { raw, parts: parts as unknown as Envelope["parts"] }
}

/** The rest of the shape, checked once the password is known. */
const complete = ({ raw, parts }: Envelope): ParsedSeal | undefined => {
  const [, passwordId, encryptionSalt, iv, encrypted, expiration, hmacSalt, hmacDigest] = parts
  if (!PASSWORD_ID.test(passwordId) || encryptionSalt === "" || hmacSalt === "") return undefined
  if (!isB64Url(iv) || !isB64Url(encrypted) || !isB64Url(hmacDigest)) return undefined
  const macBase = raw.slice(0, raw.length - hmacSalt.length - hmacDigest.length - 2)
  return { raw, passwordId, encryptionSalt, iv, encrypted, expiration, hmacSalt, hmacDigest, macBase }
}

/**
 * Opens a seal, in iron's order: prefix and part count, expiry, password id,
 * the rest of the shape, integrity, decryption, JSON. Keeping iron's order
 * keeps its answers: a seal naming an unknown id is `unknown-password-id`
 * whatever else is wrong with it, as iron-session reports it. Expiry comes
 * before the HMAC, as in iron, so an expired seal costs no crypto; it also
 * means a tampered seal whose expiration was set in the past reads as
 * expired, which is as harmless as it is for iron.
 */
export const unseal = (
  crypto: IronCrypto,
  sealed: string,
  password: Password | Keyring,
): Effect.Effect<unknown, PasswordError | SealExpiredError | BadSealError> =>
  Effect.gen(function* () {
    const ring = yield* keyring(password)
    if (typeof sealed !== "string") return yield* malformed()
    const outer = envelope(sealed)
    if (outer === undefined) return yield* malformed()
    const [, passwordId, , , , expirationPart] = outer.parts
    if (expirationPart !== "") {
      const expiration = Number(expirationPart)
      const now = yield* Clock.currentTimeMillis
      if (expiration <= now - TIMESTAMP_SKEW_MS) {
        return yield* new SealExpiredError({ expiredAt: new Date(Math.min(expiration, 8.64e15)) })
      }
    }
    const secret = ring.single ? ring.sealSecret : ring.secrets.get(passwordId)
    if (secret === undefined) {
      return yield* new BadSealError({ reason: "unknown-password-id", passwordId: passwordId.slice(0, 32) })
    }
    const parsed = complete(outer)
    if (parsed === undefined) return yield* malformed()
    const text = yield* callBackend(() => crypto.open(parsed, Redacted.value(secret))).pipe(
      Effect.mapError((failure) => new BadSealError({ reason: failure.reason })),
    )
    try {
      return JSON.parse(text) as unknown
    } catch {
      return yield* new BadSealError({ reason: "not-json" })
    }
  })
