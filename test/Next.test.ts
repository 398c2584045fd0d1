/**
 * `effect-iron-session/Next` inside Next.js 16's own request machinery: Route
 * Handlers through Next's `AppRouteRouteModule` (the class a built route runs
 * on), Server Actions and Server Components through Next's real request store
 * and `cookies()`, in the phase Next gives each. Nothing of Next is mocked.
 */
// First: Next's modules read `globalThis.AsyncLocalStorage` when they load.
import "next/dist/server/node-environment-baseline.js"
import { describe, expect, it } from "@effect/vitest"
import { Config, Data, Effect, Exit, Layer, Logger, Option, Runtime, Schema } from "effect"
import { Errors, Session, Testing } from "effect-iron-session"
import * as Next from "effect-iron-session/Next"
import { RequestCookies } from "next/dist/compiled/@edge-runtime/cookies/index.js"
import { workAsyncStorage } from "next/dist/server/app-render/work-async-storage.external.js"
import { workUnitAsyncStorage } from "next/dist/server/app-render/work-unit-async-storage.external.js"
import { createRequestStore } from "next/dist/server/async-storage/request-store.js"
import { createWorkStore } from "next/dist/server/async-storage/work-store.js"
import { AppRouteRouteModule } from "next/dist/server/route-modules/app-route/module.js"
import {
  createCookiesWithMutableAccessCheck,
  MutableRequestCookiesAdapter,
  RequestCookiesAdapter,
} from "next/dist/server/web/spec-extension/adapters/request-cookies.js"
import { redirect } from "next/navigation.js"
import { NextRequest } from "next/server.js"
import { isNextReadOnlyError, isNextReadOnlyStore } from "../src/internal/kernel/cookie.js"

const password = "a-password-that-is-at-least-32-characters-long"
const thisFile = "test/Next.test.ts"

const Visitor = Schema.Struct({ name: Schema.String, signedInAt: Schema.DateFromNumber, visits: Schema.Number })
type Visitor = typeof Visitor.Type

class Auth extends Session.Tag<Auth>()("test/Next/Auth", { schema: Visitor, cookieName: "auth", password }) {}

class StrictAuth extends Session.Tag<StrictAuth>()("test/Next/StrictAuth", {
  schema: Visitor,
  cookieName: "auth",
  password,
  invalidCookie: "fail",
}) {}

class NotSignedIn extends Data.TaggedError("NotSignedIn")<{ readonly path: string }> {}

/** How many times the app's layer was built. */
let builds = 0
/** What the app's runtime logged. */
const logged: Array<string> = []
const AppLayer = Layer.mergeAll(
  Auth.layer,
  StrictAuth.layer,
  Layer.effectDiscard(Effect.sync(() => void builds++)),
  Logger.replace(
    Logger.defaultLogger,
    Logger.make(({ message }) => {
      logged.push(String(message))
    }),
  ),
)
const AppRuntime = Next.makeRuntime("test/Next", AppLayer)

const ada: Visitor = { name: "Ada", signedInAt: new Date("2026-01-02T03:04:05.000Z"), visits: 1 }

/** A request's `Cookie` header holding `value`, sealed by the session itself at the real time (Next's clock). */
const cookieFor = (value: Visitor) =>
  Effect.runPromise(Testing.cookieHeader(Auth, value).pipe(Effect.provide(Auth.layer)))

/** The value of the `auth` cookie among `Set-Cookie` headers, opened by the session. */
const opened = async (setCookies: ReadonlyArray<string>): Promise<Option.Option<Visitor>> => {
  const header = setCookies.find((c) => c.startsWith("auth="))
  if (header === undefined) throw new Error(`no auth cookie in ${JSON.stringify(setCookies)}`)
  const cookie = header.slice(0, header.indexOf(";"))
  return Effect.runPromise(
    Auth.get.pipe(Effect.provide(Testing.layerCookies({ auth: cookie.slice(5) })), Effect.provide(Auth.layer)),
  )
}

/**
 * Calls a Route Handler the way a built Next app does: Next's own route
 * module runs it, in a request store of its making (phase `action`), and
 * adds the cookies written through `cookies()` to its response.
 */
