/**
 * The second step of `npm run build`: after `tsc` has emitted every module
 * (and the type declarations), the Promise facade's entry is replaced by one
 * pre-bundled file with the `cookie` package inside.
 *
 * Why: the facade is what a serverless function imports on a cold start, and
 * one tree-shaken file loads faster than a graph of modules; it then needs
 * nothing installed beside it. It is built on the kernel alone (`src/internal/`
 * without `effect.ts` and `engine.ts`), so it holds no module of `effect`
 * (`test/package.test.ts` checks its inputs), and Promises and plain `Error`s
 * are all that cross its API. Its `.d.ts` is the one `tsc` wrote, which refers
 * to no Effect type.
 *
 * Then the bin (`dist/cli.js`, from `src/cli.ts`, whose shebang `tsc` keeps)
 * is marked executable.
 */
import { chmodSync } from "node:fs"
import { build } from "esbuild"

await build({
  entryPoints: ["src/promise/index.ts"],
  outfile: "dist/promise/index.js",
  bundle: true,
  format: "esm",
  platform: "neutral",
  mainFields: ["module", "main"],
  target: "es2022",
  minify: true,
  sourcemap: true,
  sourcesContent: false,
  legalComments: "none",
  logLevel: "warning",
  // The tsconfig maps the package's own name to src/ for the tests; the
  // bundle needs no such mapping.
  tsconfigRaw: { compilerOptions: {} },
})

// The bin runs through its shebang from a checkout too (npm marks it
// executable when it installs the package, tsc does not).
chmodSync("dist/cli.js", 0o755)
