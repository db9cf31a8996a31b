/** Size limits enforced by the server; small on purpose (see DESIGN.md decision 7). */
export const LIMITS = {
  /** Largest Socket.IO message in bytes. */
  socketMessageBytes: 16 * 1024,
  /** Largest HTTP JSON body in bytes. */
  httpBodyBytes: 32 * 1024,
} as const;
