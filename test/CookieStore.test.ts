import { describe, expect, it } from "@effect/vitest"
import { Effect, Either, Option } from "effect"
import { CookieStore } from "effect-iron-session"
import { RequestCookies } from "next/dist/compiled/@edge-runtime/cookies/index.js"
import {
  MutableRequestCookiesAdapter,
  RequestCookiesAdapter,
} from "next/dist/server/web/spec-extension/adapters/request-cookies.js"
import { NextRequest, NextResponse } from "next/server.js"
import * as Cookie from "../src/internal/kernel/cookie.js"
import { withServer } from "./helpers/server.js"

const options: CookieStore.CookieOptions = {
  path: "/",
  httpOnly: true,
  secure: true,
  sameSite: "lax",
  maxAge: "60 seconds",
}

const run = <A, E>(effect: Effect.Effect<A, E, CookieStore.CookieStore>, store: CookieStore.CookieStore) =>
  Effect.runPromise(Effect.either(Effect.provideService(effect, CookieStore.CookieStore, store)))

describe("CookieStore over Node's req/res (a real server on 127.0.0.1)", () => {
  it("reads the cookies the client sent and lists their names", async () => {
    const seen = await withServer(
      async (req, res) => {
        const store = CookieStore.fromNode(req, res)
        const result = await run(
          Effect.all([CookieStore.CookieStore.pipe(Effect.flatMap((s) => s.get("b"))), store.names, store.get("zz")]),
          store,
        )
        res.end(JSON.stringify(Either.getOrThrow(result)))
      },
      (url) => fetch(url, { headers: { cookie: "a=1; b=two; c=3" } }).then((r) => r.json()),
    )
    expect(seen).toEqual([
      { _id: "Option", _tag: "Some", value: "two" },
      ["a", "b", "c"],
      { _id: "Option", _tag: "None" },
    ])
  })

  it("writes a cookie with its attributes, Max-Age in seconds", async () => {
    const response = await withServer(
      async (req, res) => {
        const store = CookieStore.fromNode(req, res)
        Either.getOrThrow(await run(store.set("session", "v1", options), store))
      },
      (url) => fetch(url),
    )
    expect(response.headers.getSetCookie()).toEqual(["session=v1; Max-Age=60; Path=/; HttpOnly; Secure; SameSite=Lax"])
  })

  it("keeps Set-Cookie headers that were set before, whether one string or a list", async () => {
    for (const earlier of ["theme=dark", ["theme=dark", "lang=en"]]) {
      const response = await withServer(
        async (req, res) => {
          res.setHeader("set-cookie", earlier)
          const store = CookieStore.fromNode(req, res)
          Either.getOrThrow(await run(store.set("session", "v1", { path: "/" }), store))
        },
        (url) => fetch(url),
      )
      expect(response.headers.getSetCookie()).toEqual([...[earlier].flat(), "session=v1; Path=/"])
    }
  })

  it("fails with CookieNotWritableError headers-sent once the headers went out, and writes nothing", async () => {
    let error: unknown
    await withServer(
      async (req, res) => {
        res.flushHeaders()
        const store = CookieStore.fromNode(req, res)
        error = Either.getLeft(await run(store.set("session", "v1", options), store)).pipe(Option.getOrUndefined)
        expect(res.getHeader("set-cookie")).toBeUndefined()
      },
      (url) => fetch(url).then((r) => r.text()),
    )
    expect(error).toMatchObject({ _tag: "CookieNotWritableError", reason: "headers-sent", cookieName: "session" })
    expect((error as Error).message).toContain("headers were sent")
  })
})

describe("CookieStore over web Request and Response/Headers", () => {
  const request = new Request("http://127.0.0.1/", { headers: { cookie: "a=1; session=abc" } })

  it("reads from the Request and appends to a Headers", async () => {
    const headers = new Headers({ "set-cookie": "theme=dark" })
    const store = CookieStore.fromWeb(request, headers)
    expect(Either.getOrThrow(await run(store.get("session"), store))).toEqual(Option.some("abc"))
    expect(Either.getOrThrow(await run(store.names, store))).toEqual(["a", "session"])
    Either.getOrThrow(await run(store.set("session", "new", options), store))
    expect(headers.getSetCookie()).toEqual([
      "theme=dark",
      "session=new; Max-Age=60; Path=/; HttpOnly; Secure; SameSite=Lax",
    ])
  })

  it("appends to a Response's headers", async () => {
    const response = new Response("ok")
    const store = CookieStore.fromWeb(request, response)
    Either.getOrThrow(await run(store.set("session", "new", { path: "/" }), store))
    expect(response.headers.getSetCookie()).toEqual(["session=new; Path=/"])
  })

  it("fails with CookieNotWritableError body-used once the body was read", async () => {
    const response = new Response("ok")
    await response.text()
    const store = CookieStore.fromWeb(request, response)
    const result = await run(store.set("session", "new", options), store)
    expect(Either.getLeft(result)).toEqual(
      Option.some(expect.objectContaining({ _tag: "CookieNotWritableError", reason: "body-used" })),
    )
    expect(response.headers.getSetCookie()).toEqual([])
  })

  it("fails with CookieNotWritableError read-only on immutable headers (Response.redirect)", async () => {
    const response = Response.redirect("http://127.0.0.1/next", 302)
    const store = CookieStore.fromWeb(request, response)
    const result = await run(store.set("session", "new", options), store)
    expect(Either.getLeft(result)).toEqual(
      Option.some(expect.objectContaining({ _tag: "CookieNotWritableError", reason: "read-only" })),
    )
  })
})

