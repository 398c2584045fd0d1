/**
 * Node's request and response types, for the facade's signatures to match
 * iron-session 9's exactly (code that reads them back with `Parameters<…>`
 * expects the full `IncomingMessage`). Types only: nothing from `node:` is
 * imported at run time, so the facade still loads on edge runtimes.
 *
 * @internal
 */
export type { IncomingMessage, ServerResponse } from "node:http"
