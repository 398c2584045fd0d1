import { describe, expect, it } from "@effect/vitest"
import * as HapiIron from "@hapi/iron"
import { Duration, Effect, TestClock } from "effect"
import { Seal } from "effect-iron-session"
import { sealData, type UnsealErrorReason, unsealData } from "iron-session"

const password = "a-password-that-is-at-least-32-characters-long"
const other = "another-password-which-is-also-32-characters-long"
const data = { user: { id: 7, name: "Zoë", tags: ["a", "b"] }, visits: 2, ok: true, nothing: null }

/** The one-off seal and unseal, on each backend. */
const services = (["node", "webcrypto"] as const).map((backend) => {
  const on = <A, E>(effect: Effect.Effect<A, E>) =>
    Effect.provideService(effect, Seal.CryptoBackend, Seal.backends[backend] ?? Seal.backends.webcrypto)
  return {
    backend,
    seal: (data: unknown, options: Seal.Options) => on(Seal.seal(data, options)),
    unseal: (sealed: string, options: Seal.UnsealOptions) => on(Seal.unseal(sealed, options)),
  }
})

const reasonsOf = async (sealed: string, pw: string | Record<string, string>) => {
  const reasons: Array<UnsealErrorReason> = []
  const result = await unsealData(sealed, { password: pw, onUnsealError: (reason) => reasons.push(reason) })
  return { result, reasons }
}

for (const service of services) {
  describe(`interop with iron-session 9 and @hapi/iron 7 (${service.backend})`, () => {
    it.live("opens a seal made by iron-session", () =>
      Effect.gen(function* () {
        const sealed = yield* Effect.promise(() => sealData(data, { password }))
        expect(yield* service.unseal(sealed, { password })).toEqual(data)
        expect(yield* service.unseal(sealed, { password: { 1: password } })).toEqual(data)
      }),
    )

    it.live("makes seals iron-session opens, under a single password and a rotation map", () =>
      Effect.gen(function* () {
        const single = yield* service.seal(data, { password })
        expect(yield* Effect.promise(() => reasonsOf(single, password))).toEqual({ result: data, reasons: [] })
        const rotated = yield* service.seal(data, { password: { 1: password, 2: other } })
        const opened = yield* Effect.promise(() => reasonsOf(rotated, { 1: password, 2: other }))
        expect(opened).toEqual({ result: data, reasons: [] })
      }),
    )

    it.live("rotates with iron-session: its old seals open under our new map, and ours under its map", () =>
      Effect.gen(function* () {
        const old = yield* Effect.promise(() => sealData(data, { password: { 1: password } }))
        expect(yield* service.unseal(old, { password: { 1: password, 2: other } })).toEqual(data)
        const fresh = yield* service.seal({ v: 2 }, { password: { 1: password, 2: other } })
        expect(yield* Effect.promise(() => unsealData(fresh, { password: { 1: password, 2: other } }))).toEqual({
          v: 2,
        })
        const missing = yield* Effect.promise(() => reasonsOf(fresh, { 1: password }))
        expect(missing).toEqual({ result: {}, reasons: ["unknown-password"] })
      }),
    )

    it.live("agrees with iron-session on a tampered seal and a wrong password", () =>
      Effect.gen(function* () {
        const sealed = yield* service.seal(data, { password })
        const wrong = yield* Effect.promise(() => reasonsOf(sealed, other))
        expect(wrong).toEqual({ result: {}, reasons: ["invalid"] })
        const exit = yield* Effect.either(service.unseal(sealed, { password: other }))
        expect(exit).toMatchObject({ left: { _tag: "BadSealError", reason: "integrity" } })
      }),
    )

    it.effect("an expired seal from here is expired for iron-session", () =>
      Effect.gen(function* () {
        // Seal on a Clock two hours behind, for one hour.
        yield* TestClock.setTime(Date.now() - Duration.toMillis("2 hours"))
        const sealed = yield* service.seal(data, { password, ttl: "1 hour" })
        expect(yield* Effect.promise(() => reasonsOf(sealed, password))).toEqual({ result: {}, reasons: ["expired"] })
      }),
    )

    it.effect("an iron-session seal expires here when the Clock passes its ttl", () =>
      Effect.gen(function* () {
        const sealed = yield* Effect.promise(() => sealData(data, { password, ttl: 60 }))
        // From the seal's own expiration, not Date.now(): how long sealing took must not matter.
        const expiration = Number(sealed.split("*")[5])
        yield* TestClock.setTime(expiration + 59_000)
        expect(yield* service.unseal(sealed, { password })).toEqual(data)
        yield* TestClock.adjust("2 seconds")
        const result = yield* Effect.either(service.unseal(sealed, { password }))
        expect(result).toMatchObject({ left: { _tag: "SealExpiredError" } })
      }),
    )

    it.live("opens a seal made by @hapi/iron, and makes seals @hapi/iron opens", () =>
      Effect.gen(function* () {
        const hapi = yield* Effect.promise(() => HapiIron.seal(data, { id: "1", secret: password }, HapiIron.defaults))
        expect(yield* service.unseal(hapi, { password: { 1: password } })).toEqual(data)
        const plain = yield* Effect.promise(() => HapiIron.seal(data, password, HapiIron.defaults))
        expect(yield* service.unseal(plain, { password })).toEqual(data)

        const ours = yield* service.seal(data, { password: { 1: password, 2: other } })
        // @hapi/iron does not know iron-session's `~2` marker: it is stripped, as any reader of both would.
        const bare = ours.slice(0, ours.indexOf("~"))
        expect(yield* Effect.promise(() => HapiIron.unseal(bare, { 2: other }, HapiIron.defaults))).toEqual(data)
      }),
    )

    it.live("@hapi/iron refuses a seal of ours under the wrong password, as we refuse its", () =>
      Effect.gen(function* () {
        const ours = yield* service.seal(data, { password })
        const bare = ours.slice(0, -2)
        const refused = yield* Effect.promise(() =>
          HapiIron.unseal(bare, other, HapiIron.defaults).then(
            () => "opened",
            (e: Error) => e.message,
          ),
        )
        expect(refused).toBe("Bad hmac value")
        const hapi = yield* Effect.promise(() => HapiIron.seal(data, other, HapiIron.defaults))
        const result = yield* Effect.either(service.unseal(hapi, { password }))
        expect(result).toMatchObject({ left: { _tag: "BadSealError", reason: "integrity" } })
      }),
    )
  })
}
