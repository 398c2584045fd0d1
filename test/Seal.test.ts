import { describe, expect, it } from "@effect/vitest"
import * as HapiIron from "@hapi/iron"
import { Clock, Config, ConfigProvider, Duration, Effect, Layer, Redacted, Schema, TestClock } from "effect"
import { Errors, Seal } from "effect-iron-session"
import * as bridge from "../src/internal/effect.js"
import { webCrypto } from "../src/internal/kernel/crypto/web.js"
import * as iron from "../src/internal/kernel/iron.js"
import { failureOf } from "./helpers/exit.js"

const password = "a-password-that-is-at-least-32-characters-long"
const other = "another-password-which-is-also-32-characters-long"

const onNode = Layer.succeed(Seal.CryptoBackend, Seal.backends.node!)

const backends = [
  ["node:crypto", onNode],
  ["Web Crypto", Seal.layerWebCrypto],
] as const

for (const [name, layer] of backends) {
  describe(`Seal on ${name}`, () => {
    it.layer(layer)((it) => {
      it.effect("round-trips JSON data", () =>
        Effect.gen(function* () {
          const data = { user: { id: 42, name: "Ada", roles: ["admin"] }, visits: 3, flag: true, none: null }
          const sealed = yield* Seal.seal(data, { password })
          expect(yield* Seal.unseal(sealed, { password })).toEqual(data)
        }),
      )

      it.effect("reports which crypto backend it runs on", () =>
        Effect.gen(function* () {
          const service = yield* Seal.make({ password })
          expect(service.backend).toBe(name === "node:crypto" ? "node" : "webcrypto")
        }),
      )

      it.effect("writes seals in the Fe26.2 format with iron-session's ~2 marker", () =>
        Effect.gen(function* () {
          const sealed = yield* Seal.seal({ a: 1 }, { password })
          expect(sealed.startsWith("Fe26.2*1*")).toBe(true)
          expect(sealed.endsWith("~2")).toBe(true)
          expect(sealed.slice(0, -2).split("*")).toHaveLength(8)
        }),
      )

      it.effect("opens a seal with or without the ~2 marker, and ignores what the marker says", () =>
        Effect.gen(function* () {
          const sealed = yield* Seal.seal({ a: 1 }, { password })
          const bare = sealed.slice(0, -2)
          expect(yield* Seal.unseal(bare, { password })).toEqual({ a: 1 })
          expect(yield* Seal.unseal(`${bare}~9`, { password })).toEqual({ a: 1 })
        }),
      )

      it.effect("accepts a Redacted password", () =>
        Effect.gen(function* () {
          const secret = Redacted.make(password)
          const sealed = yield* Seal.seal({ a: 1 }, { password: secret })
          expect(yield* Seal.unseal(sealed, { password })).toEqual({ a: 1 })
        }),
      )

      it.effect("seals under the highest password id and opens under any id of the map", () =>
        Effect.gen(function* () {
          const old = yield* Seal.seal({ v: "old" }, { password: { 1: password } })
          const rotated = { 1: password, 2: other }
          const fresh = yield* Seal.seal({ v: "new" }, { password: rotated })
          expect(fresh.startsWith("Fe26.2*2*")).toBe(true)
          expect(yield* Seal.unseal(old, { password: rotated })).toEqual({ v: "old" })
          expect(yield* Seal.unseal(fresh, { password: rotated })).toEqual({ v: "new" })
          expect(yield* Seal.unseal(fresh, { password: { 2: other } })).toEqual({ v: "new" })
        }),
      )

      it.effect("fails with BadSealError unknown-password-id when the seal's id is not in the map", () =>
        Effect.gen(function* () {
          const sealed = yield* Seal.seal({ a: 1 }, { password: { 7: other } })
          const error = failureOf(yield* Effect.exit(Seal.unseal(sealed, { password: { 1: password, 2: other } })))
          expect(error._tag).toBe("BadSealError")
          expect(error).toMatchObject({ reason: "unknown-password-id", passwordId: "7" })
        }),
      )

      it.effect("a single password opens seals stamped with id 1 or with no id, and no other id", () =>
        Effect.gen(function* () {
          const one = yield* Seal.seal({ a: 1 }, { password: { 1: other } })
          expect(yield* Seal.unseal(one, { password: other })).toEqual({ a: 1 })
          const noId = yield* Effect.promise(() => HapiIron.seal({ a: 2 }, other, HapiIron.defaults))
          expect(noId.startsWith("Fe26.2**")).toBe(true)
          expect(yield* Seal.unseal(noId, { password: other })).toEqual({ a: 2 })
          const five = yield* Seal.seal({ a: 1 }, { password: { 5: other } })
          const error = failureOf(yield* Effect.exit(Seal.unseal(five, { password: other })))
          expect(error).toMatchObject({ _tag: "BadSealError", reason: "unknown-password-id", passwordId: "5" })
          const inMap = failureOf(yield* Effect.exit(Seal.unseal(noId, { password: { 1: other } })))
          expect(inMap).toMatchObject({ _tag: "BadSealError", reason: "unknown-password-id" })
        }),
      )

      it.effect("fails with BadSealError integrity under the wrong password", () =>
        Effect.gen(function* () {
          const sealed = yield* Seal.seal({ a: 1 }, { password })
          const error = failureOf(yield* Effect.exit(Seal.unseal(sealed, { password: other })))
          expect(error._tag).toBe("BadSealError")
          expect(error).toMatchObject({ reason: "integrity" })
        }),
      )

      it.effect("fails with BadSealError integrity when the encrypted part was changed", () =>
        Effect.gen(function* () {
          const sealed = yield* Seal.seal({ admin: false }, { password })
          const parts = sealed.split("*")
          const encrypted = parts[4]!
          parts[4] = (encrypted[0] === "A" ? "B" : "A") + encrypted.slice(1)
          const error = failureOf(yield* Effect.exit(Seal.unseal(parts.join("*"), { password })))
          expect(error).toMatchObject({ _tag: "BadSealError", reason: "integrity" })
        }),
      )

      it.effect("fails with BadSealError malformed for a value that is not a seal", () =>
        Effect.gen(function* () {
          for (const bad of [
            "",
            "hello",
            "Fe26.2*1*a*b*c",
            "Fe26.1*1*a*AAAA*AAAA**b*AAAA",
            "Fe26.2*1*a*!!*AAAA**b*AAAA",
          ]) {
            const error = failureOf(yield* Effect.exit(Seal.unseal(bad, { password })))
            expect(error).toMatchObject({ _tag: "BadSealError", reason: "malformed" })
          }
        }),
      )

      it.effect("expires a seal once its ttl and the 60-second skew have passed on the Clock", () =>
        Effect.gen(function* () {
          const now = yield* Clock.currentTimeMillis
          const sealed = yield* Seal.seal({ a: 1 }, { password, ttl: "1 hour" })
          yield* TestClock.adjust(Duration.sum(Duration.hours(1), Duration.seconds(59)))
          expect(yield* Seal.unseal(sealed, { password })).toEqual({ a: 1 })
          yield* TestClock.adjust(Duration.seconds(1))
          const error = failureOf(yield* Effect.exit(Seal.unseal(sealed, { password })))
          expect(error._tag).toBe("SealExpiredError")
          if (error._tag === "SealExpiredError")
            expect(error.expiredAt.getTime()).toBe(now + Duration.toMillis("1 hour"))
        }),
      )

      it.effect("defaults the ttl to 14 days", () =>
        Effect.gen(function* () {
          const now = yield* Clock.currentTimeMillis
          const sealed = yield* Seal.seal({ a: 1 }, { password })
          expect(sealed.split("*")[5]).toBe(String(now + Duration.toMillis("14 days")))
          yield* TestClock.adjust(Duration.sum(Duration.days(14), Duration.minutes(1)))
          expect(failureOf(yield* Effect.exit(Seal.unseal(sealed, { password })))._tag).toBe("SealExpiredError")
        }),
      )

      it.effect("makes a seal that never expires only when asked with Duration.infinity", () =>
        Effect.gen(function* () {
          const sealed = yield* Seal.seal({ a: 1 }, { password, ttl: Duration.infinity })
          expect(sealed.split("*")[5]).toBe("")
          yield* TestClock.adjust(Duration.days(365 * 50))
          expect(yield* Seal.unseal(sealed, { password })).toEqual({ a: 1 })
          const zero = failureOf(yield* Effect.exit(Seal.seal({ a: 1 }, { password, ttl: 0 })))
          expect(zero).toMatchObject({ _tag: "InvalidOptionError", option: "ttl" })
          expect(zero.message).toContain("Duration.infinity")
        }),
      )

      it.effect("refuses an unparsable ttl with InvalidOptionError", () =>
        Effect.gen(function* () {
          const error = failureOf(
            yield* Effect.exit(Seal.seal({ a: 1 }, { password, ttl: "14 dayz" as Duration.DurationInput })),
          )
          expect(error).toMatchObject({ _tag: "InvalidOptionError", option: "ttl" })
        }),
      )

      it.effect("refuses a short password with PasswordTooShortError naming its id", () =>
        Effect.gen(function* () {
          const single = failureOf(yield* Effect.exit(Seal.seal({ a: 1 }, { password: "short" })))
          expect(single).toMatchObject({ _tag: "PasswordTooShortError", passwordId: "1", minimum: 32 })
          const inMap = failureOf(yield* Effect.exit(Seal.unseal("x", { password: { 1: password, 2: "tiny-pw" } })))
          expect(inMap).toMatchObject({ _tag: "PasswordTooShortError", passwordId: "2" })
          expect(inMap.message).not.toContain("tiny-pw")
        }),
      )

      it.effect("refuses an empty password map and non-integer ids with InvalidPasswordError", () =>
        Effect.gen(function* () {
          const empty = failureOf(yield* Effect.exit(Seal.seal({ a: 1 }, { password: {} })))
          expect(empty).toMatchObject({ _tag: "InvalidPasswordError", reason: "empty-map" })
          for (const id of ["a", "1.5", "-1", "01", ""]) {
            const bad = { [id]: password } as unknown as Seal.PasswordMap
            const error = failureOf(yield* Effect.exit(Seal.seal({ a: 1 }, { password: bad })))
            expect(error).toMatchObject({ _tag: "InvalidPasswordError", reason: "invalid-id", passwordId: id })
          }
          const notString = { 1: 42 } as unknown as Seal.PasswordMap
          const error = failureOf(yield* Effect.exit(Seal.seal({ a: 1 }, { password: notString })))
          expect(error).toMatchObject({ _tag: "InvalidPasswordError", reason: "not-a-string" })
        }),
      )

      it.effect("refuses data JSON cannot carry, naming the path", () =>
        Effect.gen(function* () {
          const cyclic: Record<string, unknown> = { a: 1 }
          cyclic.self = { back: cyclic }
          const cases: ReadonlyArray<readonly [unknown, ReadonlyArray<string | number>, string]> = [
            [{ user: { since: new Date(0) } }, ["user", "since"], "Date"],
            [{ m: new Map() }, ["m"], "Map"],
            [{ s: [1, new Set()] }, ["s", 1], "Set"],
            [{ n: 10n }, ["n"], "bigint"],
            [{ x: Number.NaN }, ["x"], "NaN"],
            [{ x: [Number.POSITIVE_INFINITY] }, ["x", 0], "Infinity"],
            [{ f: () => 1 }, ["f"], "function"],
            [cyclic, ["self", "back"], "circular reference"],
            [[1, undefined], [1], "undefined"],
            [undefined, [], "undefined"],
          ]
          for (const [data, path, found] of cases) {
            const error = failureOf(yield* Effect.exit(Seal.seal(data, { password })))
            expect(error).toMatchObject({ _tag: "UnserializableDataError", path, found })
          }
          const date = failureOf(yield* Effect.exit(Seal.seal({ user: { since: new Date(0) } }, { password })))
          expect(date.message).toContain("data.user.since is a Date")
        }),
      )

      it.effect("accepts shared references and drops undefined properties, as JSON does", () =>
        Effect.gen(function* () {
          const shared = { id: 1 }
          const sealed = yield* Seal.seal({ a: shared, b: shared, gone: undefined }, { password })
          expect(yield* Seal.unseal(sealed, { password })).toEqual({ a: { id: 1 }, b: { id: 1 } })
        }),
      )

      it.effect("never puts the password or the seal in an error message", () =>
        Effect.gen(function* () {
          const sealed = yield* Seal.seal({ secret: "payload" }, { password })
          const errors = [
            failureOf(yield* Effect.exit(Seal.unseal(sealed, { password: other }))),
            failureOf(yield* Effect.exit(Seal.unseal(`${sealed.slice(0, -2)}x`, { password }))),
            failureOf(yield* Effect.exit(Seal.unseal(sealed.replace("*1*", "*9*"), { password: { 1: password } }))),
          ]
          for (const error of errors) {
            const text = `${error.message} ${JSON.stringify(error)} ${String(error)}`
            expect(text).not.toContain(password)
            expect(text).not.toContain(other)
            expect(text).not.toContain(sealed.slice(10, 60))
          }
        }),
      )
    })
  })
}

