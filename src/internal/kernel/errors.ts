/**
 * The library's failures as plain data: the one registry of error tags, their
 * fields, and the message each says. Nothing here imports `effect`.
 *
 * The kernel (the protocol, cookies, the session rules) throws or returns the
 * plain errors below. Each face turns them into its own: the Effect API into
 * the `Data.TaggedError` classes of `Errors.ts` (yieldable, comparable, for
 * `Effect.catchTag`), built from the same fields and saying the same message;
 * the Promise facade into iron-session's `Error`s, with the plain error as the
 * `cause`. Faces recognise them by `_tag`, never by class: an app can hold two
 * copies of the library (Next.js bundles Route Handlers apart from pages).
 *
 * No message or field ever holds a password, a whole seal, a cookie value or
 * session data: errors end up in logs. What a field holds that came from a
 * request (a password id named by a seal) is checked to be short and
 * printable first.
 *
 * @internal
 */

/** Why a seal was refused: see `Errors.BadSealReason`. */
export type BadSealReason = "malformed" | "integrity" | "unknown-password-id" | "undecryptable" | "not-json" | "purpose"

/** Why a cookie can no longer be written: see `Errors.NotWritableReason`. */
export type NotWritableReason = "headers-sent" | "body-used" | "read-only" | "rejected"

/** A path inside a value, as keys and array indices. */
export type DataPath = ReadonlyArray<string | number>

/** One problem a schema found, without the offending value. */
export interface SchemaIssue {
  readonly path: DataPath
  /** What the schema expected there, or what was wrong (`is missing`, `is unexpected`). */
  readonly expected: string
}

/** Every error's fields, by tag. Adding an error starts here. */
export interface Fields {
  readonly PasswordTooShortError: {
    /** The id of the offending password in the password map (`"1"` for a single password). */
    readonly passwordId: string
    /** The minimum length, in characters. */
    readonly minimum: number
  }
  readonly InvalidPasswordError: {
    readonly reason: "empty-map" | "invalid-id" | "not-a-string"
    /** The offending id, when there is one. */
    readonly passwordId?: string | undefined
  }
  readonly InvalidOptionError: {
    /** The option's name, such as `ttl` or `cookieName`. */
    readonly option: string
    /** What is wrong and how to fix it. */
    readonly reason: string
  }
  readonly MissingOptionError: {
    /** The option's name: `cookieName` or `password`. */
    readonly option: string
    /** How to give it. */
    readonly hint: string
  }
  readonly SealExpiredError: {
    readonly expiredAt: Date
  }
  readonly BadSealError: {
    readonly reason: BadSealReason
    /**
     * For `unknown-password-id`: the id the seal names, when it is one that
     * could be configured (letters, digits and `_`, at most 32). Anything else in
     * that place of a seal is attacker text and is not kept.
     */
    readonly passwordId?: string | undefined
  }
  readonly UnserializableDataError: {
    readonly path: DataPath
    /** What was found there: `Date`, `Map`, `bigint`, `NaN`, `circular reference`, ... */
    readonly found: string
  }
  readonly SchemaMismatchError: {
    readonly operation: "encode" | "decode"
    readonly issues: ReadonlyArray<SchemaIssue>
  }
  readonly CookieTooLargeError: {
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
  }
  readonly CookieNotWritableError: {
    readonly cookieName: string
    readonly reason: NotWritableReason
    /** For `rejected`: what the runtime said. */
    readonly detail?: string | undefined
  }
  readonly SessionDestroyedError: {
    readonly cookieName: string
  }
  readonly SessionExpiredError: {
    readonly reason: "idle" | "absolute"
    readonly expiredAt: Date
  }
  readonly SessionRevokedError: {
    readonly reason: "session" | "subject"
  }
  readonly RevocationUnavailableError: {
    /** Which store: `memory`, `key-value-store`, `redis`. */
    readonly store: string
    /** What went wrong, without keys or values (`connection refused`, `timed out after 200 ms`). */
    readonly detail: string
  }
  readonly SessionNotFreshError: {
    /** When the user signed in; `undefined` when there is no session, or it keeps no record of it. */
    readonly signedInAt?: Date | undefined
    /** How recent the sign-in had to be, in milliseconds. */
    readonly maxAgeMillis: number
  }
}

/** An error's tag. */
export type Tag = keyof Fields

/** Paths longer than this are shown with their middle elided. */
const SHOWN_PATH_KEYS = 12

/**
 * Renders a {@link DataPath} the way you would write it in code, from a root
 * name. A very long path (deeply nested data) keeps its first and last keys.
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

const article = (found: string): string =>
  /^(NaN|Infinity|-Infinity|undefined)$/.test(found)
    ? found
    : /^[aeiouAEIOU]/.test(found)
      ? `an ${found}`
      : `a ${found}`

/** Where and what, from a root name: `session.lastSeen is a Date`. */
export const describeUnserializable = (fields: Fields["UnserializableDataError"], root = "data"): string =>
  `${formatPath(fields.path, root)} is ${article(fields.found)}`

