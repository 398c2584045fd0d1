import {
  HttpApi,
  HttpApiBuilder,
  HttpApiEndpoint,
  HttpApiGroup,
  HttpApp,
  HttpRouter,
  HttpServer,
  HttpServerRequest,
  HttpServerResponse,
  OpenApi,
} from "@effect/platform"
import { NodeHttpServer } from "@effect/platform-node"
import { afterAll, describe, expect, it } from "@effect/vitest"
import { Cause, Effect, Either, Exit, Layer, Logger, ManagedRuntime, Option, Schema, TestClock } from "effect"
import { CookieStore, Session } from "effect-iron-session"
import * as Csrf from "effect-iron-session/Csrf"
import * as HttpSession from "effect-iron-session/HttpSession"
import fc from "fast-check"
import { request, value } from "./helpers/request.js"
import { cookieHeaderFrom, withServer } from "./helpers/server.js"

const password = "a-password-that-is-at-least-32-characters-long"
const CsrfLive = Csrf.layer({ password })

const Transfer = Schema.Struct({ amount: Schema.NumberFromString })

/** A small app: a page that hands out tokens, and state-changing routes that read their body. */
const router = HttpRouter.empty.pipe(
  HttpRouter.get("/token", Effect.map(Effect.orDie(Csrf.token), HttpServerResponse.text)),
  HttpRouter.get("/page", HttpServerResponse.text("a page")),
  HttpRouter.post(
    "/transfer",
    Effect.map(HttpServerRequest.schemaBodyUrlParams(Transfer), ({ amount }) =>
      HttpServerResponse.text(`sent ${amount}`),
    ),
  ),
  HttpRouter.post("/json", HttpServerResponse.text("done")),
  HttpRouter.put("/json", HttpServerResponse.text("done")),
  HttpRouter.patch("/json", HttpServerResponse.text("done")),
  HttpRouter.del("/json", HttpServerResponse.text("done")),
  HttpRouter.mount(
    "/admin",
    HttpRouter.empty.pipe(
      HttpRouter.post(
        "/transfer",
        Effect.map(HttpServerRequest.schemaBodyUrlParams(Transfer), ({ amount }) =>
          HttpServerResponse.text(`admin sent ${amount}`),
        ),
      ),
    ),
  ),
)

const handlerWith = (options: Csrf.MiddlewareOptions) => {
  const app = router.pipe(Csrf.middleware(options), HttpSession.middleware)
  const web = HttpApp.toWebHandlerLayer(app, CsrfLive)
  afterAll(() => web.dispose())
  return web.handler
}

const origins = handlerWith({ allowedOrigins: ["https://admin.example.com"] })
const strict = handlerWith({ missingOrigin: "refuse" })
const proxied = handlerWith({ trustProxy: true })
const tokens = handlerWith({ token: true })

const self = "http://127.0.0.1"

const send = (
  handler: (request: Request) => Promise<Response>,
  method: string,
  path: string,
  headers: Record<string, string> = {},
  body?: string,
) => handler(new Request(`${self}${path}`, { method, headers, ...(body === undefined ? {} : { body }) }))

const refusal = async (response: Response) => ({ status: response.status, body: await response.json() })

