/**
 * Cluster view: this node's health, seal state and leader (unauthenticated sys/health,
 * sys/seal-status, sys/leader), then — signed in — the members (sys/ha-status, Raft
 * configuration) and autopilot's view of their health. Seal state is only known for the node that
 * serves this page: the API gives no other node's seal state, so each row links to that node's UI.
 */
import { call, describe, read, type Json } from '../api.js';
import { facts, h, notice, replace } from '../dom.js';
import { every, type PageContext } from '../page.js';
import { currentToken } from '../session.js';

/** One member as merged from ha-status, the Raft configuration and autopilot. */
interface Member {
  id: string;
  apiAddress?: string;
  clusterAddress?: string;
  active?: boolean;
  leader?: boolean;
  voter?: boolean;
  autopilot?: Json;
}

/** Renders the cluster page. */
export async function clusterPage(ctx: PageContext): Promise<void> {
  const box = h('div', { id: 'cluster' });
  ctx.root.append(
    box,
    h(
      'button',
      { type: 'button', id: 'cluster-refresh', class: 'secondary', onclick: () => void load() },
      'Refresh',
    ),
  );
  await load();
  every(ctx, 5000, load);

  async function load(): Promise<void> {
    const healthQuery = {
      standbyok: 'true',
      perfstandbyok: 'true',
      sealedcode: '200',
      uninitcode: '200',
      drsecondarycode: '200',
    };
    const signedIn = currentToken() !== undefined;
    const [health, seal, leader, ha, raft, autopilot] = await Promise.allSettled([
      call('GET', 'sys/health', { query: healthQuery, acceptStatuses: [429, 472, 473, 501, 503] }),
      read('sys/seal-status'),
      read('sys/leader'),
      signedIn ? read('sys/ha-status') : Promise.reject(new Error('sign in to list members')),
      signedIn ? read('sys/storage/raft/configuration') : Promise.reject(new Error('sign in')),
      signedIn ? read('sys/storage/raft/autopilot/state') : Promise.reject(new Error('sign in')),
    ]);
    const value = (r: PromiseSettledResult<Json>): Json | undefined =>
      r.status === 'fulfilled' ? r.value : undefined;
    const h1 = value(health) ?? {};
    const s = value(seal) ?? {};
    const l = value(leader) ?? {};
    const sections: HTMLElement[] = [
      h('h2', {}, 'This node'),
      facts('cluster-self', [
        ['Initialised', yesNo(h1.initialized ?? s.initialized)],
        ['Sealed', h('span', { id: 'cluster-self-sealed' }, yesNo(s.sealed ?? h1.sealed))],
        ['Role', h1.standby ? 'standby' : s.sealed ? 'sealed' : 'active'],
        ['HA enabled', yesNo(l.ha_enabled)],
        ['Leader address', String(l.leader_address || '—')],
        ['Cluster', `${s.cluster_name ?? h1.cluster_name ?? ''} ${s.cluster_id ? `(${s.cluster_id})` : ''}`],
        ['Version', String(h1.version ?? s.version ?? '')],
        ['Raft committed index', String(l.raft_committed_index ?? '—')],
      ]),
    ];
    if (!signedIn) {
      sections.push(
        notice('info', h('a', { href: '#/login' }, 'Sign in'), ' to see the members and autopilot state.'),
      );
      replace(box, ...sections);
      return;
    }
    const members = merge(value(ha), value(raft), value(autopilot));
    sections.push(h('h2', {}, 'Members'));
    if (members.length === 0) {
      const why =
        ha.status === 'rejected' ? describe(ha.reason) : 'no HA members (single node, storage without HA)';
      sections.push(notice('info', why));
    } else {
      sections.push(membersTable(members));
    }
    sections.push(h('h2', {}, 'Autopilot'));
    const a = value(autopilot);
    const state = a?.data ?? a;
    if (state === undefined || state.servers === undefined) {
      const why = autopilot.status === 'rejected' ? describe(autopilot.reason) : 'no autopilot state';
      sections.push(
        notice(
          'info',
          `Autopilot state unavailable (${why}): it exists once the node runs integrated (Raft) storage.`,
        ),
      );
    } else {
      sections.push(
        facts('cluster-autopilot', [
          ['Healthy', h('span', { id: 'autopilot-healthy' }, yesNo(state.healthy))],
          ['Failure tolerance', String(state.failure_tolerance ?? '')],
          ['Leader', String(state.leader ?? '')],
          ['Voters', (state.voters ?? []).join(', ')],
        ]),
      );
    }
    replace(box, ...sections);
  }
}

function yesNo(v: unknown): string {
  return v === undefined ? '—' : v ? 'yes' : 'no';
}

function merge(ha: Json | undefined, raft: Json | undefined, autopilot: Json | undefined): Member[] {
  const byId = new Map<string, Member>();
  const get = (id: string): Member => {
    let m = byId.get(id);
    if (m === undefined) byId.set(id, (m = { id }));
    return m;
  };
  for (const n of (ha?.data?.nodes ?? ha?.nodes ?? []) as Json[]) {
    const m = get(String(n.hostname));
    m.apiAddress = n.api_address;
    m.clusterAddress = n.cluster_address;
    m.active = n.active_node === true;
  }
  for (const server of (raft?.data?.config?.servers ?? []) as Json[]) {
    const m = get(String(server.node_id));
    m.leader = server.leader === true;
    m.voter = server.voter === true;
    m.clusterAddress ??= server.address;
  }
  const servers = (autopilot?.data?.servers ?? autopilot?.servers ?? {}) as Record<string, Json>;
  for (const [id, server] of Object.entries(servers)) get(id).autopilot = server;
  return [...byId.values()].sort((a, b) => a.id.localeCompare(b.id));
}

function membersTable(members: Member[]): HTMLTableElement {
  const header = [
    'Node',
    'API address',
    'Cluster address',
    'Role',
    'Voter',
    'Healthy',
    'Last contact',
    'Seal state',
  ];
  return h(
    'table',
    { id: 'cluster-members', class: 'grid' },
    h('thead', {}, h('tr', {}, ...header.map((c) => h('th', {}, c)))),
    h(
      'tbody',
      {},
      ...members.map((m) => {
        const self = m.apiAddress !== undefined && sameOrigin(m.apiAddress);
        const role = m.autopilot?.status ?? (m.leader || m.active ? 'leader' : 'standby');
        const seal = self
          ? 'unsealed (this node)'
          : m.apiAddress
            ? h(
                'a',
                { href: `${m.apiAddress.replace(/\/$/, '')}/ui/#/unseal`, rel: 'noreferrer' },
                'see its UI',
              )
            : 'unknown';
        return h(
          'tr',
          { 'data-node': m.id },
          h('td', {}, m.id),
          h('td', {}, m.apiAddress ?? '—'),
          h('td', {}, m.clusterAddress ?? '—'),
          h('td', { class: 'role' }, String(role)),
          h('td', {}, yesNo(m.voter)),
          h('td', {}, yesNo(m.autopilot?.healthy)),
          h('td', {}, String(m.autopilot?.last_contact ?? '—')),
          h('td', {}, seal),
        );
      }),
    ),
  );
}

function sameOrigin(address: string): boolean {
  try {
    return new URL(address).origin === location.origin;
  } catch {
    return false;
  }
}
