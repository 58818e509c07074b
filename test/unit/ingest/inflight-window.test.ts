import { describe, expect, it } from 'vitest';
import { InflightWindow } from '../../../lib/ingest/inflight-window';

function receive(w: InflightWindow, n: number) {
  for (let i = 0; i < n; i++) w.received();
}

/** The broker sends `n`, the pull releases them all. */
function cycle(w: InflightWindow, n: number) {
  receive(w, n);
  w.released(n);
}

describe('InflightWindow', () => {
  it('waits for an answer once the broker resumed three times from the same count of at least 10 (RabbitMQ: 10)', () => {
    const w = new InflightWindow();
    cycle(w, 10);
    cycle(w, 10);
    cycle(w, 10);
    expect(w.awaitingAnswer).toBe(false); // resumed twice so far: the third release is not answered yet
    cycle(w, 10);
    expect(w.awaitingAnswer).toBe(true);
    w.received();
    expect(w.awaitingAnswer).toBe(false);
  });

  it('also waits after a short delivery once the window is steady (RabbitMQ sent 6 of 10, then paused for over a second)', () => {
    const w = new InflightWindow();
    for (let i = 0; i < 4; i++) cycle(w, 10);
    cycle(w, 6);
    expect(w.awaitingAnswer).toBe(true);
  });

  it('counts resumptions after partial releases (a window committed in two parts)', () => {
    const w = new InflightWindow();
    receive(w, 10);
    for (let i = 0; i < 3; i++) {
      w.released(7);
      receive(w, 7); // back to 10 outstanding: a resumption from 10
    }
    w.released(10);
    expect(w.awaitingAnswer).toBe(true);
  });

  it('never waits on a broker without a steady window (Mosquitto over 3.1.1: 20, then the rest of the backlog at once)', () => {
    const w = new InflightWindow();
    cycle(w, 20);
    cycle(w, 180);
    expect(w.awaitingAnswer).toBe(false);
  });

  it('ignores counts below any common window (a trickle of a few messages per commit)', () => {
    const w = new InflightWindow();
    for (let i = 0; i < 10; i++) cycle(w, 3);
    expect(w.awaitingAnswer).toBe(false);
  });
});

describe('InflightWindow.holdsWindow', () => {
  it('is true of a queue of as many messages as the steady window it learned (EMQX: 32), and of none before it learned one', () => {
    const w = new InflightWindow();
    receive(w, 32);
    expect(w.holdsWindow(32)).toBe(false); // nothing learned yet: a quiet must tell
    w.released(32);
    for (let i = 0; i < 3; i++) cycle(w, 32); // resumed from 32 three times
    expect(w.holdsWindow(31)).toBe(false);
    expect(w.holdsWindow(32)).toBe(true);
  });
});

describe('InflightWindow.quietAgain', () => {
  it('takes a quiet for a window when the broker went quiet with as many messages outstanding as at its last quiet (EMQX: 32 each time)', () => {
    const w = new InflightWindow();
    receive(w, 32);
    expect(w.quietAgain()).toBe(false); // the first stop: a window or a pause, nothing to tell them apart
    w.released(32);
    receive(w, 32);
    expect(w.quietAgain()).toBe(true);
    w.released(32);
    receive(w, 32);
    expect(w.quietAgain()).toBe(true);
  });

  it('does not take the pauses of a stream for a window: each at whatever count it had', () => {
    const w = new InflightWindow();
    for (const n of [25, 50, 75, 25]) {
      receive(w, n);
      expect(w.quietAgain()).toBe(false);
      w.released(n);
    }
  });

  it('has no window to wait on with no QoS 1/2 message outstanding (a QoS 0 stream)', () => {
    const w = new InflightWindow();
    expect(w.quietAgain()).toBe(false);
    expect(w.quietAgain()).toBe(false);
  });
});
