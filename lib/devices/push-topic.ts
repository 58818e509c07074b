/** The topic filter of a push dataset without a setting of its own: its name and everything below. */
export function defaultPushTopic(name: string): string {
  return `${name}/#`;
}
