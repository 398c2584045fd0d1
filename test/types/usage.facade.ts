import {
  type CookieJar,
  type CookieStore,
  getIronSession,
  type IronSession,
  nextProxyCookies,
  nodeCookies,
  type SessionOptions,
  sealData,
  type UnsealErrorReason,
  unsealData,
  webCookies,
} from "effect-iron-session/promise"

// Code written for iron-session 9, as an application would write it. It is
// only typechecked, never run: test/types.test.ts keeps a copy of this file
// that imports "effect-iron-session/promise" instead, and `tsc` must accept
// both. Keep the two files identical apart from the import above.

import { createServer, type IncomingMessage, type ServerResponse } from "node:http"
import express, { type Request as ExpressRequest, type Response as ExpressResponse, type NextFunction } from "express"
import { type Context, Hono, type MiddlewareHandler } from "hono"
import type {
  GetServerSideProps,
  GetServerSidePropsContext,
  NextApiHandler,
  NextApiRequest,
  NextApiResponse,
} from "next"
import { cookies } from "next/headers.js"
import { redirect } from "next/navigation.js"
import { type NextRequest, NextResponse } from "next/server.js"

// ---------------------------------------------------------------------------
// Session data and options
// ---------------------------------------------------------------------------

export interface User {
  id: number
  name: string
  roles: string[]
}

export interface SessionData {
  user: User
  isLoggedIn: boolean
  cart?: { sku: string; quantity: number }[]
  lastSeen: number
}

export const defaultSession: SessionData = {
  user: { id: 0, name: "", roles: [] },
  isLoggedIn: false,
  lastSeen: 0,
}

export const sessionOptions: SessionOptions = {
  password: process.env.SECRET_COOKIE_PASSWORD as string,
  cookieName: "myapp_session",
  cookieOptions: {
    secure: process.env.NODE_ENV === "production",
  },
}

/** Password rotation: the highest id seals, every id unseals. */
export const rotatingOptions: SessionOptions = {
  cookieName: "myapp_session",
  password: {
    1: "an-old-password-of-at-least-32-characters",
    2: "a-new-password-of-at-least-32-characters!",
  },
  ttl: 60 * 60 * 24 * 7,
  cookieOptions: {
    httpOnly: true,
    secure: true,
    sameSite: "lax",
    path: "/",
    domain: "example.com",
  },
}

/** A browser-session cookie: gone when the browser closes. */
export const browserSessionOptions: SessionOptions = {
  cookieName: "myapp_tmp",
  password: "a-password-of-at-least-32-characters-long",
  ttl: 0,
  cookieOptions: { maxAge: undefined },
}

/** A large session, split across several cookies. */
export const chunkedOptions = {
  cookieName: "myapp_big",
  password: { 1: "a-password-of-at-least-32-characters-long" },
  chunk: true,
  cookieOptions: { sameSite: "strict", priority: "high", partitioned: true, expires: new Date(Date.now() + 3600_000) },
} satisfies SessionOptions

export const passwordFromEnv = process.env.SESSION_PASSWORD ?? "a-password-of-at-least-32-characters-long"

export function describeRejection(reason: UnsealErrorReason): string {
  switch (reason) {
    case "expired":
      return "the session expired"
    case "invalid":
      return "the cookie was tampered with or is not a seal"
    case "unknown-password":
      return "the password map is missing the id that sealed this cookie"
    default: {
      const unreachable: never = reason
      return unreachable
    }
  }
}

export const loggedOptions: SessionOptions = {
  ...sessionOptions,
  onUnsealError: (reason: UnsealErrorReason, error) => {
    if (reason !== "expired") console.warn(describeRejection(reason), error instanceof Error ? error.message : error)
  },
}

/** Options built from a partial override, as apps do per environment. */
export function optionsFor(overrides: Partial<SessionOptions>): SessionOptions {
  return { ...sessionOptions, ...overrides }
}

// ---------------------------------------------------------------------------
// IronSession<T>
// ---------------------------------------------------------------------------

export type AppSession = IronSession<SessionData>

/** Reading optional fields: every field of the session may be absent. */
export function currentUserId(session: IronSession<SessionData>): number | undefined {
  return session.user?.id
}

