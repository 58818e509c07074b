import { ROLE_NAMES } from '../../lib/auth/roles';
import { startConsole } from '../support/console-server';

/** Starts the console on throwaway servers; tests find it through SLUICE_E2E_* variables. */
export default async function globalSetup(): Promise<() => Promise<void>> {
  const app = await startConsole();
  process.env.SLUICE_E2E_BASE_URL = app.baseUrl;
  process.env.SLUICE_E2E_DATABASE_URL = app.databaseUrl;
  process.env.SLUICE_E2E_SECRET_KEY = app.secretKey.toString('base64');
  process.env.SLUICE_E2E_MQTT_PORT = String(app.mosquitto.port);
  process.env.SLUICE_E2E_MQTT_WS_URL = app.mosquitto.wsUrl;
  // Signed in once per role (sign-in is rate-limited); tests pick a state with test.use.
  for (const role of ROLE_NAMES) process.env[`SLUICE_E2E_STATE_${role.toUpperCase()}`] = await app.storageState(role);
  process.env.SLUICE_E2E_ACCOUNTS = JSON.stringify(app.accounts);
  return app.stop;
}
