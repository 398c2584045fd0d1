/**
 * The public API, pinned: every value export of every module is listed here
 * (a new one fails the first test until it is added, with its types), and
 * `expectTypeOf` fixes the exact error and requirement types of every
 * operation, so a signature that starts listing an error it cannot produce,
 * or loses one it can, is a compile error in `npm test`.
 */
import type { HttpApiSecurity, KeyValueStore } from "@effect/platform"
import type * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import { describe, expect, expectTypeOf, it } from "@effect/vitest"
import type {
  ConfigError,
  Context,
  Duration,
  Layer,
  ManagedRuntime,
  Metric,
  MetricKeyType,
  MetricState,
  Option,
  Redacted,
  Scope,
} from "effect"
import { Config, Effect, Schema } from "effect"
import * as Root from "effect-iron-session"
import { CookieStore, Errors, Flash, Revocation, Seal, Session, Testing } from "effect-iron-session"
import * as Csrf from "effect-iron-session/Csrf"
import * as HttpSession from "effect-iron-session/HttpSession"
import * as KeyValueStoreEntry from "effect-iron-session/KeyValueStore"
import * as Next from "effect-iron-session/Next"
import * as RedisEntry from "effect-iron-session/Redis"
import type { Redis } from "ioredis"
import type { NextRequest } from "next/server.js"

const valueExports: Record<string, ReadonlyArray<string>> = {
  Errors: [
    "BadSealError",
    "CookieNotWritableError",
    "CookieTooLargeError",
    "InvalidOptionError",
    "InvalidPasswordError",
    "MissingOptionError",
    "PasswordTooShortError",
    "RevocationUnavailableError",
    "SchemaMismatchError",
    "SealExpiredError",
    "SessionDestroyedError",
    "SessionExpiredError",
    "SessionNotFreshError",
    "SessionRevokedError",
    "UnserializableDataError",
    "formatPath",
  ],
  Seal: [
    "CryptoBackend",
    "Seal",
    "backends",
    "layer",
    "layerConfig",
    "layerWebCrypto",
    "make",
    "seal",
    "sealSchema",
    "unseal",
    "unsealSchema",
  ],
  CookieStore: [
    "CookieStore",
    "NotWritable",
    "fromNextCookies",
    "fromNextProxy",
    "fromNode",
    "fromWeb",
    "layerMemory",
    "layerNextCookies",
    "layerNextProxy",
    "layerNode",
    "layerWeb",
    "make",
    "makeMemory",
  ],
  Session: ["Tag", "layer", "make"],
  HttpSession: ["Cookies", "layerAuthentication", "layerCookies", "middleware", "security"],
  Flash: ["Tag", "layer", "make"],
  Csrf: ["Csrf", "CsrfError", "checkOrigin", "layer", "make", "middleware", "rotate", "token", "verify"],
  Testing: ["MemoryStore", "cookieHeader", "cookies", "ironSessionCookie", "layerCookies", "withSession"],
  Revocation: ["Revocation", "cached", "layerMemory", "lookupDuration", "lookups", "makeMemory"],
  KeyValueStore: ["layerKeyValueStore", "makeKeyValueStore"],
  Redis: ["layerRedis", "layerRedisConfig", "makeRedis"],
  Next: ["action", "dispose", "makeRuntime", "route", "run"],
}

/**
 * Modules that are subpaths only, not namespaces of the root: those whose
 * types or code need an optional peer (`@effect/platform`, `ioredis`), and
 * `Next`, which imports `next` at run time.
 */
const subpathOnly = ["Csrf", "HttpSession", "KeyValueStore", "Next", "Redis"]

describe("the public API", () => {
  it("exports exactly the listed values from each module", () => {
    const modules: Record<string, object> = {
      Errors,
      Seal,
      CookieStore,
      Session,
      HttpSession,
      Flash,
      Csrf,
      Testing,
      Revocation,
      KeyValueStore: KeyValueStoreEntry,
      Redis: RedisEntry,
      Next,
    }
    expect(Object.keys(Root).sort()).toEqual(
      Object.keys(valueExports)
        .filter((name) => !subpathOnly.includes(name))
        .sort(),
    )
    for (const [name, module] of Object.entries(modules)) {
      expect([name, Object.keys(module).sort()]).toEqual([name, [...(valueExports[name] ?? [])].sort()])
    }
  })
})

