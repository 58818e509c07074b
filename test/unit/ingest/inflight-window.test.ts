import { describe, expect, it } from 'vitest';
import { InflightWindow } from '../../../lib/ingest/inflight-window';

function receive(w: InflightWindow, n: number) {
  for (let i = 0; i < n; i++) w.received();
}

describe('InflightWindow', () => {
  it('waits for an answer once a released window of 10 was answered before and another whole one is released', () => {
    const w = new InflightWindow();
    receive(w, 10);
    w.released(10);
    expect(w.awaitingAnswer).toBe(false); // not yet known to be a window: the backlog may just be 10 long
    receive(w, 10); // the broker answered the release with more: its window is 10
    expect(w.awaitingAnswer).toBe(false);
    w.released(10);
    expect(w.awaitingAnswer).toBe(true);
    w.received();
    expect(w.awaitingAnswer).toBe(false);
  });

  it('does not wait after a release smaller than the window (the backlog ran dry inside it)', () => {
    const w = new InflightWindow();
    receive(w, 20);
    w.released(20);
    receive(w, 7);
    w.released(7);
    expect(w.awaitingAnswer).toBe(false);
  });

  it('does not wait after a stop at another count than the window (Mosquitto: 20, then the rest of the backlog at once)', () => {
    const w = new InflightWindow();
    receive(w, 20);
    w.released(20);
    receive(w, 180);
    w.released(180);
    expect(w.awaitingAnswer).toBe(false);
  });

  it('does not wait while messages are still held (the broker was not stopped by its window)', () => {
    const w = new InflightWindow();
    receive(w, 20);
    w.released(20);
    receive(w, 40);
    w.released(20);
    expect(w.awaitingAnswer).toBe(false);
  });

  it('ignores windows smaller than any common broker sends (a trickle of a few messages per commit)', () => {
    const w = new InflightWindow();
    receive(w, 3);
    w.released(3);
    receive(w, 3);
    w.released(3);
    expect(w.awaitingAnswer).toBe(false);
  });

  it('counts QoS 2 slots until their completion: releases of parts add up to the window', () => {
    const w = new InflightWindow();
    receive(w, 10);
    w.released(10);
    receive(w, 10);
    w.released(4);
    expect(w.awaitingAnswer).toBe(false);
    w.released(6);
    expect(w.awaitingAnswer).toBe(true); // the last completion freed the whole window the broker stopped at
  });
});
