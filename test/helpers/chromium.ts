/**
 * Debian's Chromium for browser tests, driven by playwright-core: where it
 * is, whether to skip, and how to launch it quietly (no network of its own).
 */
import { existsSync } from "node:fs"
import { type Browser, chromium } from "playwright-core"

export const executablePath = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium"

/**
 * Whether browser tests can run here. Without Chromium they are skipped with
 * a warning locally, and fail under `CI`, where a skipped browser suite
 * would pass unnoticed.
 */
export const hasChromium = (suite: string): boolean => {
  if (existsSync(executablePath)) return true
  if (process.env.CI) {
    throw new Error(`Chromium is not at ${executablePath}: .ci/run installs it with apt-get install -y chromium.`)
  }
  console.warn(
    `Skipping ${suite}: no Chromium at ${executablePath} (apt-get install -y chromium, or set CHROMIUM_PATH).`,
  )
  return false
}

/** A headless Chromium with a fresh profile, which talks to nothing but the pages it is sent to. */
export const launchChromium = (): Promise<Browser> =>
  chromium.launch({
    executablePath,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  })