describe("Csrf.middleware: the origin check", () => {
  it("lets a same-origin POST through by Sec-Fetch-Site", async () => {
    const response = await send(origins, "POST", "/json", { "sec-fetch-site": "same-origin", origin: self })
    expect(response.status).toBe(200)
  })

  it("lets a POST through whose Origin is the request's own origin", async () => {
    const response = await send(origins, "POST", "/json", { origin: self })
    expect(response.status).toBe(200)
  })

  it("refuses a POST from another origin with a 403 naming the reason", async () => {
    const response = await send(origins, "POST", "/json", { origin: "https://evil.example" })
    expect(await refusal(response)).toEqual({ status: 403, body: { _tag: "CsrfError", reason: "cross-origin" } })
  })

  it("refuses Sec-Fetch-Site cross-site and same-site, whatever the Origin says", async () => {
    for (const site of ["cross-site", "same-site", "something-new"]) {
      const response = await send(origins, "POST", "/json", { "sec-fetch-site": site, origin: self })
      expect([site, response.status]).toEqual([site, 403])
    }
  })

  it("lets Sec-Fetch-Site none through: a navigation the user started", async () => {
    const response = await send(origins, "POST", "/json", { "sec-fetch-site": "none" })
    expect(response.status).toBe(200)
  })

  it("lets an allow-listed origin through, by Origin alone and with Sec-Fetch-Site same-site", async () => {
    const byOrigin = await send(origins, "POST", "/json", { origin: "https://admin.example.com" })
    expect(byOrigin.status).toBe(200)
    const bySite = await send(origins, "POST", "/json", {
      origin: "https://ADMIN.example.com",
      "sec-fetch-site": "same-site",
    })
    expect(bySite.status).toBe(200)
  })

  it("refuses Origin null, as sandboxed frames send it", async () => {
    const response = await send(origins, "POST", "/json", { origin: "null" })
    expect(response.status).toBe(403)
  })

  it("an Origin header with a path is refused as cross-origin", async () => {
    // new URL() would reduce each of these to the site's own origin; no browser sends one.
    for (const origin of [`${self}/evil`, `${self}/`, `${self}?next=/`, `${self}#top`]) {
      const response = await send(origins, "POST", "/json", { origin })
      expect([origin, response.status]).toEqual([origin, 403])
      expect(await refusal(response)).toEqual({ status: 403, body: { _tag: "CsrfError", reason: "cross-origin" } })
    }
    const allowed = await send(origins, "POST", "/json", {
      origin: "https://admin.example.com/evil",
      "sec-fetch-site": "same-site",
    })
    expect(allowed.status).toBe(403)
  })

  it("an Origin header with user@ is refused", async () => {
    for (const origin of ["http://user@127.0.0.1", "http://user:pass@127.0.0.1", "https://eve@admin.example.com"]) {
      expect([origin, (await send(origins, "POST", "/json", { origin })).status]).toEqual([origin, 403])
    }
    const bySite = await send(origins, "POST", "/json", {
      origin: "https://eve@admin.example.com",
      "sec-fetch-site": "same-site",
    })
    expect(bySite.status).toBe(403)
  })

  it("an Origin header that spells out the default port is refused, as no browser sends one", async () => {
    for (const origin of ["http://127.0.0.1:80", "https://admin.example.com:443"]) {
      expect([origin, (await send(origins, "POST", "/json", { origin })).status]).toEqual([origin, 403])
    }
    // The serialized forms still pass, in any case (scheme and host are case-insensitive).
    for (const origin of [self, "https://admin.example.com", "HTTPS://Admin.Example.COM"]) {
      expect([origin, (await send(origins, "POST", "/json", { origin })).status]).toEqual([origin, 200])
    }
  })

  it("counts another scheme or port as another origin", async () => {
    for (const origin of ["https://127.0.0.1", "http://127.0.0.1:8080"]) {
      expect([origin, (await send(origins, "POST", "/json", { origin })).status]).toEqual([origin, 403])
    }
  })

  it("allows a request with neither header by default, and refuses it under missingOrigin refuse", async () => {
    expect((await send(origins, "POST", "/json")).status).toBe(200)
    const refused = await send(strict, "POST", "/json")
    expect(await refusal(refused)).toEqual({ status: 403, body: { _tag: "CsrfError", reason: "missing-origin" } })
    expect((await send(strict, "POST", "/json", { origin: self })).status).toBe(200)
  })

  it("never checks GET, HEAD or OPTIONS, even from another site", async () => {
    const foreign = { origin: "https://evil.example", "sec-fetch-site": "cross-site" }
    expect((await send(strict, "GET", "/page", foreign)).status).toBe(200)
    expect((await send(strict, "HEAD", "/page", foreign)).status).toBe(200)
    expect((await send(strict, "OPTIONS", "/page", foreign)).status).not.toBe(403)
  })

  it("checks every unsafe method: POST, PUT, PATCH and DELETE", async () => {
    for (const method of ["POST", "PUT", "PATCH", "DELETE"]) {
      const response = await send(origins, method, "/json", { origin: "https://evil.example" })
      expect([method, response.status]).toEqual([method, 403])
    }
  })

  it("trusts X-Forwarded-Proto and X-Forwarded-Host only under trustProxy", async () => {
    const behindProxy = {
      origin: "https://shop.example.com",
      "x-forwarded-proto": "https, http",
      "x-forwarded-host": "shop.example.com",
    }
    expect((await send(proxied, "POST", "/json", behindProxy)).status).toBe(200)
    expect((await send(origins, "POST", "/json", behindProxy)).status).toBe(403)
    // Under trustProxy the forwarded origin is the one compared, not the direct one.
    expect((await send(proxied, "POST", "/json", { ...behindProxy, origin: self })).status).toBe(403)
  })

  it("lets a handler catch the CsrfError and answer in its own way", async () => {
    const app = router.pipe(
      Csrf.middleware(),
      Effect.catchTag("CsrfError", (error) =>
        Effect.succeed(HttpServerResponse.text(`Please reload (${error.reason})`, { status: 403 })),
      ),
      HttpSession.middleware,
    )
    const web = HttpApp.toWebHandlerLayer(app, CsrfLive)
    try {
      const response = await web.handler(new Request(`${self}/json`, { method: "POST", headers: { origin: "null" } }))
      expect(await response.text()).toBe("Please reload (cross-origin)")
    } finally {
      await web.dispose()
    }
  })

  it("refuses to be made with an allowed origin that is not an origin", () => {
    for (const entry of ["admin.example.com", "https://admin.example.com/app", "null", "ftp://example.com"]) {
      expect(() => Csrf.middleware({ allowedOrigins: [entry] })).toThrow(
        expect.objectContaining({ _tag: "InvalidOptionError", option: "allowedOrigins" }),
      )
    }
  })

  it("compares with the Host of a Node request on a real server", async () => {
    const app = HttpRouter.empty.pipe(
      HttpRouter.post("/json", HttpServerResponse.text("done")),
      Csrf.middleware({ missingOrigin: "refuse" }),
    )
    const runtime = ManagedRuntime.make(Layer.empty)
    try {
      const handler = await runtime.runPromise(NodeHttpServer.makeHandler(app))
      await withServer(handler, async (url) => {
        const bare = await fetch(`${url}/json`, { method: "POST" })
        expect(await refusal(bare)).toEqual({ status: 403, body: { _tag: "CsrfError", reason: "missing-origin" } })
        const own = await fetch(`${url}/json`, { method: "POST", headers: { origin: url } })
        expect(own.status).toBe(200)
        const foreign = await fetch(`${url}/json`, { method: "POST", headers: { origin: "http://127.0.0.2:1" } })
        expect(foreign.status).toBe(403)
      })
    } finally {
      await runtime.dispose()
    }
  })
})

