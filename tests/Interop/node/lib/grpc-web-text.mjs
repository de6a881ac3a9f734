// gRPC-Web text mode (application/grpc-web-text) by hand: connect-es speaks only the binary form.
// The body is base64 of the binary gRPC-Web stream; a sender may encode piecewise, so padding ('=') can
// appear in the middle of the text and every padded quad must be decoded on its own.
import { Buffer } from 'node:buffer';

export const trailerFlag = 0x80;

/** Decodes base64 arriving in arbitrary chunks, including padding in the middle of the stream. */
export class Base64ChunkDecoder {
  #pending = '';

  /** Returns the bytes of every complete 4-character quad received so far. */
  push(text) {
    const input = this.#pending + text.replace(/\s+/g, '');
    const whole = input.length - (input.length % 4);
    this.#pending = input.slice(whole);
    const parts = [];
    let start = 0;
    for (let quad = 0; quad < whole; quad += 4) {
      if (input[quad + 3] === '=') {
        parts.push(decodeStrict(input.slice(start, quad + 4)));
        start = quad + 4;
      }
    }
    if (start < whole) {
      parts.push(decodeStrict(input.slice(start, whole)));
    }
    return Buffer.concat(parts);
  }

  /** Throws if the text ended inside a quad. */
  end() {
    if (this.#pending.length > 0) {
      throw new Error(`base64 body ends with an incomplete quad '${this.#pending}'`);
    }
  }
}

function decodeStrict(text) {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text)) {
    throw new Error(`invalid base64 in grpc-web-text body near '${text.slice(0, 16)}'`);
  }
  return Buffer.from(text, 'base64');
}

export function frame(flag, payload) {
  const header = Buffer.alloc(5);
  header.writeUInt8(flag, 0);
  header.writeUInt32BE(payload.length, 1);
  return Buffer.concat([header, Buffer.from(payload)]);
}

/**
 * Splits a decoded gRPC-Web body into messages and the trailer frame. The trailer frame must be last and
 * holds HTTP/1-style "name: value" lines; names are lower-cased.
 */
export function parseFrames(body) {
  const messages = [];
  let trailers = null;
  let offset = 0;
  while (offset < body.length) {
    if (body.length - offset < 5) {
      throw new Error(`truncated frame header at byte ${offset}`);
    }
    const flag = body.readUInt8(offset);
    const length = body.readUInt32BE(offset + 1);
    const end = offset + 5 + length;
    if (end > body.length) {
      throw new Error(`frame at byte ${offset} declares ${length} bytes, only ${body.length - offset - 5} present`);
    }
    if (trailers !== null) {
      throw new Error('data after the trailer frame');
    }
    const payload = body.subarray(offset + 5, end);
    if (flag & trailerFlag) {
      trailers = parseTrailerBlock(payload.toString('latin1'));
    } else if (flag !== 0) {
      throw new Error(`unexpected frame flag 0x${flag.toString(16)} (compressed frames are not requested by this client)`);
    } else {
      messages.push(payload);
    }
    offset = end;
  }
  return { messages, trailers };
}

function parseTrailerBlock(text) {
  const trailers = new Map();
  for (const line of text.split('\r\n')) {
    if (line === '') {
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) {
      throw new Error(`malformed trailer line '${line}'`);
    }
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    trailers.set(name, trailers.has(name) ? `${trailers.get(name)},${value}` : value);
  }
  return trailers;
}
