// The delivery suite on embedded (issue 15); one file per broker so vitest runs the brokers in parallel.
import { deliverySuite } from './delivery-suite';

deliverySuite('embedded');
