"use server"

import { getIronSession } from "effect-iron-session/promise"
import { cookies } from "next/headers"
import { redirect } from "next/navigation"
import { type SessionData, sessionOptions } from "../lib/session"

/** Only same-site paths, so `?from=` cannot send anyone to another site. */
const returnPath = (value: FormDataEntryValue | null): string =>
  typeof value === "string" && value.startsWith("/") && !value.startsWith("//") && !value.startsWith("/\\")
    ? value
    : "/"

/** Signs in with any name: the example has no password store. */
export async function signIn(formData: FormData) {
  const username = String(formData.get("username") ?? "").trim()
  if (username.length === 0 || username.length > 40) redirect("/?error=username")

  const session = await getIronSession<SessionData>(await cookies(), sessionOptions())
  session.username = username
  session.signedInAt = Date.now()
  session.counter = 0
  await session.save()
  redirect(returnPath(formData.get("from")))
}

export async function signOut() {
  const session = await getIronSession<SessionData>(await cookies(), sessionOptions())
  session.destroy()
  redirect("/")
}
