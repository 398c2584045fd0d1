import { Effect } from "effect"
import { CookieStore } from "effect-iron-session"
import * as Next from "effect-iron-session/Next"
import { getIronSession } from "effect-iron-session/promise"
import { cookies } from "next/headers"
import Link from "next/link"
import { AppRuntime, UserSession } from "../../lib/effect"
import { type SessionData, sessionOptions } from "../../lib/session"

/** What a thrown value looks like, without relying on its English message. */
const inspect = (error: unknown) => {
  if (!(error instanceof Error)) return { thrown: String(error) }
  const prototypes: Array<string> = []
  for (let p = Object.getPrototypeOf(error); p !== null; p = Object.getPrototypeOf(p)) {
    prototypes.push(p.constructor?.name ?? "?")
  }
  return {
    instanceofError: true,
    name: error.name,
    constructorName: error.constructor.name,
    prototypes,
    message: error.message,
    digest: (error as { digest?: unknown }).digest ?? null,
    // A method name, which minifying keeps: one of the signals the Effect API goes by.
    staticCallable: typeof (error.constructor as { callable?: unknown }).callable === "function",
    ownProperties: Object.getOwnPropertyNames(error),
    cause: error.cause === undefined ? null : String(error.cause),
  }
}

/**
 * A Server Component cannot set cookies: the response has started streaming
 * by the time it renders. Next's `cookies()` is read-only here and throws from
 * `set`, so `session.save()` rejects. Save in a Server Action, a Route Handler
 * or `proxy.ts` instead.
 */
export default async function ReadOnly() {
  const session = await getIronSession<SessionData>(await cookies(), sessionOptions())
  let thrown: unknown = null
  try {
    session.lastSeen = Date.now()
    await session.save()
  } catch (error) {
    thrown = error
  }

  // The Effect API: the same write is a typed CookieNotWritableError (read-only), whatever Next's build.
  const write = Effect.flip(UserSession.set({ lastSeen: Date.now() }))
  const refused = await Next.run(AppRuntime, write)
  // Through a cookies()-shaped wrapper, which hides what marks the store read-only, the write reaches
  // Next; its error is recognised all the same, although production builds minify its class.
  const store = await cookies()
  const wrapper = CookieStore.fromNextCookies({
    get: (name) => store.get(name),
    getAll: () => store.getAll(),
    set: (name, value, options) => store.set(name, value, options),
  })
  const thrownByNext = await Next.run(AppRuntime, Effect.provideService(write, CookieStore.CookieStore, wrapper))
  const effectApi = [refused, thrownByNext].map((error) => ({
    _tag: error._tag,
    reason: "reason" in error ? error.reason : null,
    cookieName: "cookieName" in error ? error.cookieName : null,
  }))

  return (
    <>
      <h1>Read-only cookies</h1>
      <section>
        <p>
          This page is a Server Component. It called <code>session.save()</code>, and Next.js refused:
        </p>
        <pre id="save-error">{thrown === null ? "(nothing was thrown)" : JSON.stringify(inspect(thrown), null, 2)}</pre>
        <p className="muted">
          Sessions are saved in Server Actions, Route Handlers, <code>pages/api</code> routes and <code>proxy.ts</code>.{" "}
          <Link href="/read-only/uncaught">Without the try/catch</Link>, the error reaches the nearest error boundary.
        </p>
      </section>
      <section>
        <h2>With the Effect API</h2>
        <p>
          <code>Next.run</code> gives the Effect the same read-only <code>cookies()</code>: the session reads, and a
          write fails with a typed error instead, first as the store is, then through a wrapper that lets the write
          reach Next:
        </p>
        <pre id="effect-save-error">{JSON.stringify(effectApi, null, 2)}</pre>
      </section>
    </>
  )
}
