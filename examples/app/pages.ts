/**
 * The example's HTML, as plain template strings. Nothing from a cookie is
 * ever shown here but what the session decoded: a rejected cookie is
 * explained by its reason, never by its contents.
 */
import { Duration, Option } from "effect"
import type { Session } from "effect-iron-session"
import type { Profile } from "./session.js"

const escapeHtml = (text: string) =>
  text.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c] ?? c)

/** "2 minutes", "1 hour", "3 seconds": a setting as a person would say it. */
export const humanDuration = (duration: Duration.Duration) => {
  const millis = Duration.toMillis(duration)
  const units: ReadonlyArray<readonly [string, number]> = [
    ["day", 86_400_000],
    ["hour", 3_600_000],
    ["minute", 60_000],
    ["second", 1000],
  ]
  for (const [unit, size] of units) {
    if (millis >= size && millis % size === 0) return `${millis / size} ${unit}${millis === size ? "" : "s"}`
  }
  return `${millis} ms`
}

/** "12:04:05 UTC", in a `<time>` a script or a test can read exactly. */
const time = (id: string, date: Date) =>
  `<time id="${id}" datetime="${date.toISOString()}">${date.toISOString().slice(11, 19)} UTC</time>`

/** "in 2 minutes", "5 seconds ago", rounded to whole seconds. */
const relative = (date: Date, now: number) => {
  const seconds = Math.round((date.getTime() - now) / 1000)
  const amount = humanDuration(Duration.seconds(Math.abs(seconds)))
  return seconds === 0 ? "now" : seconds > 0 ? `in ${amount}` : `${amount} ago`
}

const layout = (title: string, body: string, flash: Option.Option<string> = Option.none()) => `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${escapeHtml(title)} · effect-iron-session</title>
<style>
  body { font-family: system-ui, sans-serif; max-width: 38rem; margin: 3rem auto; padding: 0 1rem; line-height: 1.5; color: #1d2433 }
  nav a { margin-right: 1rem }
  form.inline { display: inline }
  button, input { font: inherit; padding: .3rem .7rem }
  .card { border: 1px solid #d0d7e2; border-radius: .5rem; padding: 1rem 1.25rem; margin: 1rem 0 }
  .flash { background: #e7f6ec; border: 1px solid #9fd4b0; border-radius: .5rem; padding: .6rem 1rem }
  .reason { background: #fff4e0; border: 1px solid #f0c77a; border-radius: .5rem; padding: .6rem 1rem }
  .danger { border-color: #e5a3a3 }
  .danger button { color: #8c1d1d }
  .muted { color: #5b6475; font-size: .9rem }
  code { background: #f2f4f8; padding: .1rem .3rem; border-radius: .25rem; word-break: break-all }
</style>
</head>
<body>
<nav><a href="/">Home</a><a href="/profile">Profile</a><a href="/cookie">Cookie</a><a href="/legacy">Promise facade</a></nav>
${Option.match(flash, { onNone: () => "", onSome: (text) => `<p id="flash" class="flash" role="status">${escapeHtml(text)}</p>` })}
<h1>${escapeHtml(title)}</h1>
${body}
</body>
</html>`

/** The session settings the pages explain. */
export interface Timing {
  readonly idle: Duration.Duration
  readonly absolute: Duration.Duration
  readonly refresh: Duration.Duration
  readonly fresh: Duration.Duration
}

/**
 * Why a cookie was not used, for the person holding it: a short code (for
 * the page's `data-reason`, and tests) and a sentence. The error's fields are
 * the session's own (its reason, its deadlines), never the cookie's text.
 */
