/**
 * The Effect API's bridge to the kernel. The kernel takes plain values and
 * throws or returns plain errors; here its `Duration`s become milliseconds,
 * its `Redacted` passwords strings (only on the way into the kernel, never
 * kept elsewhere), its time comes from `Clock`, and every error it gives
 * becomes the Effect API's tagged error with the same fields
 * ({@link fromKernel}).
 *
 * @internal
 */
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import * as Errors from "../Errors.js"
import type * as Cookie from "./kernel/cookie.js"
import type { IronCrypto } from "./kernel/crypto/types.js"
import * as kernel from "./kernel/errors.js"
import * as iron from "./kernel/iron.js"

/** The Effect API's class for each tag. */
const classes = {
  PasswordTooShortError: Errors.PasswordTooShortError,
  InvalidPasswordError: Errors.InvalidPasswordError,
  InvalidOptionError: Errors.InvalidOptionError,
  MissingOptionError: Errors.MissingOptionError,
  SealExpiredError: Errors.SealExpiredError,
  BadSealError: Errors.BadSealError,
  UnserializableDataError: Errors.UnserializableDataError,
  SchemaMismatchError: Errors.SchemaMismatchError,
  CookieTooLargeError: Errors.CookieTooLargeError,
  CookieNotWritableError: Errors.CookieNotWritableError,
  SessionDestroyedError: Errors.SessionDestroyedError,
  SessionExpiredError: Errors.SessionExpiredError,
  SessionRevokedError: Errors.SessionRevokedError,
  RevocationUnavailableError: Errors.RevocationUnavailableError,
  SessionNotFreshError: Errors.SessionNotFreshError,
} satisfies { readonly [T in kernel.Tag]: new (fields: kernel.Fields[T]) => { readonly _tag: T } }

/** The Effect API's error for a plain error of the kernel (or of another copy of this library), with the same fields. */
export type Of<E> = E extends { readonly _tag: infer T extends kernel.Tag } ? InstanceType<(typeof classes)[T]> : never

/**
 * Turns an error of the kernel into the Effect API's error with the same tag
 * and fields: what the Effect API fails with. One of its own errors is given
 * back as it is.
 */
export const fromKernel = <E extends { readonly _tag: kernel.Tag }>(error: E): Of<E> => {
  const Class = classes[error._tag] as unknown as new (fields: unknown) => Of<E>
  return (error instanceof Class ? error : new Class({ ...error })) as Of<E>
}

/**
 * Runs a kernel function as an Effect: its value, its Promise, or the typed
 * error it throws, as the Effect API's error (anything else it throws is a
 * defect).
 */
export const attempt = <A, E extends { readonly _tag: kernel.Tag }>(
  f: () => A | Promise<A>,
  isError: (u: unknown) => u is E,
): Effect.Effect<A, Of<E>> =>
  Effect.suspend(() => {
    let result: A | Promise<A>
    try {
      result = f()
    } catch (error) {
      return isError(error) ? Effect.fail(fromKernel(error)) : Effect.die(error)
    }
    if (!iron.isPromise(result)) return Effect.succeed(result)
    const promise = result
    return Effect.async<A, Of<E>>((resume) => {
      promise.then(
        (value) => resume(Effect.succeed(value)),
        (error: unknown) => resume(isError(error) ? Effect.fail(fromKernel(error)) : Effect.die(error)),
      )
    })
  })

/**
 * Whether a result that may be an error is one of the library's (the kernel's
 * or the Effect API's, recognised by tag): a value is never an `Error`.
 */
export const isLibraryError = <E>(u: unknown): u is E & { readonly _tag: kernel.Tag } =>
  u instanceof Error && kernel.TAGS.has((u as { readonly _tag?: unknown })._tag as string)

/**
 * A ttl of the Effect API (any `Duration` input, `Duration.infinity` for
 * never) as the kernel's milliseconds (`Infinity` for never), or the error
 * for one that is not a duration. `undefined` stays the default.
 */
export const ttlMillis = (ttl: Duration.DurationInput | undefined): number | undefined | kernel.InvalidOptionError => {
  if (ttl === undefined) return undefined
  const decoded = Duration.decodeUnknown(ttl)
  if (decoded._tag === "None") {
    return new kernel.InvalidOptionError({
      option: "ttl",
      reason: `${JSON.stringify(String(ttl))} is not a duration. Use a Duration or a string such as "14 days" or "1 hour".`,
    })
  }
  return Duration.isFinite(decoded.value) ? Duration.toMillis(decoded.value) : Number.POSITIVE_INFINITY
}

