/**
 * The cookie layer's edges: every public CookieStore constructor and layer
 * used directly, the jars behind them, the one writer both doors share (its
 * header is byte for byte the `cookie` package's), the option translation,
 * the byte count the size budget uses, and Next.js's read-only error as Next
 * itself throws it.
 */
import { describe, expect, it } from "@effect/vitest"
import { stringifySetCookie } from "cookie"
import { Cause, Duration, Effect, Exit, type Layer, Option } from "effect"
import { CookieStore } from "effect-iron-session"
import fc from "fast-check"
import { RequestCookies } from "next/dist/compiled/@edge-runtime/cookies/index.js"
import {
  MutableRequestCookiesAdapter,
  RequestCookiesAdapter,
} from "next/dist/server/web/spec-extension/adapters/request-cookies.js"
import { NextRequest, NextResponse } from "next/server.js"
import { fromCookieOptions } from "../../src/internal/effect.js"
import * as Cookie from "../../src/internal/kernel/cookie.js"
import { withServer } from "../helpers/server.js"

const provide = <A, E>(
  effect: Effect.Effect<A, E, CookieStore.CookieStore>,
  layer: Layer.Layer<CookieStore.CookieStore>,
) => Effect.runPromise(Effect.provide(effect, layer))

/** Reads `session`, lists the names, writes `session=new`, and reads it back: through the service tag only. */
const roundTrip = Effect.gen(function* () {
  const store = yield* CookieStore.CookieStore
  const before = yield* store.get("session")
  const names = yield* store.names
  yield* store.set("session", "new", { path: "/", maxAge: "1 minute" })
  return { before, names, after: yield* store.get("session") }
})

const expected = { before: Option.some("old"), names: ["a", "session"], after: Option.some("new") }

/** What Next's cookies().set throws in a Server Component, caught from Next itself. */
const nextReadOnlyError = (): Error => {
  const sealed = RequestCookiesAdapter.seal(new RequestCookies(new Headers()))
  try {
    sealed.set("x", "1")
  } catch (error) {
    return error as Error
  }
  throw new Error("Next's sealed cookies accepted a write")
}

describe("CookieStore layers, each used through the service tag", () => {
  it("layerNode reads and writes over a real node:http request", async () => {
    const { seen, setCookie } = await withServer(
      async (req, res) => {
        const result = await provide(roundTrip, CookieStore.layerNode(req, res))
        res.end(JSON.stringify(result))
      },
      async (url) => {
        const response = await fetch(url, { headers: { cookie: "a=1; session=old" } })
        return { seen: await response.json(), setCookie: response.headers.getSetCookie() }
      },
    )
    expect(seen).toEqual(JSON.parse(JSON.stringify(expected)))
    expect(setCookie).toEqual(["session=new; Max-Age=60; Path=/"])
  })

  it("layerWeb reads the Request and appends to a Headers or a Response", async () => {
    for (const out of [new Headers(), new Response("ok")]) {
      const request = new Request("http://127.0.0.1/", { headers: { cookie: "a=1; session=old" } })
      expect(await provide(roundTrip, CookieStore.layerWeb(request, out))).toEqual(expected)
      const headers = out instanceof Headers ? out : out.headers
      expect(headers.getSetCookie()).toEqual(["session=new; Max-Age=60; Path=/"])
    }
  })

  it("layerNextCookies reads and writes Next's mutable cookies()", async () => {
    const cookies = MutableRequestCookiesAdapter.wrap(
      new RequestCookies(new Headers({ cookie: "a=1; session=old" })),
      () => undefined,
    )
    expect(await provide(roundTrip, CookieStore.layerNextCookies(cookies))).toEqual(expected)
    expect(cookies.get("session")?.value).toBe("new")
  })

  it("layerNextProxy writes to the response and to the request", async () => {
    const request = new NextRequest("http://127.0.0.1/", { headers: { cookie: "a=1; session=old" } })
    const response = NextResponse.next()
    expect(await provide(roundTrip, CookieStore.layerNextProxy(request, response))).toEqual(expected)
    expect(request.cookies.get("session")?.value).toBe("new")
    expect(response.cookies.get("session")?.value).toBe("new")
  })

  it("layerMemory starts from the given cookies, or none, and each build is a request of its own", async () => {
    expect(await provide(roundTrip, CookieStore.layerMemory({ a: "1", session: "old" }))).toEqual(expected)
    const empty = await provide(roundTrip, CookieStore.layerMemory())
    expect(empty).toEqual({ before: Option.none(), names: [], after: Option.some("new") })
    const layer = CookieStore.layerMemory({ session: "old" })
    await provide(roundTrip, layer)
    expect(await provide(roundTrip, layer)).toMatchObject({ before: Option.some("old") })
  })
})

