/**
 * A production server without `SESSION_PASSWORD` stops here, at start-up,
 * instead of answering every request with a 500.
 */
import { sessionPassword } from "./lib/password"

try {
  sessionPassword()
} catch (error) {
  console.error(`Refusing to start: ${error instanceof Error ? error.message : String(error)}`)
  process.exit(1)
}
