/**
 * Serves the example on http://127.0.0.1:3000 (`PORT` to change it):
 *
 *   npm install && npm start
 *
 * Settings, all optional in development: `SESSION_PASSWORD` (required in
 * production), `REDIS_URL` (revocations in Redis instead of memory),
 * `SESSION_IDLE`, `SESSION_ABSOLUTE`, `SESSION_REFRESH`, `SESSION_FRESH`,
 * `COOKIE_SECURE`.
 *
 * When it cannot start (a production app without a password, Redis out of
 * reach, a bad setting) it prints one line saying why and exits with 1.
 */
import { createServer } from "node:http"
import { HttpMiddleware, HttpServer } from "@effect/platform"
import { NodeHttpServer, NodeRuntime } from "@effect/platform-node"
import { Cause, ConfigError, Console, Effect, Layer, Option } from "effect"
import { AppLayer, app } from "./app.js"

const port = Number(process.env.PORT ?? 3000)

const Server = HttpServer.serve(app, HttpMiddleware.logger).pipe(
  HttpServer.withLogAddress,
  Layer.provide(AppLayer),
  Layer.provide(NodeHttpServer.layer(createServer, { port, host: "127.0.0.1" })),
)

/** A start-up failure in one line: a setting's path and problem, or the error's own message. */
const oneLine = (error: unknown) =>
  ConfigError.isConfigError(error) ? String(error) : error instanceof Error ? error.message : String(error)

const main = Layer.launch(Server).pipe(
  Effect.tapErrorCause((cause) =>
    Cause.isInterruptedOnly(cause)
      ? Effect.void
      : Console.error(
          Option.match(Cause.failureOption(cause), {
            onSome: (error) => `The example app cannot start: ${oneLine(error)}`,
            onNone: () => Cause.pretty(cause),
          }),
        ),
  ),
)

// Errors are reported above, in one line; runMain still exits with 1 on failure.
NodeRuntime.runMain(main, { disableErrorReporting: true })
