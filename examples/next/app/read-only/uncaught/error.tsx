"use client"

/**
 * The error boundary for /read-only/uncaught. In production Next.js replaces
 * a Server Component error's message before it reaches the browser and keeps
 * a `digest`, which matches the error logged on the server.
 */
export default function UncaughtError({ error }: { error: Error & { digest?: string } }) {
  return (
    <>
      <h1 id="boundary-title">Could not save the session here</h1>
      <section>
        <dl>
          <dt>message</dt>
          <dd id="boundary-message">{error.message}</dd>
          <dt>digest</dt>
          <dd id="boundary-digest">{error.digest ?? ""}</dd>
        </dl>
      </section>
    </>
  )
}
