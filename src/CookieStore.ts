/**
 * What a session needs from a runtime: read a cookie, list the cookies present,
 * write a cookie, and say when writing is no longer possible.
 *
 * One implementation ({@link make}) over a small {@link Jar}; every runtime is
 * a few lines that produce a jar: Node `req`/`res`, web `Request` with a
 * `Response` or `Headers`, Next.js `cookies()`, Next.js proxy, and memory.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { CookieStore } from "effect-iron-session"
 *
 * export async function GET(request: Request) {
 *   const headers = new Headers()
 *   const program = Effect.gen(function* () {
 *     const store = yield* CookieStore.CookieStore
 *     const theme = yield* store.get("theme")
 *     yield* store.set("theme", "dark", { path: "/", maxAge: 3600 })
 *   })
 *   await Effect.runPromise(program.pipe(Effect.provide(CookieStore.layerWeb(request, headers))))
 *   return new Response("ok", { headers })
 * }
 * ```
 *
 * @since 0.1.0
 */
import { parseCookie, type SetCookie, stringifySetCookie } from "cookie"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import { CookieNotWritableError, InvalidOptionError } from "./Errors.js"

/**
 * `Set-Cookie` attributes in iron-session's shape: `maxAge` is in **seconds**
 * (not a `Duration`, and not milliseconds as in `@effect/platform`'s
 * `Cookies`). `maxAge: undefined` given explicitly means a browser-session
 * cookie, gone when the browser closes.
 *
 * @since 0.1.0
 * @category models
 */
export type CookieOptions = Omit<SetCookie, "name" | "value" | "maxAge"> & {
  readonly maxAge?: number | undefined
}

/**
 * One cookie to write.
 *
 * @since 0.1.0
 * @category models
 */
export interface Cookie {
  readonly name: string
  readonly value: string
  readonly options: CookieOptions
  /** The `Set-Cookie` header value for it, serialized once. */
  readonly header: string
}

/**
 * Why a cookie can no longer be written.
 *
 * @since 0.1.0
 * @category models
 */
export type NotWritableReason = CookieNotWritableError["reason"]

/**
 * What an adapter's `write` throws when the runtime refuses the cookie for a
 * known reason (Next.js's read-only `cookies()`, immutable `Response`
 * headers). Anything else a `write` throws is a defect and surfaces as is.
 *
 * @since 0.1.0
 * @category models
 */
export class NotWritable {
  readonly _tag = "NotWritable"
  constructor(
    readonly reason: NotWritableReason,
    readonly detail?: string,
  ) {}
}

/**
 * The contract an adapter fulfils. Plain functions, no Effects: an adapter is
 * only the few lines that tie a runtime's request and response to these.
 *
 * @since 0.1.0
 * @category models
 */
export interface Jar {
  /** The value of a cookie sent with the request. (Writes made in the request are tracked by {@link make}.) */
  readonly read: (name: string) => string | undefined
  /** The names of the cookies present. */
  readonly names: () => ReadonlyArray<string>
  /** Writes one cookie. Throws a {@link NotWritable} when the runtime refuses it for a known reason. */
  readonly write: (cookie: Cookie) => void
  /** Why writing is no longer possible, or `undefined` while it is. */
  readonly notWritable?: () => NotWritableReason | undefined
  /**
   * The `Set-Cookie` header the runtime will actually send for a cookie, when
   * it is not `cookie.header` (Next.js adds an `Expires` beside `Max-Age`).
   * The size budget counts this.
   */
  readonly headerOf?: (cookie: Cookie) => string
}

/**
 * The cookie store service.
 *
 * @since 0.1.0
 * @category models
 */
