/**
 * The work behind `effect-iron-session/Next`: the runtime registry, running
 * one Effect for one Next.js request, the default answer to a typed failure,
 * and what is thrown for a failure Next should see.
 *
 * @internal
 */
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import type * as Layer from "effect/Layer"
import * as ManagedRuntime from "effect/ManagedRuntime"
// `next/headers.js`, not `next/headers`: Next has no `exports` map, so Node's
// own ESM loader (a package in `serverExternalPackages`, the tests) needs the
// file name; Next's bundlers alias both spellings to the same module.
import { cookies } from "next/headers.js"
import * as CookieStore from "../CookieStore.js"
import * as Errors from "../Errors.js"

/** The key of the registry on `globalThis`: one per process, whichever copy of this module runs. */
const REGISTRY = Symbol.for("effect-iron-session/Next/runtimes")

// biome-ignore lint/suspicious/noExplicitAny: a registry of runtimes of every layer; each key keeps its own types
type Registry = Map<string, ManagedRuntime.ManagedRuntime<any, any>>

const registry = (): Registry => {
  const global = globalThis as { [REGISTRY]?: Registry }
  global[REGISTRY] ??= new Map()
  return global[REGISTRY]
}

/**
 * The app's runtime for `key`: the one already made in this process, or a new
 * one (built lazily, on first use). Kept on `globalThis` rather than in this
 * module, because Next evaluates an app's modules more than once in one
 * process (once per bundle layer: route handlers, Server Actions, pages,
 * instrumentation; and again after each edit under `next dev`), and each
 * evaluation would otherwise build its own layers and leave the last one's
 * resources (connections, fibers) behind, never closed.
 *
 * The first layer given for a key is the one built; later ones are ignored,
 * so an edit to a layer under `next dev` takes effect when the server
 * restarts. Disposing the runtime removes it, and the next call for the key
 * makes a new one.
 */
export const makeRuntime = <R, E>(key: string, layer: Layer.Layer<R, E>): ManagedRuntime.ManagedRuntime<R, E> => {
  const runtimes = registry()
  const existing = runtimes.get(key)
  if (existing !== undefined) return existing
  const runtime = ManagedRuntime.make(layer)
  // `dispose()` runs `disposeEffect`, read from the runtime when it is called.
  const dispose = runtime.disposeEffect
  ;(runtime as { disposeEffect: Effect.Effect<void> }).disposeEffect = Effect.suspend(() => {
    if (runtimes.get(key) === runtime) runtimes.delete(key)
    return dispose
  })
  runtimes.set(key, runtime)
  return runtime
}

/**
 * The frame of the app's code that called `above` (the line that defined a
 * route or an action, or ran an Effect in a Server Component), for the span
 * that wraps the Effect: Effect prints a span's frame under the stack of any
 * error raised inside it, so an error made deep in this library still points
 * at the app's line. Read lazily: the stack is only formatted for an error.
 */
// biome-ignore lint/complexity/noBannedTypes: any function, as V8's captureStackTrace takes it
export const captureSite = (above: Function): (() => string | undefined) => {
  const holder: { stack?: string } = {}
  const capture = (Error as { captureStackTrace?: (target: object, constructorOpt?: unknown) => void })
    .captureStackTrace
  if (typeof capture !== "function") return () => undefined
  const limit = Error.stackTraceLimit
  Error.stackTraceLimit = 1
  capture(holder, above)
  Error.stackTraceLimit = limit
  let frame: string | undefined | null = null
  return () => {
    if (frame === null)
      frame = holder.stack
        ?.split("\n")
        .find((line) => line.trimStart().startsWith("at "))
        ?.trim()
    return frame
  }
}

/**
 * Next's own throws: `redirect()`, `notFound()`, `forbidden()`, and the
 * signals of dynamic rendering. Next recognises them by their `digest` (or
 * React's `$$typeof`) and must receive them as they were thrown.
 */
const isNextSignal = (u: unknown): boolean => typeof u === "object" && u !== null && ("digest" in u || "$$typeof" in u)

/** Errors whose stack was given the app's frames already: an error can be thrown again (a layer's failure is). */
const withFrames = new WeakSet<object>()

/** The location in a stack frame: `file:line:column`. */
const locationOf = (frame: string): string => /\((.*)\)\s*$/.exec(frame)?.[1] ?? frame.replace(/^at\s+/, "")

/**
 * What to throw to Next for a failed Effect: the error itself, not a
 * `FiberFailure`, so the error overlay, `error.tsx`, the server log and
 * `instrumentation.onRequestError` see the app's error, its class and fields.
 * A typed failure comes first, then a defect (`Cause.squash`). An `Error`'s
 * stack loses the fiber runtime's frames and gains the spans' and the app's
 * line (`site`, named after `span`): an error made inside this library, or
 * raised outside any span, has no frame of the app otherwise. A failure that
 * is not an `Error` is wrapped in one, as `cause`.
 */
