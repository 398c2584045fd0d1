import { describe, expect, it } from "@effect/vitest"
import { Cause, Effect, Exit } from "effect"
import { Seal } from "effect-iron-session"
import fc from "fast-check"

const password = "a-password-that-is-at-least-32-characters-long"
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

/** A JSON value without its own `__proto__` keys, at any depth. */
const withoutProto = (value: unknown): unknown => {
  if (Array.isArray(value)) return value.map(withoutProto)
  if (typeof value !== "object" || value === null) return value
  const out: Record<string, unknown> = {}
  for (const key of Object.keys(value)) {
    if (key !== "__proto__") out[key] = withoutProto((value as Record<string, unknown>)[key])
  }
  return out
}

/** Every failure is a typed one: no defect, no interruption, and never data. */
const onlyTypedFailure = <A, E>(exit: Exit.Exit<A, E>): boolean =>
  Exit.isFailure(exit) && Cause.isFailType(exit.cause) && !Cause.isDie(exit.cause)

/** Characters a tampered seal could plausibly contain. */
const seal64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
/**
 * Each property has an explicit run count and a time budget far above what
 * the runs need on a quiet machine (about a second), so a busy CI machine
 * makes them slower, never red.
 */
const budget = (numRuns: number) => ({ timeout: 120_000, fastCheck: { numRuns } })

const replacement = fc.oneof(fc.constantFrom(...seal64, "*", "~", ".", "=", "+", "/", " "), fc.char())

for (const service of services) {
  describe(`Seal properties on ${service.backend}`, () => {
    it.effect.prop(
      "any JSON value round-trips, but for own __proto__ keys, which are dropped",
      [fc.jsonValue()],
      ([value]) =>
        Effect.gen(function* () {
          const sealed = yield* service.seal(value, { password })
          // JSON has no -0: it reads back as 0, which is what JSON.parse gives as well. An own
          // `__proto__` key is dropped on purpose (see "never gives decoded data a prototype").
          expect(yield* service.unseal(sealed, { password })).toEqual(withoutProto(JSON.parse(JSON.stringify(value))))
        }),
      budget(100),
    )

    it.effect.prop(
      "any single-character change to the sealed part never yields data",
      [fc.jsonValue({ maxDepth: 2 }), fc.nat(), replacement],
      ([value, position, char]) =>
        Effect.gen(function* () {
          const sealed = yield* service.seal(value, { password })
          // The `~2` marker sits outside the MAC and is ignored by design (see
          // the Seal tests); every other character is covered.
          const body = sealed.slice(0, -2)
          const index = position % body.length
          fc.pre(body[index] !== char)
          const tampered = body.slice(0, index) + char + body.slice(index + 1)
          const exit = yield* Effect.exit(service.unseal(tampered, { password }))
          expect(onlyTypedFailure(exit)).toBe(true)
        }),
      budget(300),
    )

    it.effect.prop(
      "unsealing an arbitrary string fails only with typed errors",
      [fc.string({ unit: "binary" })],
      ([input]) =>
        Effect.gen(function* () {
          const exit = yield* Effect.exit(service.unseal(input, { password }))
          expect(onlyTypedFailure(exit)).toBe(true)
        }),
      budget(200),
    )

    it.effect.prop(
      "unsealing an arbitrary seal-shaped string fails only with typed errors",
      [
        fc.tuple(
          fc.constantFrom("Fe26.2", "Fe26.1", ""),
          fc.constantFrom("", "1", "2", "default", "x y"),
          fc.string(),
          fc.stringMatching(/^[A-Za-z0-9_-]{0,30}$/),
          fc.stringMatching(/^[A-Za-z0-9_-]{0,60}$/),
          fc.oneof(fc.constant(""), fc.nat().map(String), fc.constant("9".repeat(30)), fc.string()),
          fc.string(),
          fc.stringMatching(/^[A-Za-z0-9_-]{0,50}$/),
        ),
        fc.constantFrom("", "~2", "~", "~~"),
      ],
      ([parts, marker]) =>
        Effect.gen(function* () {
          const exit = yield* Effect.exit(service.unseal(parts.join("*") + marker, { password }))
          expect(onlyTypedFailure(exit)).toBe(true)
        }),
      budget(200),
    )
  })
}
