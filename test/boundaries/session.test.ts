/**
 * The session's edges on the Effect API: Max-Age at the one-minute ttl, the
 * 4096-byte and four-chunk bounds, chunk reading's limits, `expires` at and
 * after now, options refused when the layer is built, and the paths the
 * common case skips (an asynchronous backend, an asynchronous schema, a
 * destroy that could not be written).
 */
import { describe, expect, it } from "@effect/vitest"
import { Duration, Effect, Either, Layer, Option, Redacted, Schema, TestClock } from "effect"
import { CookieStore, Seal, Session } from "effect-iron-session"
import type { IronCrypto } from "../../src/internal/kernel/crypto/types.js"
import { webCrypto } from "../../src/internal/kernel/crypto/web.js"

const password = "a-password-that-is-at-least-32-characters-long"
const exactly32 = "0123456789abcdefghijklmnopqrstuv"

const Notes = Schema.Struct({ notes: Schema.String })
type Notes = typeof Notes.Type
const notes = (length: number): Notes => ({ notes: "x".repeat(length) })

const bytes = (header: string) => new TextEncoder().encode(header).length

/** One request on a memory store holding `cookies`: the outcome and the store after. */
const request = <A, E>(
  effect: Effect.Effect<A, E, CookieStore.CookieStore>,
  cookies: ReadonlyMap<string, string> = new Map(),
) =>
  Effect.gen(function* () {
    const store = CookieStore.makeMemory(Object.fromEntries(cookies))
    const result = yield* Effect.either(Effect.provideService(effect, CookieStore.CookieStore, store))
    return { result, store }
  })

const make = (options: Partial<Session.Options<Notes, Notes>> = {}) =>
  Session.make({ schema: Notes, cookieName: "s", password, ...options })

describe("Max-Age against the ttl", () => {
  it.effect("a ttl of exactly 60 seconds gives Max-Age=60, and the seal keeps its 60 seconds", () =>
    Effect.gen(function* () {
      const now = 1_800_000_000_000
      yield* TestClock.setTime(now)
      const session = yield* make({ ttl: "60 seconds" })
      const { store } = yield* request(session.set(notes(1)))
      expect(store.setCookieHeaders[0]).toMatch(/^s=[^;]+; Max-Age=60; Path=\/; HttpOnly; Secure; SameSite=Lax$/)
      expect(store.cookies.get("s")?.split("*")[5]).toBe(String(now + 60_000))
    }),
  )

  it.effect("a ttl over a minute takes the 60-second skew off, one under keeps the ttl, forever is 2^31 − 1", () =>
    Effect.gen(function* () {
      for (const [ttl, maxAge] of [
        ["61 seconds", 1],
        ["59 seconds", 59],
        ["61999 millis", 1],
        ["2 hours", 7140],
        [Duration.infinity, 2147483647],
      ] as const) {
        const session = yield* make({ ttl })
        const { store } = yield* request(session.set(notes(1)))
        expect(store.setCookieHeaders[0]).toContain(`; Max-Age=${maxAge};`)
      }
    }),
  )
})

