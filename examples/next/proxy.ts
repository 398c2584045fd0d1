/**
 * Next.js proxy (`middleware.ts` before Next 16), in front of `/dashboard`:
 * a signed-out visitor is sent to sign in; a signed-in one gets `lastSeen`
 * updated and the cookie's lifetime renewed. The page checks the session
 * again: a proxy is a first gate, not the only one.
 *
 * `nextProxyCookies` writes to `response.cookies` (so the browser gets the
 * cookie) and to `request.cookies` (so the page rendered for this request
 * already reads the new value).
 */
import { getIronSession, nextProxyCookies } from "effect-iron-session/promise"
import { type NextRequest, NextResponse } from "next/server"
import { type SessionData, sessionOptions } from "./lib/session"

export async function proxy(request: NextRequest) {
  const response = NextResponse.next()
  const session = await getIronSession<SessionData>(nextProxyCookies(request, response), sessionOptions())

  if (session.username === undefined) {
    const signIn = new URL("/", request.url)
    signIn.searchParams.set("from", request.nextUrl.pathname)
    return NextResponse.redirect(signIn)
  }

  session.lastSeen = Date.now()
  await session.save()
  return response
}

export const config = {
  matcher: [
    {
      source: "/dashboard/:path*",
      // Not for <Link> prefetches. A prefetch is not a visit, and a renewed
      // cookie sent in answer to one can arrive after a newer cookie (after
      // sign-out, say) and put the old session back. Next hides these headers
      // from the proxy itself, so the matcher is the place to leave them out.
      missing: [
        { type: "header", key: "next-router-prefetch" },
        { type: "header", key: "purpose", value: "prefetch" },
      ],
    },
  ],
}
