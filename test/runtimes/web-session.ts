/**
 * Check (b), written once for both libraries: the conformance runs it on the
 * facade in each runtime, the vitest test on the real iron-session in Node,
 * and the two results must match.
 */
import { type CookieCase, cookiePair, pageUrl, type WebSessionResult } from "./protocol.js"

/** iron-session's options, as both libraries take them. */
export interface Options {
  cookieName: string
  password: string
  ttl?: number
  cookieOptions?: NonNullable<CookieCase["cookieOptions"]>
}

type SessionObject = Record<string, unknown> & { save: () => Promise<void>; destroy: () => void }

/** `getIronSession(request, response, options)` of either library. */
export type GetIronSession = (request: Request, response: Response, options: Options) => Promise<SessionObject>

export const optionsOf = (c: CookieCase, password: string): Options => ({
  cookieName: c.cookieName,
  password,
  ...(c.ttl === undefined ? {} : { ttl: c.ttl }),
  ...(c.cookieOptions === undefined ? {} : { cookieOptions: { ...c.cookieOptions } }),
})

/** A session's data as JSON, without its methods. */
export const snapshot = (session: object): unknown => JSON.parse(JSON.stringify(session))

/**
 * A first request without a cookie saves `data`; a second request sends that
 * cookie back (next to another one), reads the session, then destroys it.
 */
export const webSession = async (
  getIronSession: GetIronSession,
  c: CookieCase,
  password: string,
  data: object,
): Promise<WebSessionResult> => {
  const options = optionsOf(c, password)
  const first = new Response(null)
  const written = await getIronSession(new Request(pageUrl), first, options)
  Object.assign(written, data)
  await written.save()
  const saveSetCookie = first.headers.getSetCookie()

  const second = new Response(null)
  const cookie = `theme=dark; ${cookiePair(saveSetCookie[0])}`
  const read = await getIronSession(new Request(pageUrl, { headers: { cookie } }), second, options)
  const readBack = snapshot(read)
  const readSetCookie = second.headers.getSetCookie()
  read.destroy()
  return { name: c.name, saveSetCookie, readBack, readSetCookie, destroySetCookie: second.headers.getSetCookie() }
}
