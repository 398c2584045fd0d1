/**
 * `npx effect-iron-session inspect` and `password`, run in-process through
 * `main` on real seals: iron-session 9's `sealData` and its chunked cookies,
 * @hapi/iron's, the facade's, the Effect API's purpose-bound tokens and the
 * kernel's lifecycle records. Every run's output is checked not to hold a
 * password (`run` asserts it), whatever the outcome. The last test runs the
 * built `dist/cli.js` as the bin would be run.
 */
import { execFileSync, spawnSync } from "node:child_process"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { afterAll, describe, expect, it } from "@effect/vitest"
import * as HapiIron from "@hapi/iron"
import { Effect } from "effect"
import { Seal } from "effect-iron-session"
import * as facade from "effect-iron-session/promise"
import * as ironSession from "iron-session"
import { nodeCrypto } from "../src/internal/kernel/crypto/node.js"
import * as iron from "../src/internal/kernel/iron.js"
import { main } from "../src/internal/nodeCli.js"

const password = "dummy-inspector-password-of-at-least-32-chars"
const older = "an-older-dummy-password-that-is-32-chars-long"
const other = "somebody-elses-password-of-at-least-32-chars"
const secrets = [password, older, other]

const dir = mkdtempSync(join(tmpdir(), "cli-test-"))
afterAll(() => rmSync(dir, { recursive: true, force: true }))
const file = (name: string, text: string) => {
  const path = join(dir, name)
  writeFileSync(path, text)
  return path
}

interface Run {
  readonly code: number
  readonly stdout: string
  readonly stderr: string
}

/** Runs the command in-process, and checks that no password reached either stream. */
const run = async (
  argv: ReadonlyArray<string>,
  io: { env?: Record<string, string>; stdin?: string; now?: number } = {},
): Promise<Run> => {
  let stdout = ""
  let stderr = ""
  const code = await main(argv, {
    env: io.env ?? { SESSION_PASSWORD: password },
    stdin: () => io.stdin,
    now: io.now ?? Date.now(),
    stdout: (text) => {
      stdout += text
    },
    stderr: (text) => {
      stderr += text
    },
  })
  for (const secret of secrets) {
    expect(stdout).not.toContain(secret)
    expect(stderr).not.toContain(secret)
  }
  return { code, stdout, stderr }
}

const json = (out: Run) => JSON.parse(out.stdout) as Record<string, unknown>

/** The `Cookie` header a browser sends back for a response's `Set-Cookie`s. */
const cookieHeader = (response: Response): string =>
  response.headers
    .getSetCookie()
    .map((line) => line.split(";")[0] as string)
    .filter((pair) => !pair.endsWith("="))
    .join("; ")

/** A session saved by iron-session 9's `getIronSession` over a web Request and Response, as its browser sends it back. */
const ironSessionCookie = async (data: Record<string, unknown>, options: Partial<ironSession.SessionOptions> = {}) => {
  const response = new Response()
  const session = await ironSession.getIronSession<Record<string, unknown>>(
    new Request("http://localhost/"),
    response,
    {
      password,
      cookieName: "app_session",
      ...options,
    },
  )
  Object.assign(session, data)
  await session.save()
  return cookieHeader(response)
}

/** A header as a browser sends it when a proxy or the browser itself dropped one chunk. */
const withoutChunk = (header: string, index: number) =>
  header
    .split("; ")
    .filter((pair) => !pair.startsWith(`app_session.${index}=`))
    .join("; ")

