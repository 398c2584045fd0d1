/**
 * The example's HTML, as plain template strings.
 */
import type { Profile } from "./session.js"

const escapeHtml = (text: string) =>
  text.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c] ?? c)

const layout = (title: string, body: string) => `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${escapeHtml(title)} · effect-iron-session</title>
<style>
  body { font-family: system-ui, sans-serif; max-width: 36rem; margin: 3rem auto; padding: 0 1rem; line-height: 1.5; color: #1d2433 }
  nav a { margin-right: 1rem }
  form.inline { display: inline }
  button, input { font: inherit; padding: .3rem .7rem }
  .card { border: 1px solid #d0d7e2; border-radius: .5rem; padding: 1rem 1.25rem; margin: 1rem 0 }
  code { background: #f2f4f8; padding: .1rem .3rem; border-radius: .25rem; word-break: break-all }
</style>
</head>
<body>
<nav><a href="/">Home</a><a href="/profile">Profile</a><a href="/cookie">Cookie</a><a href="/legacy">Promise facade</a></nav>
<h1>${escapeHtml(title)}</h1>
${body}
</body>
</html>`

export const login = (notice?: string) =>
  layout(
    "Sign in",
    `${notice ? `<p id="notice">${escapeHtml(notice)}</p>` : ""}
<form method="post" action="/login" class="card">
  <label>Your name <input name="name" id="name" required maxlength="40" autofocus></label>
  <button type="submit" id="sign-in">Sign in</button>
</form>
<p>Any name works: there is no password store. The session lives in an encrypted, signed cookie.</p>`,
  )

export const profile = (user: Profile) =>
  layout(
    `Hello, ${user.name}`,
    `<div class="card">
  <p>Signed in at <time id="signed-in-at" datetime="${user.signedInAt.toISOString()}">${escapeHtml(user.signedInAt.toUTCString())}</time>
     <small>(a <code id="signed-in-type">${user.signedInAt.constructor.name}</code> read back from the cookie)</small></p>
  <p>Counter: <strong id="counter">${user.counter}</strong></p>
  <form method="post" action="/counter" class="inline"><button id="increment" type="submit">Add one</button></form>
  <form method="post" action="/logout" class="inline"><button id="sign-out" type="submit">Sign out</button></form>
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
</div>`,
  )

export const noCookie = () =>
  layout("Your session cookie", `<p id="no-cookie">No session cookie yet. <a href="/">Sign in</a> first.</p>`)

export const legacy = (details: {
  readonly name: string | undefined
  readonly signedInAt: unknown
  readonly views: number
}) =>
  layout(
    "The promise facade",
    `<div class="card">
  <p>This page is an ordinary <code>getIronSession(req, res, options)</code> route, the iron-session 9 API, reading the same cookie the Effect routes write.</p>
  <p id="legacy-user">${details.name === undefined ? "Nobody is signed in." : `Signed in as <strong>${escapeHtml(details.name)}</strong>; <code>signedInAt</code> here is the raw <code>${typeof details.signedInAt}</code> ${escapeHtml(String(details.signedInAt))}.`}</p>
  <p>You have opened this page <strong id="legacy-views">${details.views}</strong> time(s), counted in its own cookie.</p>
</div>`,
  )
