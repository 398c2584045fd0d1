/**
 * Effect in Next.js (App Router): Route Handlers, Server Actions and Server
 * Components written as Effects, on one runtime for the app, with the
 * request's cookies from `await cookies()` as their `CookieStore`.
 *
 * - {@link makeRuntime}: the app's `ManagedRuntime`, made once per process
 *   and kept across Next's module reloads.
 * - {@link route}: a Route Handler (`export const GET = Next.route(...)`).
 *   The Effect returns a `Response`; this library's errors become JSON
 *   answers (`401`, `403`, `500`, `503`), the app's own through `onError`.
 * - {@link action}: a Server Action, and {@link run}: an Effect in a Server
 *   Component. A failure is thrown as the error itself (not a
 *   `FiberFailure`), its stack pointing at the app's line, for Next's error
 *   overlay and `error.tsx`.
 *
 * In a Server Component Next's `cookies()` is read-only: reading a session
 * works, and writing one fails with `CookieNotWritableError` (`read-only`).
 *
 * This module imports `next/headers`, so it is a subpath of its own
 * (`effect-iron-session/Next`) and not a namespace of the package's root,
 * which must load (and bundle) where Next is not installed.
 *
 * @example
 * ```ts
 * // lib/runtime.ts
 * import { Config, Effect, Layer, Option, Schema } from "effect"
 * import { Session } from "effect-iron-session"
 * import * as Next from "effect-iron-session/Next"
 *
 * export class Auth extends Session.Tag<Auth>()("app/Auth", {
 *   schema: Schema.Struct({ name: Schema.String, signedInAt: Schema.DateFromNumber }),
 *   cookieName: "auth",
 *   password: Config.redacted("SESSION_PASSWORD"),
 * }) {}
 *
 * export const AppRuntime = Next.makeRuntime("app", Layer.mergeAll(Auth.layer))
 *
 * // app/api/me/route.ts
 * export const GET = Next.route(AppRuntime, () =>
 *   Effect.map(Auth.get, (user) =>
 *     Response.json({ name: Option.getOrNull(Option.map(user, (u) => u.name)) }),
 *   ),
 * )
 *
 * // app/actions.ts ("use server")
 * export const signIn = Next.action(AppRuntime, (formData: FormData) =>
 *   Auth.set({ name: String(formData.get("name")), signedInAt: new Date() }),
 * )
 *
 * // app/page.tsx (a Server Component): const user = await Next.run(AppRuntime, Auth.get)
 * ```
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import type * as Layer from "effect/Layer"
import type * as ManagedRuntime from "effect/ManagedRuntime"
import type * as CookieStore from "./CookieStore.js"
import * as internal from "./internal/next.js"

/**
 * The app's runtime: a `ManagedRuntime` over `layer`, made once per process
 * and kept on `globalThis` under `key`. Next evaluates an app's modules more
 * than once in one process (once per bundle: Route Handlers, Server Actions,
 * pages, `instrumentation.ts`; again after each edit under `next dev`); every
 * evaluation gets the same runtime, so the layers are built once, on first
 * use, and nothing is left open behind a reload.
 *
 * The first layer given for a key is the one built: after editing a layer
 * under `next dev`, restart the server. Use one key per layer.
 * `runtime.dispose()` closes the layers' resources and forgets the key (a
 * later call makes a new runtime): call it on shutdown, from a signal
 * handler in `instrumentation.ts` with `NEXT_MANUAL_SIG_HANDLE=true` (without
 * it, Next exits on SIGTERM before asynchronous finalizers run). To stop the
 * server at start-up when a layer cannot be built (a missing password), await
 * `runtime.runtime()` in `instrumentation.ts`.
 *
 * Next's edge runtime has a `globalThis` of its own, hence its own runtime.
 *
 * @example
 * ```ts
 * import { Config, Layer, Schema } from "effect"
 * import { Session } from "effect-iron-session"
 * import * as Next from "effect-iron-session/Next"
 *
 * export class Cart extends Session.Tag<Cart>()("app/Cart", {
 *   schema: Schema.Struct({ items: Schema.Array(Schema.String) }),
 *   cookieName: "cart",
 *   password: Config.redacted("SESSION_PASSWORD"),
 * }) {}
 *
 * // Not `runtime`: a route file's `export const runtime` is Next's segment option.
 * export const AppRuntime = Next.makeRuntime("app", Layer.mergeAll(Cart.layer))
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const makeRuntime: <R, E>(key: string, layer: Layer.Layer<R, E>) => ManagedRuntime.ManagedRuntime<R, E> =
  internal.makeRuntime

/**
 * Options of {@link route}.
 *
 * @since 0.1.0
 * @category models
 */