describe("Seal with a Schema", () => {
  const User = Schema.Struct({
    id: Schema.Number.pipe(Schema.brand("UserId")),
    name: Schema.String,
    since: Schema.DateFromNumber,
  })

  it.effect("seals a typed value and gives back the same type: a Date comes back a Date", () =>
    Effect.gen(function* () {
      const user = User.make({ id: 1 as never, name: "Ada", since: new Date(1_700_000_000_000) })
      const sealed = yield* Seal.sealSchema(User)(user, { password })
      expect(yield* Seal.unseal(sealed, { password })).toEqual({ id: 1, name: "Ada", since: 1_700_000_000_000 })
      const back = yield* Seal.unsealSchema(User)(sealed, { password })
      expect(back.since).toBeInstanceOf(Date)
      expect(back).toEqual(user)
    }),
  )

  it.effect("fails with SchemaMismatchError when the sealed data no longer fits, without quoting it", () =>
    Effect.gen(function* () {
      const sealed = yield* Seal.seal({ id: "not-a-number", name: "Ada-the-secret" }, { password })
      const error = failureOf(yield* Effect.exit(Seal.unsealSchema(User)(sealed, { password })))
      expect(error._tag).toBe("SchemaMismatchError")
      if (error._tag !== "SchemaMismatchError") return
      expect(error.operation).toBe("decode")
      expect(error.issues.map((issue) => issue.path)).toEqual(expect.arrayContaining([["id"], ["since"]]))
      expect(error.message).not.toContain("not-a-number")
      expect(JSON.stringify(error)).not.toContain("Ada-the-secret")
    }),
  )

  it.effect("fails with SchemaMismatchError on encode when the value does not fit the schema", () =>
    Effect.gen(function* () {
      const error = failureOf(
        yield* Effect.exit(Seal.sealSchema(User)({ id: 1, name: "A", since: "nope" } as never, { password })),
      )
      expect(error).toMatchObject({ _tag: "SchemaMismatchError", operation: "encode" })
    }),
  )

  it.effect("names the path when the schema's encoded form is not JSON", () =>
    Effect.gen(function* () {
      const Raw = Schema.Struct({ at: Schema.DateFromSelf })
      const error = failureOf(yield* Effect.exit(Seal.sealSchema(Raw)({ at: new Date() }, { password })))
      expect(error).toMatchObject({ _tag: "UnserializableDataError", path: ["at"], found: "Date" })
    }),
  )
})

