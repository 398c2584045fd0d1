/**
 * `E2E=0` turns off the suites that CI runs once, on its Node 20 pass only:
 * the browser tests, the Next.js app build, the Bun/Deno/workerd runtime
 * conformance tests and the fresh-app install tests (plain, and into Next 14,
 * 15 and 16). They test the package against the world around it (a browser,
 * other runtimes, npm), not against the Node version running vitest, and they
 * are the slow part of the suite.
 * Any other value, or none, runs them.
 *
 *   describe.runIf(e2e)("…", () => { … })
 */
export const e2e: boolean = process.env.E2E !== "0"
