import type { Metadata } from "next"
import Link from "next/link"
import type { ReactNode } from "react"
import "./globals.css"

export const metadata: Metadata = {
  title: "effect-iron-session · Next.js",
  description: "iron-session 9's API on effect-iron-session, in every place Next.js runs code.",
}

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <body>
        <header>
          <nav aria-label="Main">
            <Link href="/" className="brand">
              effect-iron-session
            </Link>
            <Link href="/">Home</Link>
            <Link href="/dashboard">Dashboard</Link>
            <Link href="/read-only">Read-only cookies</Link>
          </nav>
        </header>
        <main>{children}</main>
        <footer>
          Stateless sessions in a sealed cookie. <code>getIronSession</code> from{" "}
          <code>effect-iron-session/promise</code>.
        </footer>
      </body>
    </html>
  )
}
