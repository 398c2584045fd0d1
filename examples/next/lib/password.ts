/**
 * The session password: `SESSION_PASSWORD`, 32 characters or more.
 *
 * In development (`next dev`) a fixed password stands in when it is unset, so
 * the example runs without setup. A production build never falls back: it
 * refuses to start (see `instrumentation.ts`) rather than sign sessions with a
 * password anyone can read in this file.
 */

/** Only for `next dev`: anyone who reads this file can forge its sessions. */
const DEVELOPMENT_PASSWORD = "development-only-password-do-not-use-in-production"

/** Next loads this module once per bundle (instrumentation, server, edge): warn once per process. */
const warned = Symbol.for("examples/next/development-password-warned")

export function sessionPassword(): string {
  const password = process.env.SESSION_PASSWORD
  if (password !== undefined && password !== "") {
    if (password.length < 32) throw new Error("SESSION_PASSWORD must be at least 32 characters long.")
    return password
  }
  // Next inlines NODE_ENV at build time: "production" in `next build` output.
  if (process.env.NODE_ENV === "production") {
    throw new Error(
      "SESSION_PASSWORD is not set. Set it to a random string of at least 32 characters " +
        "(openssl rand -base64 32) before starting the app.",
    )
  }
  const flags = globalThis as { [warned]?: true }
  if (flags[warned] === undefined) {
    flags[warned] = true
    console.warn("SESSION_PASSWORD is not set: using the development password from lib/password.ts.")
  }
  return DEVELOPMENT_PASSWORD
}
