"use client"

import { useState } from "react"

/** The places outside React that read and write the same session. */
const endpoints = [
  { id: "route", label: "Route Handler", url: "/api/session" },
  { id: "pages", label: "pages/api", url: "/api/visits" },
  { id: "edge", label: "Edge route", url: "/api/edge" },
  { id: "effect", label: "Route Handler (Effect API)", url: "/api/effect" },
] as const

export function Counters() {
  const [result, setResult] = useState<string>("")
  const [busy, setBusy] = useState(false)

  const call = async (url: string, method: "GET" | "POST") => {
    setBusy(true)
    setResult("")
    try {
      const response = await fetch(url, { method })
      setResult(`${response.status} ${JSON.stringify(await response.json())}`)
    } catch (error) {
      setResult(`failed: ${String(error)}`)
    } finally {
      setBusy(false)
    }
  }

  return (
    <section>
      <h2>Same session, other runtimes</h2>
      <p className="muted">Each button POSTs to a route that adds one to the session&apos;s counter; “read” GETs it.</p>
      {endpoints.map(({ id, label, url }) => (
        <form key={id} onSubmit={(event) => event.preventDefault()}>
          <button id={`add-${id}`} type="button" disabled={busy} onClick={() => call(url, "POST")}>
            +1 via {label}
          </button>
          <button
            id={`read-${id}`}
            type="button"
            className="secondary"
            disabled={busy}
            onClick={() => call(url, "GET")}
          >
            read
          </button>
          <code>{url}</code>
        </form>
      ))}
      <pre>
        <output id="result" aria-live="polite" data-busy={String(busy)}>
          {result}
        </output>
      </pre>
    </section>
  )
}
