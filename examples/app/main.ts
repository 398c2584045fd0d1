/**
 * Serves the example on http://127.0.0.1:3000 (`PORT` to change it):
 *
 *   npm install && npm start
 */
import { createServer } from "node:http"
import { HttpMiddleware, HttpServer } from "@effect/platform"
import { NodeHttpServer, NodeRuntime } from "@effect/platform-node"
import { Layer } from "effect"
import { AppLayer, app } from "./app.js"

const port = Number(process.env.PORT ?? 3000)

const Server = HttpServer.serve(app, HttpMiddleware.logger).pipe(
  HttpServer.withLogAddress,
  Layer.provide(AppLayer),
  Layer.provide(NodeHttpServer.layer(createServer, { port, host: "127.0.0.1" })),
)

NodeRuntime.runMain(Layer.launch(Server))
