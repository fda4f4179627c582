// The meshfed dashboard: one document per change from /api/stream, drawn with Cytoscape.js.
// Values from the cluster go into the page as text (textContent), never as markup.
'use strict';

const PEER_LIMIT = 150;   // more peers than this (after search) are drawn as their groups
const DIRECT_LIMIT = 40;  // direct pairs are drawn only up to this many peers: n² lines say nothing
const WORST_FIRST = ['none', 'relayed', 'unknown', 'direct'];

let doc = null;
let selected = null;      // {kind: 'peer'|'link'|'workload'|'group', id}
const cy = cytoscape({
  container: document.getElementById('graph'),
  wheelSensitivity: 0.3,
  style: [
    { selector: 'node', style: { 'label': 'data(label)', 'font-size': 10, 'text-wrap': 'wrap',
        'text-valign': 'bottom', 'text-margin-y': 3, 'background-color': 'data(color)',
        'width': 22, 'height': 22, 'border-width': 'data(border)', 'border-color': '#263238' } },
    { selector: 'node.group', style: { 'label': 'data(label)', 'text-valign': 'top', 'font-size': 11,
        'background-color': '#eceff1', 'background-opacity': 0.6, 'border-width': 1,
        'border-color': '#b0bec5', 'shape': 'round-rectangle', 'padding': 12 } },
    { selector: 'node.aggregate', style: { 'shape': 'round-rectangle', 'width': 120, 'height': 40,
        'text-valign': 'center', 'text-margin-y': 0, 'font-size': 9 } },
    { selector: 'edge', style: { 'width': 2, 'curve-style': 'straight', 'line-color': '#9e9e9e', 'opacity': 0.9 } },
    { selector: 'edge[path="direct"]', style: { 'line-color': '#2e7d32', 'width': 1.5, 'opacity': 0.6 } },
    { selector: 'edge[path="relayed"]', style: { 'line-color': '#ef6c00', 'line-style': 'dashed',
        'label': 'data(label)', 'font-size': 8, 'text-rotation': 'autorotate' } },
    { selector: 'edge[path="none"]', style: { 'line-color': '#c62828', 'width': 3,
        'label': 'data(label)', 'font-size': 8, 'text-rotation': 'autorotate' } },
    { selector: 'edge[path="unknown"]', style: { 'line-color': '#9e9e9e', 'line-style': 'dotted' } },
    { selector: ':selected', style: { 'overlay-opacity': 0.15, 'overlay-color': '#1565c0' } },
  ],
});
window.meshfed = { cy, document: () => doc };

// --- the stream ----------------------------------------------------------------------------------
function connect() {
  const live = document.getElementById('live');
  const source = new EventSource('/api/stream');
  source.onmessage = (e) => {
    live.textContent = 'live · ' + new Date().toLocaleTimeString();
    live.classList.remove('down');
    render(JSON.parse(e.data));
  };
  source.onerror = () => {
    live.textContent = 'reconnecting…';
    live.classList.add('down');
  };
}

// --- helpers -------------------------------------------------------------------------------------
function el(tag, text, cls) {
  const e = document.createElement(tag);
  if (text !== undefined && text !== null) e.textContent = String(text);
  if (cls) e.className = cls;
  return e;
}
function age(time) {
  if (!time) return '';
  const s = Math.max(0, Math.round((Date.now() - Date.parse(time)) / 1000));
  if (s < 120) return s + 's';
  if (s < 7200) return Math.floor(s / 60) + 'm';
  return s < 172800 ? Math.floor(s / 3600) + 'h' : Math.floor(s / 86400) + 'd';
}
function pairKey(a, b) { return a < b ? a + '|' + b : b + '|' + a; }
function peerColor(p) {
  if (p.phase === 'Ready') return p.health === 'Healthy' ? '#43a047' : (p.health === 'Unhealthy' ? '#fb8c00' : '#c0ca33');
  if (p.phase === 'NotReady' || p.phase === 'Failed') return '#e53935';
  return '#90a4ae';
}
function fill(tbody, rows) {
  tbody.replaceChildren(...rows);
}

