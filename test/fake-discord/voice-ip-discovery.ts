/**
 * UDP IP discovery (https://discord.com/developers/docs/topics/voice-connections#ip-discovery): a 74-byte
 * packet, all numbers big-endian — type (1 request, 2 response), length (70), SSRC, a 64-byte
 * NUL-terminated address and a port. The server answers with the address and port it saw the request from.
 */

export const IP_DISCOVERY_BYTES = 74;
const REQUEST = 1;
const RESPONSE = 2;
const LENGTH = 70;
const ADDRESS_BYTES = 64;

/** A request, as a client sends it (address and port empty). */
export function ipDiscoveryRequest(ssrc: number): Buffer {
  const b = Buffer.alloc(IP_DISCOVERY_BYTES);
  b.writeUInt16BE(REQUEST, 0);
  b.writeUInt16BE(LENGTH, 2);
  b.writeUInt32BE(ssrc >>> 0, 4);
  return b;
}

/** The SSRC of a well-formed request, or null when `packet` is not one. */
export function parseIpDiscoveryRequest(packet: Uint8Array): number | null {
  if (packet.byteLength !== IP_DISCOVERY_BYTES) return null;
  const b = Buffer.from(packet.buffer, packet.byteOffset, packet.byteLength);
  if (b.readUInt16BE(0) !== REQUEST || b.readUInt16BE(2) !== LENGTH) return null;
  return b.readUInt32BE(4);
}

/** The response carrying the address and port the request came from. */
export function ipDiscoveryResponse(ssrc: number, address: string, port: number): Buffer {
  const b = Buffer.alloc(IP_DISCOVERY_BYTES);
  b.writeUInt16BE(RESPONSE, 0);
  b.writeUInt16BE(LENGTH, 2);
  b.writeUInt32BE(ssrc >>> 0, 4);
  b.write(address.slice(0, ADDRESS_BYTES - 1), 8, 'utf8');
  b.writeUInt16BE(port, 8 + ADDRESS_BYTES);
  return b;
}

/** A response's fields (what a client learns), or null when `packet` is not one. */
export function parseIpDiscoveryResponse(
  packet: Uint8Array,
): { ssrc: number; address: string; port: number } | null {
  if (packet.byteLength !== IP_DISCOVERY_BYTES) return null;
  const b = Buffer.from(packet.buffer, packet.byteOffset, packet.byteLength);
  if (b.readUInt16BE(0) !== RESPONSE || b.readUInt16BE(2) !== LENGTH) return null;
  const raw = b.subarray(8, 8 + ADDRESS_BYTES);
  const end = raw.indexOf(0);
  return {
    ssrc: b.readUInt32BE(4),
    address: raw.subarray(0, end === -1 ? ADDRESS_BYTES : end).toString('utf8'),
    port: b.readUInt16BE(8 + ADDRESS_BYTES),
  };
}
