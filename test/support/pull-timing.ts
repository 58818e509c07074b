/**
 * How long a test's pull waits for the broker to go quiet before it ends. A pull's semantics, not
 * a sleep: it must outlast the broker's delivery of a queued backlog on a loaded machine (300 ms
 * did not, with the suite running twice on 2 cores), or the pull ends early and the test fails.
 */
export const TEST_IDLE_MS = 1000;