describe("Csrf.middleware with tokens", () => {
  /** A browser: fetches a token from the page, keeps the cookies it was given. */
  const browser = async () => {
    const page = await send(tokens, "GET", "/token")
    const token = await page.text()
    return { token, cookie: cookieHeaderFrom(page.headers.getSetCookie()).header }
  }

  it("refuses a same-origin POST without a token", async () => {
    const { cookie } = await browser()
    const response = await send(tokens, "POST", "/json", { origin: self, cookie })
    expect(await refusal(response)).toEqual({ status: 403, body: { _tag: "CsrfError", reason: "missing-token" } })
  })

  it("accepts the token in the x-csrf-token header", async () => {
    const { token, cookie } = await browser()
    const response = await send(tokens, "POST", "/json", { origin: self, cookie, "x-csrf-token": token })
    expect(response.status).toBe(200)
  })

  it("accepts the token in a form's _csrf field, and the handler still reads the form", async () => {
    const { token, cookie } = await browser()
    const form = new URLSearchParams({ amount: "10", _csrf: token }).toString()
    const headers = { origin: self, cookie, "content-type": "application/x-www-form-urlencoded" }
    const response = await send(tokens, "POST", "/transfer", headers, form)
    expect(await response.text()).toBe("sent 10")
    const mounted = await send(tokens, "POST", "/admin/transfer", headers, form)
    expect(await mounted.text()).toBe("admin sent 10")
  })

  it("refuses a wrong token, and a form field when the body is not a form", async () => {
    const { token, cookie } = await browser()
    const wrong = await send(tokens, "POST", "/json", {
      origin: self,
      cookie,
      "x-csrf-token": `${token.slice(0, -1)}${token.endsWith("A") ? "B" : "A"}`,
    })
    expect(await refusal(wrong)).toEqual({ status: 403, body: { _tag: "CsrfError", reason: "bad-token" } })
    const json = await send(
      tokens,
      "POST",
      "/json",
      { origin: self, cookie, "content-type": "application/json" },
      JSON.stringify({ _csrf: token }),
    )
    expect((await refusal(json)).body.reason).toBe("missing-token")
  })

  it("refuses a token issued to another session", async () => {
    const ada = await browser()
    const eve = await browser()
    const crossed = await send(tokens, "POST", "/json", { origin: self, cookie: ada.cookie, "x-csrf-token": eve.token })
    expect((await refusal(crossed)).body.reason).toBe("bad-token")
    const noCookie = await send(tokens, "POST", "/json", { origin: self, "x-csrf-token": eve.token })
    expect((await refusal(noCookie)).body.reason).toBe("bad-token")
  })

  it("writes the CSRF cookie once, and every token it gives is different and valid", async () => {
    const first = await send(tokens, "GET", "/token")
    const [setCookie = ""] = first.headers.getSetCookie()
    expect(setCookie).toMatch(/^__Host-csrf=Fe26\.2\*[^;]+; Max-Age=1209540; Path=\/; HttpOnly; Secure; SameSite=Lax$/)
    const cookie = cookieHeaderFrom([setCookie]).header
    const again = await send(tokens, "GET", "/token", { cookie })
    expect(again.headers.getSetCookie()).toEqual([])
    const issued = [await first.text(), await again.text()]
    expect(issued[0]).not.toBe(issued[1])
    for (const token of issued) {
      const response = await send(tokens, "POST", "/json", { origin: self, cookie, "x-csrf-token": token })
      expect(response.status).toBe(200)
    }
  })

  it("checks the origin before the token", async () => {
    const { token, cookie } = await browser()
    const response = await send(tokens, "POST", "/json", {
      origin: "https://evil.example",
      cookie,
      "x-csrf-token": token,
    })
    expect((await refusal(response)).body.reason).toBe("cross-origin")
  })

  it("takes another header and field name", async () => {
    const custom = handlerWith({ token: { header: "X-XSRF-Token", field: "authenticity_token" } })
    const page = await send(custom, "GET", "/token")
    const token = await page.text()
    const cookie = cookieHeaderFrom(page.headers.getSetCookie()).header
    expect((await send(custom, "POST", "/json", { origin: self, cookie, "x-xsrf-token": token })).status).toBe(200)
    const form = new URLSearchParams({ amount: "3", authenticity_token: token }).toString()
    const headers = { origin: self, cookie, "content-type": "application/x-www-form-urlencoded" }
    expect(await (await send(custom, "POST", "/transfer", headers, form)).text()).toBe("sent 3")
  })
})

