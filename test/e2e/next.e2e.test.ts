/**
 * The Next.js example (`examples/next`) in a real browser: a production
 * build (`next build`, then `next start` on 127.0.0.1) of an app that uses
 * the Promise facade everywhere iron-session 9 is documented to work, and
 * the Effect API (`effect-iron-session/Next`) in a Route Handler, a Server
 * Action and a Server Component, on the same cookie, driven by Debian's
 * Chromium through playwright-core.
 *
 * `E2E=0` skips the file (CI runs it on one Node version only: `next build`
 * is the slow part). Without Chromium it is skipped locally and fails under `CI`.
 */
import { mkdirSync, writeFileSync } from "node:fs"
import { afterAll, afterEach, beforeAll, describe, expect, it } from "@effect/vitest"
import { sealData, unsealData } from "iron-session"
import type { Browser, BrowserContext, Page } from "playwright-core"
import { hasChromium, launchChromium } from "../helpers/chromium.js"
import { buildApp, ensurePackageBuilt, type NextServer, startApp, startAppExpectingExit } from "../helpers/next.js"

const output = new URL("../../test-results/e2e/", import.meta.url)
const enabled = process.env.E2E !== "0" && hasChromium("the Next.js browser tests")

const password = "a-test-password-for-the-next-example-32+"
const cookieName = "next_example_session"

interface SessionData {
  username?: string
  signedInAt?: number
  counter?: number
  lastSeen?: number
}

