"use server"

/**
 * A Server Action written with the Effect API: the typed session of
 * `lib/effect.ts` through `await cookies()` (writable in an action), then a
 * redirect. `redirect()` throws Next's own signal; inside `Effect.sync` it
 * reaches Next untouched. A failure this action does not handle (a cookie
 * that cannot be written, …) is thrown as the error itself, for the error
 * boundary, its stack pointing here.
 */
import { Effect, Option } from "effect"
import * as Next from "effect-iron-session/Next"
import { redirect } from "next/navigation"
import { AppRuntime, NotSignedIn, UserSession } from "../lib/effect"

export const addOne = Next.action(AppRuntime, (_formData: FormData) =>
  Effect.gen(function* () {
    const session = Option.getOrUndefined(yield* UserSession.get)
    if (session?.username === undefined) return yield* new NotSignedIn()
    yield* UserSession.set({ ...session, counter: (session.counter ?? 0) + 1 })
    return "/"
  }).pipe(
    // Signed out meanwhile (in another tab): the home page shows the sign-in form.
    Effect.catchTag("NotSignedIn", () => Effect.succeed("/")),
    Effect.flatMap((to) => Effect.sync(() => redirect(to))),
  ),
)