describe("inspect, on a seal that opens", () => {
  it("says that an iron-session 9 seal opens, with which password id, when it expires and about when it was sealed", async () => {
    const sealed = await ironSession.sealData({ userId: 42 }, { password })
    const expiration = Number(sealed.split("*")[5])
    const now = expiration - 14 * 86_400_000 + 3_600_000
    const out = await run(["inspect", sealed], { now })
    expect(out.code).toBe(0)
    expect(out.stdout).toMatch(/Opens: +yes, with password id 1/)
    expect(out.stdout).toContain(`${new Date(expiration).toISOString()} (in 13 days 23 hours)`)
    expect(out.stdout).toMatch(/Sealed: +about \S+Z \(1 hour ago\)\. An estimate/)
    expect(out.stdout).toContain("ttl of 14 days")
    expect(out.stderr).toBe("")
    // A few milliseconds short of 14 days reads as 14 days, not 13 days 23 hours.
    expect((await run(["inspect", sealed], { now: expiration - 14 * 86_400_000 + 20 })).stdout).toContain(
      "(in 14 days)",
    )
  })

  it("keeps the session data hidden unless --show-data is given", async () => {
    const sealed = await ironSession.sealData({ userId: 42, email: "ada@example.com" }, { password })
    const hidden = await run(["inspect", sealed])
    expect(hidden.stdout).not.toContain("ada@example.com")
    expect(hidden.stdout).toContain("hidden (pass --show-data to print it)")
    const hiddenJson = json(await run(["inspect", sealed, "--json"]))
    expect(hiddenJson).not.toHaveProperty("data")
    const shown = await run(["inspect", sealed, "--show-data"])
    expect(shown.stdout).toContain('"email": "ada@example.com"')
    expect(json(await run(["inspect", sealed, "--show-data", "--json"])).data).toEqual({
      userId: 42,
      email: "ada@example.com",
    })
  })

  it("prints one JSON object with --json, the sealing time estimated from --ttl", async () => {
    const now = Date.now()
    const sealed = await ironSession.sealData({ n: 1 }, { password, ttl: 3600 })
    const out = await run(["inspect", sealed, "--json", "--ttl", "3600"], { now })
    expect(out.code).toBe(0)
    const report = json(out)
    expect(report).toMatchObject({ opens: true, passwordId: "1", purpose: null, sealedAt: { ttlSeconds: 3600 } })
    const expiresAt = Date.parse(report.expiresAt as string)
    expect(Math.abs(expiresAt - (now + 3_600_000))).toBeLessThan(5000)
    const sealedAt = Date.parse((report.sealedAt as { estimate: string }).estimate)
    expect(Math.abs(sealedAt - now)).toBeLessThan(5000)
  })

  it("reads a whole Cookie header, with or without its prefix, and picks the session by --name", async () => {
    const sealed = await facade.sealData({ n: 1 }, { password })
    const elsewhere = await facade.sealData({ n: 2 }, { password: other })
    const header = `theme=dark; app_session=${sealed}; other=${elsewhere}`
    for (const input of [header, `Cookie: ${header}`]) {
      const out = await run(["inspect", input, "--name", "app_session", "--json"])
      expect([out.code, json(out).cookieName, json(out).opens]).toEqual([0, "app_session", true])
    }
    const ambiguous = await run(["inspect", header])
    expect(ambiguous.code).toBe(2)
    expect(ambiguous.stderr).toContain("theme, app_session, other")
    expect(ambiguous.stderr).toContain("--name")
  })

  it("finds the one seal of a header without --name", async () => {
    const sealed = await facade.sealData({ n: 1 }, { password })
    const out = await run(["inspect", `Cookie: theme=dark; app_session=${sealed}`, "--json"])
    expect([out.code, json(out).cookieName]).toEqual([0, "app_session"])
  })

  it("reads the cookie from stdin when none is given as an argument", async () => {
    const sealed = await ironSession.sealData({ n: 1 }, { password })
    const out = await run(["inspect"], { stdin: `${sealed}\n` })
    expect(out.code).toBe(0)
    const none = await run(["inspect"])
    expect(none.code).toBe(2)
    expect(none.stderr).toContain("stdin")
  })

  it("joins the chunks of a large session saved by iron-session 9's getIronSession with chunk: true", async () => {
    const header = await ironSessionCookie({ blob: "y".repeat(5000) }, { chunk: true })
    expect(header.split("; ").map((pair) => pair.split("=")[0])).toEqual(["app_session.0", "app_session.1"])
    const out = await run(["inspect", header, "--json"])
    expect(out.code).toBe(0)
    expect(json(out)).toMatchObject({ opens: true, cookieName: "app_session", chunks: { present: [0, 1], read: 2 } })
  })

  it("opens with a keyring from --password-file, naming the id that sealed", async () => {
    const sealed = await ironSession.sealData({ n: 1 }, { password: { 1: older, 2: password } })
    const keyring = file("keyring.json", `${JSON.stringify({ 1: older, 2: password })}\n`)
    const out = await run(["inspect", sealed, "--password-file", keyring], { env: {} })
    expect(out.code).toBe(0)
    expect(out.stdout).toMatch(/Opens: +yes, with password id 2/)
    const old = await ironSession.sealData({ n: 1 }, { password: { 1: older } })
    expect(json(await run(["inspect", old, "--password-file", keyring, "--json"], { env: {} })).passwordId).toBe("1")
  })

  it("takes a single password from a file without its trailing newline, and from another variable with --password-env", async () => {
    const sealed = await ironSession.sealData({ n: 1 }, { password })
    const single = file("password.txt", `${password}\n`)
    expect((await run(["inspect", sealed, "--password-file", single], { env: {} })).code).toBe(0)
    expect(
      (await run(["inspect", sealed, "--password-env", "APP_SECRET"], { env: { APP_SECRET: password } })).code,
    ).toBe(0)
  })

  it("opens a seal of @hapi/iron made with a plain password, which names no password id", async () => {
    const sealed = await HapiIron.seal({ n: 1 }, password, HapiIron.defaults)
    const out = await run(["inspect", sealed])
    expect(out.code).toBe(0)
    expect(out.stdout).toContain("yes (the seal names no password id)")
  })

  it("shows the lifecycle record a session keeps: its id, when the user signed in and when it was last written", async () => {
    const now = Date.now()
    const sealer = iron.makeSealer(nodeCrypto!, { password })
    if (!iron.isSealer(sealer)) throw sealer
    const record = { id: "Zs9n0u1gQ8qV3b2c", signedInAt: now - 3 * 86_400_000, writtenAt: now - 3_600_000 }
    const sealed = await iron.sealData(sealer, { userId: 1 }, now, { record, expiration: now + 86_400_000 })
    const out = await run(["inspect", sealed], { now })
    expect(out.code).toBe(0)
    expect(out.stdout).toMatch(/Session id: +Zs9n0u1gQ8qV3b2c/)
    expect(out.stdout).toMatch(/Signed in: +.*\(3 days ago\)/)
    expect(out.stdout).toMatch(/Last written: +.*\(1 hour ago\)/)
    expect(json(await run(["inspect", sealed, "--json"], { now })).session).toEqual({
      id: record.id,
      signedInAt: new Date(record.signedInAt).toISOString(),
      signedInAgo: "3 days ago",
      writtenAt: new Date(record.writtenAt).toISOString(),
      writtenAgo: "1 hour ago",
    })
  })
})

