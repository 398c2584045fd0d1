/**
 * The seal's edges: the exact bounds (a 32-character password, the expiry
 * instant), each shape check on a seal whose MAC is valid (so that the check,
 * and nothing else, refuses it), the failures after a valid MAC, and the
 * hot-cookie cache. On both backends and, where the facade has the operation,
 * on both doors.
 */
import { describe, expect, it } from "@effect/vitest"
import * as HapiIron from "@hapi/iron"
import { Cause, Duration, Effect, Exit, Layer, Option, Redacted, TestClock } from "effect"
import { Seal } from "effect-iron-session"
import * as Facade from "effect-iron-session/promise"
import * as IronSession from "iron-session"
import * as bridge from "../../src/internal/effect.js"
import { nodeCrypto } from "../../src/internal/kernel/crypto/node.js"
import type { IronCrypto, ParsedSeal } from "../../src/internal/kernel/crypto/types.js"
import { OpenFailure } from "../../src/internal/kernel/crypto/types.js"
import { webCrypto } from "../../src/internal/kernel/crypto/web.js"
import * as iron from "../../src/internal/kernel/iron.js"
import { failureOf } from "../helpers/exit.js"
import { BAD_PADDING_BLOCK, encrypt, forge, mac } from "./forge.js"

const password = "a-password-that-is-at-least-32-characters-long"
const exactly32 = "0123456789abcdefghijklmnopqrstuv"

const backends = [
  ["node:crypto", Layer.succeed(Seal.CryptoBackend, Seal.backends.node!), nodeCrypto!],
  ["Web Crypto", Seal.layerWebCrypto, webCrypto],
] as const

/** What the facade's unsealData gives for a seal, and the reasons its onUnsealError heard. */
const facadeUnseal = async (seal: string, pw: Facade.Password = password) => {
  const heard: Array<{ reason: string; error: unknown }> = []
  const data = await Facade.unsealData(seal, {
    password: pw,
    onUnsealError: (reason, error) => heard.push({ reason, error }),
  })
  return { data, heard }
}

/** The facade's answer for a seal its unsealData must refuse with a BadSealError of `reason`. */
const expectFacadeRefuses = async (seal: string, reason: string, pw: Facade.Password = password) => {
  const { data, heard } = await facadeUnseal(seal, pw)
  expect(data).toEqual({})
  expect(heard).toHaveLength(1)
  expect(heard[0]?.error).toMatchObject({ _tag: "BadSealError", reason })
}

/** A sealer from options in the Effect API's units (a ttl such as "1 hour"). */
const sealer = (crypto: IronCrypto, options: bridge.SealerOptions): iron.Sealer => {
  const made = bridge.makeSealer(crypto, options)
  if (!iron.isSealer(made)) throw new Error(`expected a sealer, got ${made._tag}`)
  return made
}

const thrown = (f: () => unknown): unknown => {
  try {
    f()
  } catch (error) {
    return error
  }
  throw new Error("expected a throw")
}

describe("seals forged by hand with iron's algorithm", () => {
  it.live(
    "open in @hapi/iron, in iron-session and on both backends, so the forgeries below differ in one way only",
    () =>
      Effect.gen(function* () {
        const sealed = forge({ password, plaintext: '{"user":"ada"}' })
        // @hapi/iron does not know iron-session's `~2` marker.
        const bare = sealed.slice(0, -2)
        expect(yield* Effect.promise(() => HapiIron.unseal(bare, { 1: password }, HapiIron.defaults))).toEqual({
          user: "ada",
        })
        expect(yield* Effect.promise(() => IronSession.unsealData(sealed, { password }))).toEqual({ user: "ada" })
        for (const [, layer] of backends) {
          expect(yield* Effect.provide(Seal.unseal(sealed, { password }), layer)).toEqual({ user: "ada" })
        }
      }),
  )
})

