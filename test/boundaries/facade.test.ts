/**
 * The Promise facade's edges, each checked against the real iron-session 9
 * where it has the same behaviour: the ttl whose Max-Age keeps the whole ttl,
 * the empty session saved, the jars its adapters return called directly and a
 * jar written by hand, the cookie size and chunk bounds, a future `expires`,
 * and the facade's own machinery (its configuration cache, the never-expiring
 * warning, the hot-cookie cache switch).
 */
import { createRequire } from "node:module"
import { describe, expect, it, vi } from "@effect/vitest"
import * as Facade from "effect-iron-session/promise"
import type * as IronSession from "iron-session"
import { NextRequest, NextResponse } from "next/server.js"
import { type Lib, normalizeSetCookies, ours, password, sealShape, theirs } from "../helpers/differential.js"
import { withServer } from "../helpers/server.js"
import { forge } from "./forge.js"

/**
 * A seal whose expiration has passed and whose password id nobody has: iron reads the expiration first.
 * Under a password of its own, so that the facade builds its configuration in the test that uses it.
 */
const orderPassword = `${password}-iron-order`
const forgeExpired = () =>
  forge({ password: orderPassword, passwordId: "7", expiration: String(Date.now() - 3_600_000) })

const libs = [
  ["iron-session", theirs],
  ["the facade", ours],
] as const

type Data = Record<string, unknown>

/** One request over web objects: the session from `cookie`, `act` on it, and the Set-Cookie headers it wrote. */
const webRequest = async (
  lib: Lib,
  options: IronSession.SessionOptions,
  act: (session: Data & { save: () => Promise<void> }) => Promise<unknown> | unknown,
  cookie = "",
) => {
  const headers = new Headers()
  const request = new Request("http://127.0.0.1/", cookie === "" ? {} : { headers: { cookie } })
  const session = await lib.getIronSession<Data>(lib.webCookies(request, headers), options)
  await act(session)
  return headers.getSetCookie()
}

const setData =
  (data: Data) =>
  async (session: Data & { save: () => Promise<void> }): Promise<void> => {
    Object.assign(session, data)
    await session.save()
  }

/** The `Cookie` header a browser sends back after these Set-Cookie headers (no expiries among them). */
const cookieFrom = (setCookies: ReadonlyArray<string>) => setCookies.map((header) => header.split(";")[0]).join("; ")

const bytes = (header: string) => new TextEncoder().encode(header).length

describe("Max-Age against the ttl", () => {
  it("a ttl of exactly 60 seconds gives Max-Age=60 and a seal of 60 seconds, as iron-session does", async () => {
    for (const [, lib] of libs) {
      const [header = ""] = await webRequest(lib, { cookieName: "app", password, ttl: 60 }, setData({ a: 1 }))
      expect(header).toMatch(/^app=[^;]+; Max-Age=60; Path=\/; HttpOnly; Secure; SameSite=Lax$/)
      expect(sealShape(header.split(";")[0]!.slice(4)).expiresIn).toBe(60)
    }
  })

  it("a ttl just over a minute takes off the 60-second skew, and one just under keeps the ttl, as iron-session does", async () => {
    for (const [, lib] of libs) {
      for (const [ttl, maxAge] of [
        [61, 1],
        [59, 59],
        [3600, 3540],
      ] as const) {
        const [header = ""] = await webRequest(lib, { cookieName: "app", password, ttl }, setData({ a: 1 }))
        expect(header).toContain(`; Max-Age=${maxAge};`)
      }
    }
  })
})

