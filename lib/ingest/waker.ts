/** A loop's interruptible sleep: `sleep(ms)` resolves after `ms`, or at once when `wake()` is called (a message came). */
export class Waker {
  private wakeUp: (() => void) | undefined;

  wake(): void {
    const wakeUp = this.wakeUp;
    this.wakeUp = undefined;
    wakeUp?.();
  }

  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.wakeUp = undefined;
        resolve();
      }, Math.max(1, ms));
      this.wakeUp = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }
}
