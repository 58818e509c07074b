import { describe, expect, it } from 'vitest';
import { SluiceError } from '../../../lib/errors';
import type { MqttSessionHandlers, ReceivedMessage } from '../../../lib/ingest/fetch/mqtt-session';
import { SessionRelay } from '../../../lib/ingest/fetch/session-relay';

const message = (id: number): ReceivedMessage => ({ topic: 't', payload: Buffer.from(String(id)), qos: 1, retain: false, dup: false, messageId: id, receivedAt: new Date(0) });

function recorder(log: string[]): MqttSessionHandlers {
  return {
    onMessage: (m) => log.push(`message ${m.messageId}`),
    onPubrel: (id) => log.push(`pubrel ${id}`),
    onError: (e) => log.push(`error ${e.code}`),
  };
}

describe('SessionRelay: one connection for consecutive pulls', () => {
  it('delivers to the attached pull, keeps what comes between pulls in order, and gives it to the next', () => {
    const relay = new SessionRelay();
    const first: string[] = [];
    const second: string[] = [];
    relay.attach(recorder(first));
    relay.onMessage(message(1));
    relay.detach();
    relay.onMessage(message(2));
    relay.onPubrel(7);
    relay.onError(new SluiceError('CONNECTION_LOST', 'gone'));
    expect(first).toEqual(['message 1']);
    relay.attach(recorder(second));
    relay.onMessage(message(3));
    expect(second).toEqual(['message 2', 'pubrel 7', 'error CONNECTION_LOST', 'message 3']);
  });
});