describe("CookieStore constructors, used directly", () => {
  it.effect("fromNextCookies lists no names for a store without getAll, and still reads and writes", () =>
    Effect.gen(function* () {
      const jar = new Map([["session", "old"]])
      const store = CookieStore.fromNextCookies({
        get: (name) => (jar.has(name) ? { name, value: jar.get(name)! } : undefined),
        set: (name, value) => jar.set(name, value),
      })
      expect(yield* store.names).toEqual([])
      expect(yield* store.get("session")).toEqual(Option.some("old"))
      yield* store.set("session", "new")
      expect(jar.get("session")).toBe("new")
      expect(yield* store.names).toEqual(["session"])
    }),
  )

  it.effect("fromNextProxy lists no names for request cookies without getAll", () =>
    Effect.gen(function* () {
      const store = CookieStore.fromNextProxy(
        { cookies: { get: () => undefined, set: () => undefined } },
        { cookies: { set: () => undefined } },
      )
      expect(yield* store.names).toEqual([])
    }),
  )

  it.effect("makeMemory keeps the Set-Cookie headers, the browser's cookies and the Cookie header it would send", () =>
    Effect.gen(function* () {
      const store = CookieStore.makeMemory({ a: "1", b: "2" })
      expect(store.cookieHeader()).toBe("a=1; b=2")
      yield* store.set("c", "3", { path: "/" })
      yield* store.set("a", "", { maxAge: 0 })
      expect(store.setCookieHeaders).toEqual(["c=3; Path=/", "a=; Max-Age=0"])
      expect([...store.cookies]).toEqual([
        ["b", "2"],
        ["c", "3"],
      ])
      expect(store.cookieHeader()).toBe("b=2; c=3")
    }),
  )

  it.effect("makeMemory's close refuses writes as a sent response would: headers-sent unless told otherwise", () =>
    Effect.gen(function* () {
      const store = CookieStore.makeMemory()
      store.close()
      expect(yield* Effect.flip(store.set("a", "1"))).toMatchObject({
        _tag: "CookieNotWritableError",
        reason: "headers-sent",
        cookieName: "a",
      })
      const other = CookieStore.makeMemory()
      other.close("body-used")
      expect(yield* Effect.flip(other.set("a", "1"))).toMatchObject({ reason: "body-used" })
      expect([store.setCookieHeaders, other.setCookieHeaders]).toEqual([[], []])
    }),
  )

  it.effect("make over a jar whose write throws NotWritable fails with that reason and detail", () =>
    Effect.gen(function* () {
      const store = CookieStore.make({
        read: () => undefined,
        names: () => [],
        write: () => {
          throw new CookieStore.NotWritable("rejected", "the framework said no")
        },
      })
      expect(yield* Effect.flip(store.set("a", "1"))).toMatchObject({
        _tag: "CookieNotWritableError",
        reason: "rejected",
        detail: "the framework said no",
        cookieName: "a",
      })
      const plain = CookieStore.make({
        read: () => undefined,
        names: () => [],
        write: () => {
          throw new CookieStore.NotWritable("read-only")
        },
      })
      const error = yield* Effect.flip(plain.set("a", "1"))
      expect(error).toMatchObject({ reason: "read-only" })
      expect(error).not.toHaveProperty("detail")
    }),
  )

  it.effect("make over a jar whose write throws anything else surfaces it as a defect, as it was thrown", () =>
    Effect.gen(function* () {
      const boom = new Error("the framework broke")
      const store = CookieStore.make({
        read: () => undefined,
        names: () => [],
        write: () => {
          throw boom
        },
      })
      const exit = yield* Effect.exit(store.set("a", "1"))
      expect(Exit.isFailure(exit) && Cause.dieOption(exit.cause)).toEqual(Option.some(boom))
      expect(yield* store.get("a")).toEqual(Option.none())
    }),
  )

  it.effect("set refuses an attribute Set-Cookie cannot carry, naming cookieOptions", () =>
    Effect.gen(function* () {
      const store = CookieStore.makeMemory()
      const error = yield* Effect.flip(store.set("a", "1", { path: "/x;y" }))
      expect(error).toMatchObject({ _tag: "InvalidOptionError", option: "cookieOptions" })
      expect(error.message).toContain("path")
      const maxAge = yield* Effect.flip(store.set("a", "1", { maxAge: "soon" as never }))
      expect(maxAge).toMatchObject({ _tag: "InvalidOptionError", option: "cookieOptions.maxAge" })
      expect(store.setCookieHeaders).toEqual([])
    }),
  )
})

