/**
 * The request handlers under test, written once and used by every section
 * (and by the memory child): the Promise facade, the Effect API directly, and
 * an `@effect/platform` app through `HttpSession.middleware`. Each does what
 * the floor does: read the session, count a visit, save.
 */
import * as HttpApp from "@effect/platform/HttpApp"
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import type { RequestImplementation } from "./crosscheck.js"
import { COOKIE_NAME, type Data, PASSWORD, PAYLOAD, SESSION_OPTIONS } from "./fixtures.js"
import type { Api, Facade } from "./lib.js"

/** The payload's schema, for the Effect API's typed sessions. */
export const DataSchema = Schema.Struct({
  user: Schema.Struct({ id: Schema.Number, name: Schema.String, roles: Schema.Array(Schema.String) }),
  visits: Schema.Number,
  signedInAt: Schema.Number,
})

/** `getIronSession(request, response, options)`, then a change and `save()`. */
export const facadeRequest = (facade: Facade): RequestImplementation => ({
  name: "effect-iron-session/promise",
  read: async (request, response) => (await facade.getIronSession<Data>(request, response, SESSION_OPTIONS)).visits,
  readSave: async (request, response) => {
    const session = await facade.getIronSession<Data>(request, response, SESSION_OPTIONS)
    session.visits = (session.visits ?? 0) + 1
    await session.save()
    return session.visits
  },
})

type Typed = typeof DataSchema.Type

const counted = (current: Option.Option<Typed>): Typed => {
  const data = Option.getOrElse(current, () => ({ ...PAYLOAD, visits: 0 }))
  return { ...data, visits: data.visits + 1 }
}

/**
 * The Effect API without HTTP integration: a session from `Session.make`, the
 * request's store from `CookieStore.fromWeb`, provided with `provideService`
 * (the cheap way; `Effect.provide(CookieStore.layerWeb(…))` builds a layer per
 * request), run with `Effect.runPromise`.
 */
export const effectRequest = async (api: Api): Promise<RequestImplementation> => {
  const { CookieStore, Session } = api
  const session = await Effect.runPromise(
    Session.make({ schema: DataSchema, cookieName: COOKIE_NAME, password: PASSWORD }),
  )
  const store = (request: Request, response: Response) => CookieStore.fromWeb(request, response)
  return {
    name: "effect-iron-session (Effect API)",
    read: (request, response) =>
      Effect.runPromise(
        session.get.pipe(
          Effect.map(Option.match({ onNone: () => undefined, onSome: (data) => data.visits })),
          Effect.provideService(CookieStore.CookieStore, store(request, response)),
        ),
      ),
    readSave: (request, response) =>
      Effect.runPromise(
        session.update(counted).pipe(Effect.provideService(CookieStore.CookieStore, store(request, response))),
      ),
  }
}

/**
 * An `@effect/platform` app with a declared session (`Session.Tag`) that does
 * `Visits.get` and `Visits.set` through `HttpSession.middleware`, and the same
 * app without sessions (the same text, no middleware), both served by
 * `HttpApp.toWebHandlerLayer` over the same layer, so they differ only by the
 * session work.
 */
export const middlewareApps = (api: Api) => {
  const { HttpSession, Session } = api
  class Visits extends Session.Tag<Visits>()("bench/Visits", {
    schema: DataSchema,
    cookieName: COOKIE_NAME,
    password: PASSWORD,
  }) {}
  const withSession = HttpSession.middleware(
    Effect.gen(function* () {
      const data = counted(yield* Visits.get)
      yield* Visits.set(data)
      return HttpServerResponse.text(String(data.visits))
    }),
  )
  const without = Effect.succeed(HttpServerResponse.text(String(PAYLOAD.visits + 1)))
  const session = HttpApp.toWebHandlerLayer(withSession, Visits.layer)
  const bare = HttpApp.toWebHandlerLayer(without, Visits.layer)
  return {
    session: session.handler,
    bare: bare.handler,
    dispose: () => Promise.all([session.dispose(), bare.dispose()]),
  }
}