const badSeal: { readonly [R in BadSealReason]: (passwordId: string | undefined) => string } = {
  malformed: () =>
    "The value is not an iron seal (expected `Fe26.2*…` with 8 parts). It was cut, re-encoded or never a seal.",
  integrity: () =>
    "The seal's integrity check failed: it was modified, or sealed with a password that is not configured here.",
  "unknown-password-id": (passwordId) =>
    `The seal names password id ${passwordId === undefined ? "(not a valid id)" : JSON.stringify(passwordId)}, which is not configured. Keep old passwords in the map while rotating: { 1: old, 2: new }.`,
  undecryptable: () =>
    "The seal passed its integrity check but could not be decrypted. It was sealed with an incompatible implementation.",
  "not-json": () =>
    "The seal decrypted to something that is not JSON. It was sealed by an encoder this library does not read.",
  purpose: () =>
    "The seal is authentic but was made for another purpose (a token read as a session, or the other way round). Seal each kind of token with its own purpose.",
}

/** What each error says: computed from its fields, and saying what to do next. */
export const messages: { readonly [T in Tag]: (fields: Fields[T]) => string } = {
  PasswordTooShortError: (e) =>
    `The password with id ${e.passwordId} is shorter than ${e.minimum} characters. Use a random string of at least ${e.minimum} characters, for example from \`openssl rand -base64 32\`.`,
  InvalidPasswordError: (e) => {
    if (e.reason === "empty-map") {
      return "The password map is empty. Give at least one password, for example { 1: process.env.SESSION_PASSWORD }."
    }
    if (e.reason === "invalid-id") {
      return `Password ids must be non-negative integers, got ${JSON.stringify(e.passwordId)}. Use { 1: "...", 2: "..." }; the highest id seals, every id unseals.`
    }
    return `The password with id ${e.passwordId ?? "1"} is not a string. Give a string or a Redacted<string> of at least 32 characters.`
  },
  InvalidOptionError: (e) => `Invalid option \`${e.option}\`: ${e.reason}`,
  MissingOptionError: (e) => `The option \`${e.option}\` is required: ${e.hint}`,
  SealExpiredError: (e) =>
    `The seal expired at ${e.expiredAt.toISOString()}. Ask the user to sign in again, or seal with a longer ttl.`,
  BadSealError: (e) => badSeal[e.reason](e.passwordId),
  UnserializableDataError: (e) => {
    const fix =
      e.found === "Date"
        ? "Store a timestamp (Date.now()) or an ISO string, or seal through a Schema with a Date field (Schema.DateFromNumber) so it comes back a Date."
        : "Store plain JSON values only (objects, arrays, strings, finite numbers, booleans, null), or describe the value with a Schema that encodes it to JSON."
    return `${describeUnserializable(e)}, which JSON cannot carry unchanged. ${fix}`
  },
  SchemaMismatchError: (e) => {
    const where = e.issues
      .slice(0, 3)
      .map((issue) => `${formatPath(issue.path)}: ${issue.expected}`)
      .join("; ")
    const more = e.issues.length > 3 ? ` (and ${e.issues.length - 3} more)` : ""
    return e.operation === "encode"
      ? `The data does not match the session schema (${where}${more}). Fix the value before saving it.`
      : `The sealed data no longer matches the session schema (${where}${more}). It was probably written by an older version of the app; give the schema a default or a migration, or let the session start empty.`
  },
  CookieTooLargeError: (e) => {
    if (e.overhead !== undefined) {
      return `The cookie name and options of "${e.cookieName}" alone take ${e.overhead} bytes, which leaves no room for session data. Use a shorter cookie name.`
    }
    if (e.chunks !== undefined) {
      return `The session cookie "${e.cookieName}" needs ${e.chunks} chunks and the maximum is ${e.maxChunks}. The whole Cookie header is sent on every request and proxies commonly cap it at 8 KB. Store an id in the session and keep the data in your database.`
    }
    if (e.alreadyChunked === true) {
      return `The session cookie "${e.cookieName}" is ${e.size} bytes and chunking is not on here, but the session is already stored in chunks: more than one set of options is in use and only some turn chunking on. Use the same options everywhere.`
    }
    return `The session cookie "${e.cookieName}" is ${e.size} bytes, over the ${e.limit}-byte limit browsers enforce. Remove some data from the session, or turn chunking on to split it across several cookies.`
  },
  CookieNotWritableError: (e) => {
    const why = {
      "headers-sent":
        "the headers were sent already. Save the session before the response is written (before res.send() or res.end()).",
      "body-used":
        "the response body was used, so a Set-Cookie header would be dropped. Save the session before returning or streaming the response.",
      "read-only":
        "the response cannot take cookies here: a Next.js Server Component (save in a Server Action, a Route Handler or proxy), or a Response with immutable headers such as Response.redirect() (build the response with new Response(null, { status, headers }) instead).",
      rejected: `the runtime refused it${e.detail === undefined ? "" : ` (${e.detail})`}.`,
    }[e.reason]
    return `Cannot set cookie "${e.cookieName}": ${why}`
  },
  SessionDestroyedError: (e) =>
    `Cannot save the session "${e.cookieName}": it was destroyed in this request and data was written back into it. Destroying signs the user out; saving now would sign them back in. Start a fresh session in the next request instead.`,
  SessionExpiredError: (e) =>
    e.reason === "idle"
      ? `The session expired at ${e.expiredAt.toISOString()} after a time without activity. Ask the user to sign in again.`
      : `The session reached the end of its lifetime at ${e.expiredAt.toISOString()}. Ask the user to sign in again.`,
  SessionRevokedError: (e) =>
    e.reason === "session"
      ? "The session was revoked (signed out, or replaced at sign-in). Ask the user to sign in again."
      : "Every session of this user issued before a moment was revoked (signed out everywhere). Ask the user to sign in again.",
  RevocationUnavailableError: (e) =>
    `The revocation store (${e.store}) could not be reached: ${e.detail}. Sessions are refused until it is back (fail-closed); choose onUnavailable: "fail-open" to accept them meanwhile.`,
  SessionNotFreshError: (e) => {
    const when =
      e.signedInAt === undefined
        ? "there is no sign-in on record (no session, or one without a lifecycle: turn on rolling, revocation or track)"
        : `the user signed in at ${e.signedInAt.toISOString()}`
    return `This action needs a sign-in within the last ${Math.round(e.maxAgeMillis / 1000)} seconds, and ${when}. Ask for the password again before going on.`
  },
}