export interface RouteOptions<E> {
  /**
   * The response for a typed failure, or `undefined` to leave it to the
   * default: this library's errors as JSON `{ _tag, message }` with their
   * status (401 for a session that cannot be used, 403 for one not fresh
   * enough or a cross-site request, 503 when the revocation store is down,
   * 500 for the server's own mistakes, logged); any other failure is thrown
   * to Next, which answers 500 and logs it.
   */
  readonly onError?: ((error: E) => Response | undefined) | undefined
}

/**
 * A Route Handler written as an Effect, on the app's runtime, with the
 * request's `CookieStore` (`await cookies()`, writable here) provided. The
 * Effect returns a web `Response`; cookies its sessions write go out on it
 * (Next adds them to whatever response the handler returns, error answers
 * included).
 *
 * A typed failure becomes a response: `onError`'s, or this library's errors
 * as JSON `{ _tag, message }` (401, 403, 503; 500 logged). A failure neither
 * maps, and a defect, is thrown as the error itself (not a `FiberFailure`):
 * Next answers 500, logs it, and reports it to `instrumentation.onRequestError`.
 * Next's own throws (`redirect()`, `notFound()`) pass through untouched.
 *
 * @example
 * ```ts
 * import { Config, Data, Effect, Option, Schema } from "effect"
 * import { Session } from "effect-iron-session"
 * import * as Next from "effect-iron-session/Next"
 *
 * class Visits extends Session.Tag<Visits>()("app/Visits", {
 *   schema: Schema.Struct({ count: Schema.Number, since: Schema.DateFromNumber }),
 *   cookieName: "visits",
 *   password: Config.redacted("SESSION_PASSWORD"),
 * }) {}
 * const AppRuntime = Next.makeRuntime("app", Visits.layer)
 *
 * class NotSignedIn extends Data.TaggedError("NotSignedIn") {}
 *
 * export const POST = Next.route(
 *   AppRuntime,
 *   () =>
 *     Effect.gen(function* () {
 *       const visits = yield* Effect.flatten(Visits.get).pipe(Effect.mapError(() => new NotSignedIn()))
 *       yield* Visits.set({ ...visits, count: visits.count + 1 })
 *       return Response.json({ count: visits.count + 1, since: visits.since.toISOString() })
 *     }),
 *   {
 *     onError: (error) =>
 *       error._tag === "NotSignedIn" ? Response.json({ error: "sign in first" }, { status: 401 }) : undefined,
 *   },
 * )
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const route = <R, ER, E, Req extends Request = Request, Ctx = unknown>(
  runtime: ManagedRuntime.ManagedRuntime<R, ER>,
  handler: (request: Req, context: Ctx) => Effect.Effect<Response, E, NoInfer<R> | CookieStore.CookieStore>,
  options?: RouteOptions<E>,
): ((request: Req, context: Ctx) => Promise<Response>) => {
  const site = internal.captureSite(route)
  const onError = options?.onError
  return async (request, context) => {
    const answer = Effect.catchAll(
      Effect.suspend(() => handler(request, context)),
      (error) => internal.respond(error, onError),
    )
    return internal.runRequest(runtime, answer, "Next.route", site, {
      "http.request.method": request.method,
      "url.path": new URL(request.url).pathname,
    })
  }
}

/**
 * A Server Action written as an Effect, on the app's runtime, with the
 * request's `CookieStore` (`await cookies()`, writable in an action)
 * provided. Export the result from a `"use server"` file, or pass it to a
 * form's `action`.
 *
 * A failure (a typed one first, else a defect) is thrown as the error itself,
 * not a `FiberFailure`: its class, `_tag` and fields intact, its stack
 * pointing at the line that defined the action. Next's `redirect()` and
 * `notFound()` work inside the Effect (`Effect.sync(() => redirect("/"))`):
 * they pass through untouched. To show a failure in the form rather than
 * the error boundary, return it as a value (`Effect.either`,
 * `Effect.catchTag`).
 *
 * @example
 * ```ts
 * import { Config, Effect, Option, Schema } from "effect"
 * import { Session } from "effect-iron-session"
 * import * as Next from "effect-iron-session/Next"
 *
 * class Cart extends Session.Tag<Cart>()("app/Cart", {
 *   schema: Schema.Struct({ items: Schema.Array(Schema.String) }),
 *   cookieName: "cart",
 *   password: Config.redacted("SESSION_PASSWORD"),
 * }) {}
 * const AppRuntime = Next.makeRuntime("app", Cart.layer)
 *
 * // in a "use server" file
 * export const addToCart = Next.action(AppRuntime, (formData: FormData) =>
 *   Cart.update((cart) => ({
 *     items: [...Option.match(cart, { onNone: () => [], onSome: (c) => c.items }), String(formData.get("item"))],
 *   })),
 * )
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const action = <Args extends ReadonlyArray<unknown>, A, E, R, ER>(
  runtime: ManagedRuntime.ManagedRuntime<R, ER>,
  f: (...args: Args) => Effect.Effect<A, E, NoInfer<R> | CookieStore.CookieStore>,
): ((...args: Args) => Promise<A>) => {
  const site = internal.captureSite(action)
  return async (...args) =>
    internal.runRequest(
      runtime,
      Effect.suspend(() => f(...args)),
      "Next.action",
      site,
    )
}

/**
 * Runs an Effect in a Server Component (or a layout, `generateMetadata`, any
 * server code with a request) on the app's runtime, with the request's
 * `CookieStore` provided. There, Next's `cookies()` is read-only: sessions
 * read, and a write fails with `CookieNotWritableError` (`read-only`) rather
 * than a crash; save in a Server Action or a Route Handler. Reading cookies
 * makes the page dynamic, as any session does.
 *
 * A failure is thrown as the error itself, as {@link action} does, its stack
 * pointing at the line that called `run`, for the error overlay and the
 * nearest `error.tsx`.
 *
 * @example
 * ```ts
 * import { Config, Effect, Option, Schema } from "effect"
 * import { Session } from "effect-iron-session"
 * import * as Next from "effect-iron-session/Next"
 *
 * class Auth extends Session.Tag<Auth>()("app/Auth", {
 *   schema: Schema.Struct({ name: Schema.String, signedInAt: Schema.DateFromNumber }),
 *   cookieName: "auth",
 *   password: Config.redacted("SESSION_PASSWORD"),
 * }) {}
 * const AppRuntime = Next.makeRuntime("app", Auth.layer)
 *
 * // app/page.tsx
 * export default async function Home() {
 *   const greeting = await Next.run(
 *     AppRuntime,
 *     Effect.map(Auth.get, Option.match({ onNone: () => "Sign in", onSome: (u) => `Hello ${u.name}` })),
 *   )
 *   return greeting
 * }
 * ```
 *
 * @since 0.1.0
 * @category running
 */
export const run = <A, E, R, ER>(
  runtime: ManagedRuntime.ManagedRuntime<R, ER>,
  effect: Effect.Effect<A, E, NoInfer<R> | CookieStore.CookieStore>,
): Promise<A> => internal.runRequest(runtime, effect, "Next.run", internal.captureSite(run))
