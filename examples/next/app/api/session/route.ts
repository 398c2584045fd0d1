/**
 * A Route Handler on the Node.js runtime: the session through `await cookies()`,
 * which is writable here.
 */
import { getIronSession } from "effect-iron-session/promise"
import { cookies } from "next/headers"
import { type SessionData, sessionOptions } from "../../../lib/session"

const describe = (session: SessionData) => ({
  via: "route-handler",
  runtime: process.env.NEXT_RUNTIME,
  username: session.username ?? null,
  counter: session.counter ?? 0,
})

export async function GET() {
  const session = await getIronSession<SessionData>(await cookies(), sessionOptions())
  return Response.json(describe(session))
}

export async function POST() {
  const session = await getIronSession<SessionData>(await cookies(), sessionOptions())
  if (session.username === undefined) return Response.json({ error: "sign in first" }, { status: 401 })
  session.counter = (session.counter ?? 0) + 1
  await session.save()
  return Response.json(describe(session))
}