describe("CookieStore over Next.js cookies()", () => {
  const headers = () => new Headers({ cookie: "a=1; session=abc" })

  it("reads and writes where cookies() is mutable (Server Action, Route Handler)", async () => {
    const updates: Array<Array<string>> = []
    const cookies = MutableRequestCookiesAdapter.wrap(new RequestCookies(headers()), (c) => updates.push(c))
    const store = CookieStore.fromNextCookies(cookies)
    expect(Either.getOrThrow(await run(store.get("session"), store))).toEqual(Option.some("abc"))
    Either.getOrThrow(await run(store.set("session", "new", options), store))
    expect(cookies.get("session")?.value).toBe("new")
    expect(updates.at(-1)).toEqual([
      expect.stringMatching(/^session=new; Path=\/; Expires=.*; Max-Age=60; Secure; HttpOnly; SameSite=lax$/),
    ])
  })

  it("reads in a Server Component, where a write is a typed error and not a crash", async () => {
    const cookies = RequestCookiesAdapter.seal(new RequestCookies(headers()))
    const store = CookieStore.fromNextCookies(cookies)
    expect(Either.getOrThrow(await run(store.get("session"), store))).toEqual(Option.some("abc"))
    expect(Either.getOrThrow(await run(store.names, store))).toEqual(["a", "session"])
    const result = await run(store.set("session", "new", options), store)
    const error = Option.getOrThrow(Either.getLeft(result))
    expect(error).toMatchObject({ _tag: "CookieNotWritableError", reason: "read-only", cookieName: "session" })
    expect(error.message).toContain("Server Component")
  })
})

describe("CookieStore in Next.js proxy", () => {
  it("writes to the response and to the request, so later reads in the request see the new value", async () => {
    const request = new NextRequest("http://127.0.0.1/page", { headers: { cookie: "session=old" } })
    const response = NextResponse.next()
    const store = CookieStore.fromNextProxy(request, response)
    expect(Either.getOrThrow(await run(store.get("session"), store))).toEqual(Option.some("old"))
    Either.getOrThrow(await run(store.set("session", "new", options), store))
    expect(request.cookies.get("session")?.value).toBe("new")
    expect(Either.getOrThrow(await run(store.get("session"), store))).toEqual(Option.some("new"))
    expect(response.headers.getSetCookie()).toEqual([
      expect.stringMatching(/^session=new; Path=\/; Expires=.*; Max-Age=60; Secure; HttpOnly; SameSite=lax$/),
    ])
  })
})

describe("CookieStore in memory", () => {
  it.effect("applies writes like a browser: later reads see them and Max-Age=0 deletes", () =>
    Effect.gen(function* () {
      const store = CookieStore.makeMemory({ a: "1" })
      yield* store.set("b", "2", { path: "/" })
      yield* store.set("a", "", { path: "/", maxAge: 0 })
      expect(yield* store.get("b")).toEqual(Option.some("2"))
      expect(yield* store.get("a")).toEqual(Option.none())
      expect(store.setCookieHeaders).toEqual(["b=2; Path=/", "a=; Max-Age=0; Path=/"])
      expect(store.cookieHeader()).toBe("b=2")
    }),
  )

  it("writes nothing of a batch once writing is closed", () => {
    const store = CookieStore.makeMemory()
    store.close("headers-sent")
    const cookies = [Cookie.unsafeCookie("x.0", "1", {}), Cookie.unsafeCookie("x.1", "2", {})]
    const error = Cookie.cookiesOf(store).writeAll(cookies)
    expect(error).toMatchObject({ _tag: "CookieNotWritableError", reason: "headers-sent", cookieName: "x.0" })
    expect(store.setCookieHeaders).toEqual([])
  })

  it.effect("refuses a cookie name Set-Cookie cannot carry with InvalidOptionError", () =>
    Effect.gen(function* () {
      const error = yield* Effect.flip(CookieStore.makeMemory().set("bad name;", "1"))
      expect(error).toMatchObject({ _tag: "InvalidOptionError", option: "cookieName" })
    }),
  )
})

describe("CookieStore.set", () => {
  it.effect("refuses a cookie name Set-Cookie cannot carry with a typed InvalidOptionError, not a defect", () =>
    Effect.gen(function* () {
      const store = CookieStore.makeMemory()
      const error = yield* Effect.flip(store.set("bad name", "1"))
      expect(error).toMatchObject({ _tag: "InvalidOptionError", option: "cookieName" })
    }),
  )

  it.effect("reads what the request wrote, and not what it expired", () =>
    Effect.gen(function* () {
      const headers = new Headers()
      const store = CookieStore.fromWeb(new Request("http://127.0.0.1/", { headers: { cookie: "a=1; b=2" } }), headers)
      yield* store.set("c", "3")
      yield* store.set("a", "", { maxAge: 0 })
      expect(yield* store.get("c")).toEqual(Option.some("3"))
      expect(yield* store.get("a")).toEqual(Option.none())
      expect(yield* store.names).toEqual(["b", "c"])
    }),
  )
})
