/**
 * 8. Memory: heap growth over many requests through the facade and through
 * `HttpSession.middleware`, each in a fresh child process with `--expose-gc`
 * (`bench/memory-child.ts`): after a warm-up, garbage is collected and the
 * heap noted; after the requests, again. Whatever the library keeps per
 * request (or in an unbounded cache) shows as growth; the quarter-way
 * checkpoints tell a plateau from a leak.
 */
import { spawn } from "node:child_process"
import { join } from "node:path"
import { heading, int, printTable, type Report, type Settings } from "./common.js"
import { describeSource, ROOT } from "./lib.js"

interface Figures {
  readonly before: number
  readonly after: number
  readonly checkpoints: ReadonlyArray<number>
  readonly elapsedMs: number
  readonly rss: number
}

const MB = (bytes: number): string => `${(bytes / 1e6).toFixed(2)} MB`

const measure = (kind: string, settings: Settings): Promise<Figures> =>
  new Promise((resolve, reject) => {
    const { requests, warmup } = settings.memory
    const child = spawn(
      process.execPath,
      [
        "--expose-gc",
        "--import",
        "tsx",
        join(ROOT, "bench/memory-child.ts"),
        kind,
        String(requests),
        String(warmup),
        String(settings.pool),
      ],
      { cwd: ROOT, env: process.env, stdio: ["ignore", "inherit", "inherit", "ipc"] },
    )
    let figures: Figures | undefined
    child.on("message", (m: Figures) => {
      figures = m
    })
    child.on("exit", (code) =>
      figures !== undefined && code === 0
        ? resolve(figures)
        : reject(new Error(`the ${kind} memory run exited ${code}`)),
    )
  })

export const run = async (settings: Settings, report: Report): Promise<void> => {
  const { requests, warmup } = settings.memory
  heading("8. Memory (heap growth, fresh process with --expose-gc)", [
    `library: ${describeSource()}`,
    `${int(requests)} read+save requests after ${int(warmup)} of warm-up, ${settings.pool} distinct cookies; heapUsed after full GCs; 1 MB = 10^6 bytes`,
  ])
  const kinds = [
    { kind: "facade", name: "facade getIronSession + save (web objects)" },
    { kind: "middleware", name: "HttpSession.middleware app (toWebHandlerLayer)" },
  ]
  const rows = [
    ["requests through", "heap before", "heap after", "growth", "at ¼, ½, ¾ (growth)", "rss after", "µs/request"],
  ]
  for (const { kind, name } of kinds) {
    const f = await measure(kind, settings)
    const growth = f.after - f.before
    rows.push([
      name,
      MB(f.before),
      MB(f.after),
      MB(growth),
      f.checkpoints
        .map((c) => (c - f.before) / 1e6)
        .map((x) => x.toFixed(2))
        .join(", "),
      MB(f.rss),
      ((f.elapsedMs * 1000) / requests).toFixed(0),
    ])
    report.add({
      name: `memory: heap growth over ${int(requests)} requests, ${kind}`,
      goal: "≤ 5 MB",
      measured: `${MB(f.before)} → ${MB(f.after)}`,
      value: MB(growth),
      status: growth <= 5e6 ? "PASS" : "MISS",
    })
  }
  printTable(rows, [false, true, true, true, true, true, true])
  console.log("(µs/request includes the checkpoint collections; it is not a speed figure)")
}
