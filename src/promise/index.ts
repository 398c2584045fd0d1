/**
 * A drop-in replacement for iron-session 9: the same functions, options,
 * cookie format and seal format, as plain Promises. Change one import:
 *
 * ```ts
 * // import { getIronSession } from "iron-session"
 * import { getIronSession } from "effect-iron-session/promise"
 * ```
 *
 * Underneath are the library's own session rules, the same the Effect API
 * runs (sealing, cookies, the size budget, chunks, destroy, the hot-cookie
 * cache), called directly: no fiber per request, time from `Date.now()` as in
 * iron-session. The facade only translates: options in, plain `Error`s with
 * iron-session's phrases out.
 *
 * It is built on the kernel alone (`src/internal/kernel/`), which imports
 * nothing from `effect`; the published build of this entry is one pre-bundled
 * file with the `cookie` package inside, so it loads fast at cold start and
 * needs nothing installed beside it. Promises and plain `Error`s in and out
 * (a thrown error's `cause` is the kernel's error, with its `_tag` and
 * fields; match it by `_tag`, not with `instanceof`).
 *
 * @since 0.1.0
 */
import type { SetCookie } from "cookie"
import * as Cookie from "../internal/kernel/cookie.js"
import { nodeCrypto } from "../internal/kernel/crypto/node.js"
import { webCrypto } from "../internal/kernel/crypto/web.js"
import {
  type BadSealError,
  CookieNotWritableError,
  isTagged,
  type OptionsError,
  type SealExpiredError,
} from "../internal/kernel/errors.js"
import * as iron from "../internal/kernel/iron.js"
import * as internal from "../internal/kernel/session.js"
import { rethrow, toError } from "./errors.js"
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

/** The crypto the facade runs on: `node:crypto` where the runtime has it, Web Crypto elsewhere. */
const crypto = nodeCrypto ?? webCrypto

/** iron-session's default ttl, in its unit (seconds). */
const FOURTEEN_DAYS = iron.DEFAULT_TTL_MS / 1000

/** iron-session's ttl (seconds, `0` for none) as the kernel's milliseconds (`Infinity` for none). */
const ttlOf = (seconds: number): number => (seconds === 0 ? Number.POSITIVE_INFINITY : seconds * 1000)

const reasonOf = (error: BadSealError | SealExpiredError): UnsealErrorReason =>
  error._tag === "SealExpiredError"
    ? "expired"
    : error._tag === "BadSealError" && error.reason === "unknown-password-id"
      ? "unknown-password"
      : "invalid"

const isObject = (u: unknown): u is Record<string, unknown> => typeof u === "object" && u !== null

/**
 * iron-session seals with no expiry when `ttl` is 0 or `maxAge` is explicitly
 * undefined, and says nothing. The facade does the same (a switch must not
 * change what a cookie is), and says so once per configuration.
 */
const warned = new Set<string>()
const warnNeverExpires = (key: string, where: string) => {
  if (warned.has(key)) return
  warned.add(key)
  console.warn(
    `iron-session: ${where} makes seals that never expire: a stolen cookie or token stays valid forever. Give a positive ttl (seconds) unless that is what you want.`,
  )
}

/**
 * iron-session writes `SameSite=None` without `Secure` as asked, and browsers
 * drop that cookie: the session is never sent back, and nothing says why. The
 * facade writes it the same way (the Effect API refuses it) and says so once
 * per configuration.
 */
const warnDropped = (key: string) => {
  if (warned.has(`samesite:${key}`)) return
  warned.add(`samesite:${key}`)
  console.warn(
    `iron-session: cookieOptions sameSite: "none" without secure: true makes a cookie browsers drop: the session never comes back. Keep secure: true (and serve over https), or use sameSite: "lax".`,
  )
}

/** The checked options of one configuration, built once. */
type Built = internal.Resolved

/** The hot-cookie cache every configuration built from now on gets: see {@link configureCache}. */
let cacheOptions: iron.CacheOptions | false = iron.DEFAULT_CACHE

/**
 * Sizes or turns off the hot-cookie cache (an extension of iron-session's
 * API): each configuration keeps the seals it opened recently, verified, so a
 * cookie sent again costs a lookup instead of the crypto; expiry is still
 * checked on every read. On by default, 1024 seals and 2 MB per configuration.
 * Applies to the sessions and seals of configurations first used after the call.
 *
 * @example
 * ```ts
 * import { configureCache } from "effect-iron-session/promise"
 *
 * configureCache(false) // every read opens the seal
 * configureCache({ entries: 10_000, bytes: 16 * 1024 * 1024 })
 * ```
 *
 * @since 0.1.0
 * @category configuration
 */
export const configureCache = (options: { readonly entries?: number; readonly bytes?: number } | false): void => {
  cacheOptions = options === false ? false : { ...iron.DEFAULT_CACHE, ...options }
  configurations.clear()
  sealers.clear()
}

