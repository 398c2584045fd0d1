/**
 * What every section shares: one payload, one password, one ttl, one cookie,
 * the same options for every library. No imports, so a server child that loads
 * this loads nothing else with it.
 */

/** A typical session: 106 bytes of JSON. */
export const PAYLOAD = {
  user: { id: 42, name: "Ada Lovelace", roles: ["admin", "editor"] },
  visits: 17,
  signedInAt: 1700000000000,
}
export type Data = typeof PAYLOAD

/** 40 characters, above iron's 32-character minimum. */
export const PASSWORD = "benchmark-password-of-40-characters-long"

/** iron-session's default ttl, 14 days. */
export const TTL_SECONDS = 14 * 24 * 60 * 60
export const TTL_MS = TTL_SECONDS * 1000

export const COOKIE_NAME = "bench"

/** The session options given to the facade and to iron-session: one module-level object, as apps have it. */
export const SESSION_OPTIONS = { cookieName: COOKIE_NAME, password: PASSWORD }

/** A request's Cookie header: the session next to an unrelated cookie, as browsers send it. */
export const cookieHeader = (seal: string): string => `theme=dark; ${COOKIE_NAME}=${seal}; lang=en`

export const REQUEST_URL = "http://127.0.0.1/"

/** A web request carrying a Cookie header, built per call as a server would. */
export const webRequest = (cookie: string): Request => new Request(REQUEST_URL, { headers: { cookie } })