describe("the size budget", () => {
  it.effect("a cookie of exactly 4096 bytes is written, and one of 4097 is refused naming its size", () =>
    Effect.gen(function* () {
      const data = notes(2000)
      const probe = yield* request((yield* make()).set(data))
      const name = "s".repeat(1 + 4096 - bytes(probe.store.setCookieHeaders[0]!))
      const exact = yield* request((yield* make({ cookieName: name })).set(data))
      expect(Either.isRight(exact.result)).toBe(true)
      expect(exact.store.setCookieHeaders.map(bytes)).toEqual([4096])
      const over = yield* request((yield* make({ cookieName: `${name}s` })).set(data))
      expect(Either.getLeft(over.result)).toEqual(
        Option.some(expect.objectContaining({ _tag: "CookieTooLargeError", size: 4097, limit: 4096 })),
      )
      expect(over.store.setCookieHeaders).toEqual([])
    }),
  )

  it.effect("a session that needs exactly 4 chunks is written in 4, each within 4096 bytes, and read back", () =>
    Effect.gen(function* () {
      const session = yield* make({ chunk: true })
      const data = notes(10_000)
      const { result, store } = yield* request(session.set(data))
      expect(Either.isRight(result)).toBe(true)
      expect([...store.cookies.keys()]).toEqual(["s.0", "s.1", "s.2", "s.3"])
      for (const header of store.setCookieHeaders) expect(bytes(header)).toBeLessThanOrEqual(4096)
      const read = yield* request(session.get, store.cookies)
      expect(read.result).toEqual(Either.right(Option.some(data)))
    }),
  )

  it.effect("reads at most 4 chunks, and stops at the first one missing", () =>
    Effect.gen(function* () {
      const session = yield* make({ chunk: true })
      const { store } = yield* request(session.set(notes(10_000)))
      const withFifth = new Map([...store.cookies, ["s.4", "garbage"]])
      expect((yield* request(session.get, withFifth)).result).toEqual(Either.right(Option.some(notes(10_000))))
      const gap = new Map([...store.cookies].filter(([name]) => name !== "s.1"))
      const read = yield* request(Effect.all([session.get, session.rejection]), gap)
      expect(read.result).toEqual(
        Either.right([Option.none(), Option.some(expect.objectContaining({ _tag: "BadSealError" }))]),
      )
    }),
  )

  it.effect("an empty whole cookie beside chunks does not hide them: the chunks are read", () =>
    Effect.gen(function* () {
      const session = yield* make({ chunk: true })
      const { store } = yield* request(session.set(notes(5000)))
      const read = yield* request(session.get, new Map([["s", ""], ...store.cookies]))
      expect(read.result).toEqual(Either.right(Option.some(notes(5000))))
    }),
  )

  it.effect("an empty chunk ends the seal: the chunks after it are not joined to the ones before", () =>
    Effect.gen(function* () {
      const session = yield* make({ chunk: true })
      const { store } = yield* request(session.set(notes(5000)))
      // The seal's two halves, with an empty chunk between them.
      const split = new Map([
        ["s.0", store.cookies.get("s.0")!],
        ["s.1", ""],
        ["s.2", store.cookies.get("s.1")!],
      ])
      const read = yield* request(Effect.all([session.get, session.rejection]), split)
      expect(read.result).toEqual(
        Either.right([Option.none(), Option.some(expect.objectContaining({ _tag: "BadSealError" }))]),
      )
    }),
  )

  it.effect("a seal spread over five chunks is not read: only name.0 to name.3 are probed", () =>
    Effect.gen(function* () {
      const session = yield* make({ chunk: true })
      const { store } = yield* request(session.set(notes(10_000)))
      const sealed = [0, 1, 2, 3].map((i) => store.cookies.get(`s.${i}`)!).join("")
      const size = Math.ceil(sealed.length / 5)
      const five = new Map([0, 1, 2, 3, 4].map((i) => [`s.${i}`, sealed.slice(i * size, (i + 1) * size)]))
      const read = yield* request(Effect.all([session.get, session.rejection]), five)
      expect(read.result).toEqual(
        Either.right([Option.none(), Option.some(expect.objectContaining({ _tag: "BadSealError" }))]),
      )
    }),
  )

  it.effect("a write expires stale chunks up to name.3 and leaves a fifth, not the session's, alone", () =>
    Effect.gen(function* () {
      const session = yield* make({ chunk: true })
      const { store } = yield* request(session.set(notes(10_000)))
      const withFifth = new Map([...store.cookies, ["s.4", "someone else's"]])
      const shrunk = yield* request(session.set(notes(10)), withFifth)
      expect(shrunk.store.setCookieHeaders.map((h) => h.split("=")[0])).toEqual(["s", "s.0", "s.1", "s.2", "s.3"])
      expect([...shrunk.store.cookies.keys()]).toEqual(["s.4", "s"])
    }),
  )

  it.effect("a chunk overhead of exactly 4096 bytes leaves no room for data, and is refused naming the overhead", () =>
    Effect.gen(function* () {
      const probe = yield* request((yield* make({ chunk: true })).set(notes(1)))
      const header = probe.store.setCookieHeaders[0]!
      // The attributes after the value: the same for every cookie of the session.
      const suffix = bytes(header) - bytes(`s=${probe.store.cookies.get("s")}`)
      const name = "n".repeat(4096 - suffix - bytes(".0="))
      const { result, store } = yield* request((yield* make({ chunk: true, cookieName: name })).set(notes(10)))
      const error = Option.getOrThrow(Either.getLeft(result))
      expect(error).toMatchObject({ _tag: "CookieTooLargeError", overhead: 4096, limit: 4096 })
      expect(error).not.toHaveProperty("chunks")
      expect(store.setCookieHeaders).toEqual([])
    }),
  )

  it.effect("refuses a cookie name so long that a chunk has no room for data, saying so", () =>
    Effect.gen(function* () {
      const session = yield* make({ chunk: true, cookieName: "n".repeat(4060) })
      const { result, store } = yield* request(session.set(notes(10)))
      expect(Either.getLeft(result)).toEqual(
        Option.some(expect.objectContaining({ _tag: "CookieTooLargeError", overhead: expect.any(Number) })),
      )
      const error = Option.getOrThrow(Either.getLeft(result))
      expect(error._tag === "CookieTooLargeError" && error.overhead! >= 4096).toBe(true)
      expect(store.setCookieHeaders).toEqual([])
    }),
  )

  it.effect("says when a session too large for one cookie is already stored in chunks by other options", () =>
    Effect.gen(function* () {
      const chunked = yield* make({ chunk: true })
      const plain = yield* make()
      const { store } = yield* request(chunked.set(notes(6000)))
      const again = yield* request(plain.set(notes(6000)), store.cookies)
      expect(Either.getLeft(again.result)).toEqual(
        Option.some(expect.objectContaining({ _tag: "CookieTooLargeError", alreadyChunked: true })),
      )
      const fresh = yield* request(plain.set(notes(6000)))
      const error = Option.getOrThrow(Either.getLeft(fresh.result))
      expect(error).not.toHaveProperty("alreadyChunked")
    }),
  )

  it.effect("expires the whole cookie and stale chunks when a session moves between its shapes", () =>
    Effect.gen(function* () {
      const session = yield* make({ chunk: true })
      const whole = yield* request(session.set(notes(10)))
      const grown = yield* request(session.set(notes(5000)), whole.store.cookies)
      expect(grown.store.setCookieHeaders.map((h) => h.split(";")[0]!.split("=")[0])).toEqual(["s.0", "s.1", "s"])
      expect(grown.store.setCookieHeaders[2]).toContain("Max-Age=0")
      expect([...grown.store.cookies.keys()]).toEqual(["s.0", "s.1"])
      const shrunk = yield* request(session.set(notes(10)), grown.store.cookies)
      expect([...shrunk.store.cookies.keys()]).toEqual(["s"])
    }),
  )
})

