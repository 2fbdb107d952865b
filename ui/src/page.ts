/**
 * The contract between the router (main.ts) and each page: a page renders into its own `root`
 * (a fresh element per visit, so a slow answer for a page already left lands in a detached node),
 * registers cleanups (timers) with `onLeave`, and may ask for navigation or a status refresh.
 */

/** What the router hands a page. */
export interface PageContext {
  /** The page's own element, already attached. */
  root: HTMLElement;
  /** Runs `cleanup` when the user leaves the page. */
  onLeave(cleanup: () => void): void;
  /** Goes to `#/<route>`. */
  navigate(route: string): void;
  /** Re-reads this node's seal status for the header. */
  refreshStatus(): void;
  /** Query parameters of the route (`#/kv?mount=secret/` → mount). */
  params: URLSearchParams;
}

/** A page: renders itself into `ctx.root`. */
export type Page = (ctx: PageContext) => void | Promise<void>;

/** Every `interval` ms, runs `tick` (not overlapping) until the page is left. */
export function every(ctx: PageContext, intervalMs: number, tick: () => Promise<void>): void {
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    void tick().finally(() => {
      running = false;
    });
  }, intervalMs);
  ctx.onLeave(() => clearInterval(timer));
}
