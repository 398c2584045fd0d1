/**
 * The same session through the Effect API: a `Session.Tag` whose `Schema`
 * describes the cookie that `lib/session.ts` describes for the facade. The
 * seal, the cookie name and the password are the same, so the Effect routes,
 * the facade's routes and `proxy.ts` read and write one cookie; here
 * `signedInAt` decodes to a `Date` (the cookie holds a number, as
 * iron-session 9 writes it).
 *
 * `AppRuntime` is the app's Effect runtime: `Next.makeRuntime` builds its
 * layers once, on the first request, and keeps it across requests and
 * `next dev` reloads. Next bundles Route Handlers apart from pages and their
 * Server Actions, each bundle with its own copy of this module, and each
 * copy keeps a runtime of its own.
 */
import { Config, Data, Effect, Layer, Redacted, Schema } from "effect"
import { Session } from "effect-iron-session"
import * as Next from "effect-iron-session/Next"
import { sessionPassword } from "./password"
import { cookieName } from "./session"

export const SessionSchema = Schema.Struct({
  username: Schema.optional(Schema.String),
  /** A `Date` in the app, a number of milliseconds in the cookie. */
  signedInAt: Schema.optional(Schema.DateFromNumber),
  counter: Schema.optional(Schema.Number),
  lastSeen: Schema.optional(Schema.Number),
})

export type SessionValue = typeof SessionSchema.Type

export class UserSession extends Session.Tag<UserSession>()("examples/next/UserSession", {
  schema: SessionSchema,
  cookieName,
  // Read when the layer is built (the first request, or instrumentation.ts), not when `next build` loads this module.
  password: Config.sync(() => Redacted.make(sessionPassword())),
  ttl: "7 days",
}) {}

/** The app's own failure: a route or an action that needs a signed-in user. */
export class NotSignedIn extends Data.TaggedError("NotSignedIn") {}

export const AppRuntime = Next.makeRuntime(
  "examples/next",
  Layer.mergeAll(
    UserSession.layer,
    // Once per server bundle, not per request (the browser test counts these lines); under
    // `next dev`, an edit to this file closes the runtime and builds a new one.
    Layer.scopedDiscard(
      Effect.acquireRelease(Effect.logInfo("Effect runtime built"), () => Effect.logInfo("Effect runtime closed")),
    ),
  ),
)
