/**
 * Cookies: the one writer both doors go through (attributes, serializing,
 * the rules a name must follow), the store over a jar, and the jar builders
 * for each runtime.
 *
 * Everything here takes {@link Attributes}, iron-session's shape (`maxAge` in
 * seconds, as the `cookie` package and Next.js take it): the Promise facade's
 * own options. The Effect API turns `@effect/platform`'s (`maxAge` a
 * `Duration`) into them once, when a session is built (`./effect.ts`), so that
 * everything after that point (defaults, size budget, expiry) exists once.
 *
 * @internal
 */
import { parseCookie, type SetCookie, stringifySetCookie } from "cookie"
import { CookieNotWritableError, InvalidOptionError, type NotWritableReason } from "./errors.js"

/**
 * `Set-Cookie` attributes as the `cookie` package, Next.js and iron-session
 * take them: `maxAge` in **seconds**. An absent `maxAge` is a browser-session
 * cookie.
 */
export type Attributes = Omit<SetCookie, "name" | "value" | "maxAge"> & {
  readonly maxAge?: number | undefined
}

/** One cookie to write, with its `Set-Cookie` header serialized once. */
export interface Cookie {
  readonly name: string
  readonly value: string
  readonly attributes: Attributes
  readonly header: string
}

/** iron-session's cookie defaults. */
export const DEFAULT_ATTRIBUTES: Attributes = { httpOnly: true, secure: true, sameSite: "lax", path: "/" }

/** Serializes a `Set-Cookie` value; throws (from `cookie`) on what `Set-Cookie` cannot carry. */
export const serialize = (name: string, value: string, attributes: Attributes): string => {
  const { maxAge, ...rest } = attributes
  return stringifySetCookie({ ...rest, ...(maxAge === undefined ? {} : { maxAge }), name, value })
}

/** Builds a {@link Cookie} for values already checked. */
export const unsafeCookie = (name: string, value: string, attributes: Attributes): Cookie => ({
  name,
  value,
  attributes,
  header: serialize(name, value, attributes),
})