describe.runIf(enabled)("the Next.js example in Chromium", () => {
  let server: NextServer | undefined
  let browser: Browser | undefined
  let context: BrowserContext
  let page: Page
  const serverErrors: Array<string> = []
  let started = 0

  beforeAll(async () => {
    started = performance.now()
    mkdirSync(output, { recursive: true })
    ensurePackageBuilt()
    const buildMs = await buildApp()
    console.info(buildMs === 0 ? "next build: reused the last build" : `next build: ${(buildMs / 1000).toFixed(1)} s`)
    server = await startApp({ SESSION_PASSWORD: password })
    browser = await launchChromium()
    context = await browser.newContext()
    page = await context.newPage()
    page.on("response", (response) => {
      if (response.status() >= 500) serverErrors.push(`${response.status()} ${response.url()}`)
    })
  }, 300_000)

  afterAll(async () => {
    // Each step on its own: a failure in one must not leave the server running.
    await browser?.close().catch(() => undefined)
    await server?.stop()
    console.info(`the Next.js browser tests: ${((performance.now() - started) / 1000).toFixed(1)} s in all`)
  }, 30_000)

  let printedOutput = false
  afterEach(({ task }) => {
    if (task.result?.state === "fail" && server !== undefined && !printedOutput) {
      printedOutput = true
      console.error(`next start printed, up to the first failure:\n${server.output().slice(-4000)}`)
    }
  })

  const url = (path: string) => `${server!.url}${path}`
  const screenshot = (name: string) => page.screenshot({ path: new URL(`next-${name}.png`, output).pathname })
  const sessionCookie = async () => (await context.cookies()).find((c) => c.name === cookieName)
  const sessionData = async (): Promise<SessionData> => {
    const cookie = await sessionCookie()
    if (cookie === undefined) throw new Error("expected a session cookie")
    return unsealData<SessionData>(cookie.value, { password })
  }
  /**
   * Clicks a dashboard button and waits for its JSON answer, parsed. The
   * click clears the previous answer, so an old one cannot satisfy the wait.
   */
  const call = async (button: string, via: string) => {
    await page.click(button)
    await page.waitForFunction(
      (v) => {
        const result = document.querySelector("#result")
        return result?.getAttribute("data-busy") === "false" && result.textContent?.includes(`"via":"${v}"`)
      },
      via,
      { timeout: 10_000 },
    )
    const text = (await page.textContent("#result")) ?? ""
    const space = text.indexOf(" ")
    return { status: Number(text.slice(0, space)), body: JSON.parse(text.slice(space + 1)) }
  }

  it("proxy.ts sends a signed-out visitor from /dashboard to sign in", async () => {
    const response = await page.goto(url("/dashboard"))
    expect(response?.status()).toBe(200)
    expect(page.url()).toBe(url("/?from=%2Fdashboard"))
    expect(await page.textContent("h1")).toBe("Sign in")
    expect(await page.textContent("#redirected")).toContain("/dashboard")
    expect(await sessionCookie()).toBeUndefined()

    // Prefetches skip the proxy; the page checks the session itself.
    const prefetch = await page.evaluate(async () => {
      const response = await fetch("/dashboard", { headers: { purpose: "prefetch" }, redirect: "manual" })
      return response.type
    })
    expect(prefetch).toBe("opaqueredirect")
  }, 30_000)

  it("signs in through a Server Action, with iron-session's cookie defaults, Secure included", async () => {
    await page.fill("#username", "Ada Lovelace")
    await Promise.all([page.waitForURL(url("/dashboard")), page.click("#sign-in")])
    expect(await page.textContent("#dashboard-title")).toBe("Dashboard of Ada Lovelace")

    const cookie = await sessionCookie()
    expect(cookie).toMatchObject({ httpOnly: true, secure: true, sameSite: "Lax", path: "/" })
    expect(cookie?.value).toMatch(/^Fe26\.2\*1\*.+~2$/)
    // ttl of 7 days, Max-Age 60 seconds shorter, as iron-session does.
    expect((cookie?.expires ?? 0) * 1000 - Date.now()).toBeGreaterThan(7 * 24 * 3600_000 - 120_000)
  }, 30_000)

  it("the Server Component reads the session from await cookies()", async () => {
    await page.goto(url("/"))
    expect(await page.textContent("#greeting")).toBe("Signed in as Ada Lovelace")
    expect(await page.textContent("#counter")).toBe("0")
    const signedInAt = Date.parse((await page.getAttribute("#signed-in-at", "datetime")) ?? "")
    expect(signedInAt).toBe((await sessionData()).signedInAt)
    await screenshot("home")
  }, 30_000)

  it("proxy.ts lets a signed-in visitor through, and the page rendered in that request reads what it wrote", async () => {
    const before = Date.now()
    await page.goto(url("/dashboard"))
    expect(page.url()).toBe(url("/dashboard"))
    const shown = Date.parse((await page.getAttribute("#last-seen", "datetime")) ?? "")
    expect(shown).toBeGreaterThanOrEqual(before - 1000)
    // The cookie the proxy sent to the browser holds the same value.
    expect((await sessionData()).lastSeen).toBe(shown)

    // A <Link> prefetch skips the proxy and writes nothing: a late answer to
    // one must not overwrite a newer cookie.
    const renewed = (await sessionCookie())?.value
    const status = await page.evaluate(async () => {
      const response = await fetch("/dashboard", { headers: { rsc: "1", "next-router-prefetch": "1" } })
      await response.arrayBuffer()
      return response.status
    })
    expect(status).toBe(200)
    expect((await sessionCookie())?.value).toBe(renewed)
  }, 30_000)

  it("the Route Handler, the pages/api route and the edge route read and write the same session", async () => {
    await page.goto(url("/dashboard"))
    const route = await call("#add-route", "route-handler")
    expect(route).toEqual({
      status: 200,
      body: { via: "route-handler", runtime: "nodejs", username: "Ada Lovelace", counter: 1 },
    })
    const pages = await call("#add-pages", "pages-api")
    expect(pages).toEqual({
      status: 200,
      body: { via: "pages-api", runtime: "nodejs", username: "Ada Lovelace", counter: 2 },
    })
    const edge = await call("#add-edge", "edge")
    expect(edge).toEqual({ status: 200, body: { via: "edge", runtime: "edge", username: "Ada Lovelace", counter: 3 } })
    expect((await call("#read-route", "route-handler")).body.counter).toBe(3)
    expect((await call("#read-pages", "pages-api")).body.counter).toBe(3)
    expect((await call("#read-edge", "edge")).body.counter).toBe(3)
    await screenshot("dashboard")

    await page.goto(url("/"))
    expect(await page.textContent("#counter")).toBe("3")
    expect((await sessionData()).counter).toBe(3)
  }, 30_000)

  it("reads a cookie sealed by the real iron-session 9, and writes one iron-session opens", async () => {
    const cookie = await sessionCookie()
    if (cookie === undefined) throw new Error("expected a session cookie")
    const signedInAt = Date.now() - 60_000
    const sealed = await sealData({ username: "Grace Hopper", signedInAt, counter: 41 }, { password })
    await context.addCookies([{ ...cookie, value: sealed }])

    await page.goto(url("/"))
    expect(await page.textContent("#greeting")).toBe("Signed in as Grace Hopper")
    expect(await page.textContent("#counter")).toBe("41")

    // The edge route writes it back (Web Crypto there); iron-session opens the result.
    await page.goto(url("/dashboard"))
    expect(await page.textContent("#dashboard-title")).toBe("Dashboard of Grace Hopper")
    expect((await call("#add-edge", "edge")).body.counter).toBe(42)
    const data = await sessionData()
    expect(data).toMatchObject({ username: "Grace Hopper", signedInAt, counter: 42 })
    expect(data.lastSeen).toBeTypeOf("number")
  }, 30_000)

  it("the Effect Route Handler reads and writes the same cookie through a typed session, its Date a Date", async () => {
    await page.goto(url("/dashboard"))
    const before = await sessionData()
    const counter = (before.counter ?? 0) + 1
    // The schema decoded the cookie's number into a Date: the route answers with its toISOString().
    const signedInAt = new Date(before.signedInAt ?? Number.NaN).toISOString()
    expect(await call("#add-effect", "effect-route")).toEqual({
      status: 200,
      body: { via: "effect-route", runtime: "nodejs", username: "Grace Hopper", counter, signedInAt },
    })
    expect((await call("#read-effect", "effect-route")).body).toMatchObject({ counter, signedInAt })
    // The facade's route reads what the Effect route wrote, and iron-session 9 opens it, the date a number again.
    expect((await call("#read-route", "route-handler")).body.counter).toBe(counter)
    expect(await sessionData()).toMatchObject({ username: "Grace Hopper", signedInAt: before.signedInAt, counter })
  }, 30_000)

  it("the Effect Server Action adds one through the typed session, and its redirect renders the new value", async () => {
    await page.goto(url("/"))
    const before = Number(await page.textContent("#counter"))
    await page.click("#add-effect-action")
    await expect.poll(() => page.textContent("#counter"), { timeout: 10_000 }).toBe(String(before + 1))
    expect(page.url()).toBe(url("/"))
    expect((await sessionData()).counter).toBe(before + 1)
    await screenshot("effect-action")
  }, 30_000)

  it("a Server Component that calls save() gets Next's read-only cookies error, and the page still renders", async () => {
    const response = await page.goto(url("/read-only"))
    expect(response?.status()).toBe(200)
    const caught = JSON.parse((await page.textContent("#save-error")) ?? "null")
    expect(caught).toMatchObject({ instanceofError: true })
    expect(caught.message).toContain("Cookies can only be modified in a Server Action or Route Handler")
    // Minified in this build: only the static callable (and the wording) are left to recognise it by.
    expect(caught.constructorName).not.toBe("ReadonlyRequestCookiesError")
    expect(caught).toMatchObject({ name: "Error", staticCallable: true })
    // The Effect API: a typed error, both for the sealed store and for Next's (minified) error itself.
    const effectApi = JSON.parse((await page.textContent("#effect-save-error")) ?? "null")
    const readOnly = { _tag: "CookieNotWritableError", reason: "read-only", cookieName }
    expect(effectApi).toEqual([readOnly, readOnly])
    await screenshot("read-only")

    // Uncaught, it reaches the segment's error boundary with the message
    // hidden (production) and a digest that matches the server's log.
    const uncaught = await page.goto(url("/read-only/uncaught"))
    expect(await page.textContent("#boundary-title")).toBe("Could not save the session here")
    const message = (await page.textContent("#boundary-message")) ?? ""
    const digest = (await page.textContent("#boundary-digest")) ?? ""
    expect(digest).not.toBe("")
    expect(message).not.toContain("Cookies can only be modified")
    await expect.poll(() => server!.output().includes(digest), { timeout: 5_000 }).toBe(true)
    await screenshot("read-only-uncaught")

    const logged = server!
      .output()
      .split("\n")
      .filter((line) => line.includes(digest) || line.includes("Cookies can only be modified"))
    const record = {
      caughtInServerComponent: caught,
      effectApi,
      uncaught: { status: uncaught?.status(), message, digest },
      logged,
    }
    writeFileSync(new URL("next-read-only-error.json", output), `${JSON.stringify(record, null, 2)}\n`)
    // Still up, and nothing else failed.
    expect((await page.goto(url("/")))?.status()).toBe(200)
    serverErrors.splice(0, serverErrors.length, ...serverErrors.filter((e) => !e.endsWith("/read-only/uncaught")))
  }, 30_000)

  it("signs out through a Server Action, and the cookie is gone", async () => {
    await page.goto(url("/"))
    await Promise.all([page.waitForURL(url("/")), page.click("#sign-out")])
    await page.waitForSelector("#sign-in")
    expect(await page.textContent("h1")).toBe("Sign in")
    expect(await sessionCookie()).toBeUndefined()

    await page.goto(url("/dashboard"))
    expect(page.url()).toBe(url("/?from=%2Fdashboard"))
    await screenshot("signed-out")
    const edge = await page.goto(url("/api/edge"))
    expect(await edge?.json()).toEqual({ via: "edge", runtime: "edge", username: null, counter: 0 })
    // The Effect route's typed failure (NotSignedIn), answered by its onError.
    const refused = await page.evaluate(async () => {
      const response = await fetch("/api/effect", { method: "POST" })
      return { status: response.status, body: await response.json() }
    })
    expect(refused).toEqual({ status: 401, body: { error: "sign in first" } })
    expect(serverErrors).toEqual([])
  }, 30_000)

  it("the Effect runtime is built once per server bundle, and not again however many requests follow", async () => {
    const built = () =>
      server!
        .output()
        .split("\n")
        .filter((line) => line.includes("Effect runtime built")).length
    const before = built()
    // The Route Handlers' bundle, and the pages' (with their Server Actions).
    expect(before).toBeGreaterThanOrEqual(1)
    expect(before).toBeLessThanOrEqual(3)
    for (let i = 0; i < 5; i++) {
      expect((await page.goto(url("/read-only")))?.status()).toBe(200)
      expect(await page.evaluate(() => fetch("/api/effect").then((response) => response.status))).toBe(200)
    }
    expect(built()).toBe(before)
    console.info(`the Effect runtime was built ${before} time(s), once per server bundle that used it`)
  }, 30_000)

  it("a production server without SESSION_PASSWORD refuses to start, and prints no password", async () => {
    const { code, output } = await startAppExpectingExit({ SESSION_PASSWORD: undefined })
    expect(code).toBe(1)
    expect(output).toContain("Refusing to start: SESSION_PASSWORD is not set")
    expect(output).not.toContain("development-only-password")
  }, 30_000)
})
