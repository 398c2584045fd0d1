/**
 * The example web app: sign in with any name; a profile page with the
 * rolling session's timing; a counter; sign out and sign out everywhere
 * (revocation); a sensitive action that needs a recent sign-in; a sign-in
 * page that says why a session ended; a flash after sign-out; the raw cookie;
 * and one route on the promise facade. Served by `main.ts`; tested in a real
 * browser by `test/e2e/app.e2e.test.ts`.
 */
import { HttpRouter, HttpServerRequest, HttpServerResponse } from "@effect/platform"
import { NodeHttpServerRequest } from "@effect/platform-node"
import { Clock, Effect, Layer, Option, Redacted, Schema } from "effect"
import { CookieStore } from "effect-iron-session"
import * as HttpSession from "effect-iron-session/HttpSession"
import { getIronSession } from "effect-iron-session/promise"
import * as Pages from "./pages.js"
import {
  Auth,
  checkPassword,
  cookieName,
  cookieSecure,
  Notice,
  Profile,
  RevocationLive,
  Settings,
  sessionPassword,
} from "./session.js"

const html = (body: string, status = 200) =>
  HttpServerResponse.text(body, { status, contentType: "text/html; charset=utf-8" })
const seeOther = (location: string) => HttpServerResponse.redirect(location, { status: 303 })

const LoginForm = Schema.Struct({ name: Schema.String })

/**
 * The sign-in page, saying why the last session ended when the browser sent
 * one that was not used. A cookie that ended for good (expired, changed,
 * revoked) is dropped once its reason is shown; one that could not be checked
 * because the revocation store is down is kept: it may well be valid.
 */
const home = Effect.gen(function* () {
  if (Option.isSome(yield* Auth.get)) return seeOther("/profile")
  const rejection = yield* Auth.rejection
  if (Option.isSome(rejection) && rejection.value._tag !== "RevocationUnavailableError") yield* Auth.destroy
  const settings = yield* Settings
  return html(
    Pages.login({
      reason: Option.map(rejection, (error) => Pages.explain(error, settings)),
      flash: yield* Notice.take,
    }),
  )
})

/**
 * Signs in: the data, then `regenerate`, which gives the session a new id and
 * sign-in time and revokes the old id, so that a cookie planted before sign-in
 * (session fixation) is worth nothing after it. Signing in again as the same
 * person keeps the counter, and makes the sign-in fresh.
 */
const login = Effect.gen(function* () {
  const form = yield* HttpServerRequest.schemaBodyUrlParams(LoginForm)
  const current = yield* Auth.get
  const profile = Schema.decodeUnknownOption(Profile)({
    name: form.name,
    counter: Option.match(current, { onNone: () => 0, onSome: (user) => user.counter }),
  })
  if (Option.isNone(profile)) return html(Pages.login({ error: "Use a name of 1 to 40 characters." }), 400)
  const same = Option.exists(current, (user) => user.name === profile.value.name)
  yield* Auth.set(same ? profile.value : { ...profile.value, counter: 0 })
  yield* Auth.regenerate
  return seeOther("/profile")
})

/**
 * The seal's expiration, its sixth field: in the clear, and covered by its
 * MAC. A rolling session seals with its deadline (the idle one, or the
 * absolute one when that comes first), so this is when the session ends if
 * nothing happens. Read after `Auth.get` accepted the seal, so it is
 * authentic, and through the CookieStore, so it is the seal this response
 * writes when the read just refreshed it.
 */
const sealExpiration = (seal: string): Option.Option<Date> => {
  const expiration = Number(seal.split("*")[5])
  return Number.isFinite(expiration) && expiration > 0 ? Option.some(new Date(expiration)) : Option.none()
}

const profile = Effect.gen(function* () {
  const user = yield* Auth.get
  if (Option.isNone(user)) return seeOther("/")
  const settings = yield* Settings
  const seal = yield* Effect.flatMap(CookieStore.CookieStore, (store) => store.get(cookieName))
  return html(
    Pages.profile({
      user: user.value,
      signedInAt: yield* Auth.signedInAt,
      idleUntil: Option.flatMap(seal, sealExpiration),
      timing: settings,
      store: settings.store,
      now: yield* Clock.currentTimeMillis,
      flash: yield* Notice.take,
    }),
  )
})

const counter = Effect.gen(function* () {
  const user = yield* Auth.get
  if (Option.isNone(user)) return seeOther("/")
  yield* Auth.set({ ...user.value, counter: user.value.counter + 1 })
  return seeOther("/profile")
})

/** Expires the cookie and revokes this session's id: a copy of the cookie taken earlier stops working too. */
const logout = Effect.gen(function* () {
  yield* Auth.destroy
  yield* Notice.set("You are signed out.")
  return seeOther("/")
})

