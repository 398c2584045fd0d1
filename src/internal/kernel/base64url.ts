/**
 * base64url, the one encoder of the kernel (Web Crypto's seals, session ids),
 * through the runtime's own btoa/atob (native in every runtime): a JavaScript
 * loop over the bytes costs more than the rest of an unseal in an isolate
 * whose Web Crypto is native. Seals are at most a few kilobytes, so the binary
 * string is small. (`node:crypto`'s backend uses `Buffer`'s own, faster there.)
 *
 * @internal
 */
export const toBase64Url = (bytes: Uint8Array): string => {
  let binary = ""
  for (let i = 0; i < bytes.length; i++) binary += String.fromCharCode(bytes[i] as number)
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "")
}

/** The bytes of a base64url string already checked to be one (see `iron.ts`): it does not validate. */
export const fromBase64Url = (text: string): Uint8Array<ArrayBuffer> => {
  const binary = atob(text.replace(/-/g, "+").replace(/_/g, "/"))
  const bytes = new Uint8Array(binary.length)
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i)
  return bytes
}