const callRoute = (handlers: Record<string, unknown>, request: NextRequest) => {
  const module = new AppRouteRouteModule({
    userland: (() => handlers) as never,
    definition: {
      kind: "APP_ROUTE",
      page: "/api/test/route",
      pathname: "/api/test",
      filename: "route",
      bundlePath: "app/api/test/route",
    } as never,
    distDir: ".next",
    relativeProjectDir: "",
    resolvedPagePath: "/app/api/test/route.ts",
    nextConfigOutput: undefined,
  })
  return module.handle(request, {
    params: undefined,
    prerenderManifest: { preview: {} },
    renderOpts: { experimental: {}, supportsDynamicResponse: true },
    sharedContext: { buildId: "test" },
  } as never)
}

/**
 * Next's own request store for one request to `/`, as its server makes one
 * (the fields Next 16 requires, the rest left empty); `onUpdateCookies`
 * receives the `Set-Cookie` headers Next would send.
 */
const nextRequestStore = (
  phase: "render" | "action",
  headers: Headers,
  onUpdateCookies?: (cookies: Array<string>) => void,
) =>
  createRequestStore({
    phase,
    headers,
    onUpdateCookies,
    url: { pathname: "/", search: "" },
    rootParams: {},
    implicitTags: { tags: [], expirationsByCacheKind: new Map() } as never,
    resumeDataCache: null,
    previewProps: undefined as never,
    isHmrRefresh: false,
    serverComponentsHmrCache: undefined,
    hmrRefreshHash: undefined,
    stagedFallbackParams: null,
  })

/**
 * Runs `f` inside a request as Next sets one up for a page: its request store
 * and `cookies()`, in `phase` (`render` for a Server Component, `action` for a
 * Server Action). Returns what `f` gave and the `Set-Cookie` headers Next
 * would send.
 */
const inRequest = async <A>(
  phase: "render" | "action",
  cookie: string,
  f: (store: { phase: string }) => Promise<A>,
) => {
  let setCookies: ReadonlyArray<string> = []
  const requestStore = nextRequestStore(phase, new Headers({ cookie }), (cookies) => {
    setCookies = cookies
  })
  const workStore = createWorkStore({
    page: "/page",
    renderOpts: { experimental: {} } as never,
    buildId: "test",
    previouslyRevalidatedTags: [],
  } as never)
  const result = await workAsyncStorage.run(workStore, () =>
    workUnitAsyncStorage.run(requestStore, () => f(requestStore)),
  )
  return { result, setCookies }
}

/** What a call threw. */
const thrown = async (promise: Promise<unknown>): Promise<unknown> =>
  promise.then(
    () => {
      throw new Error("expected a rejection")
    },
    (error: unknown) => error,
  )

const expectPlainError = (error: unknown) => {
  expect(error).toBeInstanceOf(Error)
  expect(Runtime.isFiberFailure(error)).toBe(false)
  expect(String((error as Error).stack)).not.toContain("FiberFailure")
  // The app's line is in the stack, even for an error made inside this library.
  expect((error as Error).stack).toContain(thisFile)
  // Next's development server rewrites the message of each error it logs.
  expect(() => {
    ;(error as Error).message = `${(error as Error).message}`
  }).not.toThrow()
}