export function isAdmin(session: AppSession): boolean {
  return session.isLoggedIn === true && (session.user?.roles.includes("admin") ?? false)
}

export async function logIn(session: IronSession<SessionData>, user: User): Promise<void> {
  session.user = user
  session.isLoggedIn = true
  session.lastSeen = Date.now()
  session.cart ??= []
  session.cart.push({ sku: "welcome-gift", quantity: 1 })
  await session.save()
}

export function logOut(session: IronSession<SessionData>): void {
  session.destroy()
}

export async function extendSession(session: AppSession): Promise<void> {
  session.updateConfig({ ...sessionOptions, ttl: 60 * 60 * 24 * 30 })
  session.updateConfig(browserSessionOptions)
  await session.save()
}

export async function clearCart(session: AppSession): Promise<void> {
  delete session.cart
  Object.assign(session, { lastSeen: Date.now() })
  await session.save()
}

/** A helper generic over any session shape. */
export async function touch<T extends { lastSeen: number }>(session: IronSession<T>): Promise<void> {
  session.lastSeen = Date.now() as T["lastSeen"]
  await session.save()
}

export function snapshot(session: IronSession<SessionData>): Partial<SessionData> {
  const { save, destroy, updateConfig, ...data } = session
  void [save, destroy, updateConfig]
  return { ...data, user: session.user ?? defaultSession.user }
}

export function toJson(session: AppSession): string {
  return JSON.stringify({ ...defaultSession, ...session })
}

/** The session type, recovered from the function. */
export type InferredSession = Awaited<ReturnType<typeof getIronSession<SessionData>>>

export function useInferred(session: InferredSession): AppSession {
  return session
}

// ---------------------------------------------------------------------------
// CookieStore as a parameter type
// ---------------------------------------------------------------------------

export function getSession(store: CookieStore): Promise<IronSession<SessionData>> {
  return getIronSession<SessionData>(store, sessionOptions)
}

export async function getSessionFromNext(): Promise<IronSession<SessionData>> {
  return getSession(await cookies())
}

/** A hand-written store of the same shape as `await cookies()`. */
export function memoryCookieStore(initial: Record<string, string> = {}): CookieStore {
  const values = new Map(Object.entries(initial))
  return {
    get: (name) => {
      const value = values.get(name)
      return value === undefined ? undefined : { name, value }
    },
    getAll: () => [...values].map(([name, value]) => ({ name, value })),
    set: (name, value, cookie) => {
      if (cookie.maxAge === 0 || (cookie.expires !== undefined && new Date(cookie.expires).getTime() <= Date.now())) {
        values.delete(name)
      } else {
        values.set(name, value)
      }
      return cookie.httpOnly
    },
  }
}

/** A store without `getAll`: chunks are then probed by name. */
export const minimalStore: CookieStore = {
  get: () => undefined,
  set: () => undefined,
}

// ---------------------------------------------------------------------------
// A custom CookieJar
// ---------------------------------------------------------------------------

export type JarCookieOptions = Parameters<CookieJar["write"]>[2]

export function serializeCookie(name: string, value: string, options: JarCookieOptions): string {
  const parts = [`${name}=${encodeURIComponent(value)}`]
  if (options.maxAge !== undefined) parts.push(`Max-Age=${Math.floor(options.maxAge)}`)
  if (options.expires) parts.push(`Expires=${options.expires.toUTCString()}`)
  if (options.domain) parts.push(`Domain=${options.domain}`)
  if (options.path) parts.push(`Path=${options.path}`)
  if (options.httpOnly) parts.push("HttpOnly")
  if (options.secure) parts.push("Secure")
  if (options.partitioned) parts.push("Partitioned")
  if (options.priority) parts.push(`Priority=${options.priority}`)
  if (options.sameSite === true) parts.push("SameSite=Strict")
  else if (typeof options.sameSite === "string") parts.push(`SameSite=${options.sameSite}`)
  return parts.join("; ")
}

/** A jar over a cookie map and a list of `Set-Cookie` headers, as a class. */
export class MemoryCookieJar implements CookieJar {
  readonly setCookies: string[] = []
  private sent = false

