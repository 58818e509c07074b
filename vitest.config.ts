import { defineConfig } from 'vitest/config';
import { BaseSequencer, type TestSpecification } from 'vitest/node';
import path from 'node:path';

/**
 * Vitest's order, except that the files of test/integration/brokers run first. Without a results
 * cache (a clean clone: CI) vitest starts the largest files first, and these are the smallest:
 * a few lines each that run the shared delivery suite against their broker, 25–52 s apiece
 * (RabbitMQ and NATS start slowly). Started last, they ran on after everything else and left the
 * cores mostly idle for the last minute of the suite.
 */
class DeliveryFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const delivery = (f: TestSpecification) => /[\\/]test[\\/]integration[\\/]brokers[\\/]/.test(f.moduleId);
    return [...sorted.filter(delivery), ...sorted.filter((f) => !delivery(f))];
  }
}

export default defineConfig({
  resolve: { alias: { '@': path.resolve(import.meta.dirname) } },
  test: {
    // Two files at once: an integration file spends most of its time waiting on its own broker and
    // database (vitest's default, cores − 1, ran one file at a time on 2 cores). Three took the
    // tier alone from 456 s to 395 s, but the whole suite not measurably (882 s against 867–891 s:
    // the type check and the console build, beside it, got slower). One value for every project,
    // as vitest requires.
    maxWorkers: 2,
    sequence: { sequencer: DeliveryFirstSequencer },
    reporters: ['default', ['json', { outputFile: 'test-results/vitest.json' }]],
    projects: [
      {
        extends: true,
        // A timeout is a safety net, not a measurement: on a loaded machine even millisecond tests
        // can take seconds, so it is generous.
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          exclude: ['test/unit/**/*.mock.test.ts'],
          environment: 'node',
          testTimeout: 30_000,
          // Unit files share a worker's loaded modules instead of each loading lib/ again (75 files:
          // 25 s → 5 s alone on a loaded machine). They mock no module and keep no global state: a
          // file that mocks is named *.mock.test.ts and runs isolated below (a mock in a shared
          // worker would not apply to modules an earlier file loaded, nor stay out of later ones).
          isolate: false,
        },
      },
      {
        extends: true,
        test: { name: 'unit (mocks)', include: ['test/unit/**/*.mock.test.ts'], environment: 'node', testTimeout: 30_000 },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          environment: 'node',
          globalSetup: ['test/integration/global-setup.ts'],
          testTimeout: 180_000, // a safety net: CLI tests spawn processes that take seconds each on a loaded machine
          hookTimeout: 60_000,
          // Each file gets its own broker/database; files run in parallel (see maxWorkers above).
          fileParallelism: true,
        },
      },
    ],
  },
});
