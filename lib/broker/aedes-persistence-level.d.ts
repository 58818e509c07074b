// aedes-persistence-level 9.x ships no type declarations. Only what lib/broker uses is declared.
declare module 'aedes-persistence-level' {
  /**
   * Wraps a `level` database (opened by the caller, who also closes it) as an aedes persistence
   * (async methods for aedes 1.x, with the callback layer of aedes-persistence on top).
   */
  function aedesPersistenceLevel(db: unknown): { setup(broker: unknown): Promise<void> };
  export default aedesPersistenceLevel;
}