  constructor(private readonly cookies: Map<string, string>) {}

  read(name: string): string | undefined {
    return this.cookies.get(name)
  }

  write(name: string, value: string, options: JarCookieOptions): void {
    this.setCookies.push(serializeCookie(name, value, options))
  }

  names(): string[] {
    return [...this.cookies.keys()]
  }

  assertWritable(): void {
    if (this.sent) throw new Error("Cookies were already sent")
  }

  markSent(): void {
    this.sent = true
  }
}

/** The smallest jar: an object literal with only `read` and `write`. */
export function headerJar(cookieHeader: string, out: Headers): CookieJar {
  const cookies = new Map(
    cookieHeader
      .split(";")
      .map((pair) => pair.trim().split("=") as [string, string])
      .filter(([name]) => name !== ""),
  )
  return {
    read: (name) => cookies.get(name),
    write: (name, value, options) => out.append("set-cookie", serializeCookie(name, value, options)),
  }
}

export async function sessionFromCustomJar(cookieHeader: string): Promise<[AppSession, string[]]> {
  const jar = new MemoryCookieJar(new Map([["myapp_session", cookieHeader]]))
  const session = await getIronSession<SessionData>(jar, sessionOptions)
  session.lastSeen = Date.now()
  await session.save()
  jar.markSent()
  const headers = new Headers()
  await getIronSession<SessionData>(headerJar(cookieHeader, headers), chunkedOptions)
  return [session, jar.setCookies]
}

/** Wrapping a jar the library made, to log every write. */
export function loggingJar(jar: CookieJar): CookieJar {
  return {
    ...jar,
    write: (name, value, options) => {
      console.log("set-cookie", name, options.maxAge)
      jar.write(name, value, options)
    },
  }
}

// ---------------------------------------------------------------------------
// Next.js App Router: route handler and Server Action
// ---------------------------------------------------------------------------

export async function GET(): Promise<Response> {
  const session = await getIronSession<SessionData>(await cookies(), sessionOptions)
  if (session.isLoggedIn !== true) {
    return Response.json(defaultSession)
  }
  return Response.json({ user: session.user, isLoggedIn: session.isLoggedIn })
}

export async function POST(request: NextRequest): Promise<Response> {
  const session = await getIronSession<SessionData>(await cookies(), sessionOptions)
  const { name } = (await request.json()) as { name: string }
  session.user = { id: 1, name, roles: [] }
  session.isLoggedIn = true
  await session.save()
  return Response.json(session)
}

export async function DELETE(): Promise<Response> {
  const session = await getIronSession<SessionData>(await cookies(), sessionOptions)
  session.destroy()
  return new Response(null, { status: 204 })
}

export async function login(formData: FormData): Promise<void> {
  "use server"
  const session = await getIronSession<SessionData>(await cookies(), sessionOptions)
  const name = formData.get("username")
  session.user = { id: Number(formData.get("id") ?? 0), name: typeof name === "string" ? name : "", roles: [] }
  session.isLoggedIn = true
  await session.save()
  redirect("/dashboard")
}

export async function logout(): Promise<void> {
  "use server"
  const cookieStore = await cookies()
  const session = await getIronSession<SessionData>(cookieStore, sessionOptions)
  session.destroy()
  redirect("/")
}

/** A Server Component reading the session, with rotation options. */
export async function Page(): Promise<string> {
  const session = await getIronSession<SessionData>(await cookies(), loggedOptions)
  return session.user?.name ?? "guest"
}

// ---------------------------------------------------------------------------
// Next.js proxy (middleware.ts before Next 16)
// ---------------------------------------------------------------------------

export async function proxy(request: NextRequest): Promise<NextResponse> {
  const response = NextResponse.next()
  const session = await getIronSession<SessionData>(nextProxyCookies(request, response), sessionOptions)
  if (!session.isLoggedIn) {
    return NextResponse.redirect(new URL("/login", request.url))
  }
  session.lastSeen = Date.now()
  await session.save()
  return response
}