describe("saving", () => {
  it("a fresh, empty session saved writes a cookie holding {}, as iron-session does", async () => {
    const written: Record<string, ReadonlyArray<string>> = {}
    for (const [name, lib] of libs) {
      const setCookie = await webRequest(lib, { cookieName: "app", password }, (session) => session.save())
      written[name] = normalizeSetCookies(setCookie)
      for (const [, reader] of libs) {
        expect(
          await webRequest(reader, { cookieName: "app", password }, () => undefined, cookieFrom(setCookie)),
        ).toEqual([])
        const session = await reader.getIronSession<Data>(
          reader.webCookies(
            new Request("http://127.0.0.1/", { headers: { cookie: cookieFrom(setCookie) } }),
            new Headers(),
          ),
          { cookieName: "app", password, onUnsealError: () => expect.unreachable() },
        )
        expect({ ...session }).toEqual({})
      }
    }
    expect(written["the facade"]).toEqual(written["iron-session"])
    expect(written["the facade"]).toEqual([
      expect.stringMatching(/^app=<seal:\d+>; Max-Age=1209540; Path=\/; HttpOnly; Secure; SameSite=Lax$/),
    ])
  })

  it("accepts a cookieOptions.expires in the future and writes it, as iron-session does", async () => {
    const expires = new Date(Math.ceil((Date.now() + 86_400_000) / 1000) * 1000)
    const headers: Record<string, string> = {}
    for (const [name, lib] of libs) {
      const [header = ""] = await webRequest(
        lib,
        { cookieName: "app", password, cookieOptions: { expires } },
        setData({ a: 1 }),
      )
      headers[name] = normalizeSetCookies([header])[0]!
      expect(header).toContain(`; Expires=${expires.toUTCString()}`)
    }
    expect(headers["the facade"]).toBe(headers["iron-session"])
  })

  it("a cookie of exactly 4096 bytes is written and one of 4097 is refused, as iron-session does", async () => {
    const data = { notes: "x".repeat(2000) }
    for (const [, lib] of libs) {
      const [probe = ""] = await webRequest(lib, { cookieName: "a", password }, setData(data))
      const name = "a".repeat(1 + 4096 - bytes(probe))
      const [exact = ""] = await webRequest(lib, { cookieName: name, password }, setData(data))
      expect(bytes(exact)).toBe(4096)
      await expect(webRequest(lib, { cookieName: `${name}b`, password }, setData(data))).rejects.toThrow(
        "Cookie length is too big (4097 bytes)",
      )
    }
  })

  it("a session that needs exactly 4 chunks is written in 4, and read back, as iron-session does", async () => {
    const options = { cookieName: "app", password, chunk: true }
    const chunks = (headers: ReadonlyArray<string>) => headers.map((header) => header.split("=")[0])
    for (const [, lib] of libs) {
      // About 13.5 kB of seal: more than three chunks of at most 4096 bytes each, less than four.
      const notes = 10_000
      const written = await webRequest(lib, options, setData({ notes: "n".repeat(notes) }))
      expect(chunks(written)).toEqual(["app.0", "app.1", "app.2", "app.3"])
      for (const header of written) expect(bytes(header)).toBeLessThanOrEqual(4096)
      const session = await lib.getIronSession<Data>(
        lib.webCookies(new Request("http://127.0.0.1/", { headers: { cookie: cookieFrom(written) } }), new Headers()),
        options,
      )
      expect((session.notes as string).length).toBe(notes)
      await expect(webRequest(lib, options, setData({ notes: "n".repeat(12_500) }))).rejects.toThrow(
        "The session needs 5 cookies and the maximum is 4",
      )
    }
  })
})