describe("Next's read-only cookies() error", () => {
  it("is recognised as Next throws it, and when a production build has minified its class", () => {
    const error = nextReadOnlyError()
    expect(Cookie.isNextReadOnlyError(error)).toBe(true)
    const minified = Object.assign(new Error(error.message), { name: "e" })
    expect(Cookie.isNextReadOnlyError(minified)).toBe(true)
  })

  it("is recognised by its class name when its message is not Next's", () => {
    class ReadonlyRequestCookiesError extends Error {
      override name = "ReadonlyRequestCookiesError"
    }
    expect(Cookie.isNextReadOnlyError(new ReadonlyRequestCookiesError("reworded"))).toBe(true)
  })

  it("is not matched by other errors, nor by a thrown value that is not an object", () => {
    expect(Cookie.isNextReadOnlyError(new Error("something else"))).toBe(false)
    expect(Cookie.isNextReadOnlyError({ name: "Error", message: "something else" })).toBe(false)
    expect(Cookie.isNextReadOnlyError(nextReadOnlyError().message)).toBe(false)
    expect(Cookie.isNextReadOnlyError(null)).toBe(false)
    expect(Cookie.isNextReadOnlyError(undefined)).toBe(false)
  })

  it.effect(
    "makes a write to Next's sealed cookies() a read-only CookieNotWritableError, and passes other errors through",
    () =>
      Effect.gen(function* () {
        const sealed = CookieStore.fromNextCookies(RequestCookiesAdapter.seal(new RequestCookies(new Headers())))
        expect(yield* Effect.flip(sealed.set("a", "1"))).toMatchObject({ reason: "read-only" })
        const boom = new Error("disk full")
        const broken = CookieStore.fromNextCookies({
          get: () => undefined,
          set: () => {
            throw boom
          },
        })
        const exit = yield* Effect.exit(broken.set("a", "1"))
        expect(Exit.isFailure(exit) && Cause.dieOption(exit.cause)).toEqual(Option.some(boom))
      }),
  )
})

describe("the jars", () => {
  it("nodeJar reads own cookies only, lists names, and appends to a single earlier Set-Cookie string", async () => {
    const result = await withServer(
      (req, res) => {
        const jar = Cookie.nodeJar(req, res)
        const seen = {
          names: jar.names(),
          a: jar.read("a"),
          ctor: jar.read("constructor"),
          writable: jar.notWritable?.(),
        }
        res.setHeader("set-cookie", "theme=dark")
        jar.write(Cookie.unsafeCookie("b", "2", { path: "/" }))
        res.end(JSON.stringify(seen))
      },
      async (url) => {
        const response = await fetch(url, { headers: { cookie: "a=1; b=2" } })
        return { body: await response.json(), setCookie: response.headers.getSetCookie() }
      },
    )
    expect(result.body).toEqual({ names: ["a", "b"], a: "1" })
    expect(result.setCookie).toEqual(["theme=dark", "b=2; Path=/"])
  })

  it("nodeJar reads a request without a Cookie header as no cookies", () => {
    const jar = Cookie.nodeJar({ headers: {} }, { headersSent: true, getHeader: () => undefined, setHeader: () => 0 })
    expect([jar.names(), jar.read("a"), jar.notWritable?.()]).toEqual([[], undefined, "headers-sent"])
  })

  it("webJar never closes over a bare Headers, and closes over a Response once its body is used", async () => {
    const request = new Request("http://127.0.0.1/")
    expect(Cookie.webJar(request, new Headers()).notWritable?.()).toBeUndefined()
    const response = new Response("body")
    const jar = Cookie.webJar(request, response)
    expect(jar.notWritable?.()).toBeUndefined()
    await response.text()
    expect(jar.notWritable?.()).toBe("body-used")
    expect([jar.names(), jar.read("a")]).toEqual([[], undefined])
  })

  it("webJar turns immutable headers into NotWritable read-only, and lets any other error through", () => {
    const request = new Request("http://127.0.0.1/")
    const redirect = Cookie.webJar(request, Response.redirect("http://127.0.0.1/next", 302))
    expect(() => redirect.write(Cookie.unsafeCookie("a", "1", {}))).toThrow(Cookie.NotWritable)
    class Exploding extends Headers {
      override append(): void {
        throw new RangeError("no room")
      }
    }
    const exploding = Cookie.webJar(request, new Exploding())
    expect(() => exploding.write(Cookie.unsafeCookie("a", "1", {}))).toThrow(RangeError)
  })

  it("the Next.js jars count the Expires Next adds beside Max-Age, and nothing when Expires is given", () => {
    const store: Cookie.NextCookies = { get: () => undefined, set: () => undefined }
    const withMaxAge = Cookie.unsafeCookie("a", "1", { maxAge: 60 })
    const withExpires = Cookie.unsafeCookie("a", "1", { maxAge: 60, expires: new Date(0) })
    const neither = Cookie.unsafeCookie("a", "1", {})
    const proxy = Cookie.nextProxyJar({ cookies: { ...store, set: () => undefined } }, { cookies: store })
    for (const jar of [Cookie.cookiesJar(store), Cookie.nextCookiesJar(store), proxy]) {
      expect(jar.headerOf?.(withMaxAge)).toBe("a=1; Max-Age=60; Expires=Thu, 01 Jan 1970 00:00:00 GMT")
      expect(jar.headerOf?.(withExpires)).toBe(withExpires.header)
      expect(jar.headerOf?.(neither)).toBe("a=1")
      const cookies = Cookie.makeCookies(jar)
      expect(cookies.bytes(withMaxAge)).toBe("a=1; Max-Age=60; Expires=Thu, 01 Jan 1970 00:00:00 GMT".length)
    }
  })
})