/** Every tag, for recognising the library's errors by `_tag`. */
export const TAGS: ReadonlySet<string> = new Set(Object.keys(messages))

/**
 * Some hosts assign `error.message` when they log an error (Next.js's
 * development server prefixes it). Against a getter alone that assignment
 * throws, and the host's error handling fails in turn; this replaces the
 * message of that one error, as it would on a plain `Error`.
 */
export const overrideMessage = (error: Error, value: string): void => {
  Object.defineProperty(error, "message", { value, writable: true, configurable: true, enumerable: false })
}

/** A plain error of the kernel: its tag, its fields, its message. */
export type KernelError<T extends Tag = Tag> = Error & { readonly _tag: T } & Fields[T]

const Plain = <T extends Tag>(tag: T) => {
  class PlainError extends Error {
    constructor(fields: Fields[T]) {
      super()
      Object.assign(this, fields)
    }
    override get message(): string {
      return messages[tag](this as unknown as Fields[T])
    }
    override set message(value: string) {
      overrideMessage(this, value)
    }
  }
  // On the prototype, so that copying an error's own fields copies its fields only.
  Object.defineProperty(PlainError.prototype, "_tag", { value: tag })
  Object.defineProperty(PlainError.prototype, "name", { value: tag, writable: true, configurable: true })
  return PlainError as unknown as new (
    fields: Fields[T],
  ) => KernelError<T>
}

export class PasswordTooShortError extends Plain("PasswordTooShortError") {}
export class InvalidPasswordError extends Plain("InvalidPasswordError") {}
export class InvalidOptionError extends Plain("InvalidOptionError") {}
export class MissingOptionError extends Plain("MissingOptionError") {}
export class SealExpiredError extends Plain("SealExpiredError") {}
export class BadSealError extends Plain("BadSealError") {}
export class UnserializableDataError extends Plain("UnserializableDataError") {}
export class CookieTooLargeError extends Plain("CookieTooLargeError") {}
export class CookieNotWritableError extends Plain("CookieNotWritableError") {}
export class SessionDestroyedError extends Plain("SessionDestroyedError") {}
export class SessionExpiredError extends Plain("SessionExpiredError") {}
export class SchemaMismatchError extends Plain("SchemaMismatchError") {}

/** The errors a password option can give. */
export type PasswordError = PasswordTooShortError | InvalidPasswordError
/** The errors an options object can give. */
export type OptionsError = PasswordError | InvalidOptionError | MissingOptionError

/** Whether `u` is an error of the library with one of these tags (of any copy, and of either face). */
export const isTagged =
  <E extends { readonly _tag: string }>(...tags: ReadonlyArray<E["_tag"]>) =>
  (u: unknown): u is E =>
    u instanceof Error && tags.includes((u as { readonly _tag?: unknown })._tag as E["_tag"])