describe("inspect, on a seal that does not open", () => {
  it("says a seal under another password fails its MAC, and exits with 1", async () => {
    const sealed = await ironSession.sealData({ n: 1 }, { password: other })
    const out = await run(["inspect", sealed])
    expect(out.code).toBe(1)
    expect(out.stdout).toMatch(/Opens: +no: bad MAC: tampered with, or sealed with another password/)
    expect(out.stdout).toContain("integrity check failed")
    expect(out.stdout).not.toContain("Data:")
  })

  it("says a tampered seal fails its MAC", async () => {
    const sealed = await facade.sealData({ admin: false }, { password })
    const parts = sealed.split("*")
    parts[4] = `${(parts[4] as string).startsWith("A") ? "B" : "A"}${(parts[4] as string).slice(1)}`
    expect(json(await run(["inspect", parts.join("*"), "--json"])).reason).toBe("integrity")
  })

  it("names a password id the seal uses and the password option lacks", async () => {
    const sealed = await ironSession.sealData({ n: 1 }, { password: { 1: older, 2: password } })
    const out = await run(["inspect", sealed])
    expect(out.code).toBe(1)
    expect(out.stdout).toMatch(/Opens: +no: unknown password id/)
    expect(out.stdout).toContain('names password id "2", which is not configured')
    expect(json(await run(["inspect", sealed, "--json"]))).toMatchObject({
      reason: "unknown-password-id",
      passwordId: "2",
    })
  })

  it("says when an expired seal expired and how long ago, and never that it opens", async () => {
    const sealedAt = Date.now()
    const sealed = await ironSession.sealData({ userId: 1 }, { password, ttl: 3600 })
    const now = sealedAt + 3 * 3_600_000
    const out = await run(["inspect", sealed, "--ttl", "3600", "--show-data"], { now })
    expect(out.code).toBe(1)
    expect(out.stdout).toMatch(/Opens: +no: expired/)
    expect(out.stdout).toMatch(/Expired: +\S+Z \(2 hours( \d+ seconds?)? ago\)/)
    expect(out.stdout).toContain("The seal expired at")
    const report = json(await run(["inspect", sealed, "--json"], { now }))
    expect(report).toMatchObject({ opens: false, reason: "expired", passwordId: "1" })
    expect(Math.abs(Date.parse(report.expiresAt as string) - (sealedAt + 3_600_000))).toBeLessThan(5000)
  })

  it("says a seal within iron's 60-second clock skew still opens, and that it is past its expiry", async () => {
    const sealedAt = Date.now()
    const sealed = await ironSession.sealData({ n: 1 }, { password, ttl: 60 })
    const out = await run(["inspect", sealed], { now: sealedAt + 90_000 })
    expect(out.code).toBe(0)
    expect(out.stdout).toContain("still accepted within iron's 60-second clock skew")
  })

  it("says a value that is not an iron seal is malformed", async () => {
    for (const value of ["not-a-seal", "Fe26.2*1*abc*def~2", "Fe26.1*1*a*b*c*d*e*f"]) {
      const out = await run(["inspect", value, "--json"])
      expect([value, out.code, json(out).reason]).toEqual([value, 1, "malformed"])
    }
    expect((await run(["inspect", "not-a-seal"])).stdout).toMatch(/Opens: +no: malformed: not an Fe26.2 seal/)
  })

  it("says which chunk is missing when a later one is present, and no more than can be told", async () => {
    const header = await ironSessionCookie({ blob: "z".repeat(7000) }, { chunk: true })
    const names = header.split("; ").map((pair) => pair.split("=")[0])
    expect(names).toEqual(["app_session.0", "app_session.1", "app_session.2"])
    const cut = withoutChunk(header, 1)
    const out = await run(["inspect", cut, "--json"])
    expect(out.code).toBe(1)
    const report = json(out)
    expect(report).toMatchObject({ reason: "missing-chunk", chunks: { present: [0, 2], read: 1, missing: 1 } })
    expect(report.message).toContain("Chunk 1 of cookie")
    expect(report.message).toContain("cannot be told")
  })

  it("says that a lost last chunk cannot be told from tampering, when no gap shows", async () => {
    const header = await ironSessionCookie({ blob: "z".repeat(7000) }, { chunk: true })
    const cut = withoutChunk(header, 2)
    const report = json(await run(["inspect", cut, "--json"]))
    expect(report).toMatchObject({ opens: false, chunks: { present: [0, 1], read: 2 } })
    expect(["malformed", "integrity"]).toContain(report.reason)
    expect(report.message).toContain("if a last chunk was lost")
  })

  it("names chunk 0 as missing when only later chunks are present", async () => {
    const header = await ironSessionCookie({ blob: "z".repeat(5000) }, { chunk: true })
    const cut = withoutChunk(header, 0)
    const report = json(await run(["inspect", cut, "--name", "app_session", "--json"]))
    expect(report).toMatchObject({
      opens: false,
      reason: "missing-chunk",
      chunks: { present: [1], read: 0, missing: 0 },
    })
    expect(report.message).toContain("so it read none")
  })

  it("says when the header holds no such cookie, whole or in chunks", async () => {
    const out = await run(["inspect", "Cookie: theme=dark; lang=en", "--name", "app_session"])
    expect(out.code).toBe(1)
    expect(out.stdout).toMatch(/Opens: +no: no such cookie/)
  })

  it("refuses a purpose-bound token as a session and names its purpose, and opens it with that --purpose", async () => {
    const token = await Effect.runPromise(
      Effect.flatMap(Seal.make({ password, purpose: "magic-link" }), (links) => links.seal({ email: "ada@x.io" })),
    )
    const asSession = await run(["inspect", token])
    expect(asSession.code).toBe(1)
    expect(asSession.stdout).toMatch(/Opens: +no: purpose mismatch/)
    expect(asSession.stdout).toContain('bound to purpose "magic-link"')
    expect(asSession.stdout).toContain("--purpose magic-link")
    const wrong = await run(["inspect", token, "--purpose", "email-confirmation", "--json"])
    expect(json(wrong)).toMatchObject({ opens: false, reason: "purpose", purpose: "magic-link" })
    const asLink = await run(["inspect", token, "--purpose", "magic-link", "--json"])
    expect([asLink.code, json(asLink).purpose]).toEqual([0, "magic-link"])
  })

  it("refuses a session seal when a --purpose is expected", async () => {
    const sealed = await ironSession.sealData({ n: 1 }, { password })
    const out = json(await run(["inspect", sealed, "--purpose", "magic-link", "--json"]))
    expect(out).toMatchObject({ opens: false, reason: "purpose", purpose: null })
    expect(out.message).toContain("bound to no purpose")
  })
})

