/**
 * The shape every observing middleware shares: run the call, then record how it ended
 * (`undefined` for success, else the error), and pass the outcome on unchanged.
 */
export async function settled<T>(run: () => Promise<T>, settle: (failure: unknown) => void): Promise<T> {
  let failure: unknown;
  try {
    return await run();
  } catch (error) {
    failure = error;
    throw error;
  } finally {
    settle(failure);
  }
}