/** The iron-session 8 way in middleware still compiles: a Request and a Response. */
export async function middleware(request: NextRequest): Promise<NextResponse> {
  const response = NextResponse.next()
  const session = await getIronSession<SessionData>(request, response, sessionOptions)
  return session.isLoggedIn ? response : NextResponse.redirect(new URL("/login", request.url))
}

export const config = {
  matcher: ["/dashboard/:path*"],
}

// ---------------------------------------------------------------------------
// Next.js Pages Router: API route and getServerSideProps
// ---------------------------------------------------------------------------

export default async function handler(
  req: NextApiRequest,
  res: NextApiResponse<{ user?: User | undefined; isLoggedIn: boolean }>,
): Promise<void> {
  const session = await getIronSession<SessionData>(req, res, sessionOptions)
  if (req.method === "POST") {
    session.user = req.body as User
    session.isLoggedIn = true
    await session.save()
  }
  res.status(200).json({ user: session.user, isLoggedIn: session.isLoggedIn ?? false })
}

export const logoutRoute: NextApiHandler = async (req, res) => {
  const session = await getIronSession<SessionData>(req, res, sessionOptions)
  session.destroy()
  res.redirect(307, "/")
}

export const getServerSideProps: GetServerSideProps<{ user: User | null }> = async (
  context: GetServerSidePropsContext,
) => {
  const session = await getIronSession<SessionData>(context.req, context.res, sessionOptions)
  return { props: { user: session.user ?? null } }
}

// ---------------------------------------------------------------------------
// Express 5
// ---------------------------------------------------------------------------

export function createExpressApp(): express.Express {
  const app = express()
  app.use(express.json())

  app.get("/me", async (req, res) => {
    const session = await getIronSession<SessionData>(req, res, sessionOptions)
    res.json({ user: session.user ?? null })
  })

  app.post("/login", async (req: ExpressRequest, res: ExpressResponse) => {
    const session = await getIronSession<SessionData>(nodeCookies(req, res), rotatingOptions)
    session.user = req.body as User
    session.isLoggedIn = true
    await session.save()
    res.sendStatus(204)
  })

  app.post("/logout", async (req, res) => {
    const session = await getIronSession<SessionData>(nodeCookies(req, res), rotatingOptions)
    session.destroy()
    res.redirect("/")
  })

  return app
}

/** A middleware that puts the session on `res.locals`. */
export async function sessionMiddleware(req: ExpressRequest, res: ExpressResponse, next: NextFunction): Promise<void> {
  res.locals.session = await getIronSession<SessionData>(req, res, sessionOptions)
  next()
}

export function requireLogin(req: ExpressRequest, res: ExpressResponse, next: NextFunction): void {
  getIronSession<SessionData>(req, res, sessionOptions).then(
    (session) => (session.isLoggedIn ? next() : res.status(401).end()),
    next,
  )
}

// ---------------------------------------------------------------------------
// node:http
// ---------------------------------------------------------------------------

export async function handleNode(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const session = await getIronSession<{ visits: number }>(req, res, {
    cookieName: "visits",
    password: passwordFromEnv,
  })
  session.visits = (session.visits ?? 0) + 1
  await session.save()
  res.end(`Visit number ${session.visits}`)
}

/** A wrapper taking whatever getIronSession's request form takes, Node or web. */
export async function sessionFor(
  req: Parameters<typeof getIronSession>[0],
  res: Parameters<typeof getIronSession>[1],
): Promise<AppSession> {
  const session = await getIronSession<SessionData>(req, res, sessionOptions)
  console.log("session for", req.url, session.user?.id)
  return session
}

/** A jar factory with nodeCookies' own parameters. */
export function loggedNodeCookies(...args: Parameters<typeof nodeCookies>): CookieJar {
  const [req, res] = args
  console.log(req.method, req.url, res.statusCode)
  return nodeCookies(req, res)
}

export function startNodeServer(port: number): ReturnType<typeof createServer> {
  const server = createServer(async (req, res) => {
    const session = await getIronSession<SessionData>(nodeCookies(req, res), sessionOptions)
    if (req.url === "/logout") session.destroy()
    else await touch(session)
    res.writeHead(200, { "content-type": "text/plain" })
    res.end(session.user?.name ?? "anonymous")
  })
  return server.listen(port)
}

