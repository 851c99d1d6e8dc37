// What runs when a connection goes away (long polls release their waits there), for the
// connection itself and for the main thread's stand-in of one served by a network thread
// (src/network/forwarded.ts). A hook added once it has gone runs at once; each hook added answers
// how to take it back (a wait that ended: a long-lived connection would otherwise keep every hook,
// and what it holds, until it closes).
const NOTHING = (): void => {};

export class CloseHooks {
  private readonly hooks = new Set<() => void>();
  private fired = false;

  add(hook: () => void): () => void {
    if (this.fired) {
      hook();
      return NOTHING;
    }
    this.hooks.add(hook);
    return () => { this.hooks.delete(hook); };
  }

  /** Runs every hook once; those added later run as they are added. */
  fire(): void {
    this.fired = true;
    const hooks = [...this.hooks];
    this.hooks.clear();
    for (const h of hooks) h();
  }
}