describe("the adapters' jars, called directly", () => {
  it("nodeCookies reads, lists, writes after earlier Set-Cookie headers, and refuses once the headers went out, as iron-session's", async () => {
    const seen: Record<string, unknown> = {}
    for (const [name, lib] of libs) {
      seen[name] = await withServer(
        (req, res) => {
          const jar = lib.nodeCookies(req, res)
          const before = { a: jar.read("a"), missing: jar.read("zz"), names: jar.names?.() }
          jar.assertWritable?.()
          res.setHeader("set-cookie", "theme=dark")
          jar.write("b", "v 2", { path: "/", maxAge: 60, httpOnly: true })
          res.flushHeaders()
          let refused = ""
          try {
            jar.assertWritable?.()
          } catch (error) {
            refused = (error as Error).message
          }
          res.end(JSON.stringify({ before, refused }))
        },
        async (url) => {
          const response = await fetch(url, { headers: { cookie: "a=1; b=2" } })
          return { body: await response.json(), setCookie: response.headers.getSetCookie() }
        },
      )
    }
    expect(seen["the facade"]).toEqual(seen["iron-session"])
    expect(seen["iron-session"]).toEqual({
      body: {
        before: { a: "1", names: ["a", "b"] },
        refused: expect.stringContaining("headers were sent"),
      },
      setCookie: ["theme=dark", "b=v%202; Max-Age=60; Path=/; HttpOnly"],
    })
  })

  it("webCookies reads, lists, appends, and refuses once the body was used, as iron-session's", async () => {
    const seen: Record<string, unknown> = {}
    for (const [name, lib] of libs) {
      const request = new Request("http://127.0.0.1/", { headers: { cookie: "a=1; b=2" } })
      const response = new Response("body")
      const jar = lib.webCookies(request, response)
      const bare = lib.webCookies(request, new Headers())
      jar.assertWritable?.()
      jar.write("b", "3", { sameSite: "strict" })
      await response.text()
      let refused = ""
      try {
        jar.assertWritable?.()
      } catch (error) {
        refused = (error as Error).message
      }
      bare.assertWritable?.()
      seen[name] = { a: jar.read("a"), names: jar.names?.(), setCookie: response.headers.getSetCookie(), refused }
    }
    expect(seen["the facade"]).toEqual(seen["iron-session"])
    expect(seen["iron-session"]).toEqual({
      a: "1",
      names: ["a", "b"],
      setCookie: ["b=3; SameSite=Strict"],
      refused: expect.stringContaining("body has already been consumed"),
    })
  })

  it("nextProxyCookies reads and lists the request's cookies and writes to both, as iron-session's", async () => {
    const seen: Record<string, unknown> = {}
    for (const [name, lib] of libs) {
      const request = new NextRequest("http://127.0.0.1/", { headers: { cookie: "a=1; b=2" } })
      const response = NextResponse.next()
      const jar = lib.nextProxyCookies(request, response)
      const before = { a: jar.read("a"), names: jar.names?.() }
      jar.assertWritable?.()
      jar.write("b", "3", { path: "/" })
      seen[name] = {
        before,
        after: jar.read("b"),
        request: request.cookies.get("b")?.value,
        response: response.headers.getSetCookie(),
      }
    }
    expect(seen["the facade"]).toEqual(seen["iron-session"])
    expect(seen["iron-session"]).toEqual({
      before: { a: "1", names: ["a", "b"] },
      after: "3",
      request: "3",
      response: ["b=3; Path=/"],
    })
  })

  it("a jar from the facade's adapters turns an immutable Response into iron-session's read-only message", () => {
    const jar = Facade.webCookies(new Request("http://127.0.0.1/"), Response.redirect("http://127.0.0.1/next", 302))
    let error: unknown
    try {
      jar.write("a", "1", {})
    } catch (e) {
      error = e
    }
    expect(error).toBeInstanceOf(Error)
    expect((error as Error).message).toContain("headers are immutable")
    expect((error as Error).cause).toMatchObject({
      _tag: "CookieNotWritableError",
      reason: "read-only",
      cookieName: "a",
    })
  })

  it("a jar from the facade's adapters lets any other error of the runtime through as it was thrown", () => {
    class Exploding extends Headers {
      override append(): void {
        throw new RangeError("no room")
      }
    }
    const jar = Facade.webCookies(new Request("http://127.0.0.1/"), new Exploding())
    expect(() => jar.write("a", "1", {})).toThrow(RangeError)
  })
})

describe("a CookieJar written by hand", () => {
  const handJar = (sent: Record<string, string>) => {
    const written: Array<[string, string, Facade.CookieOptions]> = []
    const jar: Facade.CookieJar = {
      read: (name) => sent[name],
      write: (name, value, options) => void written.push([name, value, options]),
    }
    return { jar, written }
  }

  it("is read and written through its read and write alone, as iron-session uses it", async () => {
    const results: Record<string, unknown> = {}
    for (const [name, lib] of libs) {
      const first = handJar({})
      const session = await lib.getIronSession<Data>(first.jar, { cookieName: "app", password })
      session.user = "ada"
      await session.save()
      const [[cookieName, seal, options] = ["", "", {}]] = first.written
      const second = handJar({ app: seal })
      const again = await lib.getIronSession<Data>(second.jar, { cookieName: "app", password })
      const read = { ...again }
      again.destroy()
      results[name] = { cookieName, options, read, after: { ...again }, destroyed: second.written }
    }
    expect(results["the facade"]).toEqual(results["iron-session"])
    expect(results["iron-session"]).toEqual({
      cookieName: "app",
      options: { httpOnly: true, secure: true, sameSite: "lax", path: "/", maxAge: 1209540 },
      read: { user: "ada" },
      after: {},
      destroyed: [["app", "", { httpOnly: true, secure: true, sameSite: "lax", path: "/", maxAge: 0 }]],
    })
  })

  it("reads back what it holds, and its assertWritable's own error stops a save, as with iron-session", async () => {
    for (const [, lib] of libs) {
      const sealed = await lib.sealData({ user: "ada" }, { password })
      const closed = new Error("closed by the framework")
      const jar: Facade.CookieJar = {
        read: (name) => (name === "app" ? sealed : undefined),
        write: () => expect.unreachable(),
        assertWritable: () => {
          throw closed
        },
      }
      const session = await lib.getIronSession<Data>(jar, { cookieName: "app", password })
      expect(session.user).toBe("ada")
      await expect(session.save()).rejects.toBe(closed)
    }
  })

  it("a write that throws its own error reaches the caller of save as it was thrown", async () => {
    const boom = new Error("cannot write")
    for (const [, lib] of libs) {
      const jar: Facade.CookieJar = {
        read: () => undefined,
        write: () => {
          throw boom
        },
      }
      const session = await lib.getIronSession<Data>(jar, { cookieName: "app", password })
      await expect(session.save()).rejects.toBe(boom)
    }
  })
})

