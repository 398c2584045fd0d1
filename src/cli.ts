#!/usr/bin/env node
/**
 * The `effect-iron-session` command (`npx effect-iron-session inspect`,
 * `npx effect-iron-session password`): `process`'s values handed to
 * `internal/nodeCli.ts`, where the work is and the tests run it.
 *
 * @internal
 */
import { main } from "./internal/nodeCli.js"

const readStdin = async (): Promise<string | undefined> => {
  // A terminal has nothing piped in: waiting on it would hang with no prompt.
  if (process.stdin.isTTY) return undefined
  let text = ""
  process.stdin.setEncoding("utf8")
  for await (const chunk of process.stdin) text += chunk
  return text
}

process.exitCode = await main(process.argv.slice(2), {
  env: process.env,
  stdin: readStdin,
  now: Date.now(),
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
})
