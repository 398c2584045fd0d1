import { getIronSession } from "effect-iron-session/promise"
import { cookies } from "next/headers"
import { redirect } from "next/navigation"
import { type SessionData, sessionOptions } from "../../lib/session"
import { signOut } from "../actions"
import { Counters } from "./counters"

/**
 * `proxy.ts` redirects signed-out visitors before this renders; the check here
 * stays, so the page is safe even where the proxy does not run. The proxy
 * also wrote `lastSeen`, and this render already sees it.
 */
export default async function Dashboard() {
  const session = await getIronSession<SessionData>(await cookies(), sessionOptions())
  if (session.username === undefined) redirect("/?from=/dashboard")

  return (
    <>
      <h1 id="dashboard-title">Dashboard of {session.username}</h1>
      <section>
        <dl>
          <dt>Last seen (set by proxy.ts)</dt>
          <dd>
            <time id="last-seen" dateTime={new Date(session.lastSeen ?? 0).toISOString()}>
              {new Date(session.lastSeen ?? 0).toUTCString()}
            </time>
          </dd>
          <dt>Counter</dt>
          <dd id="dashboard-counter">{session.counter ?? 0}</dd>
        </dl>
      </section>
      <Counters />
      <section>
        <form action={signOut}>
          <button id="dashboard-sign-out" type="submit" className="secondary">
            Sign out
          </button>
        </form>
      </section>
    </>
  )
}
