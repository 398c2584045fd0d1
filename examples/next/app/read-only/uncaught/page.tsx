import { getIronSession } from "effect-iron-session/promise"
import { cookies } from "next/headers"
import { type SessionData, sessionOptions } from "../../../lib/session"

/** The mistake as it is usually made: `save()` in a Server Component, uncaught. */
export default async function Uncaught() {
  const session = await getIronSession<SessionData>(await cookies(), sessionOptions())
  session.lastSeen = Date.now()
  await session.save()
  return <h1>Saved (this never renders)</h1>
}
