/**
 * A Route Handler written with the Effect API: the typed session of
 * `lib/effect.ts`, read and written through `await cookies()`, which
 * `Next.route` provides as the `CookieStore`. It answers like
 * `app/api/session/route.ts`, and adds `signedInAt`, which the schema has
 * decoded to a `Date`.
 */
import { Effect, Option } from "effect"
import * as Next from "effect-iron-session/Next"
import { AppRuntime, NotSignedIn, type SessionValue, UserSession } from "../../../lib/effect"

const describe = (session: SessionValue) => ({
  via: "effect-route",
  runtime: process.env.NEXT_RUNTIME,
  username: session.username ?? null,
  counter: session.counter ?? 0,
  // `toISOString` is a Date's: the cookie holds a number.
  signedInAt: session.signedInAt?.toISOString() ?? null,
})

const current = Effect.map(
  UserSession.get,
  Option.getOrElse((): SessionValue => ({})),
)

export const GET = Next.route(AppRuntime, () => Effect.map(current, (session) => Response.json(describe(session))))

export const POST = Next.route(
  AppRuntime,
  () =>
    Effect.gen(function* () {
      const session = yield* current
      if (session.username === undefined) return yield* new NotSignedIn()
      const updated = { ...session, counter: (session.counter ?? 0) + 1 }
      yield* UserSession.set(updated)
      return Response.json(describe(updated))
    }),
  {
    // The app's own error; the library's (a cookie that cannot be written, …) keep their default answers.
    onError: (error) =>
      error._tag === "NotSignedIn" ? Response.json({ error: "sign in first" }, { status: 401 }) : undefined,
  },
)
