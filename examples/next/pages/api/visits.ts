/**
 * A `pages/api` route: Node's `req` and `res`, as with Express.
 */
import { getIronSession } from "effect-iron-session/promise"
import type { NextApiRequest, NextApiResponse } from "next"
import { type SessionData, sessionOptions } from "../../lib/session"

export default async function visits(req: NextApiRequest, res: NextApiResponse) {
  const session = await getIronSession<SessionData>(req, res, sessionOptions())
  if (req.method === "POST") {
    if (session.username === undefined) return res.status(401).json({ error: "sign in first" })
    session.counter = (session.counter ?? 0) + 1
    // Before res.json(): a cookie cannot be set once the headers are sent.
    await session.save()
  } else if (req.method !== "GET") {
    res.setHeader("Allow", "GET, POST")
    return res.status(405).json({ error: "method not allowed" })
  }
  res.json({
    via: "pages-api",
    runtime: process.env.NEXT_RUNTIME ?? "nodejs",
    username: session.username ?? null,
    counter: session.counter ?? 0,
  })
}