describe("the facade's configuration cache", () => {
  it("rebuilds when an options object used before is changed in place", async () => {
    const options: Facade.SessionOptions = { cookieName: "app", password }
    const save = () => webRequest(ours, options, setData({ a: 1 }))
    expect((await save())[0]).toMatch(/^app=.*; Max-Age=1209540; Path=\/; HttpOnly; Secure; SameSite=Lax$/)
    options.ttl = 3600
    expect((await save())[0]).toContain("; Max-Age=3540;")
    options.cookieOptions = { path: "/admin" }
    expect((await save())[0]).toContain("; Path=/admin;")
    options.cookieOptions.path = "/other"
    expect((await save())[0]).toContain("; Path=/other;")
    options.cookieName = "renamed"
    expect((await save())[0]).toMatch(/^renamed=/)
    options.chunk = true
    const big = await webRequest(ours, options, setData({ notes: "x".repeat(5000) }))
    expect(big.map((header) => header.split("=")[0])).toEqual(["renamed.0", "renamed.1"])
    options.password = `${password}-rotated`
    const [rotated = ""] = await save()
    expect(await Facade.unsealData(rotated.split(";")[0]!.split("=")[1]!, { password: options.password })).toEqual({
      a: 1,
    })
  })

  it("rebuilds when a Date in the options is moved in place", async () => {
    const expires = new Date(Date.now() + 86_400_000)
    const options: Facade.SessionOptions = { cookieName: "app", password, cookieOptions: { expires } }
    await webRequest(ours, options, setData({ a: 1 }))
    expires.setTime(Date.now() - 86_400_000)
    await expect(webRequest(ours, options, setData({ a: 1 }))).rejects.toThrow("cookieOptions.expires is in the past")
  })

  it("tells maxAge: undefined (a browser-session cookie) from no maxAge, on one options object", async () => {
    const options: Facade.SessionOptions = { cookieName: "app", password, cookieOptions: { maxAge: undefined } }
    const warn = vi.spyOn(console, "warn").mockImplementation(() => undefined)
    try {
      expect((await webRequest(ours, options, setData({ a: 1 })))[0]).not.toContain("Max-Age")
      options.cookieOptions = {}
      expect((await webRequest(ours, options, setData({ a: 1 })))[0]).toContain("; Max-Age=1209540;")
    } finally {
      warn.mockRestore()
    }
  })
})

describe("the never-expiring warning", () => {
  const warnings = async (f: () => Promise<unknown>) => {
    const warn = vi.spyOn(console, "warn").mockImplementation(() => undefined)
    try {
      await f()
      return warn.mock.calls.map(([message]) => String(message))
    } finally {
      warn.mockRestore()
    }
  }

  it("is given once per configuration for ttl: 0, again for another configuration, never for a positive ttl", async () => {
    const seen = await warnings(async () => {
      for (const cookieName of ["w1", "w1", "w2", "w1"]) {
        await webRequest(ours, { cookieName, password, ttl: 0 }, () => undefined)
      }
      await webRequest(ours, { cookieName: "w3", password, ttl: 1 }, () => undefined)
    })
    expect(seen).toHaveLength(2)
    expect(seen.every((message) => message.startsWith("iron-session: ttl: 0 makes seals that never expire"))).toBe(true)
  })

  it("is given once per password for sealData with ttl: 0, and never for unsealData", async () => {
    const seen = await warnings(async () => {
      const sealed = await Facade.sealData({ a: 1 }, { password, ttl: 0 })
      await Facade.sealData({ a: 1 }, { password, ttl: 0 })
      await Facade.sealData({ a: 1 }, { password: `${password}-2`, ttl: 0 })
      await Facade.sealData({ a: 1 }, { password, ttl: 5 })
      expect(await Facade.unsealData(sealed, { password, ttl: 0 })).toEqual({ a: 1 })
    })
    expect(seen).toEqual([
      expect.stringMatching(/^iron-session: sealData with ttl: 0 makes seals that never expire/),
      expect.stringMatching(/^iron-session: sealData with ttl: 0 makes seals that never expire/),
    ])
  })
})

