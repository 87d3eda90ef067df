/** Decodes a fetched text body: the header's charset, else a BOM, else an HTML meta declaration, else UTF-8. */

export interface DecodedBody {
  /** The encoding actually used (a label the runtime's TextDecoder accepted). */
  charset: string;
  text: string;
}

function charsetParam(contentType: string | null): string | undefined {
  const match = /;\s*charset\s*=\s*"?([^";\s]+)"?/i.exec(contentType ?? '');
  return match?.[1]?.toLowerCase();
}

function bomCharset(bytes: Uint8Array): string | undefined {
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) return 'utf-8';
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return 'utf-16le';
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return 'utf-16be';
  return undefined;
}

/** `<meta charset=…>` or the http-equiv form, read from the first 1024 bytes as the HTML spec's prescan does. */
function metaCharset(bytes: Uint8Array): string | undefined {
  const head = new TextDecoder('latin1').decode(bytes.subarray(0, 1024));
  const match = /<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_:.-]+)/i.exec(head);
  return match?.[1]?.toLowerCase();
}

function decoderFor(label: string | undefined): { decoder: TextDecoder; charset: string } | undefined {
  if (!label) return undefined;
  try {
    const decoder = new TextDecoder(label);
    return { decoder, charset: decoder.encoding };
  } catch {
    return undefined; // an unknown label or one this runtime lacks: the next source decides
  }
}

/** Decodes `bytes`; an encoding the runtime does not know falls through to the next source, finally UTF-8. */
export function decodeBody(bytes: Uint8Array, contentType: string | null, mediaType: string): DecodedBody {
  const html = mediaType === 'text/html' || mediaType === 'application/xhtml+xml';
  const chosen =
    decoderFor(bomCharset(bytes)) ??
    decoderFor(charsetParam(contentType)) ??
    (html ? decoderFor(metaCharset(bytes)) : undefined) ??
    (decoderFor('utf-8') as { decoder: TextDecoder; charset: string });
  return { charset: chosen.charset, text: chosen.decoder.decode(bytes) };
}
