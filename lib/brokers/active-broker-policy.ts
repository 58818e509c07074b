import { readEnv, type SluiceEnv } from '../config/env';
import { isSignupOpen } from '../config/signup';
import { deviceEndpointPorts } from '../device-endpoint/endpoint-config';
import { brokerPolicyFrom, type BrokerPolicy } from './broker-policy';

/**
 * The broker policy of this process. Built from the environment on first use; `sluice serve`
 * installs one that also knows the console's own port. Kept on globalThis because Next.js bundles
 * its own copy of lib/ beside the server's, and both must judge connections alike.
 */
const holder = globalThis as unknown as { sluiceBrokerPolicy?: BrokerPolicy };

export function activeBrokerPolicy(): BrokerPolicy {
  holder.sluiceBrokerPolicy ??= brokerPolicyFromEnv(readEnv());
  return holder.sluiceBrokerPolicy;
}

export function installBrokerPolicy(policy: BrokerPolicy): void {
  holder.sluiceBrokerPolicy = policy;
}

/**
 * The device endpoint's ports count as the console's own: a dataset pointed at them would make
 * the console a device, and its failed authentications would lock out every device of its address.
 */
export function brokerPolicyFromEnv(env: SluiceEnv, consolePorts: number[] = []): BrokerPolicy {
  return brokerPolicyFrom(env, { signupOpen: isSignupOpen(env), consolePorts: [...consolePorts, ...deviceEndpointPorts(env)] });
}