/** Values `encodeURIComponent` leaves as they are and a cookie may carry: every seal and chunk is one. */
const PLAIN_VALUE = /^[A-Za-z0-9_\-*~.!'()]*$/

/**
 * A cookie builder for attributes checked once: the attributes are serialized
 * here, and each cookie's header is its name and value before them. The
 * `cookie` package's serializer validates and encodes every attribute on every
 * call, which for a session written on every request is most of the cost of a
 * `Set-Cookie`; the header is the same, byte for byte (the suffix is its own
 * output). A value outside the plain characters goes through it in full.
 */
export const cookieWriter = (attributes: Attributes): ((name: string, value: string) => Cookie) => {
  const suffix = serialize("x", "", attributes).slice(2)
  return (name, value) => ({
    name,
    value,
    attributes,
    header: PLAIN_VALUE.test(value) ? `${name}=${value}${suffix}` : serialize(name, value, attributes),
  })
}

/** Whether a cookie is an expiry (`Max-Age` zero or less): writing it deletes the cookie of that name. */
export const isExpiry = (cookie: Pick<Cookie, "attributes">): boolean =>
  cookie.attributes.maxAge !== undefined && cookie.attributes.maxAge <= 0

/**
 * RFC 6265's `token`: the cookie names `@effect/platform` accepts (its
 * `Cookies.makeCookie` uses this exact set; a property test keeps the two in
 * agreement). The `cookie` package takes a wider set, which the facade keeps
 * for iron-session's sake.
 */
export const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/

const invalid = (option: string, reason: string) => new InvalidOptionError({ option, reason })

/**
 * Browsers drop a cookie whose name has the `__Secure-` or `__Host-` prefix
 * unless its attributes keep the prefix's promise, silently. Refused here, when
 * the session is built, instead. Matched without regard to case, as current
 * browsers do.
 */
export const checkPrefix = (name: string, attributes: Attributes): InvalidOptionError | undefined => {
  const lower = name.toLowerCase()
  const host = lower.startsWith("__host-")
  if (!host && !lower.startsWith("__secure-")) return undefined
  const prefix = host ? "__Host-" : "__Secure-"
  if (attributes.secure !== true) {
    return invalid(
      "cookieOptions.secure",
      `a cookie named ${JSON.stringify(name)} must be Secure: browsers drop a ${prefix} cookie without it. Keep secure: true (and serve over https), or drop the prefix.`,
    )
  }
  if (host && attributes.domain !== undefined) {
    return invalid(
      "cookieOptions.domain",
      `a __Host- cookie cannot have a Domain: browsers drop it. Remove domain, or use the __Secure- prefix.`,
    )
  }
  if (host && attributes.path !== "/") {
    return invalid(
      "cookieOptions.path",
      `a __Host- cookie must have Path=/: browsers drop it otherwise. Use path: "/", or the __Secure- prefix.`,
    )
  }
  return undefined
}

/**
 * Checks a cookie name and attributes once, by serializing a probe cookie:
 * a name or an attribute `Set-Cookie` cannot carry is an
 * {@link InvalidOptionError} at start-up, not a failure on the first save.
 * `strict` holds the Effect API to more than `Set-Cookie` can carry: names
 * must be a {@link TOKEN} (they must also pass `@effect/platform`), and
 * `SameSite=None` needs `Secure`. The facade writes those as iron-session
 * does, and warns about the second: see {@link dropsSameSiteNone}.
 */
export const checkCookie = (name: string, attributes: Attributes, strict: boolean): InvalidOptionError | undefined => {
  const badName = invalid(
    "cookieName",
    `${JSON.stringify(name)} is not a valid cookie name. Use letters, digits and any of !#$%&'*+-.^_\`|~ (no spaces, no ;,=:).`,
  )
  if (strict && !TOKEN.test(name)) return badName
  try {
    serialize(name, "", {})
  } catch {
    return badName
  }
  try {
    serialize(name, "", attributes)
  } catch (error) {
    return invalid("cookieOptions", `${error instanceof Error ? error.message : String(error)}.`)
  }
  if (strict && dropsSameSiteNone(attributes)) {
    return invalid(
      "cookieOptions.secure",
      `a SameSite=None cookie must be Secure: browsers drop it otherwise, and the session would never come back. Keep secure: true (and serve over https), or use sameSite: "lax".`,
    )
  }
  return checkPrefix(name, attributes)
}

/**
 * Whether browsers drop a cookie with these attributes for `SameSite=None`
 * without `Secure` (Chrome since 80, Firefox and Safari since): written as
 * asked, it is never sent back.
 */
export const dropsSameSiteNone = (attributes: Attributes): boolean =>
  attributes.secure !== true && typeof attributes.sameSite === "string" && attributes.sameSite.toLowerCase() === "none"

const encoder = new TextEncoder()
const NON_ASCII = /[\u0080-\uffff]/

/** UTF-8 bytes of a header (almost always ASCII: the value is URL-encoded). */
export const byteLength = (header: string): number =>
  NON_ASCII.test(header) ? encoder.encode(header).length : header.length

/**
 * What an adapter's `write` throws when the runtime refuses the cookie for a
 * known reason (Next.js's read-only `cookies()`, immutable `Response`
 * headers). Anything else a `write` throws is a defect and surfaces as is.
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
 */
export interface Jar {
  /** The value of a cookie sent with the request. (Writes made in the request are tracked by the store.) */
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
 * A request's cookies over a jar, as the session engine uses them: plain
 * synchronous calls (the public `CookieStore` service wraps these in Effects).
 */
export interface Cookies {
  /** A cookie's value, as written earlier in this request if it was (none if expired), else as sent. */
  readonly read: (name: string) => string | undefined
  /** The names of the cookies present, after this request's writes. */
  readonly names: () => ReadonlyArray<string>
  /** Bytes of the `Set-Cookie` header this runtime sends for a cookie (browsers cap it at 4096). */
  readonly bytes: (cookie: Cookie) => number
  /** Why cookies can no longer be written, or `undefined`. */
  readonly notWritable: (name: string) => CookieNotWritableError | undefined
  /**
   * Writes several cookies, after checking once that all of them can be
   * written, so a session split into chunks is never left half-written.
   * Returns the error instead of throwing it; whatever else the jar throws is thrown.
   */
  readonly writeAll: (cookies: ReadonlyArray<Cookie>) => CookieNotWritableError | undefined
  /**
   * A value kept for as long as this request's cookies: each session's state
   * for the request, made by `init` on first use. Kept here, on an object
   * that is the request's, rather than in WeakMaps keyed by it: every live
   * WeakMap entry is more work for each garbage collection, and there would
   * be one per session per request in flight.
   */
  readonly local: <T>(key: object, init: () => T) => T
}

/** Where a `CookieStore` keeps its {@link Cookies}. */
export const StoreTypeId: unique symbol = Symbol.for("effect-iron-session/CookieStore")

/** The synchronous cookies behind a `CookieStore`, for the session engine. */
export const cookiesOf = (store: { readonly [StoreTypeId]: Cookies }): Cookies => store[StoreTypeId]

export const makeCookies = (jar: Jar): Cookies => {
  // What this request wrote, so that reads see it: a session that is saved
  // and then destroyed (or saved again at another size) in one request must
  // expire the chunks it just wrote, not only those the request came with.
  const written = new Map<string, Cookie>()
  const read = (name: string): string | undefined => {
    const cookie = written.get(name)
    if (cookie === undefined) return jar.read(name)
    return isExpiry(cookie) ? undefined : cookie.value
  }
  const notWritable = (name: string) => {
    const reason = jar.notWritable?.()
    return reason === undefined ? undefined : new CookieNotWritableError({ cookieName: name, reason })
  }
  const headerOf = jar.headerOf
  let locals: Map<object, unknown> | undefined
  return {
    local: <T>(key: object, init: () => T): T => {
      locals ??= new Map()
      if (locals.has(key)) return locals.get(key) as T
      const value = init()
      locals.set(key, value)
      return value
    },
    read,
    names: () => [...new Set([...jar.names(), ...written.keys()])].filter((name) => read(name) !== undefined),
    bytes: (cookie) => byteLength(headerOf === undefined ? cookie.header : headerOf(cookie)),
    notWritable,
    writeAll: (cookies) => {
      const first = cookies[0]
      if (first === undefined) return undefined
      const closed = notWritable(first.name)
      if (closed !== undefined) return closed
      for (const cookie of cookies) {
        try {
          jar.write(cookie)
        } catch (error) {
          if (error instanceof NotWritable) {
            return new CookieNotWritableError({
              cookieName: cookie.name,
              reason: error.reason,
              ...(error.detail === undefined ? {} : { detail: error.detail }),
            })
          }
          throw error
        }
        written.set(cookie.name, cookie)
      }
      return undefined
    },
  }
}

/** Parses a `Cookie` header once, on first use, into an object without a prototype. */
export const lazyCookies = (header: () => string | null | undefined) => {
  let parsed: Record<string, string | undefined> | undefined
  return () => {
    // `parseCookie` returns a null-prototype object, so a cookie named
    // `constructor` or `toString` is read as itself, not as Object.prototype's.
    if (parsed === undefined) parsed = parseCookie(header() ?? "")
    return parsed
  }
}

/** An own property of an object parsed from a request, or undefined. */
export const own = (record: Readonly<Record<string, string | undefined>>, name: string): string | undefined =>
  Object.hasOwn(record, name) ? record[name] : undefined

/** The parts of Node's `IncomingMessage` used here (also Express and Connect). */
export interface NodeRequest {
  readonly headers: { readonly cookie?: string | undefined }
}

/** The parts of Node's `ServerResponse` used here (also Express and Connect). */
export interface NodeResponse {
  readonly headersSent: boolean
  getHeader(name: string): number | string | ReadonlyArray<string> | undefined
  setHeader(name: string, value: ReadonlyArray<string>): unknown
}

/**
 * A jar over Node's `req`/`res`. Keeps any `Set-Cookie` headers set before,
 * and refuses to write once the headers were sent (Node would drop the cookie
 * silently).
 */
export const nodeJar = (req: NodeRequest, res: NodeResponse): Jar => {
  const cookies = lazyCookies(() => req.headers.cookie)
  return {
    read: (name) => own(cookies(), name),
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
 */
export const webJar = (request: Request, response: Response | Headers): Jar => {
  const cookies = lazyCookies(() => request.headers.get("cookie"))
  const headers = response instanceof Headers ? response : response.headers
  return {
    read: (name) => own(cookies(), name),
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
 */
export interface NextCookies {
  get: (name: string) => { name: string; value: string } | undefined
  getAll?: () => Array<{ name: string; value: string }>
  set: (name: string, value: string, cookie: Partial<Attributes>) => unknown
}

/**
 * Next.js derives an `Expires` from `Max-Age` and adds it to the header, so
 * the size budget counts one (every HTTP date is the same length).
 */
const withNextExpires = (cookie: Cookie): string =>
  cookie.attributes.maxAge !== undefined && cookie.attributes.expires === undefined
    ? `${cookie.header}; Expires=${new Date(0).toUTCString()}`
    : cookie.header

/**
 * A jar over any `cookies()`-shaped store (`get`, `set`, optional `getAll`),
 * as iron-session uses one: whatever `set` throws is thrown as it is.
 */
export const cookiesJar = (store: NextCookies): Jar => ({
  read: (name) => store.get(name)?.value,
  names: () => store.getAll?.().map((c) => c.name) ?? [],
  headerOf: withNextExpires,
  write: ({ name, value, attributes }) => {
    store.set(name, value, attributes)
  },
})

/**
 * Whether `cookies()` is Next's read-only store (a Server Component). Next
 * seals it with a `Proxy` that answers `set`, `delete` and `clear` with one
 * function, the static `callable` of its read-only error, which throws; a
 * writable store (a Route Handler, a Server Action) answers each with a
 * function of its own. An identity, not a name or a message: it holds in
 * development and in minified production builds alike (checked against Next
 * 16's real classes in test/Next.test.ts and in a production build by
 * test/e2e/next.e2e.test.ts). A store without a `delete` is never taken for
 * read-only here: its `set` is tried, and {@link isNextReadOnlyError} judges
 * what it throws.
 */
export const isNextReadOnlyStore = (store: NextCookies): boolean => {
  const { set } = store
  return typeof set === "function" && set === (store as { readonly delete?: unknown }).delete
}

/** Next's wording, the last resort: the only signal a rewrite of the class would keep. */
const NEXT_READ_ONLY_MESSAGE = /Cookies can only be modified in a Server Action or Route Handler/

/**
 * Whether an error thrown by Next's `cookies().set` is its read-only error.
 * That happens with a store that does not look read-only: a writable store
 * kept past the end of its Server Action (Next checks the request's phase on
 * each write), or a wrapper around the store. Next's class sets no `name`
 * (it stays `"Error"`), and production builds minify the class to a letter,
 * so the signals are, strongest first:
 *
 * - the class's static `callable` method: a method name, which minifiers keep
 *   (the read-only store hands out this very function as its `set`);
 * - the class's name, `ReadonlyRequestCookiesError`, in development;
 * - the message, whatever the build, should both of the above change.
 *
 * Only what a Next `cookies()` store throws from `set` is asked, so a static
 * `callable` on some other error class cannot be met here by accident.
 */
export const isNextReadOnlyError = (error: unknown): boolean => {
  if (typeof error !== "object" || error === null) return false
  const errorClass: unknown = (error as { readonly constructor?: unknown }).constructor
  if (typeof errorClass === "function") {
    if (
      Object.hasOwn(errorClass, "callable") &&
      typeof (errorClass as { callable?: unknown }).callable === "function"
    ) {
      return true
    }
    if (errorClass.name === "ReadonlyRequestCookiesError") return true
  }
  const { name, message } = error as { readonly name?: unknown; readonly message?: unknown }
  return name === "ReadonlyRequestCookiesError" || (typeof message === "string" && NEXT_READ_ONLY_MESSAGE.test(message))
}

/**
 * A jar over Next.js `cookies()`. In a Server Component the store is read-only
 * and Next throws from `set`: that becomes a `CookieNotWritableError` with
 * reason `read-only`, not a crash. The sealed store is recognised before
 * anything is written ({@link isNextReadOnlyStore}), so a session split into
 * chunks is refused whole; a store that turns out read-only only when written
 * is recognised by what it throws ({@link isNextReadOnlyError}).
 */
export const nextCookiesJar = (store: NextCookies): Jar => {
  const jar = cookiesJar(store)
  return {
    ...jar,
    notWritable: () => (isNextReadOnlyStore(store) ? "read-only" : undefined),
    write: (cookie) => {
      try {
        jar.write(cookie)
      } catch (error) {
        throw isNextReadOnlyError(error) ? new NotWritable("read-only") : error
      }
    },
  }
}

/**
 * The parts of `NextRequest` and `NextResponse` used in Next.js proxy
 * (`proxy.ts`, `middleware.ts` before Next 16).
 */
export interface NextProxy {
  readonly request: {
    readonly cookies: Omit<NextCookies, "set"> & { set: (name: string, value: string) => unknown }
  }
  readonly response: {
    readonly cookies: { set: (name: string, value: string, cookie: Partial<Attributes>) => unknown }
  }
}

/**
 * A jar for Next.js proxy. Writes go to `response.cookies` (Next only merges a
 * cookie into the render when it goes through there; a raw `Set-Cookie` header
 * vanishes) and to `request.cookies`, so code later in the same request reads
 * the new value.
 */
export const nextProxyJar = (request: NextProxy["request"], response: NextProxy["response"]): Jar => ({
  read: (name) => request.cookies.get(name)?.value,
  names: () => request.cookies.getAll?.().map((c) => c.name) ?? [],
  headerOf: withNextExpires,
  write: ({ name, value, attributes }) => {
    response.cookies.set(name, value, attributes)
    request.cookies.set(name, value)
  },
})
