import http from 'node:http';
import https from 'node:https';
import { VERSION } from '../version.js';
import { DeliveryError } from './target.js';

export interface HttpAnswer {
  status: number;
  /** The answer's bytes, at most `maxBytes` (longer is an error: never read unbounded). */
  body: Buffer;
}

export interface HttpRequest {
  method: 'GET' | 'POST';
  headers: Record<string, string>;
  body?: string;
  agent: http.Agent;
  timeoutMs: number;
  /** Aborts the request (the service is stopping). */
  stop: AbortSignal;
  /** Most answer bytes kept; 0: none kept, and at most DROPPED_ANSWER_MAX_BYTES read before the connection is closed. */
  maxBytes: number;
}

/** How much of an answer whose body is not kept (a sink's) is read before the connection is closed. */
export const DROPPED_ANSWER_MAX_BYTES = 64 * 1024;

/** The largest answer a vendor API call keeps. */
const MAX_API_ANSWER_BYTES = 4 * 1024 * 1024;

export interface VendorApiSettings {
  /** Connections kept open at most. */
  sockets: number;
  timeoutMs: number;
  /** Sent with every call (a call's own headers add to them). */
  headers: Record<string, string>;
}

/**
 * A vendor API: its base URL (ending in `/`, so that a call's path resolves below it, whatever
 * path the setting has), one keep-alive agent, and calls with the API's headers and limits.
 */
export function vendorApi(url: string, settings: VendorApiSettings) {
  const base = new URL(url.endsWith('/') ? url : `${url}/`);
  const agent = agentFor(base, settings.sockets);
  return {
    base,
    call: (path: string, init: { method: 'GET' | 'POST'; headers?: Record<string, string>; body?: string }, stop: AbortSignal) =>
      httpRequest(new URL(path.replace(/^\//, ''), base), {
        method: init.method,
        headers: { ...settings.headers, ...init.headers },
        body: init.body,
        agent,
        timeoutMs: settings.timeoutMs,
        stop,
        maxBytes: MAX_API_ANSWER_BYTES,
      }),
    close: () => agent.destroy(),
  };
}

export type VendorApi = ReturnType<typeof vendorApi>;

/** A keep-alive agent for the URL's protocol, `sockets` connections at most. */
export const agentFor = (url: URL, sockets: number): http.Agent =>
  new (url.protocol === 'https:' ? https : http).Agent({ keepAlive: true, maxSockets: sockets });

/**
 * One HTTP request with a deadline. A failure is a DeliveryError said without the URL's query, a
 * secret or a body: `no answer within N ms`, `request failed: ECONNREFUSED`, ...
 */
export async function httpRequest(url: URL, request: HttpRequest): Promise<HttpAnswer> {
  const timeout = AbortSignal.timeout(request.timeoutMs);
  try {
    return await new Promise<HttpAnswer>((resolve, reject) => {
      const headers = {
        'user-agent': `ine-webhooks/${VERSION}`,
        ...request.headers,
        ...(request.body === undefined ? {} : { 'content-length': String(Buffer.byteLength(request.body)) }),
      };
      const outgoing = (url.protocol === 'https:' ? https : http).request(
        url,
        { method: request.method, agent: request.agent, headers, signal: AbortSignal.any([request.stop, timeout]) },
        (response) => {
          const chunks: Buffer[] = [];
          let size = 0;
          // An answer is read up to its cap, then the connection is closed: a sink (or an API)
          // that answers without end costs neither memory nor time.
          const cap = request.maxBytes > 0 ? request.maxBytes : DROPPED_ANSWER_MAX_BYTES;
          response.on('data', (chunk: Buffer) => {
            size += chunk.length;
            if (request.maxBytes > 0 && size <= cap) chunks.push(chunk);
            if (size > cap) {
              outgoing.destroy();
              if (request.maxBytes > 0) reject(new DeliveryError(`answer larger than ${request.maxBytes} bytes`));
              else resolve({ status: response.statusCode!, body: Buffer.alloc(0) });
            }
          });
          response.on('error', reject);
          response.on('end', () => resolve({ status: response.statusCode!, body: Buffer.concat(chunks) }));
        },
      );
      outgoing.on('error', reject);
      outgoing.end(request.body);
    });
  } catch (error) {
    if (error instanceof DeliveryError) throw error;
    if (timeout.aborted) throw new DeliveryError(`no answer within ${request.timeoutMs} ms`);
    if (request.stop.aborted) throw new DeliveryError('stopped while in flight');
    throw new DeliveryError(`request failed: ${(error as { code?: string }).code ?? 'error'}`);
  }
}
