/**
 * Seals a typed value, opens it again, and shows what a tampered seal and an
 * expired seal fail with. Run with `npx tsx examples/seal.ts`.
 */
import { Duration, Effect, Redacted, Schema, TestClock, TestContext } from "effect"
import { Seal } from "effect-iron-session"

const User = Schema.Struct({
  id: Schema.Number,
  name: Schema.String,
  signedInAt: Schema.DateFromNumber,
})

const password = Redacted.make(process.env.SESSION_PASSWORD ?? "development-password-of-32-characters!")

const program = Effect.gen(function* () {
  const sealed = yield* Seal.sealSchema(User)(
    { id: 1, name: "Ada", signedInAt: new Date() },
    { password, ttl: "1 hour" },
  )
  yield* Effect.log(`sealed: ${sealed.slice(0, 40)}… (${sealed.length} characters)`)

  const user = yield* Seal.unsealSchema(User)(sealed, { password })
  yield* Effect.log(
    `opened: ${user.name}, signed in at ${user.signedInAt.toISOString()} (a ${user.signedInAt.constructor.name})`,
  )

  const parts = sealed.split("*")
  parts[4] = `${parts[4]?.startsWith("A") ? "B" : "A"}${parts[4]?.slice(1)}`
  const bad = yield* Effect.flip(Seal.unseal(parts.join("*"), { password }))
  yield* Effect.log(`tampered: ${bad._tag}: ${bad.message}`)

  // Time comes from Effect's Clock, so a TestClock can move a seal past its ttl.
  const expired = yield* Effect.gen(function* () {
    yield* TestClock.setTime(Date.now())
    const fresh = yield* Seal.seal({ n: 1 }, { password, ttl: "1 hour" })
    yield* TestClock.adjust(Duration.hours(2))
    return yield* Effect.flip(Seal.unseal(fresh, { password }))
  }).pipe(Effect.provide(TestContext.TestContext))
  yield* Effect.log(`two hours later: ${expired._tag}: ${expired.message}`)
})

Effect.runPromise(program)