export const explain = (error: Session.InvalidCookieError, timing: Timing): { code: string; text: string } => {
  switch (error._tag) {
    case "SessionExpiredError":
      return error.reason === "idle"
        ? {
            code: "idle",
            text: `Your session expired: nothing happened for ${humanDuration(timing.idle)}, so it ended at ${error.expiredAt.toISOString().slice(11, 19)} UTC. Please sign in again.`,
          }
        : {
            code: "absolute",
            text: `Your session expired: it reached its ${humanDuration(timing.absolute)} limit since you signed in. Please sign in again.`,
          }
    case "SealExpiredError":
      return { code: "expired", text: "Your session expired. Please sign in again." }
    case "BadSealError":
      return error.reason === "integrity" || error.reason === "malformed"
        ? { code: "changed", text: "Your cookie was changed, so it could not be trusted and was not used." }
        : {
            code: "unreadable",
            text: "Your cookie could not be read here (sealed with another password, or by something else).",
          }
    case "SchemaMismatchError":
      return {
        code: "outdated",
        text: "Your session was saved by an earlier version of this app. Please sign in again.",
      }
    case "SessionRevokedError":
      return error.reason === "subject"
        ? { code: "signed-out-everywhere", text: "You were signed out everywhere, from another browser." }
        : { code: "signed-out", text: "This session was signed out: a copy of its cookie no longer works." }
    case "RevocationUnavailableError":
      return {
        code: "unavailable",
        text: "The session store is unavailable, so your session could not be checked. Try again in a moment.",
      }
  }
}

const signInForm = (name = "") => `<form method="post" action="/login" class="card">
  <label>Your name <input name="name" id="name" required maxlength="40" autofocus value="${escapeHtml(name)}"></label>
  <button type="submit" id="sign-in">Sign in</button>
</form>`

export const login = (options: {
  readonly error?: string | undefined
  readonly reason?: Option.Option<{ code: string; text: string }> | undefined
  readonly flash?: Option.Option<string> | undefined
}) =>
  layout(
    "Sign in",
    `${options.error ? `<p id="notice" class="reason">${escapeHtml(options.error)}</p>` : ""}
${Option.match(options.reason ?? Option.none(), {
  onNone: () => "",
  onSome: ({ code, text }) => `<p id="reason" class="reason" data-reason="${code}">${escapeHtml(text)}</p>`,
})}
${signInForm()}
<p>Any name works: there is no password store. The session lives in an encrypted, signed cookie.</p>`,
    options.flash,
  )

export const profile = (details: {
  readonly user: Profile
  readonly signedInAt: Option.Option<Date>
  /** The seal's own expiration: the idle deadline, or the absolute one when that comes first. */
  readonly idleUntil: Option.Option<Date>
  readonly timing: Timing
  readonly store: "memory" | "redis"
  readonly now: number
  readonly flash: Option.Option<string>
}) => {
  const { user, timing, now } = details
  const signedIn = Option.match(details.signedInAt, {
    onNone: () => `<p>When you signed in is not on record (a cookie from before the session kept one).</p>`,
    onSome: (at) => {
      const endsAt = new Date(at.getTime() + Duration.toMillis(timing.absolute))
      return `<p>Signed in at ${time("signed-in-at", at)} (${relative(at, now)})
     <small class="muted">(a <code id="signed-in-type">${at.constructor.name}</code> from the session's record, <code>Auth.signedInAt</code>)</small>.</p>
  <p>However active you are, the session ends at ${time("ends-at", endsAt)}, ${humanDuration(timing.absolute)} after sign-in.</p>`
    },
  })
  const idle = Option.match(details.idleUntil, {
    onNone: () => "",
    onSome: (until) =>
      `<p>If you do nothing, it ends at ${time("idle-until", until)} (${relative(until, now)}): after ${humanDuration(timing.idle)} without activity.
     A page opened more than ${humanDuration(timing.refresh)} after the last write seals it again, so you stay signed in while you use the app.</p>`,
  })
  return layout(
    `Hello, ${user.name}`,
    `<div class="card">
  ${signedIn}
  ${idle}
  <p class="muted">Revocations are kept in <strong id="revocation-store">${details.store === "redis" ? "Redis" : "memory"}</strong>${details.store === "redis" ? ", shared by every instance of the app" : ", in this process"}.</p>
</div>
<div class="card">
  <p>Counter: <strong id="counter">${user.counter}</strong></p>
  <form method="post" action="/counter" class="inline"><button id="increment" type="submit">Add one</button></form>
</div>
<div class="card">
  <form method="post" action="/logout" class="inline"><button id="sign-out" type="submit">Sign out</button></form>
  <form method="post" action="/logout-everywhere" class="inline"><button id="sign-out-everywhere" type="submit">Sign out everywhere</button></form>
  <p class="muted">"Sign out" ends this session (a copy of its cookie stops working too); "Sign out everywhere" ends every session signed in as ${escapeHtml(user.name)}, in every browser.</p>
</div>
<div class="card danger">
  <form method="post" action="/delete-data"><button id="delete-data" type="submit">Delete my data</button></form>
  <p class="muted">Resets what this app keeps about you (the counter). A sensitive action: it needs a sign-in within the last ${humanDuration(timing.fresh)}.</p>
</div>`,
    details.flash,
  )
}

