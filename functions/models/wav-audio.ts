/** WAV (RIFF, 16-bit PCM) encoding and duration, for transcription requests and offline answers. */

export interface PcmFormatInfo {
  sample_rate: number;
  channels: number;
}

/** Wraps signed 16-bit little-endian PCM in a WAV header. */
export function encodeWav(pcm: Uint8Array, format: PcmFormatInfo): Uint8Array {
  const out = new Uint8Array(44 + pcm.byteLength);
  const view = new DataView(out.buffer);
  const ascii = (offset: number, text: string) => {
    for (let i = 0; i < text.length; i++) out[offset + i] = text.charCodeAt(i);
  };
  const blockAlign = format.channels * 2;
  ascii(0, 'RIFF');
  view.setUint32(4, 36 + pcm.byteLength, true);
  ascii(8, 'WAVE');
  ascii(12, 'fmt ');
  view.setUint32(16, 16, true);
  view.setUint16(20, 1, true); // PCM
  view.setUint16(22, format.channels, true);
  view.setUint32(24, format.sample_rate, true);
  view.setUint32(28, format.sample_rate * blockAlign, true);
  view.setUint16(32, blockAlign, true);
  view.setUint16(34, 16, true);
  ascii(36, 'data');
  view.setUint32(40, pcm.byteLength, true);
  out.set(pcm, 44);
  return out;
}

/**
 * Seconds of audio in a WAV file, read from its `fmt ` and `data` chunks; undefined when the bytes
 * are not a WAV file this can read.
 */
export function wavDurationSeconds(bytes: Uint8Array): number | undefined {
  if (bytes.byteLength < 12) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const tag = (offset: number) => String.fromCharCode(...bytes.subarray(offset, offset + 4));
  if (tag(0) !== 'RIFF' || tag(8) !== 'WAVE') return undefined;
  let byteRate: number | undefined;
  for (let offset = 12; offset + 8 <= bytes.byteLength; ) {
    const id = tag(offset);
    const size = view.getUint32(offset + 4, true);
    if (id === 'fmt ' && offset + 16 <= bytes.byteLength) byteRate = view.getUint32(offset + 16, true);
    if (id === 'data') {
      if (!byteRate) return undefined;
      const available = Math.min(size, bytes.byteLength - offset - 8);
      return available / byteRate;
    }
    offset += 8 + size + (size % 2);
  }
  return undefined;
}