export const toThrowable = (cause: Cause.Cause<unknown>, span: string, site: () => string | undefined): unknown => {
  const squashed = Cause.squash(cause)
  // A failure raised inside a span is a Proxy that carries the span.
  const original = Cause.originalError(squashed)
  if (isNextSignal(original)) return original
  const pretty = Cause.prettyErrors(Cause.die(squashed))[0]
  let stack = pretty?.stack
  const frame = site()
  if (stack !== undefined && frame !== undefined) {
    const location = locationOf(frame)
    if (!stack.includes(location)) stack += `\n    at ${span} (${location})`
  }
  if (original instanceof Error) {
    if (stack !== undefined && !withFrames.has(original)) {
      withFrames.add(original)
      try {
        original.stack = stack
      } catch {
        // A frozen error keeps its own stack.
      }
    }
    return original
  }
  const error = new Error(pretty?.message ?? "An Effect failed", { cause: original })
  if (stack !== undefined) error.stack = stack
  return error
}

/**
 * The status for one of this library's errors, or undefined for any other
 * value. 401: the client's session cannot be used (expired, tampered,
 * revoked, no longer matching its schema); 403: refused (a sign-in not fresh
 * enough, a possible cross-site request); 503: the revocation store is down;
 * 500: the server's own mistake (writing where cookies cannot be written, a
 * value too large or not matching its schema, a bad option).
 */
export const statusOf = (error: unknown): number | undefined => {
  if (
    error instanceof Errors.SealExpiredError ||
    error instanceof Errors.BadSealError ||
    error instanceof Errors.SessionExpiredError ||
    error instanceof Errors.SessionRevokedError
  ) {
    return 401
  }
  if (error instanceof Errors.SchemaMismatchError) return error.operation === "decode" ? 401 : 500
  if (error instanceof Errors.SessionNotFreshError) return 403
  // Csrf's error lives with `@effect/platform`, which this module must not load.
  if (typeof error === "object" && error !== null && (error as { _tag?: unknown })._tag === "CsrfError") return 403
  if (error instanceof Errors.RevocationUnavailableError) return 503
  if (
    error instanceof Errors.CookieNotWritableError ||
    error instanceof Errors.CookieTooLargeError ||
    error instanceof Errors.SessionDestroyedError ||
    error instanceof Errors.UnserializableDataError ||
    error instanceof Errors.InvalidOptionError ||
    error instanceof Errors.MissingOptionError ||
    error instanceof Errors.PasswordTooShortError ||
    error instanceof Errors.InvalidPasswordError
  ) {
    return 500
  }
  return undefined
}

/**
 * The response for a typed failure: the app's `onError` first, then this
 * library's errors as JSON `{ _tag, message }` (their messages hold no
 * secrets), logged when they are the server's fault. Anything else fails on,
 * to be thrown to Next, which answers 500 and logs it.
 */
export const respond = <E>(error: E, onError: ((error: E) => Response | undefined) | undefined) =>
  Effect.suspend((): Effect.Effect<Response, E> => {
    const mapped = onError?.(error)
    if (mapped !== undefined) return Effect.succeed(mapped)
    const status = statusOf(error)
    if (status === undefined) return Effect.fail(error)
    const { _tag, message } = error as unknown as { readonly _tag: string; readonly message: string }
    const response = Response.json({ _tag, message }, { status })
    return status >= 500
      ? Effect.as(Effect.logError(`Next.route answered ${status} for ${_tag}`, Cause.fail(error)), response)
      : Effect.succeed(response)
  })

/**
 * Runs one Effect for one request: the request's cookies from `cookies()`
 * (read-only in a Server Component, writable in a Route Handler or a Server
 * Action) as its `CookieStore`, inside a span whose frame is the app's, on
 * the app's runtime. Resolves with the value, or rejects with
 * {@link toThrowable}'s error.
 */
export const runRequest = async <A, E, R, ER>(
  runtime: ManagedRuntime.ManagedRuntime<R, ER>,
  effect: Effect.Effect<A, E, R | CookieStore.CookieStore>,
  span: string,
  site: () => string | undefined,
  attributes?: Record<string, unknown>,
): Promise<A> => {
  const store = CookieStore.fromNextCookies(await cookies())
  const exit = await runtime.runPromiseExit(
    effect.pipe(
      Effect.provideService(CookieStore.CookieStore, store),
      Effect.withSpan(span, { captureStackTrace: site, ...(attributes === undefined ? {} : { attributes }) }),
    ),
  )
  if (Exit.isSuccess(exit)) return exit.value
  throw toThrowable(exit.cause, span, site)
}