describe("data that is not JSON", () => {
  it.effect("a value whose encoded form holds a Date fails the write with UnserializableDataError, naming where", () =>
    Effect.gen(function* () {
      const Stamped = Schema.Struct({ at: Schema.DateFromSelf })
      const session = yield* Session.make({ schema: Stamped, cookieName: "stamped", password })
      const { result, store } = yield* request(session.set({ at: new Date(0) }))
      expect(Either.getLeft(result)).toEqual(
        Option.some(expect.objectContaining({ _tag: "UnserializableDataError", path: ["at"], found: "Date" })),
      )
      expect(store.setCookieHeaders).toEqual([])
    }),
  )
})

describe("cookieOptions.expires", () => {
  const now = Date.parse("2026-06-01T00:00:00Z")

  it.effect("a date in the future is accepted and written", () =>
    Effect.gen(function* () {
      yield* TestClock.setTime(now)
      const expires = new Date(now + 86_400_000)
      const session = yield* make({ cookieOptions: { expires } })
      const { result, store } = yield* request(session.set(notes(1)))
      expect(Either.isRight(result)).toBe(true)
      expect(store.setCookieHeaders[0]).toContain(`; Expires=${expires.toUTCString()}`)
    }),
  )

  it.effect("a date of exactly now is still accepted, and one a millisecond earlier is refused", () =>
    Effect.gen(function* () {
      yield* TestClock.setTime(now)
      const at = yield* make({ cookieOptions: { expires: new Date(now) } })
      expect(Either.isRight((yield* request(at.set(notes(1)))).result)).toBe(true)
      const before = yield* make({ cookieOptions: { expires: new Date(now - 1) } })
      const refused = yield* request(before.set(notes(1)))
      expect(Either.getLeft(refused.result)).toEqual(
        Option.some(expect.objectContaining({ _tag: "InvalidOptionError", option: "cookieOptions.expires" })),
      )
      expect(refused.store.setCookieHeaders).toEqual([])
    }),
  )

  it.effect("a date in the past does not stop a page that only reads the session", () =>
    Effect.gen(function* () {
      yield* TestClock.setTime(now)
      const writer = yield* make()
      const { store } = yield* request(writer.set(notes(1)))
      const stale = yield* make({ cookieOptions: { expires: new Date(now - 1) } })
      expect((yield* request(stale.get, store.cookies)).result).toEqual(Either.right(Option.some(notes(1))))
    }),
  )
})

