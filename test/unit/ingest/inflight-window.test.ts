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
