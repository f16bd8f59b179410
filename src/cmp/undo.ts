/** One step to take back when a later step of the same request fails. */
export interface Undo {
  /** For the warning when it cannot be done: "delete the certificate's record". */
  what: string;
  run(): Promise<unknown>;
}

/**
 * Undo the steps done so far, newest first. Stops at the first undo that
 * fails: the steps before it are what the later ones name (a transaction
 * names its certificate's record), so undoing them after a failed undo could
 * leave something that names a record no longer there.
 */
export async function undoAll(steps: readonly Undo[], warn: (what: string, error: unknown) => void): Promise<void> {
  for (const step of [...steps].reverse()) {
    try {
      await step.run();
    } catch (error) {
      warn(step.what, error);
      return;
    }
  }
}