describe("Seal across backends", () => {
  it.live("a seal from node:crypto opens with Web Crypto and the other way round", () =>
    Effect.gen(function* () {
      const node = yield* Seal.make({ password }).pipe(Effect.provide(onNode))
      const web = yield* Seal.make({ password }).pipe(Effect.provide(Seal.layerWebCrypto))
      expect([node.backend, web.backend]).toEqual(["node", "webcrypto"])
      expect(yield* web.unseal(yield* node.seal({ from: "node" }))).toEqual({ from: "node" })
      expect(yield* node.unseal(yield* web.seal({ from: "web" }))).toEqual({ from: "web" })
    }),
  )

  it.effect("checks the password before any crypto runs", () =>
    Effect.gen(function* () {
      let calls = 0
      const counting = {
        ...webCrypto,
        open: (...args: Parameters<typeof webCrypto.open>) => {
          calls++
          return webCrypto.open(...args)
        },
      }
      const short = iron.makeSealer(counting, { password: "short" })
      expect(iron.isSealer(short)).toBe(false)
      expect(short).toMatchObject({ _tag: "PasswordTooShortError" })
      const sealed = yield* Seal.seal({ a: 1 }, { password })
      const sealer = iron.makeSealer(counting, { password })
      if (!iron.isSealer(sealer)) throw new Error("expected a sealer")
      expect(yield* bridge.unseal(sealer, sealed)).toEqual({ a: 1 })
      expect(calls).toBe(1)
    }),
  )

  it("formats paths the way code writes them", () => {
    expect(Errors.formatPath(["user", "visits", 0, "weird key"], "session")).toBe('session.user.visits[0]["weird key"]')
  })
})

