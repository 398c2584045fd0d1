/**
 * The session, declared once and used everywhere: Server Components, Server
 * Actions, Route Handlers (Node and edge), `pages/api` and `proxy.ts`.
 *
 * This is iron-session 9's API; only the import names this library.
 */
import type { SessionOptions } from "effect-iron-session/promise"
import { sessionPassword } from "./password"

export interface SessionData {
  username?: string
  /** When the user signed in, as a timestamp: session data is JSON. */
  signedInAt?: number
  /** Added to by the Route Handler, the `pages/api` route and the edge route. */
  counter?: number
  /** Written by `proxy.ts` on every visit to `/dashboard`. */
  lastSeen?: number
}

export const cookieName = "next_example_session"

/**
 * The options for `getIronSession`. A function rather than a constant so that
 * the password is read when a request needs it, not when `next build` loads
 * the module.
 *
 * The cookie keeps iron-session's defaults (`HttpOnly; Secure; SameSite=Lax;
 * Path=/`). Browsers accept a `Secure` cookie over plain http from localhost
 * and 127.0.0.1, which they treat as secure origins, so `next dev` and a local
 * `next start` work without turning `Secure` off.
 */
export function sessionOptions(): SessionOptions {
  return {
    cookieName,
    password: sessionPassword(),
    ttl: 60 * 60 * 24 * 7,
  }
}
