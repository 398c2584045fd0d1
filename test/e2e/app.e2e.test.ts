/**
 * The example app in a real browser: Debian's Chromium driven by
 * playwright-core, against the example server started as `npm start` starts
 * it, on 127.0.0.1.
 */
import { type ChildProcess, spawn } from "node:child_process"
import { existsSync, mkdirSync } from "node:fs"
import { createRequire } from "node:module"
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { type Browser, type BrowserContext, chromium, type Page } from "playwright-core"
import { e2e } from "../helpers/e2e.js"

const root = new URL("../../", import.meta.url)
const output = new URL("test-results/e2e/", root)
const executablePath = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium"
const hasChromium = existsSync(executablePath)

if (e2e && !hasChromium && process.env.CI) {
  throw new Error(`Chromium is not at ${executablePath}: .ci/run installs it with apt-get install -y chromium.`)
}
if (e2e && !hasChromium) {
  console.warn(
    `Skipping the browser tests: no Chromium at ${executablePath} (apt-get install -y chromium, or set CHROMIUM_PATH).`,
  )
}

const startServer = () =>
  new Promise<{ child: ChildProcess; url: string }>((resolve, reject) => {
    const tsx = createRequire(import.meta.url).resolve("tsx/cli")
    const child = spawn(process.execPath, [tsx, "examples/app/main.ts"], {
      cwd: root,
      env: { ...process.env, PORT: "0", NODE_ENV: "development" },
    })
    let out = ""
    const onData = (chunk: Buffer) => {
      out += chunk.toString()
      const match = out.match(/Listening on (http:\/\/127\.0\.0\.1:\d+)/)
      if (match?.[1]) resolve({ child, url: match[1] })
    }
    child.stdout.on("data", onData)
    child.stderr.on("data", onData)
    child.on("exit", (code) => reject(new Error(`the example server exited with ${code}:\n${out}`)))
  })

describe.runIf(e2e && hasChromium)("the example app in Chromium", () => {
  let server: { child: ChildProcess; url: string }
  let browser: Browser
  let context: BrowserContext
  let page: Page
  const serverErrors: Array<string> = []

  beforeAll(async () => {
    mkdirSync(output, { recursive: true })
    server = await startServer()
    browser = await chromium.launch({
      executablePath,
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
      ],
    })
    context = await browser.newContext()
    page = await context.newPage()
    page.on("response", (response) => {
      if (response.status() >= 500) serverErrors.push(`${response.status()} ${response.url()}`)
    })
  }, 60_000)

  afterAll(async () => {
    await browser?.close()
    server?.child.kill()
  })

  const sessionCookie = async () => (await context.cookies()).find((c) => c.name === "example_session")

  it("signs in, stays signed in across a reload, and renders the Date from the session", async () => {
    await page.goto(`${server.url}/`)
    await page.fill("#name", "Ada Lovelace")
    await Promise.all([page.waitForURL(`${server.url}/profile`), page.click("#sign-in")])
    expect(await page.textContent("h1")).toBe("Hello, Ada Lovelace")
    const signedInAt = await page.getAttribute("#signed-in-at", "datetime")
    expect(Math.abs(Date.parse(signedInAt ?? "") - Date.now())).toBeLessThan(60_000)
    expect(await page.textContent("#signed-in-type")).toBe("Date")
    expect((await sessionCookie())?.httpOnly).toBe(true)

    await page.reload()
    expect(await page.textContent("h1")).toBe("Hello, Ada Lovelace")
    expect(await page.getAttribute("#signed-in-at", "datetime")).toBe(signedInAt)
  }, 30_000)

  it("updates the counter in the session", async () => {
    await page.goto(`${server.url}/profile`)
    for (const expected of ["1", "2", "3"]) {
      await Promise.all([page.waitForURL(`${server.url}/profile`), page.click("#increment")])
      expect(await page.textContent("#counter")).toBe(expected)
    }
    await page.screenshot({ path: new URL("profile.png", output).pathname, fullPage: true })
    expect(existsSync(new URL("profile.png", output))).toBe(true)
  }, 30_000)

  it("shows the raw cookie's size, and the promise-facade route reads the same session", async () => {
    await page.goto(`${server.url}/cookie`)
    const bytes = Number(await page.textContent("#cookie-bytes"))
    expect(bytes).toBe((await sessionCookie())?.value.length)
    expect(bytes).toBeGreaterThan(200)
    expect(await page.textContent("#seal-preview")).toMatch(/^Fe26\.2\*1\*/)

    await page.goto(`${server.url}/legacy`)
    expect(await page.textContent("#legacy-user")).toContain("Signed in as Ada Lovelace")
    expect(await page.textContent("#legacy-views")).toBe("1")
    await page.reload()
    expect(await page.textContent("#legacy-views")).toBe("2")
  }, 30_000)

  it("lands on a fresh session, without a server error, when the cookie is tampered with", async () => {
    const cookie = await sessionCookie()
    if (cookie === undefined) throw new Error("expected a session cookie")
    const parts = cookie.value.split("*")
    parts[4] = `${parts[4]?.startsWith("A") ? "B" : "A"}${parts[4]?.slice(1)}`
    await context.addCookies([{ ...cookie, value: parts.join("*") }])

    const response = await page.goto(`${server.url}/profile`)
    expect(response?.status()).toBe(200)
    expect(page.url()).toBe(`${server.url}/`)
    expect(await page.textContent("h1")).toBe("Sign in")
    expect(serverErrors).toEqual([])
  }, 30_000)

  it("signs out and stays signed out", async () => {
    await page.goto(`${server.url}/`)
    await page.fill("#name", "Grace")
    await Promise.all([page.waitForURL(`${server.url}/profile`), page.click("#sign-in")])
    expect(await page.textContent("h1")).toBe("Hello, Grace")
    await Promise.all([page.waitForURL(`${server.url}/`), page.click("#sign-out")])
    expect(await page.textContent("h1")).toBe("Sign in")
    expect(await sessionCookie()).toBeUndefined()
    await page.goto(`${server.url}/profile`)
    expect(page.url()).toBe(`${server.url}/`)
    expect(serverErrors).toEqual([])
  }, 30_000)
})