describe("password bounds, on both doors", () => {
  it.effect("a password of exactly 32 characters is accepted, and one of 31 is refused as too short", () =>
    Effect.gen(function* () {
      const sealed = yield* Seal.seal({ a: 1 }, { password: exactly32 })
      expect(yield* Seal.unseal(sealed, { password: exactly32 })).toEqual({ a: 1 })
      expect(yield* Seal.unseal(sealed, { password: { 1: Redacted.make(exactly32) } })).toEqual({ a: 1 })
      const short = exactly32.slice(1)
      expect(failureOf(yield* Effect.exit(Seal.seal({ a: 1 }, { password: short })))).toMatchObject({
        _tag: "PasswordTooShortError",
        minimum: 32,
      })
      expect(failureOf(yield* Effect.exit(Seal.seal({ a: 1 }, { password: { 3: short } })))).toMatchObject({
        _tag: "PasswordTooShortError",
        passwordId: "3",
      })
    }),
  )

  it("the facade, like iron-session, seals with a password of exactly 32 characters and refuses 31", async () => {
    for (const lib of [Facade, IronSession]) {
      const sealed = await lib.sealData({ a: 1 }, { password: exactly32 })
      expect(await lib.unsealData(sealed, { password: exactly32 })).toEqual({ a: 1 })
      await expect(lib.sealData({ a: 1 }, { password: exactly32.slice(1) })).rejects.toThrow(/\b32 characters\b/)
    }
    await expect(Facade.sealData({ a: 1 }, { password: exactly32.slice(1) })).rejects.toThrow(
      "iron-session: Bad usage. Password must be at least 32 characters long.",
    )
  })

  it.effect("an empty password is a missing option, not a short one, plain or Redacted, and so is none", () =>
    Effect.gen(function* () {
      for (const empty of ["", Redacted.make("")]) {
        const error = failureOf(yield* Effect.exit(Seal.seal({ a: 1 }, { password: empty })))
        expect(error).toMatchObject({ _tag: "MissingOptionError", option: "password" })
        expect(error.message).toContain("at least 32 characters")
      }
      for (const absent of [undefined, null]) {
        const missing = failureOf(yield* Effect.exit(Seal.unseal("x", { password: absent as never })))
        expect(missing).toMatchObject({ _tag: "MissingOptionError", option: "password" })
      }
    }),
  )

  it("the facade, like iron-session, says Missing password for an empty password", async () => {
    for (const lib of [Facade, IronSession]) {
      const options = { cookieName: "app", password: "" }
      await expect(lib.getIronSession(new Request("http://127.0.0.1/"), new Response(), options)).rejects.toThrow(
        "iron-session: Bad usage. Missing password.",
      )
    }
    const error = await Facade.sealData({ a: 1 }, { password: "" }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(Error)
    expect((error as Error).message).toBe("iron-session: Bad usage. Missing password.")
    expect((error as Error).cause).toMatchObject({ _tag: "MissingOptionError", option: "password" })
  })
})

for (const [name, layer, crypto] of backends) {
  describe(`the seal's shape on ${name}: a valid MAC does not make a malformed seal readable`, () => {
    const unseal = (sealed: string, pw: Seal.Password = password) =>
      Effect.exit(Effect.provide(Seal.unseal(sealed, { password: pw }), layer))

    const expectMalformed = (sealed: string, pw: Seal.Password = password) =>
      Effect.gen(function* () {
        expect(failureOf(yield* unseal(sealed, pw))).toMatchObject({ _tag: "BadSealError", reason: "malformed" })
      })

    it.effect("refuses a seal of seven or nine parts", () =>
      Effect.gen(function* () {
        yield* expectMalformed(forge({ password, extraParts: ["AAAA"] }))
        yield* expectMalformed(forge({ password, extraParts: [""] }))
        const seven = forge({ password, suffix: "" }).split("*").slice(0, 7).join("*")
        yield* expectMalformed(seven)
      }),
    )

    it.effect("refuses an expiration that is not a positive integer written plainly", () =>
      Effect.gen(function* () {
        const later = String(Date.now() + 3_600_000)
        expect(yield* Effect.provide(Seal.unseal(forge({ password, expiration: later }), { password }), layer)).toEqual(
          { a: 1 },
        )
        for (const expiration of ["0", `0${later}`, `-${later}`, `${later}a`, `a${later}`, "1e20", `${later}.5`]) {
          yield* expectMalformed(forge({ password, expiration }))
        }
      }),
    )

    it.effect("refuses an empty encryption salt and an empty MAC salt", () =>
      Effect.gen(function* () {
        yield* expectMalformed(forge({ password, encryptionSalt: "" }))
        yield* expectMalformed(forge({ password, hmacSalt: "" }))
      }),
    )

    it.effect("refuses an IV, an encrypted part or a digest that is not base64url", () =>
      Effect.gen(function* () {
        const iv = Buffer.alloc(16, 7)
        // Node's decoder reads standard base64 and padding too: only the shape check refuses these.
        yield* expectMalformed(forge({ password, ivBytes: iv, iv: iv.toString("base64") }))
        yield* expectMalformed(
          forge({ password, ivBytes: Buffer.alloc(16, 0xfb), iv: Buffer.alloc(16, 0xfb).toString("base64") }),
        )
        const salt = "ab".repeat(32)
        const encrypted = encrypt(password, salt, iv, '{"a":1}')
        yield* expectMalformed(
          forge({ password, ivBytes: iv, encryptionSalt: salt, encrypted: encrypted.toString("base64") }),
        )
        yield* expectMalformed(forge({ password, digest: (valid) => `${valid}=` }))
        yield* expectMalformed(forge({ password, digest: (valid) => valid.replace(/^./, "+") }))
        yield* expectMalformed(forge({ password, iv: "" }))
        yield* expectMalformed(forge({ password, encrypted: "" }))
        yield* expectMalformed(forge({ password, digest: () => "" }))
      }),
    )

    it.effect("refuses an IV, an encrypted part or a digest whose length no base64 text has (4n + 1)", () =>
      Effect.gen(function* () {
        const iv = Buffer.alloc(16, 7)
        const salt = "cd".repeat(32)
        const encrypted = encrypt(password, salt, iv, '{"a":1}').toString("base64url")
        // 22 characters + 3 = 25 = 4 × 6 + 1
        yield* expectMalformed(forge({ password, ivBytes: iv, iv: `${iv.toString("base64url")}AAA` }))
        yield* expectMalformed(forge({ password, ivBytes: iv, encryptionSalt: salt, encrypted: `${encrypted}AAA` }))
        yield* expectMalformed(forge({ password, digest: (valid) => `${valid}AA` }))
        expect([`${iv.toString("base64url")}AAA`, `${encrypted}AAA`].map((part) => part.length % 4)).toEqual([1, 1])
      }),
    )

    it.effect("refuses a password id longer than iron's 32 characters, even under a map that holds it", () =>
      Effect.gen(function* () {
        const longId = `1${"0".repeat(32)}`
        yield* expectMalformed(forge({ password, passwordId: longId }), { [longId]: password } as Seal.PasswordMap)
        const id32 = `1${"0".repeat(31)}`
        expect(
          yield* Effect.provide(
            Seal.unseal(forge({ password, passwordId: id32 }), { password: { [id32]: password } as Seal.PasswordMap }),
            layer,
          ),
        ).toEqual({ a: 1 })
      }),
    )

    it.effect("names an unknown password id in the error only when it is a short word", () =>
      Effect.gen(function* () {
        const map = { 1: password }
        const named = failureOf(yield* unseal(forge({ password, passwordId: "9" }), map))
        expect(named).toMatchObject({ _tag: "BadSealError", reason: "unknown-password-id", passwordId: "9" })
        const word = "w".repeat(32)
        expect(failureOf(yield* unseal(forge({ password, passwordId: word }), map))).toMatchObject({ passwordId: word })
        for (const hostile of ["", "w".repeat(33), "a-b"]) {
          const error = failureOf(yield* unseal(forge({ password, passwordId: hostile }), map))
          expect(error).toMatchObject({ _tag: "BadSealError", reason: "unknown-password-id" })
          expect(error).not.toHaveProperty("passwordId")
        }
      }),
    )
  })

  describe(`failures after a valid MAC on ${name}`, () => {
    const unseal = (sealed: string) => Effect.exit(Effect.provide(Seal.unseal(sealed, { password }), layer))

    it.effect("data that is not JSON is not-json", () =>
      Effect.gen(function* () {
        for (const plaintext of ["{not json", "", "undefined"]) {
          expect(failureOf(yield* unseal(forge({ password, plaintext })))).toMatchObject({
            _tag: "BadSealError",
            reason: "not-json",
          })
        }
      }),
    )

    it.effect("a ciphertext that does not decrypt is undecryptable", () =>
      Effect.gen(function* () {
        const badPadding = forge({ password, plaintext: BAD_PADDING_BLOCK, noPadding: true })
        const notBlocks = forge({ password, encrypted: Buffer.alloc(20, 1).toString("base64url") })
        const shortIv = forge({ password, iv: Buffer.alloc(8, 1).toString("base64url") })
        for (const sealed of [badPadding, notBlocks, shortIv]) {
          expect(failureOf(yield* unseal(sealed))).toMatchObject({ _tag: "BadSealError", reason: "undecryptable" })
        }
      }),
    )

    it.effect("a digest of the wrong length is integrity, not undecryptable", () =>
      Effect.gen(function* () {
        for (const digest of [(valid: string) => valid.slice(0, -4), (valid: string) => `${valid}AAAA`]) {
          expect(failureOf(yield* unseal(forge({ password, digest })))).toMatchObject({
            _tag: "BadSealError",
            reason: "integrity",
          })
        }
      }),
    )

    it.effect("a digest that differs in its last character only is integrity", () =>
      Effect.gen(function* () {
        const sealed = forge({ password })
        const last = sealed.slice(0, -2).at(-1)!
        const changed = `${sealed.slice(0, -3)}${last === "A" ? "B" : "A"}~2`
        expect(failureOf(yield* unseal(changed))).toMatchObject({ _tag: "BadSealError", reason: "integrity" })
      }),
    )
  })

  describe(`the backend seam on ${name}`, () => {
    const parsed = (sealed: string): ParsedSeal => {
      const raw = sealed.split("~")[0]!
      const [, passwordId, encryptionSalt, iv, encrypted, expiration, hmacSalt, hmacDigest] = raw.split("*") as [
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
      ]
      const macBase = raw.slice(0, raw.length - hmacSalt.length - hmacDigest.length - 2)
      return { raw, passwordId, encryptionSalt, iv, encrypted, expiration, hmacSalt, hmacDigest, macBase }
    }
    const failure = async (seal: ParsedSeal) => {
      try {
        await crypto.open(seal, password)
      } catch (error) {
        return error
      }
      throw new Error("expected the backend to refuse")
    }

    it("opens what it sealed, with the password id and expiration it was given", async () => {
      const sealed = await crypto.seal('{"x":"é☃"}', "42", password, "1234")
      const [prefix, id, encryptionSalt, , , expiration, hmacSalt] = sealed.split("*")
      expect([prefix, id, expiration]).toEqual(["Fe26.2", "42", "1234"])
      expect(encryptionSalt).toMatch(/^[0-9a-f]{64}$/)
      expect(hmacSalt).toMatch(/^[0-9a-f]{64}$/)
      expect(await crypto.open(parsed(sealed), password)).toBe('{"x":"é☃"}')
      expect(await HapiIron.unseal(sealed, { 42: password }, { ...HapiIron.defaults, timestampSkewSec: 1e12 })).toEqual(
        {
          x: "é☃",
        },
      )
    })

    it("refuses parts it cannot decode, after a valid MAC, as undecryptable and not as a crash", async () => {
      for (const part of ["iv", "encrypted"] as const) {
        const base = parsed(forge({ password }))
        const bad = { ...base, [part]: "A" }
        const macBase = ["Fe26.2", bad.passwordId, bad.encryptionSalt, bad.iv, bad.encrypted, bad.expiration].join("*")
        const error = await failure({ ...bad, macBase, hmacDigest: mac(password, bad.hmacSalt, macBase) })
        expect(error).toBeInstanceOf(OpenFailure)
        expect(error).toMatchObject({ reason: "undecryptable" })
      }
    })

    it("refuses a MAC made under another password as integrity", async () => {
      const error = await failure(parsed(forge({ password: `${password}!` })))
      expect(error).toBeInstanceOf(OpenFailure)
      expect(error).toMatchObject({ reason: "integrity" })
    })
  })
}

describe("the facade refuses malformed and broken seals with the same reasons", () => {
  it("gives {} and onUnsealError invalid for each shape a seal must have", async () => {
    const iv = Buffer.alloc(16, 7)
    for (const sealed of [
      forge({ password, extraParts: ["AAAA"] }),
      forge({ password, expiration: "007" }),
      forge({ password, encryptionSalt: "" }),
      forge({ password, hmacSalt: "" }),
      forge({ password, ivBytes: iv, iv: iv.toString("base64") }),
      forge({ password, digest: (valid) => `${valid}AA` }),
    ]) {
      await expectFacadeRefuses(sealed, "malformed")
      const { heard } = await facadeUnseal(sealed)
      expect(heard[0]?.reason).toBe("invalid")
    }
  })

  it("gives {} for not-json, undecryptable and a digest of the wrong length, each with its reason", async () => {
    await expectFacadeRefuses(forge({ password, plaintext: "{nope" }), "not-json")
    await expectFacadeRefuses(forge({ password, plaintext: BAD_PADDING_BLOCK, noPadding: true }), "undecryptable")
    await expectFacadeRefuses(forge({ password, digest: (valid) => valid.slice(0, -4) }), "integrity")
  })

  it("unsealData without onUnsealError resolves {} for a bad seal and does not throw, as iron-session does", async () => {
    for (const lib of [Facade, IronSession]) {
      for (const bad of ["", "garbage", forge({ password, digest: (valid) => valid.slice(0, -4) })]) {
        await expect(lib.unsealData(bad, { password })).resolves.toEqual({})
      }
    }
    const expired = forge({ password, expiration: String(Date.now() - 120_000) })
    await expect(Facade.unsealData(expired, { password })).resolves.toEqual({})
  })
})

describe("expiry at its exact instant", () => {
  const now = 1_800_000_000_000

  for (const cached of [false, true]) {
    it(`a seal is good until 60 seconds after its expiration, and expired at that instant (${cached ? "from the cache" : "opened"})`, () => {
      const s = sealer(nodeCrypto!, { password, ttl: "1 hour", cache: cached ? iron.DEFAULT_CACHE : false })
      const sealed = iron.sealData(s, { a: 1 }, now) as string
      const expiration = now + 3_600_000
      expect(sealed.split("*")[5]).toBe(String(expiration))
      if (cached) expect(iron.openSeal(s, sealed, now)).toEqual({ a: 1 })
      expect(iron.openSeal(s, sealed, expiration + 59_999)).toEqual({ a: 1 })
      const error = thrown(() => iron.openSeal(s, sealed, expiration + 60_000))
      expect(error).toMatchObject({ _tag: "SealExpiredError" })
      expect((error as { expiredAt: Date }).expiredAt.getTime()).toBe(expiration)
    })
  }

  it("in iron's order (the facade's), an expired seal is expired before its password id is looked at", () => {
    const facadeSealer = iron.makeSealer(nodeCrypto!, { password }, true) as iron.Sealer
    const strictSealer = sealer(nodeCrypto!, { password })
    const expired = forge({ password, passwordId: "7", expiration: String(now - 60_000) })
    expect(thrown(() => iron.openSeal(facadeSealer, expired, now))).toMatchObject({ _tag: "SealExpiredError" })
    expect(thrown(() => iron.openSeal(strictSealer, expired, now))).toMatchObject({
      _tag: "BadSealError",
      reason: "unknown-password-id",
    })
    const fresh = forge({ password, passwordId: "7", expiration: String(now - 59_999) })
    expect(thrown(() => iron.openSeal(facadeSealer, fresh, now))).toMatchObject({ reason: "unknown-password-id" })
  })

  it.effect("on the Effect API, the 60-second skew is counted on the Clock", () =>
    Effect.gen(function* () {
      yield* TestClock.setTime(now)
      const sealed = yield* Seal.seal({ a: 1 }, { password, ttl: "1 minute" })
      yield* TestClock.setTime(now + 60_000 + 59_999)
      expect(yield* Seal.unseal(sealed, { password })).toEqual({ a: 1 })
      yield* TestClock.adjust(Duration.millis(1))
      expect(failureOf(yield* Effect.exit(Seal.unseal(sealed, { password })))).toMatchObject({
        _tag: "SealExpiredError",
      })
    }),
  )
})

describe("the hot-cookie cache", () => {
  const now = 1_800_000_000_000

  /** A backend that counts the seals it opens. */
  const counting = () => {
    const base = nodeCrypto!
    const counter = { opens: 0 }
    const crypto: IronCrypto = {
      ...base,
      open: (...args) => {
        counter.opens++
        return base.open(...args)
      },
    }
    return { crypto, counter }
  }

  it("opens a seal once and answers a repeat from the cache, with a fresh object each time", () => {
    const { crypto, counter } = counting()
    const s = sealer(crypto, { password, cache: iron.DEFAULT_CACHE })
    const sealed = iron.sealData(s, { user: { id: 1 } }, now) as string
    const first = iron.openSeal(s, sealed, now) as { user: { id: number } }
    first.user.id = 2
    const second = iron.openSeal(s, sealed, now)
    expect(second).toEqual({ user: { id: 1 } })
    expect(counter.opens).toBe(1)
    expect(s.cache?.size.entries).toBe(1)
  })

  it("is off when not asked for, and when disabled: every read opens the seal", () => {
    for (const cache of [undefined, false] as const) {
      const { crypto, counter } = counting()
      const s = sealer(crypto, { password, cache })
      expect(s.cache).toBeUndefined()
      const sealed = iron.sealData(s, { a: 1 }, now) as string
      iron.openSeal(s, sealed, now)
      iron.openSeal(s, sealed, now)
      expect(counter.opens).toBe(2)
    }
  })

  it("keeps nothing when its entry bound is zero", () => {
    const cache = new iron.SealCache({ entries: 0, bytes: 1 << 20 })
    cache.set("seal", "{}", undefined)
    expect(cache.size).toEqual({ entries: 0, bytes: 0 })
    expect(cache.get("seal")).toBeUndefined()
  })

  it("is bounded in entries, dropping the least recently used", () => {
    const cache = new iron.SealCache({ entries: 2, bytes: 1 << 20 })
    cache.set("a", "1", undefined)
    cache.set("b", "2", undefined)
    expect(cache.get("a")?.text).toBe("1") // a is now the most recent
    cache.set("c", "3", 42)
    expect(cache.get("b")).toBeUndefined()
    expect(cache.get("a")?.text).toBe("1")
    expect(cache.get("c")).toEqual({ text: "3", expiration: 42, size: 4 })
    expect(cache.size).toEqual({ entries: 2, bytes: 8 })
  })

  it("is bounded in bytes (two per UTF-16 unit of seal and text), dropping the least recently used", () => {
    const cache = new iron.SealCache({ entries: 100, bytes: 40 })
    cache.set("aaaa", "1234", undefined) // 16 bytes
    cache.set("bbbb", "1234", undefined) // 32
    expect(cache.size).toEqual({ entries: 2, bytes: 32 })
    cache.set("cccc", "12", undefined) // 12 more: 44 > 40, so aaaa goes
    expect(cache.get("aaaa")).toBeUndefined()
    expect(cache.size).toEqual({ entries: 2, bytes: 28 })
    cache.set("dddd", "123456", undefined) // 20 more: 48 > 40, so bbbb goes
    expect(cache.size).toEqual({ entries: 2, bytes: 32 })
    expect([cache.get("bbbb"), cache.get("cccc")?.text, cache.get("dddd")?.text]).toEqual([undefined, "12", "123456"])
  })

  it("keeps an entry of exactly its byte bound, and never one over it", () => {
    const cache = new iron.SealCache({ entries: 10, bytes: 20 })
    cache.set("seal", "123456", undefined) // 20 bytes
    expect(cache.size).toEqual({ entries: 1, bytes: 20 })
    cache.set("other", "123456", undefined) // 22 bytes: never stored, and evicts nothing
    expect(cache.size).toEqual({ entries: 1, bytes: 20 })
    expect(cache.get("other")).toBeUndefined()
  })

  it("counts a seal stored again once, at its new size", () => {
    const cache = new iron.SealCache({ entries: 10, bytes: 1000 })
    cache.set("seal", "12", undefined)
    cache.set("seal", "1234", 7)
    expect(cache.size).toEqual({ entries: 1, bytes: 16 })
    expect(cache.get("seal")).toEqual({ text: "1234", expiration: 7, size: 16 })
  })

  it("never keeps what did not open: garbage, tampering, a wrong password, not-json, an expired seal", () => {
    const { crypto } = counting()
    const s = sealer(crypto, { password, cache: iron.DEFAULT_CACHE })
    const good = iron.sealData(s, { a: 1 }, now) as string
    for (const bad of [
      "garbage",
      `${good.slice(0, 40)}A${good.slice(41)}`,
      forge({ password: `${password}!` }),
      forge({ password, plaintext: "{nope" }),
      forge({ password, expiration: String(now - 60_000) }),
    ]) {
      expect(() => iron.openSeal(s, bad, now)).toThrow()
    }
    expect(s.cache?.size).toEqual({ entries: 0, bytes: 0 })
  })

  it("keeps the seal's expiration, or none for a seal that never expires", () => {
    const s = sealer(nodeCrypto!, { password, cache: iron.DEFAULT_CACHE })
    const expiring = forge({ password, expiration: String(now + 1000) })
    const forever = forge({ password })
    iron.openSeal(s, expiring, now)
    iron.openSeal(s, forever, now)
    // Kept by the part under the MAC, without the `~2` suffix.
    expect(s.cache?.get(iron.macCovered(expiring))?.expiration).toBe(now + 1000)
    expect(s.cache?.get(iron.macCovered(forever))?.expiration).toBeUndefined()
    expect(iron.openSeal(s, forever, now + 1e12)).toEqual({ a: 1 })
  })

  it("is its sealer's own: another password never opens a seal from it", () => {
    const s = sealer(nodeCrypto!, { password, cache: iron.DEFAULT_CACHE })
    const sealed = iron.sealData(s, { a: 1 }, now) as string
    iron.openSeal(s, sealed, now)
    const other = sealer(nodeCrypto!, { password: `${password}!`, cache: iron.DEFAULT_CACHE })
    expect(thrown(() => iron.openSeal(other, sealed, now))).toMatchObject({ reason: "integrity" })
  })

  it("refuses a value that is not a string as malformed, before looking in the cache", () => {
    const s = sealer(nodeCrypto!, { password, cache: iron.DEFAULT_CACHE })
    expect(thrown(() => iron.openSeal(s, 42 as never, now))).toMatchObject({
      _tag: "BadSealError",
      reason: "malformed",
    })
  })
})

describe("what a seal carries beside the data: a purpose, a session record", () => {
  it.effect("a purpose must be a non-empty string", () =>
    Effect.gen(function* () {
      for (const purpose of ["", 42 as never]) {
        const error = yield* Effect.flip(Seal.make({ password, purpose }))
        expect(error).toMatchObject({ _tag: "InvalidOptionError", option: "purpose" })
        expect(error.message).toContain("non-empty string")
      }
      const bound = yield* Seal.make({ password, purpose: "p" })
      expect(yield* Seal.unseal(yield* bound.seal({ a: 1 }), { password, purpose: "p" })).toEqual({ a: 1 })
    }),
  )

  it.live(
    "data that is not a plain object, or uses a reserved key, travels under ~value and comes back as it was",
    () =>
      Effect.gen(function* () {
        for (const data of [
          [1, 2],
          "text",
          42,
          null,
          true,
          { "~value": 1, b: 2 },
          { "~purpose": "x" },
          { "~session": 1 },
        ]) {
          const token = yield* Seal.seal(data, { password, purpose: "p" })
          expect(yield* Seal.unseal(token, { password, purpose: "p" })).toEqual(data)
          const seen = yield* Effect.promise(() => IronSession.unsealData(token, { password }))
          expect(seen).toEqual({ "~value": data, "~purpose": "p" })
        }
      }),
  )

  it.live("a plain object travels with ~purpose beside its own keys, and comes back without it", () =>
    Effect.gen(function* () {
      const token = yield* Seal.seal({ a: 1, b: { c: 2 } }, { password, purpose: "p" })
      expect(yield* Effect.promise(() => IronSession.unsealData(token, { password }))).toEqual({
        a: 1,
        b: { c: 2 },
        "~purpose": "p",
      })
      expect(yield* Seal.unseal(token, { password, purpose: "p" })).toEqual({ a: 1, b: { c: 2 } })
      const plain = yield* Seal.seal({ a: 1 }, { password })
      expect(yield* Effect.promise(() => IronSession.unsealData(plain, { password }))).toEqual({ a: 1 })
    }),
  )

  it("a session record comes out of the seal, and the data without it", () => {
    const s = sealer(nodeCrypto!, { password })
    const record = { id: "abc", signedInAt: 1000, writtenAt: 2000 }
    const sealed = iron.sealData(s, { a: 1 }, 5000, { record, expiration: 9000 }) as string
    expect(sealed.split("*")[5]).toBe("9000")
    const opened = iron.openSealed(s, sealed, 5000) as iron.Opened
    expect(opened).toEqual({ data: { a: 1 }, record, expiration: 9000 })
    const forever = iron.sealData(s, [1], 5000, { record, expiration: undefined }) as string
    expect(forever.split("*")[5]).toBe("")
    expect(iron.openSealed(s, forever, 5000)).toEqual({ data: [1], record, expiration: undefined })
  })

  it("an expired seal opens when the caller checks the expiry itself, from the cache too", () => {
    const s = sealer(nodeCrypto!, { password, cache: iron.DEFAULT_CACHE })
    const sealed = forge({ password, expiration: "1000" })
    expect(thrown(() => iron.openSealed(s, sealed, 1_000_000))).toMatchObject({ _tag: "SealExpiredError" })
    for (let i = 0; i < 2; i++) {
      expect(iron.openSealed(s, sealed, 1_000_000, false)).toEqual({
        data: { a: 1 },
        record: undefined,
        expiration: 1000,
      })
    }
    expect(thrown(() => iron.openSealed(s, sealed, 1_000_000))).toMatchObject({ _tag: "SealExpiredError" })
  })

  it.effect("a session record that is not well formed makes the seal malformed, on both backends", () =>
    Effect.gen(function* () {
      const good = '{"a":1,"~session":{"id":"x","in":1,"at":2}}'
      for (const [, layer] of backends) {
        expect(yield* Effect.provide(Seal.unseal(forge({ password, plaintext: good }), { password }), layer)).toEqual({
          a: 1,
        })
        for (const session of [
          "null",
          "[]",
          '"x"',
          '{"in":1,"at":2}',
          '{"id":"","in":1,"at":2}',
          '{"id":7,"in":1,"at":2}',
          '{"id":"x","at":2}',
          '{"id":"x","in":"1","at":2}',
          '{"id":"x","in":1e400,"at":2}',
          '{"id":"x","in":1}',
          '{"id":"x","in":1,"at":"2"}',
          '{"id":"x","in":1,"at":-1e400}',
        ]) {
          const sealed = forge({ password, plaintext: `{"a":1,"~session":${session}}` })
          const error = yield* Effect.flip(Effect.provide(Seal.unseal(sealed, { password }), layer))
          expect(error).toMatchObject({ _tag: "BadSealError", reason: "malformed" })
        }
      }
    }),
  )

  it.effect("a seal bound to one purpose, or to none, never opens for another", () =>
    Effect.gen(function* () {
      const cases: ReadonlyArray<readonly [string, string | undefined]> = [
        ['{"a":1,"~purpose":"p"}', undefined],
        ['{"a":1,"~purpose":"p"}', "q"],
        ['{"~value":1,"~purpose":"p"}', "q"],
        ['{"a":1}', "p"],
        ["[1]", "p"],
        ['"p"', "p"],
        ['{"~value":1}', "p"],
      ]
      for (const [plaintext, purpose] of cases) {
        const error = yield* Effect.flip(Seal.unseal(forge({ password, plaintext }), { password, purpose }))
        expect(error).toMatchObject({ _tag: "BadSealError", reason: "purpose" })
      }
      expect(
        yield* Seal.unseal(forge({ password, plaintext: '{"~value":[1],"~purpose":"p"}' }), { password, purpose: "p" }),
      ).toEqual([1])
      expect(yield* Seal.unseal(forge({ password, plaintext: '{"~value":null}' }), { password })).toBeNull()
    }),
  )
})

describe("passwords by id", () => {
  it.effect("the highest id seals whatever order the ids come in, id 0 and ids past 2^32 included", () =>
    Effect.gen(function* () {
      const idOf = (sealed: string) => sealed.split("*")[1]
      expect(idOf(yield* Seal.seal({ a: 1 }, { password: { 0: password } }))).toBe("0")
      expect(idOf(yield* Seal.seal({ a: 1 }, { password: { 0: password, 1: `${password}1` } }))).toBe("1")
      // Ids past 2^32 − 2 are not array indices: an object keeps them in the order they were written.
      const big = { "9000000000": password, "5000000000": `${password}5` } as Seal.PasswordMap
      expect(Object.keys(big)).toEqual(["9000000000", "5000000000"])
      const sealed = yield* Seal.seal({ a: 1 }, { password: big })
      expect(idOf(sealed)).toBe("9000000000")
      expect(yield* Seal.unseal(sealed, { password: { "9000000000": password } as Seal.PasswordMap })).toEqual({ a: 1 })
    }),
  )

  it.effect("an unparsable ttl is refused with a message that quotes it and says what to give", () =>
    Effect.gen(function* () {
      const error = yield* Effect.flip(Seal.make({ password, ttl: "14 dayz" as Duration.DurationInput }))
      expect(error.message).toContain('"14 dayz" is not a duration')
      expect(error.message).toContain('"1 hour"')
    }),
  )

  it.effect("an error a backend throws that is not a refusal is a defect, not a BadSealError", () =>
    Effect.gen(function* () {
      const boom = new TypeError("the runtime's crypto broke")
      const broken: IronCrypto = {
        ...nodeCrypto!,
        open: () => {
          throw boom
        },
      }
      const sealed = yield* Seal.seal({ a: 1 }, { password })
      const exit = yield* Effect.exit(
        Effect.provideService(Seal.unseal(sealed, { password }), Seal.CryptoBackend, broken as unknown as Seal.Backend),
      )
      expect(Exit.isFailure(exit) && Cause.dieOption(exit.cause)).toEqual(Option.some(boom))
      const asyncBroken: IronCrypto = { ...webCrypto, open: () => Promise.reject(boom) }
      const asyncExit = yield* Effect.exit(
        Effect.provideService(
          Seal.unseal(sealed, { password }),
          Seal.CryptoBackend,
          asyncBroken as unknown as Seal.Backend,
        ),
      )
      expect(Exit.isFailure(asyncExit) && Cause.dieOption(asyncExit.cause)).toEqual(Option.some(boom))
    }),
  )
})

describe("the hot-cookie cache's order", () => {
  it("makes a seal stored again the most recent", () => {
    const cache = new iron.SealCache({ entries: 2, bytes: 1 << 20 })
    cache.set("a", "1", undefined)
    cache.set("b", "2", undefined)
    cache.set("a", "1", undefined)
    cache.set("c", "3", undefined)
    expect([cache.get("a")?.text, cache.get("b"), cache.get("c")?.text]).toEqual(["1", undefined, "3"])
  })
})
