/**
 * Effect in Next.js (App Router): Route Handlers, Server Actions and Server
 * Components written as Effects, on one runtime for the app, with the
 * request's cookies from `await cookies()` as their `CookieStore`.
 *
 * - {@link makeRuntime}: the app's `ManagedRuntime`, made once per server
 *   bundle and kept across Next's module reloads.
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
 * The app's runtime: a `ManagedRuntime` over `layer`, made once and kept
 * under `key`, so its layers are built once (lazily, on the first request)
 * and not per request or per reload.
 *
 * Once per server bundle, not once per process. Next bundles an app's server
 * code more than once (Route Handlers, pages with their Server Actions,
 * `instrumentation.ts`), each bundle with its own copy of `effect`, of this
 * library and of the app's modules. A runtime stays with the copy that made
 * it: its services were built from that copy's classes, which `instanceof`
 * and `Schema.Class` tell apart from another copy's, so a runtime shared
 * across bundles would turn a session's own errors into defects and make
 * class-based schemas refuse their values.
 *
 * Under `next dev`, an edit re-evaluates the app's modules but not this
 * library, which keeps the runtime: the same call with the same layer gets
 * it back, and a new layer for the key (its module was edited) replaces it,
 * the old one disposed, so an edit to a layer takes effect at once and
 * leaves nothing open. Outside `next dev` the first runtime made for a key
 * is kept. Use one key per layer.
 *
 * `runtime.dispose()` closes its layers' resources and forgets it; see
 * {@link dispose} for all of them at shutdown. Next's edge runtime is a
 * bundle (and a `globalThis`) of its own.
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
 * Disposes every runtime {@link makeRuntime} made in this process, in every
 * bundle, closing their layers' resources (connections, fibers). For a
 * graceful shutdown: Next exits on SIGTERM and SIGINT without waiting for
 * asynchronous finalizers, unless `NEXT_MANUAL_SIG_HANDLE=true` hands the
 * signals to the app.
 *
 * @example
 * ```ts
 * // instrumentation.ts, with NEXT_MANUAL_SIG_HANDLE=true in the environment
 * import * as Next from "effect-iron-session/Next"
 *
 * export function register() {
 *   if (process.env.NEXT_RUNTIME !== "nodejs") return
 *   for (const signal of ["SIGTERM", "SIGINT"] as const) {
 *     process.once(signal, () => {
 *       Next.dispose().finally(() => process.exit(0))
 *     })
 *   }
 * }
 * ```
 *
 * @since 0.1.0
 * @category running
 */
export const dispose: () => Promise<void> = internal.disposeAll

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
 * import { Config, Data, Effect, Schema } from "effect"
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
 * import { Config, Option, Schema } from "effect"
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