describe("options checked when the layer is built", () => {
  it.effect("a password of exactly 32 characters is accepted, 31 refused, and an empty one is missing", () =>
    Effect.gen(function* () {
      const session = yield* make({ password: exactly32 })
      const { store } = yield* request(session.set(notes(1)))
      expect(yield* Seal.unseal(store.cookies.get("s")!, { password: exactly32 })).toEqual(notes(1))
      expect(yield* Effect.flip(make({ password: exactly32.slice(1) }))).toMatchObject({
        _tag: "PasswordTooShortError",
      })
      for (const empty of ["", Redacted.make("")]) {
        expect(yield* Effect.flip(make({ password: empty }))).toMatchObject({
          _tag: "MissingOptionError",
          option: "password",
        })
      }
    }),
  )

  it.effect("an invalid cookieOptions fails at start-up, not at the first save", () =>
    Effect.gen(function* () {
      for (const cookieOptions of [{ path: "/a;b" }, { domain: "bad domain" }]) {
        const error = yield* Effect.flip(make({ cookieOptions }))
        expect(error).toMatchObject({ _tag: "InvalidOptionError", option: "cookieOptions" })
      }
      class Bad extends Session.Tag<Bad>()("test/boundaries/Bad", {
        schema: Notes,
        cookieName: "s",
        password,
        cookieOptions: { sameSite: "sideways" as never },
      }) {}
      const built = yield* Effect.flip(Layer.build(Bad.layer).pipe(Effect.scoped))
      expect(built).toMatchObject({ _tag: "InvalidOptionError", option: "cookieOptions" })
    }),
  )

  it.effect("a missing cookie name's error says how to name it", () =>
    Effect.gen(function* () {
      const error = yield* Effect.flip(make({ cookieName: "" }))
      expect(error.message).toBe(
        'The option `cookieName` is required: give the cookie a name unique to your app, such as "myapp_session".',
      )
    }),
  )

  it.effect("a missing cookie name is a MissingOptionError, whatever else is given", () =>
    Effect.gen(function* () {
      expect(yield* Effect.flip(make({ cookieName: "" }))).toMatchObject({
        _tag: "MissingOptionError",
        option: "cookieName",
      })
      expect(yield* Effect.flip(make({ cookieName: 42 as never, password: "" }))).toMatchObject({
        _tag: "MissingOptionError",
        option: "cookieName",
      })
    }),
  )
})

