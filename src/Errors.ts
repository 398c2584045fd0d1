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
export type BadSealReason = "malformed" | "integrity" | "unknown-password-id" | "undecryptable" | "not-json" | "purpose"

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
export class PasswordTooShortError extends Data.TaggedError("PasswordTooShortError")<{
  /** The id of the offending password in the password map (`"1"` for a single password). */
  readonly passwordId: string
  /** The minimum length, in characters. */
  readonly minimum: number
}> {
  override get message(): string {
    return `The password with id ${this.passwordId} is shorter than ${this.minimum} characters. Use a random string of at least ${this.minimum} characters, for example from \`openssl rand -base64 32\`.`
  }
}

/**
 * The password option has the wrong shape: an empty map, a non-integer id, or
 * a value that is not a string.
 *
 * @since 0.1.0
 * @category errors
 */
export class InvalidPasswordError extends Data.TaggedError("InvalidPasswordError")<{
  readonly reason: "empty-map" | "invalid-id" | "not-a-string"
  /** The offending id, when there is one. */
  readonly passwordId?: string | undefined
}> {
  override get message(): string {
    if (this.reason === "empty-map") {
      return "The password map is empty. Give at least one password, for example { 1: process.env.SESSION_PASSWORD }."
    }
    if (this.reason === "invalid-id") {
      return `Password ids must be non-negative integers, got ${JSON.stringify(this.passwordId)}. Use { 1: "...", 2: "..." }; the highest id seals, every id unseals.`
    }
    return `The password with id ${this.passwordId ?? "1"} is not a string. Give a string or a Redacted<string> of at least 32 characters.`
  }
}

/**
 * An option has a value that cannot work (a zero ttl, an unparsable duration,
 * a cookie name the platform refuses, a `__Host-` cookie with a `Domain`, ...).
 *
 * @since 0.1.0
 * @category errors
 */
export class InvalidOptionError extends Data.TaggedError("InvalidOptionError")<{
  /** The option's name, such as `ttl` or `cookieName`. */
  readonly option: string
  /** What is wrong and how to fix it. */
  readonly reason: string
}> {
  override get message(): string {
    return `Invalid option \`${this.option}\`: ${this.reason}`
  }
}

/**
 * A required option is missing (no cookie name, no password, an empty password).
 *
 * @since 0.1.0
 * @category errors
 */
