/**
 * The example app in a real browser: Debian's Chromium driven by
 * playwright-core, against the example server as `npm start` starts it, on
 * 127.0.0.1. Three servers: one with the defaults, one with timeouts of a few
 * seconds (rolling sessions and freshness, in real time), and two instances
 * sharing a real Redis (revocation across instances, and Redis going away).
 * Then start-up: the app refuses to start without a password in production,
 * and with a Redis it cannot reach.
 */
import { mkdirSync } from "node:fs"
import { createServer } from "node:net"
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import type { Browser, BrowserContext, Page, Response } from "playwright-core"
import { DEVELOPMENT_PASSWORD } from "../../examples/app/session.js"
import { type ExampleApp, runExampleAppToExit, startExampleApp } from "../helpers/app.js"
import { hasChromium, launchChromium } from "../helpers/chromium.js"
import { e2e } from "../helpers/e2e.js"
import { type RedisServer, redisServerAvailable, startRedisServer } from "../helpers/redis.js"

const output = new URL("../../test-results/e2e/", import.meta.url)
const screenshot = (page: Page, name: string) =>
  page.screenshot({ path: new URL(name, output).pathname, fullPage: true })

const browserTests = e2e && hasChromium("the example app's browser tests")

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
/** Sleeps until `ms` after `since` (a `Date.now()`), or not at all when that is past. */
const sleepUntil = (since: number, ms: number) => sleep(Math.max(0, since + ms - Date.now()))

/** A free TCP port on loopback, with nothing listening on it once this resolves. */
const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const server = createServer()
    server.once("error", reject)
    server.listen(0, "127.0.0.1", () => {
      const address = server.address()
      const port = typeof address === "object" && address !== null ? address.port : 0
      server.close(() => resolve(port))
    })
  })

/** The `example_session` cookie in a `Set-Cookie` of this response, if any. */
const setsSession = async (response: Response | null) =>
  ((await response?.headerValue("set-cookie")) ?? "").split("\n").some((line) => line.startsWith("example_session="))

