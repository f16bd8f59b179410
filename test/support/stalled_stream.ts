/** A request body whose sender sends one small chunk and then nothing more (a slow-body attacker), never ending. */
export function stalledStream(): ReadableStream<Uint8Array> {
  let sent = false;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (!sent) controller.enqueue(new Uint8Array(3));
      sent = true;
      return new Promise(() => undefined);
    },
  });
}
