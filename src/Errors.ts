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
import type * as Cause from "effect/Cause"
import * as Data from "effect/Data"
import * as kernel from "./internal/kernel/errors.js"

/**
 * The class of one tag: a `Data.TaggedError` with the kernel's fields, whose
 * message is the kernel's (computed from the fields). Some hosts assign
 * `error.message` when they log an error (Next.js's development server
 * prefixes it); the setter lets that replace the message of that one error,
 * as on a plain `Error`, where a getter alone would throw.
 */
const Tagged = <T extends kernel.Tag>(
  tag: T,
): (new (
  args: kernel.Fields[T],
) => Cause.YieldableError & { readonly _tag: T } & Readonly<kernel.Fields[T]>) => {
  const message = kernel.messages[tag] as (fields: kernel.Fields[T]) => string
  // Not generic here (a base class must have known members); the signature above gives each tag its type.
  const Base = Data.TaggedError(tag) as unknown as new (args: object) => Cause.YieldableError
  class TaggedError extends Base {
    override get message(): string {
      return message(this as unknown as kernel.Fields[T])
    }
    override set message(value: string) {
      kernel.overrideMessage(this, value)
    }
  }
  return TaggedError as never
}

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
export class PasswordTooShortError extends Tagged("PasswordTooShortError") {}

/**
 * The password option has the wrong shape: an empty map, a non-integer id, or
 * a value that is not a string.
 *
 * @since 0.1.0
 * @category errors
 */
export class InvalidPasswordError extends Tagged("InvalidPasswordError") {}

/**
 * An option has a value that cannot work (a zero ttl, an unparsable duration,
 * a cookie name the platform refuses, a `__Host-` cookie with a `Domain`, ...).
 *
 * @since 0.1.0
 * @category errors
 */
export class InvalidOptionError extends Tagged("InvalidOptionError") {}

/**
 * A required option is missing (no cookie name, no password, an empty password).
 *
 * @since 0.1.0
 * @category errors
 */
export class MissingOptionError extends Tagged("MissingOptionError") {}

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
export class SealExpiredError extends Tagged("SealExpiredError") {}

/**
 * The seal could not be opened. `reason` says why; see {@link BadSealReason}.
 *
 * @since 0.1.0
 * @category errors
 */
export class BadSealError extends Tagged("BadSealError") {}

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
export class UnserializableDataError extends Tagged("UnserializableDataError") {
  /** Where and what, from a root name: `session.lastSeen is a Date`. */
  describe(root = "data"): string {
    return kernel.describeUnserializable(this, root)
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
export class SchemaMismatchError extends Tagged("SchemaMismatchError") {}

/**
 * A cookie (or the session split across chunks) is over the browser's 4096-byte
 * limit.
 *
 * @since 0.1.0
 * @category errors
 */
export class CookieTooLargeError extends Tagged("CookieTooLargeError") {}

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
export class CookieNotWritableError extends Tagged("CookieNotWritableError") {}

/**
 * The session was destroyed in this request, and data was written back into it
 * before saving. Saving would restore the cookie `destroy` just cleared.
 *
 * @since 0.1.0
 * @category errors
 */
export class SessionDestroyedError extends Tagged("SessionDestroyedError") {}

/**
 * A rolling session ended: `idle`, no request wrote it within its idle
 * timeout; `absolute`, its lifetime since sign-in is over, however active it
 * was. Both are read from the session's own (authenticated) record.
 *
 * @since 0.1.0
 * @category errors
 */
export class SessionExpiredError extends Tagged("SessionExpiredError") {}

/**
 * The session was revoked: by its id (`session`: signed out, or replaced by
 * `regenerate`), or every session of its subject issued before a moment
 * (`subject`: "sign out everywhere").
 *
 * @since 0.1.0
 * @category errors
 */
export class SessionRevokedError extends Tagged("SessionRevokedError") {}

/**
 * The revocation store could not be reached. Under the default `fail-closed`
 * policy the session then reads as rejected with this reason; under
 * `fail-open` it is used as if not revoked, with a warning in the log.
 *
 * @since 0.1.0
 * @category errors
 */
export class RevocationUnavailableError extends Tagged("RevocationUnavailableError") {}

/**
 * The session is valid, but the user signed in longer ago than a sensitive
 * action allows (change a password, delete an account). Ask for the password
 * again and sign in afresh.
 *
 * @since 0.1.0
 * @category errors
 */
export class SessionNotFreshError extends Tagged("SessionNotFreshError") {}

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