describe.runIf(browserTests)("the example app in Chromium", () => {
  let server: ExampleApp
  /** Idle after 4 s without a write, refreshed by a read 2 s after one, "fresh" for 2 s. */
  let timed: ExampleApp
  /** A lifetime of 4 s from sign-in, however active. */
  let short: ExampleApp
  let browser: Browser
  let context: BrowserContext
  let page: Page
  const serverErrors: Array<string> = []

  /** A fresh browser profile (its own cookies) that records any 5xx. */
  const newContext = async () => {
    const created = await browser.newContext()
    created.setDefaultTimeout(15_000)
    created.on("response", (response) => {
      if (response.status() >= 500) serverErrors.push(`${response.status()} ${response.url()}`)
    })
    return created
  }

  const signIn = async (on: Page, url: string, name: string) => {
    await on.goto(`${url}/`)
    await on.fill("#name", name)
    await Promise.all([on.waitForURL(`${url}/profile`), on.click("#sign-in")])
    expect(await on.textContent("h1")).toBe(`Hello, ${name}`)
  }

  const cookieOf = async (of: BrowserContext) => (await of.cookies()).find((c) => c.name === "example_session")

  beforeAll(async () => {
    mkdirSync(output, { recursive: true })
    ;[server, timed, short, browser] = await Promise.all([
      startExampleApp(),
      startExampleApp({ SESSION_IDLE: "4 seconds", SESSION_REFRESH: "2 seconds", SESSION_FRESH: "2 seconds" }),
      startExampleApp({ SESSION_ABSOLUTE: "4 seconds" }),
      launchChromium(),
    ])
    context = await newContext()
    page = await context.newPage()
  }, 60_000)

  afterAll(async () => {
    await browser?.close()
    await Promise.all([server?.stop(), timed?.stop(), short?.stop()])
  })

  it("warns in development that it uses a fixed development password, without printing it", () => {
    expect(server.output()).toContain("SESSION_PASSWORD is not set: using a fixed development password")
    expect(server.output()).not.toContain(DEVELOPMENT_PASSWORD)
  })

  it("signs in, stays signed in across a reload, and shows when it signed in and when it ends", async () => {
    await signIn(page, server.url, "Ada Lovelace")
    const signedInAt = Date.parse((await page.getAttribute("#signed-in-at", "datetime")) ?? "")
    expect(Math.abs(signedInAt - Date.now())).toBeLessThan(60_000)
    expect(await page.textContent("#signed-in-type")).toBe("Date")
    // The defaults: an hour after sign-in at the latest, two minutes without activity.
    expect(Date.parse((await page.getAttribute("#ends-at", "datetime")) ?? "")).toBe(signedInAt + 3_600_000)
    const idleUntil = Date.parse((await page.getAttribute("#idle-until", "datetime")) ?? "")
    expect(idleUntil - Date.now()).toBeGreaterThan(60_000)
    expect(idleUntil - signedInAt).toBeLessThanOrEqual(120_000)
    expect(await page.textContent("#revocation-store")).toBe("memory")
    const cookie = await cookieOf(context)
    expect(cookie?.httpOnly).toBe(true)

    await page.reload()
    expect(await page.textContent("h1")).toBe("Hello, Ada Lovelace")
    expect(Date.parse((await page.getAttribute("#signed-in-at", "datetime")) ?? "")).toBe(signedInAt)
  }, 30_000)

  it("updates the counter in the session", async () => {
    await page.goto(`${server.url}/profile`)
    for (const expected of ["1", "2", "3"]) {
      await Promise.all([page.waitForURL(`${server.url}/profile`), page.click("#increment")])
      expect(await page.textContent("#counter")).toBe(expected)
    }
    await screenshot(page, "profile.png")
  }, 30_000)

  it("shows the raw cookie's size, and the promise-facade route reads the same session's data, not its record", async () => {
    await page.goto(`${server.url}/cookie`)
    const bytes = Number(await page.textContent("#cookie-bytes"))
    expect(bytes).toBe((await cookieOf(context))?.value.length)
    expect(bytes).toBeGreaterThan(200)
    expect(await page.textContent("#seal-preview")).toMatch(/^Fe26\.2\*1\*/)

    await page.goto(`${server.url}/legacy`)
    expect(await page.textContent("#legacy-user")).toContain("Signed in as Ada Lovelace")
    expect(await page.textContent("#legacy-keys")).toBe("name, counter")
    expect(await page.textContent("#legacy-views")).toBe("1")
    await page.reload()
    expect(await page.textContent("#legacy-views")).toBe("2")
  }, 30_000)

  it("deletes my data right after sign-in, a sensitive action that needs a fresh sign-in", async () => {
    await page.goto(`${server.url}/profile`)
    expect(await page.textContent("#counter")).toBe("3")
    await Promise.all([page.waitForURL(`${server.url}/profile`), page.click("#delete-data")])
    expect(await page.textContent("#flash")).toBe("Your data was deleted: the counter is back to 0.")
    expect(await page.textContent("#counter")).toBe("0")
    await page.reload()
    expect(await page.$("#flash")).toBeNull()
  }, 30_000)

  it("says the cookie was changed when it is tampered with, without showing it, then forgets it", async () => {
    const cookie = await cookieOf(context)
    if (cookie === undefined) throw new Error("expected a session cookie")
    const parts = cookie.value.split("*")
    parts[4] = `${parts[4]?.startsWith("A") ? "B" : "A"}${parts[4]?.slice(1)}`
    await context.addCookies([{ ...cookie, value: parts.join("*") }])

    const response = await page.goto(`${server.url}/profile`)
    expect(response?.status()).toBe(200)
    expect(page.url()).toBe(`${server.url}/`)
    expect(await page.textContent("h1")).toBe("Sign in")
    expect(await page.getAttribute("#reason", "data-reason")).toBe("changed")
    expect(await page.textContent("#reason")).toContain("Your cookie was changed")
    expect(await page.content()).not.toContain(parts[4]?.slice(0, 24))
    // The dead cookie was dropped once its reason was shown.
    expect(await cookieOf(context)).toBeUndefined()
    await page.reload()
    expect(await page.$("#reason")).toBeNull()
    expect(serverErrors).toEqual([])
  }, 30_000)

  it("signs out with a flash shown once, and a copy of the old cookie no longer works", async () => {
    await signIn(page, server.url, "Grace")
    const copy = await cookieOf(context)
    if (copy === undefined) throw new Error("expected a session cookie")
    await Promise.all([page.waitForURL(`${server.url}/`), page.click("#sign-out")])
    expect(await page.textContent("h1")).toBe("Sign in")
    expect(await page.textContent("#flash")).toBe("You are signed out.")
    expect(await cookieOf(context)).toBeUndefined()
    await page.reload()
    expect(await page.$("#flash")).toBeNull()

    // Sign-out revoked the session's id: the cookie, replayed, is refused.
    await context.addCookies([copy])
    await page.goto(`${server.url}/profile`)
    expect(page.url()).toBe(`${server.url}/`)
    expect(await page.getAttribute("#reason", "data-reason")).toBe("signed-out")
    expect(serverErrors).toEqual([])
  }, 30_000)

  it("signs out everywhere: the other browser is signed out on its next request, and says why", async () => {
    const name = `Everywhere ${Date.now()}`
    const [laptop, phone] = await Promise.all([newContext(), newContext()])
    try {
      const [onLaptop, onPhone] = await Promise.all([laptop.newPage(), phone.newPage()])
      await signIn(onLaptop, server.url, name)
      await signIn(onPhone, server.url, name)

      await Promise.all([onLaptop.waitForURL(`${server.url}/`), onLaptop.click("#sign-out-everywhere")])
      expect(await onLaptop.textContent("#flash")).toContain("Signed out everywhere")
      // Its own cookie was expired, not merely revoked: nothing to explain here.
      expect(await onLaptop.$("#reason")).toBeNull()

      await onPhone.reload()
      expect(onPhone.url()).toBe(`${server.url}/`)
      expect(await onPhone.getAttribute("#reason", "data-reason")).toBe("signed-out-everywhere")
      expect(await onPhone.textContent("#reason")).toContain("You were signed out everywhere")
      await screenshot(onPhone, "signed-out-everywhere.png")

      // A sign-in after it is a new session, not revoked.
      await signIn(onPhone, server.url, name)
      await onPhone.reload()
      expect(await onPhone.textContent("h1")).toBe(`Hello, ${name}`)
      expect(serverErrors).toEqual([])
    } finally {
      await Promise.all([laptop.close(), phone.close()])
    }
  }, 30_000)

  it("shows a missing page in the app's layout, with a 404", async () => {
    const response = await page.goto(`${server.url}/no-such-page`)
    expect(response?.status()).toBe(404)
    expect(await page.textContent("h1")).toBe("Page not found")
    expect(await page.$$eval("nav a", (links) => links.map((a) => a.getAttribute("href")))).toEqual([
      "/",
      "/profile",
      "/cookie",
      "/legacy",
    ])
    expect(await page.textContent("#not-found code")).toBe("/no-such-page")
    await screenshot(page, "404.png")
  }, 30_000)

  describe("with timeouts of a few seconds", () => {
    // The `timed` server's settings: margins of a second or more on either
    // side of each deadline, so that a busy machine does not move a request
    // across one.
    const IDLE = 4_000
    const REFRESH = 2_000
    const FRESH = 2_000

    it("keeps a visited session alive by refreshing its cookie, and ends an idle one, saying so", async () => {
      const own = await newContext()
      try {
        const on = await own.newPage()
        const before = Date.now()
        await signIn(on, timed.url, "Rolling")
        const signedIn = Date.now()

        // Within the refresh interval: signed in, nothing written.
        const early = await on.goto(`${timed.url}/profile`)
        expect(Date.now() - before).toBeLessThan(REFRESH)
        expect(await on.textContent("h1")).toBe("Hello, Rolling")
        expect(await setsSession(early)).toBe(false)
        const firstDeadline = Date.parse((await on.getAttribute("#idle-until", "datetime")) ?? "")

        // After it, within the idle window: still signed in, and the cookie sealed again with a later deadline.
        await sleepUntil(signedIn, REFRESH + 300)
        const late = await on.goto(`${timed.url}/profile`)
        const refreshed = Date.now()
        expect(refreshed - before).toBeLessThan(IDLE)
        expect(await on.textContent("h1")).toBe("Hello, Rolling")
        expect(await setsSession(late)).toBe(true)
        expect(Date.parse((await on.getAttribute("#idle-until", "datetime")) ?? "")).toBeGreaterThan(firstDeadline)

        // No request for longer than the idle timeout: the next page says the session expired, idle.
        await sleepUntil(refreshed, IDLE + 300)
        await on.goto(`${timed.url}/profile`)
        expect(on.url()).toBe(`${timed.url}/`)
        expect(await on.getAttribute("#reason", "data-reason")).toBe("idle")
        expect(await on.textContent("#reason")).toContain("Your session expired: nothing happened for 4 seconds")
        await screenshot(on, "session-expired.png")
        expect(serverErrors).toEqual([])
      } finally {
        await own.close()
      }
    }, 30_000)

    it("ends a session at its absolute lifetime however active, and says that, not idle", async () => {
      const own = await newContext()
      try {
        const on = await own.newPage()
        const before = Date.now()
        await signIn(on, short.url, "Lifetime")
        const signedIn = Date.now()
        // A write half-way: the session is active, and its cookie is kept 4 s from here.
        await sleepUntil(before, 2_000)
        await Promise.all([on.waitForURL(`${short.url}/profile`), on.click("#increment")])
        expect(await on.textContent("#counter")).toBe("1")

        await sleepUntil(signedIn, 4_300)
        await on.goto(`${short.url}/profile`)
        expect(on.url()).toBe(`${short.url}/`)
        expect(await on.getAttribute("#reason", "data-reason")).toBe("absolute")
        expect(await on.textContent("#reason")).toContain("it reached its 4 seconds limit since you signed in")
      } finally {
        await own.close()
      }
    }, 30_000)

    it("refuses to delete my data with a sign-in that is not fresh, until I sign in again", async () => {
      const own = await newContext()
      try {
        const on = await own.newPage()
        await signIn(on, timed.url, "Careful")
        await sleep(FRESH + 300)

        await Promise.all([on.waitForURL(`${timed.url}/delete-data`), on.click("#delete-data")])
        expect(await on.textContent("h1")).toBe("Sign in again")
        expect(await on.textContent("#not-fresh")).toContain("needs a sign-in within the last 2 seconds")
        await screenshot(on, "sign-in-again.png")

        // The form is filled in with my name; signing in again makes the sign-in fresh.
        expect(await on.inputValue("#name")).toBe("Careful")
        await Promise.all([on.waitForURL(`${timed.url}/profile`), on.click("#sign-in")])
        await Promise.all([on.waitForURL(`${timed.url}/profile`), on.click("#delete-data")])
        expect(await on.textContent("#flash")).toBe("Your data was deleted: the counter is back to 0.")
      } finally {
        await own.close()
      }
    }, 30_000)
  })

  describe("with revocations in Redis", () => {
    // Asked only when the browser tests run (it warns, or fails under CI, without redis-server).
    const redisHere = browserTests && redisServerAvailable()
    let redis: RedisServer
    let one: ExampleApp
    let two: ExampleApp

    beforeAll(async () => {
      if (!redisHere) return
      redis = await startRedisServer()
      // Two instances of the app, as behind a load balancer: one Redis between them.
      ;[one, two] = await Promise.all([
        startExampleApp({ REDIS_URL: redis.url }),
        startExampleApp({ REDIS_URL: redis.url }),
      ])
    }, 60_000)
    afterAll(async () => {
      await Promise.all([one?.stop(), two?.stop()])
      await redis?.stop()
    })

    it.runIf(redisHere)(
      "signs out everywhere across instances, and says when the store is unavailable",
      async () => {
        const name = `Redis ${Date.now()}`
        const [laptop, phone] = await Promise.all([newContext(), newContext()])
        try {
          const [onLaptop, onPhone] = await Promise.all([laptop.newPage(), phone.newPage()])
          await signIn(onLaptop, one.url, name)
          await signIn(onPhone, two.url, name)
          expect(await onPhone.textContent("#revocation-store")).toBe("Redis")

          // Signed out everywhere on instance one; the phone's next request, on instance two, is refused.
          await Promise.all([onLaptop.waitForURL(`${one.url}/`), onLaptop.click("#sign-out-everywhere")])
          expect(await onLaptop.textContent("#flash")).toContain("Signed out everywhere")
          await onPhone.goto(`${two.url}/profile`)
          expect(onPhone.url()).toBe(`${two.url}/`)
          expect(await onPhone.getAttribute("#reason", "data-reason")).toBe("signed-out-everywhere")

          // Redis goes away: a valid session cannot be checked, so it is refused (fail-closed) and kept.
          await signIn(onPhone, two.url, name)
          await redis.stop()
          await onPhone.goto(`${two.url}/profile`)
          expect(onPhone.url()).toBe(`${two.url}/`)
          expect(await onPhone.getAttribute("#reason", "data-reason")).toBe("unavailable")
          expect(await onPhone.textContent("#reason")).toContain("The session store is unavailable")
          expect(await cookieOf(phone)).toBeDefined()

          // Redis is back: the same cookie works again, without a restart of the app.
          await redis.start()
          const deadline = Date.now() + 15_000
          for (;;) {
            await onPhone.goto(`${two.url}/profile`)
            if (onPhone.url() === `${two.url}/profile` || Date.now() > deadline) break
            await sleep(250)
          }
          expect(await onPhone.textContent("h1")).toBe(`Hello, ${name}`)
          expect(serverErrors).toEqual([])
        } finally {
          await Promise.all([laptop.close(), phone.close()])
        }
      },
      45_000,
    )
  })
})

describe.runIf(e2e)("the example app's start-up", () => {
  type Run = { readonly code: number | null; readonly output: string }
  // Both runs at once: each only starts the app and waits for it to give up.
  let production: Promise<Run>
  let nowhere: Promise<Run>
  beforeAll(async () => {
    production = runExampleAppToExit({ NODE_ENV: "production" })
    nowhere = runExampleAppToExit({ REDIS_URL: `redis://:not-a-real-secret@127.0.0.1:${await freePort()}` })
  })

  it("refuses to start in production without SESSION_PASSWORD, saying so, and never mentions the development password", async () => {
    const { code, output } = await production
    expect(code).toBe(1)
    expect(output).toContain("The example app cannot start: SESSION_PASSWORD is not set, and NODE_ENV is production.")
    expect(output).not.toContain("development password")
    expect(output).not.toContain("Listening")
  }, 30_000)

  it("refuses to start when REDIS_URL points at no Redis, without printing the URL's password", async () => {
    const { code, output } = await nowhere
    expect(code).toBe(1)
    expect(output).toContain("The example app cannot start: REDIS_URL is set, but Redis cannot be reached")
    expect(output).not.toContain("not-a-real-secret")
    expect(output).not.toContain("Listening")
  }, 30_000)
})