describe("Seal as a configured service", () => {
  it.effect("checks the options once: make fails with the option's error, and never seals", () =>
    Effect.gen(function* () {
      expect(yield* Effect.flip(Seal.make({ password: "short" }))).toMatchObject({ _tag: "PasswordTooShortError" })
      expect(yield* Effect.flip(Seal.make({ password: "" }))).toMatchObject({
        _tag: "MissingOptionError",
        option: "password",
      })
      expect(yield* Effect.flip(Seal.make({ password, ttl: 0 }))).toMatchObject({
        _tag: "InvalidOptionError",
        option: "ttl",
      })
    }),
  )

  it.effect("reads its password and ttl from Config, and fails the layer when the password is missing", () =>
    Effect.gen(function* () {
      const TokensLive = Seal.layerConfig({
        password: Config.redacted("TOKEN_PASSWORD"),
        ttl: Config.duration("TOKEN_TTL").pipe(Config.withDefault(Duration.hours(1))),
      })
      const use = Effect.gen(function* () {
        const tokens = yield* Seal.Seal
        const now = yield* Clock.currentTimeMillis
        const token = yield* tokens.seal({ userId: 42 })
        expect(token.split("*")[5]).toBe(String(now + Duration.toMillis("1 hour")))
        return yield* tokens.unseal(token)
      })
      const missing = yield* Effect.flip(Effect.provide(use, TokensLive))
      expect(missing._tag).toBe("ConfigError")
      const provider = ConfigProvider.fromMap(new Map([["TOKEN_PASSWORD", password]]))
      const opened = yield* use.pipe(Effect.provide(TokensLive), Effect.withConfigProvider(provider))
      expect(opened).toEqual({ userId: 42 })
      const short = ConfigProvider.fromMap(new Map([["TOKEN_PASSWORD", "short"]]))
      const refused = yield* Effect.flip(use.pipe(Effect.provide(TokensLive), Effect.withConfigProvider(short)))
      expect(refused).toMatchObject({ _tag: "PasswordTooShortError" })
    }),
  )

  it.effect("seals and opens typed data through the service's schema operations", () =>
    Effect.gen(function* () {
      const Link = Schema.Struct({ email: Schema.String, at: Schema.DateFromNumber })
      const links = yield* Seal.make({ password, ttl: "15 minutes" })
      const value = { email: "ada@example.com", at: new Date(1_700_000_000_000) }
      const token = yield* links.sealSchema(Link)(value)
      expect(yield* links.unsealSchema(Link)(token)).toEqual(value)
      expect(yield* links.unseal(token)).toEqual({ email: "ada@example.com", at: 1_700_000_000_000 })
    }),
  )
})

