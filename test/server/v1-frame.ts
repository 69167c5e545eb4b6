// A v1.kernel.websocket.jupyter.org frame written by the tests' own hand, as the protocol
// describes it (not with the server's encoder, so a mistake there cannot hide one here): a
// count of offsets, the offsets, then the channel name, the message parts and the buffers.
export function v1Frame(channel: string, parts: Buffer[], buffers: Buffer[] = []): Buffer {
  const pieces = [Buffer.from(channel), ...parts, ...buffers];
  const count = pieces.length + 1;
  const header = Buffer.alloc(8 * (1 + count));
  header.writeBigUInt64LE(BigInt(count), 0);
  let offset = header.length;
  pieces.forEach((piece, i) => {
    header.writeBigUInt64LE(BigInt(offset), 8 * (i + 1));
    offset += piece.length;
  });
  header.writeBigUInt64LE(BigInt(offset), 8 * count);
  return Buffer.concat([header, ...pieces]);
}