describe("the request's cookies over a jar", () => {
  const memoryJar = (initial: Record<string, string>) => {
    const sent = new Map(Object.entries(initial))
    const written: Array<string> = []
    const jar: Cookie.Jar = {
      read: (name) => sent.get(name),
      names: () => [...sent.keys()],
      write: (cookie) => {
        written.push(cookie.header)
      },
    }
    return { jar, written }
  }

  it("reads what the request wrote over what it was sent, an expiry as absent, and lists names once", () => {
    const { jar } = memoryJar({ a: "1", b: "2" })
    const cookies = Cookie.makeCookies(jar)
    expect(cookies.writeAll([Cookie.unsafeCookie("b", "3", {}), Cookie.unsafeCookie("c", "4", {})])).toBeUndefined()
    expect(cookies.writeAll([Cookie.unsafeCookie("a", "", { maxAge: 0 })])).toBeUndefined()
    expect([cookies.read("a"), cookies.read("b"), cookies.read("c")]).toEqual([undefined, "3", "4"])
    expect(cookies.names()).toEqual(["b", "c"])
  })

  it("writes nothing for an empty batch, even when closed", () => {
    const { jar, written } = memoryJar({})
    const cookies = Cookie.makeCookies({ ...jar, notWritable: () => "headers-sent" })
    expect(cookies.writeAll([])).toBeUndefined()
    expect(written).toEqual([])
    expect(cookies.notWritable("s")).toMatchObject({ _tag: "CookieNotWritableError", cookieName: "s" })
  })

  it("stops a batch at the first cookie the jar refuses, and names that cookie", () => {
    const { jar, written } = memoryJar({})
    const cookies = Cookie.makeCookies({
      ...jar,
      write: (cookie) => {
        if (cookie.name === "s.1") throw new Cookie.NotWritable("rejected")
        jar.write(cookie)
      },
    })
    const batch = ["s.0", "s.1", "s.2"].map((name) => Cookie.unsafeCookie(name, "x", {}))
    expect(cookies.writeAll(batch)).toMatchObject({ cookieName: "s.1", reason: "rejected" })
    expect(written).toEqual(["s.0=x"])
    expect([cookies.read("s.0"), cookies.read("s.1")]).toEqual(["x", undefined])
  })

  it("counts bytes of the header the runtime sends, in UTF-8", () => {
    const { jar } = memoryJar({})
    const cookie = Cookie.unsafeCookie("a", "1", {})
    expect(Cookie.makeCookies(jar).bytes(cookie)).toBe(3)
    expect(Cookie.makeCookies({ ...jar, headerOf: () => "é☃" }).bytes(cookie)).toBe(5)
    expect([
      Cookie.byteLength("abc"),
      Cookie.byteLength("é"),
      Cookie.byteLength("☃"),
      Cookie.byteLength("\u0080"),
    ]).toEqual([3, 2, 3, 2])
  })

  it("keeps one value per key for the request, made on first use", () => {
    const cookies = Cookie.makeCookies(memoryJar({}).jar)
    const key = {}
    let made = 0
    const init = () => ({ made: ++made })
    const first = cookies.local(key, init)
    expect(cookies.local(key, init)).toBe(first)
    expect(cookies.local({}, init)).toEqual({ made: 2 })
    expect(Cookie.makeCookies(memoryJar({}).jar).local(key, init)).toEqual({ made: 3 })
  })

  it("parses the Cookie header once, on first use", () => {
    let reads = 0
    const cookies = Cookie.lazyCookies(() => {
      reads++
      return "a=1; b=2"
    })
    expect(reads).toBe(0)
    expect(cookies()).toEqual({ a: "1", b: "2" })
    cookies()
    expect(reads).toBe(1)
    expect(Cookie.lazyCookies(() => null)()).toEqual({})
  })
})

