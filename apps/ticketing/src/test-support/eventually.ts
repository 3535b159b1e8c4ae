/**
 * Retries `read` until its expectations hold and answers what it returned; past `timeoutMs` of
 * real time the last failure is the test's. Between tries it runs `between` (e.g. moving a
 * ManualClock by one poll of a background task) and waits `pauseMs` of real time for the bus and
 * the projections: that waits for asynchronous processing, never for a timer.
 */
export async function eventually<T>(read: () => Promise<T>, options: Readonly<{ timeoutMs?: number; pauseMs?: number; between?: () => void }> = {}): Promise<T> {
  const deadline = Date.now() + (options.timeoutMs ?? 10_000);
  for (;;) {
    try {
      return await read();
    } catch (error) {
      if (Date.now() >= deadline) throw error;
      options.between?.();
      await new Promise((resolve) => setTimeout(resolve, options.pauseMs ?? 10));
    }
  }
}