// --- rendering -----------------------------------------------------------------------------------
function render(next) {
  doc = next;
  if (doc.error) {
    document.getElementById('cluster-phase').textContent = 'gone';
    document.getElementById('cluster-meta').textContent = doc.error;
    cy.elements().remove();
    return;
  }
  renderHeader();
  renderTables();
  renderGraph();
  renderDetail();
}

function renderHeader() {
  const c = doc.cluster;
  document.title = c.name + ' · meshfed';
  document.getElementById('cluster-name').textContent = c.namespace + '/' + c.name;
  document.getElementById('cluster-phase').textContent = c.phase;
  document.getElementById('cluster-meta').textContent =
      [c.cidr, c.domain, c.endpoint].filter(Boolean).join(' · ');
  const conds = document.getElementById('conditions');
  conds.replaceChildren(...c.conditions.map(k => {
    const d = el('span', k.type + ': ' + k.status + (k.reason ? ' (' + k.reason + ')' : ''), 'cond ' + k.status);
    d.title = k.message || '';
    return d;
  }));
}

function renderTables() {
  const links = doc.links.filter(l => l.path !== 'direct');
  document.getElementById('links-count').textContent = '(' + links.length + ')';
  fill(document.querySelector('#links tbody'), links.map(l => {
    const tr = el('tr');
    tr.dataset.pair = l.a + '|' + l.b;
    tr.dataset.path = l.path;
    tr.append(el('td', l.a), el('td', l.b), el('td', l.path, 'path-' + l.path),
        el('td', l.via ? 'via ' + l.via : (l.reason || '')));
    tr.onclick = () => select({ kind: 'link', id: pairKey(l.a, l.b) });
    return tr;
  }));
  document.getElementById('peers-count').textContent = '(' + doc.peers.length + ')';
  fill(document.querySelector('#peers tbody'), visiblePeers().map(p => {
    const tr = el('tr');
    tr.dataset.peer = p.name;
    tr.append(el('td', p.name), el('td', p.group), el('td', p.phase, 'state-' + p.phase),
        el('td', age(p.since)), el('td', p.health || ''), el('td', p.roles.join(', ')),
        el('td', p.meshAddress || ''), el('td', p.address || ''), el('td', p.version || ''),
        el('td', age(p.lastSeen)), el('td', p.replicas.join(', ')));
    tr.onclick = () => select({ kind: 'peer', id: p.name });
    return tr;
  }));
  fill(document.querySelector('#workloads tbody'), doc.workloads.map(w => {
    const tr = el('tr');
    tr.dataset.workload = w.name;
    const replicas = el('td');
    for (const r of w.replicas) {
      const span = el('span', r.name + ' → ' + (r.peer || 'unplaced') + ' (' + (r.state || '?') + ') ',
          r.state === 'Running' ? 'replica-ready' : 'replica-not-ready');
      span.dataset.replica = r.name;
      span.dataset.peer = r.peer || '';
      replicas.append(span);
    }
    tr.append(el('td', w.name), el('td', w.ready + '/' + w.desired), el('td', w.image || ''), replicas);
    tr.onclick = () => select({ kind: 'workload', id: w.name });
    return tr;
  }));
  fill(document.querySelector('#pools tbody'), doc.pools.map(p => {
    const tr = el('tr');
    tr.append(el('td', p.name), el('td', p.provider), el('td', p.current), el('td', p.desired),
        el('td', p.min ?? '-'), el('td', p.max ?? '-'), el('td', p.ready), el('td', p.lastDecision || ''));
    return tr;
  }));
  fill(document.querySelector('#events tbody'), doc.events.map(e => {
    const tr = el('tr');
    tr.append(el('td', age(e.time) + ' ago'), el('td', e.type), el('td', e.object), el('td', e.reason),
        el('td', e.message));
    return tr;
  }));
}

function visiblePeers() {
  const q = document.getElementById('search').value.trim().toLowerCase();
  if (!q) return doc.peers;
  return doc.peers.filter(p => [p.name, p.group, p.provider, p.meshAddress, p.address, p.phase]
      .some(v => v && v.toLowerCase().includes(q)));
}

