import { fileURLToPath } from "node:url"
import type { NextConfig } from "next"

/** The repository root: its node_modules, and the package this example imports by name. */
const root = fileURLToPath(new URL("../../", import.meta.url))

const config: NextConfig = {
  turbopack: { root },
  outputFileTracingRoot: root,
  poweredByHeader: false,
}

export default config