export interface CookieStore {
  /**
   * Reads a cookie by name: as written earlier in this request if it was
   * (none if it was expired), else as the request sent it.
   */
  readonly get: (name: string) => Effect.Effect<Option.Option<string>>
  /** The names of the cookies present, after this request's writes. */
  readonly names: Effect.Effect<ReadonlyArray<string>>
  /** Bytes of the `Set-Cookie` header this runtime sends for a cookie (browsers cap it at 4096). */
  readonly bytes: (cookie: Cookie) => number
  /** Fails when cookies can no longer be written, without writing anything. */
  readonly ensureWritable: (name: string) => Effect.Effect<void, CookieNotWritableError>
  /** Writes one cookie. */
  readonly set: (
    name: string,
    value: string,
    options?: CookieOptions,
  ) => Effect.Effect<void, CookieNotWritableError | InvalidOptionError>
  /**
   * Writes several cookies, after checking once that all of them can be
   * written, so a session split into chunks is never left half-written.
   */
  readonly setAll: (cookies: ReadonlyArray<Cookie>) => Effect.Effect<void, CookieNotWritableError>
}

/**
 * The service tag.
 *
 * @since 0.1.0
 * @category tags
 */
export const CookieStore: Context.Tag<CookieStore, CookieStore> = Context.GenericTag<CookieStore>(
  "effect-iron-session/CookieStore",
)

/**
 * Serializes a `Set-Cookie` value with `cookie` 2. An explicit
 * `maxAge: undefined` is dropped rather than passed on: an absent `Max-Age` is
 * exactly what it asks for.
 *
 * @example
 * ```ts
 * import { CookieStore } from "effect-iron-session"
 *
 * CookieStore.serialize("a", "1", { path: "/", maxAge: 60, httpOnly: true }) // "a=1; Max-Age=60; Path=/; HttpOnly"
 * ```
 *
 * @since 0.1.0
 * @category utils
 */
export const serialize = (name: string, value: string, options: CookieOptions = {}): string => {
  const { maxAge, ...rest } = options
  return stringifySetCookie({ ...rest, ...(maxAge === undefined ? {} : { maxAge }), name, value })
}

/**
 * Builds a {@link Cookie}, serializing its header; throws (from `cookie`) on
 * a name or attribute `Set-Cookie` cannot carry. For values already checked.
 *
 * @since 0.1.0
 * @category constructors
 */
export const unsafeCookie = (name: string, value: string, options: CookieOptions = {}): Cookie => ({
  name,
  value,
  options,
  header: serialize(name, value, options),
})

/**
 * Whether a cookie is an expiry (`Max-Age` zero or less): writing it deletes
 * the cookie of that name.
 *
 * @since 0.1.0
 * @category utils
 */
export const isExpiry = (cookie: Pick<Cookie, "options">): boolean =>
  cookie.options.maxAge !== undefined && cookie.options.maxAge <= 0

/**
 * Builds a {@link Cookie}, or fails with an {@link InvalidOptionError} when the
 * name or an attribute is something `Set-Cookie` cannot carry.
 *
 * @since 0.1.0
 * @category constructors
 */
export const cookie = (
  name: string,
  value: string,
  options: CookieOptions = {},
): Effect.Effect<Cookie, InvalidOptionError> =>
  Effect.try({
    try: () => unsafeCookie(name, value, options),
    catch: (error) =>
      new InvalidOptionError({
        option: "cookie",
        reason: `${error instanceof Error ? error.message : String(error)} (cookie ${JSON.stringify(name)}). Use a cookie name of letters, digits and !#$%&'*+-.^_\`|~, and valid domain and path values.`,
      }),
  })

const notWritable = (jar: Jar, name: string): Effect.Effect<void, CookieNotWritableError> =>
  Effect.suspend(() => {
    const reason = jar.notWritable?.()
    return reason === undefined ? Effect.void : Effect.fail(new CookieNotWritableError({ cookieName: name, reason }))
  })