describe("Next.route, run by Next's own Route Handler module", () => {
  const visit = Next.route(
    AppRuntime,
    (request: NextRequest) =>
      Effect.gen(function* () {
        const visitor = yield* Effect.flatten(Auth.get).pipe(
          Effect.mapError(() => new NotSignedIn({ path: request.nextUrl.pathname })),
        )
        const visits = visitor.visits + 1
        yield* Auth.set({ ...visitor, visits })
        return Response.json({ name: visitor.name, visits, signedInAt: visitor.signedInAt.toISOString() })
      }),
    {
      onError: (error) =>
        error._tag === "NotSignedIn"
          ? Response.json({ error: "sign in first", path: error.path }, { status: 401 })
          : undefined,
    },
  )

  it("runs the Effect with the request's cookies: a typed session read (its Date a Date) and written", async () => {
    const cookie = await cookieFor(ada)
    const response = await callRoute(
      { POST: visit },
      new NextRequest("http://127.0.0.1/api/test", { method: "POST", headers: { cookie } }),
    )
    expect(response.status).toBe(200)
    expect(await response.json()).toEqual({ name: "Ada", visits: 2, signedInAt: "2026-01-02T03:04:05.000Z" })
    // Next added the cookie written through cookies() to the handler's response.
    const setCookies = response.headers.getSetCookie()
    expect(setCookies).toEqual([
      expect.stringMatching(
        /^auth=Fe26\.2\*1\*.+~2; Path=\/; Expires=.+; Max-Age=\d+; Secure; HttpOnly; SameSite=lax$/,
      ),
    ])
    expect(await opened(setCookies)).toEqual(Option.some({ ...ada, visits: 2 }))
  })

  it("answers the app's typed failure with onError's response", async () => {
    const response = await callRoute({ POST: visit }, new NextRequest("http://127.0.0.1/api/test", { method: "POST" }))
    expect(response.status).toBe(401)
    expect(await response.json()).toEqual({ error: "sign in first", path: "/api/test" })
    expect(response.headers.getSetCookie()).toEqual([])
  })

  it("answers this library's errors as JSON { _tag, message } with their status, and nothing of the cookie", async () => {
    const strict = Next.route(AppRuntime, () => Effect.map(StrictAuth.get, () => new Response("ok")))
    const tampered = `${(await cookieFor(ada)).slice(0, -8)}AAAAAAA~2`
    const response = await callRoute(
      { GET: strict },
      new NextRequest("http://127.0.0.1/api/test", { headers: { cookie: tampered } }),
    )
    expect(response.status).toBe(401)
    const body = await response.json()
    expect(body).toEqual({ _tag: "BadSealError", message: expect.stringContaining("") })
    expect(JSON.stringify(body)).not.toContain(tampered.slice(5, 40))

    const tooLarge = Next.route(AppRuntime, () =>
      Effect.as(Auth.set({ ...ada, name: "x".repeat(5000) }), new Response("saved")),
    )
    const large = await callRoute({ POST: tooLarge }, new NextRequest("http://127.0.0.1/api/test", { method: "POST" }))
    expect(large.status).toBe(500)
    expect(await large.json()).toEqual({ _tag: "CookieTooLargeError", message: expect.stringContaining("4096") })
    // The server's own mistake is logged through the app's logger, as well as answered.
    expect(logged).toContain("Next.route answered 500 for CookieTooLargeError")
  })

  it("throws a defect as the error itself (not a FiberFailure), which Next's module rethrows for its 500", async () => {
    const boom = new Error("the database is gone")
    const broken = Next.route(AppRuntime, () =>
      Effect.sync(() => {
        throw boom
      }),
    )
    const error = await thrown(callRoute({ GET: broken }, new NextRequest("http://127.0.0.1/api/test")))
    expect(error).toBe(boom)
    expectPlainError(error)
    // A typed failure neither onError nor the library maps goes the same way.
    const unmapped = Next.route(AppRuntime, () => Effect.fail(new NotSignedIn({ path: "/" })))
    const failure = await thrown(callRoute({ GET: unmapped }, new NextRequest("http://127.0.0.1/api/test")))
    expect(failure).toBeInstanceOf(NotSignedIn)
    expectPlainError(failure)
  })

  it("lets Next's redirect() through, as Next throws it", async () => {
    const away = Next.route(AppRuntime, () => Effect.sync(() => redirect("/signed-out")))
    const response = await callRoute({ GET: away }, new NextRequest("http://127.0.0.1/api/test"))
    expect(response.status).toBe(307)
    expect(response.headers.get("location")).toBe("/signed-out")
  })
})

describe("Next.action, in a Server Action's request", () => {
  it("returns the Effect's value, and the session it wrote goes out as a cookie", async () => {
    const rename = Next.action(AppRuntime, (name: string) =>
      Effect.gen(function* () {
        const visitor = yield* Effect.flatten(Auth.get)
        yield* Auth.set({ ...visitor, name })
        return visitor.signedInAt
      }),
    )
    const { result, setCookies } = await inRequest("action", await cookieFor(ada), () => rename("Grace"))
    expect(result).toEqual(ada.signedInAt)
    expect(result).toBeInstanceOf(Date)
    expect(await opened(setCookies)).toEqual(Option.some({ ...ada, name: "Grace" }))
  })

  it("throws a typed failure as the error itself: a plain Error, its fields intact, its stack naming this file", async () => {
    const save = Next.action(AppRuntime, (name: string) => Auth.set({ ...ada, name }))
    const { result: error } = await inRequest("action", "", () => thrown(save("x".repeat(5000))))
    expect(error).toBeInstanceOf(Errors.CookieTooLargeError)
    expect(error).toMatchObject({ _tag: "CookieTooLargeError", cookieName: "auth", limit: 4096 })
    expectPlainError(error)
  })

  it("a write once Next has left the action's phase is CookieNotWritableError (read-only), known by what Next throws", async () => {
    const late = Next.action(AppRuntime, (store: { phase: string }) =>
      Effect.gen(function* () {
        // As when work forked by the action writes after Next moved on to render.
        store.phase = "render"
        return yield* Effect.flip(Auth.set(ada))
      }),
    )
    const { result, setCookies } = await inRequest("action", "", (store) => late(store))
    expect(result).toMatchObject({ _tag: "CookieNotWritableError", reason: "read-only", cookieName: "auth" })
    expect(setCookies).toEqual([])
  })
})

