/**
 * The conformance checks of the Effect API, kept apart from the facade's
 * because that API is changing. They are written against its next shape:
 *
 * ```ts
 * const sealer = yield* Seal.make({ password, ttl: "1 hour" }) // sealer.backend, sealer.seal(data), sealer.unseal(s)
 * class Auth extends Session.Tag<Auth>()("rt/Auth", { schema, cookieName: "auth", password }) {}
 * Auth.set(value) / Auth.get // accessors, needing Auth | CookieStore
 * ```
 *
 * Each check first looks for that shape in the built package. Where it is not
 * there yet, the check of the new API reports `pending`, saying what it found
 * instead; it never passes on the old API. Only the plain question "which
 * backend did the library pick" is also answered from today's `Seal.make()`
 * meanwhile, and its answer says which API it came from (`via`).
 *
 * The new shape is typed here, not imported, so this file compiles against the
 * sources before and after the change.
 */
import * as Effect from "effect/Effect"
import type * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import { CookieStore, Seal, Session } from "effect-iron-session"
import { type Backend, cookiePair, failure as failed, type Input, type Report, pageUrl as url } from "./protocol.js"

/** The service `Seal.make({ password, ttl })` gives. */
interface Sealer {
  readonly backend: Backend
  readonly seal: (data: unknown) => Effect.Effect<string, unknown>
  readonly unseal: (sealed: string) => Effect.Effect<unknown, unknown>
}

/** A declared session class with accessors. */
interface TypedSession<A> {
  readonly get: Effect.Effect<Option.Option<A>, unknown, unknown>
  readonly set: (value: A) => Effect.Effect<void, unknown, unknown>
  readonly layer: Layer.Layer<never, unknown>
}

const isBackend = (u: unknown): u is Backend => u === "node" || u === "webcrypto"

const run = <A>(effect: Effect.Effect<A, unknown, unknown>): Promise<A> =>
  Effect.runPromise(effect as Effect.Effect<A, unknown>)

/** `Seal.make({ password, ttl })` when it gives an Effect (the new API), else what it gave. */
const makeSealer = (password: string): { effect: Effect.Effect<Sealer, unknown> } | { found: unknown } => {
  const make = Seal.make as unknown as (options: { password: string; ttl: string }) => unknown
  const made = make({ password, ttl: "1 hour" })
  return Effect.isEffect(made) ? { effect: made as Effect.Effect<Sealer, unknown> } : { found: made }
}

const SEALER_PENDING =
  "pending: Seal.make({ password, ttl }) is not in dist/ yet (Seal.make there takes no options and returns the service itself)"

/**
 * (d) Which backend the library picked. Read from `Seal.make({ password, ttl })`
 * when it exists; until then from the service today's `Seal.make()` returns,
 * which is what `Seal.layer`, and through it the facade, are built from. `via`
 * says which.
 */
export const backend = async (password: string): Promise<Report["backend"]> => {
  try {
    const made = makeSealer(password)
    if ("effect" in made) {
      const value = (await run(made.effect)).backend
      if (!isBackend(value)) throw new Error(`Seal.make({ password, ttl }).backend is ${String(value)}`)
      return { status: "ok", value: { value, via: "Seal.make({ password, ttl }).backend" } }
    }
    const value = (made.found as { backend?: unknown } | undefined)?.backend
    if (!isBackend(value)) throw new Error("neither Seal.make({ password, ttl }) nor Seal.make() tells the backend")
    return { status: "ok", value: { value, via: "Seal.make().backend (the current API)" } }
  } catch (error) {
    return failed(error)
  }
}

/** (d) The new `Seal.make({ password, ttl })`: its backend, and a seal it makes and opens. */
export const sealer = async (input: Input): Promise<Report["sealer"]> => {
  try {
    const made = makeSealer(input.password)
    if (!("effect" in made)) return { status: "pending", reason: SEALER_PENDING }
    const service = await run(made.effect)
    const sealed = await run(service.seal(input.data))
    return { status: "ok", value: { backend: service.backend, sealed, opened: await run(service.unseal(sealed)) } }
  } catch (error) {
    return failed(error)
  }
}

const Auth = Schema.Struct({ id: Schema.Number, at: Schema.DateFromNumber })
type Auth = typeof Auth.Type

/** (e) A typed session: `at` goes in a `Date`, is sealed as a number, and must come back a `Date`. */
export const typedSession = async (input: Input): Promise<Report["typedSession"]> => {
  try {
    class AuthSession extends Session.Tag<AuthSession>()("rt/Auth", {
      schema: Auth,
      cookieName: "auth",
      password: input.password,
    }) {}
    const declared = AuthSession as unknown as Partial<TypedSession<Auth>>
    if (typeof declared.set !== "function" || !Effect.isEffect(declared.get) || declared.layer === undefined) {
      return {
        status: "pending",
        reason: "pending: Session.Tag classes have no accessors in dist/ yet (Auth.get, Auth.set)",
      }
    }
    const session = declared as TypedSession<Auth>

    const written = new Headers()
    await run(
      session
        .set({ id: 1, at: new Date(0) })
        .pipe(Effect.provide(CookieStore.layerWeb(new Request(url), written)), Effect.provide(session.layer)),
    )
    const setCookie = written.getSetCookie()
    const request = new Request(url, { headers: { cookie: cookiePair(setCookie[0]) } })
    const read = await run(
      session.get.pipe(Effect.provide(CookieStore.layerWeb(request, new Headers())), Effect.provide(session.layer)),
    )
    const value = Option.getOrNull(read)
    const at: unknown = value?.at
    return {
      status: "ok",
      value: {
        setCookie,
        atIsDate: at instanceof Date,
        readBack: value === null ? null : { id: value.id, at: at instanceof Date ? at.toISOString() : String(at) },
      },
    }
  } catch (error) {
    return failed(error)
  }
}