/**
 * A password of the Effect API (a string, a `Redacted`, or ids to either) as
 * the kernel takes it. Only the crypto and the kernel's keyring, which keeps
 * it behind a function, ever see the revealed strings.
 */
export const revealPassword = (password: unknown): unknown => {
  if (Redacted.isRedacted(password)) return Redacted.value(password)
  if (typeof password !== "object" || password === null) return password
  const revealed: Record<string, unknown> = {}
  for (const [id, secret] of Object.entries(password)) {
    revealed[id] = Redacted.isRedacted(secret) ? Redacted.value(secret) : secret
  }
  return revealed
}

/** The options of a sealer, in the Effect API's units. */
export interface SealerOptions {
  readonly password: unknown
  readonly ttl?: Duration.DurationInput | undefined
  readonly cache?: iron.CacheOptions | false | undefined
  readonly purpose?: string | undefined
}

/** The kernel's sealer for options in the Effect API's units, or the (kernel's) error of the first bad option. */
export const makeSealer = (
  crypto: IronCrypto,
  options: SealerOptions,
  ironOrder = false,
): iron.Sealer | kernel.OptionsError => {
  const ttl = ttlMillis(options.ttl)
  if (ttl instanceof Error) return ttl
  return iron.makeSealer(
    crypto,
    { password: revealPassword(options.password), ttl, cache: options.cache, purpose: options.purpose },
    ironOrder,
  )
}

const isSealError = kernel.isTagged<kernel.UnserializableDataError>("UnserializableDataError")
const isOpenError = kernel.isTagged<kernel.BadSealError | kernel.SealExpiredError>("BadSealError", "SealExpiredError")

/** Seals with a sealer, at the `Clock`'s time. */
export const seal = (sealer: iron.Sealer, data: unknown): Effect.Effect<string, Errors.UnserializableDataError> =>
  Effect.flatMap(Clock.currentTimeMillis, (now) => attempt(() => iron.sealData(sealer, data, now), isSealError))

/** Opens a seal with a sealer, at the `Clock`'s time. */
export const unseal = (
  sealer: iron.Sealer,
  sealed: string,
): Effect.Effect<unknown, Errors.BadSealError | Errors.SealExpiredError> =>
  Effect.flatMap(Clock.currentTimeMillis, (now) => attempt(() => iron.openSeal(sealer, sealed, now), isOpenError))

/**
 * `@effect/platform`'s cookie options (`Cookies.Cookie["options"]`), the shape
 * the Effect API takes. Declared here rather than imported so that the core
 * does not need `@effect/platform` installed; a type test keeps them equal.
 */
export interface CookieOptions {
  readonly domain?: string | undefined
  readonly expires?: Date | undefined
  /** A `Duration` input: a bare number is **milliseconds**, as in `@effect/platform`. */
  readonly maxAge?: Duration.DurationInput | undefined
  readonly path?: string | undefined
  readonly priority?: "low" | "medium" | "high" | undefined
  readonly httpOnly?: boolean | undefined
  readonly secure?: boolean | undefined
  readonly partitioned?: boolean | undefined
  readonly sameSite?: "lax" | "strict" | "none" | undefined
}

/**
 * `@effect/platform`'s options as the kernel's `Cookie.Attributes`. `maxAge` becomes whole
 * seconds (floored); an explicit `maxAge: undefined` stays a browser-session
 * cookie.
 */
export const fromCookieOptions = (options: CookieOptions): Cookie.Attributes | Errors.InvalidOptionError => {
  const { maxAge, ...rest } = options
  const attributes: { -readonly [K in keyof Cookie.Attributes]: Cookie.Attributes[K] } = {}
  for (const [key, value] of Object.entries(rest)) {
    if (value !== undefined) (attributes as Record<string, unknown>)[key] = value
  }
  if (maxAge === undefined) {
    // Given as `undefined`: a browser-session cookie, which the session must not replace by the ttl.
    if ("maxAge" in options) attributes.maxAge = undefined
    return attributes
  }
  const decoded = Duration.decodeUnknown(maxAge)
  if (decoded._tag === "None" || !Duration.isFinite(decoded.value)) {
    return new Errors.InvalidOptionError({
      option: "cookieOptions.maxAge",
      reason: `${JSON.stringify(String(maxAge))} is not a finite duration. Use a Duration such as "7 days" (a bare number is milliseconds), or leave maxAge out to follow the ttl.`,
    })
  }
  attributes.maxAge = Math.floor(Duration.toSeconds(decoded.value))
  return attributes
}