const configurations = new Map<string, Built>()
const MAX_CONFIGURATIONS = 64
const byObject = new WeakMap<SessionOptions, { readonly key: string; readonly built: Built }>()

/**
 * Numbers standing for passwords in configuration keys, so that no key holds
 * a secret, and two passwords never share one: a key once serialized its
 * password, and every `Redacted` serializes as `"<redacted>"`, so two tenants
 * with `Redacted` passwords and one cookie name shared one engine and read
 * each other's cookies. Tokens are never reused, so forgetting them (when too
 * many passwords were seen) costs a rebuild and never a mix-up.
 */
const passwordTokens = new Map<string, number>()
let nextToken = 0
const MAX_PASSWORDS = 1024

const tokenOf = (secret: string): number => {
  let token = passwordTokens.get(secret)
  if (token === undefined) {
    if (passwordTokens.size >= MAX_PASSWORDS) passwordTokens.clear()
    token = nextToken++
    passwordTokens.set(secret, token)
  }
  return token
}

/**
 * Checks that a password has iron-session's shape (a string, or ids to
 * strings in a plain object) before it is keyed, and gives its key. Anything
 * else is refused here, by name: a `Redacted` or a class instance has no
 * entries to key or to seal with, and iron-session would only say the map is
 * empty.
 */
const passwordKey = (password: unknown): string => {
  if (typeof password === "string") return `${tokenOf(password)}`
  if (typeof password === "object" && password !== null) {
    const proto: unknown = Object.getPrototypeOf(password)
    if (proto !== Object.prototype && proto !== null && !Array.isArray(password)) {
      throw new Error(
        `iron-session: Bad usage. Password must be a string, or a plain object of passwords keyed by numbers, for example { 1: 'your-password' }; got an object that is neither. A Redacted password is for the Effect API: give the facade Redacted.value(password).`,
      )
    }
    return Object.entries(password)
      .map(([id, secret]) => `${JSON.stringify(id)}:${typeof secret === "string" ? tokenOf(secret) : typeof secret}`)
      .join(",")
  }
  // Missing, empty or of another type: the build refuses it with iron-session's message.
  return typeof password
}

/**
 * What makes two options objects the same configuration. Options objects are
 * usually one module-level constant, but inline literals (`{ cookieName,
 * password }` in every handler) are common too, so equal options share one
 * built engine instead of rebuilding it per request.
 */
const keyOf = (options: SessionOptions): string =>
  JSON.stringify([
    options.cookieName,
    passwordKey(options.password),
    options.ttl,
    options.chunk,
    options.cookieOptions === undefined
      ? null
      : Object.entries(options.cookieOptions).map(([k, v]) => [
          k,
          v instanceof Date ? v.getTime() : v === undefined ? "(undefined)" : v,
        ]),
  ])

const build = (options: SessionOptions): Built => {
  const cookieOptions = options.cookieOptions ?? {}
  // `maxAge: undefined` asks for a browser-session cookie, and iron-session
  // then seals with no expiry at all: the browser decides when it ends.
  const browserSession = "maxAge" in cookieOptions && cookieOptions.maxAge === undefined
  const ttl = browserSession ? 0 : (options.ttl ?? FOURTEEN_DAYS)
  const resolved = internal.resolve(crypto, {
    cookieName: options.cookieName,
    password: options.password,
    ttl: ttlOf(ttl),
    attributes: cookieOptions,
    chunk: options.chunk === true,
    strict: false,
    ironOrder: true,
    cache: cacheOptions,
    purpose: undefined,
    lifecycle: undefined,
  })
  if (!("sealer" in resolved)) throw toError(resolved)
  return resolved
}

const sessionFor = (options: SessionOptions): Built => {
  const remembered = byObject.get(options)
  const key = keyOf(options)
  if (remembered !== undefined && remembered.key === key) return remembered.built
  let built = configurations.get(key)
  if (built === undefined) {
    built = build(options)
    const browserSession =
      options.cookieOptions !== undefined &&
      "maxAge" in options.cookieOptions &&
      options.cookieOptions.maxAge === undefined
    if (options.ttl === 0 || browserSession) {
      warnNeverExpires(key, browserSession ? "cookieOptions.maxAge: undefined" : "ttl: 0")
    }
    if (Cookie.dropsSameSiteNone(built.attributes)) warnDropped(key)
    if (configurations.size >= MAX_CONFIGURATIONS) configurations.delete(configurations.keys().next().value as string)
    configurations.set(key, built)
  }
  byObject.set(options, { key, built })
  return built
}

/** The jar behind one of our own adapters, so it is used directly. */
const jarOf = Symbol.for("effect-iron-session/promise/jar")