describe("inspect, used wrongly", () => {
  it("refuses --password, saying why, and exits with 2", async () => {
    const sealed = await ironSession.sealData({ n: 1 }, { password })
    for (const argv of [
      ["inspect", sealed, "--password", password],
      ["inspect", sealed, `--password=${password}`],
    ]) {
      const out = await run(argv, { env: {} })
      expect(out.code).toBe(2)
      expect(out.stderr).toContain("--password is refused")
      expect(out.stderr).toContain("shell's history")
      expect(out.stdout).toBe("")
    }
  })

  it("says which environment variable is missing and how else to give the password", async () => {
    const out = await run(["inspect", "Fe26.2*1*a*b*c*d*e*f"], { env: {} })
    expect(out.code).toBe(2)
    expect(out.stderr).toContain("The environment variable SESSION_PASSWORD is not set")
    expect(out.stderr).toContain("--password-file")
    const named = await run(["inspect", "x", "--password-env", "APP_SECRET"], { env: {} })
    expect(named.stderr).toContain("APP_SECRET is not set")
  })

  it("says a short password is too short without showing it, and an unknown option by name", async () => {
    const out = await run(["inspect", "x"], { env: { SESSION_PASSWORD: "short-dummy" } })
    expect([out.code, out.stderr.includes("shorter than 32 characters"), out.stderr.includes("short-dummy")]).toEqual([
      2,
      true,
      false,
    ])
    const unknown = await run(["inspect", "x", "--verbose"])
    expect([unknown.code, unknown.stderr.includes("--verbose")]).toEqual([2, true])
    expect((await run(["inspect", "x", "--ttl", "two weeks"])).code).toBe(2)
    expect((await run(["frobnicate"])).code).toBe(2)
  })

  it("prints a JSON object for wrong usage with --json too", async () => {
    const out = await run(["inspect", "x", "--json"], { env: {} })
    expect([out.code, json(out).reason]).toEqual([2, "usage"])
  })
})

