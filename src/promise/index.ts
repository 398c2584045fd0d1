/**
 * A drop-in replacement for iron-session 9: the same functions, options,
 * cookie format and seal format, as plain Promises. Change one import:
 *
 * ```ts
 * // import { getIronSession } from "iron-session"
 * import { getIronSession } from "effect-iron-session/promise"
 * ```
 *
 * Underneath it is the Effect library (the Seal, CookieStore and Session
 * services) run through one `ManagedRuntime`, built once for the module. The
 * facade only translates: options in, plain `Error`s with iron-session's
 * phrases out.
 *
 * @since 0.1.0
 */
import type { SetCookie } from "cookie"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as ManagedRuntime from "effect/ManagedRuntime"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import * as Store from "../CookieStore.js"
import { CookieNotWritableError } from "../Errors.js"
import { DEFAULT_TTL } from "../internal/iron.js"
import * as internal from "../internal/session.js"
import * as Seal from "../Seal.js"
import type * as Session from "../Session.js"
import type { InvalidCookieError } from "../Session.js"
import { toError, unwrap } from "./errors.js"
import type { IncomingMessage, ServerResponse } from "./nodeTypes.js"

/**
 * A password, or passwords by id for rotation (`{ 1: old, 2: new }`: the
 * highest id seals, every id unseals).
 *
 * @since 0.1.0
 * @category models
 */
export type Password = Record<string, string> | string

/**
 * {@link https://wicg.github.io/cookie-store/#dictdef-cookielistitem CookieListItem}
 * as specified by W3C.
 *
 * @since 0.1.0
 * @category models
 */
export interface CookieListItem extends Pick<SetCookie, "domain" | "path" | "sameSite" | "secure"> {
  name: string
  value: string
  expires?: SetCookie["expires"] | number
}

/**
 * A response cookie, as Next.js's `cookies().set` takes it (`maxAge` in seconds).
 *
 * @since 0.1.0
 * @category models
 */
export type ResponseCookie = CookieListItem &
  Pick<SetCookie, "httpOnly" | "priority"> & {
    maxAge?: number | undefined
  }

/**
 * The shape of `await cookies()` from `next/headers`, so it can be passed directly.
 * `getAll` is optional: it is only used to find chunks.
 *
 * @since 0.1.0
 * @category models
 */
export interface CookieStore {
  get: (name: string) => { name: string; value: string } | undefined
  getAll?: () => { name: string; value: string }[]
  set: (name: string, value: string, cookie: Partial<ResponseCookie>) => unknown
}

/**
 * `Set-Cookie` attributes; `name` and `value` belong to the session. `maxAge`
 * is in seconds, and `maxAge: undefined` asks for a browser-session cookie.
 *
 * @since 0.1.0
 * @category models
 */
export type CookieOptions = Omit<SetCookie, "name" | "value" | "maxAge"> & {
  maxAge?: number | undefined
}

/**
 * Why an existing cookie could not be read. Every reason gives a fresh, empty session.
 *
 * @since 0.1.0
 * @category models
 */
export type UnsealErrorReason = "expired" | "invalid" | "unknown-password"

/**
 * iron-session 9's options.
 *
 * @since 0.1.0
 * @category models
 */
export interface SessionOptions {
  /** The cookie's name. */
  cookieName: string
  /** A password of at least 32 characters, or `{ 1: old, 2: new }` for rotation. */
  password: Password
  /** Seconds the session is valid; `0` for no expiry. Sets `Max-Age` to `ttl − 60`. @default 1209600 */
  ttl?: number
  /** Merged over `HttpOnly; Secure; SameSite=Lax; Path=/`. */
  cookieOptions?: CookieOptions
  /** Called when an existing cookie could not be read, before the session resets to `{}`. Must not throw. */
  onUnsealError?: (reason: UnsealErrorReason, error: unknown) => void
  /** Split a session over 4096 bytes into at most 4 cookies. @default false */
  chunk?: boolean
}

/**
 * A session object: your data (possibly absent, hence `Partial`), plus
 * `save`, `destroy` and `updateConfig`.
 *
 * @since 0.1.0
 * @category models
 */