/**
 * Revokes every session signed in as this name before now, in every browser,
 * and ends this one. When the revocation store is down nothing was revoked,
 * and the page says so rather than pretending.
 */
const logoutEverywhere = Effect.gen(function* () {
  const user = yield* Auth.get
  if (Option.isNone(user)) return seeOther("/")
  yield* Auth.signOutEverywhere
  yield* Notice.set(`Signed out everywhere: every browser signed in as ${user.value.name} has to sign in again.`)
  return seeOther("/")
}).pipe(Effect.catchTag("RevocationUnavailableError", () => Effect.succeed(html(Pages.storeUnavailable(), 503))))

/** A sensitive action: only with a sign-in within the last `SESSION_FRESH`. */
const deleteData = Effect.gen(function* () {
  const user = yield* Auth.get
  if (Option.isNone(user)) return seeOther("/")
  const settings = yield* Settings
  return yield* Auth.requireFresh(settings.fresh).pipe(
    Effect.zipRight(Auth.set({ ...user.value, counter: 0 })),
    Effect.zipRight(Notice.set("Your data was deleted: the counter is back to 0.")),
    Effect.as(seeOther("/profile")),
    Effect.catchTag("SessionNotFreshError", (error) =>
      Effect.map(Clock.currentTimeMillis, (now) =>
        html(
          Pages.signInAgain({ name: user.value.name, signedInAt: error.signedInAt, fresh: settings.fresh, now }),
          403,
        ),
      ),
    ),
  )
})

/** The seal as the browser sent it: one cookie, or chunks `name.0`, `name.1`, … */
const rawCookie = Effect.gen(function* () {
  const request = yield* HttpServerRequest.HttpServerRequest
  const header = request.headers.cookie ?? ""
  const whole = request.cookies[cookieName]
  const chunks: Array<string> = []
  for (let i = 0; request.cookies[`${cookieName}.${i}`] !== undefined; i++)
    chunks.push(request.cookies[`${cookieName}.${i}`] ?? "")
  const seal = whole ?? chunks.join("")
  if (seal === "") return html(Pages.noCookie())
  return html(
    Pages.cookie({
      name: cookieName,
      valueBytes: new TextEncoder().encode(seal).length,
      headerBytes: new TextEncoder().encode(header).length,
      preview: seal.slice(0, 48),
      chunks: whole === undefined ? chunks.length : 0,
    }),
  )
})

/**
 * The other door: the iron-session 9 API on the raw Node request and
 * response, as existing Express or Next.js code would have it. It reads the
 * cookie the Effect routes write, and sees the data only (the `~session`
 * record beside it is not part of it), and keeps a counter in its own cookie.
 */
const legacy = Effect.gen(function* () {
  const request = yield* HttpServerRequest.HttpServerRequest
  const req = NodeHttpServerRequest.toIncomingMessage(request)
  const res = NodeHttpServerRequest.toServerResponse(request)
  // The same password and Secure flag the Effect routes use, from the same Config.
  const password = Redacted.value(yield* sessionPassword)
  const secure = yield* cookieSecure
  const details = yield* Effect.promise(async () => {
    const auth = await getIronSession<{ name?: string; counter?: number }>(req, res, {
      cookieName,
      password,
      cookieOptions: { secure },
    })
    const views = await getIronSession<{ views: number }>(req, res, {
      cookieName: "example_legacy",
      password,
      cookieOptions: { secure },
    })
    views.views = (views.views ?? 0) + 1
    await views.save()
    return { name: auth.name, keys: Object.keys(auth), views: views.views }
  })
  return html(Pages.legacy(details))
})

export const router = HttpRouter.empty.pipe(
  HttpRouter.get("/", home),
  HttpRouter.post("/login", login),
  HttpRouter.get("/profile", profile),
  HttpRouter.post("/counter", counter),
  HttpRouter.post("/logout", logout),
  HttpRouter.post("/logout-everywhere", logoutEverywhere),
  HttpRouter.post("/delete-data", deleteData),
  HttpRouter.get("/cookie", rawCookie),
  HttpRouter.get("/legacy", legacy),
)

/** The app: every handler gets the request's cookies through the session middleware. */
export const app = router.pipe(
  Effect.catchTags({
    RouteNotFound: (error) =>
      Effect.succeed(html(Pages.notFound(new URL(error.request.url, "http://x").pathname), 404)),
    ParseError: () => Effect.succeed(html(Pages.login({ error: "That form did not look right." }), 400)),
  }),
  HttpSession.middleware,
)

/**
 * What the app needs, built in this order: the password check (which stops a
 * production app without `SESSION_PASSWORD` before anything else is said or
 * done), then the revocation store (Redis is connected to, or start-up fails),
 * then the sessions over it.
 */
export const AppLayer = Layer.mergeAll(Auth.layer, Notice.layer, Settings.layer).pipe(
  Layer.provide(RevocationLive),
  Layer.provide(checkPassword),
)