// ---------------------------------------------------------------------------
// Web Request/Response (Deno, Bun, Cloudflare Workers, ...)
// ---------------------------------------------------------------------------

export async function fetchHandler(request: Request): Promise<Response> {
  const response = new Response("ok")
  const session = await getIronSession<SessionData>(request, response, sessionOptions)
  session.lastSeen = Date.now()
  await session.save()
  return response
}

export async function fetchHandlerWithHeaders(request: Request): Promise<Response> {
  const headers = new Headers({ "content-type": "application/json" })
  const session = await getIronSession<SessionData>(webCookies(request, headers), sessionOptions)
  await touch(session)
  return new Response(JSON.stringify({ user: session.user ?? null }), { headers })
}

export async function fetchHandlerWithResponse(request: Request): Promise<Response> {
  const response = Response.json({ ok: true })
  const jar = webCookies(request, response)
  const session = await getIronSession<SessionData>(jar, chunkedOptions)
  session.cart = [{ sku: "a", quantity: 2 }]
  await session.save()
  return response
}

export const worker = {
  async fetch(request: Request): Promise<Response> {
    return fetchHandlerWithHeaders(request)
  },
}

// ---------------------------------------------------------------------------
// Hono
// ---------------------------------------------------------------------------

type HonoEnv = { Variables: { session: IronSession<SessionData> } }

export const honoSession: MiddlewareHandler<HonoEnv> = async (c, next) => {
  const headers = new Headers()
  c.set("session", await getIronSession<SessionData>(webCookies(c.req.raw, headers), sessionOptions))
  await next()
  for (const cookie of headers.getSetCookie()) c.header("set-cookie", cookie, { append: true })
}

export function createHonoApp(): Hono<HonoEnv> {
  const app = new Hono<HonoEnv>()
  app.use(honoSession)

  app.get("/me", (c) => {
    const session = c.get("session")
    return c.json({ name: session.user?.name ?? null })
  })

  app.post("/login", async (c) => {
    const session = c.get("session")
    session.user = await c.req.json<User>()
    session.isLoggedIn = true
    await session.save()
    return c.body(null, 204)
  })

  app.get("/raw", async (c: Context) => {
    const session = await getIronSession<SessionData>(c.req.raw, c.res, sessionOptions)
    await touch(session)
    return c.text(String(session.lastSeen))
  })

  return app
}

// ---------------------------------------------------------------------------
// sealData / unsealData
// ---------------------------------------------------------------------------

export async function createMagicLink(userId: number, origin: string): Promise<string> {
  const seal = await sealData({ userId }, { password: passwordFromEnv, ttl: 15 * 60 })
  return `${origin}/magic-login?seal=${encodeURIComponent(seal)}`
}

export async function verifyMagicLink(seal: string): Promise<number | undefined> {
  const { userId } = await unsealData<{ userId?: number }>(seal, {
    password: passwordFromEnv,
    ttl: 15 * 60,
    onUnsealError: (reason: UnsealErrorReason, error) => {
      console.warn(`magic link rejected: ${describeRejection(reason)}`, error)
    },
  })
  return userId
}

export async function rotateSeal(seal: string): Promise<string> {
  const passwords = { 1: "an-old-password-of-at-least-32-characters", 2: passwordFromEnv }
  const data = await unsealData<Record<string, unknown>>(seal, { password: passwords })
  return sealData(data, { password: passwords })
}

export const sealed: Promise<string> = sealData("a plain string", { password: passwordFromEnv, ttl: 0 })

export async function unsealUnknown(seal: string): Promise<unknown> {
  const rejections: UnsealErrorReason[] = []
  const data = await unsealData<unknown>(seal, {
    password: { 2: passwordFromEnv },
    onUnsealError: (reason) => rejections.push(reason),
  })
  return rejections.length > 0 ? null : data
}

/** Passing the functions around as values. */
export const sealer: { seal: typeof sealData; unseal: typeof unsealData } = { seal: sealData, unseal: unsealData }
export const sessionGetter: typeof getIronSession = getIronSession
export const adapters = [nodeCookies, webCookies, nextProxyCookies] as const
