// actorscope live console. Plain script, no build step. Every string that
// comes from a trace is put into the page with textContent or as parsed SVG
// that is sanitised first; never through HTML markup.
'use strict';

(function () {
  const $ = (sel) => document.querySelector(sel);
  const state = {
    ws: null, backoff: 500, view: 'graph', follow: true, window_s: 30, filter: '', labelFilter: '',
    fixed: null, timeSel: null, devRows: [], search: { text: '', matches: [], total: 0, index: -1 },
    theme: localStorage.getItem('actorscope-theme') || 'dark', zoom: 1, groups: [], expandThreads: false,
    sortKey: 'rate_per_s', sortAsc: false, actors: [], overview: null, range: null, frame: null,
    selected: null, lastFrameAt: 0, flow: null, pinned: [],
    // Updates address the elements of the last whole frame by index in
    // document order (see PROTOCOL.md); seq counts frames and updates.
    els: [], seq: 0, stats: { frames: 0, updates: 0, resyncs: 0, maxSvgBytes: 0, reduced: 0, applied: 0, scriptMs: 0, renderMs: 0, kept: 0, animated: 0 },
  };
  window.actorscopeStats = state.stats; // read by the load test
  window.actorscopeState = state; // read by the console test (window, axis)

  // ---- connection -------------------------------------------------------
  function setConn(cls, text) {
    const el = $('#conn');
    el.className = 'conn ' + cls;
    el.textContent = text;
    el.title = 'Connection: ' + text;
  }

  function send(msg) {
    if (msg.type === 'details') { state.detailsReq = { type: 'details', class: msg.class, id: msg.id }; state.detailsAt = performance.now(); }
    if (state.ws && state.ws.readyState === 1) {
      msg.v = 1;
      state.ws.send(JSON.stringify(msg));
    }
  }

  function viewMessage() {
    const m = { type: 'view', kind: state.view, follow: state.follow, filter: state.filter || null,
      groups: state.groups.length ? state.groups : null, expand_threads: state.expandThreads,
      pinned: state.pinned.length ? state.pinned : null,
      theme: state.theme, zoom: state.zoom, width: Math.max(320, Math.floor($('#stage').clientWidth - 8)),
      height: Math.max(240, Math.floor($('#stage').clientHeight - 8)) };
    if (state.window_s > 0) m.window_s = state.window_s;
    else m.window_s = 7 * 24 * 3600;
    if (!state.follow && state.fixed) { m.from_ms = state.fixed[0]; m.to_ms = state.fixed[1]; }
    m.label_filter = state.labelFilter || null;
    return m;
  }

  function connect() {
    const proto = location.protocol === 'https:' ? 'wss:' : 'ws:';
    setConn('connecting', 'connecting');
    const ws = new WebSocket(proto + '//' + location.host + '/live');
    state.ws = ws;
    ws.onopen = () => {
      state.backoff = 500;
      state.seq = 0;
      state.els = [];
      paceSent = 0;
      paceAt = -Infinity;
      setConn('open', 'connected');
      // Declares that this page applies updates (PROTOCOL.md, hello): sent
      // before the view, so every frame after the first may be one.
      send({ type: 'hello', accepts: ['update'] });
      send(viewMessage());
      if (state.selected) send({ type: 'details', class: 'actor', id: state.selected });
      askDeviations();
      if (state.search.text) send({ type: 'search', text: state.search.text });
    };
    ws.onmessage = (ev) => {
      const t0 = performance.now();
      // Frames and updates are parsed when they are applied: a frame that
      // a newer one replaces while the page paces itself is never parsed
      // (about half of them under load, 1-3 ms each for 200 KB).
      const head = typeof ev.data === 'string' ? FRAME_HEAD.exec(ev.data.slice(0, 40)) : null;
      if (head && (head[1] === 'frame' || head[2] !== undefined)) {
        receiveFrame({ type: head[1], seq: head[2] === undefined ? 0 : Number(head[2]), raw: ev.data });
        otherMs += performance.now() - t0;
        return;
      }
      let msg;
      try { msg = JSON.parse(ev.data); } catch (e) { return; }
      if (msg.type === 'frame' || msg.type === 'update') receiveFrame(msg);
      else if (msg.type === 'details') showDetails(msg.details);
      else if (msg.type === 'deviations') showDeviations(msg);
      else if (msg.type === 'search') showSearch(msg);
      else if (msg.type === 'charts') showCharts(msg);
      else if (msg.type === 'error') onError(msg);
    };
    ws.onclose = () => {
      if (state.ws !== ws) return;
      setConn('closed', 'reconnecting…');
      setTimeout(connect, state.backoff);
      state.backoff = Math.min(state.backoff * 2, 8000);
    };
  }

  // ---- frames -------------------------------------------------------------
  // Defence in depth (the server escapes every trace string): only SVG
  // elements stay (an XHTML <html:script> or <iframe> in another namespace
  // escapes a by-name check), none that run, embed or animate attributes
  // (<set attributeName="href" to="javascript:..."> needs no href to start
  // with), no event handlers, links only within the frame.
  const SVG_NS = 'http://www.w3.org/2000/svg';
  const BAD_ELEMENTS = new Set(['script', 'foreignobject', 'iframe', 'object', 'embed', 'use',
    'set', 'animate', 'animatemotion', 'animatetransform', 'discard', 'handler', 'listener']);
  function sanitizeSvg(root) {
    for (const el of Array.from(root.getElementsByTagName('*')))
      if (el.namespaceURI !== SVG_NS || BAD_ELEMENTS.has(el.localName.toLowerCase())) el.remove();
    for (const el of [root, ...Array.from(root.getElementsByTagName('*'))]) {
      for (const attr of Array.from(el.attributes)) {
        const n = attr.localName.toLowerCase();
        if (n.startsWith('on') || (n === 'href' && !attr.value.trim().startsWith('#')))
          el.removeAttributeNode(attr);
      }
    }
    return root;
  }

  // What sanitizeSvg could remove, looked for in the text: a frame with
  // none of it (every frame the service writes) needs no walk over its
  // 1-2 thousand elements and their attributes. Over-approximate on
  // purpose: anything that might be a declaration (<!, <?), a namespace
  // (a prefix, an xmlns other than SVG's), a banned element (by prefix,
  // any case), an on* attribute (after a space or a prefix) or an href
  // sends the frame through sanitizeSvg as before.
  const SVG_SUSPECT = new RegExp('<[!?]|</?[\\w.-]+:|</?(?:script|foreignobject|iframe|object|embed|use|set|' +
    'animate|discard|handler|listener)|[\\s:]on[\\w.:-]*\\s*=|href|xmlns(?!="http://www\\.w3\\.org/2000/svg")', 'i');

  // An attribute an update may set: the same rule sanitizeSvg applies.
  function safeAttr(name, value) {
    const n = name.toLowerCase();
    return !n.startsWith('on') && (n !== 'href' || String(value).trim().startsWith('#'));
  }

  // Frames are applied at a pace the page can afford: after applying one
  // (script, then style, layout and paint), the page waits PACE times as
  // long before the next (at most a fifth of the time on frames), so typing and clicks find the main thread free
  // most of the time. Meanwhile a whole frame replaces everything queued
  // before it; updates queue behind it in order.
  // Everything frames cost the page besides applying them (receiving,
  // the table and overview they feed) counts too, so the pace holds for
  // all of it: otherMs since the last frame applied.
  const PACE = 4;
  const queued = [];
  let applyTimer = null, applyAfter = 0, applying = false, otherMs = 0;
  // The service writes these keys first (PROTOCOL.md): the type, and an
  // update's seq, known without parsing the message.
  const FRAME_HEAD = /^\{"type":"(frame|update)"(?:,"seq":(\d+))?/;
  function parsedFrame(m) {
    if (m.raw === undefined) return m;
    try { return JSON.parse(m.raw); } catch (e) { return null; }
  }
  // The service is told how many frames a second the page can use
  // (PROTOCOL.md, pace), so it does not send frames the page would only
  // receive and drop: at 200 KB each, receiving them cost the page about
  // a tenth of its time. Told again when that changes by a third, at most
  // once a second.
  let paceSent = 0, paceAt = -Infinity;
  function tellPace(fps) {
    fps = Math.max(0.5, Math.min(20, Math.round(fps * 2) / 2));
    const now = performance.now();
    if (now - paceAt < 1000 || (paceSent && Math.abs(Math.log(fps / paceSent)) < 0.3)) return;
    paceSent = fps;
    paceAt = now;
    send({ type: 'pace', fps });
  }
  function receiveFrame(msg) {
    state.seq++;
    if (msg.type === 'frame') queued.length = 0;
    else if (msg.seq !== state.seq) {
      // Missed something: ask again, the service answers with a whole frame.
      state.stats.resyncs++;
      state.seq = msg.seq;
      queued.length = 0;
      state.els = [];
      send({ type: 'view' });
      return;
    }
    queued.push(msg);
    scheduleApply();
  }
  // Input first: a whole frame applied just after a key or a press delays
  // what the user sees by its whole cost (40-200 ms on a busy machine), so
  // frames wait until INPUT_QUIET_MS after the last one. While someone
  // types, the picture holds still; it catches up when they pause.
  const INPUT_QUIET_MS = 150;
  let inputAt = -Infinity;
  for (const type of ['keydown', 'pointerdown'])
    document.addEventListener(type, () => { inputAt = performance.now(); }, { capture: true, passive: true });
  function scheduleApply() {
    if (applyTimer || applying || !queued.length) return;
    const at = Math.max(applyAfter, inputAt + INPUT_QUIET_MS);
    applyTimer = setTimeout(applyQueued, Math.max(0, at - performance.now()));
  }
  function applyQueued() {
    applyTimer = null;
    if (performance.now() < inputAt + INPUT_QUIET_MS) { scheduleApply(); return; }
    const t0 = performance.now();
    for (const raw of queued.splice(0)) {
      const m = parsedFrame(raw);
      if (!m) continue;
      if (m.type === 'frame') onFrame(m);
      else onUpdate(m);
    }
    const t1 = performance.now();
    // The first task after the next paint: script, style, layout and paint
    // of this frame are done.
    applying = true;
    requestAnimationFrame(() => setTimeout(() => {
      const now = performance.now();
      state.stats.applied++;
      state.stats.scriptMs += t1 - t0;
      state.stats.renderMs += now - t1;
      applying = false;
      applyAfter = now + PACE * (now - t0 + otherMs);
      otherMs = 0;
      tellPace(1000 / Math.max(1, applyAfter - t0));
      scheduleApply();
    }, 0));
  }

  function onFrame(f) {
    state.stats.frames++;
    const prevKind = state.frame && state.frame.view ? state.frame.view.kind : null;
    state.frame = f;
    state.lastFrameAt = performance.now();
    const doc = new DOMParser().parseFromString(f.svg, 'image/svg+xml');
    const svg = doc.documentElement;
    const holder = $('#svg');
    state.els = [];
    if (svg && svg.namespaceURI === SVG_NS && svg.localName === 'svg' && !doc.getElementsByTagName('parsererror').length) {
      // Taken before sanitising: an element removed there stays in the
      // list, detached, so the indexes of the others still hold.
      state.els = [svg, ...svg.getElementsByTagName('*')];
      if (SVG_SUSPECT.test(f.svg)) sanitizeSvg(svg);
      svg.style.width = (f.size.width * state.zoom) + 'px';
      const old = holder.querySelector('svg');
      const moves = f.view && f.view.kind === 'graph' && prevKind === 'graph' && old ? keepGraphItems(old, svg, mayAnimate()) : null;
      holder.replaceChildren(document.adoptNode(svg));
      if (moves) animateMoves(moves);
      stickHeader();
      if (state.selected) {
        const sel = holder.querySelector('[data-id="' + CSS.escape(state.selected) + '"]');
        if (sel) sel.classList.add('selected');
      }
      applyFlow();
      markPinned();
    }
    state.actors = f.actors || [];
    afterFrame(f);
  }

  // A graph's whole frame (its topology changed) keeps the actors and
  // edges that were already drawn: the element of the last frame stays,
  // takes the new one's attributes and children and its place in the new
  // SVG, and then moves from where it was (the service lays the graph out
  // again starting from the previous positions, so most move a little).
  // New ones fade in. Items are matched by actor name (an edge by its
  // ends' names: its data-id holds this frame's node indexes).
  const GRAPH_ITEMS = 'g.actor[data-id], g.edge[data-from][data-to]';
  const itemKey = (g) => g.classList.contains('actor') ? 'a\u0000' + g.getAttribute('data-id')
    : 'e\u0000' + g.getAttribute('data-from') + '\u0000' + g.getAttribute('data-to');
  // The centre of an actor's shape, from its first circle or rect (the
  // attributes: no layout needed).
  function nodeCenter(g) {
    const c = g.querySelector('circle, ellipse, rect');
    if (!c) return null;
    const n = (a) => parseFloat(c.getAttribute(a));
    const p = c.localName === 'rect' ? [n('x') + n('width') / 2, n('y') + n('height') / 2] : [n('cx'), n('cy')];
    return Number.isFinite(p[0]) && Number.isFinite(p[1]) ? p : null;
  }
  // measure: collect what moved, which only an animation needs (under load
  // frames come too often to animate, and measuring costs a query and
  // attribute reads per item).
  function keepGraphItems(oldSvg, newSvg, measure) {
    const before = new Map();
    for (const g of oldSvg.querySelectorAll(GRAPH_ITEMS)) before.set(itemKey(g), g);
    const index = new Map();
    state.els.forEach((el, i) => { if (el.localName === 'g') index.set(el, i); });
    const moves = { nodes: [], paths: [], fresh: [], kept: 0 };
    for (const g of newSvg.querySelectorAll(GRAPH_ITEMS)) {
      const kept = before.get(itemKey(g));
      if (!kept) { if (measure) moves.fresh.push(g); continue; }
      before.delete(itemKey(g));
      moves.kept++;
      if (measure && kept.classList.contains('actor')) {
        const a = nodeCenter(kept), b = nodeCenter(g);
        if (a && b && (a[0] !== b[0] || a[1] !== b[1])) moves.nodes.push([kept, a[0] - b[0], a[1] - b[1]]);
      } else if (measure) {
        const oldD = Array.from(kept.querySelectorAll('path'), (p) => p.getAttribute('d'));
        g.querySelectorAll('path').forEach((p, k) => {
          if (oldD[k] && oldD[k] !== p.getAttribute('d')) moves.paths.push([p, oldD[k], p.getAttribute('d')]);
        });
      }
      for (const a of Array.from(kept.attributes)) if (!g.hasAttribute(a.name)) kept.removeAttribute(a.name);
      for (const a of Array.from(g.attributes)) kept.setAttribute(a.name, a.value);
      kept.classList.remove('selected');
      kept.replaceChildren(...g.childNodes);
      g.replaceWith(kept);
      // Updates address elements by index: the kept group takes the new
      // one's (its children are the new ones already).
      if (index.has(g)) state.els[index.get(g)] = kept;
    }
    return moves;
  }
  // Animating costs the page a paint per display frame for MOVE_MS: a
  // graph whose topology changes frame after frame (under load the level
  // of detail picks other edges) or a very large change is shown at once.
  const MOVE_MS = 300, MOVE_MAX_ITEMS = 400;
  let lastMoveAt = -Infinity;
  // Whether a whole frame now would animate (see animateMoves).
  function mayAnimate() {
    return performance.now() - lastMoveAt > 4 * MOVE_MS &&
      !window.matchMedia('(prefers-reduced-motion: reduce)').matches;
  }
  function animateMoves(moves) {
    state.stats.kept += moves.kept;
    if (window.matchMedia('(prefers-reduced-motion: reduce)').matches) return;
    const now = performance.now(), n = moves.nodes.length + moves.paths.length + moves.fresh.length;
    const calm = now - lastMoveAt > 4 * MOVE_MS;
    lastMoveAt = now;
    if (!calm || n > MOVE_MAX_ITEMS) return;
    state.stats.animated += moves.nodes.length + moves.paths.length + moves.fresh.length;
    const opts = { duration: MOVE_MS, easing: 'ease-out' };
    for (const [g, dx, dy] of moves.nodes)
      g.animate([{ transform: `translate(${dx}px, ${dy}px)` }, { transform: 'none' }], opts);
    // Paths of the same commands interpolate; others change at once.
    for (const [p, from, to] of moves.paths)
      p.animate([{ d: `path(${JSON.stringify(from)})` }, { d: `path(${JSON.stringify(to)})` }], opts);
    for (const g of moves.fresh) g.animate([{ opacity: 0 }, { opacity: 1 }], opts);
  }

  // The changed attributes and texts of the last whole frame's elements,
  // set in place: no parsing, and selection, hover and zoom stay as they are.
  function onUpdate(u) {
    if (!state.els.length) return; // no whole frame to apply it to (yet)
    state.stats.updates++;
    state.lastFrameAt = performance.now();
    let ids = false;
    for (const c of u.changes) {
      const el = state.els[c.i];
      if (!el) continue;
      if (c.attrs) {
        if ('data-id' in c.attrs) ids = true;
        for (const [k, v] of Object.entries(c.attrs)) {
          if (v === null) el.removeAttribute(k);
          else if (safeAttr(k, v)) el.setAttribute(k, v);
        }
      }
      if (c.text !== undefined) el.textContent = c.text;
    }
    if (ids) {
      // Another item now sits where the selected one was drawn.
      for (const s of document.querySelectorAll('#svg .selected')) s.classList.remove('selected');
      if (state.selected) {
        const sel = $('#svg').querySelector('[data-id="' + CSS.escape(state.selected) + '"]');
        if (sel) sel.classList.add('selected');
      }
    }
    const svg = state.els[0];
    if (svg && state.frame && u.size.width !== state.frame.size.width)
      svg.style.width = (u.size.width * state.zoom) + 'px';
    if (u.actors) state.actors = u.actors;
    else if (u.actor_rows && u.actor_rows.length) {
      const byId = new Map(u.actor_rows.map((a) => [a.id, a]));
      state.actors = state.actors.map((a) => byId.get(a.id) || a);
    }
    state.frame = Object.assign({}, state.frame, u);
    if (state.view === 'sequence') stickHeader();
    if (state.flow) applyFlow();
    if (ids) markPinned();
    afterFrame(u);
  }

  // The table and the overview change at most twice a second: numbers
  // rewritten ten times a second can't be read anyway, and each rewrite
  // costs the page a layout of the table.
  const SIDE_INTERVAL_MS = 500;
  let sideAt = 0, sideTimer = null;
  function sidePanels() {
    if (sideTimer) return;
    const wait = sideAt + SIDE_INTERVAL_MS - performance.now();
    sideTimer = setTimeout(() => {
      sideTimer = null;
      sideAt = performance.now();
      renderTable();
      drawOverview();
      // The table's style and layout come with the next paint.
      const t1 = performance.now();
      otherMs += t1 - sideAt;
      requestAnimationFrame(() => setTimeout(() => { otherMs += Math.min(50, performance.now() - t1); }, 0));
    }, Math.max(0, wait));
  }

  function afterFrame(f) {
    if (f.detail) {
      state.stats.maxSvgBytes = Math.max(state.stats.maxSvgBytes, f.detail.svg_bytes);
      if (f.detail.reduced) state.stats.reduced++;
    }
    $('#empty').classList.toggle('hidden', f.events > 0);
    $('#counts').textContent = f.events.toLocaleString() + ' events · ' +
      f.counters.actors.toLocaleString() + ' actors' +
      // The record counters `actorscope stats` prints, with its words.
      (f.counters.skipped ? ' · ' + f.counters.skipped + ' skipped' : '') +
      (f.counters.lost_before_attach ? ' · ' + f.counters.lost_before_attach + ' lost before attach' : '') +
      (f.counters.lost ? ' · ' + f.counters.lost + ' lost while attached' : '') +
      (f.counters.duplicates ? ' · ' + f.counters.duplicates + ' duplicate' : '') +
      (f.counters.unmatched ? ' · ' + f.counters.unmatched + ' unmatched' : '') +
      (f.counters.retained ? ' · ' + f.counters.retained.toLocaleString() + ' retained away' : '') +
      (f.detail && f.detail.reduced ? ' · detail reduced' : '');
    state.overview = f.overview;
    state.range = f.window;
    state.axis = f.axis || null;
    state.rowTimes = f.row_times || null;
    if (f.view) syncApplied(f.view);
    highlightMatches();
    if (state.timeSel) drawSelection();
    sidePanels();
    // Open details follow the live data (once a second at most).
    // Only stable ids: index ids (span3, e1-2) name items of one frame.
    if (state.detailsReq && /^(actor|message)$/.test(state.detailsReq.class) &&
        !$('#details').classList.contains('hidden') && performance.now() - state.detailsAt > 1000)
      send(Object.assign({}, state.detailsReq));
    $('#range').textContent = fmtTime(f.window.from_ms) + ' → ' + fmtTime(f.window.to_ms) +
      ' (' + fmtDur(f.window.to_ms - f.window.from_ms) + ')';
  }

  // ---- formatting ------------------------------------------------------------
  function fmtTime(ms) {
    if (!isFinite(ms) || ms === 0) return '–';
    const d = new Date(ms);
    const pad = (n, w) => String(n).padStart(w || 2, '0');
    return pad(d.getHours()) + ':' + pad(d.getMinutes()) + ':' + pad(d.getSeconds()) + '.' + pad(d.getMilliseconds(), 3);
  }
  function fmtDur(ms) {
    if (ms === null || ms === undefined || !isFinite(ms)) return '–';
    if (Math.abs(ms) < 1) return (ms * 1000).toFixed(ms * 1000 < 10 ? 1 : 0) + ' µs';
    if (Math.abs(ms) < 1000) return ms.toFixed(ms < 10 ? 2 : 1) + ' ms';
    if (Math.abs(ms) < 120000) return (ms / 1000).toFixed(2) + ' s';
    return (ms / 60000).toFixed(1) + ' min';
  }
  const lat = (l, k) => (l && l[k] !== undefined ? l[k] : null);

  // ---- actor table -------------------------------------------------------------
  // The columns shown, by the server's column keys (render-columns.h): the
  // server gives each column's header, meaning and scope and each row's
  // cells already written, so the page shows the CLI's and the desktop's
  // figures; these getters only sort.
  const columns = {
    name: (a) => a.name, rate_per_s: (a) => a.rate, mailbox_depth: (a) => a.mailbox,
    wait_p99_ns: (a) => lat(a.mailbox_latency, 'p99_ms'), processing_p99_ns: (a) => lat(a.processing, 'p99_ms'),
    received: (a) => a.received, errors: (a) => a.errors,
  };
  const shownKeys = Object.keys(columns);
  // A row's cells are in the order of the frame's columns.
  const cellIndex = new Map();
  function renderTableHead() {
    const f = state.frame;
    if (!f || !f.columns) return;
    f.columns.forEach((c, i) => cellIndex.set(c.key, i));
    const byKey = new Map(f.columns.map((c) => [c.key, c]));
    for (const th of document.querySelectorAll('#actors th')) {
      const c = byKey.get(th.dataset.key);
      if (!c) continue;
      const title = c.description + (c.scope ? ' (' + c.scope + ')' : '');
      if (th.textContent !== c.header) th.textContent = c.header;
      if (th.title !== title) th.title = title;
    }
    const scope = $('#actors-scope');
    if (scope && f.table_scope !== undefined && scope.textContent !== f.table_scope) scope.textContent = f.table_scope;
  }
  // Rows are kept by actor id and patched: only cells whose text or class
  // changed are written, and rows move only when the order changed, so a
  // frame costs the page a few writes instead of a new table.
  const tableRows = new Map(); // id -> { tr, tds, row }
  let tableOrder = [];
  let tableHovered = false;
  // While paused the table is frozen: it shows the rows of the moment the
  // user paused (or last changed the view), so nothing moves under a
  // reader. tableKey names what the table shows; a new key redraws it.
  let tableKey = null;
  function renderTable(force) {
    const key = state.follow ? 'live' : JSON.stringify([state.view, state.filter, state.labelFilter, state.groups, state.expandThreads, state.fixed]);
    if (!force && !state.follow && key === tableKey && tableRows.size) return;
    tableKey = key;
    renderTableHead();
    const get = columns[state.sortKey] || columns.rate_per_s;
    const rows = state.actors.slice().sort((a, b) => {
      const x = get(a), y = get(b);
      const c = typeof x === 'string' ? x.localeCompare(y) : (x ?? -1) - (y ?? -1);
      return state.sortAsc ? c : -c;
    });
    // Under the pointer the rows stay the rows: none is added or removed
    // (a row that left the frame's busiest rows keeps its last figures)
    // until the pointer leaves, so a press never lands on a row that
    // vanished or on its neighbour.
    const frozenRows = tableHovered && tableRows.size > 0;
    const seen = new Set();
    for (const a of rows) {
      seen.add(a.id);
      let r = tableRows.get(a.id);
      if (!r && frozenRows) continue;
      if (!r) {
        const tr = document.createElement('tr');
        tr.tabIndex = 0;
        const tds = [];
        for (let i = 0; i < shownKeys.length; i++) { const td = document.createElement('td'); tr.appendChild(td); tds.push(td); }
        r = { tr, tds, row: null };
        tableRows.set(a.id, r);
      }
      if (r.row === a) continue; // unchanged since last time
      r.row = a;
      if (r.tr.dataset.actor !== a.name) r.tr.dataset.actor = a.name;
      r.tr.classList.toggle('selected-row', a.name === state.selected);
      const hot = { mailbox_depth: a.mailbox > 10 ? ' hot' : '', errors: a.errors > 0 ? ' bad' : '' };
      const cells = shownKeys.map((k) => [k === 'name' ? (a.label || a.name) : (a.cells ? a.cells[cellIndex.get(k)] : '') ?? '',
        k === 'name' ? 'name' : 'num' + (hot[k] || '')]);
      cells.forEach(([text, cls], i) => {
        const td = r.tds[i];
        if (td.className !== cls) td.className = cls;
        if (td.textContent !== text) td.textContent = text;
        if (cls === 'name' && td.title !== a.name) td.title = a.name;
      });
    }
    if (!frozenRows)
      for (const [id, r] of tableRows) if (!seen.has(id)) { r.tr.remove(); tableRows.delete(id); }
    const body = $('#actors tbody');
    const order = rows.filter((a) => tableRows.has(a.id)).map((a) => a.id);
    // Rows do not move under the pointer either: a row that moved between
    // press and release would lose the click. The order catches up when
    // the pointer leaves the table.
    const hovered = frozenRows && body.childElementCount === tableRows.size;
    if (!hovered && (order.length !== tableOrder.length || order.some((id, i) => id !== tableOrder[i]) ||
        body.childElementCount !== order.length)) {
      const frag = document.createDocumentFragment();
      for (const id of order) frag.appendChild(tableRows.get(id).tr);
      body.appendChild(frag);
      tableOrder = order;
    }
    for (const th of document.querySelectorAll('#actors th')) {
      th.classList.toggle('sorted', th.dataset.key === state.sortKey);
      th.classList.toggle('asc', th.dataset.key === state.sortKey && state.sortAsc);
    }
  }

  // ---- details ---------------------------------------------------------------------
  function showDetails(d) {
    const body = $('#details-body');
    body.replaceChildren();
    const h = document.createElement('h3');
    const dl = document.createElement('dl');
    // The paired request/response: a click shows that message.
    const link = (k, text, id) => {
      const dt = document.createElement('dt'); dt.textContent = k;
      const dd = document.createElement('dd');
      const b = document.createElement('button');
      b.className = 'link'; b.textContent = text; b.dataset.message = String(id);
      b.addEventListener('click', () => send({ type: 'details', class: 'message', id: String(id) }));
      dd.append(b);
      dl.append(dt, dd);
    };
    const row = (k, v) => {
      if (v === null || v === undefined || v === '' || v === '–' || v === '– / –') return;
      const dt = document.createElement('dt'); dt.textContent = k;
      const dd = document.createElement('dd'); dd.textContent = v;
      dl.append(dt, dd);
    };
    if (d.class === 'message' && state.flow && state.flow.kind === 'message' && state.flow.ids.has(String(d.id))) {
      // The message's flow: its request or response, and both ends.
      if (d.request) state.flow.ids.add(String(d.request.id));
      if (d.response) state.flow.ids.add(String(d.response.id));
      state.flow.actors = [d.from, d.to].filter(Boolean);
      applyFlow();
    }
    if (d.class === 'message') {
      // In plain words: what was sent, by whom, to whom, when it was
      // processed and for how long; the source's message key is internal
      // (it names the broker's queue and counter) and stays out of it.
      h.textContent = (d.label || 'message') + ': ' + d.from + ' → ' + (d.to || '?');
      const processed = d.receive_ms && d.done_ms;
      if (processed) {
        row('Processed by', d.to);
        row('Start', fmtTime(d.receive_ms)); row('Duration', fmtDur(d.processing_ms));
      }
      row('From', d.from); row('To', d.to); row('Reply to', d.reply_to);
      row('Sent', fmtTime(d.send_ms)); row('Received', d.receive_ms ? fmtTime(d.receive_ms) : 'pending');
      row('Done', d.done_ms ? fmtTime(d.done_ms) : null);
      row('In mailbox', fmtDur(d.mailbox_ms)); if (!processed) row('Processing', fmtDur(d.processing_ms));
      row('Round trip', d.round_trip_ms !== null && d.round_trip_ms !== undefined ? fmtDur(d.round_trip_ms) : null);
      if (d.request) link('Answers', (d.request.label || 'request') + ' from ' + d.request.from + ' at ' + fmtTime(d.request.send_ms), d.request.id);
      if (d.response) link('Answered by', (d.response.label || 'response') + ' at ' + fmtTime(d.response.send_ms), d.response.id);
      row('Size', d.size ? d.size + ' B' : null);
    } else if (d.class === 'edge') {
      h.textContent = d.from + ' → ' + d.to;
      row('Messages in window', d.count); row('Rate', d.rate !== undefined ? d.rate.toFixed(2) + ' /s' : null);
      row('Received', d.received); row('Pending', d.pending || null); row('Dropped', d.dropped || null);
      row('All time', d.total); row('Most frequent', d.top_label);
      row('Mailbox p50 / p99', fmtDur(lat(d.mailbox_latency, 'p50_ms')) + ' / ' + fmtDur(lat(d.mailbox_latency, 'p99_ms')));
      row('Processing p99', d.processing ? fmtDur(lat(d.processing, 'p99_ms')) : null);
      row('Round trip p50 / p99', d.round_trip ? fmtDur(lat(d.round_trip, 'p50_ms')) + ' / ' + fmtDur(lat(d.round_trip, 'p99_ms')) : null);
    } else if (d.class === 'span') {
      h.textContent = (d.label || 'processing') + ' on ' + d.actor;
      row('Actor', d.actor); row('Label', d.label);
      row('Start', fmtTime(d.start_ms)); row('End', d.end_ms ? fmtTime(d.end_ms) : 'still running');
      row('Duration', d.duration_ms !== null ? fmtDur(d.duration_ms) : null);
    } else if (d.class === 'bin') {
      h.textContent = d.from + ' → ' + d.to;
      row('Messages', d.count); row('Spans', d.spans || null);
      row('From', fmtTime(d.start_ms)); row('To', fmtTime(d.end_ms)); row('Over', fmtDur(d.end_ms - d.start_ms));
    } else if (d.class === 'mark') {
      h.textContent = d.kind + (d.actor ? ' · ' + d.actor : '');
      row('Time', fmtTime(d.time_ms)); row('Text', d.text);
    } else if (d.class === 'group') {
      h.textContent = d.name;
      row('Members', d.members); row('Kind', d.kind); row('Sent', d.sent); row('Received', d.received);
      row('Errors', d.errors); row('Crashes', d.crashes); row('Mailbox max', d.mailbox_max);
      row('Mailbox p99', fmtDur(lat(d.mailbox_latency, 'p99_ms')));
      row('Processing p99', fmtDur(lat(d.processing, 'p99_ms')));
    } else {
      h.textContent = d.name;
      row('Kind', d.kind); row('Parent', d.parent); row('Alive', d.alive ? 'yes' : 'no');
      row('Sent', d.sent); row('Received', d.received); row('Processed', d.processed);
      row('Mailbox', d.mailbox + ' (max ' + d.mailbox_max + ')'); row('Errors', d.errors);
      row('Crashes', d.crashes); row('Unanswered', d.unanswered);
      row('Mailbox p50 / p99', fmtDur(lat(d.mailbox_latency, 'p50_ms')) + ' / ' + fmtDur(lat(d.mailbox_latency, 'p99_ms')));
      row('Processing p50 / p99', fmtDur(lat(d.processing, 'p50_ms')) + ' / ' + fmtDur(lat(d.processing, 'p99_ms')));
      row('Round trip p99', fmtDur(lat(d.round_trip, 'p99_ms')));
      row('First / last', fmtTime(d.first_ms) + ' / ' + fmtTime(d.last_ms));
    }
    body.append(h, dl);
    if ((d.class === 'actor' || d.class === 'group') && d.name) body.append(pinButton(d.name));
    // An actor's charts over the window, asked for again every 3 s while
    // its card stays open; any other card has none.
    if (d.class === 'actor') {
      if (chartsFor !== d.name || performance.now() - chartsAt > 3000) {
        if (chartsFor !== d.name) $('#details-charts').replaceChildren();
        chartsFor = d.name; chartsAt = performance.now();
        send({ type: 'charts', actor: d.name });
      }
    } else { chartsFor = null; $('#details-charts').replaceChildren(); }
    if (d.class === 'message' && d.payload) {
      const pre = document.createElement('pre');
      pre.textContent = d.payload;
      body.append(pre);
    }
    $('#details').classList.remove('hidden');
  }

  let chartsFor = null, chartsAt = 0;
  // The SVGs come from render-sparkline (trace text only in <title>,
  // escaped); they are parsed and sanitised like frames all the same.
  function showCharts(msg) {
    if (msg.actor !== chartsFor) return;
    const box = $('#details-charts');
    const frag = document.createDocumentFragment();
    const unit = { mailbox: (v) => String(Math.round(v)), rate: (v) => v.toFixed(1) + ' /s', wait_p99: (v) => fmtDur(v) };
    for (const c of msg.charts || []) {
      const div = document.createElement('div'); div.className = 'chart'; div.dataset.chart = c.name;
      const label = document.createElement('div'); label.className = 'chart-label';
      const t = document.createElement('span'); t.textContent = c.title.replace(/ \(ms\)$/, '');
      const f = (unit[c.name] || String);
      const v = document.createElement('span'); v.textContent = 'now ' + f(c.last) + ' · max ' + f(c.max);
      label.append(t, v);
      div.append(label);
      const doc = new DOMParser().parseFromString(c.svg, 'image/svg+xml');
      const svg = doc.documentElement;
      if (svg && svg.namespaceURI === SVG_NS && svg.localName === 'svg' && !doc.getElementsByTagName('parsererror').length)
        div.append(document.adoptNode(sanitizeSvg(svg)));
      frag.append(div);
    }
    if (msg.partners && msg.partners.length) {
      const h = document.createElement('h4'); h.textContent = 'Top partners';
      const ul = document.createElement('ul');
      for (const p of msg.partners) {
        const li = document.createElement('li');
        const b = document.createElement('button'); b.className = 'link'; b.textContent = p.name; b.title = p.name;
        b.addEventListener('click', () => select(p.name, 'actor', p.name));
        const n = document.createElement('span'); n.className = 'muted';
        n.textContent = p.sent + ' sent · ' + p.received + ' received';
        li.append(b, n); ul.append(li);
      }
      frag.append(h, ul);
    }
    box.replaceChildren(frag);
  }

  // ---- overview / scrubber -------------------------------------------------------------
  let drag = null;
  let overviewSize = null;
  // The theme's colours, read once per theme: getComputedStyle right after
  // a frame's DOM writes would force a style pass on every frame.
  let colors = null;
  function themeColors() {
    if (!colors || colors.theme !== state.theme) {
      const css = getComputedStyle(document.documentElement);
      colors = { theme: state.theme, values: {}, getPropertyValue(k) {
        if (!(k in this.values)) this.values[k] = css.getPropertyValue(k);
        return this.values[k];
      } };
    }
    return colors;
  }
  function drawOverview() {
    const cv = $('#overview');
    // The canvas size changes only on resize: measured then, not per frame
    // (reading clientWidth after DOM writes forces a layout).
    if (!overviewSize) overviewSize = { w: cv.clientWidth, h: cv.clientHeight };
    const w = overviewSize.w, hgt = overviewSize.h, dpr = window.devicePixelRatio || 1;
    cv.width = w * dpr; cv.height = hgt * dpr;
    const g = cv.getContext('2d');
    g.scale(dpr, dpr);
    const css = themeColors();
    const ov = state.overview;
    if (!ov || !ov.bins.length) return;
    const max = Math.max(1, ...ov.bins);
    const bw = w / ov.bins.length;
    const span = ov.to_ms - ov.from_ms || 1;
    const x = (t) => ((t - ov.from_ms) / span) * w;
    g.fillStyle = css.getPropertyValue('--bar');
    ov.bins.forEach((n, i) => {
      const bh = Math.max(n ? 1 : 0, (Math.sqrt(n) / Math.sqrt(max)) * (hgt - 4));
      g.fillRect(i * bw, hgt - bh, Math.max(1, bw - 0.5), bh);
    });
    if (state.range) {
      g.fillStyle = css.getPropertyValue('--bar-hot') + '33';
      const a = x(state.range.from_ms), b = x(state.range.to_ms);
      g.fillRect(a, 0, Math.max(2, b - a), hgt);
      g.strokeStyle = css.getPropertyValue('--bar-hot');
      g.strokeRect(a + 0.5, 0.5, Math.max(2, b - a) - 1, hgt - 1);
    }
    if (drag) {
      g.fillStyle = css.getPropertyValue('--bar-hot') + '55';
      g.fillRect(Math.min(drag.a, drag.b), 0, Math.abs(drag.b - drag.a), hgt);
    }
  }
  function overviewTime(px) {
    const ov = state.overview, w = $('#overview').clientWidth;
    return ov.from_ms + (px / w) * (ov.to_ms - ov.from_ms);
  }

  function setLive(on) {
    state.follow = on;
    const b = $('#live');
    b.classList.toggle('on', on); b.classList.toggle('off', !on);
    b.textContent = on ? '● Live' : '❚❚ Paused';
  }

  function toast(text) {
    const t = $('#toast');
    t.textContent = text;
    t.classList.remove('hidden');
    clearTimeout(toast.timer);
    toast.timer = setTimeout(() => t.classList.add('hidden'), 4000);
  }

  function applyTheme() {
    document.documentElement.dataset.theme = state.theme;
    localStorage.setItem('actorscope-theme', state.theme);
  }

  // The sequence chart's lane header (data-sticky) stays in view while the
  // chart scrolls under it.
  function stickHeader() {
    const svg = $('#svg svg');
    const head = svg && svg.querySelector('g[data-sticky="true"]');
    if (!head) return;
    if (head.nextElementSibling) head.parentNode.appendChild(head); // paint over the chart
    const scale = svg.getBoundingClientRect().width / (state.frame ? state.frame.size.width : 1) || 1;
    head.setAttribute('transform', 'translate(0 ' + ($('#stage').scrollTop / scale).toFixed(1) + ')');
  }

  // Thin lines (graph edges, message arrows) are hard to hit: a click in
  // empty space picks the line passing within a few pixels of it.
  function nearestStroke(e) {
    const svg = $('#svg svg');
    if (!svg || !svg.getScreenCTM()) return null;
    const pt = svg.createSVGPoint();
    pt.x = e.clientX; pt.y = e.clientY;
    const p = pt.matrixTransform(svg.getScreenCTM().inverse());
    const scale = svg.getScreenCTM().a || 1;
    const lines = svg.querySelectorAll('g.edge[data-id] path, g.message[data-id] path, g.message[data-id] line');
    for (let i = lines.length - 1; i >= 0; i--) {
      const el = lines[i];
      if (typeof el.isPointInStroke !== 'function') continue;
      const old = el.style.strokeWidth;
      el.style.strokeWidth = (10 / scale) + 'px';
      const hit = el.isPointInStroke(p);
      el.style.strokeWidth = old;
      if (hit) return el.closest('[data-id]');
    }
    return null;
  }

  // ---- filters: inline errors ------------------------------------------------------
  // A filter the service refuses (a bad /regex/) is not applied: the box
  // turns red and says why and what is still shown, so the box and the
  // picture never disagree silently. The applied filters come back in
  // every frame's view (syncApplied).
  const FILTER_FIELDS = { filter: ['#filter', '#filter-error', 'filter', 'actors'],
    label_filter: ['#label-filter', '#label-filter-error', 'labelFilter', 'messages'] };
  function setFieldError(field, text) {
    const [box, err] = FILTER_FIELDS[field];
    $(box).parentElement.classList.toggle('bad', !!text);
    $(box).setAttribute('aria-invalid', text ? 'true' : 'false');
    $(err).textContent = text || '';
    $(err).classList.toggle('hidden', !text);
  }
  function onError(msg) {
    const m = /^field "(filter|label_filter)": (.*)$/.exec(msg.message || '');
    if (m) {
      pendingFilter[m[1]] = null;
      const [, , key, what] = FILTER_FIELDS[m[1]];
      const applied = state[key];
      setFieldError(m[1], m[2] + ' — not applied; showing ' + (applied ? what + ' matching ' + applied : 'all ' + what));
    }
    toast(msg.message);
  }
  // The URL is saved when a filter the user asked for is applied (frames
  // still in flight may show the one before).
  const pendingFilter = { filter: null, label_filter: null };
  function syncApplied(view) {
    const filter = view.filter || '', label = view.label_filter || '';
    let save = false;
    if (pendingFilter.filter !== null && pendingFilter.filter === filter) { pendingFilter.filter = null; save = true; }
    if (pendingFilter.label_filter !== null && pendingFilter.label_filter === label) { pendingFilter.label_filter = null; save = true; }
    state.filter = filter;
    state.labelFilter = label;
    if (save) saveUrl(true);
    if ($('#filter').value.trim() === filter) setFieldError('filter', null);
    if ($('#label-filter').value.trim() === label) setFieldError('label_filter', null);
  }

  // ---- the view in the URL ---------------------------------------------------------
  // Everything needed to see the same thing again lives in the fragment
  // (#view=timeline&from=…&to=…&filter=…): a reload restores it, a copied
  // URL shares it, back/forward step through it. The fragment never
  // reaches the server, so a ?token= in the query is left alone.
  function urlOfState() {
    const q = new URLSearchParams();
    q.set('view', state.view);
    if (!state.follow && state.fixed) { q.set('from', state.fixed[0].toFixed(3)); q.set('to', state.fixed[1].toFixed(3)); }
    else q.set('window', String(state.window_s));
    if (state.filter) q.set('filter', state.filter);
    if (state.labelFilter) q.set('label', state.labelFilter);
    if (state.groups.length) q.set('groups', state.groups.join(','));
    if (state.expandThreads) q.set('threads', 'expand');
    for (const p of state.pinned) q.append('pin', p);
    if (state.selected) q.set('select', state.selected);
    if (state.theme !== 'dark') q.set('theme', state.theme);
    if (state.search.text) q.set('q', state.search.text);
    return '#' + q.toString();
  }
  let urlTimer = null;
  function saveUrl(push) {
    clearTimeout(urlTimer);
    urlTimer = setTimeout(() => {
      const u = urlOfState();
      if (u === location.hash) return;
      if (push) history.pushState(null, '', u);
      else history.replaceState(null, '', u);
    }, 50);
  }
  function stateFromUrl() {
    const q = new URLSearchParams(location.hash.slice(1));
    if (!q.has('view')) return false;
    const v = q.get('view');
    state.view = ['graph', 'sequence', 'timeline'].includes(v) ? v : 'graph';
    const from = Number(q.get('from')), to = Number(q.get('to'));
    if (q.has('from') && q.has('to') && isFinite(from) && isFinite(to) && to >= from) {
      state.fixed = [from, to];
      state.follow = false;
    } else {
      state.fixed = null;
      state.follow = true;
      const w = Number(q.get('window'));
      if (q.has('window') && isFinite(w) && w >= 0) state.window_s = w;
    }
    state.filter = q.get('filter') || '';
    state.labelFilter = q.get('label') || '';
    state.groups = (q.get('groups') || '').split(',').map((x) => x.trim()).filter(Boolean).slice(0, 16);
    state.expandThreads = q.get('threads') === 'expand';
    state.selected = q.get('select') || null;
    state.pinned = q.getAll('pin').filter(Boolean).slice(0, 16);
    if (q.get('theme') === 'light' || q.get('theme') === 'dark') state.theme = q.get('theme');
    const text = (q.get('q') || '').slice(0, 256);
    if (text !== state.search.text) state.search = { text, matches: [], total: 0, index: -1 };
    return true;
  }
  // The controls show the state (after a reload or back/forward).
  function showState() {
    for (const o of document.querySelectorAll('.seg button')) o.classList.toggle('active', o.dataset.view === state.view);
    const sel = $('#window');
    if (![...sel.options].some((o) => Number(o.value) === state.window_s)) {
      const o = document.createElement('option');
      o.value = String(state.window_s); o.textContent = fmtDur(state.window_s * 1000);
      sel.appendChild(o);
    }
    sel.value = String(state.window_s);
    $('#filter').value = state.filter;
    $('#label-filter').value = state.labelFilter;
    $('#groups').value = state.groups.join(', ');
    $('#expand-threads').checked = state.expandThreads;
    $('#search').value = state.search.text;
    setFieldError('filter', null); setFieldError('label_filter', null);
    applyTheme();
    setLive(state.follow);
    showTimebar();
  }

  // ---- time navigation ------------------------------------------------------------------
  // Zoom and pan change the window the service draws (a fixed from/to),
  // not a magnification: the timeline and the sequence chart show that
  // time span in full detail. Following live stops on the first zoom; the
  // bar under the scrubber says so and offers the way back.
  function currentWindow() {
    if (state.fixed) return state.fixed.slice();
    if (state.range) return [state.range.from_ms, state.range.to_ms];
    return null;
  }
  function setWindow(from, to, push) {
    if (!(to > from)) return;
    if (to - from < 1) { const c = (from + to) / 2; from = c - 0.5; to = c + 0.5; }
    state.fixed = [from, to];
    setLive(false);
    send({ type: 'view', follow: false, from_ms: from, to_ms: to });
    showTimebar();
    saveUrl(push);
  }
  // factor < 1 zooms in; frac is where the anchor sits in the window (0..1).
  function zoomTime(factor, frac) {
    const w = currentWindow();
    if (!w) return;
    const len = Math.max(1, w[1] - w[0]);
    const anchor = w[0] + len * (frac === undefined ? 0.5 : frac);
    const nlen = Math.min(7 * 24 * 3600e3, Math.max(1, len * factor));
    setWindow(anchor - nlen * (anchor - w[0]) / len, anchor + nlen * (w[1] - anchor) / len, false);
  }
  function panTime(frac) {
    const w = currentWindow();
    if (!w) return;
    const d = (w[1] - w[0]) * frac;
    setWindow(w[0] + d, w[1] + d, false);
  }
  // Where the pointer is in the window: the timeline's axis maps scene x
  // to time; the sequence chart runs down the page (not linear), so its
  // anchor is the pointer's height in the stage.
  function pointerFraction(e) {
    const svg = $('#svg svg');
    if (state.view === 'timeline' && state.axis && svg && svg.getScreenCTM()) {
      const pt = svg.createSVGPoint(); pt.x = e.clientX; pt.y = e.clientY;
      const p = pt.matrixTransform(svg.getScreenCTM().inverse());
      const a = state.axis;
      return Math.min(1, Math.max(0, (p.x - a.x0) / ((a.x1 - a.x0) || 1)));
    }
    const r = $('#stage').getBoundingClientRect();
    if (state.view === 'sequence') return Math.min(1, Math.max(0, (e.clientY - r.top) / (r.height || 1)));
    return Math.min(1, Math.max(0, (e.clientX - r.left) / (r.width || 1)));
  }
  function timeAt(e) {
    if (state.view === 'sequence' && state.rowTimes) {
      const p = scenePoint(e);
      return p ? sequenceTimeAt(p.y) : null;
    }
    const w = currentWindow();
    return w ? w[0] + (w[1] - w[0]) * pointerFraction(e) : null;
  }
  function showTimebar() {
    const bar = $('#timebar');
    const paused = !state.follow;
    $('#back-to-live').classList.toggle('hidden', !paused);
    $('#clear-selection').classList.toggle('hidden', !state.timeSel);
    const parts = [];
    if (paused && state.fixed) parts.push('Paused at ' + fmtTime(state.fixed[0]) + ' → ' + fmtTime(state.fixed[1]) +
      ' (' + fmtDur(state.fixed[1] - state.fixed[0]) + ')');
    else if (paused) parts.push('Paused');
    if (state.timeSel) parts.push(selectionStats(state.timeSel));
    $('#timebar-text').textContent = parts.join(' · ');
    bar.classList.toggle('hidden', !paused && !state.timeSel);
  }
  // What a selected time range holds: its length, the events in it (from
  // the activity overview), and the spans and messages drawn in it.
  function selectionStats(sel) {
    const [a, b] = sel;
    let events = 0;
    const ov = state.overview;
    if (ov && ov.bins.length) {
      const bw = (ov.to_ms - ov.from_ms) / ov.bins.length || 1;
      ov.bins.forEach((n, i) => {
        const s0 = ov.from_ms + i * bw, s1 = s0 + bw;
        const overlap = Math.max(0, Math.min(b, s1) - Math.max(a, s0));
        events += n * overlap / bw;
      });
    }
    let spans = 0, busy = 0, messages = 0;
    if (state.view === 'sequence' && state.rowTimes) {
      // A message sits on the row of its send time: where its arrow starts.
      const ya = sequenceY(a), yb = sequenceY(b);
      for (const g of document.querySelectorAll('#svg g.message[data-id]')) {
        const line = g.querySelector('path, line');
        if (!line) continue;
        const m = line.localName === 'line' ? [0, 0, line.getAttribute('y1')]
          : /^M\s*(-?[\d.]+)[ ,]+(-?[\d.]+)/.exec(line.getAttribute('d') || '');
        const y = m ? Number(m[2]) : NaN;
        if (y >= ya - 0.5 && y <= yb + 0.5) messages++;
      }
    }
    if (state.view === 'timeline' && state.axis) {
      const ax = state.axis, k = (ax.x1 - ax.x0) / ((ax.to_ms - ax.from_ms) || 1);
      const xa = ax.x0 + (a - ax.from_ms) * k, xb = ax.x0 + (b - ax.from_ms) * k;
      for (const r of document.querySelectorAll('#svg g.span[data-id] rect')) {
        const x = Number(r.getAttribute('x')), w = Number(r.getAttribute('width'));
        const o = Math.min(xb, x + w) - Math.max(xa, x);
        if (o > 0) { spans++; busy += o / k; }
      }
    }
    return 'Selection ' + fmtTime(a) + ' → ' + fmtTime(b) + ': ' + fmtDur(b - a) + ', ~' +
      Math.round(events).toLocaleString() + ' events' +
      (state.view === 'timeline' ? ', ' + spans + ' spans drawn, ' + fmtDur(busy) + ' busy' : '') +
      (state.view === 'sequence' ? ', ' + messages + (messages === 1 ? ' message' : ' messages') + ' sent' : '');
  }
  function setSelection(sel) {
    state.timeSel = sel;
    drawSelection();
    showTimebar();
  }
  // The selection drawn over the stage: a column on the timeline, a band
  // across the sequence chart (its time runs down).
  function drawSelection() {
    let box = $('#time-selection');
    const seq = state.view === 'sequence' && state.rowTimes;
    if (!state.timeSel || !(seq || (state.view === 'timeline' && state.axis))) { if (box) box.remove(); return; }
    const svg = $('#svg svg');
    if (!svg || !svg.getScreenCTM()) return;
    if (!box) {
      box = document.createElement('div'); box.id = 'time-selection'; box.className = 'time-selection';
      $('#stage').appendChild(box);
    }
    box.classList.toggle('rows', !!seq);
    if (seq) {
      const m = svg.getScreenCTM(), sr = $('#stage').getBoundingClientRect();
      const y = (t) => m.d * sequenceY(t) + m.f - sr.top + $('#stage').scrollTop;
      const a = y(state.timeSel[0]), b = y(state.timeSel[1]);
      box.style.left = '0px';
      box.style.top = Math.min(a, b) + 'px';
      box.style.height = Math.max(2, Math.abs(b - a)) + 'px';
      box.style.width = svg.getBoundingClientRect().width + 'px';
      return;
    }
    box.style.top = '0px';
    const ax = state.axis, m = svg.getScreenCTM(), sr = $('#stage').getBoundingClientRect();
    const k = (ax.x1 - ax.x0) / ((ax.to_ms - ax.from_ms) || 1);
    const x = (t) => m.a * (ax.x0 + (t - ax.from_ms) * k) + m.e - sr.left + $('#stage').scrollLeft;
    const a = x(state.timeSel[0]), b = x(state.timeSel[1]);
    box.style.left = Math.min(a, b) + 'px';
    box.style.width = Math.max(2, Math.abs(b - a)) + 'px';
    box.style.height = svg.getBoundingClientRect().height + 'px';
  }

  // ---- flows ---------------------------------------------------------------------------------------
  // Selecting an actor, a message or an edge highlights its flows in the
  // picture and dims the rest (Perfetto's flows on selection): an actor's
  // messages and edges and its partners; a message, its request or
  // response and both ends; an edge, its messages. Escape clears it. The
  // graph's edges name their ends (data-from, data-to); a message's
  // tooltip names them ("label", then "from → to"), and the selected
  // name is looked for there as a whole line part, never as markup.
  function flowOf(cls, id, el) {
    if (cls === 'actor') return { kind: 'actor', actor: id };
    if (cls === 'message') return { kind: 'message', ids: new Set([String(id)]), actors: [] };
    if (cls === 'edge' && el && el.getAttribute('data-from'))
      return { kind: 'edge', id, actors: [el.getAttribute('data-from'), el.getAttribute('data-to')] };
    return null;
  }
  function setFlow(flow) {
    state.flow = flow;
    applyFlow();
  }
  function clearFlow() {
    state.flow = null;
    state.selected = null;
    for (const s of document.querySelectorAll('#svg .selected')) s.classList.remove('selected');
    for (const [, r] of tableRows) r.tr.classList.remove('selected-row');
    applyFlow();
    saveUrl(true);
  }
  // The ends of a drawn message: from its tooltip's "from → to" line.
  function messageEnds(g) {
    const t = g.querySelector('title');
    const lines = t ? t.textContent.split('\n') : [];
    for (const line of lines.slice(1)) {
      const k = line.indexOf(' \u2192 ');
      if (k >= 0) return [line.slice(0, k), line.slice(k + 3)];
    }
    return null;
  }
  function applyFlow() {
    const svg = $('#svg svg');
    if (!svg) return;
    for (const el of svg.querySelectorAll('.flow')) el.classList.remove('flow');
    const f = state.flow;
    svg.classList.toggle('flow-active', !!f);
    if (!f) return;
    const actors = new Set(f.kind === 'actor' ? [f.actor] : f.actors);
    for (const g of svg.querySelectorAll('g.edge[data-from]')) {
      const from = g.getAttribute('data-from'), to = g.getAttribute('data-to');
      const on = f.kind === 'actor' ? from === f.actor || to === f.actor
        : f.kind === 'edge' ? g.getAttribute('data-id') === f.id
        : actors.has(from) && actors.has(to);
      if (!on) continue;
      g.classList.add('flow');
      actors.add(from); actors.add(to);
    }
    for (const g of svg.querySelectorAll('g.message[data-id]')) {
      let on = false;
      if (f.kind === 'message') on = f.ids.has(g.getAttribute('data-id'));
      else {
        const ends = messageEnds(g);
        if (!ends) continue;
        on = f.kind === 'actor' ? ends[0] === f.actor || ends[1] === f.actor
          : ends[0] === f.actors[0] && ends[1] === f.actors[1];
        if (on && f.kind === 'actor') { actors.add(ends[0]); actors.add(ends[1]); }
      }
      if (on) g.classList.add('flow');
    }
    for (const g of svg.querySelectorAll('g.actor[data-id]'))
      if (actors.has(g.getAttribute('data-id'))) g.classList.add('flow');
  }

  // ---- pinned lanes ----------------------------------------------------------------------------------
  // An actor's (or group's) card pins its lane to the top of the timeline
  // and the sequence chart (the service reorders the lanes, PROTOCOL.md
  // "pinned"); pins live in the URL (pin=…, repeated) and show in the
  // picture as highlighted lane names.
  function pinButton(name) {
    const b = document.createElement('button');
    b.id = 'pin-actor';
    const on = state.pinned.includes(name);
    b.textContent = on ? 'Unpin lane' : 'Pin lane to top';
    b.title = on ? 'Let this lane go back to its place' : 'Keep this lane at the top of the timeline and sequence chart';
    b.setAttribute('aria-pressed', String(on));
    b.addEventListener('click', () => { togglePin(name); b.replaceWith(pinButton(name)); });
    return b;
  }
  function togglePin(name) {
    const i = state.pinned.indexOf(name);
    if (i >= 0) state.pinned.splice(i, 1);
    else if (state.pinned.length < 16) state.pinned.push(name);
    send({ type: 'view', pinned: state.pinned.length ? state.pinned : null });
    markPinned();
    saveUrl(true);
  }
  function markPinned() {
    const pins = new Set(state.pinned);
    for (const g of document.querySelectorAll('#svg g.actor[data-id]'))
      g.classList.toggle('pinned', pins.has(g.getAttribute('data-id')));
  }

  // ---- search ------------------------------------------------------------------------------------
  // The service finds the messages (ingest/views/ingest-search.c) over all
  // the data; next/previous move the window to a match, pause, show the
  // message and highlight it (and the actors whose names match).
  function askSearch(text) {
    state.search = { text, matches: [], total: 0, index: -1 };
    $('#search-count').textContent = text ? '…' : '';
    if (text) send({ type: 'search', text });
    highlightMatches();
    saveUrl(false);
  }
  function showSearch(msg) {
    if (msg.text !== state.search.text) return; // an older search
    state.search.matches = msg.matches || [];
    state.search.total = msg.total || 0;
    state.search.index = -1;
    showSearchCount();
    highlightMatches();
  }
  function showSearchCount() {
    const s = state.search;
    $('#search-count').textContent = !s.text ? '' : !s.total ? 'no match'
      : (s.index >= 0 ? (s.index + 1) + ' / ' : '') + s.total.toLocaleString() + (s.total === 1 ? ' match' : ' matches') +
        (s.total > s.matches.length ? ' (first ' + s.matches.length + ')' : '');
  }
  function stepSearch(dir) {
    const s = state.search;
    if (!s.matches.length) return;
    if (s.index < 0) {
      // The first step goes to the first match after (or before) the window's middle.
      const w = currentWindow(), mid = w ? (w[0] + w[1]) / 2 : -Infinity;
      const after = s.matches.findIndex((m) => m.time_ms >= mid);
      s.index = dir > 0 ? (after < 0 ? 0 : after) : (after <= 0 ? s.matches.length - 1 : after - 1);
    } else {
      s.index = (s.index + dir + s.matches.length) % s.matches.length;
    }
    const m = s.matches[s.index];
    const w = currentWindow();
    const len = w ? Math.min(Math.max(1, w[1] - w[0]), 60000) : 10000;
    setWindow(m.time_ms - len / 2, m.time_ms + len / 2, true);
    state.searchHit = String(m.message);
    send({ type: 'details', class: 'message', id: String(m.message) });
    showSearchCount();
    highlightMatches();
  }
  function highlightMatches() {
    for (const el of document.querySelectorAll('#svg .match')) el.classList.remove('match');
    const text = state.search.text.toLowerCase();
    if (!text) return;
    for (const g of document.querySelectorAll('#svg g.actor[data-id]'))
      if (g.getAttribute('data-id').toLowerCase().includes(text)) g.classList.add('match');
    if (state.searchHit) {
      const g = $('#svg').querySelector('g.message[data-id="' + CSS.escape(state.searchHit) + '"]');
      if (g) g.classList.add('match');
    }
  }

  // ---- deviations ------------------------------------------------------------------------------
  // Computed by the service (ingest/views/ingest-deviations.c, the same
  // list the desktop can show) for the window on screen; asked for every
  // 5 s (one scan of the window on the service's loop: about 17 ns an
  // event, bench-console-queries) and on connect. Rows are plain text cells.
  const DEV_WHAT = { crash: 'crash', drop: 'dead letter', unanswered: 'unanswered request',
    lost: 'events lost', stuck: 'stuck queue', 'slow-mailbox': 'slow mailbox', 'mailbox-limit': 'mailbox over limit' };
  let devTimer = null;
  function askDeviations() {
    clearTimeout(devTimer);
    devTimer = setTimeout(askDeviations, 5000);
    if (document.hidden) return;
    send({ type: 'deviations', stuck_s: Number($('#dev-stuck').value) || 5,
      wait_p99_ms: Number($('#dev-wait').value) || 0 });
  }
  function showDeviations(msg) {
    state.devRows = msg.rows || [];
    const total = msg.total || 0;
    $('#deviations-count').textContent = String(total);
    $('#deviations-badge').classList.toggle('alert', total > 0);
    $('#deviations-total').textContent = total > state.devRows.length ? state.devRows.length + ' of ' + total : String(total);
    const body = $('#deviations-table tbody');
    const frag = document.createDocumentFragment();
    state.devRows.forEach((r, i) => {
      const tr = document.createElement('tr');
      tr.className = r.kind;
      tr.tabIndex = 0;
      tr.dataset.index = String(i);
      // The actor's last two path steps ("workers/w3") fit the column;
      // the whole name and what happened are in the tooltip.
      const short = r.actor ? r.actor.split('/').filter(Boolean).slice(-2).join('/') || r.actor : '(source)';
      const cells = [r.time_ms ? fmtTime(r.time_ms) : '–', short, (DEV_WHAT[r.kind] || r.kind)];
      for (const text of cells) { const td = document.createElement('td'); td.textContent = text; tr.appendChild(td); }
      tr.title = (r.actor ? r.actor + ': ' : '') + (r.what || '');
      frag.appendChild(tr);
    });
    body.replaceChildren(frag);
  }
  // A deviation row moves the view to its moment (the current window
  // length, centred on it), selects its actor and shows it.
  function goToDeviation(r) {
    if (!r) return;
    if (r.time_ms) {
      const w = currentWindow();
      const len = w ? Math.max(1, w[1] - w[0]) : state.window_s * 1000 || 30000;
      setWindow(r.time_ms - len / 2, r.time_ms + len / 2, true);
    }
    if (r.actor) select(r.actor, r.message ? 'message' : 'actor', r.message ? String(r.message) : r.actor);
  }

  // ---- selection, panels, keyboard ---------------------------------------------------------------
  function select(actorOrId, cls, id) {
    state.selected = actorOrId;
    for (const s of document.querySelectorAll('#svg .selected')) s.classList.remove('selected');
    const g = $('#svg').querySelector('[data-id="' + CSS.escape(id) + '"]');
    if (g) g.classList.add('selected');
    for (const [, r] of tableRows) r.tr.classList.toggle('selected-row', r.tr.dataset.actor === state.selected);
    setFlow(flowOf(cls, id, g));
    send({ type: 'details', class: cls, id });
    saveUrl(true);
  }
  function togglePanel(open) {
    const side = $('#side');
    const on = open === undefined ? !side.classList.contains('open') : open;
    side.classList.toggle('open', on);
    $('#panel-toggle').setAttribute('aria-expanded', String(on));
  }
  const narrow = () => window.matchMedia('(max-width: 900px)').matches;
  function showShortcuts(on) {
    $('#shortcuts').classList.toggle('hidden', !on);
    if (on) $('#close-shortcuts').focus();
  }
  function setView(v, push) {
    state.view = v;
    for (const o of document.querySelectorAll('.seg button')) o.classList.toggle('active', o.dataset.view === v);
    send({ type: 'view', kind: v });
    drawSelection();
    saveUrl(push);
  }
  function goLive() {
    setLive(true); state.fixed = null; send({ type: 'live' });
    showTimebar(); saveUrl(true);
  }
  function pause() {
    setLive(false);
    if (state.range) state.fixed = [state.range.from_ms, state.range.to_ms];
    send({ type: 'pause' });
    showTimebar(); saveUrl(true);
  }

  // ---- wiring -------------------------------------------------------------------------------------
  function init() {
    if (stateFromUrl()) showState();
    else { applyTheme(); saveUrl(false); }
    if (state.selected) state.flow = flowOf('actor', state.selected);
    window.addEventListener('popstate', () => {
      if (!stateFromUrl()) return;
      showState();
      setFlow(state.selected ? flowOf('actor', state.selected) : null);
      renderTable(true);
      send(viewMessage());
      if (state.selected) send({ type: 'details', class: 'actor', id: state.selected });
    });
    $('#live').addEventListener('click', () => { if (state.follow) pause(); else goLive(); });
    $('#back-to-live').addEventListener('click', goLive);
    $('#clear-selection').addEventListener('click', () => setSelection(null));
    for (const b of document.querySelectorAll('.seg button'))
      b.addEventListener('click', () => setView(b.dataset.view, true));
    $('#window').addEventListener('change', (e) => {
      state.window_s = Number(e.target.value);
      send({ type: 'view', window_s: state.window_s > 0 ? state.window_s : 7 * 24 * 3600 });
      saveUrl(true);
    });
    let ft = null;
    $('#filter').addEventListener('input', (e) => {
      clearTimeout(ft);
      ft = setTimeout(() => { pendingFilter.filter = e.target.value.trim(); send({ type: 'view', filter: pendingFilter.filter || null }); }, 250);
    });
    let lt = null;
    $('#label-filter').addEventListener('input', (e) => {
      clearTimeout(lt);
      lt = setTimeout(() => { pendingFilter.label_filter = e.target.value.trim(); send({ type: 'view', label_filter: pendingFilter.label_filter || null }); }, 250);
    });
    let gt = null;
    $('#groups').addEventListener('input', (e) => {
      clearTimeout(gt);
      gt = setTimeout(() => {
        state.groups = e.target.value.split(',').map((x) => x.trim()).filter(Boolean).slice(0, 16);
        send({ type: 'view', groups: state.groups.length ? state.groups : null });
        saveUrl(true);
      }, 300);
    });
    $('#expand-threads').addEventListener('change', (e) => {
      state.expandThreads = e.target.checked;
      send({ type: 'view', expand_threads: state.expandThreads });
      saveUrl(true);
    });
    $('#theme').addEventListener('click', () => {
      state.theme = state.theme === 'dark' ? 'light' : 'dark';
      applyTheme();
      send({ type: 'view', theme: state.theme });
      drawOverview();
      saveUrl(true);
    });
    $('#close-details').addEventListener('click', () => { $('#details').classList.add('hidden'); state.detailsReq = null; chartsFor = null; });
    $('#panel-toggle').addEventListener('click', () => togglePanel());
    $('#close-side').addEventListener('click', () => { togglePanel(false); $('#panel-toggle').focus(); });
    $('#help').addEventListener('click', () => showShortcuts(true));
    $('#close-shortcuts').addEventListener('click', () => showShortcuts(false));
    $('#shortcuts').addEventListener('click', (e) => { if (e.target === $('#shortcuts')) showShortcuts(false); });
    $('#deviations-badge').addEventListener('click', () => {
      if (narrow()) togglePanel(true);
      $('#deviations').scrollIntoView({ block: 'nearest' });
      const first = $('#deviations-table tr');
      if (first) first.focus();
    });
    for (const id of ['#dev-stuck', '#dev-wait']) $(id).addEventListener('change', askDeviations);
    let st = null;
    $('#search').addEventListener('input', (e) => {
      clearTimeout(st);
      st = setTimeout(() => askSearch(e.target.value.trim().slice(0, 256)), 300);
    });
    $('#search').addEventListener('keydown', (e) => {
      if (e.key !== 'Enter') return;
      e.preventDefault();
      const text = e.target.value.trim().slice(0, 256);
      if (text !== state.search.text) askSearch(text);
      else stepSearch(e.shiftKey ? -1 : 1);
    });
    $('#search-next').addEventListener('click', () => stepSearch(1));
    $('#search-prev').addEventListener('click', () => stepSearch(-1));
    const devPick = (e) => {
      const tr = e.target.closest('tr[data-index]');
      if (tr) goToDeviation(state.devRows[Number(tr.dataset.index)]);
    };
    $('#deviations-table').addEventListener('click', devPick);
    $('#deviations-table').addEventListener('keydown', (e) => { if (e.key === 'Enter') devPick(e); });

    // Frames replace the SVG up to 10 times a second, so the element under
    // a mouse press may be gone at its release (and no click event fires):
    // remember what was pressed, act on a release close to it. A press on
    // the timeline's ruler (above the lanes) drags a time selection.
    let press = null, ruler = null, panDrag = null;
    $('#svg').addEventListener('mousedown', (e) => {
      if (e.button !== 0) return;
      if ((e.shiftKey && (state.view === 'timeline' ? state.axis : state.view === 'sequence' && state.rowTimes)) || onRuler(e)) {
        ruler = { a: timeAt(e) };
        e.preventDefault();
        return;
      }
      const g = e.target.closest('[data-id]') || nearestStroke(e);
      press = g ? { x: e.clientX, y: e.clientY, id: g.getAttribute('data-id'),
        cls: (g.getAttribute('class') || '').split(/\s+/)[0] || 'actor' } : null;
      // A drag from empty space on the timeline pans it in time.
      panDrag = !g && state.view === 'timeline' && state.axis ? { x: e.clientX, t: timeAt(e) } : null;
    });
    // While dragging only the band follows; the statistics come at the
    // release: a timebar growing mid-drag (it wraps on a phone) would move
    // the picture under the pointer.
    window.addEventListener('mousemove', (e) => {
      if (!ruler) return;
      const b = timeAt(e);
      if (b !== null && ruler.a !== null) { state.timeSel = [Math.min(ruler.a, b), Math.max(ruler.a, b)]; drawSelection(); }
    });
    $('#svg').addEventListener('mouseup', (e) => {
      if (panDrag && Math.abs(e.clientX - panDrag.x) > 4) {
        const t = timeAt(e), w = currentWindow();
        if (t !== null && panDrag.t !== null && w) setWindow(w[0] + panDrag.t - t, w[1] + panDrag.t - t, false);
        panDrag = null;
        return;
      }
      panDrag = null;
      if (ruler) {
        const b = timeAt(e);
        if (ruler.a !== null && b !== null && Math.abs(b - ruler.a) > 0) setSelection([Math.min(ruler.a, b), Math.max(ruler.a, b)]);
        ruler = null;
        return;
      }
      const p = press;
      press = null;
      if (!p || Math.abs(e.clientX - p.x) > 4 || Math.abs(e.clientY - p.y) > 4) return;
      for (const s of document.querySelectorAll('#svg .selected')) s.classList.remove('selected');
      const g = $('#svg').querySelector('[data-id="' + CSS.escape(p.id) + '"]');
      if (g) g.classList.add('selected');
      if (p.cls === 'actor') { state.selected = p.id; saveUrl(true); }
      setFlow(flowOf(p.cls, p.id, g));
      send({ type: 'details', class: p.cls, id: p.id });
      if (narrow()) togglePanel(true);
    });
    window.addEventListener('mouseup', () => {
      if (ruler && state.timeSel) setSelection(state.timeSel); // released off the picture
      ruler = null;
    });
    // Table rows act on the press, not the click: a click needs press and
    // release on the same element, and a row could still be rewritten in
    // between; the press alone is never lost.
    const tableBody = $('#actors tbody');
    tableBody.addEventListener('mouseenter', () => { tableHovered = true; });
    tableBody.addEventListener('mouseleave', () => { tableHovered = false; sidePanels(); });
    const pickRow = (tr) => {
      if (!tr) return;
      select(tr.dataset.actor, 'actor', tr.dataset.actor);
      const g = $('#svg').querySelector('g.actor[data-id="' + CSS.escape(tr.dataset.actor) + '"]');
      if (g) g.classList.add('selected');
      state.stats.rowPicks = (state.stats.rowPicks || 0) + 1;
    };
    let pressedRow = null;
    tableBody.addEventListener('mousedown', (e) => {
      if (e.button !== 0) return;
      pressedRow = e.target.closest('tr[data-actor]');
      pickRow(pressedRow);
    });
    // A click without a press (assistive technology, scripts) picks too;
    // the click that ends a press was handled at the press.
    tableBody.addEventListener('click', (e) => {
      const tr = e.target.closest('tr[data-actor]');
      if (pressedRow === null) pickRow(tr);
      pressedRow = null;
    });
    tableBody.addEventListener('keydown', (e) => { if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); pickRow(e.target.closest('tr[data-actor]')); } });
    const sortBy = (th) => {
      if (state.sortKey === th.dataset.key) state.sortAsc = !state.sortAsc;
      else { state.sortKey = th.dataset.key; state.sortAsc = th.dataset.key === 'name'; }
      renderTable(true);
    };
    for (const th of document.querySelectorAll('#actors th')) {
      th.addEventListener('click', () => sortBy(th));
      th.addEventListener('keydown', (e) => { if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); sortBy(th); } });
    }
    $('#stage').addEventListener('wheel', (e) => {
      if (!e.ctrlKey) return;
      e.preventDefault();
      if (state.view !== 'graph') { zoomTime(e.deltaY < 0 ? 1 / 1.25 : 1.25, pointerFraction(e)); return; }
      state.zoom = Math.min(8, Math.max(0.25, state.zoom * (e.deltaY < 0 ? 1.15 : 1 / 1.15)));
      const svg = $('#svg svg');
      if (svg && state.frame) svg.style.width = (state.frame.size.width * state.zoom) + 'px';
      send({ type: 'view', zoom: state.zoom });
    }, { passive: false });
    const cv = $('#overview');
    cv.addEventListener('mousedown', (e) => { if (state.overview) drag = { a: e.offsetX, b: e.offsetX }; });
    cv.addEventListener('mousemove', (e) => { if (drag) { drag.b = e.offsetX; drawOverview(); } });
    window.addEventListener('mouseup', () => {
      if (!drag) return;
      const a = Math.min(drag.a, drag.b), b = Math.max(drag.a, drag.b);
      drag = null;
      if (b - a < 3) {
        // A click scrubs: show the window ending there, paused.
        const t = overviewTime(b);
        const len = state.range ? state.range.to_ms - state.range.from_ms : state.window_s * 1000;
        setWindow(t - len, t, true);
      } else {
        setWindow(overviewTime(a), overviewTime(b), true);
      }
    });
    cv.addEventListener('dblclick', goLive);
    let rt = null;
    window.addEventListener('resize', () => {
      clearTimeout(rt);
      rt = setTimeout(() => { overviewSize = null; send({ type: 'view', width: viewMessage().width, height: viewMessage().height }); drawOverview(); }, 200);
    });
    $('#stage').addEventListener('scroll', () => { stickHeader(); drawSelection(); }, { passive: true });
    document.addEventListener('keydown', onKey);
    connect();
    askDeviations();
  }

  function onRuler(e) {
    // The timeline's ruler is the band above its first lane: the top
    // axis.height scene units. The sequence chart's is the column of time
    // labels left of its lanes, below the header.
    const p = scenePoint(e);
    if (!p) return false;
    if (state.view === 'timeline' && state.axis) return p.y <= state.axis.height && p.x >= state.axis.x0;
    if (state.view !== 'sequence' || !state.rowTimes || !state.rowTimes.y.length) return false;
    const labels = $('#svg svg g.axis');
    if (!labels) return false;
    const b = labels.getBBox();
    return p.x <= b.x + b.width + 6 && p.y >= state.rowTimes.y[0] - 20;
  }
  // The pointer in scene units (null without a picture).
  function scenePoint(e) {
    const svg = $('#svg svg');
    if (!svg || !svg.getScreenCTM()) return null;
    const pt = svg.createSVGPoint(); pt.x = e.clientX; pt.y = e.clientY;
    return pt.matrixTransform(svg.getScreenCTM().inverse());
  }
  // The sequence chart's time axis runs down the page, one row per
  // message: not linear in y, only between two rows. The frame lists its
  // rows (row_times, PROTOCOL.md); these map along them both ways.
  function rowSegment(xs, v) {
    let lo = 0, hi = xs.length - 1;
    while (hi - lo > 1) { const mid = (lo + hi) >> 1; if (xs[mid] <= v) lo = mid; else hi = mid; }
    return lo;
  }
  function sequenceTimeAt(y) {
    const r = state.rowTimes;
    if (!r || !r.y.length) return null;
    const n = r.y.length;
    if (y <= r.y[0]) return r.t0_ms + r.dt_ms[0];
    if (y >= r.y[n - 1]) return r.t0_ms + r.dt_ms[n - 1];
    const k = rowSegment(r.y, y), f = (y - r.y[k]) / ((r.y[k + 1] - r.y[k]) || 1);
    return r.t0_ms + r.dt_ms[k] + f * (r.dt_ms[k + 1] - r.dt_ms[k]);
  }
  function sequenceY(t) {
    const r = state.rowTimes;
    if (!r || !r.y.length) return null;
    const n = r.y.length, d = t - r.t0_ms;
    if (d <= r.dt_ms[0]) return r.y[0];
    if (d >= r.dt_ms[n - 1]) return r.y[n - 1];
    const k = rowSegment(r.dt_ms, d), f = (d - r.dt_ms[k]) / ((r.dt_ms[k + 1] - r.dt_ms[k]) || 1);
    return r.y[k] + f * (r.y[k + 1] - r.y[k]);
  }

  let lastPointer = null;
  document.addEventListener('mousemove', (e) => { lastPointer = e; }, { passive: true });
  function onKey(e) {
    const t = e.target;
    const typing = t && (t.tagName === 'INPUT' || t.tagName === 'SELECT' || t.tagName === 'TEXTAREA');
    if (e.key === 'Escape') {
      if (!$('#shortcuts').classList.contains('hidden')) { showShortcuts(false); return; }
      if (typing) { t.blur(); return; }
      if (state.timeSel) { setSelection(null); return; }
      if (state.flow) { clearFlow(); return; }
      if ($('#side').classList.contains('open')) { togglePanel(false); return; }
      $('#details').classList.add('hidden'); state.detailsReq = null;
      return;
    }
    if ((e.ctrlKey || e.metaKey) && e.key.toLowerCase() === 'f') { e.preventDefault(); $('#search').focus(); return; }
    if (typing || e.ctrlKey || e.metaKey || e.altKey) return;
    const inStage = lastPointer && $('#stage').contains(lastPointer.target);
    const frac = inStage ? pointerFraction(lastPointer) : 0.5;
    const k = e.key.length === 1 ? e.key.toLowerCase() : e.key;
    if (k === '?') showShortcuts(true);
    else if (k === 'w' && state.view !== 'graph') zoomTime(1 / 1.5, frac);
    else if (k === 's' && state.view !== 'graph') zoomTime(1.5, frac);
    else if (k === 'a' || (k === 'ArrowLeft' && t === $('#overview'))) panTime(-0.25);
    else if (k === 'ArrowRight' && t === $('#overview')) panTime(0.25);
    else if (k === 'Enter' && t === $('#overview')) goLive();
    else if (k === 'd') panTime(0.25);
    else if (k === 'l') goLive();
    else if (k === ' ' && t === document.body) { if (state.follow) pause(); else goLive(); }
    else if (k === '1' || k === '2' || k === '3') setView(['graph', 'sequence', 'timeline'][Number(k) - 1], true);
    else if (k === '/' || k === 'f') $('#filter').focus();
    else if (k === 'n') stepSearch(e.shiftKey ? -1 : 1);
    else if (k === 't') $('#theme').click();
    else if (k === 'p') togglePanel();
    else if (k === 'v') $('#deviations-badge').click();
    else return;
    e.preventDefault();
  }
  document.addEventListener('DOMContentLoaded', init);
})();
