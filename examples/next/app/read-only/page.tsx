import { getIronSession } from "effect-iron-session/promise"
import { cookies } from "next/headers"
import Link from "next/link"
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
    </>
  )
}