export type IronSession<T> = Partial<T> & {
  /** Encrypts the session data and sets the cookie. */
  readonly save: () => Promise<void>
  /** Destroys the session data and removes the cookie. */
  readonly destroy: () => void
  /** Updates the session configuration; call `save()` to send the new cookie. */
  readonly updateConfig: (newSessionOptions: SessionOptions) => void
}

/**
 * What the session needs from a runtime: read a cookie, write a cookie. Every
 * adapter ({@link nodeCookies}, {@link webCookies}, {@link nextProxyCookies})
 * returns one; you can write your own.
 *
 * @since 0.1.0
 * @category models
 */
export interface CookieJar {
  read: (name: string) => string | undefined
  write: (name: string, value: string, options: CookieOptions) => void
  /** Names of the cookies present, when the runtime can list them. */
  names?: () => string[]
  /** Throws if a cookie can no longer be sent. */
  assertWritable?: () => void
}

/**
 * The parts of `NextRequest` cookies used by {@link nextProxyCookies}.
 *
 * @since 0.1.0
 * @category models
 */
export interface NextRequestCookies {
  get: (name: string) => { name: string; value: string } | undefined
  getAll?: () => { name: string; value: string }[]
  set: (name: string, value: string) => unknown
}

/**
 * The parts of `NextResponse` cookies used by {@link nextProxyCookies}.
 *
 * @since 0.1.0
 * @category models
 */
export interface NextResponseCookies {
  set: (name: string, value: string, options: Partial<ResponseCookie>) => unknown
}

/**
 * The one runtime of the facade, built on first use and kept for the module's
 * life: building it per call would cost a layer build per request.
 */
const runtime = ManagedRuntime.make(Seal.layer)

/** Per-request session state, shared by a session and its rebuilds after `updateConfig`. */
const states: internal.States = new WeakMap()

/** iron-session's default ttl, in its unit (seconds). */
const FOURTEEN_DAYS = Duration.toSeconds(DEFAULT_TTL)

/** iron-session reads a single password as the map `{ 1: password }`. */
const passwordMap = (password: Password): Seal.Password =>
  typeof password === "string" ? { 1: password } : (password as Seal.PasswordMap)

const ttlOf = (seconds: number): Duration.Duration => (seconds === 0 ? Duration.infinity : Duration.seconds(seconds))

const reasonOf = (error: Seal.UnsealError | InvalidCookieError): UnsealErrorReason =>
  error._tag === "SealExpiredError"
    ? "expired"
    : error._tag === "BadSealError" && error.reason === "unknown-password-id"
      ? "unknown-password"
      : "invalid"

/** iron-session's options as the Session service's. */
const sessionOptions = (options: SessionOptions): Session.Options<unknown, unknown> => {
  const cookieOptions = options.cookieOptions
  // `maxAge: undefined` asks for a browser-session cookie, and iron-session
  // then seals with no expiry at all: the browser decides when it ends.
  const browserSession = cookieOptions !== undefined && "maxAge" in cookieOptions && cookieOptions.maxAge === undefined
  const onUnsealError = options.onUnsealError
  return {
    schema: Schema.Unknown,
    cookieName: options.cookieName,
    password: options.password ? passwordMap(options.password) : (undefined as never),
    ttl: ttlOf(browserSession ? 0 : (options.ttl ?? FOURTEEN_DAYS)),
    cookieOptions,
    chunk: options.chunk,
    onRejected:
      onUnsealError === undefined ? undefined : ({ error }) => Effect.sync(() => onUnsealError(reasonOf(error), error)),
  }
}

const build = (options: SessionOptions) =>
  Effect.flatMap(Seal.Seal, (seal) => internal.make(sessionOptions(options), seal, states))

const isObject = (u: unknown): u is Record<string, unknown> => typeof u === "object" && u !== null

/** The jar behind one of our own adapters, so it is used directly. */
const jarOf = Symbol.for("effect-iron-session/promise/jar")

