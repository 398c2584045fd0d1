/**
 * The example web app: sign in with any name, a profile page that reads the
 * typed session, a counter, sign out, the raw cookie, and one route on the
 * promise facade. Served by `main.ts`; tested in a real browser by
 * `test/e2e/app.e2e.test.ts`.
 */
import { HttpRouter, HttpServerRequest, HttpServerResponse } from "@effect/platform"
import { NodeHttpServerRequest } from "@effect/platform-node"
import { Clock, Effect, Layer, Option, Redacted, Schema } from "effect"
import * as HttpSession from "effect-iron-session/HttpSession"
import { getIronSession } from "effect-iron-session/promise"
import * as Pages from "./pages.js"
import { Auth, cookieName, cookieSecure, Profile, sessionPassword, warnAboutDevelopmentPassword } from "./session.js"

const html = (body: string, status = 200) =>
  HttpServerResponse.text(body, { status, contentType: "text/html; charset=utf-8" })
const seeOther = (location: string) => HttpServerResponse.redirect(location, { status: 303 })

const LoginForm = Schema.Struct({ name: Schema.String })

const home = Effect.gen(function* () {
  return Option.isSome(yield* Auth.get) ? seeOther("/profile") : html(Pages.login())
})

const login = Effect.gen(function* () {
  const form = yield* HttpServerRequest.schemaBodyUrlParams(LoginForm)
  const signedInAt = new Date(yield* Clock.currentTimeMillis)
  const profile = Schema.decodeUnknownOption(Profile)({ name: form.name, signedInAt: signedInAt.getTime(), counter: 0 })
  if (Option.isNone(profile)) return html(Pages.login("Use a name of 1 to 40 characters."), 400)
  yield* Auth.set(profile.value)
  return seeOther("/profile")
})

const profile = Effect.gen(function* () {
  const user = yield* Auth.get
  return Option.match(user, { onNone: () => seeOther("/"), onSome: (u) => html(Pages.profile(u)) })
})

const counter = Effect.gen(function* () {
  const user = yield* Auth.get
  if (Option.isNone(user)) return seeOther("/")
  yield* Auth.set({ ...user.value, counter: user.value.counter + 1 })
  return seeOther("/profile")
})

const logout = Effect.gen(function* () {
  yield* Auth.destroy
  return seeOther("/")
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
 * cookie the Effect routes write (its data in encoded form: `signedInAt` is
 * the number the schema stores), and keeps a counter in its own cookie.
 */
const legacy = Effect.gen(function* () {
  const request = yield* HttpServerRequest.HttpServerRequest
  const req = NodeHttpServerRequest.toIncomingMessage(request)
  const res = NodeHttpServerRequest.toServerResponse(request)
  // The same password and Secure flag the Effect routes use, from the same Config.
  const password = Redacted.value(yield* sessionPassword)
  const secure = yield* cookieSecure
  const details = yield* Effect.promise(async () => {
    const auth = await getIronSession<{ name: string; signedInAt: number }>(req, res, {
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
    return { name: auth.name, signedInAt: auth.signedInAt, views: views.views }
  })
  return html(Pages.legacy(details))
})

export const router = HttpRouter.empty.pipe(
  HttpRouter.get("/", home),
  HttpRouter.post("/login", login),
  HttpRouter.get("/profile", profile),
  HttpRouter.post("/counter", counter),
  HttpRouter.post("/logout", logout),
  HttpRouter.get("/cookie", rawCookie),
  HttpRouter.get("/legacy", legacy),
)

/** The app: every handler gets the request's cookies through the session middleware. */
export const app = router.pipe(
  Effect.catchTags({
    RouteNotFound: () => Effect.succeed(html("<h1>Not found</h1>", 404)),
    ParseError: () => Effect.succeed(html(Pages.login("That form did not look right."), 400)),
  }),
  HttpSession.middleware,
)

/** What the app needs: the declared session (with its password check) and the start-up warning. */
export const AppLayer = Layer.merge(Auth.layer, warnAboutDevelopmentPassword)
