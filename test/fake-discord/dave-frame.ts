/** DAVE's supplemental data ends with this magic marker (https://daveprotocol.com/#protocol-frame-format). */
export function isDaveFrame(frame: Buffer): boolean {
  return frame.length > 2 && frame[frame.length - 2] === 0xfa && frame[frame.length - 1] === 0xfa;
}
