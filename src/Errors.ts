/**
 * Every error of effect-iron-session, as tagged data.
 *
 * Each error carries the fields a program branches on and a `message` that says
 * what to do next. No message ever contains a password, a whole seal or a cookie
 * value: errors end up in logs, and a log is not a place for secrets.
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"

/**
 * Why a seal was refused before or during decryption.
 *
 * - `malformed`: not an iron seal at all (wrong number of parts, wrong prefix, bad encoding).
 * - `integrity`: the HMAC does not match: the seal was changed, or sealed under another password.
 * - `unknown-password-id`: the seal names a password id that is not in the configured map.
 * - `undecryptable`: the HMAC matched but the ciphertext could not be decrypted.
 * - `not-json`: decrypted, but the plaintext is not JSON.
 *
 * @since 0.1.0
 * @category models
 */
export const BadSealReason = Schema.Literal(
  "malformed",
  "integrity",
  "unknown-password-id",
  "undecryptable",
  "not-json",
)

/**
 * @since 0.1.0
 * @category models
 */
export type BadSealReason = typeof BadSealReason.Type

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
export class PasswordTooShortError extends Schema.TaggedError<PasswordTooShortError>()("PasswordTooShortError", {
  /** The id of the offending password in the password map (`"1"` for a single password). */
  passwordId: Schema.String,
  /** The minimum length, in characters. */
  minimum: Schema.Number,
}) {
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
export class InvalidPasswordError extends Schema.TaggedError<InvalidPasswordError>()("InvalidPasswordError", {
  reason: Schema.Literal("empty-map", "invalid-id", "not-a-string"),
  /** The offending id, when there is one. */
  passwordId: Schema.optional(Schema.String),
}) {
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
 * an empty cookie name, ...).
 *
 * @since 0.1.0
 * @category errors
 */
export class InvalidOptionError extends Schema.TaggedError<InvalidOptionError>()("InvalidOptionError", {
  /** The option's name, such as `ttl` or `cookieName`. */
  option: Schema.String,
  /** What is wrong and how to fix it. */
  reason: Schema.String,
}) {
  override get message(): string {
    return `Invalid option \`${this.option}\`: ${this.reason}`
  }
}

/**
 * A required option is missing (no cookie name, no password).
 *
 * @since 0.1.0
 * @category errors
 */
export class MissingOptionError extends Schema.TaggedError<MissingOptionError>()("MissingOptionError", {
  /** The option's name: `cookieName` or `password`. */
  option: Schema.String,
  /** How to give it. */
  hint: Schema.String,
}) {
  override get message(): string {
    return `The option \`${this.option}\` is required: ${this.hint}`
  }
}

/**
 * The seal is past its expiration (with iron's 60-second allowance for clock skew).
 * This is how sessions normally end.
 *
 * `expiredAt` is read from the seal before its integrity is checked (iron checks
 * expiry first, so an expired seal is rejected without any crypto): treat it as
 * a hint for logs, not as authenticated data.
 *
 * @since 0.1.0
 * @category errors
 */
export class SealExpiredError extends Schema.TaggedError<SealExpiredError>()("SealExpiredError", {
  expiredAt: Schema.DateFromSelf,
}) {
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
export class BadSealError extends Schema.TaggedError<BadSealError>()("BadSealError", {
  reason: BadSealReason,
  /** The password id named by the seal, for `unknown-password-id`. */
  passwordId: Schema.optional(Schema.String),
}) {
  override get message(): string {
    const messages: Record<BadSealReason, string> = {
      malformed:
        "The value is not an iron seal (expected `Fe26.2*…` with 8 parts). It was cut, re-encoded or never a seal.",
      integrity:
        "The seal's integrity check failed: it was modified, or sealed with a password that is not configured here.",
      "unknown-password-id": `The seal names password id ${JSON.stringify(this.passwordId ?? "")}, which is not in the password map. Keep old passwords in the map while rotating: { 1: old, 2: new }.`,
      undecryptable:
        "The seal passed its integrity check but could not be decrypted. It was sealed with an incompatible implementation.",
      "not-json":
        "The seal decrypted to something that is not JSON. It was sealed by an encoder this library does not read.",
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
export const DataPath = Schema.Array(Schema.Union(Schema.String, Schema.Number))

/**
 * Renders a {@link DataPath} the way you would write it in code, from a root name.
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
export const formatPath = (path: ReadonlyArray<string | number>, root = "data"): string => {
  let out = root
  for (const key of path) {
    out +=
      typeof key === "number" ? `[${key}]` : /^[A-Za-z_$][\w$]*$/.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`
  }
  return out
}

/**
 * The data cannot be carried through JSON unchanged: a `Date` (without a schema),
 * `Map`, `Set`, `BigInt`, `NaN`, a function, a class instance or a cycle.
 * `path` names the first offending value.
 *
 * @since 0.1.0
 * @category errors
 */
export class UnserializableDataError extends Schema.TaggedError<UnserializableDataError>()("UnserializableDataError", {
  path: DataPath,
  /** What was found there: `Date`, `Map`, `bigint`, `NaN`, `circular reference`, ... */
  found: Schema.String,
}) {
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
export const SchemaIssue = Schema.Struct({
  path: DataPath,
  /** What the schema expected there, or what was wrong (`is missing`, `is unexpected`). */
  expected: Schema.String,
})

/**
 * Data did not match its schema: when sealing (`encode`), the value given does
 * not fit the schema; when unsealing (`decode`), the sealed data no longer fits
 * it (usually a session written by an older version of the app).
 *
 * @since 0.1.0
 * @category errors
 */
export class SchemaMismatchError extends Schema.TaggedError<SchemaMismatchError>()("SchemaMismatchError", {
  operation: Schema.Literal("encode", "decode"),
  issues: Schema.Array(SchemaIssue),
}) {
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
export class CookieTooLargeError extends Schema.TaggedError<CookieTooLargeError>()("CookieTooLargeError", {
  cookieName: Schema.String,
  /** Bytes of the whole `Set-Cookie` value. */
  size: Schema.Number,
  limit: Schema.Number,
  /** How many chunks the session would need, when chunking is on. */
  chunks: Schema.optional(Schema.Number),
  /** The maximum number of chunks, when chunking is on. */
  maxChunks: Schema.optional(Schema.Number),
  /**
   * Chunking is off here, but the request carries the session in chunks: some
   * options object in the app has `chunk: true` and this one does not.
   */
  alreadyChunked: Schema.optional(Schema.Boolean),
  /** Bytes the cookie name and attributes take alone, when they leave no room for data. */
  overhead: Schema.optional(Schema.Number),
}) {
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
 * A cookie can no longer be written: the response headers were sent, the
 * response body was used, or the store is read-only (a Next.js Server Component).
 *
 * @since 0.1.0
 * @category errors
 */
export class CookieNotWritableError extends Schema.TaggedError<CookieNotWritableError>()("CookieNotWritableError", {
  cookieName: Schema.String,
  reason: Schema.Literal("headers-sent", "body-used", "read-only", "rejected"),
  /** For `rejected`: what the runtime said. */
  detail: Schema.optional(Schema.String),
}) {
  override get message(): string {
    const why = {
      "headers-sent":
        "the headers were sent already. Save the session before the response is written (before res.send() or res.end()).",
      "body-used":
        "the response body was used, so a Set-Cookie header would be dropped. Save the session before returning or streaming the response.",
      "read-only":
        "the response cannot take cookies here: a Next.js Server Component (save in a Server Action, a Route Handler or proxy), or a Response with immutable headers such as Response.redirect() (build the response with new Response(null, { status, headers }) instead).",
      rejected: `the runtime refused it${this.detail === undefined ? "" : ` (${this.detail})`}. @effect/platform takes only RFC 6265 cookie names: letters, digits and !#$%&'*+-.^_\`|~.`,
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
export class SessionDestroyedError extends Schema.TaggedError<SessionDestroyedError>()("SessionDestroyedError", {
  cookieName: Schema.String,
}) {
  override get message(): string {
    return `Cannot save the session "${this.cookieName}": it was destroyed in this request and data was written back into it. Destroying signs the user out; saving now would sign them back in. Start a fresh session in the next request instead.`
  }
}

/**
 * Errors raised while checking a password option.
 *
 * @since 0.1.0
 * @category models
 */
export type PasswordError = PasswordTooShortError | InvalidPasswordError
