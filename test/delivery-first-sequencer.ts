import type { TestSpecification } from 'vitest/node';
import { BaseSequencer } from 'vitest/node';

/**
 * Vitest's order, except that the files of test/integration/brokers run first. Without a results
 * cache (a clean clone: CI) vitest starts the largest files first, and these are the smallest:
 * a few lines each that run the shared delivery suite against their broker, 25–52 s apiece
 * (RabbitMQ and NATS start slowly). Started last, they ran on after everything else and left the
 * cores mostly idle for the last minute of the suite.
 */
export default class DeliveryFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const delivery = (f: TestSpecification) => /[\\/]test[\\/]integration[\\/]brokers[\\/]/.test(f.moduleId);
    return [...sorted.filter(delivery), ...sorted.filter((f) => !delivery(f))];
  }
}