describe("sealData", () => {
  it("seals a class instance by its own fields and copies the data, as iron-session does", async () => {
    class Point {
      x = 1
      y = 2
    }
    for (const [, lib] of libs) {
      const data: Data = { a: 1 }
      const sealed = await lib.sealData(data, { password })
      data.a = 2
      expect(await lib.unsealData(sealed, { password })).toEqual({ a: 1 })
      expect(await lib.unsealData(await lib.sealData(new Point(), { password }), { password })).toEqual({ x: 1, y: 2 })
    }
  })

  it("defaults the ttl to 14 days", async () => {
    const sealed = await Facade.sealData({ a: 1 }, { password })
    expect(sealShape(sealed).expiresIn).toBe(14 * 24 * 3600)
  })
})

describe("configureCache", () => {
  // node:crypto as the facade's Node backend reaches it, to count the seals it opens.
  const nodeCrypto = createRequire(import.meta.url)("node:crypto") as typeof import("node:crypto")

  const opens = async (times: number, sealed: string, pw: string) => {
    const decipher = vi.spyOn(nodeCrypto, "createDecipheriv")
    try {
      for (let i = 0; i < times; i++) expect(await Facade.unsealData(sealed, { password: pw })).toEqual({ a: 1 })
      return decipher.mock.calls.length
    } finally {
      decipher.mockRestore()
    }
  }

  it("off, opens every seal it reads; on (the default), opens a repeated seal once", async () => {
    const pw = `${password}-cache-1`
    const sealed = await Facade.sealData({ a: 1 }, { password: pw })
    try {
      Facade.configureCache(false)
      expect(await opens(3, sealed, pw)).toBe(3)
      Facade.configureCache({})
      expect(await opens(3, sealed, pw)).toBe(1)
    } finally {
      Facade.configureCache({})
    }
  })

  it("sized, keeps the most recent seals within its bounds", async () => {
    const pw = `${password}-cache-2`
    const [first, second] = [
      await Facade.sealData({ a: 1 }, { password: pw }),
      await Facade.sealData({ a: 1 }, { password: pw }),
    ]
    try {
      Facade.configureCache({ entries: 1 })
      expect(await opens(2, first!, pw)).toBe(1)
      expect(await opens(1, second!, pw)).toBe(1)
      expect(await opens(1, first!, pw)).toBe(1)
      Facade.configureCache({ bytes: 10 })
      expect(await opens(2, first!, pw)).toBe(2)
    } finally {
      Facade.configureCache({})
    }
  })
})

describe("getIronSession's forms", () => {
  it("takes a cookies()-shaped store, reading and writing through get and set", async () => {
    for (const [, lib] of libs) {
      const jar = new Map<string, string>()
      const store = {
        get: (name: string) => (jar.has(name) ? { name, value: jar.get(name)! } : undefined),
        set: (name: string, value: string) => void jar.set(name, value),
      }
      const session = await lib.getIronSession<Data>(store, { cookieName: "app", password })
      session.n = 1
      await session.save()
      const again = await lib.getIronSession<Data>(store, { cookieName: "app", password })
      expect(again.n).toBe(1)
    }
  })

  it("refuses a first argument that is neither a jar nor a store, and missing arguments, as iron-session does", async () => {
    for (const [, lib] of libs) {
      await expect(lib.getIronSession({} as never, { cookieName: "app", password })).rejects.toThrow("Bad usage")
      await expect(
        lib.getIronSession({ read: () => undefined } as never, { cookieName: "app", password }),
      ).rejects.toThrow("Bad usage")
      await expect(lib.getIronSession(undefined as never, { cookieName: "app", password })).rejects.toThrow("Bad usage")
      await expect(lib.getIronSession(new Request("http://127.0.0.1/") as never, undefined as never)).rejects.toThrow(
        "Bad usage",
      )
    }
  })

  it("updateConfig makes the next save use the new options, as iron-session does", async () => {
    for (const [, lib] of libs) {
      const headers = await webRequest(lib, { cookieName: "app", password }, async (session) => {
        ;(session as unknown as IronSession.IronSession<Data>).updateConfig({
          cookieName: "app",
          password,
          ttl: 120,
          cookieOptions: { path: "/x" },
        })
        session.a = 1
        await session.save()
      })
      expect(headers).toEqual([
        expect.stringMatching(/^app=[^;]+; Max-Age=60; Path=\/x; HttpOnly; Secure; SameSite=Lax$/),
      ])
    }
  })
})

