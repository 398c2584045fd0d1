import { getIronSession } from "effect-iron-session/promise"
import { cookies } from "next/headers"
import Link from "next/link"
import { type SessionData, sessionOptions } from "../lib/session"
import { signIn, signOut } from "./actions"
import { addOne } from "./effect-actions"

/** A Server Component: it reads the session, and only reads (see /read-only). */
export default async function Home({ searchParams }: { searchParams: Promise<Record<string, string | undefined>> }) {
  const { from, error } = await searchParams
  const session = await getIronSession<SessionData>(await cookies(), sessionOptions())

  if (session.username === undefined) {
    return (
      <>
        <h1>Sign in</h1>
        {from !== undefined && (
          <p id="redirected" className="muted">
            Sign in to see <code>{from}</code>.
          </p>
        )}
        <section>
          <form action={signIn}>
            <input type="hidden" name="from" value={from ?? "/"} />
            <label htmlFor="username">Name</label>
            <input id="username" name="username" type="text" autoComplete="username" maxLength={40} required />
            <button id="sign-in" type="submit">
              Sign in
            </button>
          </form>
          {error === "username" && <p className="error">Type a name of 1 to 40 characters.</p>}
          <p className="muted">Any name will do: a Server Action saves it in the session cookie.</p>
        </section>
      </>
    )
  }

  return (
    <>
      <h1 id="greeting">Signed in as {session.username}</h1>
      <section>
        <dl>
          <dt>Since</dt>
          <dd>
            <time id="signed-in-at" dateTime={new Date(session.signedInAt ?? 0).toISOString()}>
              {new Date(session.signedInAt ?? 0).toUTCString()}
            </time>
          </dd>
          <dt>Counter</dt>
          <dd id="counter">{session.counter ?? 0}</dd>
        </dl>
      </section>
      <section>
        <p>
          The <Link href="/dashboard">dashboard</Link> is guarded by <code>proxy.ts</code> and changes the counter
          through a Route Handler, a <code>pages/api</code> route and an edge route.
        </p>
        <form action={addOne}>
          <button id="add-effect-action" type="submit">
            +1 via a Server Action (Effect API)
          </button>
        </form>
        <form action={signOut}>
          <button id="sign-out" type="submit" className="secondary">
            Sign out
          </button>
        </form>
      </section>
    </>
  )
}
