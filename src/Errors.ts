/**
 * Every error of effect-iron-session, as tagged data.
 *
 * Each error carries the fields a program branches on and a `message` that says
 * what to do next. No message or field ever holds a password, a whole seal, a
 * cookie value or session data: errors end up in logs, and a log is not a place
 * for secrets. What a field holds that came from a request (a password id named
 * by a seal) is checked to be short and printable first.
 *
 * The classes are `Data.TaggedError`s: `Effect.catchTag` them, `yield*` them,
 * compare them structurally. (They are not `Schema` classes: a schema per error
 * would put all of `effect/Schema` on the path of every import, which the
 * Promise facade cannot afford at cold start.)
 *
 * @since 0.1.0
 */
import * as Data from "effect/Data"
import * as kernel from "./internal/kernel/errors.js"

/**
 * Why a seal was refused.
 *
 * - `malformed`: not an iron seal at all (wrong number of parts, wrong prefix, bad encoding).
 * - `integrity`: the HMAC does not match: the seal was changed, or sealed under another password.
 * - `unknown-password-id`: the seal names a password id that is not configured.
 * - `undecryptable`: the HMAC matched but the ciphertext could not be decrypted.
 * - `not-json`: decrypted, but the plaintext is not JSON.
 * - `purpose`: authentic, but bound to another purpose than the reader's (a
 *   magic-link token read as a session cookie), or to none when one is expected.
 *
 * @since 0.1.0
 * @category models
 */
export type BadSealReason = kernel.BadSealReason

/**
 * A password is shorter than the 32 characters iron requires. Raised before any
 * crypto runs, so a short password never seals anything.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Seal } from "effect-iron-session"
 *
 * Seal.seal({ n: 1 }, { password: "too short" }).pipe(
 *   Effect.catchTag("PasswordTooShortError", (e) => Effect.logError(e.message))
 * )
 * ```
 *
 * @since 0.1.0
 * @category errors
 */
export class PasswordTooShortError extends Data.TaggedError("PasswordTooShortError")<
  kernel.Fields["PasswordTooShortError"]
> {
  override get message(): string {
    return kernel.messages.PasswordTooShortError(this)
  }
  override set message(value: string) {
    kernel.overrideMessage(this, value)
  }
}

/**
 * The password option has the wrong shape: an empty map, a non-integer id, or
 * a value that is not a string.
 *
 * @since 0.1.0
 * @category errors
 */
export class InvalidPasswordError extends Data.TaggedError("InvalidPasswordError")<
  kernel.Fields["InvalidPasswordError"]
> {
  override get message(): string {
    return kernel.messages.InvalidPasswordError(this)
  }
  override set message(value: string) {
    kernel.overrideMessage(this, value)
  }
}

/**
 * An option has a value that cannot work (a zero ttl, an unparsable duration,
 * a cookie name the platform refuses, a `__Host-` cookie with a `Domain`, ...).
 *
 * @since 0.1.0
 * @category errors
 */
export class InvalidOptionError extends Data.TaggedError("InvalidOptionError")<kernel.Fields["InvalidOptionError"]> {
  override get message(): string {
    return kernel.messages.InvalidOptionError(this)
  }
  override set message(value: string) {
    kernel.overrideMessage(this, value)
  }
}

/**
 * A required option is missing (no cookie name, no password, an empty password).
 *
 * @since 0.1.0
 * @category errors
 */
export class MissingOptionError extends Data.TaggedError("MissingOptionError")<kernel.Fields["MissingOptionError"]> {
  override get message(): string {
    return kernel.messages.MissingOptionError(this)
  }
  override set message(value: string) {
    kernel.overrideMessage(this, value)
  }
}

/**
 * The seal is past its expiration (with iron's 60-second allowance for clock
 * skew). This is how sessions normally end.
 *
 * Through the Effect API the seal's integrity is checked before its expiry, so
 * `expiredAt` is authentic. The Promise facade keeps iron's order (expiry
 * first, which is what iron-session's `onUnsealError` reports), so there it is
 * whatever the cookie says: a hint for logs, nothing more.
 *
 * @since 0.1.0
 * @category errors
 */
export class SealExpiredError extends Data.TaggedError("SealExpiredError")<kernel.Fields["SealExpiredError"]> {
  override get message(): string {
    return kernel.messages.SealExpiredError(this)
  }
  override set message(value: string) {
    kernel.overrideMessage(this, value)
  }
}

/**
 * The seal could not be opened. `reason` says why; see {@link BadSealReason}.
 *
 * @since 0.1.0
 * @category errors
 */
export class BadSealError extends Data.TaggedError("BadSealError")<kernel.Fields["BadSealError"]> {
  override get message(): string {
    return kernel.messages.BadSealError(this)
  }
  override set message(value: string) {
    kernel.overrideMessage(this, value)
  }
}

/**
 * A path inside a value, as keys and array indices.
 *
 * @since 0.1.0
 * @category models
 */
export type DataPath = kernel.DataPath

export const formatPath: (path: DataPath, root?: string) => string = kernel.formatPath

/**
 * The data cannot be carried through JSON unchanged: a `Date` (without a schema),
 * `Map`, `Set`, `BigInt`, `NaN`, a function, a class instance, a cycle, or
 * nesting deeper than 1000 levels. `path` names the first offending value.
 * Nothing was sealed or written.
 *
 * @since 0.1.0
 * @category errors
 */
export class UnserializableDataError extends Data.TaggedError("UnserializableDataError")<
  kernel.Fields["UnserializableDataError"]