describe("the paths the common case skips", () => {
  it.effect(
    "on Web Crypto (asynchronous), a session is written, read once for concurrent readers, and rejected",
    () => {
      let opens = 0
      const counting: IronCrypto = {
        ...webCrypto,
        open: (...args) => {
          opens++
          return webCrypto.open(...args)
        },
      }
      return Effect.gen(function* () {
        const session = yield* make()
        const { store } = yield* request(session.set(notes(3)))
        const read = yield* request(
          Effect.all([session.get, session.get, session.rejection, session.get], { concurrency: "unbounded" }),
          store.cookies,
        )
        expect(read.result).toEqual(
          Either.right([Option.some(notes(3)), Option.some(notes(3)), Option.none(), Option.some(notes(3))]),
        )
        expect(opens).toBe(1)
        const tampered = new Map([
          ["s", store.cookies.get("s")!.replace(/\*(.)/, (_, c) => `*${c === "1" ? "2" : "1"}`)],
        ])
        const bad = yield* request(Effect.all([session.get, session.rejection]), tampered)
        expect(bad.result).toEqual(
          Either.right([Option.none(), Option.some(expect.objectContaining({ _tag: "BadSealError" }))]),
        )
      }).pipe(Effect.provideService(Seal.CryptoBackend, counting as unknown as Seal.Backend))
    },
  )

  it.effect("on Web Crypto, the fail policy fails every reader with the typed error", () =>
    Effect.gen(function* () {
      const session = yield* make({ invalidCookie: "fail" })
      const read = yield* request(
        Effect.all([Effect.either(session.get), Effect.either(session.get)], { concurrency: "unbounded" }),
        new Map([["s", "Fe26.2*1*a*b*c**d*e"]]),
      )
      const [first, second] = Either.getOrThrow(read.result)
      expect(Either.getLeft(first!)).toEqual(Option.some(expect.objectContaining({ _tag: "BadSealError" })))
      expect(second).toEqual(first)
    }).pipe(Effect.provide(Seal.layerWebCrypto)),
  )

  it.effect("a schema with an asynchronous step is encoded and decoded the Effect way", () =>
    Effect.gen(function* () {
      // The whole schema is asynchronous: its synchronous decoding answers Forbidden.
      const Name = Schema.Struct({ name: Schema.String })
      const Slow = Schema.transformOrFail(Name, Name, {
        strict: true,
        decode: ({ name }) => Effect.as(Effect.sleep("1 millis"), { name: name.toUpperCase() }),
        encode: ({ name }) => Effect.as(Effect.sleep("1 millis"), { name: name.toLowerCase() }),
      })
      const session = yield* Session.make({ schema: Slow, cookieName: "slow", password })
      const written = yield* Effect.fork(request(session.set({ name: "Ada" })))
      yield* TestClock.adjust("1 millis")
      const { result, store } = yield* Effect.fromFiber(written)
      expect(Either.isRight(result)).toBe(true)
      expect(yield* Seal.unseal(store.cookies.get("slow")!, { password })).toEqual({ name: "ada" })
      const read = yield* Effect.fork(request(session.get, store.cookies))
      yield* TestClock.adjust("1 millis")
      expect((yield* Effect.fromFiber(read)).result).toEqual(Either.right(Option.some({ name: "ADA" })))
      const refused = yield* Effect.fork(
        request(
          Effect.all([session.get, session.rejection]),
          new Map([["slow", yield* Seal.seal({ name: 1 }, { password })]]),
        ),
      )
      yield* TestClock.adjust("1 millis")
      expect((yield* Effect.fromFiber(refused)).result).toEqual(
        Either.right([Option.none(), Option.some(expect.objectContaining({ _tag: "SchemaMismatchError" }))]),
      )
    }),
  )

  it.effect(
    "a destroy that could not be written leaves the session as it was, and saving an empty session writes nothing",
    () =>
      Effect.gen(function* () {
        const session = yield* make()
        const { store } = yield* request(session.set(notes(1)))
        const closed = CookieStore.makeMemory(Object.fromEntries(store.cookies))
        closed.close("headers-sent")
        const outcome = yield* Effect.all([Effect.either(session.destroy), session.get]).pipe(
          Effect.provideService(CookieStore.CookieStore, closed),
        )
        expect(Either.getLeft(outcome[0])).toEqual(
          Option.some(expect.objectContaining({ _tag: "CookieNotWritableError", reason: "headers-sent" })),
        )
        expect(outcome[1]).toEqual(Option.some(notes(1)))
        const empty = yield* request(session.save)
        expect(Either.isRight(empty.result)).toBe(true)
        expect(empty.store.setCookieHeaders).toEqual([])
      }),
  )
})
