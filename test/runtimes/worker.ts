/**
 * The conformance entry for workerd: a Worker that runs the checks on the
 * input POSTed to it and answers with the report. Bundled with esbuild to
 * `.out/worker.mjs`, the package taken from `dist/` through its `exports`.
 */
import { run, runtimeName } from "./conformance.js"
import type { Input } from "./protocol.js"

export default {
  async fetch(request: Request): Promise<Response> {
    const input = (await request.json()) as Input
    return Response.json(await run(input, { runtime: runtimeName(), resolved: undefined }))
  },
}
