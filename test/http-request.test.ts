import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { agentFor, DROPPED_ANSWER_MAX_BYTES, httpRequest } from '../src/outbox/http-request.js';

describe("a sink's answer is read up to 64 KiB, then the connection is closed", () => {
  it('a 2xx answer without end is delivered at once, and only a little of it is read', async () => {
    let written = 0;
    let closed!: () => void;
    const done = new Promise<void>((r) => (closed = r));
    const server = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      const chunk = Buffer.alloc(64 * 1024, 120);
      // 1 GiB, written as fast as the peer reads it.
      const pump = () => {
        while (written < 2 ** 30 && !res.destroyed) {
          written += chunk.length;
          if (!res.write(chunk)) return void res.once('drain', pump);
        }
        res.end();
      };
      res.on('close', closed);
      pump();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`);
    const started = performance.now();
    const answer = await httpRequest(url, {
      method: 'POST',
      headers: {},
      body: '{}',
      agent: agentFor(url, 1),
      timeoutMs: 10_000,
      stop: new AbortController().signal,
      maxBytes: 0,
    });
    expect(answer.status).toBe(200);
    expect(performance.now() - started).toBeLessThan(2000);
    await done;
    // What the peer managed to push into the socket buffers before it was closed: nowhere near 1 GiB.
    expect(written).toBeLessThan(64 * 1024 * 1024);
    expect(DROPPED_ANSWER_MAX_BYTES).toBe(64 * 1024);
    server.close();
  });
});