export class MissingOptionError extends Data.TaggedError("MissingOptionError")<{
  /** The option's name: `cookieName` or `password`. */
  readonly option: string
  /** How to give it. */
  readonly hint: string
}> {
  override get message(): string {
    return `The option \`${this.option}\` is required: ${this.hint}`
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
export class SealExpiredError extends Data.TaggedError("SealExpiredError")<{
  readonly expiredAt: Date
}> {
  override get message(): string {
    return `The seal expired at ${this.expiredAt.toISOString()}. Ask the user to sign in again, or seal with a longer ttl.`
  }
}

/**
 * The seal could not be opened. `reason` says why; see {@link BadSealReason}.
 *
 * @since 0.1.0
 * @category errors
 */
export class BadSealError extends Data.TaggedError("BadSealError")<{
  readonly reason: BadSealReason
  /**
   * For `unknown-password-id`: the id the seal names, when it is one that
   * could be configured (letters, digits and `_`, at most 32). Anything else in
   * that place of a seal is attacker text and is not kept.
   */
  readonly passwordId?: string | undefined
}> {
  override get message(): string {
    const messages: Record<BadSealReason, string> = {
      malformed:
        "The value is not an iron seal (expected `Fe26.2*…` with 8 parts). It was cut, re-encoded or never a seal.",
      integrity:
        "The seal's integrity check failed: it was modified, or sealed with a password that is not configured here.",
      "unknown-password-id": `The seal names password id ${this.passwordId === undefined ? "(not a valid id)" : JSON.stringify(this.passwordId)}, which is not configured. Keep old passwords in the map while rotating: { 1: old, 2: new }.`,
      undecryptable:
        "The seal passed its integrity check but could not be decrypted. It was sealed with an incompatible implementation.",
      "not-json":
        "The seal decrypted to something that is not JSON. It was sealed by an encoder this library does not read.",
      purpose:
        "The seal is authentic but was made for another purpose (a token read as a session, or the other way round). Seal each kind of token with its own purpose.",
    }
    return messages[this.reason]
  }
}

/**
 * A path inside a value, as keys and array indices.
 *
 * @since 0.1.0
 * @category models
 */
export type DataPath = ReadonlyArray<string | number>

/** Paths longer than this are shown with their middle elided. */
const SHOWN_PATH_KEYS = 12

/**
 * Renders a {@link DataPath} the way you would write it in code, from a root
 * name. A very long path (deeply nested data) keeps its first and last keys.
 *
 * @example
 * ```ts
 * import { Errors } from "effect-iron-session"
 *
 * Errors.formatPath(["user", "visits", 0], "session") // "session.user.visits[0]"
 * ```
 *
 * @since 0.1.0
 * @category utils
 */
export const formatPath = (path: DataPath, root = "data"): string => {
  const key = (k: string | number) =>
    typeof k === "number" ? `[${k}]` : /^[A-Za-z_$][\w$]*$/.test(k) ? `.${k}` : `[${JSON.stringify(k)}]`
  if (path.length <= SHOWN_PATH_KEYS) return root + path.map(key).join("")
  const head = path
    .slice(0, SHOWN_PATH_KEYS - 2)
    .map(key)
    .join("")
  const tail = path.slice(-2).map(key).join("")
  return `${root}${head}…(${path.length - SHOWN_PATH_KEYS} more)…${tail}`
}

/**
 * The data cannot be carried through JSON unchanged: a `Date` (without a schema),
 * `Map`, `Set`, `BigInt`, `NaN`, a function, a class instance, a cycle, or
 * nesting deeper than 1000 levels. `path` names the first offending value.
 * Nothing was sealed or written.
 *
 * @since 0.1.0
 * @category errors
 */
export class UnserializableDataError extends Data.TaggedError("UnserializableDataError")<{
  readonly path: DataPath
  /** What was found there: `Date`, `Map`, `bigint`, `NaN`, `circular reference`, ... */
  readonly found: string
}> {
  /** Where and what, from a root name: `session.lastSeen is a Date`. */
  describe(root = "data"): string {
    return `${formatPath(this.path, root)} is ${article(this.found)}`
  }

  override get message(): string {
    const fix =
      this.found === "Date"
        ? "Store a timestamp (Date.now()) or an ISO string, or seal through a Schema with a Date field (Schema.DateFromNumber) so it comes back a Date."
        : "Store plain JSON values only (objects, arrays, strings, finite numbers, booleans, null), or describe the value with a Schema that encodes it to JSON."
    return `${this.describe()}, which JSON cannot carry unchanged. ${fix}`
  }
}

const article = (found: string): string =>
  /^(NaN|Infinity|-Infinity|undefined)$/.test(found)
    ? found
    : /^[aeiouAEIOU]/.test(found)
      ? `an ${found}`
      : `a ${found}`

/**
 * One problem found by a schema, without the offending value (schema errors
 * quote their input, and the input here is a cookie).
 *
 * @since 0.1.0
 * @category models
 */
export interface SchemaIssue {
  readonly path: DataPath
  /** What the schema expected there, or what was wrong (`is missing`, `is unexpected`). */
  readonly expected: string
}

/**
 * Data did not match its schema: when sealing (`encode`), the value given does
 * not fit the schema; when unsealing (`decode`), the sealed data no longer fits
 * it (usually a session written by an older version of the app).
 *
 * @since 0.1.0
 * @category errors
 */
export class SchemaMismatchError extends Data.TaggedError("SchemaMismatchError")<{
  readonly operation: "encode" | "decode"
  readonly issues: ReadonlyArray<SchemaIssue>
}> {
  override get message(): string {
    const where = this.issues
      .slice(0, 3)
      .map((issue) => `${formatPath(issue.path)}: ${issue.expected}`)
      .join("; ")
    const more = this.issues.length > 3 ? ` (and ${this.issues.length - 3} more)` : ""
    return this.operation === "encode"
      ? `The data does not match the session schema (${where}${more}). Fix the value before saving it.`
      : `The sealed data no longer matches the session schema (${where}${more}). It was probably written by an older version of the app; give the schema a default or a migration, or let the session start empty.`
  }
}

/**
 * A cookie (or the session split across chunks) is over the browser's 4096-byte
 * limit.
 *
 * @since 0.1.0
 * @category errors
 */
export class CookieTooLargeError extends Data.TaggedError("CookieTooLargeError")<{
  readonly cookieName: string
  /** Bytes of the whole `Set-Cookie` value. */
  readonly size: number
  readonly limit: number
  /** How many chunks the session would need, when chunking is on. */
  readonly chunks?: number | undefined
  /** The maximum number of chunks, when chunking is on. */
  readonly maxChunks?: number | undefined
  /**
   * Chunking is off here, but the request carries the session in chunks: some
   * options object in the app has `chunk: true` and this one does not.
   */
  readonly alreadyChunked?: boolean | undefined
  /** Bytes the cookie name and attributes take alone, when they leave no room for data. */
  readonly overhead?: number | undefined
}> {
  override get message(): string {
    if (this.overhead !== undefined) {
      return `The cookie name and options of "${this.cookieName}" alone take ${this.overhead} bytes, which leaves no room for session data. Use a shorter cookie name.`
    }
    if (this.chunks !== undefined) {
      return `The session cookie "${this.cookieName}" needs ${this.chunks} chunks and the maximum is ${this.maxChunks}. The whole Cookie header is sent on every request and proxies commonly cap it at 8 KB. Store an id in the session and keep the data in your database.`
    }
    if (this.alreadyChunked === true) {
      return `The session cookie "${this.cookieName}" is ${this.size} bytes and chunking is not on here, but the session is already stored in chunks: more than one set of options is in use and only some turn chunking on. Use the same options everywhere.`
    }
    return `The session cookie "${this.cookieName}" is ${this.size} bytes, over the ${this.limit}-byte limit browsers enforce. Remove some data from the session, or turn chunking on to split it across several cookies.`
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
export type NotWritableReason = "headers-sent" | "body-used" | "read-only" | "rejected"

/**
 * A cookie can no longer be written: the response headers were sent, the
 * response body was used, or the store is read-only (a Next.js Server Component).
 *
 * @since 0.1.0
 * @category errors
 */
export class CookieNotWritableError extends Data.TaggedError("CookieNotWritableError")<{
  readonly cookieName: string
  readonly reason: NotWritableReason
  /** For `rejected`: what the runtime said. */
  readonly detail?: string | undefined
}> {
  override get message(): string {
    const why = {
      "headers-sent":
        "the headers were sent already. Save the session before the response is written (before res.send() or res.end()).",
      "body-used":
        "the response body was used, so a Set-Cookie header would be dropped. Save the session before returning or streaming the response.",
      "read-only":
        "the response cannot take cookies here: a Next.js Server Component (save in a Server Action, a Route Handler or proxy), or a Response with immutable headers such as Response.redirect() (build the response with new Response(null, { status, headers }) instead).",
      rejected: `the runtime refused it${this.detail === undefined ? "" : ` (${this.detail})`}.`,
    }[this.reason]
    return `Cannot set cookie "${this.cookieName}": ${why}`
  }
}

/**
 * The session was destroyed in this request, and data was written back into it
 * before saving. Saving would restore the cookie `destroy` just cleared.
 *
 * @since 0.1.0
 * @category errors
 */
export class SessionDestroyedError extends Data.TaggedError("SessionDestroyedError")<{
  readonly cookieName: string
}> {
  override get message(): string {
    return `Cannot save the session "${this.cookieName}": it was destroyed in this request and data was written back into it. Destroying signs the user out; saving now would sign them back in. Start a fresh session in the next request instead.`
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
export class SessionExpiredError extends Data.TaggedError("SessionExpiredError")<{
  readonly reason: "idle" | "absolute"
  readonly expiredAt: Date
}> {
  override get message(): string {
    return this.reason === "idle"
      ? `The session expired at ${this.expiredAt.toISOString()} after a time without activity. Ask the user to sign in again.`
      : `The session reached the end of its lifetime at ${this.expiredAt.toISOString()}. Ask the user to sign in again.`
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
export class SessionRevokedError extends Data.TaggedError("SessionRevokedError")<{
  readonly reason: "session" | "subject"
}> {
  override get message(): string {
    return this.reason === "session"
      ? "The session was revoked (signed out, or replaced at sign-in). Ask the user to sign in again."
      : "Every session of this user issued before a moment was revoked (signed out everywhere). Ask the user to sign in again."
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
export class RevocationUnavailableError extends Data.TaggedError("RevocationUnavailableError")<{
  /** Which store: `memory`, `key-value-store`, `redis`. */
  readonly store: string
  /** What went wrong, without keys or values (`connection refused`, `timed out after 200 ms`). */
  readonly detail: string
}> {
  override get message(): string {
    return `The revocation store (${this.store}) could not be reached: ${this.detail}. Sessions are refused until it is back (fail-closed); choose onUnavailable: "fail-open" to accept them meanwhile.`
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
export class SessionNotFreshError extends Data.TaggedError("SessionNotFreshError")<{
  /** When the user signed in; `undefined` when there is no session, or it keeps no record of it. */
  readonly signedInAt?: Date | undefined
  /** How recent the sign-in had to be, in milliseconds. */
  readonly maxAgeMillis: number
}> {
  override get message(): string {
    const when =
      this.signedInAt === undefined
        ? "there is no sign-in on record (no session, or one without a lifecycle: turn on rolling, revocation or track)"
        : `the user signed in at ${this.signedInAt.toISOString()}`
    return `This action needs a sign-in within the last ${Math.round(this.maxAgeMillis / 1000)} seconds, and ${when}. Ask for the password again before going on.`
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

/*
 * Every message above is computed from the error's fields (a getter), and some
 * hosts assign `error.message` when they log an error: Next.js's development
 * server prefixes it. Against a getter alone that assignment throws, and the
 * host's error handling fails in turn. With this setter it replaces the
 * message of that one error, as it would on a plain `Error`.
 */
for (const ErrorClass of [
  PasswordTooShortError,
  InvalidPasswordError,
  InvalidOptionError,
  MissingOptionError,
  SealExpiredError,
  BadSealError,
  UnserializableDataError,
  SchemaMismatchError,
  CookieTooLargeError,
  CookieNotWritableError,
  SessionDestroyedError,
  SessionExpiredError,
  SessionRevokedError,
  RevocationUnavailableError,
  SessionNotFreshError,
]) {
  const { get } = Object.getOwnPropertyDescriptor(ErrorClass.prototype, "message") ?? {}
  Object.defineProperty(ErrorClass.prototype, "message", {
    configurable: true,
    ...(get === undefined ? {} : { get }),
    set(this: Error, value: string) {
      Object.defineProperty(this, "message", { value, writable: true, configurable: true, enumerable: false })
    },
  })
}