const toCookieJar = (jar: Cookie.Jar): CookieJar => {
  const cookieJar: CookieJar & { [jarOf]: Cookie.Jar } = {
    read: (name) => jar.read(name),
    names: () => [...jar.names()],
    assertWritable: () => {
      const reason = jar.notWritable?.()
      if (reason !== undefined) throw toError(new CookieNotWritableError({ cookieName: "", reason }))
    },
    write: (name, value, options) => {
      try {
        jar.write(Cookie.unsafeCookie(name, value, options))
      } catch (error) {
        if (error instanceof Cookie.NotWritable) {
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
const fromCookieJar = (cookieJar: CookieJar): Cookie.Jar =>
  (cookieJar as Partial<Record<typeof jarOf, Cookie.Jar>>)[jarOf] ?? {
    read: (name) => cookieJar.read(name),
    names: () => cookieJar.names?.() ?? [],
    notWritable: () => {
      cookieJar.assertWritable?.()
      return undefined
    },
    write: ({ name, value, attributes }) => cookieJar.write(name, value, attributes),
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
  toCookieJar(Cookie.nodeJar(req, res))

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
  toCookieJar(Cookie.webJar(request, response))

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
): CookieJar => toCookieJar(Cookie.nextProxyJar(request, response))

const isInvalidCookie = isTagged<BadSealError | SealExpiredError>("BadSealError", "SealExpiredError")

const createSession = async <T extends object>(jar: Cookie.Jar, options: SessionOptions): Promise<IronSession<T>> => {
  let config = sessionFor(options)
  const cookies = Cookie.makeCookies(jar)
  // One state for the session object, kept across `updateConfig`: `destroy`
  // stays terminal whatever options the session is saved with afterwards.
  const state = { destroyed: false }
  let data: unknown
  try {
    data = (await internal.openCookie(config, cookies, Date.now()))?.data
  } catch (error) {
    if (!isInvalidCookie(error)) return rethrow(error)
    options.onUnsealError?.(reasonOf(error), error)
  }
  const object: Record<string, unknown> = isObject(data) ? data : {}
  let destroyed = false

  Object.defineProperties(object, {
    updateConfig: {
      value: function updateConfig(newOptions: SessionOptions) {
        config = sessionFor(newOptions)
      },
    },
    save: {
      value: async function save() {
        // An emptied, destroyed session writes nothing; one with data written
        // back is refused by the session's rules (SessionDestroyedError).
        if (destroyed && Object.keys(object).length === 0) return
        const now = Date.now()
        try {
          internal.checkWritable(config, state, cookies, now)
          await internal.writeSealed(config, cookies, { ...object }, now)
        } catch (error) {
          rethrow(error)
        }
      },
    },
    destroy: {
      value: function destroy() {
        destroyed = true
        for (const key of Object.keys(object)) delete object[key]
        try {
          internal.destroyCookies(config, state, cookies)
        } catch (error) {
          rethrow(error)
        }
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
    if (isCookieStore(first)) return createSession<T>(Cookie.cookiesJar(first), options)
    throw new Error(badUsage)
  }
  const jar = isWebRequest(first)
    ? Cookie.webJar(first, second as Response | Headers)
    : Cookie.nodeJar(first as Cookie.NodeRequest, second as Cookie.NodeResponse)
  return createSession<T>(jar, third)
}

/** A sealer per distinct `{ password, ttl }`, built once (keyed as configurations are: by token, never by the secret). */
const sealers = new Map<string, iron.Sealer>()

const sealerFor = (password: Password, ttl: number): iron.Sealer => {
  const key = JSON.stringify([passwordKey(password), ttl])
  let sealer = sealers.get(key)
  if (sealer === undefined) {
    const made = iron.makeSealer(crypto, { password, ttl: ttlOf(ttl), cache: cacheOptions }, true)
    if (!iron.isSealer(made)) throw toError(made as OptionsError)
    if (ttl === 0) warnNeverExpires(`seal:${key}`, "sealData with ttl: 0")
    if (sealers.size >= MAX_CONFIGURATIONS) sealers.delete(sealers.keys().next().value as string)
    sealers.set(key, made)
    sealer = made
  }
  return sealer
}

/**
 * Seals data into a string, as iron-session's `sealData` (`ttl` in seconds,
 * `0` for no expiry; 14 days by default).
 *
 * @since 0.1.0
 * @category seal
 */
export async function sealData(data: unknown, { password, ttl = FOURTEEN_DAYS }: { password: Password; ttl?: number }) {
  const sealer = sealerFor(password, ttl)
  const copy = isObject(data) ? { ...data } : data
  try {
    return await iron.sealData(sealer, copy, Date.now())
  } catch (error) {
    return rethrow(error)
  }
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
  const sealer = sealerFor(password, FOURTEEN_DAYS)
  let data: unknown
  try {
    data = await iron.openSeal(sealer, seal, Date.now())
  } catch (error) {
    if (!isInvalidCookie(error)) return rethrow(error)
    onUnsealError?.(reasonOf(error), error)
    return {} as T
  }
  return (data ?? {}) as T
}
