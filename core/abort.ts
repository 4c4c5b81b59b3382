/**
 * Abort signals linked by hand, for paths that run once per notification.
 *
 * `AbortSignal.any` and `AbortSignal.timeout` track their signals with WeakRefs
 * and FinalizationRegistry entries: extra objects and weak-reference work for
 * the collector on every call, and a dependant kept on each source until the
 * collector gets to it. A `LinkedAbort` is released explicitly instead
 * (`release()` in a `finally`): its listeners come off its sources and its
 * timer is cleared at once, so a long-lived source (a loop's shutdown signal)
 * never accumulates them.
 */

export interface LinkedAbort {
  /** Aborts when the first source aborts (with its reason), when `timeoutMs` passes, or on `abort()`. */
  readonly signal: AbortSignal;
  abort(reason?: unknown): void;
  /** Detaches from the sources and clears the timer; the signal keeps its state. Idempotent. */
  release(): void;
}

/** The reason `AbortSignal.timeout` gives, so callers that test for a timeout see the same error. */
export function timeoutReason(): DOMException {
  return new DOMException('The operation was aborted due to timeout', 'TimeoutError');
}

export function linkAbort(sources: ReadonlyArray<AbortSignal | undefined>, timeoutMs?: number): LinkedAbort {
  const controller = new AbortController();
  const attached: AbortSignal[] = [];
  let timer: NodeJS.Timeout | undefined;
  const release = (): void => {
    for (const source of attached) source.removeEventListener('abort', onSourceAbort);
    attached.length = 0;
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
  };
  const abort = (reason?: unknown): void => {
    release();
    controller.abort(reason);
  };
  function onSourceAbort(this: AbortSignal): void {
    abort(this.reason);
  }
  for (const source of sources) {
    if (source === undefined) continue;
    if (source.aborted) {
      abort(source.reason);
      break;
    }
    source.addEventListener('abort', onSourceAbort, { once: true });
    attached.push(source);
  }
  if (timeoutMs !== undefined && !controller.signal.aborted) {
    timer = setTimeout(() => abort(timeoutReason()), timeoutMs);
    timer.unref();
  }
  return { signal: controller.signal, abort, release };
}
