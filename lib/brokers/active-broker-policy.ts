import { readEnv, type SluiceEnv } from '../config/env';
import { isSignupOpen } from '../config/signup';
import { deviceEndpointPorts } from '../device-endpoint/endpoint-config';
import type { Store } from '../store/connect-store';
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
 * `signupOpenElsewhere`: the console said sign-up is open (see installRecordedBrokerPolicy).
 */
export function brokerPolicyFromEnv(env: SluiceEnv, consolePorts: number[] = [], signupOpenElsewhere = false): BrokerPolicy {
  return brokerPolicyFrom(env, { signupOpen: signupOpenElsewhere || isSignupOpen(env), consolePorts: [...consolePorts, ...deviceEndpointPorts(env)] });
}

/**
 * The console's policy, installed and recorded: at each start the console records whether
 * sign-up is open and which ports are its own, and a process without a console of its own (the
 * CLI, `sluice worker`; installRecordedBrokerPolicy) judges brokers as if sign-up were open when
 * either its environment or that record says so, and never takes those ports for a broker.
 * Otherwise a cron job's `sluice pull --all`, started without the console's SLUICE_OPEN_SIGNUP,
 * reached the loopback services a stranger's dataset named.
 */
export async function installConsoleBrokerPolicy(store: Pick<Store, 'operatorSettings'>, env: SluiceEnv, consolePorts: number[]): Promise<void> {
  const policy = brokerPolicyFromEnv(env, consolePorts);
  installBrokerPolicy(policy);
  await store.operatorSettings.recordConsole({ signupOpen: isSignupOpen(env), ports: policy.consolePorts });
}

export async function installRecordedBrokerPolicy(store: Pick<Store, 'operatorSettings'>, env: SluiceEnv): Promise<void> {
  const recorded = await store.operatorSettings.recordedConsole();
  installBrokerPolicy(brokerPolicyFromEnv(env, recorded.ports, recorded.signupOpen));
}