/** The path of every pair among the peers drawn: listed exceptions, else direct between reporters. */
function pairPath(a, b, exceptions) {
  const listed = exceptions.get(pairKey(a.name, b.name));
  if (listed) return listed;
  if (!a.meshAddress || !b.meshAddress) return null;                  // not on the mesh yet
  if (a.reports || b.reports) return { a: a.name, b: b.name, path: 'direct' };
  return { a: a.name, b: b.name, path: 'unknown', reason: 'neither agent reports' };
}

function renderGraph() {
  const peers = visiblePeers();
  const exceptions = new Map(doc.links.map(l => [pairKey(l.a, l.b), l]));
  const elements = [];
  let mode;
  if (peers.length <= PEER_LIMIT) {
    mode = peers.length + ' peers' + (peers.length > DIRECT_LIMIT ? ' (direct pairs not drawn)' : '');
    const groups = [...new Set(peers.map(p => p.group))].sort();
    for (const g of groups) elements.push({ group: 'nodes', classes: 'group', data: { id: 'g:' + g, label: g, kind: 'group', ref: g } });
    for (const p of peers) {
      elements.push({ group: 'nodes', data: { id: 'p:' + p.name, parent: 'g:' + p.group, kind: 'peer', ref: p.name,
        label: p.name + '\n' + (p.meshAddress || p.phase), color: peerColor(p),
        border: p.roles.includes('gateway') ? 3 : 0, phase: p.phase } });
    }
    for (let i = 0; i < peers.length; i++) {
      for (let j = i + 1; j < peers.length; j++) {
        const link = pairPath(peers[i], peers[j], exceptions);
        if (!link || (link.path === 'direct' && peers.length > DIRECT_LIMIT)) continue;
        const key = pairKey(peers[i].name, peers[j].name);
        elements.push({ group: 'edges', data: { id: 'l:' + key, source: 'p:' + peers[i].name, target: 'p:' + peers[j].name,
          kind: 'link', ref: key, path: link.path, label: link.via ? 'via ' + link.via : (link.path === 'none' ? 'no path' : '') } });
      }
    }
  } else {
    // aggregate: one node per group, one edge per two groups with the worst path between them
    const byGroup = new Map();
    for (const p of peers) { if (!byGroup.has(p.group)) byGroup.set(p.group, []); byGroup.get(p.group).push(p); }
    const groups = [...byGroup.keys()].sort();
    const inGroup = new Map(peers.map(p => [p.name, p.group]));
    mode = peers.length + ' peers in ' + groups.length + ' groups (click a group to open it)';
    for (const g of groups) {
      const members = byGroup.get(g);
      const ready = members.filter(p => p.phase === 'Ready').length;
      elements.push({ group: 'nodes', classes: 'aggregate', data: { id: 'g:' + g, kind: 'group', ref: g,
        label: g + '\n' + ready + '/' + members.length + ' Ready',
        color: ready === members.length ? '#a5d6a7' : (ready === 0 ? '#ef9a9a' : '#ffe082'), border: 1 } });
    }
    const worst = new Map();
    for (const l of doc.links) {
      const ga = inGroup.get(l.a), gb = inGroup.get(l.b);
      if (!ga || !gb || ga === gb) continue;
      const key = pairKey(ga, gb);
      const had = worst.get(key);
      if (!had || WORST_FIRST.indexOf(l.path) < WORST_FIRST.indexOf(had.path)) worst.set(key, { path: l.path, count: (had ? had.count : 0) + 1 });
      else had.count++;
    }
    for (let i = 0; i < groups.length; i++) {
      for (let j = i + 1; j < groups.length; j++) {
        const key = pairKey(groups[i], groups[j]);
        const w = worst.get(key) || { path: 'direct', count: 0 };
        elements.push({ group: 'edges', data: { id: 'gl:' + key, source: 'g:' + groups[i], target: 'g:' + groups[j],
          kind: 'group-link', ref: key, path: w.path, label: w.count ? w.count + ' not direct' : '' } });
      }
    }
  }
  document.getElementById('graph-mode').textContent = mode;
  update(elements);
}