/** A sensitive action refused: the sign-in is older than it allows. */
export const signInAgain = (details: {
  readonly name: string
  readonly signedInAt: Date | undefined
  readonly fresh: Duration.Duration
  readonly now: number
}) =>
  layout(
    "Sign in again",
    `<p id="not-fresh" class="reason">Deleting your data needs a sign-in within the last ${humanDuration(details.fresh)}${
      details.signedInAt === undefined
        ? ", and there is none on record."
        : `; you signed in at ${time("signed-in-at", details.signedInAt)}, ${relative(details.signedInAt, details.now)}.`
    } Sign in again, then try once more.</p>
${signInForm(details.name)}
<p class="muted">A real app would ask for the password here. Signing in again gives the session a new id and sign-in time (<code>Auth.regenerate</code>).</p>`,
  )

/** "Sign out everywhere" could not reach the revocation store: nothing was revoked. */
export const storeUnavailable = () =>
  layout(
    "Not signed out",
    `<p id="store-unavailable" class="reason">The session store is unavailable, so no session was signed out. You are still signed in here; try again in a moment.</p>
<p><a href="/profile">Back to your profile</a></p>`,
  )

export const notFound = (path: string) =>
  layout(
    "Page not found",
    `<div class="card" id="not-found">
  <p>There is no page at <code>${escapeHtml(path)}</code>.</p>
  <p><a href="/">Go to the start page</a>.</p>
</div>`,
  )

export const cookie = (details: {
  readonly name: string
  readonly valueBytes: number
  readonly headerBytes: number
  readonly preview: string
  readonly chunks: number
}) =>
  layout(
    "Your session cookie",
    `<div class="card">
  <p>Cookie <code>${escapeHtml(details.name)}</code>: <strong id="cookie-bytes">${details.valueBytes}</strong> bytes of seal${details.chunks > 0 ? ` in ${details.chunks} chunks` : ""}.</p>
  <p>The whole <code>Cookie</code> header this browser sent: <span id="header-bytes">${details.headerBytes}</span> bytes (browsers cap one cookie at 4096).</p>
  <p>It starts <code id="seal-preview">${escapeHtml(details.preview)}</code>…</p>
  <p>Sealed inside, unreadable to the browser: your data (name, counter) and the session's record,
     a <code>~session</code> key beside the data with the session's random id, when you signed in and when it was last written.
     That record is what the idle and absolute timeouts, "sign out everywhere" and "Delete my data" go by.</p>
</div>`,
  )

export const noCookie = () =>
  layout("Your session cookie", `<p id="no-cookie">No session cookie yet. <a href="/">Sign in</a> first.</p>`)

export const legacy = (details: {
  readonly name: string | undefined
  readonly keys: ReadonlyArray<string>
  readonly views: number
}) =>
  layout(
    "The promise facade",
    `<div class="card">
  <p>This page is an ordinary <code>getIronSession(req, res, options)</code> route, the iron-session 9 API, reading the same cookie the Effect routes write.</p>
  <p id="legacy-user">${details.name === undefined ? "Nobody is signed in." : `Signed in as <strong>${escapeHtml(details.name)}</strong>.`}</p>
  <p>The session data it sees: <code id="legacy-keys">${escapeHtml(details.keys.join(", ") || "(none)")}</code>. The <code>~session</code> record sealed beside it is the Effect session's business and is not shown to facade code.</p>
  <p class="muted">The facade goes by the seal's own expiry, which a rolling session sets to its deadline (give or take the 60 seconds of clock skew iron allows). It does not consult the revocation store: a session signed out elsewhere still reads here until its seal expires. Revocation is a feature of the Effect sessions.</p>
  <p>You have opened this page <strong id="legacy-views">${details.views}</strong> time(s), counted in its own cookie.</p>
</div>`,
  )
