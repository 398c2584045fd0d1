/**
 * What a session needs from a runtime: the request's cookies and a way to
 * write cookies on the response.
 *
 * One implementation ({@link make}) over a small {@link Jar}; every runtime is
 * a few lines that make a jar: Node `req`/`res`, web `Request` with a
 * `Response` or `Headers`, Next.js `cookies()`, Next.js proxy, and memory.
 * (`@effect/platform` apps get theirs from `HttpSession.middleware`.)
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
 *     yield* store.set("theme", "dark", { path: "/", maxAge: "1 hour" })
 *   })
 *   await Effect.runPromise(program.pipe(Effect.provide(CookieStore.layerWeb(request, headers))))
 *   return new Response("ok", { headers })
 * }
 * ```
 *
 * @since 0.1.0
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import type { CookieNotWritableError, InvalidOptionError, NotWritableReason } from "./Errors.js"
import * as bridge from "./internal/effect.js"
import * as internal from "./internal/kernel/cookie.js"

/**
 * `Set-Cookie` options for the Effect API, in `@effect/platform`'s shape
 * (`Cookies.Cookie["options"]`): `maxAge` is a `Duration` input, and a bare
 * number there is **milliseconds**. An explicit `maxAge: undefined` makes a
 * browser-session cookie.
 *
 * (The Promise facade takes iron-session's shape instead, in seconds:
 * `import type { CookieOptions } from "effect-iron-session/promise"`.)
 *
 * @since 0.1.0
 * @category models
 */
export type CookieOptions = bridge.CookieOptions

/**
 * `Set-Cookie` attributes as a {@link Jar} receives them: the shape the
 * `cookie` package and Next.js's `cookies().set` take, with `maxAge` in whole
 * **seconds**.
 *
 * @since 0.1.0
 * @category models
 */
export type Attributes = internal.Attributes

/**
 * One cookie a {@link Jar} is asked to write, with its `Set-Cookie` header
 * already serialized.
 *
 * @since 0.1.0
 * @category models
 */
export type Cookie = internal.Cookie

/**
 * The contract a runtime adapter fulfils: read a request cookie, list them,
 * write one cookie, say when writing is no longer possible. Plain functions,
 * no Effects. Every constructor of this module is such a jar given to
 * {@link make}; write your own for a runtime not covered here.
 *
 * @example
 * ```ts
 * import { CookieStore } from "effect-iron-session"
 *
 * // A framework that hands you a cookie map and a list of headers to send.
 * const fromFramework = (cookies: Map<string, string>, outgoing: Array<string>) =>
 *   CookieStore.make({
 *     read: (name) => cookies.get(name),
 *     names: () => [...cookies.keys()],
 *     write: (cookie) => {
 *       outgoing.push(cookie.header)
 *     },
 *   })
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export type Jar = internal.Jar

/**
 * What a {@link Jar}'s `write` throws when the runtime refuses the cookie for a
 * known reason; it becomes a `CookieNotWritableError` with that reason.
 * Anything else `write` throws is a defect.
 *
 * @since 0.1.0
 * @category models
 */
export const NotWritable: new (reason: NotWritableReason, detail?: string) => internal.NotWritable =
  internal.NotWritable

/**
 * @since 0.1.0
 * @category models
 */
export type NotWritable = internal.NotWritable

/**
 * The cookie store service: one request's cookies. Reads see the request's
 * own writes, so a cookie written and read back in one request reads as
 * written.
 *
 * A store is made by {@link make} (or a constructor of this module, or
 * `HttpSession.middleware`); sessions reach the request through it.
 *
 * @since 0.1.0
 * @category models
 */
