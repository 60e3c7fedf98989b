import { jetstream, jetstreamManager, type JetStreamClient } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { forwardJson } from './forward-json.js';
import { QUEUES } from '../outbox/queues.js';
import { DeliveryError, type Target } from '../outbox/target.js';

export interface NatsSinkOptions {
  url: string;
  stream: string;
  /** Subjects are `<prefix>.<provider>.<type>`; `ine` unless set (NATS_SUBJECT_PREFIX). */
  subjectPrefix: string;
  timeoutMs: number;
}

/** A subject token: NATS forbids dots, wildcards and white space inside one. */
const token = (text: string) => text.replace(/[^A-Za-z0-9_-]/g, '_') || '_';

/** Server addresses as they may be shown (logs, /sinks): without the user and password a URL may carry. */
export const shownServers = (url: string) => url.replace(/(^|,|\/\/)[^,/@\s]*@/g, '$1…@');

export const natsSubject = (prefix: string, provider: string, type: string) => `${prefix}.${token(provider)}.${token(type)}`;

/**
 * The NATS JetStream sink: the event JSON on `<prefix>.<provider>.<type>` (prefix `ine` by default), with `Nats-Msg-Id` = the
 * event id, so JetStream's duplicate window drops a republish after a crash. Delivered when the
 * server acknowledges the publish. The stream is created (subjects `<prefix>.>`) if it is missing.
 */
export function natsSink(options: NatsSinkOptions): Target {
  let connecting: Promise<{ nc: NatsConnection; js: JetStreamClient }> | undefined;
  const connection = () =>
    (connecting ??= (async () => {
      const nc = await connect({
        servers: options.url.split(','),
        timeout: options.timeoutMs,
        maxReconnectAttempts: -1,
        name: 'ine-webhooks',
      });
      try {
        const jsm = await jetstreamManager(nc, { timeout: options.timeoutMs });
        const exists = await jsm.streams.info(options.stream).then(
          () => true,
          (error: unknown) => {
            if ((error as { name?: string }).name === 'StreamNotFoundError' || /not found/i.test(String(error))) return false;
            throw error;
          },
        );
        if (!exists) await jsm.streams.add({ name: options.stream, subjects: [`${options.subjectPrefix}.>`] });
        return { nc, js: jetstream(nc, { timeout: options.timeoutMs }) };
      } catch (error) {
        await nc.close();
        throw error;
      }
    })().catch((error: unknown) => {
      connecting = undefined;
      throw new DeliveryError(`NATS: ${shownServers((error as Error).message)}`);
    }));
  return {
    name: QUEUES.nats,
    describe: `nats ${shownServers(options.url)} stream ${options.stream} subjects ${options.subjectPrefix}.>`,
    verb: 'forwarding',
    ordered: true,
    async deliver(item) {
      const { js } = await connection();
      try {
        await js.publish(natsSubject(options.subjectPrefix, item.event.provider, item.event.type), forwardJson(item.event), {
          msgID: item.event.id,
          timeout: options.timeoutMs,
        });
      } catch (error) {
        throw new DeliveryError(`NATS publish: ${shownServers((error as Error).message)}`);
      }
    },
    async close() {
      const current = connecting;
      connecting = undefined;
      await current?.then(({ nc }) => nc.drain()).catch(() => undefined);
    },
  };
}
