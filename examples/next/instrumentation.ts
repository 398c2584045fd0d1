/**
 * Runs once when the server starts. The check itself is Node-only (it stops
 * the process), so it lives in its own module, loaded only on that runtime.
 */
export async function register() {
  if (process.env.NEXT_RUNTIME === "nodejs") await import("./instrumentation-node")
}