const toCookieJar = (jar: Store.Jar): CookieJar => {
  const cookieJar: CookieJar & { [jarOf]: Store.Jar } = {
    read: (name) => jar.read(name),
    names: () => [...jar.names()],
    assertWritable: () => {
      const reason = jar.notWritable?.()
      if (reason !== undefined) throw toError(new CookieNotWritableError({ cookieName: "", reason }))
    },
    write: (name, value, options) => {
      try {
        jar.write(Store.unsafeCookie(name, value, options))
      } catch (error) {
        if (error instanceof Store.NotWritable) {
          throw toError(new CookieNotWritableError({ cookieName: name, reason: error.reason }))
        }
        throw error
      }
    },
    [jarOf]: jar,
  }
  return cookieJar
}

/** A jar written for iron-session, used as it is: whatever it throws is thrown. */
const fromCookieJar = (cookieJar: CookieJar): Store.Jar =>
  (cookieJar as Partial<Record<typeof jarOf, Store.Jar>>)[jarOf] ?? {
    read: (name) => cookieJar.read(name),
    names: () => cookieJar.names?.() ?? [],
    notWritable: () => {
      cookieJar.assertWritable?.()
      return undefined
    },
    write: ({ name, value, options }) => cookieJar.write(name, value, options),
  }

/**
 * Node's `http` server, which is also Express, Connect and Next.js API routes.
 *
 * @example
 * ```ts
 * import express from "express"
 * import { getIronSession, nodeCookies } from "effect-iron-session/promise"
 *
 * express().get("/", async (req, res) => {
 *   const session = await getIronSession<{ n?: number }>(nodeCookies(req, res), {
 *     cookieName: "app",
 *     password: process.env.SESSION_PASSWORD!,
 *   })
 *   session.n = (session.n ?? 0) + 1
 *   await session.save()
 *   res.send(String(session.n))
 * })
 * ```
 *
 * @since 0.1.0
 * @category adapters
 */
export const nodeCookies = (req: IncomingMessage, res: ServerResponse): CookieJar =>
  toCookieJar(Store.nodeJar(req, res))

/**
 * Web-standard `Request` plus a `Response`, a bare `Headers`, or Next's `NextResponse`.
 *
 * @example
 * ```ts
 * import { getIronSession, webCookies } from "effect-iron-session/promise"
 *
 * export async function GET(request: Request) {
 *   const headers = new Headers()
 *   const session = await getIronSession(webCookies(request, headers), {
 *     cookieName: "app",
 *     password: process.env.SESSION_PASSWORD!,
 *   })
 *   return new Response("ok", { headers })
 * }
 * ```
 *
 * @since 0.1.0
 * @category adapters
 */
export const webCookies = (request: Request, response: Response | Headers): CookieJar =>
  toCookieJar(Store.webJar(request, response))

/**
 * Next.js `proxy.ts` (`middleware.ts` before Next 16): writes go to
 * `response.cookies` and to `request.cookies`, so later reads in the same
 * request see the new value.
 *
 * @example
 * ```ts
 * import { NextResponse, type NextRequest } from "next/server"
 * import { getIronSession, nextProxyCookies } from "effect-iron-session/promise"
 *
 * export async function proxy(request: NextRequest) {
 *   const response = NextResponse.next()
 *   const session = await getIronSession<{ lastSeen?: number }>(nextProxyCookies(request, response), {
 *     cookieName: "app",
 *     password: process.env.SESSION_PASSWORD!,
 *   })
 *   session.lastSeen = Date.now()
 *   await session.save()
 *   return response
 * }
 * ```
 *
 * @since 0.1.0
 * @category adapters
 */
export const nextProxyCookies = (
  request: { cookies: NextRequestCookies },
  response: { cookies: NextResponseCookies },
): CookieJar => toCookieJar(Store.nextProxyJar(request, response))