describe("the one cookie writer", () => {
  const attributeSets: ReadonlyArray<Cookie.Attributes> = [
    {},
    { ...Cookie.DEFAULT_ATTRIBUTES, maxAge: 1209540 },
    { path: "/a", domain: "example.com", maxAge: 0, sameSite: "strict", priority: "high", partitioned: true },
    { expires: new Date(1_800_000_000_000), secure: false, httpOnly: false },
  ]

  it.prop(
    "writes, for any value, exactly the header the cookie package would",
    [fc.string({ unit: "binary", maxLength: 40 }), fc.constantFrom(...attributeSets)],
    ([value, attributes]) => {
      const expectedHeader = Cookie.serialize("name", value, attributes)
      expect(Cookie.cookieWriter(attributes)("name", value).header).toBe(expectedHeader)
    },
    { fastCheck: { numRuns: 300 }, timeout: 60_000 },
  )

  it("leaves plain values as they are and encodes the rest, as the cookie package does", () => {
    const write = Cookie.cookieWriter({ path: "/" })
    expect(write("a", "Fe26.2*1*x~2").header).toBe("a=Fe26.2*1*x~2; Path=/")
    expect(write("a", "a b;c").header).toBe("a=a%20b%3Bc; Path=/")
    expect(write("a", "x;").header).toBe(stringifySetCookie({ name: "a", value: "x;", path: "/" }))
    expect(write("a", ";x").header).toBe(stringifySetCookie({ name: "a", value: ";x", path: "/" }))
    expect(write("a", "").header).toBe("a=; Path=/")
  })

  it("drops maxAge when it is undefined, and keeps every other attribute", () => {
    expect(Cookie.serialize("a", "1", { maxAge: undefined, path: "/" })).toBe("a=1; Path=/")
    expect(Cookie.serialize("a", "1", { maxAge: 0 })).toBe("a=1; Max-Age=0")
    const cookie = Cookie.unsafeCookie("a", "1", { maxAge: 5 })
    expect(cookie).toEqual({ name: "a", value: "1", attributes: { maxAge: 5 }, header: "a=1; Max-Age=5" })
  })

  it("calls a cookie an expiry when its Max-Age is zero or less, and only then", () => {
    const expiry = (maxAge: number | undefined) => Cookie.isExpiry({ attributes: { maxAge } })
    expect([expiry(0), expiry(-1), expiry(1), expiry(undefined)]).toEqual([true, true, false, false])
  })
})

