/**
 * npm as an app's author runs it, for the tests that install the packed
 * package into fresh apps (`test/install.test.ts`, `test/install-next.test.ts`):
 * every command bounded in time, against the npm cache of the user running the
 * tests (the one `npm ci` filled), so a warm cache makes an install seconds.
 */
import { execFile } from "node:child_process"
import { join } from "node:path"
import { fileURLToPath } from "node:url"

export const rootDir = fileURLToPath(new URL("../../", import.meta.url))

/** npm's per-run variables of the `npm test` that started vitest would point a nested npm at this repo. */
export const env = Object.fromEntries(
  Object.entries(process.env).filter(
    ([key]) => !/^npm_(package_|lifecycle_|command$|config_local_prefix$)/i.test(key) && key !== "INIT_CWD",
  ),
) as NodeJS.ProcessEnv

export interface Ran {
  readonly code: number
  readonly stdout: string
  readonly stderr: string
}

export const run = (command: string, args: ReadonlyArray<string>, cwd: string, timeout = 120_000): Promise<Ran> =>
  new Promise((done) => {
    execFile(command, args, { cwd, env, timeout, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === "number" ? error.code : 1
      done({ code, stdout, stderr: error?.killed ? `${stderr}\n(killed after ${timeout} ms)` : stderr })
    })
  })

export const npm = (cwd: string, ...args: ReadonlyArray<string>) =>
  run("npm", [...args, "--no-audit", "--no-fund", "--prefer-offline"], cwd)

/** The command's output, or an error with everything it printed. */
export const succeeded = (ran: Ran) => {
  if (ran.code !== 0) throw new Error(`exit ${ran.code}\n${ran.stdout}\n${ran.stderr}`)
  return ran.stdout
}

/**
 * `npm pack` of the repository into `dir`, as the registry would serve it:
 * the built `dist/` (`npm test` builds before vitest runs) and the
 * package.json as it is now. Returns the tarball's path.
 */
export const pack = async (dir: string): Promise<string> => {
  const packed = JSON.parse(
    succeeded(await run("npm", ["pack", "--json", "--ignore-scripts", "--pack-destination", dir], rootDir)),
  ) as Array<{ filename: string }>
  return join(dir, packed[0]?.filename ?? "")
}
