/**
 * The second step of `npm run build`: after `tsc` has emitted every module
 * (and the type declarations), the Promise facade's entry is replaced by one
 * pre-bundled file with the parts of `effect`, `cookie` and `iron-webcrypto`
 * it uses inside.
 *
 * Why: the facade is what a serverless function imports on a cold start, and
 * resolving and evaluating a few hundred ES modules of `effect` costs more
 * than everything else it does. One tree-shaken file loads in a fraction of
 * that, and the facade then needs nothing installed beside it. Nothing of
 * Effect crosses the facade's API (Promises and plain `Error`s in and out), so
 * its private copy never meets an app's own Effect runtime. Its `.d.ts` is the
 * one `tsc` wrote, which refers to no Effect type.
 */
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