describe("Csrf tokens as Effects", () => {
  const inRequest = <A, E, R>(effect: Effect.Effect<A, E, R>, cookies: ReadonlyMap<string, string> = new Map()) =>
    Effect.gen(function* () {
      const store = CookieStore.makeMemory(Object.fromEntries(cookies))
      const result = yield* Effect.either(Effect.provideService(effect, CookieStore.CookieStore, store))
      return { result, store }
    })

  it.effect("creates one secret for tokens asked for at once", () =>
    Effect.gen(function* () {
      const { result, store } = yield* inRequest(Effect.all([Csrf.token, Csrf.token, Csrf.token], { concurrency: 3 }))
      expect(store.setCookieHeaders).toHaveLength(1)
      const issued = Either.getOrThrow(result)
      const next = yield* inRequest(Effect.forEach(issued, Csrf.verify), store.cookies)
      expect(Either.isRight(next.result)).toBe(true)
    }).pipe(Effect.provide(CsrfLive)),
  )

  it.effect("refuses every earlier token after rotate, and accepts the new ones", () =>
    Effect.gen(function* () {
      const first = yield* inRequest(Csrf.token)
      const old = Either.getOrThrow(first.result)
      const second = yield* inRequest(Effect.zipRight(Csrf.rotate, Csrf.token), first.store.cookies)
      const fresh = Either.getOrThrow(second.result)
      const stale = yield* inRequest(Csrf.verify(old), second.store.cookies)
      expect(Either.getLeft(stale.result)).toEqual(
        expect.objectContaining({ value: expect.objectContaining({ reason: "bad-token" }) }),
      )
      const ok = yield* inRequest(Csrf.verify(fresh), second.store.cookies)
      expect(Either.isRight(ok.result)).toBe(true)
    }).pipe(Effect.provide(CsrfLive)),
  )

  it.effect("renews a secret past half its ttl, and tokens issued before stay valid", () =>
    Effect.gen(function* () {
      const first = yield* inRequest(Csrf.token)
      const early = Either.getOrThrow(first.result)
      yield* TestClock.adjust("6 days")
      const quiet = yield* inRequest(Csrf.token, first.store.cookies)
      expect(quiet.store.setCookieHeaders).toEqual([])
      yield* TestClock.adjust("2 days")
      const renewed = yield* inRequest(Csrf.token, first.store.cookies)
      expect(renewed.store.setCookieHeaders).toHaveLength(1)
      // Past the first seal's 14 days, the renewed cookie still holds the same secret.
      yield* TestClock.adjust("7 days")
      const late = yield* inRequest(Csrf.verify(early), renewed.store.cookies)
      expect(Either.isRight(late.result)).toBe(true)
      const lost = yield* inRequest(Csrf.verify(early), first.store.cookies)
      expect(Either.isLeft(lost.result)).toBe(true)
    }).pipe(Effect.provide(CsrfLive)),
  )

  it.effect("fails its layer at start-up for a short password or a __Host- cookie that is not Secure", () =>
    Effect.gen(function* () {
      const short = yield* Effect.flip(Layer.build(Csrf.layer({ password: "short" })).pipe(Effect.scoped))
      expect(short._tag).toBe("PasswordTooShortError")
      const insecure = yield* Effect.flip(
        Layer.build(Csrf.layer({ password, cookieOptions: { secure: false } })).pipe(Effect.scoped),
      )
      expect(insecure).toMatchObject({ _tag: "InvalidOptionError", option: "cookieOptions.secure" })
    }),
  )

  it.effect.prop(
    "refuses a token with any byte changed",
    [fc.nat(), fc.integer({ min: 1, max: 255 })],
    ([position, flip]) =>
      Effect.gen(function* () {
        const first = yield* inRequest(Csrf.token)
        const token = Either.getOrThrow(first.result)
        const bytes = Buffer.from(token, "base64url")
        const index = position % bytes.length
        bytes[index] = (bytes[index] ?? 0) ^ flip
        const checked = yield* inRequest(Csrf.verify(bytes.toString("base64url")), first.store.cookies)
        expect(Either.getLeft(checked.result)).toEqual(
          expect.objectContaining({ value: expect.objectContaining({ reason: "bad-token" }) }),
        )
      }).pipe(Effect.provide(CsrfLive)),
    { timeout: 60_000, fastCheck: { numRuns: 100 } },
  )
})

