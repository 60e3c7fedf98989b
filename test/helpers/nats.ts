import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';

/** The NATS server with JetStream this machine kind and CI run (`.ci/run` starts it when it is down). */
export const NATS_URL = process.env.TEST_NATS_URL ?? 'nats://127.0.0.1:4222';

async function reachable(): Promise<string | null> {
  try {
    const nc = await connect({ servers: NATS_URL, timeout: 2000, reconnect: false });
    try {
      await (await jetstreamManager(nc, { timeout: 2000 })).getAccountInfo();
      return null;
    } finally {
      await nc.close();
    }
  } catch (error) {
    return (error as Error).message;
  }
}

const problem = await reachable();
if (problem !== null) {
  const line = `NATS tests SKIPPED: no JetStream server reachable at ${NATS_URL} (${problem})`;
  // CI runs on a machine with NATS: there a missing server is a failure, not a skip.
  if (process.env.REQUIRE_NATS === '1') throw new Error(`${line}; REQUIRE_NATS=1`);
  console.warn(line);
}
export const natsAvailable = problem === null;

export interface StreamMessage {
  subject: string;
  msgId: string | undefined;
  event: { id: string; seq: string; provider: string; type: string; sessionId: string | null; payload: unknown };
}

/**
 * Every message in a stream, in stream order, read message by message (a consumer's view of it);
 * none while the stream does not exist yet (the service creates it with its first publish).
 */
export async function readStream(stream: string): Promise<StreamMessage[]> {
  const nc = await connect({ servers: NATS_URL, timeout: 2000 });
  try {
    const jsm = await jetstreamManager(nc);
    const info = await jsm.streams.info(stream).catch((error: unknown) => {
      if ((error as Error).name === 'StreamNotFoundError') return undefined;
      throw error;
    });
    if (!info) return [];
    const messages: StreamMessage[] = [];
    for (let seq = info.state.first_seq; seq <= info.state.last_seq && info.state.messages > 0; seq++) {
      const m = await jsm.streams.getMessage(stream, { seq });
      if (!m) continue;
      messages.push({ subject: m.subject, msgId: m.header?.get('Nats-Msg-Id'), event: m.json() });
    }
    return messages;
  } finally {
    await nc.close();
  }
}

/** Removes a test's stream. */
export async function deleteStream(stream: string): Promise<void> {
  const nc = await connect({ servers: NATS_URL, timeout: 2000 });
  try {
    await (await jetstreamManager(nc)).streams.delete(stream).catch(() => undefined);
  } finally {
    await nc.close();
  }
}