const writeAll = (jar: Jar, cookies: ReadonlyArray<Cookie>): Effect.Effect<void, CookieNotWritableError> => {
  const first = cookies[0]
  if (first === undefined) return Effect.void
  return Effect.zipRight(
    notWritable(jar, first.name),
    Effect.suspend(() => {
      for (const cookie of cookies) {
        try {
          jar.write(cookie)
        } catch (error) {
          if (error instanceof NotWritable) {
            return Effect.fail(
              new CookieNotWritableError({
                cookieName: cookie.name,
                reason: error.reason,
                ...(error.detail === undefined ? {} : { detail: error.detail }),
              }),
            )
          }
          return Effect.die(error)
        }
      }
      return Effect.void
    }),
  )
}

/**
 * The one implementation of the service, over a {@link Jar}.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (jar: Jar): CookieStore => {
  // What this request wrote, so that reads see it: a session that is saved
  // and then destroyed (or saved again at another size) in one request must
  // expire the chunks it just wrote, not only those the request came with.
  const written = new Map<string, Cookie>()
  const read = (name: string): string | undefined => {
    const cookie = written.get(name)
    if (cookie === undefined) return jar.read(name)
    return isExpiry(cookie) ? undefined : cookie.value
  }
  const encoder = new TextEncoder()
  const headerOf = jar.headerOf ?? ((cookie: Cookie) => cookie.header)
  const record = (cookies: ReadonlyArray<Cookie>) =>
    Effect.tap(writeAll(jar, cookies), () => {
      for (const cookie of cookies) written.set(cookie.name, cookie)
    })
  return {
    get: (name) => Effect.sync(() => Option.fromNullable(read(name))),
    names: Effect.sync(() =>
      [...new Set([...jar.names(), ...written.keys()])].filter((name) => read(name) !== undefined),
    ),
    bytes: (cookie) => encoder.encode(headerOf(cookie)).length,
    ensureWritable: (name) => notWritable(jar, name),
    set: (name, value, options = {}) => Effect.flatMap(cookie(name, value, options), (c) => record([c])),
    setAll: record,
  }
}

/** Parses a `Cookie` header once, on first use. */
const lazyCookies = (header: () => string | null | undefined) => {
  let parsed: Record<string, string | undefined> | undefined
  return () => {
    if (parsed === undefined) parsed = parseCookie(header() ?? "")
    return parsed
  }
}

/**
 * The parts of Node's `IncomingMessage` used here (also Express and Connect).
 *
 * @since 0.1.0
 * @category models
 */
export interface NodeRequest {
  readonly headers: { readonly cookie?: string | undefined }
}

/**
 * The parts of Node's `ServerResponse` used here (also Express and Connect).
 *
 * @since 0.1.0
 * @category models
 */
export interface NodeResponse {
  readonly headersSent: boolean
  getHeader(name: string): number | string | ReadonlyArray<string> | undefined
  setHeader(name: string, value: ReadonlyArray<string>): unknown
}

/**
 * A jar over Node's `req`/`res`. Keeps any `Set-Cookie` headers set before,
 * and refuses to write once the headers were sent (Node would drop the cookie
 * silently).
 *
 * @since 0.1.0
 * @category adapters
 */
export const nodeJar = (req: NodeRequest, res: NodeResponse): Jar => {
  const cookies = lazyCookies(() => req.headers.cookie)
  return {
    read: (name) => cookies()[name],
    names: () => Object.keys(cookies()),
    notWritable: () => (res.headersSent ? "headers-sent" : undefined),
    write: ({ header }) => {
      const existing = res.getHeader("set-cookie") ?? []
      const previous = Array.isArray(existing) ? existing : [String(existing)]
      res.setHeader("set-cookie", [...previous, header])
    },
  }
}

/**
 * A jar over a web `Request` and the `Response` or `Headers` going out. Refuses
 * to write once the response body was used.
 *
 * @since 0.1.0
 * @category adapters
 */
