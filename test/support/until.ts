/** Polls a condition until it holds (the test's timeout bounds it): a wait for a condition, never for a duration. */
export async function until(condition: () => Promise<boolean> | boolean): Promise<void> {
  while (!(await condition())) await new Promise((r) => setTimeout(r, 20));
}