const createSession = async <T extends object>(jar: Store.Jar, options: SessionOptions): Promise<IronSession<T>> => {
  const store = Store.make(jar)
  const opened = unwrap(
    await runtime.runPromiseExit(
      Effect.flatMap(build(options), (session) =>
        Effect.map(session.get, (data) => [session, data] as const).pipe(
          Effect.provideService(Store.CookieStore, store),
        ),
      ),
    ),
  )
  let session = opened[0]
  const data = Option.getOrUndefined(opened[1])
  const object: Record<string, unknown> = isObject(data) ? data : {}
  let destroyed = false

  const inRequest = <A, E>(effect: Effect.Effect<A, E, Store.CookieStore>) =>
    Effect.provideService(effect, Store.CookieStore, store)

  Object.defineProperties(object, {
    updateConfig: {
      value: function updateConfig(newOptions: SessionOptions) {
        session = unwrap(runtime.runSyncExit(build(newOptions)))
      },
    },
    save: {
      value: async function save() {
        // An emptied, destroyed session writes nothing; one with data written
        // back is refused by the session itself (SessionDestroyedError).
        if (destroyed && Object.keys(object).length === 0) return
        unwrap(await runtime.runPromiseExit(inRequest(session.set({ ...object }))))
      },
    },
    destroy: {
      value: function destroy() {
        destroyed = true
        for (const key of Object.keys(object)) delete object[key]
        unwrap(runtime.runSyncExit(inRequest(session.destroy)))
      },
    },
  })
  return object as IronSession<T>
}

const badUsage =
  "iron-session: Bad usage: use getIronSession(req, res, options) or getIronSession(cookieStore, options)."

const isWebRequest = (req: unknown): req is Request =>
  isObject(req) && "headers" in req && isObject(req.headers) && typeof req.headers.get === "function"

const isCookieJar = (u: unknown): u is CookieJar =>
  isObject(u) && typeof u.read === "function" && typeof u.write === "function"

const isCookieStore = (u: unknown): u is CookieStore =>
  isObject(u) && typeof u.get === "function" && typeof u.set === "function"

/**
 * Reads the session from the request's cookie. An unreadable cookie gives an
 * empty session and calls `onUnsealError`.
 *
 * @example
 * ```ts
 * import { cookies } from "next/headers"
 * import { getIronSession } from "effect-iron-session/promise"
 *
 * const session = await getIronSession<{ userId?: number }>(await cookies(), {
 *   cookieName: "app",
 *   password: process.env.SESSION_PASSWORD!,
 * })
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export function getIronSession<T extends object>(
  cookies: CookieStore | CookieJar,
  sessionOptions: SessionOptions,
): Promise<IronSession<T>>
export function getIronSession<T extends object>(
  req: IncomingMessage | Request,
  res: ServerResponse | Response,
  sessionOptions: SessionOptions,
): Promise<IronSession<T>>
export async function getIronSession<T extends object>(
  first: unknown,
  second: unknown,
  third?: SessionOptions,
): Promise<IronSession<T>> {
  if (!first || !second) throw new Error(badUsage)
  if (!third) {
    const options = second as SessionOptions
    if (isCookieJar(first)) return createSession<T>(fromCookieJar(first), options)
    if (isCookieStore(first)) return createSession<T>(Store.cookiesJar(first), options)
    throw new Error(badUsage)
  }
  const jar = isWebRequest(first)
    ? Store.webJar(first, second as Response | Headers)
    : Store.nodeJar(first as Store.NodeRequest, second as Store.NodeResponse)
  return createSession<T>(jar, third)
}

/**
 * Seals data into a string, as iron-session's `sealData` (`ttl` in seconds,
 * `0` for no expiry; 14 days by default).
 *
 * @since 0.1.0
 * @category seal
 */
export async function sealData(data: unknown, { password, ttl = FOURTEEN_DAYS }: { password: Password; ttl?: number }) {
  const copy = isObject(data) ? { ...data } : data
  return unwrap(await runtime.runPromiseExit(Seal.seal(copy, { password: passwordMap(password), ttl: ttlOf(ttl) })))
}

/**
 * Opens a seal, as iron-session's `unsealData`: an unreadable seal gives `{}`
 * and calls `onUnsealError`.
 *
 * @since 0.1.0
 * @category seal
 */
export async function unsealData<T>(
  seal: string,
  {
    password,
    onUnsealError,
  }: { password: Password; ttl?: number; onUnsealError?: (reason: UnsealErrorReason, error: unknown) => void },
): Promise<T> {
  const exit = await runtime.runPromiseExit(Effect.either(Seal.unseal(seal, { password: passwordMap(password) })))
  const result = unwrap(exit)
  if (result._tag === "Right") return (result.right ?? {}) as T
  onUnsealError?.(reasonOf(result.left), result.left)
  return {} as T
}
