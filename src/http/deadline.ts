/**
 * A deadline for reading one request body: `reached` settles when
 * `milliseconds` have passed, and `clear` drops the timer once the body is
 * read, so no timer outlives its request (a Node process would otherwise
 * stay up for it, and workerd ties timers to the request).
 */
export interface Deadline {
  reached: Promise<void>;
  clear(): void;
}

export function startDeadline(milliseconds: number): Deadline {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const reached = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, milliseconds);
  });
  return { reached, clear: () => clearTimeout(timer) };
}
