/**
 * What the vitest test sends to the conformance run in each runtime, and what
 * comes back. Plain JSON both ways: it crosses a command line (Node, Bun,
 * Deno) or an HTTP body (workerd).
 */

/** The iron-session options a case uses; the password comes from {@link Input}. */
export interface CookieCase {
  readonly name: string
  readonly cookieName: string
  readonly ttl?: number
  readonly cookieOptions?: {
    readonly path?: string
    readonly domain?: string
    readonly sameSite?: "lax" | "strict" | "none"
    readonly secure?: boolean
    readonly httpOnly?: boolean
    readonly maxAge?: number
  }
}

export interface Input {
  /** At least 32 characters. */
  readonly password: string
  /** `{ 1: old, 2: new }`: rotation, as iron-session takes it. */
  readonly rotation: Readonly<Record<string, string>>
  /** Session data, JSON. */
  readonly data: { readonly [key: string]: unknown }
  /** Made by the real iron-session 9 in the test's Node process. */
  readonly fromIronSession: {
    /** `sealData(data, { password })`. */
    readonly single: string
    /** `sealData(data, { password: rotation })`. */
    readonly rotated: string
    /** `name=value` of the `Set-Cookie` its `getIronSession(...).save()` wrote for `cookieCases[0]`. */
    readonly cookie: string
  }
  readonly cookieCases: ReadonlyArray<CookieCase>
}

/**
 * One check's outcome. `pending` is only for the parts written against the
 * Effect API that is not in dist/ yet: it is neither a pass nor a failure.
 */
export type Outcome<A> =
  | { readonly status: "ok"; readonly value: A }
  | { readonly status: "failed"; readonly error: string }
  | { readonly status: "pending"; readonly reason: string }

export type Backend = "node" | "webcrypto"

export interface WebSessionResult {
  readonly name: string
  /** `Set-Cookie` after the first request's `save()`. */
  readonly saveSetCookie: ReadonlyArray<string>
  /** The second request's session (the first's cookie sent back), as JSON. */
  readonly readBack: unknown
  /** `Set-Cookie` after the second request only read: iron-session writes none. */
  readonly readSetCookie: ReadonlyArray<string>
  /** `Set-Cookie` after the second request's `destroy()`. */
  readonly destroySetCookie: ReadonlyArray<string>
}

export interface Report {
  /** `navigator.userAgent`, or the runtime's own name and version. */
  readonly runtime: string
  /** Where `effect-iron-session/promise` resolved; absent in a bundle (workerd). */
  readonly resolved: string | undefined
  /** (a) The facade's `sealData` then `unsealData`. */
  readonly roundTrip: Outcome<{
    readonly sealed: string
    readonly opened: unknown
    readonly openedWithoutMarker: unknown
    readonly tampered: { readonly opened: unknown; readonly reasons: ReadonlyArray<string> }
  }>
  /** (b) `getIronSession(request, response, options)` over web `Request`/`Response`, per cookie case. */
  readonly webSession: Outcome<ReadonlyArray<WebSessionResult>>
  /** (c) iron-session's seals and cookie, opened here. */
  readonly opened: Outcome<{ readonly single: unknown; readonly rotated: unknown; readonly cookie: unknown }>
  /** (c) Seals made here, for iron-session to open in Node. */
  readonly sealed: Outcome<{ readonly single: string; readonly rotated: string }>
  /** (d) Which crypto backend the library picked, and through which API that was read. */
  readonly backend: Outcome<{ readonly value: Backend; readonly via: string }>
  /** (d) `Seal.make({ password, ttl })`: its `backend`, and a seal for iron-session to open. */
  readonly sealer: Outcome<{ readonly backend: Backend; readonly sealed: string; readonly opened: unknown }>
  /** (e) A typed session declared with `Session.Tag`, written then read over web `Request`/`Headers`. */
  readonly typedSession: Outcome<{
    readonly setCookie: ReadonlyArray<string>
    /** `at` as an ISO string, if it came back a `Date`. */
    readonly readBack: { readonly id: unknown; readonly at: string } | null
    readonly atIsDate: boolean
  }>
}

/** A page on a site, for the web `Request`s of the checks. */
export const pageUrl = "https://app.example/account"

export const failure = (error: unknown): Outcome<never> => ({
  status: "failed",
  error: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
})

/** Runs one check; whatever it throws is its failure. */
export const attempt = async <A>(check: () => Promise<A>): Promise<Outcome<A>> => {
  try {
    return { status: "ok", value: await check() }
  } catch (error) {
    return failure(error)
  }
}

/** The `name=value` part of a `Set-Cookie` header, as a browser sends it back. */
export const cookiePair = (setCookie: string | undefined): string => {
  const pair = setCookie?.split(";")[0]
  if (pair === undefined) throw new Error("no Set-Cookie was written")
  return pair
}