describe("Next.run, in a Server Component's request", () => {
  it("reads the session from Next's read-only cookies()", async () => {
    const { result } = await inRequest("render", await cookieFor(ada), () => Next.run(AppRuntime, Auth.get))
    expect(result).toEqual(Option.some(ada))
    expect(Option.getOrThrow(result).signedInAt).toBeInstanceOf(Date)
  })

  it("a write is CookieNotWritableError (read-only), refused before anything is written", async () => {
    const { result, setCookies } = await inRequest("render", await cookieFor(ada), async () => ({
      flipped: await Next.run(AppRuntime, Effect.flip(Auth.update(Option.getOrThrow))),
      thrown: await thrown(Next.run(AppRuntime, Auth.set(ada))),
    }))
    expect(result.flipped).toMatchObject({ _tag: "CookieNotWritableError", reason: "read-only", cookieName: "auth" })
    expect(result.flipped.message).toContain("Server Component")
    // Unhandled, it is thrown as itself, for error.tsx, pointing at the line that called run.
    expect(result.thrown).toBeInstanceOf(Errors.CookieNotWritableError)
    expectPlainError(result.thrown)
    expect(setCookies).toEqual([])
  })
})

describe("Next's read-only cookies, recognised without its wording", () => {
  const headers = () => new Headers({ cookie: "a=1" })

  it("the sealed store answers set, delete and clear with one function; writable stores do not", () => {
    expect(isNextReadOnlyStore(RequestCookiesAdapter.seal(new RequestCookies(headers())))).toBe(true)
    expect(isNextReadOnlyStore(MutableRequestCookiesAdapter.wrap(new RequestCookies(headers())))).toBe(false)
    const requestStore = nextRequestStore("action", headers())
    // What cookies() gives a Server Action or a Route Handler.
    expect(isNextReadOnlyStore(createCookiesWithMutableAccessCheck(requestStore))).toBe(false)
    expect(isNextReadOnlyStore({ get: () => undefined, set: () => undefined })).toBe(false)
  })

  it("Next's error is known by its class's static callable, which minifying keeps, whatever its names and wording", () => {
    // What the sealed store's set throws: Next's ReadonlyRequestCookiesError (not exported in its types).
    let nextError: unknown
    try {
      RequestCookiesAdapter.seal(new RequestCookies(headers())).set("a", "2")
    } catch (error) {
      nextError = error
    }
    expect(nextError).toBeInstanceOf(Error)
    expect((nextError as Error).name).toBe("Error")
    expect((nextError as Error).constructor.name).toBe("ReadonlyRequestCookiesError")
    expect(isNextReadOnlyError(nextError)).toBe(true)
    // Next 16's production bundle: `class o extends Error{...static callable(){throw new o}}`.
    class o extends Error {
      static callable() {
        throw new o("reworded")
      }
    }
    expect(isNextReadOnlyError(new o("reworded"))).toBe(true)
    expect(new o("reworded").name).toBe("Error")
    expect(isNextReadOnlyError(new Error("Cookies can only be modified in a Server Action or Route Handler."))).toBe(
      true,
    )
    expect(isNextReadOnlyError(new Error("something else"))).toBe(false)
    expect(isNextReadOnlyError(new TypeError("immutable"))).toBe(false)
    expect(isNextReadOnlyError("Cookies can only be modified")).toBe(false)
  })
})