> {
  /** Where and what, from a root name: `session.lastSeen is a Date`. */
  describe(root = "data"): string {
    return kernel.describeUnserializable(this, root)
  }

  override get message(): string {
    return kernel.messages.UnserializableDataError(this)
  }
  override set message(value: string) {
    kernel.overrideMessage(this, value)
  }
}

/**
 * One problem found by a schema, without the offending value (schema errors
 * quote their input, and the input here is a cookie).
 *
 * @since 0.1.0
 * @category models
 */
export type SchemaIssue = kernel.SchemaIssue

/**
 * Data did not match its schema: when sealing (`encode`), the value given does
 * not fit the schema; when unsealing (`decode`), the sealed data no longer fits
 * it (usually a session written by an older version of the app).
 *
 * @since 0.1.0
 * @category errors
 */
export class SchemaMismatchError extends Data.TaggedError("SchemaMismatchError")<kernel.Fields["SchemaMismatchError"]> {
  override get message(): string {
    return kernel.messages.SchemaMismatchError(this)
  }
  override set message(value: string) {
    kernel.overrideMessage(this, value)
  }
}

/**
 * A cookie (or the session split across chunks) is over the browser's 4096-byte
 * limit.
 *
 * @since 0.1.0
 * @category errors
 */
export class CookieTooLargeError extends Data.TaggedError("CookieTooLargeError")<kernel.Fields["CookieTooLargeError"]> {
  override get message(): string {
    return kernel.messages.CookieTooLargeError(this)
  }
  override set message(value: string) {
    kernel.overrideMessage(this, value)
  }
}

/**
 * Why a cookie can no longer be written.
 *
 * - `headers-sent`: the response headers went out already.
 * - `body-used`: the response body was read or streamed.
 * - `read-only`: the store cannot take cookies here (a Next.js Server
 *   Component, a `Response` with immutable headers).
 * - `rejected`: the runtime refused the cookie itself (`detail` says why).
 *
 * @since 0.1.0
 * @category models
 */
export type NotWritableReason = kernel.NotWritableReason

/**
 * A cookie can no longer be written: the response headers were sent, the
 * response body was used, or the store is read-only (a Next.js Server Component).
 *
 * @since 0.1.0
 * @category errors
 */
export class CookieNotWritableError extends Data.TaggedError("CookieNotWritableError")<
  kernel.Fields["CookieNotWritableError"]
> {
  override get message(): string {
    return kernel.messages.CookieNotWritableError(this)
  }
  override set message(value: string) {
    kernel.overrideMessage(this, value)
  }
}

/**
 * The session was destroyed in this request, and data was written back into it
 * before saving. Saving would restore the cookie `destroy` just cleared.
 *
 * @since 0.1.0
 * @category errors
 */
export class SessionDestroyedError extends Data.TaggedError("SessionDestroyedError")<
  kernel.Fields["SessionDestroyedError"]
> {
  override get message(): string {
    return kernel.messages.SessionDestroyedError(this)
  }
  override set message(value: string) {
    kernel.overrideMessage(this, value)
  }
}

/**
 * A rolling session ended: `idle`, no request wrote it within its idle
 * timeout; `absolute`, its lifetime since sign-in is over, however active it
 * was. Both are read from the session's own (authenticated) record.
 *
 * @since 0.1.0
 * @category errors
 */
export class SessionExpiredError extends Data.TaggedError("SessionExpiredError")<kernel.Fields["SessionExpiredError"]> {
  override get message(): string {
    return kernel.messages.SessionExpiredError(this)
  }
  override set message(value: string) {
    kernel.overrideMessage(this, value)
  }
}

/**
 * The session was revoked: by its id (`session`: signed out, or replaced by
 * `regenerate`), or every session of its subject issued before a moment
 * (`subject`: "sign out everywhere").
 *
 * @since 0.1.0
 * @category errors
 */
export class SessionRevokedError extends Data.TaggedError("SessionRevokedError")<kernel.Fields["SessionRevokedError"]> {
  override get message(): string {
    return kernel.messages.SessionRevokedError(this)
  }
  override set message(value: string) {
    kernel.overrideMessage(this, value)
  }
}

/**
 * The revocation store could not be reached. Under the default `fail-closed`
 * policy the session then reads as rejected with this reason; under
 * `fail-open` it is used as if not revoked, with a warning in the log.
 *
 * @since 0.1.0
 * @category errors
 */
export class RevocationUnavailableError extends Data.TaggedError("RevocationUnavailableError")<
  kernel.Fields["RevocationUnavailableError"]
> {
  override get message(): string {
    return kernel.messages.RevocationUnavailableError(this)
  }
  override set message(value: string) {
    kernel.overrideMessage(this, value)
  }
}

/**
 * The session is valid, but the user signed in longer ago than a sensitive
 * action allows (change a password, delete an account). Ask for the password
 * again and sign in afresh.
 *
 * @since 0.1.0
 * @category errors
 */
export class SessionNotFreshError extends Data.TaggedError("SessionNotFreshError")<
  kernel.Fields["SessionNotFreshError"]
> {
  override get message(): string {
    return kernel.messages.SessionNotFreshError(this)
  }
  override set message(value: string) {
    kernel.overrideMessage(this, value)
  }
}

/**
 * Errors raised while checking a password option.
 *
 * @since 0.1.0
 * @category models
 */
export type PasswordError = PasswordTooShortError | InvalidPasswordError

/**
 * Errors raised while checking options (a password, a ttl, a cookie name):
 * what makes a layer fail at start-up, or a one-off seal fail before any
 * crypto runs.
 *
 * @since 0.1.0
 * @category models
 */
export type OptionsError = PasswordError | InvalidOptionError | MissingOptionError