describe("Seal on hostile input", () => {
  it.effect(
    "checks integrity before expiry: an expired-looking forgery is a BadSealError, a real expiry is authentic",
    () =>
      Effect.gen(function* () {
        const sealed = yield* Seal.seal({ admin: false }, { password, ttl: "1 hour" })
        const parts = sealed.slice(0, -2).split("*")
        const realExpiry = Number(parts[5])
        parts[5] = "1" // 1970: long expired, chosen by the attacker
        const forged = failureOf(yield* Effect.exit(Seal.unseal(parts.join("*"), { password })))
        expect(forged).toMatchObject({ _tag: "BadSealError", reason: "integrity" })
        const noSuchId = failureOf(
          yield* Effect.exit(Seal.unseal("Fe26.2*nosuchid*x*y*z*1*x*y", { password: { 1: password } })),
        )
        expect(noSuchId._tag).toBe("BadSealError")
        yield* TestClock.adjust(Duration.hours(2))
        const expired = failureOf(yield* Effect.exit(Seal.unseal(sealed, { password })))
        expect(expired._tag).toBe("SealExpiredError")
        if (expired._tag === "SealExpiredError") expect(expired.expiredAt.getTime()).toBe(realExpiry)
      }),
  )

  it.effect("keeps only a short, printable password id from the seal in BadSealError", () =>
    Effect.gen(function* () {
      const sealed = yield* Seal.seal({ a: 1 }, { password: { 7: password } })
      const named = (id: string) => sealed.replace("Fe26.2*7*", `Fe26.2*${id}*`)
      const map = { password: { 1: password } }
      expect(failureOf(yield* Effect.exit(Seal.unseal(named("7"), map)))).toMatchObject({ passwordId: "7" })
      for (const hostile of ["a\r\nSet-Cookie: x=1", "x".repeat(33), "<script>", ""]) {
        const error = failureOf(yield* Effect.exit(Seal.unseal(named(hostile), map)))
        expect(error).toMatchObject({ _tag: "BadSealError", reason: "unknown-password-id" })
        expect(error._tag === "BadSealError" && error.passwordId).toBe(undefined)
        expect(`${error.message} ${JSON.stringify(error)}`).not.toMatch(/[\r\n<]|x{33}/)
      }
    }),
  )

  it.effect("refuses data nested deeper than 1000 levels with UnserializableDataError, not a stack overflow", () =>
    Effect.gen(function* () {
      let deep: Record<string, unknown> = { end: true }
      for (let i = 0; i < 4000; i++) deep = { a: deep }
      const error = failureOf(yield* Effect.exit(Seal.seal(deep, { password })))
      expect(error).toMatchObject({ _tag: "UnserializableDataError", found: "value nested deeper than 1000 levels" })
      expect(error._tag === "UnserializableDataError" && error.path.length).toBe(1001)
      expect(error.message.length).toBeLessThan(400)
      expect(error.message).toContain("data.a.a.a")
      let fine: Record<string, unknown> = { end: true }
      for (let i = 0; i < 999; i++) fine = { a: fine }
      expect(yield* Seal.unseal(yield* Seal.seal(fine, { password }), { password })).toEqual(fine)
    }),
  )

  it.effect("never gives decoded data a prototype from the seal's __proto__ keys", () =>
    Effect.gen(function* () {
      // JSON.parse makes "__proto__" an own key, as data posted by a client would have it.
      const data = JSON.parse('{"prefs":{"__proto__":{"role":"admin"},"theme":"dark"}}') as unknown
      const sealed = yield* Seal.seal(data, { password })
      const Prefs = Schema.Struct({ prefs: Schema.Record({ key: Schema.String, value: Schema.Unknown }) })
      const typed = yield* Seal.unsealSchema(Prefs)(sealed, { password })
      expect(Object.getPrototypeOf(typed.prefs)).toBe(Object.prototype)
      expect((typed.prefs as { role?: unknown }).role).toBeUndefined()
      expect(typed.prefs).toEqual({ theme: "dark" })
      const plain = (yield* Seal.unseal(sealed, { password })) as { prefs: Record<string, unknown> }
      expect(Object.keys(plain.prefs)).toEqual(["theme"])
      const copy = Object.assign({}, plain.prefs)
      expect((copy as { role?: unknown }).role).toBeUndefined()
    }),
  )
})

describe("the library's errors", () => {
  it("take a message assigned by a host that logs them (Next.js's dev server does), and keep their own otherwise", () => {
    const assigned = new Errors.BadSealError({ reason: "integrity" })
    ;(assigned as { message: string }).message = `⨯ ${assigned.message}`
    expect(assigned.message).toMatch(/^⨯ The seal's integrity check failed/)
    expect(new Errors.BadSealError({ reason: "integrity" }).message).toMatch(/^The seal's integrity check failed/)
    const expired = new Errors.SessionExpiredError({ reason: "idle", expiredAt: new Date(0) })
    ;(expired as { message: string }).message = "replaced"
    expect(expired.message).toBe("replaced")
    expect(expired._tag).toBe("SessionExpiredError")
  })
})
