/**
 * npm run bench:preview — the live preview under a flood, measured in headless Chromium.
 *
 * Publishes BENCH_RATE (default 2,000) messages/s for BENCH_SECONDS (default 60) to a previewed
 * topic and prints: messages the page counted (all must be), messages shown per second, the
 * longest main-thread task (target ≤ 200 ms), and the page's JS heap over time after a GC (target:
 * flat once the history ring is full).
 */
import { chromium } from '@playwright/test';
import mqtt from 'mqtt';
import { addDataset } from '../lib/datasets/add-dataset';
import { openStore } from '../lib/store/open-store';
import { startConsole } from '../test/support/console-server';
import { mqttManifest } from '../test/support/manifests';

const RATE = Number(process.env.BENCH_RATE ?? 2000);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 60);
const TICK_MS = 10;

const mib = (bytes: number) => `${(bytes / 1048576).toFixed(1)} MiB`;

async function main() {
  const app = await startConsole();
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--headless=new', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  try {
    const store = await openStore({ databaseUrl: app.databaseUrl, secretKey: app.secretKey });
    const { id } = await addDataset({ store, manifest: mqttManifest({ name: 'bench.preview', port: app.mosquitto.port, topics: [{ path: 'bench/preview/#' }] }) });
    await store.datasets.setPreviewWsUrl(id, app.mosquitto.wsUrl);
    await store.close();

    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 }, storageState: await app.storageState('maintainer') });
    await page.addInitScript(() => {
      const w = window as unknown as { __longestTask: number };
      w.__longestTask = 0;
      new PerformanceObserver((list) => {
        for (const e of list.getEntries()) w.__longestTask = Math.max(w.__longestTask, e.duration);
      }).observe({ type: 'longtask', buffered: true });
    });
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Performance.enable');
    await page.goto(`${app.baseUrl}/w/default/datasets/bench.preview/preview`);
    await page.getByRole('button', { name: 'Connect' }).click();
    await page.locator('[data-testid="connection-state"][data-status="connected"]').waitFor();
    await page.evaluate(() => ((window as unknown as { __longestTask: number }).__longestTask = 0)); // page load is not the flood

    const received = async () => Number(await page.getByTestId('preview-counters').getAttribute('data-received'));
    const heap = async () => {
      await cdp.send('HeapProfiler.collectGarbage');
      const { metrics } = await cdp.send('Performance.getMetrics');
      return metrics.find((m) => m.name === 'JSHeapUsedSize')!.value;
    };

    const device = await mqtt.connectAsync(`mqtt://127.0.0.1:${app.mosquitto.port}`, { reconnectPeriod: 0 });
    const total = RATE * SECONDS;
    let sent = 0;
    const t0 = performance.now();
    const heapSamples: string[] = [];
    let nextSample = 10;
    console.log(`publishing ${total.toLocaleString('en-US')} messages at ${RATE.toLocaleString('en-US')}/s for ${SECONDS} s (QoS 0, ~150 bytes)…`);
    while (sent < total) {
      const due = Math.min(total, Math.floor(((performance.now() - t0) / 1000) * RATE));
      for (; sent < due; sent++) {
        device.publish(`bench/preview/dev${sent % 50}`, JSON.stringify({ event_time: new Date().toISOString(), device: `dev${sent % 50}`, value: sent, note: 'preview-bench-padding-0123456789abcdef' }));
      }
      const elapsed = (performance.now() - t0) / 1000;
      if (elapsed >= nextSample) {
        heapSamples.push(`${nextSample}s ${mib(await heap())}`);
        nextSample += 10;
      }
      await new Promise((r) => setTimeout(r, TICK_MS));
    }
    const publishSeconds = (performance.now() - t0) / 1000;
    await device.endAsync();
    // Let the last messages arrive.
    const deadline = Date.now() + 10_000;
    while ((await received()) < total && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    const counted = await received();
    const longest = await page.evaluate(() => (window as unknown as { __longestTask: number }).__longestTask);
    heapSamples.push(`end ${mib(await heap())}`);

    console.log(`messages published:             ${total.toLocaleString('en-US')} in ${publishSeconds.toFixed(1)} s`);
    console.log(`messages counted by the page:   ${counted.toLocaleString('en-US')} (${counted === total ? 'all' : `${total - counted} missing`})`);
    console.log(`messages shown per second:      ${Math.round(counted / publishSeconds).toLocaleString('en-US')}`);
    // The Long Tasks API reports only tasks of 50 ms or more.
    const longestText = longest > 0 ? `${Math.round(longest)} ms` : 'under 50 ms (no long task reported)';
    console.log(`longest main-thread task:       ${longestText} (target ≤ 200 ms)`);
    console.log(`JS heap after GC:               ${heapSamples.join(' · ')} (target: flat once the 10,000-message ring is full)`);
  } finally {
    await browser.close();
    await app.stop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
