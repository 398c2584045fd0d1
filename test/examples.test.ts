import { type ChildProcess, execFile, spawn } from "node:child_process"
import { createRequire } from "node:module"
import { promisify } from "node:util"
import { describe, expect, it } from "@effect/vitest"
import { cookieHeaderFrom } from "./helpers/server.js"

const root = new URL("../", import.meta.url)
const tsx = createRequire(import.meta.url).resolve("tsx/cli")

const waitForLine = (child: ChildProcess, pattern: RegExp) =>
  new Promise<string>((resolve, reject) => {
    let out = ""
    child.stdout?.on("data", (chunk: Buffer) => {
      out += chunk.toString()
      const match = out.match(pattern)
      if (match) resolve(match[0])
    })
    child.on("exit", (code) => reject(new Error(`exited with ${code}: ${out}`)))
  })

describe("the examples run", () => {
  it("examples/seal.ts seals, opens, and shows the typed failures", async () => {
    const { stdout } = await promisify(execFile)(process.execPath, [tsx, "examples/seal.ts"], { cwd: root })
    expect(stdout).toContain("(a Date)")
    expect(stdout).toContain("tampered: BadSealError")
    expect(stdout).toContain("two hours later: SealExpiredError")
  })

  it("examples/node-http.ts counts visits in a typed session cookie", async () => {
    const child = spawn(process.execPath, [tsx, "examples/node-http.ts"], {
      cwd: root,
      env: { ...process.env, PORT: "0", SESSION_PASSWORD: "a-test-password-of-at-least-32-characters" },
    })
    try {
      const url = await waitForLine(child, /http:\/\/127\.0\.0\.1:\d+/)
      const first = await fetch(url)
      expect(await first.text()).toMatch(/^Visit number 1, first seen /)
      const cookie = cookieHeaderFrom(first.headers.getSetCookie()).header
      const second = await fetch(url, { headers: { cookie } })
      expect(await second.text()).toMatch(/^Visit number 2, first seen /)
    } finally {
      child.kill()
    }
  })

  it("examples/node-http.ts stops before it listens when SESSION_PASSWORD is missing or short", async () => {
    for (const value of [undefined, "short"]) {
      const env: NodeJS.ProcessEnv = { ...process.env, PORT: "0" }
      delete env.SESSION_PASSWORD
      if (value !== undefined) env.SESSION_PASSWORD = value
      const result = await promisify(execFile)(process.execPath, [tsx, "examples/node-http.ts"], {
        cwd: root,
        env,
        timeout: 30_000,
      }).then(
        () => ({ code: 0, stdout: "", stderr: "" }),
        (error: { code: number; stdout: string; stderr: string }) => error,
      )
      expect(result.code).toBe(1)
      expect(result.stdout).not.toContain("http://")
      expect(result.stderr).toMatch(value === undefined ? /Cannot start: .*SESSION_PASSWORD/ : /shorter than 32/)
    }
  }, 120_000)
})
