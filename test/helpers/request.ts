import { Effect, Either } from "effect"
import { CookieStore } from "effect-iron-session"

/**
 * One "request" from a browser holding `cookies`: runs `effect` on a memory
 * store, and returns its result (as an Either, so a test sees typed failures)
 * and the store, which holds what the browser holds after the response.
 */
export const request = <A, E, R>(effect: Effect.Effect<A, E, R>, cookies: ReadonlyMap<string, string> = new Map()) =>
  Effect.gen(function* () {
    const store = CookieStore.makeMemory(Object.fromEntries(cookies))
    const result = yield* Effect.either(Effect.provideService(effect, CookieStore.CookieStore, store))
    return { result, store }
  })

/** The success of a request's result; a failure fails the test with its message. */
export const value = <A, E>(result: Either.Either<A, E>): A =>
  Either.getOrThrowWith(result, (e) => new Error(String(e)))
