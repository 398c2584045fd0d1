/**
 * The kernel's errors as the plain `Error`s iron-session 9 throws, with its
 * key phrases, so code and tests written against iron-session keep working.
 * The kernel's error is the thrown `Error`'s `cause`; anything else (a custom
 * jar's own error, a throwing `onUnsealError`) is thrown as it was thrown.
 *
 * @internal
 */
import type * as Errors from "../internal/kernel/errors.js"
import { formatPath, TAGS } from "../internal/kernel/errors.js"

type Known =
  | Errors.PasswordTooShortError
  | Errors.InvalidPasswordError
  | Errors.InvalidOptionError
  | Errors.MissingOptionError
  | Errors.UnserializableDataError
  | Errors.CookieTooLargeError
  | Errors.CookieNotWritableError
  | Errors.SessionDestroyedError
  | Errors.SealExpiredError
  | Errors.BadSealError
  | Errors.SchemaMismatchError

const badUsage = "iron-session: Bad usage."

/** What the JSON walk finds that is a value, not an object: iron-session names these a level deeper than objects. */
const PRIMITIVE = /^(NaN|Infinity|-Infinity|bigint|function|symbol)$/
/** What iron-session never names at all: the facade names it wherever it is. */
const ONLY_OURS =
  /^(undefined|circular reference|symbol key|non-enumerable property|value nested deeper than \d+ levels)$/

/**
 * iron-session's walk looks into objects down to five levels below `session`:
 * it names an object (a `Date`, a `Map`, a class instance) at most five keys
 * deep and a bigint, function, symbol or non-finite number at most six. Deeper,
 * its message has no parenthesis, and code matches the message with
 * `/not JSON serializable\. Store plain JSON values/`, so the facade names no
 * more there. (What iron-session never names, a cycle, say, is named at any depth.)
 */
const DEEPEST_NAMED = { object: 5, primitive: 6 }

/**
 * Where and what, in iron-session 9's own words (` (session.u is a User)`,
 * with "a" whatever the name, since code matches on it, and
 * ` (session.x is NaN)`), or nothing where iron-session says nothing.
 */
const describe = (error: Errors.UnserializableDataError): string => {
  const bare = /^(NaN|Infinity|-Infinity|undefined)$/.test(error.found)
  if (!ONLY_OURS.test(error.found)) {
    const deepest = PRIMITIVE.test(error.found) ? DEEPEST_NAMED.primitive : DEEPEST_NAMED.object
    if (error.path.length > deepest) return ""
  }
  return ` (${formatPath(error.path, "session")} is ${bare ? error.found : `a ${error.found}`})`
}

const messageOf = (error: Known): string => {
  switch (error._tag) {
    case "PasswordTooShortError":
      return `${badUsage} Password must be at least 32 characters long.`
    case "InvalidPasswordError":
      if (error.reason === "empty-map") {
        return `${badUsage} The password map is empty, it must be keyed by numbers, for example { 1: 'your-password' }.`
      }
      if (error.reason === "invalid-id") {
        return `${badUsage} Password ids must be integers, got ${JSON.stringify(error.passwordId)}. Use { 1: '...', 2: '...' }.`
      }
      return `${badUsage} Password must be at least 32 characters long.`
    case "MissingOptionError":
      return error.option === "cookieName" ? `${badUsage} Missing cookie name.` : `${badUsage} Missing password.`
    case "InvalidOptionError":
      return error.option === "cookieOptions.expires"
        ? `${badUsage} cookieOptions.expires ${error.reason}`
        : `${badUsage} ${error.option}: ${error.reason}`
    case "UnserializableDataError":
      return `iron-session: The session data is not JSON serializable${describe(error)}. Store plain JSON values only: a Date must be stored as a timestamp (Date.now()) or an ISO string, and Map/Set/BigInt/functions are not supported.`
    case "CookieTooLargeError":
      if (error.overhead !== undefined) {
        return `iron-session: The cookie name and options alone take ${error.overhead} bytes, which leaves no room for session data. Use a shorter cookie name.`
      }
      if (error.chunks !== undefined) {
        return `iron-session: The session needs ${error.chunks} cookies and the maximum is ${error.maxChunks}. Even at ${error.maxChunks} the whole Cookie header is sent on every request and proxies commonly cap it at 8 KB, so raising this would fail at your CDN instead. Store an id in the session and keep the data in your database.`
      }
      return error.alreadyChunked === true
        ? `iron-session: Cookie length is too big (${error.size} bytes) and \`chunk\` is not enabled here, but this session is already stored across several cookies. You have more than one options object and only some of them set \`chunk: true\`. Use the same options everywhere you call getIronSession, including middleware.`
        : `iron-session: Cookie length is too big (${error.size} bytes), browsers will refuse it. Remove some data from the session, or set \`chunk: true\` to split it across several cookies.`
    case "CookieNotWritableError":
      if (error.reason === "headers-sent") {
        return "iron-session: Cannot set session cookie: session.save() was called after headers were sent. Make sure to call it before any res.send() or res.end()"
      }
      if (error.reason === "rejected") return `iron-session: ${error.message}`
      if (error.reason === "body-used") {
        return "iron-session: Cannot set session cookie: the response body has already been consumed, so the Set-Cookie header would be dropped. Call session.save() before returning or streaming the response."
      }
      return "iron-session: Cannot set session cookie: the response's headers are immutable (a Response.redirect() or a fetched Response). Build the response with new Response(null, { status, headers }) and pass that to getIronSession."
    case "SessionDestroyedError":
      return "iron-session: Cannot save a destroyed session that has data written back into it. session.destroy() signs the user out, and saving these fields would restore the cookie you just cleared, leaving the user signed in. Get a fresh session if you need to write one."
    default:
      return `iron-session: ${String(error)}`
  }
}

/** The plain `Error` for a typed failure, with the tagged error as its `cause`. */
export const toError = (error: Known): Error => new Error(messageOf(error), { cause: error })

/**
 * What to throw for something the library threw: its tagged errors as
 * iron-session's `Error`s, anything else (a custom jar's own error, a throwing
 * `onUnsealError`) as it was.
 */
export const rethrow = (error: unknown): never => {
  throw error instanceof Error && TAGS.has((error as { _tag?: string })._tag ?? "") ? toError(error as Known) : error
}
