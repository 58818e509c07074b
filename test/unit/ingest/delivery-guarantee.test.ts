import { describe, expect, it } from 'vitest';
import { deliveryGuarantee, describeQosDowngrade, formatDeliveryGuarantee } from '../../../lib/ingest/delivery-guarantee';
import { qosDowngrades } from '../../../lib/ingest/fetch/mqtt-session';

describe('granted QoS and the delivery guarantee (issue 15)', () => {
  it('lists only the filters granted less than asked', () => {
    expect(qosDowngrades([{ path: 'a/#', qos: 2, granted: 1 }, { path: 'b', qos: 1, granted: 1 }, { path: 'c', qos: 1 }])).toEqual([{ path: 'a/#', asked: 2, granted: 1 }]);
  });

  it('says what QoS 2 granted as QoS 1 means for Append and for a keyed merge', () => {
    expect(describeQosDowngrade({ path: 'x', asked: 2, granted: 1 }, 'Append')).toBe(
      'broker granted QoS 1 for topic "x" (asked 2): after a crash an Append dataset may receive a message twice',
    );
    expect(describeQosDowngrade({ path: 'x', asked: 2, granted: 1 }, 'Ledger')).toContain('dropped by the Ledger merge keys');
    expect(describeQosDowngrade({ path: 'x', asked: 1, granted: 0 }, 'Ledger')).toContain('keeps nothing for the dataset while no pull is connected');
  });

  it('is the weakest filter\'s, from the broker\'s grants once a pull recorded them', () => {
    const asked = [{ path: 'a', qos: 2 as const }, { path: 'b', qos: 2 as const }];
    const before = deliveryGuarantee(asked, null, 'Append')!;
    expect(before).toMatchObject({ level: 'exactly-once', confirmed: false });
    expect(formatDeliveryGuarantee(before)).toBe('exactly-once (unconfirmed)');

    const rabbit = deliveryGuarantee(asked, [{ path: 'a', qos: 2, granted: 2 }, { path: 'b', qos: 2, granted: 1 }], 'Append')!;
    expect(rabbit).toMatchObject({ level: 'at-least-once', confirmed: true });
    expect(rabbit.reason).toBe('broker granted QoS 1 for topic "b" (asked 2): after a crash an Append dataset may receive a message twice');
    expect(deliveryGuarantee(asked, [{ path: 'a', qos: 2, granted: 1 }, { path: 'b', qos: 2, granted: 1 }], 'Ledger')).toMatchObject({ level: 'exactly-once', confirmed: true });
    // A grant recorded for another QoS than the manifest now asks is not this filter's.
    expect(deliveryGuarantee([{ path: 'a', qos: 1 }], [{ path: 'a', qos: 2, granted: 1 }], 'Append')).toMatchObject({ level: 'at-least-once', confirmed: false });
    expect(deliveryGuarantee([{ path: 'a', qos: 0 }, { path: 'b', qos: 2 }], null, 'Ledger')).toMatchObject({ level: 'at-most-once' });
  });
});