const password = "a-password-that-is-at-least-32-characters-long"
const User = Schema.Struct({ id: Schema.Number, signedInAt: Schema.DateFromNumber })
type User = typeof User.Type

class Auth extends Session.Tag<Auth>()("api/Auth", {
  schema: User,
  cookieName: Config.string("COOKIE_NAME"),
  password: Config.redacted("SESSION_PASSWORD"),
  ttl: Config.duration("SESSION_TTL"),
  chunk: Config.boolean("SESSION_CHUNK"),
  cookieOptions: { secure: Config.boolean("COOKIE_SECURE"), path: "/" },
}) {}

class Strict extends Session.Tag<Strict>()("api/Strict", {
  schema: User,
  cookieName: "strict",
  password,
  invalidCookie: "fail",
}) {}

type Store = CookieStore.CookieStore
type SaveError =
  | Errors.SessionDestroyedError
  | Errors.CookieNotWritableError
  | Errors.CookieTooLargeError
  | Errors.SchemaMismatchError
  | Errors.UnserializableDataError
  | Errors.InvalidOptionError
type OptionsError =
  | Errors.PasswordTooShortError
  | Errors.InvalidPasswordError
  | Errors.InvalidOptionError
  | Errors.MissingOptionError
type InvalidCookie =
  | Errors.SealExpiredError
  | Errors.BadSealError
  | Errors.SchemaMismatchError
  | Errors.SessionExpiredError
  | Errors.SessionRevokedError
  | Errors.RevocationUnavailableError

