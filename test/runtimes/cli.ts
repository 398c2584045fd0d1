/**
 * The conformance entry for runtimes that run a file: Node, Bun and Deno. The
 * input is the first argument (JSON); the report is the one line printed.
 *
 * Bundled to `.out/cli.mjs` with every package left external, so
 * `effect-iron-session/promise` resolves at run time through the package's own
 * `exports` (a self-reference), to `dist/`, as in an app that installed it.
 */
import { run, runtimeName } from "./conformance.js"
import type { Input } from "./protocol.js"

const args = (globalThis as { Deno?: { args: ReadonlyArray<string> } }).Deno?.args ?? process.argv.slice(2)
const input = JSON.parse(args[0] ?? "null") as Input

const report = await run(input, {
  runtime: runtimeName(),
  resolved: import.meta.resolve("effect-iron-session/promise"),
})
console.log(JSON.stringify(report))
