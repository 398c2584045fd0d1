/**
 * The example's sessions and settings: who signed in (a rolling session with
 * revocation), a flash for the next page, and what start-up checks first.
 */
import { Config, ConfigError, Context, Data, Duration, Effect, Either, Layer, Option, Redacted, Schema } from "effect"
import { Flash, Revocation, Session } from "effect-iron-session"
import { layerRedis } from "effect-iron-session/Redis"

/**
 * The session's data: who you are and a counter. When you signed in, when it
 * was last written and its id are not here: the session keeps them in its own
 * record (`~session`, sealed beside the data), read through `Auth.signedInAt`.
 */
export const Profile = Schema.Struct({
  name: Schema.Trim.pipe(Schema.nonEmptyString(), Schema.maxLength(40)),
  counter: Schema.Int,
})
export type Profile = typeof Profile.Type

/** Only for trying the example out: anyone who reads this file can forge its sessions. */
export const DEVELOPMENT_PASSWORD = "development-only-password-do-not-use-in-production"

const isProduction = Config.string("NODE_ENV").pipe(
  Config.withDefault("development"),
  Config.map((env) => env === "production"),
)

/** Why the app will not start, in words that say what to do. */
export class StartupError extends Data.TaggedError("StartupError")<{ readonly message: string }> {}

const productionWithoutPassword =
  "SESSION_PASSWORD is not set, and NODE_ENV is production. Set SESSION_PASSWORD to a secret of 32 characters or more (openssl rand -base64 32)."

/**
 * `SESSION_PASSWORD`, or in development a fixed password. In production a
 * missing password stops the app at start-up (see {@link checkPassword},
 * which says so first) rather than signing sessions with a password everyone
 * knows.
 */
export const sessionPassword = Config.redacted("SESSION_PASSWORD").pipe(
  Config.orElse(() =>
    isProduction.pipe(
      Config.mapOrFail((production) =>
        production
          ? Either.left(ConfigError.MissingData(["SESSION_PASSWORD"], productionWithoutPassword))
          : Either.right(Redacted.make(DEVELOPMENT_PASSWORD)),
      ),
    ),
  ),
)

/**
 * Runs before anything else is built: without `SESSION_PASSWORD` it stops a
 * production app with one clear message, and in development warns that the
 * fixed password is in use (never printing it). It must come first: a warning
 * about the development password followed by a refusal would say two
 * contradicting things.
 */
export const checkPassword: Layer.Layer<never, StartupError | ConfigError.ConfigError> = Layer.effectDiscard(
  Effect.gen(function* () {
    if (Option.isSome(yield* Config.option(Config.redacted("SESSION_PASSWORD")))) return
    if (yield* isProduction) return yield* new StartupError({ message: productionWithoutPassword })
    yield* Effect.logWarning(
      "SESSION_PASSWORD is not set: using a fixed development password. Set SESSION_PASSWORD (32+ characters) for anything real.",
    )
  }),
)

export const cookieName = "example_session"

/**
 * `Secure` cookies: `COOKIE_SECURE` when set, else on in production. The
 * example serves plain http on 127.0.0.1 in development.
 */
export const cookieSecure = Config.boolean("COOKIE_SECURE").pipe(Config.orElse(() => isProduction))

const duration = (name: string, fallback: Duration.DurationInput) =>
  Config.duration(name).pipe(Config.withDefault(Duration.decode(fallback)))

/** The session ends after this long without a write: short, so that the demo shows it. */
export const idleTimeout = duration("SESSION_IDLE", "2 minutes")
/** The session ends this long after sign-in, however active the user is. */
export const absoluteLifetime = duration("SESSION_ABSOLUTE", "1 hour")
/** A page opened this long after the last write seals the session again; half the idle timeout unless set. */
export const refreshAfter = Config.all([Config.option(Config.duration("SESSION_REFRESH")), idleTimeout]).pipe(
  Config.map(([refresh, idle]) => Option.getOrElse(refresh, () => Duration.unsafeDivide(idle, 2))),
)
/** How recent a sign-in "Delete my data" needs. */
export const freshFor = duration("SESSION_FRESH", "5 minutes")

/**
 * Who is signed in. Rolling: it ends after `SESSION_IDLE` without activity
 * and `SESSION_ABSOLUTE` after sign-in, and a page opened more than
 * `SESSION_REFRESH` after the last write writes it again. Revocable: signing
 * out revokes this session's id, "sign out everywhere" every session of the
 * same name (the subject), in the store `RevocationLive` provides.
 */
export class Auth extends Session.Tag<Auth>()("example/Auth", {
  schema: Profile,
  cookieName,
  password: sessionPassword,
  rolling: { idle: idleTimeout, absolute: absoluteLifetime, refresh: refreshAfter },
  revocation: { subject: (user) => user.name },
  cookieOptions: {
    secure: cookieSecure,
    // The library keeps a rolling session's cookie until the absolute
    // deadline, so an idle ending reaches the server and can be explained. This
    // demo keeps it a whole lifetime past each write, so that the sign-in page
    // can say why at the absolute deadline too; the seal inside still ends at
    // the idle or absolute deadline, whichever comes first.
    maxAge: absoluteLifetime,
  },
}) {}

/** A message for the next page ("You are signed out"), shown once. */
export class Notice extends Flash.Tag<Notice>()("example/Notice", {
  schema: Schema.String,
  cookieName: "example_flash",
  password: sessionPassword,
  cookieOptions: { secure: cookieSecure },
}) {}

/**
 * Where revocations are kept: Redis when `REDIS_URL` is set (shared by every
 * instance of the app; start-up fails when it cannot be reached), else one
 * store in this process's memory.
 */
export const RevocationLive: Layer.Layer<Revocation.Revocation, StartupError | ConfigError.ConfigError> =
  Layer.unwrapEffect(
    Effect.map(
      Config.option(Config.redacted("REDIS_URL")),
      Option.match({
        onNone: () => Revocation.layerMemory,
        onSome: (url) =>
          layerRedis({ url }).pipe(
            // The error's detail never holds the URL (which may hold a password).
            Layer.mapError(
              (error) =>
                new StartupError({
                  message: `REDIS_URL is set, but Redis cannot be reached (${error.detail}). Start Redis, correct REDIS_URL, or unset it to keep revocations in memory.`,
                }),
            ),
          ),
      }),
    ),
  )

/** What the pages say about the session's timing and where revocations live. */
export class Settings extends Context.Tag("example/Settings")<
  Settings,
  {
    readonly idle: Duration.Duration
    readonly absolute: Duration.Duration
    readonly refresh: Duration.Duration
    readonly fresh: Duration.Duration
    readonly store: "memory" | "redis"
  }
>() {
  static readonly layer = Layer.effect(
    Settings,
    Effect.gen(function* () {
      const redis = yield* Config.option(Config.redacted("REDIS_URL"))
      return {
        idle: yield* idleTimeout,
        absolute: yield* absoluteLifetime,
        refresh: yield* refreshAfter,
        fresh: yield* freshFor,
        store: Option.isSome(redis) ? ("redis" as const) : ("memory" as const),
      }
    }),
  )
}