export interface CookieStore {
  readonly [internal.StoreTypeId]: internal.Cookies
  /** A cookie's value: as written earlier in this request if it was (none if it was expired), else as sent. */
  readonly get: (name: string) => Effect.Effect<Option.Option<string>>
  /** The names of the cookies present, after this request's writes. */
  readonly names: Effect.Effect<ReadonlyArray<string>>
  /**
   * Writes one cookie. Fails with `InvalidOptionError` for a name or an
   * attribute `Set-Cookie` cannot carry, and with `CookieNotWritableError`
   * when the response can no longer take cookies.
   */
  readonly set: (
    name: string,
    value: string,
    options?: CookieOptions,
  ) => Effect.Effect<void, CookieNotWritableError | InvalidOptionError>
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

const cookieFor = (name: string, value: string, options: CookieOptions): internal.Cookie | InvalidOptionError => {
  const attributes = bridge.fromCookieOptions(options)
  if (bridge.isLibraryError(attributes)) return attributes
  const bad = internal.checkCookie(name, attributes, true)
  return bad === undefined ? internal.unsafeCookie(name, value, attributes) : bridge.fromKernel(bad)
}

/**
 * The one implementation of the service, over a {@link Jar}.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (jar: Jar): CookieStore => {
  const cookies = internal.makeCookies(jar)
  return {
    [internal.StoreTypeId]: cookies,
    get: (name) => Effect.sync(() => Option.fromNullable(cookies.read(name))),
    names: Effect.sync(() => cookies.names()),
    set: (name, value, options = {}) =>
      Effect.suspend((): Effect.Effect<void, CookieNotWritableError | InvalidOptionError> => {
        const cookie = cookieFor(name, value, options)
        if (bridge.isLibraryError(cookie)) return Effect.fail(cookie)
        const error = cookies.writeAll([cookie])
        return error === undefined ? Effect.void : Effect.fail(bridge.fromKernel(error))
      }),
  }
}

/**
 * The parts of Node's `IncomingMessage` used here (also Express and Connect).
 *
 * @since 0.1.0
 * @category models
 */
export type NodeRequest = internal.NodeRequest

/**
 * The parts of Node's `ServerResponse` used here (also Express and Connect).
 *
 * @since 0.1.0
 * @category models
 */
export type NodeResponse = internal.NodeResponse

/**
 * The shape of Next.js `await cookies()`, typed structurally so `next` is not
 * a dependency.
 *
 * @since 0.1.0
 * @category models
 */
export type NextCookies = internal.NextCookies

/**
 * The parts of `NextRequest` and `NextResponse` used in Next.js proxy
 * (`proxy.ts`, `middleware.ts` before Next 16).
 *
 * @since 0.1.0
 * @category models
 */
export type NextProxy = internal.NextProxy

/**
 * A store over Node's `req`/`res` (also Express and Connect). Earlier
 * `Set-Cookie` headers on the response are kept; once the headers were sent,
 * writing fails with `headers-sent` (Node would drop the cookie silently).
 *
 * @since 0.1.0
 * @category constructors
 */
export const fromNode = (req: NodeRequest, res: NodeResponse): CookieStore => make(internal.nodeJar(req, res))

/**
 * A store over a web `Request` and the `Response` or `Headers` going out.
 * Writing fails with `body-used` once the response body was used, and with
 * `read-only` for a response whose headers are immutable (`Response.redirect()`).
 *
 * @since 0.1.0
 * @category constructors
 */
export const fromWeb = (request: Request, response: Response | Headers): CookieStore =>
  make(internal.webJar(request, response))

/**
 * A store over Next.js `await cookies()`. In a Server Component, where Next
 * refuses writes, writing fails with `CookieNotWritableError` (`read-only`).
 *
 * @since 0.1.0
 * @category constructors
 */
export const fromNextCookies = (store: NextCookies): CookieStore => make(internal.nextCookiesJar(store))

/**
 * A store for Next.js proxy: writes go to `response.cookies` and to
 * `request.cookies`, so code later in the same request reads the new value.
 *
 * @since 0.1.0
 * @category constructors
 */
export const fromNextProxy = (request: NextProxy["request"], response: NextProxy["response"]): CookieStore =>
  make(internal.nextProxyJar(request, response))

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
      if (internal.isExpiry(cookie)) cookies.delete(cookie.name)
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
 * Provides a store for one Node request: see {@link fromNode}.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerNode = (req: NodeRequest, res: NodeResponse): Layer.Layer<CookieStore> =>
  Layer.sync(CookieStore, () => fromNode(req, res))

/**
 * Provides a store for one web request: see {@link fromWeb}.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerWeb = (request: Request, response: Response | Headers): Layer.Layer<CookieStore> =>
  Layer.sync(CookieStore, () => fromWeb(request, response))

/**
 * Provides a store over Next.js `cookies()`: see {@link fromNextCookies}.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerNextCookies = (store: NextCookies): Layer.Layer<CookieStore> =>
  Layer.sync(CookieStore, () => fromNextCookies(store))

/**
 * Provides a store for Next.js proxy: see {@link fromNextProxy}.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerNextProxy = (
  request: NextProxy["request"],
  response: NextProxy["response"],
): Layer.Layer<CookieStore> => Layer.sync(CookieStore, () => fromNextProxy(request, response))

/**
 * Provides an in-memory store: see {@link makeMemory}.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerMemory = (initial?: Readonly<Record<string, string>>): Layer.Layer<CookieStore> =>
  Layer.sync(CookieStore, () => makeMemory(initial))