export const webJar = (request: Request, response: Response | Headers): Jar => {
  const cookies = lazyCookies(() => request.headers.get("cookie"))
  const headers = response instanceof Headers ? response : response.headers
  return {
    read: (name) => cookies()[name],
    names: () => Object.keys(cookies()),
    notWritable: () => (response instanceof Response && response.bodyUsed ? "body-used" : undefined),
    write: ({ header }) => {
      try {
        headers.append("set-cookie", header)
      } catch (error) {
        // `Response.redirect()` and fetched responses have immutable headers.
        throw error instanceof TypeError ? new NotWritable("read-only") : error
      }
    },
  }
}

/**
 * The shape of Next.js `await cookies()` (App Router), typed structurally so
 * `next` is not a dependency.
 *
 * @since 0.1.0
 * @category models
 */
export interface NextCookies {
  get: (name: string) => { name: string; value: string } | undefined
  getAll?: () => Array<{ name: string; value: string }>
  set: (name: string, value: string, cookie: Partial<CookieOptions>) => unknown
}

/**
 * A jar over Next.js `cookies()`. In a Server Component the store is read-only
 * and Next throws from `set`: that becomes a `CookieNotWritableError` with
 * reason `read-only`, not a crash.
 *
 * @since 0.1.0
 * @category adapters
 */
export const nextCookiesJar = (store: NextCookies): Jar => {
  const jar = cookiesJar(store)
  return {
    ...jar,
    write: (cookie) => {
      try {
        jar.write(cookie)
      } catch (error) {
        // Next throws `ReadonlyRequestCookiesError` from `set` in a Server Component.
        throw isNextReadOnlyError(error) ? new NotWritable("read-only") : error
      }
    },
  }
}

/**
 * Next.js derives an `Expires` from `Max-Age` and adds it to the header, so
 * the size budget counts one (every HTTP date is the same length).
 */
const withNextExpires = (cookie: Cookie): string =>
  cookie.options.maxAge !== undefined && cookie.options.expires === undefined
    ? `${cookie.header}; Expires=${new Date(0).toUTCString()}`
    : cookie.header

/**
 * A jar over any `cookies()`-shaped store (`get`, `set`, optional `getAll`),
 * as iron-session uses one: whatever `set` throws is thrown as it is.
 *
 * @since 0.1.0
 * @category adapters
 */
export const cookiesJar = (store: NextCookies): Jar => ({
  read: (name) => store.get(name)?.value,
  names: () => store.getAll?.().map((c) => c.name) ?? [],
  headerOf: withNextExpires,
  write: ({ name, value, options }) => {
    store.set(name, value, options)
  },
})

const isNextReadOnlyError = (error: unknown): boolean =>
  error instanceof Error &&
  (error.name === "ReadonlyRequestCookiesError" ||
    /Cookies can only be modified in a Server Action/.test(error.message))

/**
 * The parts of `NextRequest` and `NextResponse` used in Next.js proxy
 * (`proxy.ts`, `middleware.ts` before Next 16).
 *
 * @since 0.1.0
 * @category models
 */
export interface NextProxy {
  readonly request: {
    readonly cookies: Omit<NextCookies, "set"> & { set: (name: string, value: string) => unknown }
  }
  readonly response: {
    readonly cookies: { set: (name: string, value: string, cookie: Partial<CookieOptions>) => unknown }
  }
}

/**
 * A jar for Next.js proxy. Writes go to `response.cookies` (Next only merges a
 * cookie into the render when it goes through there; a raw `Set-Cookie` header
 * vanishes) and to `request.cookies`, so code later in the same request reads
 * the new value.
 *
 * @since 0.1.0
 * @category adapters
 */
export const nextProxyJar = (request: NextProxy["request"], response: NextProxy["response"]): Jar => ({
  read: (name) => request.cookies.get(name)?.value,
  names: () => request.cookies.getAll?.().map((c) => c.name) ?? [],
  headerOf: withNextExpires,
  write: ({ name, value, options }) => {
    response.cookies.set(name, value, options)
    request.cookies.set(name, value)
  },
})