describe("Csrf.checkOrigin for web requests", () => {
  const check = Csrf.checkOrigin({ allowedOrigins: ["https://admin.example.com"] })
  const post = (headers: Record<string, string>) => new Request("https://shop.example/pay", { method: "POST", headers })

  it("passes same-origin and allow-listed requests, and refuses the rest", () => {
    expect(check(post({ origin: "https://shop.example" }))).toBeUndefined()
    expect(check(post({ "sec-fetch-site": "same-origin" }))).toBeUndefined()
    expect(check(post({ origin: "https://admin.example.com", "sec-fetch-site": "same-site" }))).toBeUndefined()
    expect(check(post({ origin: "http://shop.example" }))?.reason).toBe("cross-origin")
    expect(check(new Request("https://shop.example/pay", { headers: { origin: "https://evil.example" } }))).toBe(
      undefined,
    )
  })

  it("refuses an Origin with a path, a user@ or the default port for a web Request too", () => {
    for (const origin of ["https://shop.example/evil", "https://user@shop.example", "https://shop.example:443"]) {
      expect([origin, check(post({ origin }))?.reason]).toEqual([origin, "cross-origin"])
    }
  })

  it("names what to do in its message, and nothing from the request", () => {
    const error = Csrf.checkOrigin()(
      new Request("https://shop.example/pay", { method: "POST", headers: { origin: "https://secret-evil.example" } }),
    )
    expect(error?.reason).toBe("cross-origin")
    expect(error?.message).toContain("allowedOrigins")
    expect(JSON.stringify({ ...error, message: error?.message })).not.toContain("secret-evil")
  })
})