describe("the exact types of the Effect API", () => {
  it("Seal: a configured sealer fails only with data errors; one-offs add the option errors", () => {
    expectTypeOf(Seal.make({ password })).toEqualTypeOf<Effect.Effect<Seal.Seal, OptionsError>>()
    expectTypeOf(Seal.layer({ password })).toEqualTypeOf<Layer.Layer<Seal.Seal, OptionsError>>()
    expectTypeOf(Seal.layerConfig({ password: Config.redacted("P"), ttl: "1 hour" })).toEqualTypeOf<
      Layer.Layer<Seal.Seal, OptionsError | ConfigError.ConfigError>
    >()
    expectTypeOf<Seal.Seal["seal"]>().toEqualTypeOf<
      (data: unknown) => Effect.Effect<string, Errors.UnserializableDataError>
    >()
    expectTypeOf<Seal.Seal["unseal"]>().toEqualTypeOf<
      (sealed: string) => Effect.Effect<unknown, Errors.SealExpiredError | Errors.BadSealError>
    >()
    expectTypeOf<ReturnType<ReturnType<Seal.Seal["sealSchema"]>>>().toEqualTypeOf<
      Effect.Effect<string, Errors.UnserializableDataError | Errors.SchemaMismatchError, unknown>
    >()
    const sealer = Effect.runSync(Seal.make({ password }))
    expectTypeOf(sealer.unsealSchema(User)("x")).toEqualTypeOf<
      Effect.Effect<User, Errors.SealExpiredError | Errors.BadSealError | Errors.SchemaMismatchError>
    >()
    expectTypeOf(Seal.seal({}, { password })).toEqualTypeOf<
      Effect.Effect<string, OptionsError | Errors.UnserializableDataError>
    >()
    expectTypeOf(Seal.unseal("x", { password })).toEqualTypeOf<
      Effect.Effect<unknown, OptionsError | Errors.SealExpiredError | Errors.BadSealError>
    >()
    expectTypeOf(Seal.sealSchema(User)({ id: 1, signedInAt: new Date() }, { password })).toEqualTypeOf<
      Effect.Effect<string, OptionsError | Errors.UnserializableDataError | Errors.SchemaMismatchError>
    >()
    expectTypeOf(Seal.unsealSchema(User)("x", { password })).toEqualTypeOf<
      Effect.Effect<User, OptionsError | Errors.SealExpiredError | Errors.BadSealError | Errors.SchemaMismatchError>
    >()
    expectTypeOf(Seal.layerWebCrypto).toEqualTypeOf<Layer.Layer<never>>()
    expectTypeOf(Seal.backends).toEqualTypeOf<{
      readonly node: Seal.Backend | undefined
      readonly webcrypto: Seal.Backend
    }>()
    expectTypeOf<Effect.Effect.Success<typeof Seal.CryptoBackend>>().toEqualTypeOf<Seal.Backend>()
    expectTypeOf<Effect.Effect.Context<typeof Seal.CryptoBackend>>().toEqualTypeOf<never>()
    expectTypeOf<Seal.Password>().toEqualTypeOf<string | Redacted.Redacted<string> | Seal.PasswordMap>()
    expectTypeOf<Seal.Options["ttl"]>().toEqualTypeOf<Duration.DurationInput | undefined>()
  })

  it("Session: accessors on the declared class need the session and the request's CookieStore", () => {
    expectTypeOf(Auth.get).toEqualTypeOf<Effect.Effect<Option.Option<User>, never, Auth | Store>>()
    expectTypeOf(Auth.set).toEqualTypeOf<(value: User) => Effect.Effect<void, SaveError, Auth | Store>>()
    expectTypeOf(Auth.update).toEqualTypeOf<
      (f: (current: Option.Option<User>) => User) => Effect.Effect<void, SaveError, Auth | Store>
    >()
    expectTypeOf(Auth.save).toEqualTypeOf<Effect.Effect<void, SaveError, Auth | Store>>()
    // destroy and regenerate revoke the old id with revocation on, and say when the store could not take it.
    expectTypeOf(Auth.destroy).toEqualTypeOf<
      Effect.Effect<void, Errors.CookieNotWritableError | Errors.RevocationUnavailableError, Auth | Store>
    >()
    expectTypeOf(Auth.rejection).toEqualTypeOf<Effect.Effect<Option.Option<InvalidCookie>, never, Auth | Store>>()
    expectTypeOf(Auth.layer).toEqualTypeOf<Layer.Layer<Auth, ConfigError.ConfigError | OptionsError>>()
    // The lifecycle operations.
    expectTypeOf(Auth.signedInAt).toEqualTypeOf<Effect.Effect<Option.Option<Date>, never, Auth | Store>>()
    expectTypeOf(Auth.requireFresh).toEqualTypeOf<
      (maxAge: Duration.DurationInput) => Effect.Effect<void, Errors.SessionNotFreshError, Auth | Store>
    >()
    expectTypeOf(Auth.regenerate).toEqualTypeOf<
      Effect.Effect<void, SaveError | Errors.RevocationUnavailableError, Auth | Store>
    >()
    expectTypeOf(Auth.signOutEverywhere).toEqualTypeOf<
      Effect.Effect<void, Errors.RevocationUnavailableError | Errors.CookieNotWritableError, Auth | Store>
    >()
    // Under the "fail" policy, reading fails with why the cookie was refused.
    expectTypeOf(Strict.get).toEqualTypeOf<Effect.Effect<Option.Option<User>, InvalidCookie, Strict | Store>>()
    expectTypeOf(Strict.save).toEqualTypeOf<Effect.Effect<void, SaveError | InvalidCookie, Strict | Store>>()
    // The service value is still there.
    expectTypeOf(Effect.flatMap(Auth, (auth) => auth.get)).toEqualTypeOf<
      Effect.Effect<Option.Option<User>, never, Auth | Store>
    >()
    expectTypeOf(Session.make({ schema: User, cookieName: "a", password })).toEqualTypeOf<
      Effect.Effect<Session.Session<User, never>, Session.LayerError>
    >()
    expectTypeOf<Session.LayerError>().toEqualTypeOf<ConfigError.ConfigError | OptionsError>()
    expectTypeOf<Session.SaveError>().toEqualTypeOf<SaveError>()
    expectTypeOf<Session.InvalidCookieError>().toEqualTypeOf<InvalidCookie>()
  })

  it("CookieStore: the Effect API's cookie options are @effect/platform's", () => {
    type Platform = NonNullable<import("@effect/platform/Cookies").Cookie["options"]>
    expectTypeOf<CookieStore.CookieOptions>().toEqualTypeOf<Platform>()
    const store = CookieStore.makeMemory()
    expectTypeOf(store.get("a")).toEqualTypeOf<Effect.Effect<Option.Option<string>>>()
    expectTypeOf(store.set("a", "b", { maxAge: "1 hour" })).toEqualTypeOf<
      Effect.Effect<void, Errors.CookieNotWritableError | Errors.InvalidOptionError>
    >()
    expectTypeOf(CookieStore.layerWeb(new Request("http://x"), new Headers())).toEqualTypeOf<Layer.Layer<Store>>()
    expectTypeOf(CookieStore.make).parameter(0).toEqualTypeOf<CookieStore.Jar>()
    expectTypeOf<CookieStore.Cookie["attributes"]["maxAge"]>().toEqualTypeOf<number | undefined>()
  })

  it("HttpSession: the middleware removes the CookieStore and needs the request", () => {
    const handler = Auth.get
    expectTypeOf(HttpSession.middleware(handler)).toEqualTypeOf<
      Effect.Effect<Option.Option<User>, never, Auth | HttpServerRequest.HttpServerRequest>
    >()
    expectTypeOf(HttpSession.layerCookies).toEqualTypeOf<Layer.Layer<HttpSession.Cookies>>()
    expectTypeOf(HttpSession.security("auth")).toEqualTypeOf<HttpApiSecurity.ApiKey>()
  })

  it("Flash: set fails only as a write can, take only when the cookie cannot be cleared", () => {
    class Notice extends Flash.Tag<Notice>()("api/Notice", { schema: User, cookieName: "flash", password }) {}
    type SetError = Exclude<SaveError, Errors.SessionDestroyedError>
    expectTypeOf(Notice.set).toEqualTypeOf<(value: User) => Effect.Effect<void, SetError, Notice | Store>>()
    expectTypeOf(Notice.take).toEqualTypeOf<
      Effect.Effect<Option.Option<User>, Errors.CookieNotWritableError, Notice | Store>
    >()
    expectTypeOf(Notice.peek).toEqualTypeOf<Effect.Effect<Option.Option<User>, never, Notice | Store>>()
    expectTypeOf(Notice.layer).toEqualTypeOf<Layer.Layer<Notice, Session.LayerError>>()
    expectTypeOf<Flash.SetError>().toEqualTypeOf<SetError>()
    expectTypeOf(Flash.make({ schema: User, cookieName: "f", password })).toEqualTypeOf<
      Effect.Effect<Flash.Flash<User>, Session.LayerError>
    >()
  })

  it("Csrf: the middleware adds CsrfError, and needs the token service only with tokens", () => {
    const app = Effect.succeed(1 as const)
    type Request = HttpServerRequest.HttpServerRequest
    expectTypeOf(Csrf.middleware()(app)).toEqualTypeOf<Effect.Effect<1, Csrf.CsrfError, Request>>()
    expectTypeOf(Csrf.middleware({ allowedOrigins: ["https://a.example"] })(app)).toEqualTypeOf<
      Effect.Effect<1, Csrf.CsrfError, Request>
    >()
    expectTypeOf(Csrf.middleware({ token: true })(app)).toEqualTypeOf<
      Effect.Effect<1, Csrf.CsrfError, Request | Csrf.Csrf>
    >()
    const unknown: Csrf.MiddlewareOptions = {}
    expectTypeOf(Csrf.middleware(unknown)(app)).toEqualTypeOf<Effect.Effect<1, Csrf.CsrfError, Request | Csrf.Csrf>>()
    type TokenError = Errors.CookieNotWritableError | Errors.InvalidOptionError
    expectTypeOf(Csrf.token).toEqualTypeOf<Effect.Effect<string, TokenError, Csrf.Csrf | Store>>()
    expectTypeOf(Csrf.rotate).toEqualTypeOf<Effect.Effect<void, TokenError, Csrf.Csrf | Store>>()
    expectTypeOf(Csrf.verify).toEqualTypeOf<
      (token: string | null | undefined) => Effect.Effect<void, Csrf.CsrfError, Csrf.Csrf | Store>
    >()
    expectTypeOf(Csrf.layer({ password: Config.redacted("P") })).toEqualTypeOf<
      Layer.Layer<Csrf.Csrf, Session.LayerError>
    >()
    expectTypeOf(Csrf.checkOrigin()).toEqualTypeOf<(request: globalThis.Request) => Csrf.CsrfError | undefined>()
    // Bound to a declared session, the token service needs it; bound to a Session value, nothing more.
    class Auth extends Session.Tag<Auth>()("api/CsrfAuth", { schema: User, cookieName: "a", password, track: true }) {}
    expectTypeOf(Csrf.layer({ password, session: Auth })).toEqualTypeOf<
      Layer.Layer<Csrf.Csrf, Session.LayerError, Auth>
    >()
    const value = Session.make({ schema: User, cookieName: "v", password, track: true })
    expectTypeOf(Effect.flatMap(value, (session) => Csrf.make({ password, session }))).toEqualTypeOf<
      Effect.Effect<Csrf.Csrf, Session.LayerError>
    >()
    expectTypeOf<Csrf.CsrfError["reason"]>().toEqualTypeOf<Csrf.Reason>()
    expectTypeOf<Csrf.Reason>().toEqualTypeOf<"cross-origin" | "missing-origin" | "missing-token" | "bad-token">()
  })

  it("Testing: cookies are made by the session's set, without the errors a fresh store cannot give", () => {
    type WriteError = Exclude<SaveError, Errors.SessionDestroyedError | Errors.CookieNotWritableError>
    const ada = { id: 1, signedInAt: new Date() }
    expectTypeOf(Testing.cookieHeader(Auth, ada)).toEqualTypeOf<Effect.Effect<string, WriteError, Auth>>()
    expectTypeOf(Testing.cookies(Auth, ada)).toEqualTypeOf<
      Effect.Effect<Readonly<Record<string, string>>, WriteError, Auth>
    >()
    expectTypeOf(Testing.withSession(Auth, ada)).toEqualTypeOf<
      Layer.Layer<Store | Testing.MemoryStore, WriteError, Auth>
    >()
    expectTypeOf(Testing.layerCookies()).toEqualTypeOf<Layer.Layer<Store | Testing.MemoryStore>>()
    expectTypeOf(Effect.map(Testing.MemoryStore, (store) => store.setCookieHeaders)).toEqualTypeOf<
      Effect.Effect<ReadonlyArray<string>, never, Testing.MemoryStore>
    >()
    expectTypeOf(Testing.ironSessionCookie).returns.toEqualTypeOf<Promise<string>>()
    // @ts-expect-error: a value the session's schema does not describe
    Testing.cookieHeader(Auth, { id: "1" })
  })
  it("Revocation: operations fail only when the store is unavailable; a Redis layer also when it cannot connect", () => {
    type Unavailable = Errors.RevocationUnavailableError
    type Revoked = Option.Option<"session" | "subject">
    expectTypeOf<Revocation.Revocation["check"]>().toEqualTypeOf<
      (session: Revocation.SessionRef) => Effect.Effect<Revoked, Unavailable>
    >()
    expectTypeOf<Revocation.Revocation["revokeSession"]>().toEqualTypeOf<
      (sessionId: string, expiresAt: number) => Effect.Effect<void, Unavailable>
    >()
    expectTypeOf<Revocation.Revocation["revokeSubject"]>().toEqualTypeOf<
      (subject: string, at: number, retainUntil: number) => Effect.Effect<void, Unavailable>
    >()
    expectTypeOf<Revocation.SessionRef>().toEqualTypeOf<{
      readonly id: string
      readonly subject?: string | undefined
      readonly signedInAt: number
    }>()
    // A Reference: sessions find the in-memory default without any layer.
    expectTypeOf(Revocation.Revocation).toEqualTypeOf<Context.Reference<Revocation.Revocation, Revocation.Revocation>>()
    expectTypeOf<Effect.Effect.Context<typeof Revocation.Revocation>>().toEqualTypeOf<never>()
    expectTypeOf(Revocation.makeMemory).toEqualTypeOf<Effect.Effect<Revocation.Revocation>>()
    expectTypeOf(Revocation.layerMemory).toEqualTypeOf<Layer.Layer<Revocation.Revocation>>()
    expectTypeOf(KeyValueStoreEntry.makeKeyValueStore).toEqualTypeOf<
      Effect.Effect<Revocation.Revocation, never, KeyValueStore.KeyValueStore>
    >()
    expectTypeOf(KeyValueStoreEntry.layerKeyValueStore).toEqualTypeOf<
      Layer.Layer<Revocation.Revocation, never, KeyValueStore.KeyValueStore>
    >()
    expectTypeOf(RedisEntry.makeRedis({ url: "redis://localhost" })).toEqualTypeOf<
      Effect.Effect<Revocation.Revocation, Unavailable, Scope.Scope>
    >()
    expectTypeOf(RedisEntry.layerRedis({ url: "redis://localhost" })).toEqualTypeOf<
      Layer.Layer<Revocation.Revocation, Unavailable>
    >()
    expectTypeOf(RedisEntry.layerRedis).toBeCallableWith({ client: {} as Redis, prefix: "app:", timeout: "100 millis" })
    // @ts-expect-error: a url or a client, not both
    expectTypeOf(RedisEntry.layerRedis).toBeCallableWith({ url: "redis://localhost", client: {} as Redis })
    // @ts-expect-error: a url or a client, not neither
    expectTypeOf(RedisEntry.layerRedis).toBeCallableWith({ prefix: "app:" })
    expectTypeOf(RedisEntry.layerRedisConfig({ url: Config.redacted("REDIS_URL") })).toEqualTypeOf<
      Layer.Layer<Revocation.Revocation, Unavailable | ConfigError.ConfigError>
    >()
    expectTypeOf(Revocation.cached({ timeToLive: "2 seconds", capacity: 100 })).toEqualTypeOf<
      (self: Revocation.Revocation) => Effect.Effect<Revocation.Revocation>
    >()
    expectTypeOf(Revocation.lookups).toEqualTypeOf<Metric.Metric.Counter<number>>()
    expectTypeOf(Revocation.lookupDuration).toEqualTypeOf<
      Metric.Metric<MetricKeyType.MetricKeyType.Histogram, Duration.Duration, MetricState.MetricState.Histogram>
    >()
  })

  it("Next: the runtime provides the app's services and Next the CookieStore; handlers keep their own types", () => {
    const runtime = Next.makeRuntime("api/Next", Strict.layer)
    expectTypeOf(runtime).toEqualTypeOf<ManagedRuntime.ManagedRuntime<Strict, Session.LayerError>>()
    expectTypeOf(Next.makeRuntime).toEqualTypeOf<
      <R, E>(key: string, layer: Layer.Layer<R, E>) => ManagedRuntime.ManagedRuntime<R, E>
    >()
    expectTypeOf(Next.dispose).toEqualTypeOf<() => Promise<void>>()
    const GET = Next.route(runtime, () => Effect.as(Strict.get, new Response()))
    expectTypeOf(GET).toEqualTypeOf<(request: Request, context: unknown) => Promise<Response>>()
    type Context = { readonly params: Promise<{ readonly id: string }> }
    const byId = Next.route(runtime, (request: NextRequest, context: Context) =>
      Effect.as(
        Effect.promise(() => context.params),
        new Response(request.nextUrl.pathname),
      ),
    )
    expectTypeOf(byId).toEqualTypeOf<(request: NextRequest, context: Context) => Promise<Response>>()
    // onError sees exactly the handler's failures.
    Next.route(runtime, () => Effect.as(Strict.save, new Response()), {
      onError: (error) => {
        expectTypeOf(error).toEqualTypeOf<SaveError | InvalidCookie>()
        return undefined
      },
    })
    expectTypeOf<Next.RouteOptions<InvalidCookie>["onError"]>().toEqualTypeOf<
      ((error: InvalidCookie) => Response | undefined) | undefined
    >()
    const act = Next.action(runtime, (formData: FormData, n: number) =>
      Effect.as(Strict.get, formData.has("x") ? n : 0),
    )
    expectTypeOf(act).toEqualTypeOf<(formData: FormData, n: number) => Promise<number>>()
    // Not called: run reads the request's cookies, and there is no request here.
    const inAComponent = () => {
      expectTypeOf(Next.run(runtime, Strict.get)).toEqualTypeOf<Promise<Option.Option<User>>>()
      // @ts-expect-error: a service the runtime does not provide
      Next.run(runtime, Auth.get)
      // @ts-expect-error: an action needing a service the runtime does not provide
      Next.action(runtime, () => Auth.get)
    }
    expect(inAComponent).toBeTypeOf("function")
  })
})
