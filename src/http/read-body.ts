import type { IncomingMessage } from 'node:http';
import { HttpError } from '../errors.js';

/**
 * Reads the exact request bytes, refusing more than `limit` (SPEC §4: 413, not a 500). A declared
 * Content-Length over the limit is refused before reading anything.
 */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const tooLarge = (size: string) =>
    new HttpError(413, 'payload_too_large', {
      outcome: 'too_large',
      reason: `body ${size} over the ${limit}-byte limit`,
      body: { limit },
      headers: { connection: 'close' },
    });
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) return Promise.reject(tooLarge(`of ${declared} bytes`));

  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const cleanup = () => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('aborted', onAborted);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        cleanup();
        req.pause();
        reject(tooLarge('of more than that'));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      cleanup();
      resolve(Buffer.concat(chunks, size));
    };
    const onAborted = () => {
      cleanup();
      reject(new HttpError(400, 'aborted', { outcome: 'aborted', reason: 'client closed the connection before the body was complete' }));
    };
    const onError = (error: Error) => {
      cleanup();
      reject(new HttpError(400, 'aborted', { outcome: 'aborted', reason: `request stream error: ${error.message}` }));
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('aborted', onAborted);
  });
}