describe("options into attributes", () => {
  it("turns maxAge into whole seconds, floored, a bare number being milliseconds", () => {
    expect(fromCookieOptions({ maxAge: "90 seconds" })).toEqual({ maxAge: 90 })
    expect(fromCookieOptions({ maxAge: 1999 })).toEqual({ maxAge: 1 })
    expect(fromCookieOptions({ maxAge: "0 seconds" })).toEqual({ maxAge: 0 })
  })

  it("keeps maxAge: undefined as a browser-session cookie, and leaves an absent maxAge absent", () => {
    const browser = fromCookieOptions({ maxAge: undefined, path: "/" })
    expect(browser).toEqual({ path: "/" })
    expect("maxAge" in (browser as object)).toBe(true)
    const absent = fromCookieOptions({ path: "/" })
    expect("maxAge" in (absent as object)).toBe(false)
  })

  it("drops every other option given as undefined, and keeps false and the rest", () => {
    const attributes = fromCookieOptions({ domain: undefined, secure: false, sameSite: "none", path: "/p" })
    expect(attributes).toEqual({ secure: false, sameSite: "none", path: "/p" })
    expect(Object.keys(attributes)).toEqual(["secure", "sameSite", "path"])
  })

  it("refuses a maxAge that is not a finite duration, saying what to give instead", () => {
    for (const maxAge of ["soon", Duration.infinity, "Infinity"] as const) {
      const error = fromCookieOptions({ maxAge: maxAge as never })
      expect(error).toMatchObject({ _tag: "InvalidOptionError", option: "cookieOptions.maxAge" })
      expect((error as Error).message).toContain("is not a finite duration")
    }
  })

  it("checks the prefixes without regard to case, and names the attribute to fix", () => {
    const secure = { secure: true, path: "/" }
    expect(Cookie.checkPrefix("__HOST-a", { path: "/" })).toMatchObject({ option: "cookieOptions.secure" })
    expect(Cookie.checkPrefix("__secure-a", {})).toMatchObject({ option: "cookieOptions.secure" })
    expect(Cookie.checkPrefix("__host-a", { ...secure, domain: "x.com" })).toMatchObject({
      option: "cookieOptions.domain",
    })
    expect(Cookie.checkPrefix("__Host-a", { secure: true })).toMatchObject({ option: "cookieOptions.path" })
    expect(Cookie.checkPrefix("__Host-a", secure)).toBeUndefined()
    expect(Cookie.checkPrefix("__Secure-a", { secure: true, domain: "x.com", path: "/x" })).toBeUndefined()
    expect(Cookie.checkPrefix("a__Host-", {})).toBeUndefined()
    expect((Cookie.checkPrefix("__Secure-a", {}) as Error).message).toContain("__Secure-")
    expect((Cookie.checkPrefix("__host-a", {}) as Error).message).toContain("__Host-")
  })

  it("checks a name strictly (RFC 6265 tokens) only when asked, and always what Set-Cookie can carry", () => {
    expect(Cookie.checkCookie("app:session", {}, true)).toMatchObject({ option: "cookieName" })
    expect(Cookie.checkCookie("app:session", {}, false)).toBeUndefined()
    expect(Cookie.checkCookie("a b", {}, false)).toMatchObject({ option: "cookieName" })
    expect(Cookie.checkCookie("a", { domain: "bad domain" }, false)).toMatchObject({ option: "cookieOptions" })
    expect(Cookie.checkCookie("__Host-a", { path: "/" }, false)).toMatchObject({ option: "cookieOptions.secure" })
  })
})

describe("the public names of the cookie layer", () => {
  it("the service is found by its key, effect-iron-session/CookieStore, from any copy of the library", () => {
    expect(CookieStore.CookieStore.key).toBe("effect-iron-session/CookieStore")
  })

  it("NotWritable is tagged NotWritable, with its reason and detail", () => {
    expect({ ...new CookieStore.NotWritable("rejected", "why") }).toEqual({
      _tag: "NotWritable",
      reason: "rejected",
      detail: "why",
    })
  })

  it.effect("set refuses a name the cookie package takes but @effect/platform does not (RFC 6265 tokens only)", () =>
    Effect.gen(function* () {
      const store = CookieStore.makeMemory()
      expect(yield* Effect.flip(store.set("app:session", "1"))).toMatchObject({
        _tag: "InvalidOptionError",
        option: "cookieName",
      })
      expect(store.setCookieHeaders).toEqual([])
    }),
  )

  it("the Next.js jars list no names where the store cannot list them", () => {
    const store: Cookie.NextCookies = { get: () => undefined, set: () => undefined }
    expect(Cookie.cookiesJar(store).names()).toEqual([])
    expect(
      Cookie.nextProxyJar({ cookies: { get: () => undefined, set: () => undefined } }, { cookies: store }).names(),
    ).toEqual([])
  })

  it("names the prefix a Secure-less cookie breaks, __Host- or __Secure-", () => {
    expect((Cookie.checkPrefix("__secure-a", {}) as Error).message).toContain("browsers drop a __Secure- cookie")
    expect((Cookie.checkPrefix("__HOST-a", {}) as Error).message).toContain("browsers drop a __Host- cookie")
  })
})