describe("Next.makeRuntime", () => {
  it("one runtime per key, its layers built once, however many modules ask and however many requests run", async () => {
    const before = builds
    // A module evaluated again (another bundle, a reload) asks with a new layer object.
    expect(Next.makeRuntime("test/Next", Layer.mergeAll(AppLayer))).toBe(AppRuntime)
    const cookie = await cookieFor(ada)
    const read = Next.route(AppRuntime, () => Effect.map(Auth.get, (v) => Response.json(Option.isSome(v))))
    const act = Next.action(AppRuntime, () => Auth.get)
    await Promise.all([
      ...Array.from({ length: 20 }, () =>
        callRoute({ GET: read }, new NextRequest("http://127.0.0.1/api/test", { headers: { cookie } })),
      ),
      ...Array.from({ length: 20 }, () => inRequest("action", cookie, () => act())),
      ...Array.from({ length: 20 }, () => inRequest("render", cookie, () => Next.run(AppRuntime, Auth.get))),
    ])
    // Built by the first request of this file, and never again.
    expect(before).toBe(1)
    expect(builds).toBe(1)
  })

  it("disposing closes the layers and forgets the key: the next call builds afresh", async () => {
    let opened = 0
    let closed = 0
    const resource = Layer.scopedDiscard(
      Effect.acquireRelease(
        Effect.sync(() => void opened++),
        () => Effect.sync(() => void closed++),
      ),
    )
    const first = Next.makeRuntime("test/Next/dispose", resource)
    await first.runtime()
    expect([opened, closed]).toEqual([1, 0])
    await first.dispose()
    expect([opened, closed]).toEqual([1, 1])
    const second = Next.makeRuntime("test/Next/dispose", resource)
    expect(second).not.toBe(first)
    await second.runtime()
    await second.dispose()
    expect([opened, closed]).toEqual([2, 2])
  })

  it("under next dev, a new layer for the key (its module was edited) replaces the runtime, and the old one is closed", async () => {
    const events: Array<string> = []
    const resource = (name: string) =>
      Layer.scopedDiscard(
        Effect.acquireRelease(
          Effect.sync(() => void events.push(`open ${name}`)),
          () => Effect.sync(() => void events.push(`close ${name}`)),
        ),
      )
    // `next` declares NODE_ENV read-only; Next's own dev server sets it so.
    const env = process.env as Record<string, string | undefined>
    const previous = env.NODE_ENV
    env.NODE_ENV = "development"
    try {
      const before = resource("before the edit")
      const first = Next.makeRuntime("test/Next/dev", before)
      await first.runtime()
      // The same module asking again (another request, another importer) gets the same runtime.
      expect(Next.makeRuntime("test/Next/dev", before)).toBe(first)
      const second = Next.makeRuntime("test/Next/dev", resource("after the edit"))
      expect(second).not.toBe(first)
      await second.runtime()
      await expect.poll(() => events).toEqual(["open before the edit", "close before the edit", "open after the edit"])
      await second.dispose()
    } finally {
      env.NODE_ENV = previous
    }
  })

  it("a layer that cannot be built fails each call with its own error, thrown plain", async () => {
    class Missing extends Session.Tag<Missing>()("test/Next/Missing", {
      schema: Visitor,
      cookieName: "missing",
      password: Config.redacted("TEST_NEXT_PASSWORD_THAT_IS_NOT_SET"),
    }) {}
    const broken = Next.makeRuntime("test/Next/broken", Missing.layer)
    const { result } = await inRequest("render", "", () => thrown(Next.run(broken, Missing.get)))
    expect(Runtime.isFiberFailure(result)).toBe(false)
    expect(String(result)).toContain("TEST_NEXT_PASSWORD_THAT_IS_NOT_SET")
    const exit = await broken.runPromiseExit(Effect.void)
    expect(Exit.isFailure(exit)).toBe(true)
    await broken.dispose()
  })

  // Last: it closes this file's runtimes too.
  it("Next.dispose() closes every runtime made in the process", async () => {
    const closed: Array<string> = []
    const resource = (name: string) =>
      Layer.scopedDiscard(Effect.acquireRelease(Effect.void, () => Effect.sync(() => void closed.push(name))))
    const one = Next.makeRuntime("test/Next/all/one", resource("one"))
    const two = Next.makeRuntime("test/Next/all/two", resource("two"))
    await Promise.all([one.runtime(), two.runtime()])
    await Next.dispose()
    expect(closed.sort()).toEqual(["one", "two"])
    // Forgotten: asking again makes a new one.
    expect(Next.makeRuntime("test/Next/all/one", resource("one"))).not.toBe(one)
  })
})
