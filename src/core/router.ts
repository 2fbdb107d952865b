/**
 * The router: finds the mount that serves a request path by longest prefix (Vault's radix
 * lookup; here a walk over the path's '/' boundaries, O(segments) map lookups) and strips the
 * mount prefix for the engine.
 */
import type { Backend } from '../logical/backend.js';
import type { StorageView } from '../logical/storage-view.js';
import type { MountEntry } from './mount-table.js';

/** A live mount: its table entry, engine instance and chrooted storage. */
export interface Route {
  /** Full path under /v1/, with trailing '/' (`secret/`, `auth/token/`). */
  mountPoint: string;
  entry: MountEntry;
  backend: Backend;
  storage: StorageView;
}

/** A request path resolved to its route. */
export interface RouteMatch {
  route: Route;
  /** The path relative to the mount ('' for the mount root). */
  relativePath: string;
}

export class Router {
  private readonly routes = new Map<string, Route>();

  add(route: Route): void {
    this.routes.set(route.mountPoint, route);
  }

  remove(mountPoint: string): Route | undefined {
    const route = this.routes.get(mountPoint);
    this.routes.delete(mountPoint);
    return route;
  }

  get(mountPoint: string): Route | undefined {
    return this.routes.get(mountPoint);
  }

  all(): Route[] {
    return [...this.routes.values()];
  }

  clear(): void {
    this.routes.clear();
  }

  /**
   * The mount with the longest prefix of `path`. A path equal to a mount point without its
   * trailing slash (`secret`) routes to that mount's root.
   */
  match(path: string): RouteMatch | undefined {
    const exact = this.routes.get(path.endsWith('/') ? path : `${path}/`);
    if (exact !== undefined) {
      return { route: exact, relativePath: path.slice(Math.min(path.length, exact.mountPoint.length)) };
    }
    for (let end = path.lastIndexOf('/'); end >= 0; end = path.lastIndexOf('/', end - 1)) {
      const route = this.routes.get(path.slice(0, end + 1));
      if (route !== undefined) return { route, relativePath: path.slice(end + 1) };
      if (end === 0) break;
    }
    return undefined;
  }
}