describe("the facade's bounds on configurations", () => {
  const nodeCrypto = createRequire(import.meta.url)("node:crypto") as typeof import("node:crypto")

  /** How many seals `f` decrypts. */
  const decryptions = async (f: () => Promise<unknown>) => {
    const decipher = vi.spyOn(nodeCrypto, "createDecipheriv")
    try {
      await f()
      return decipher.mock.calls.length
    } finally {
      decipher.mockRestore()
    }
  }

  it("keeps 64 session configurations built, each with its hot-cookie cache, and drops the oldest for a 65th", async () => {
    Facade.configureCache({})
    const sealed = await Facade.sealData({ a: 1 }, { password })
    // A fresh options literal on every call, as inline options in a handler are: found by content.
    const read = (i: number) =>
      webRequest(ours, { cookieName: `c${i}`, password }, (session) => expect(session.a).toBe(1), `c${i}=${sealed}`)
    expect(await decryptions(() => read(0))).toBe(1)
    expect(
      await decryptions(async () => {
        for (let i = 1; i < 64; i++) await read(i)
      }),
    ).toBe(63)
    expect(await decryptions(() => read(0))).toBe(0)
    expect(await decryptions(() => read(64))).toBe(1)
    expect(await decryptions(() => read(1))).toBe(0)
    expect(await decryptions(() => read(0))).toBe(1)
  })

  it("keeps 64 sealers built for sealData and unsealData, and drops the oldest for a 65th", async () => {
    const passwords = Array.from({ length: 65 }, (_, i) => `${password}-sealer-${i}`)
    const seals = await Promise.all(passwords.map((pw) => Facade.sealData({ a: 1 }, { password: pw, ttl: 3600 })))
    Facade.configureCache({})
    const unseal = (i: number) => Facade.unsealData(seals[i]!, { password: passwords[i]! })
    expect(await decryptions(() => unseal(0))).toBe(1)
    expect(
      await decryptions(async () => {
        for (let i = 1; i < 64; i++) await unseal(i)
      }),
    ).toBe(63)
    expect(await decryptions(() => unseal(0))).toBe(0)
    expect(await decryptions(() => unseal(64))).toBe(1)
    expect(await decryptions(() => unseal(1))).toBe(0)
    expect(await decryptions(() => unseal(0))).toBe(1)
  })
})