describe("password", () => {
  it("prints a new random password of 32 bytes, base64url, and nothing else", async () => {
    const first = await run(["password"])
    const second = await run(["password"])
    expect(first.code).toBe(0)
    expect(first.stdout).toMatch(/^[A-Za-z0-9_-]{43}\n$/)
    expect(first.stdout).not.toBe(second.stdout)
    expect(first.stderr).toBe("")
    expect(iron.isSealer(iron.makeSealer(nodeCrypto!, { password: first.stdout.trim() }))).toBe(true)
  })
})

describe("the built bin", () => {
  const bin = fileURLToPath(new URL("../dist/cli.js", import.meta.url))

  it("runs dist/cli.js with node: a password, and an inspection of a cookie on stdin", async () => {
    const made = execFileSync(process.execPath, [bin, "password"], { encoding: "utf8", timeout: 20_000 })
    expect(made).toMatch(/^[A-Za-z0-9_-]{43}\n$/)
    const sealed = await ironSession.sealData({ n: 1 }, { password })
    const env = { ...process.env, SESSION_PASSWORD: password }
    const opens = spawnSync(process.execPath, [bin, "inspect", "--json"], {
      input: `Cookie: app_session=${sealed}\n`,
      encoding: "utf8",
      env,
      timeout: 20_000,
    })
    expect([opens.status, JSON.parse(opens.stdout).opens, opens.stderr]).toEqual([0, true, ""])
    const refused = spawnSync(process.execPath, [bin, "inspect", sealed], {
      encoding: "utf8",
      env: { ...env, SESSION_PASSWORD: other },
      timeout: 20_000,
    })
    expect(refused.status).toBe(1)
    for (const out of [opens.stdout, opens.stderr, refused.stdout, refused.stderr]) {
      for (const secret of secrets) expect(out).not.toContain(secret)
    }
  })
})
