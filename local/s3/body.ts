/**
 * Request bodies as S3 reads them: plain, or `aws-chunked` with an unsigned trailer (what the SDK
 * and the CLI send when they stream a checksum). Every header and trailer line is bounded before
 * it is parsed; chunk signatures (STREAMING-AWS4-HMAC-SHA256-PAYLOAD) are not offered here.
 */
import type { IncomingMessage } from 'node:http';
import { S3Error } from './errors';

const MAX_LINE = 4096;

export interface BodyStream {
  readonly chunks: AsyncIterable<Buffer>;
  /** Trailer headers (lower-case), complete once `chunks` is exhausted. */
  readonly trailers: Record<string, string>;
}

export const isChunked = (payloadHash: string, contentEncoding: string | undefined): boolean =>
  payloadHash.startsWith('STREAMING-') ||
  (contentEncoding ?? '').split(',').some((e) => e.trim() === 'aws-chunked');

export const bodyStream = (req: IncomingMessage, payloadHash: string): BodyStream => {
  const trailers: Record<string, string> = {};
  if (!isChunked(payloadHash, req.headers['content-encoding'])) {
    return { chunks: req as AsyncIterable<Buffer>, trailers };
  }
  if (payloadHash !== 'STREAMING-UNSIGNED-PAYLOAD-TRAILER') {
    throw new S3Error(
      'NotImplemented',
      `The local S3 stand-in does not accept ${payloadHash} bodies; send UNSIGNED-PAYLOAD or STREAMING-UNSIGNED-PAYLOAD-TRAILER.`,
    );
  }
  async function* decode(): AsyncGenerator<Buffer> {
    let pending: Buffer = Buffer.alloc(0);
    let remaining = -1; // bytes of chunk data still to come; -1 = a size line is next
    let done = false;
    const malformed = () => new S3Error('IncompleteBody', 'The aws-chunked body is malformed.');
    for await (const piece of req as AsyncIterable<Buffer>) {
      pending = pending.length ? Buffer.concat([pending, piece]) : piece;
      for (;;) {
        if (done) {
          const end = pending.indexOf('\r\n\r\n');
          if (end === -1) {
            if (pending.length > MAX_LINE) throw malformed();
            break;
          }
          for (const line of pending.subarray(0, end).toString('latin1').split('\r\n')) {
            const colon = line.indexOf(':');
            if (colon > 0) trailers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
          }
          pending = Buffer.alloc(0);
          return;
        }
        if (remaining === -1) {
          const eol = pending.indexOf('\r\n');
          if (eol === -1) {
            if (pending.length > MAX_LINE) throw malformed();
            break;
          }
          const size = Number.parseInt(pending.subarray(0, eol).toString('latin1').split(';')[0] ?? '', 16);
          if (!Number.isInteger(size) || size < 0) throw malformed();
          pending = pending.subarray(eol + 2);
          if (size === 0) {
            done = true;
            // No trailer at all: the body ends with the empty line.
            if (pending.subarray(0, 2).toString('latin1') === '\r\n') return;
            pending = Buffer.concat([Buffer.from('\r\n'), pending]);
            continue;
          }
          remaining = size;
          continue;
        }
        if (remaining > 0) {
          if (!pending.length) break;
          const take = Math.min(remaining, pending.length);
          yield pending.subarray(0, take);
          pending = pending.subarray(take);
          remaining -= take;
          continue;
        }
        if (pending.length < 2) break;
        if (pending.subarray(0, 2).toString('latin1') !== '\r\n') throw malformed();
        pending = pending.subarray(2);
        remaining = -1;
      }
    }
    if (!done) throw malformed();
  }
  return { chunks: decode(), trailers };
};

/** A whole (small) body, for the XML requests; refused above `max` bytes. */
export const readAll = async (stream: BodyStream, max: number): Promise<Buffer> => {
  const parts: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream.chunks) {
    size += chunk.length;
    if (size > max) throw new S3Error('MalformedXML', 'The XML you provided was too large.');
    parts.push(chunk);
  }
  return Buffer.concat(parts);
};
