/**
 * Work done once per request. A request is a `CookieStore` (as it is for
 * sessions, whose per-request state hangs off the store's cookies), so the
 * result is kept with the store's cookies and goes with the request.
 *
 * @internal
 */
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as FiberId from "effect/FiberId"
import * as CookieStore from "../CookieStore.js"
import { cookiesOf } from "./kernel/cookie.js"

export interface Once<A, E> {
  /** Runs the work for this request, or waits for the run already started (concurrent callers included). */
  readonly get: Effect.Effect<A, E, CookieStore.CookieStore>
  /** The result for this request, if the work ran (or is running). */
  readonly peek: (store: CookieStore.CookieStore) => Deferred.Deferred<A, E> | undefined
  /** Replaces this request's result. */
  readonly replace: (store: CookieStore.CookieStore, value: A) => void
}

export const once = <A, E>(work: Effect.Effect<A, E, CookieStore.CookieStore>): Once<A, E> => {
  const key = {}
  const slot = (store: CookieStore.CookieStore) =>
    cookiesOf(store).local(key, (): { result?: Deferred.Deferred<A, E> } => ({}))
  const results = {
    get: (store: CookieStore.CookieStore) => slot(store).result,
    set: (store: CookieStore.CookieStore, result: Deferred.Deferred<A, E>) => {
      slot(store).result = result
    },
  }
  return {
    get: Effect.flatMap(CookieStore.CookieStore, (store) =>
      Effect.suspend(() => {
        const started = results.get(store)
        if (started !== undefined) return Deferred.await(started)
        // Registered before the work starts, so a second fiber waits for this
        // run instead of starting its own.
        const result = Deferred.unsafeMake<A, E>(FiberId.none)
        results.set(store, result)
        return Effect.uninterruptible(
          Effect.flatMap(Effect.exit(work), (exit) => Effect.zipRight(Deferred.done(result, exit), exit)),
        )
      }),
    ),
    peek: (store) => results.get(store),
    replace: (store, value) => {
      const result = Deferred.unsafeMake<A, E>(FiberId.none)
      Deferred.unsafeDone(result, Effect.succeed(value))
      results.set(store, result)
    },
  }
}