describe("Csrf in an HttpApi", () => {
  class Account extends HttpApiGroup.make("account")
    .add(HttpApiEndpoint.get("token", "/token").addSuccess(Schema.String))
    .add(HttpApiEndpoint.post("transfer", "/transfer").addSuccess(Schema.String))
    .middleware(HttpSession.Cookies) {}
  class Api extends HttpApi.make("api").add(Account).addError(Csrf.CsrfError) {}

  const checked = Csrf.middleware({ token: true })
  const AccountLive = HttpApiBuilder.group(Api, "account", (handlers) =>
    handlers.handle("token", () => Effect.orDie(Csrf.token)).handle("transfer", () => Effect.succeed("sent")),
  )
  const api = HttpApiBuilder.toWebHandler(
    Layer.mergeAll(
      HttpApiBuilder.api(Api).pipe(Layer.provide(AccountLive), Layer.provide(HttpSession.layerCookies)),
      // A lambda, so that TypeScript infers what the middleware needs (the Csrf service).
      HttpApiBuilder.middleware(Api, (app) => checked(app), { withContext: true }),
      HttpServer.layerContext,
    ).pipe(Layer.provide(CsrfLive)),
  )
  afterAll(() => api.dispose())

  it("answers a forged request with the 403 the API declares", async () => {
    const response = await api.handler(
      new Request(`${self}/transfer`, { method: "POST", headers: { origin: "https://evil.example" } }),
    )
    expect(await refusal(response)).toEqual({ status: 403, body: { _tag: "CsrfError", reason: "cross-origin" } })
  })

  it("checks a token handed out by an endpoint", async () => {
    const page = await api.handler(new Request(`${self}/token`))
    const token = (await page.json()) as string
    const cookie = cookieHeaderFrom(page.headers.getSetCookie()).header
    const post = (headers: Record<string, string>) =>
      api.handler(new Request(`${self}/transfer`, { method: "POST", headers: { origin: self, cookie, ...headers } }))
    expect((await refusal(await post({}))).body.reason).toBe("missing-token")
    const accepted = await post({ "x-csrf-token": token })
    expect(await accepted.json()).toBe("sent")
  })

  it("documents the 403 in the OpenAPI spec", () => {
    const spec = OpenApi.fromApi(Api)
    const responses = spec.paths["/transfer"]?.post?.responses ?? {}
    expect(Object.keys(responses)).toContain("403")
  })
})

