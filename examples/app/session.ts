/**
 * The example's session: who signed in, when (a real `Date`), and a counter.
 */
import { Config, ConfigError, Effect, Either, Layer, Option, Redacted, Schema } from "effect"
import { Session } from "effect-iron-session"

export const Profile = Schema.Struct({
  name: Schema.Trim.pipe(Schema.nonEmptyString(), Schema.maxLength(40)),
  signedInAt: Schema.DateFromNumber,
  counter: Schema.Int,
})
export type Profile = typeof Profile.Type

/** Only for trying the example out: anyone who reads this file can forge its sessions. */
export const DEVELOPMENT_PASSWORD = "development-only-password-do-not-use-in-production"

const isProduction = Config.string("NODE_ENV").pipe(
  Config.withDefault("development"),
  Config.map((env) => env === "production"),
)

/**
 * `SESSION_PASSWORD`, or in development a fixed password. In production a
 * missing password stops the app at start-up rather than signing sessions
 * with a password everyone knows.
 */
export const sessionPassword = Config.redacted("SESSION_PASSWORD").pipe(
  Config.orElse(() =>
    isProduction.pipe(
      Config.mapOrFail((production) =>
        production
          ? Either.left(
              ConfigError.MissingData(
                ["SESSION_PASSWORD"],
                "SESSION_PASSWORD must be set in production (32 characters or more).",
              ),
            )
          : Either.right(Redacted.make(DEVELOPMENT_PASSWORD)),
      ),
    ),
  ),
)

export const cookieName = "example_session"

/**
 * `Secure` cookies: `COOKIE_SECURE` when set, else on in production. The
 * example serves plain http on 127.0.0.1 in development.
 */
export const cookieSecure = Config.boolean("COOKIE_SECURE").pipe(Config.orElse(() => isProduction))

export class Auth extends Session.Tag<Auth>()("example/Auth", {
  schema: Profile,
  cookieName,
  password: sessionPassword,
  ttl: "7 days",
  cookieOptions: { secure: cookieSecure },
}) {}

/** Says so on the console when the development password is in use. */
export const warnAboutDevelopmentPassword = Layer.effectDiscard(
  Effect.gen(function* () {
    const configured = yield* Config.option(Config.redacted("SESSION_PASSWORD"))
    if (Option.isNone(configured)) {
      yield* Effect.logWarning(
        "SESSION_PASSWORD is not set: using a fixed development password. Set SESSION_PASSWORD (32+ characters) for anything real.",
      )
    }
  }),
)
