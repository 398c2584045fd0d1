/**
 * A Route Handler on the edge runtime, with web `Request` and `Response` as
 * iron-session takes them. There is no `node:crypto` here: sealing runs on
 * Web Crypto, and reads and writes the same cookie as the Node routes.
 */
import { getIronSession } from "effect-iron-session/promise"
import { type SessionData, sessionOptions } from "../../../lib/session"

export const runtime = "edge"

const describe = (session: SessionData) => ({
  via: "edge",
  runtime: process.env.NEXT_RUNTIME,
  username: session.username ?? null,
  counter: session.counter ?? 0,
})

export async function GET(request: Request) {
  // The session writes its Set-Cookie into this response's headers.
  const response = new Response()
  const session = await getIronSession<SessionData>(request, response, sessionOptions())
  return Response.json(describe(session), { headers: response.headers })
}

export async function POST(request: Request) {
  const response = new Response()
  const session = await getIronSession<SessionData>(request, response, sessionOptions())
  if (session.username === undefined) return Response.json({ error: "sign in first" }, { status: 401 })
  session.counter = (session.counter ?? 0) + 1
  await session.save()
  return Response.json(describe(session), { headers: response.headers })
}
