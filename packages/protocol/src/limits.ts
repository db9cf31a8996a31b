/** Size limits enforced by the server; small on purpose (see DESIGN.md decision 7). */
export const LIMITS = {
  /** Largest Socket.IO message in bytes. */
  socketMessageBytes: 16 * 1024,
  /** Largest HTTP JSON body in bytes. */
  httpBodyBytes: 32 * 1024,
  /** Voting-code labels per codes:issue message: 100 x 40 three-byte characters is ~12 KB. */
  codeLabelsPerMessage: 100,
} as const;