describe("the facade's edges, against iron-session where it has them", () => {
  const readWith = (lib: Lib, cookie: string, options: IronSession.SessionOptions) =>
    lib.getIronSession<Data>(
      lib.webCookies(new Request("http://127.0.0.1/", { headers: { cookie } }), new Headers()),
      options,
    )

  it("refuses a first argument that only half looks like a jar or a store, or is a function, as iron-session does", async () => {
    const fns = { read: () => undefined, write: () => undefined, get: () => undefined, set: () => undefined }
    for (const [, lib] of libs) {
      for (const first of [
        { write: fns.write },
        { get: fns.get },
        { set: fns.set },
        Object.assign(() => undefined, { read: fns.read, write: fns.write }),
        Object.assign(() => undefined, { get: fns.get, set: fns.set }),
      ]) {
        await expect(lib.getIronSession(first as never, { cookieName: "app", password })).rejects.toThrow("Bad usage")
      }
    }
  })

  it("lets an error of a hand-written jar's read reach the caller of getIronSession, as iron-session does", async () => {
    const boom = new Error("cannot read cookies")
    for (const [, lib] of libs) {
      const jar: Facade.CookieJar = {
        read: () => {
          throw boom
        },
        write: () => undefined,
      }
      const heard: Array<string> = []
      await expect(
        lib.getIronSession(jar, { cookieName: "app", password, onUnsealError: (reason) => void heard.push(reason) }),
      ).rejects.toBe(boom)
      expect(heard).toEqual([])
    }
  })

  it("lets an unexpected failure inside unsealData through instead of answering {}", async () => {
    const sealed = await Facade.sealData({ a: 1 }, { password })
    const broken = new Error("no clock")
    const now = vi.spyOn(Date, "now").mockImplementation(() => {
      throw broken
    })
    try {
      await expect(Facade.unsealData(sealed, { password })).rejects.toBe(broken)
    } finally {
      now.mockRestore()
    }
  })

  it("reads a cookie whose seal holds null as an empty session", async () => {
    const sealed = forge({ password, plaintext: "null" })
    const session = await readWith(ours, `app=${sealed}`, { cookieName: "app", password })
    expect({ ...session }).toEqual({})
    expect(await Facade.unsealData(sealed, { password })).toEqual({})
  })

  it("takes a cookie name the cookie package takes though RFC 6265 does not, as iron-session does", async () => {
    for (const [, lib] of libs) {
      const options = { cookieName: "app:visits", password }
      const written = await webRequest(lib, options, setData({ n: 1 }))
      expect(written[0]).toMatch(/^app:visits=/)
      expect((await readWith(lib, cookieFrom(written), options)).n).toBe(1)
    }
  })

  it("calls an expired seal expired before looking at its password id, as iron-session does (iron's order)", async () => {
    const expired = forgeExpired()
    for (const [, lib] of libs) {
      const heard: Array<string> = []
      const onUnsealError = (reason: string) => void heard.push(reason)
      expect(await lib.unsealData(expired, { password: orderPassword, onUnsealError })).toEqual({})
      await readWith(lib, `order=${expired}`, { cookieName: "order", password: orderPassword, onUnsealError })
      expect(heard).toEqual(["expired", "expired"])
    }
  })

  it("keeps the configuration an options object was first used with, even after 64 others", async () => {
    Facade.configureCache({})
    const sealed = await Facade.sealData({ a: 1 }, { password })
    const kept: Facade.SessionOptions = { cookieName: "kept", password }
    const nodeCrypto = createRequire(import.meta.url)("node:crypto") as typeof import("node:crypto")
    await readWith(ours, `kept=${sealed}`, kept)
    for (let i = 0; i < 64; i++) await readWith(ours, `o${i}=${sealed}`, { cookieName: `o${i}`, password })
    const decipher = vi.spyOn(nodeCrypto, "createDecipheriv")
    try {
      expect((await readWith(ours, `kept=${sealed}`, kept)).a).toBe(1)
      expect(decipher).not.toHaveBeenCalled()
    } finally {
      decipher.mockRestore()
    }
  })

  it("configureCache applies to sessions built before it too: configured off, every read opens the cookie", async () => {
    const nodeCrypto = createRequire(import.meta.url)("node:crypto") as typeof import("node:crypto")
    const sealed = await Facade.sealData({ a: 1 }, { password })
    const read = () => readWith(ours, `cc=${sealed}`, { cookieName: "cc", password })
    try {
      Facade.configureCache({})
      await read()
      Facade.configureCache(false)
      const decipher = vi.spyOn(nodeCrypto, "createDecipheriv")
      try {
        for (let i = 0; i < 3; i++) await read()
        expect(decipher).toHaveBeenCalledTimes(3)
      } finally {
        decipher.mockRestore()
      }
    } finally {
      Facade.configureCache({})
    }
  })

  it("warns once per configuration even when the configuration is built again, and not for a numeric maxAge", async () => {
    const warn = vi.spyOn(console, "warn").mockImplementation(() => undefined)
    try {
      const options = () => ({ cookieName: "again", password, ttl: 0 })
      await readWith(ours, "", options())
      Facade.configureCache({})
      await readWith(ours, "", options())
      await Facade.sealData({ a: 1 }, { password: `${password}-again`, ttl: 0 })
      Facade.configureCache({})
      await Facade.sealData({ a: 1 }, { password: `${password}-again`, ttl: 0 })
      await readWith(ours, "", { cookieName: "numeric", password, cookieOptions: { maxAge: 60 } })
      expect(warn.mock.calls.map(([message]) => String(message).split(" makes")[0])).toEqual([
        "iron-session: ttl: 0",
        "iron-session: sealData with ttl: 0",
      ])
    } finally {
      warn.mockRestore()
    }
  })
})
