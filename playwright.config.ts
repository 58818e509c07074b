import { defineConfig } from '@playwright/test';

/**
 * Browser tests: real Chromium (Debian's /usr/bin/chromium) against the built console on a
 * throwaway PostgreSQL and Mosquitto that test/e2e/global-setup.ts starts on free ports.
 */
export default defineConfig({
  testDir: 'test/e2e',
  globalSetup: './test/e2e/global-setup.ts',
  // Two tests at a time (this machine has 2 cores), any two: tests share one console and database,
  // but each makes its own datasets and, where it changes an account, its own account, so tests
  // of one file need not run in order. Scheduled one test at a time rather than one file at a
  // time, a long file no longer leaves the other worker idle at the end of the run.
  fullyParallel: true,
  workers: 2,
  forbidOnly: !!process.env.CI,
  // A cap, not a wait: on this machine (2 cores shared, load 20+) tests that take 10-20 s when
  // quiet ran past 30 s.
  timeout: 90_000,
  expect: { timeout: 10_000 },
  reporter: [['list'], ['json', { outputFile: 'test-results/playwright.json' }]],
  outputDir: 'test-results/playwright',
  // Sign-in is rate-limited per client address, and every browser here is 127.0.0.1: the test that
  // spends the address's attempts runs alone, after all the others, so that no sign-in fails with it.
  projects: [
    { name: 'console', grepInvert: /@exhausts-sign-in/ },
    { name: 'sign-in rate limit', grep: /@exhausts-sign-in/, dependencies: ['console'] },
  ],
  use: {
    trace: 'retain-on-failure',
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      // This machine's network is closed: Chromium's own background calls must not be attempted.
      args: ['--no-sandbox', '--headless=new', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    },
  },
});
