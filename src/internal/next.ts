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

// biome-ignore lint/suspicious/noExplicitAny: runtimes of every layer; each key keeps its own types
type AnyRuntime = ManagedRuntime.ManagedRuntime<any, any>

/**
 * This copy's runtimes, by key, with the layer each was made from. Module
 * state, deliberately not `globalThis`: Next bundles an app more than once
 * (Route Handlers, pages and their Server Actions, `instrumentation.ts`:
 * each bundle with its own copy of `effect`, of this library and of the
 * app's modules), and a runtime must stay with the copy that made it. Its
 * services were built from that copy's classes, which `instanceof` and
 * `Schema.Class` tell apart from another copy's: shared across bundles, a
 * session's own errors turn into defects and class-based schemas refuse
 * their values. A reload under `next dev` re-evaluates the app's modules
 * but not this library, so this map outlives it.
 */
const runtimes = new Map<string, { readonly layer: unknown; readonly runtime: AnyRuntime }>()

/** Every runtime made by every copy of this module in the process, for {@link disposeAll}. */
const ALL = Symbol.for("effect-iron-session/Next/runtimes")

const everyRuntime = (): Set<AnyRuntime> => {
  const global = globalThis as { [ALL]?: Set<AnyRuntime> }
  global[ALL] ??= new Set()
  return global[ALL]
}

/** `next dev`, where an edit re-evaluates the module that made a runtime. */
const development = (): boolean =>
  (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env?.NODE_ENV === "development"

/**
 * The app's runtime for `key` in this copy of the library: the one made
 * already, or a new one (built lazily, on first use). The same layer, or
 * any layer outside `next dev`, gets the runtime made first; under
 * `next dev` a new layer for the key means its module was edited and
 * evaluated again, and it replaces the old runtime, which is disposed.
 * Disposing a runtime forgets it.
 */
export const makeRuntime = <R, E>(key: string, layer: Layer.Layer<R, E>): ManagedRuntime.ManagedRuntime<R, E> => {
  const existing = runtimes.get(key)
  if (existing !== undefined) {
    if (existing.layer === layer || !development()) return existing.runtime
    void existing.runtime.dispose().catch(() => undefined)
  }
  const runtime = ManagedRuntime.make(layer)
  const all = everyRuntime()
  // `dispose()` runs `disposeEffect`, read from the runtime when it is called.
  const dispose = runtime.disposeEffect
  ;(runtime as { disposeEffect: Effect.Effect<void> }).disposeEffect = Effect.suspend(() => {
    if (runtimes.get(key)?.runtime === runtime) runtimes.delete(key)
    all.delete(runtime)
    return dispose
  })
  runtimes.set(key, { layer, runtime })
  all.add(runtime)
  return runtime
}

/** Disposes every runtime {@link makeRuntime} made in this process, in every bundle. */
export const disposeAll = async (): Promise<void> => {
  await Promise.all([...everyRuntime()].map((runtime) => runtime.dispose()))
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

/**
 * Next's development server rewrites the `message` of every error it logs
 * (`err.message = deobfuscate(err.message)`), and a message that is a getter
 * only (this library's errors compute theirs) makes that assignment throw:
 * the error is never logged, and an unhandled rejection is, instead. The
 * error gets its message as a writable property of its own.
 */
const assignableMessage = (error: Error): void => {
  let owner: object | null = error
  while (owner !== null && !Object.hasOwn(owner, "message")) owner = Object.getPrototypeOf(owner)
  const descriptor = owner === null ? undefined : Object.getOwnPropertyDescriptor(owner, "message")
  if (descriptor === undefined || descriptor.writable === true || descriptor.set !== undefined) return
  Object.defineProperty(error, "message", {
    value: error.message,
    writable: true,
    configurable: true,
    enumerable: false,
  })
}

/** Errors already given the app's frames: an error can be thrown again (a layer's failure is). */
const withFrames = new WeakSet<object>()

/** The location in a stack frame: `file:line:column`. */
const locationOf = (frame: string): string => /\((.*)\)\s*$/.exec(frame)?.[1] ?? frame.replace(/^at\s+/, "")

/**
 * What to throw to Next for a failed Effect: the error itself, not a
 * `FiberFailure`, so the error overlay, `error.tsx`, the server log and
 * `instrumentation.onRequestError` see the app's error, its class and fields.
 * A typed failure comes first, then a defect (`Cause.squash`). An `Error`'s
 * stack loses most of the fiber runtime's frames (as `Cause.pretty` drops
 * them) and gains the spans' and the app's line (`site`, named after
 * `span`): an error made inside this library, or raised outside any span,
 * has no frame of the app otherwise. A failure that
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
    if (!withFrames.has(original)) {
      withFrames.add(original)
      try {
        if (stack !== undefined) original.stack = stack
        assignableMessage(original)
      } catch {
        // A frozen error stays as it is.
      }
    }
    return original
  }
  const error = new Error(pretty?.message ?? "An Effect failed", { cause: original })
  if (stack !== undefined) error.stack = stack
  return error
}

/** This library's errors, by `_tag`, and their status. */
const STATUS: Readonly<Record<string, number>> = {
  // The client's session cannot be used: sign in again.
  SealExpiredError: 401,
  BadSealError: 401,
  SessionExpiredError: 401,
  SessionRevokedError: 401,
  // Refused: a sign-in not fresh enough for this, a possible cross-site request.
  SessionNotFreshError: 403,
  CsrfError: 403,
  RevocationUnavailableError: 503,
  // The server's own mistakes.
  CookieNotWritableError: 500,
  CookieTooLargeError: 500,
  SessionDestroyedError: 500,
  UnserializableDataError: 500,
  InvalidOptionError: 500,
  MissingOptionError: 500,
  PasswordTooShortError: 500,
  InvalidPasswordError: 500,
}

/**
 * The status for one of this library's errors, or undefined for any other
 * value. Told by `_tag` rather than `instanceof`, which two copies of the
 * library in one app (Next bundles one per server bundle) would not agree
 * on. A schema mismatch is the client's when reading a cookie (401), the
 * server's when writing a value (500).
 */
export const statusOf = (error: unknown): number | undefined => {
  if (!(error instanceof Error)) return undefined
  const { _tag, operation } = error as { readonly _tag?: unknown; readonly operation?: unknown }
  if (_tag === "SchemaMismatchError") return operation === "decode" ? 401 : 500
  return typeof _tag === "string" && Object.hasOwn(STATUS, _tag) ? STATUS[_tag] : undefined
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
  // Next 15 and 16 return a Promise of the store, Next 14 (and 13.4) the
  // store itself, which `await` hands over unchanged: one call for every
  // version, with no `next` peer to pin one (test/install-next.test.ts).
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
