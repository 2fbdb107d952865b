/**
 * Watches which node is active (sys/health 200) by polling every node, and records a `leader`
 * event whenever the observed leader changes (an empty node list = no leader seen).
 */
import type { ChaosCluster } from './cluster/cluster.js';
import type { HistoryRecorder } from './history.js';

/** A running monitor; `current` is the last leader seen. */
export class LeaderMonitor {
  current: string | undefined;
  private running = true;
  private loop: Promise<void> = Promise.resolve();
  polls = 0;

  constructor(
    private readonly cluster: ChaosCluster,
    private readonly recorder: HistoryRecorder,
    private readonly intervalMs = 250,
  ) {}

  start(): void {
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
  }

  private async run(): Promise<void> {
    let last: string | null = null;
    while (this.running) {
      const statuses = await Promise.all(
        this.cluster.members.map(
          async (m) => [m.id, m.process.paused ? 0 : await this.cluster.health(m.id, 1_000)] as const,
        ),
      );
      this.polls++;
      const active = statuses.filter(([, s]) => s === 200).map(([id]) => id);
      const seen = active.join(',');
      if (seen !== last) {
        last = seen;
        this.current = active[0];
        this.recorder.event({
          kind: 'leader',
          nodes: active,
          detail:
            active.length === 0
              ? 'no active node'
              : active.length > 1
                ? `several report active: ${seen}`
                : `${seen} active`,
        });
      }
      await new Promise((r) => setTimeout(r, this.intervalMs));
    }
  }
}