/**
 * An in-memory cookie store that behaves like a browser and a server in one:
 * writes are recorded as `Set-Cookie` headers and applied to the jar (a
 * `Max-Age=0` deletes), so later reads see them. For tests and scripts.
 *
 * @since 0.1.0
 * @category models
 */
export interface MemoryCookieStore extends CookieStore {
  /** The cookies a browser would now hold. */
  readonly cookies: ReadonlyMap<string, string>
  /** Every `Set-Cookie` header written, in order. */
  readonly setCookieHeaders: ReadonlyArray<string>
  /** The `Cookie` header a browser would send next. */
  readonly cookieHeader: () => string
  /** Makes writing fail from now on, as a sent response would. */
  readonly close: (reason?: NotWritableReason) => void
}

/**
 * Makes a {@link MemoryCookieStore}, starting from the given cookies.
 *
 * @example
 * ```ts
 * import { CookieStore } from "effect-iron-session"
 *
 * const store = CookieStore.makeMemory({ theme: "dark" })
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const makeMemory = (initial: Readonly<Record<string, string>> = {}): MemoryCookieStore => {
  const cookies = new Map(Object.entries(initial))
  const setCookieHeaders: Array<string> = []
  let closed: NotWritableReason | undefined
  const store = make({
    read: (name) => cookies.get(name),
    names: () => [...cookies.keys()],
    notWritable: () => closed,
    write: (cookie) => {
      setCookieHeaders.push(cookie.header)
      if (isExpiry(cookie)) cookies.delete(cookie.name)
      else cookies.set(cookie.name, cookie.value)
    },
  })
  return {
    ...store,
    cookies,
    setCookieHeaders,
    cookieHeader: () => [...cookies].map(([name, value]) => `${name}=${value}`).join("; "),
    close: (reason = "headers-sent") => {
      closed = reason
    },
  }
}

/**
 * A store over Node's `req`/`res`: see {@link nodeJar}.
 *
 * @since 0.1.0
 * @category constructors
 */
export const fromNode = (req: NodeRequest, res: NodeResponse): CookieStore => make(nodeJar(req, res))

/**
 * A store over a web `Request` and a `Response` or `Headers`: see {@link webJar}.
 *
 * @since 0.1.0
 * @category constructors
 */
export const fromWeb = (request: Request, response: Response | Headers): CookieStore => make(webJar(request, response))

/**
 * A store over Next.js `cookies()`: see {@link nextCookiesJar}.
 *
 * @since 0.1.0
 * @category constructors
 */
export const fromNextCookies = (store: NextCookies): CookieStore => make(nextCookiesJar(store))

/**
 * A store for Next.js proxy: see {@link nextProxyJar}.
 *
 * @since 0.1.0
 * @category constructors
 */
export const fromNextProxy = (request: NextProxy["request"], response: NextProxy["response"]): CookieStore =>
  make(nextProxyJar(request, response))

/**
 * Provides a store for one Node request.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerNode = (req: NodeRequest, res: NodeResponse): Layer.Layer<CookieStore> =>
  Layer.succeed(CookieStore, fromNode(req, res))

/**
 * Provides a store for one web request.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerWeb = (request: Request, response: Response | Headers): Layer.Layer<CookieStore> =>
  Layer.succeed(CookieStore, fromWeb(request, response))

/**
 * Provides a store over Next.js `cookies()`.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerNextCookies = (store: NextCookies): Layer.Layer<CookieStore> =>
  Layer.succeed(CookieStore, fromNextCookies(store))

/**
 * Provides a store for Next.js proxy.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerNextProxy = (
  request: NextProxy["request"],
  response: NextProxy["response"],
): Layer.Layer<CookieStore> => Layer.succeed(CookieStore, fromNextProxy(request, response))

/**
 * Provides an in-memory store: see {@link makeMemory}.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerMemory = (initial?: Readonly<Record<string, string>>): Layer.Layer<CookieStore> =>
  Layer.sync(CookieStore, () => makeMemory(initial))
