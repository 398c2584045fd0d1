/**
 * 6. Cold start: the wall time of a fresh `node` process that imports the
 * package's Promise entry (the build, through the package's self-reference,
 * as an app's `import "effect-iron-session/promise"` resolves it) against one
 * importing iron-session and a bare `node -e 0`; then a process that also
 * reads one session with `getIronSession`, what a serverless cold request
 * pays. Every run spawns the commands in a new order; the first two runs are
 * discarded (disk cache).
 */
import { spawnSync } from "node:child_process"
import { heading, ms, printTable, type Report, type Settings, times } from "./common.js"
import { cookieHeader, PASSWORD, PAYLOAD } from "./fixtures.js"
import { sealFloor } from "./floor.js"
import { paired, seededRandom, shuffled, spreadOf } from "./harness.js"
import { builtEntry, PACKAGE_NAME, ROOT } from "./lib.js"

const signed = (x: number): string => `${x < 0 ? "−" : "+"}${ms(Math.abs(x))}`

const importOnly = (specifier: string) => `await import(${JSON.stringify(specifier)})`

/** Imports, then reads the session of one request; exits 1 unless it read the payload. */
const importAndRead = (specifier: string) =>
  [
    `const { getIronSession } = await import(${JSON.stringify(specifier)})`,
    `const request = new Request("http://127.0.0.1/", { headers: { cookie: process.env.BENCH_COOKIE } })`,
    `const session = await getIronSession(request, new Response(), { cookieName: "bench", password: process.env.BENCH_PASSWORD })`,
    `if (session.visits !== ${PAYLOAD.visits}) { console.error("read", JSON.stringify(session)); process.exit(1) }`,
  ].join("\n")

export const run = async (settings: Settings, report: Report): Promise<void> => {
  const facade = `${PACKAGE_NAME}/promise`
  heading("6. Cold start (fresh node processes)", [
    `${facade} resolves to ${builtEntry("./promise").slice(ROOT.length)} (the build); ${settings.cold.runs} runs + 2 discarded, interleaved; wall time from spawn to exit`,
  ])
  const commands = [
    { name: "node -e 0", args: ["-e", "0"] },
    { name: `import ${facade}`, args: ["--input-type=module", "-e", importOnly(facade)] },
    { name: "import iron-session", args: ["--input-type=module", "-e", importOnly("iron-session")] },
    { name: `import + first read: ${facade}`, args: ["--input-type=module", "-e", importAndRead(facade)] },
    { name: "import + first read: iron-session", args: ["--input-type=module", "-e", importAndRead("iron-session")] },
  ]
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    BENCH_COOKIE: cookieHeader(sealFloor(PAYLOAD)),
    BENCH_PASSWORD: PASSWORD,
  }
  // Node's own loaders stay out of it: no tsx, no NODE_OPTIONS from the parent.
  delete env.NODE_OPTIONS
  const samples = commands.map(() => [] as number[])
  const random = seededRandom()
  for (let run = 0; run < settings.cold.runs + 2; run++) {
    for (const index of shuffled(commands.length, random)) {
      const command = commands[index]!
      const start = process.hrtime.bigint()
      const result = spawnSync(process.execPath, command.args, { cwd: ROOT, env, stdio: ["ignore", "ignore", "pipe"] })
      const elapsed = Number(process.hrtime.bigint() - start) / 1e6
      if (result.status !== 0) {
        throw new Error(`${command.name} failed (exit ${result.status}): ${result.stderr?.toString().trim()}`)
      }
      if (run >= 2) samples[index]!.push(elapsed)
    }
  }

  const [bare, facadeImport, ironImport, facadeRead, ironRead] = samples as [
    number[],
    number[],
    number[],
    number[],
    number[],
  ]
  const bareMedian = spreadOf(bare).median
  printTable(
    [
      ["command", "min", "median", "max", "median − bare node"],
      ...commands.map((c, i) => {
        const s = spreadOf(samples[i]!)
        return [c.name, ms(s.min), ms(s.median), ms(s.max), i === 0 ? "" : signed(s.median - bareMedian)]
      }),
    ],
    [false, true, true, true, true],
  )
  // Ratios run by run: the two imports of the same run were spawned moments apart.
  const importRatio = paired(facadeImport, ironImport, (a, b) => a / b)
  const readRatio = paired(facadeRead, ironRead, (a, b) => a / b)
  console.log(
    `facade / iron-session, run by run: import ${times(importRatio)}, import + first read ${times(readRatio)}`,
  )
  report.ratio(
    "cold: facade import vs iron-session (total time)",
    importRatio,
    "<=",
    1.5,
    `${ms(spreadOf(facadeImport).median)} vs ${ms(spreadOf(ironImport).median)}`,
  )
  report.info(
    "cold: import + first read, facade vs iron-session",
    `${ms(spreadOf(facadeRead).median)} vs ${ms(spreadOf(ironRead).median)}`,
    times(readRatio),
  )
}
