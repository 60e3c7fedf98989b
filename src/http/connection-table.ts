import type { Server } from 'node:http';
import type { Socket } from 'node:net';

/**
 * Keeps at most `max` connections open on `server`. At the bound, a new connection takes the
 * place of the oldest idle one (no request in progress, and nothing sent since its last answer or
 * since it opened), so a table kept full of idle sockets cannot refuse a genuine sender; only
 * when every connection is busy with a request is the newcomer closed on arrival.
 */
export function boundConnections(server: Server, max: number, on: { evicted(): void; dropped(): void }): void {
  /** Per socket: requests in progress, and its bytesRead when it last became idle. */
  const sockets = new Map<Socket, { active: number; idleAt: number }>();
  /** Idle sockets, oldest first. */
  const idle = new Set<Socket>();
  const makeRoom = (): boolean => {
    for (const socket of idle) {
      idle.delete(socket);
      const state = sockets.get(socket);
      // Bytes since it went idle: a request is on its way (its headers are still arriving).
      if (!state || state.active > 0 || socket.bytesRead !== state.idleAt) continue;
      sockets.delete(socket);
      socket.destroy();
      on.evicted();
      return true;
    }
    return false;
  };
  server.on('connection', (socket: Socket) => {
    if (sockets.size >= max && !makeRoom()) {
      socket.destroy();
      on.dropped();
      return;
    }
    sockets.set(socket, { active: 0, idleAt: 0 });
    idle.add(socket);
    socket.once('close', () => {
      sockets.delete(socket);
      idle.delete(socket);
    });
  });
  server.on('request', (req, res) => {
    const socket = req.socket;
    const state = sockets.get(socket);
    if (!state) return;
    state.active += 1;
    idle.delete(socket);
    res.once('close', () => {
      state.active -= 1;
      if (state.active === 0 && sockets.has(socket)) {
        state.idleAt = socket.bytesRead;
        idle.add(socket);
      }
    });
  });
}