/** Changes in place while the same nodes are drawn; a new layout only when they change. */
function update(elements) {
  const nodeIds = elements.filter(e => e.group === 'nodes').map(e => e.data.id).sort().join(',');
  const drawn = cy.nodes().map(n => n.id()).sort().join(',');
  cy.batch(() => {
    if (nodeIds !== drawn) {
      cy.elements().remove();
      cy.add(elements);
    } else {
      const wanted = new Set(elements.map(e => e.data.id));
      cy.edges().filter(e => !wanted.has(e.id())).remove();
      for (const e of elements) {
        const have = cy.getElementById(e.data.id);
        if (have.nonempty()) have.data(e.data); else cy.add(e);
      }
    }
  });
  if (nodeIds !== drawn) {
    cy.layout({ name: 'cose', animate: false, nodeDimensionsIncludeLabels: true, randomize: false,
      idealEdgeLength: () => 90, nodeRepulsion: () => 9000 }).run();
  }
}

cy.on('tap', 'node, edge', (evt) => {
  const d = evt.target.data();
  if (d.kind === 'group' && cy.nodes('.aggregate').nonempty()) {
    document.getElementById('search').value = d.ref;
    renderTables(); renderGraph();
    return;
  }
  select({ kind: d.kind, id: d.ref });
});

function select(what) { selected = what; renderDetail(); }

function renderDetail() {
  const box = document.getElementById('detail');
  if (!selected || !doc || doc.error) return;
  const rows = [];
  const dl = el('dl');
  const add = (k, v) => { if (v !== undefined && v !== null && v !== '') dl.append(el('dt', k), el('dd', v)); };
  if (selected.kind === 'peer') {
    const p = doc.peers.find(x => x.name === selected.id);
    if (!p) { box.replaceChildren(el('p', selected.id + ' is gone', 'hint')); return; }
    rows.push(el('h3', p.name));
    add('state', p.phase + ' for ' + age(p.since)); add('health', p.health); add('group', p.group);
    add('roles', p.roles.join(', ')); add('mesh address', p.meshAddress); add('subnet', p.subnet);
    add('address', p.address); add('version', p.version); add('last seen', p.lastSeen ? age(p.lastSeen) + ' ago' : '');
    add('paths', p.direct == null ? '' : p.direct + ' direct, ' + (p.relayed || 0) + ' relayed, ' + (p.unreachable || 0) + ' none');
    add('oldest handshake', p.oldestHandshakeSeconds == null ? '' : p.oldestHandshakeSeconds + 's');
    add('replicas', p.replicas.join(', '));
    rows.push(dl, conditions(p.conditions));
  } else if (selected.kind === 'link') {
    const [a, b] = selected.id.split('|');
    const l = doc.links.find(x => pairKey(x.a, x.b) === selected.id) || { path: 'direct' };
    rows.push(el('h3', a + ' ↔ ' + b));
    add('path', l.path); add('via', l.via); add('why', l.reason);
    rows.push(dl);
  } else if (selected.kind === 'workload') {
    const w = doc.workloads.find(x => x.name === selected.id);
    if (!w) { box.replaceChildren(el('p', selected.id + ' is gone', 'hint')); return; }
    rows.push(el('h3', w.name));
    add('ready', w.ready + '/' + w.desired); add('image', w.image);
    for (const r of w.replicas) add(r.name, (r.peer || 'unplaced') + ' · ' + (r.state || '?') + ' · ' + (r.address || '') + (r.restarts ? ' · ' + r.restarts + ' restarts' : ''));
    rows.push(dl, conditions(w.conditions));
  } else {
    return;
  }
  box.replaceChildren(...rows);
}

function conditions(list) {
  const t = el('table');
  for (const c of list) {
    const tr = el('tr');
    tr.append(el('td', c.type), el('td', c.status, c.status === 'True' ? 'path-direct' : (c.status === 'False' ? 'path-none' : '')),
        el('td', (c.reason || '') + (c.message ? ': ' + c.message : '')));
    t.append(tr);
  }
  return t;
}

document.getElementById('search').addEventListener('input', () => { if (doc && !doc.error) { renderTables(); renderGraph(); } });
setInterval(() => { if (doc && !doc.error) renderTables(); }, 5000); // ages move on between documents
connect();