describe("Csrf tokens bound to the login session", () => {
  const User = Schema.Struct({ user: Schema.String })
  class Auth extends Session.Tag<Auth>()("test/CsrfAuth", {
    schema: User,
    cookieName: "auth",
    password,
    track: true,
  }) {}
  // A cookie name without __Host-: a sibling subdomain or a plain-http page can plant it.
  // Bound to the session, planting it gains the attacker nothing.
  const BoundLive = Csrf.layer({ password, cookieName: "csrf", session: Auth }).pipe(Layer.provideMerge(Auth.layer))
  const sibling = "https://blog.example.com"

  const tokenText = Effect.map(Effect.orDie(Csrf.token), HttpServerResponse.text)
  const app = HttpRouter.empty.pipe(
    HttpRouter.get("/token", tokenText),
    // Each answers with a token for the page it would render next.
    HttpRouter.post(
      "/sign-in/:user",
      Effect.flatMap(HttpRouter.params, ({ user = "" }) =>
        Effect.zipRight(Effect.orDie(Auth.set({ user })), tokenText),
      ),
    ),
    HttpRouter.post("/regenerate", Effect.zipRight(Effect.orDie(Auth.regenerate), tokenText)),
    HttpRouter.post("/sign-out", Effect.zipRight(Effect.orDie(Auth.destroy), tokenText)),
    HttpRouter.post("/json", HttpServerResponse.text("done")),
    // The sibling is allowed, so only the token stands between it and the app.
    Csrf.middleware({ token: true, allowedOrigins: [sibling] }),
    HttpSession.middleware,
  )
  const web = HttpApp.toWebHandlerLayer(app, BoundLive)
  afterAll(() => web.dispose())

  /** A browser with a cookie jar: every response's Set-Cookie lands in it. */
  const browser = () => {
    let jar: Record<string, string> = {}
    return {
      cookie: (name: string) => jar[name] ?? "",
      plant: (name: string, value: string) => {
        jar = { ...jar, [name]: value }
      },
      send: async (method: string, path: string, headers: Record<string, string> = {}) => {
        const cookie = cookieHeaderFrom([], jar).header
        const response = await send(web.handler, method, path, { ...(cookie === "" ? {} : { cookie }), ...headers })
        jar = cookieHeaderFrom(response.headers.getSetCookie(), jar).jar
        return response
      },
    }
  }
  type Browser = ReturnType<typeof browser>
  /** A request of the app's own pages. */
  const post = (who: Browser, path: string, token: string) =>
    who.send("POST", path, { origin: self, "x-csrf-token": token })
  /** A request forged from the sibling the attacker controls, riding the victim's cookies. */
  const forge = (victim: Browser, token: string) =>
    victim.send("POST", "/json", { origin: sibling, "sec-fetch-site": "same-site", "x-csrf-token": token })
  /** What came back: a refusal's reason, else the handler's text (so a forged request that got through says so). */
  const outcome = async (response: Response) =>
    response.status === 403
      ? { status: 403, reason: ((await response.json()) as { reason: string }).reason }
      : { status: response.status, text: await response.text() }
  const refused = { status: 403, reason: "bad-token" }
  const signIn = async (who: Browser, user: string) => {
    const page = await who.send("GET", "/token")
    const response = await post(who, `/sign-in/${user}`, await page.text())
    expect(response.status).toBe(200)
    return response.text()
  }

  it("a token from a CSRF cookie the attacker planted before sign-in is refused once the victim signs in", async () => {
    const attacker = browser()
    const known = await (await attacker.send("GET", "/token")).text()
    const victim = browser()
    victim.plant("csrf", attacker.cookie("csrf"))
    // Signed out, the planted secret's tokens pass: there is no sign-in to forge with yet.
    expect((await forge(victim, known)).status).toBe(200)
    await signIn(victim, "ada")
    expect(await outcome(await forge(victim, known))).toEqual(refused)
  })

  it("a token issued for one sign-in is refused under another user's session", async () => {
    const attacker = browser()
    const own = await signIn(attacker, "eve")
    expect((await post(attacker, "/json", own)).status).toBe(200)
    const victim = browser()
    victim.plant("csrf", attacker.cookie("csrf"))
    await signIn(victim, "ada")
    expect(await outcome(await forge(victim, own))).toEqual(refused)
  })

  it("a token issued before regenerate is refused after it", async () => {
    const victim = browser()
    const before = await signIn(victim, "ada")
    const regenerated = await post(victim, "/regenerate", before)
    expect(regenerated.status).toBe(200)
    const after = await regenerated.text()
    expect(await outcome(await post(victim, "/json", before))).toEqual(refused)
    expect((await post(victim, "/json", after)).status).toBe(200)
  })

  it("a token issued while signed in is refused after sign-out", async () => {
    const victim = browser()
    const signedIn = await signIn(victim, "ada")
    const signedOut = await post(victim, "/sign-out", signedIn)
    expect(signedOut.status).toBe(200)
    const fresh = await signedOut.text()
    expect(await outcome(await post(victim, "/json", signedIn))).toEqual(refused)
    expect((await post(victim, "/json", fresh)).status).toBe(200)
  })

  class Rolling extends Session.Tag<Rolling>()("test/CsrfRolling", {
    schema: User,
    cookieName: "rolling",
    password,
    rolling: { idle: "1 hour", refresh: "10 minutes" },
  }) {}
  const RollingLive = Csrf.layer({ password, session: Rolling }).pipe(Layer.provideMerge(Rolling.layer))

  it.effect("tokens bound to a session still pass for the same sign-in across requests and refreshes", () =>
    Effect.gen(function* () {
      // The token the sign-in response renders is for the new sign-in.
      const signedIn = yield* request(Effect.zipRight(Rolling.set({ user: "ada" }), Csrf.token))
      const token = value(signedIn.result)
      const id = value((yield* request(Rolling.id, signedIn.store.cookies)).result)
      expect(Option.isSome(id)).toBe(true)
      let cookies = signedIn.store.cookies
      for (let step = 0; step < 4; step++) {
        yield* TestClock.adjust("15 minutes")
        const later = yield* request(Effect.zipRight(Csrf.verify(token), Rolling.id), cookies)
        // The read refreshed the rolling session (a new seal), under the same id: the token still passes.
        expect(value(later.result)).toEqual(id)
        expect(later.store.setCookieHeaders.some((header) => header.startsWith("rolling="))).toBe(true)
        cookies = later.store.cookies
      }
    }).pipe(Effect.provide(RollingLive)),
  )

  it.effect("a CSRF cookie name without __Host- logs a warning when the layer is built", () =>
    Effect.gen(function* () {
      const warnings = (layer: Layer.Layer<Csrf.Csrf, Session.LayerError>) =>
        Effect.gen(function* () {
          const logs: Array<string> = []
          const logger = Logger.make(({ message, logLevel }) => {
            if (logLevel._tag === "Warning") logs.push(String(message))
          })
          yield* Layer.build(layer).pipe(Effect.scoped, Effect.provide(Logger.replace(Logger.defaultLogger, logger)))
          return logs
        })
      const plantable = yield* warnings(Csrf.layer({ password, cookieName: "csrf" }))
      expect(plantable).toHaveLength(1)
      expect(plantable[0]).toContain("__Host-")
      expect(plantable[0]).toContain("session option")
      expect(plantable[0]).not.toContain(password)
      expect(yield* warnings(Csrf.layer({ password }))).toEqual([])
      expect(yield* warnings(Csrf.layer({ password, cookieName: "__Host-app-csrf" }))).toEqual([])
      expect(yield* warnings(BoundLive)).toEqual([])
    }),
  )

  class Untracked extends Session.Tag<Untracked>()("test/CsrfUntracked", {
    schema: User,
    cookieName: "untracked",
    password,
  }) {}

  it.effect(
    "a signed-in session that keeps no record, given as session, is a defect, not silently unbound tokens",
    () =>
      Effect.gen(function* () {
        const signedIn = yield* request(Untracked.set({ user: "ada" }))
        const issued = yield* request(Effect.exit(Csrf.token), signedIn.store.cookies)
        const exit = value(issued.result)
        expect(Exit.isFailure(exit) && Cause.isDie(exit.cause)).toBe(true)
        expect(String(Exit.isFailure(exit) ? Cause.squash(exit.cause) : "")).toContain("track: true")
      }).pipe(Effect.provide(Csrf.layer({ password, session: Untracked }).pipe(Layer.provideMerge(Untracked.layer)))),
  )
})
