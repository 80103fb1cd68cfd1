// actorscope live console. Plain script, no build step. Every string that
// comes from a trace is put into the page with textContent or as parsed SVG
// that is sanitised first; never through HTML markup.
'use strict';

(function () {
  const $ = (sel) => document.querySelector(sel);
  const state = {
    ws: null, backoff: 500, view: 'graph', follow: true, window_s: 30, filter: '',
    theme: localStorage.getItem('actorscope-theme') || 'dark', zoom: 1, groups: [],
    sortKey: 'rate_per_s', sortAsc: false, actors: [], overview: null, range: null, frame: null,
    selected: null, lastFrameAt: 0,
    // Updates address the elements of the last whole frame by index in
    // document order (see PROTOCOL.md); seq counts frames and updates.
    els: [], seq: 0, stats: { frames: 0, updates: 0, resyncs: 0, maxSvgBytes: 0, reduced: 0, applied: 0, scriptMs: 0, renderMs: 0 },
  };
  window.actorscopeStats = state.stats; // read by the load test

  // ---- connection -------------------------------------------------------
  function setConn(cls, text) {
    const el = $('#conn');
    el.className = 'conn ' + cls;
    el.textContent = text;
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
      groups: state.groups.length ? state.groups : null,
      theme: state.theme, zoom: state.zoom, width: Math.max(320, Math.floor($('#stage').clientWidth - 8)),
      height: Math.max(240, Math.floor($('#stage').clientHeight - 8)) };
    if (state.window_s > 0) m.window_s = state.window_s;
    else m.window_s = 7 * 24 * 3600;
    if (!state.follow && state.fixed) { m.from_ms = state.fixed[0]; m.to_ms = state.fixed[1]; }
    return m;
  }

  function connect() {
    const proto = location.protocol === 'https:' ? 'wss:' : 'ws:';
    setConn('connecting', 'connecting');
    const ws = new WebSocket(proto + '//' + location.host + '/live?updates=1');
    state.ws = ws;
    ws.onopen = () => {
      state.backoff = 500;
      state.seq = 0;
      state.els = [];
      setConn('open', 'connected');
      send(viewMessage());
    };
    ws.onmessage = (ev) => {
      let msg;
      try { msg = JSON.parse(ev.data); } catch (e) { return; }
      if (msg.type === 'frame' || msg.type === 'update') receiveFrame(msg);
      else if (msg.type === 'details') showDetails(msg.details);
      else if (msg.type === 'error') toast(msg.message);
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
  const PACE = 4;
  const queued = [];
  let applyTimer = null, applyAfter = 0, applying = false;
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
  function scheduleApply() {
    if (applyTimer || applying || !queued.length) return;
    applyTimer = setTimeout(applyQueued, Math.max(0, applyAfter - performance.now()));
  }
  function applyQueued() {
    applyTimer = null;
    const t0 = performance.now();
    for (const m of queued.splice(0)) {
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
      applyAfter = now + PACE * (now - t0);
      scheduleApply();
    }, 0));
  }

  function onFrame(f) {
    state.stats.frames++;
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
      sanitizeSvg(svg);
      svg.style.width = (f.size.width * state.zoom) + 'px';
      holder.replaceChildren(document.adoptNode(svg));
      stickHeader();
      if (state.selected) {
        const sel = holder.querySelector('[data-id="' + CSS.escape(state.selected) + '"]');
        if (sel) sel.classList.add('selected');
      }
    }
    state.actors = f.actors || [];
    afterFrame(f);
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
      (f.detail && f.detail.reduced ? ' · detail reduced' : '');
    state.overview = f.overview;
    state.range = f.window;
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
  function renderTableHead() {
    const f = state.frame;
    if (!f || !f.columns) return;
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
  function renderTable() {
    renderTableHead();
    const get = columns[state.sortKey] || columns.rate_per_s;
    const rows = state.actors.slice().sort((a, b) => {
      const x = get(a), y = get(b);
      const c = typeof x === 'string' ? x.localeCompare(y) : (x ?? -1) - (y ?? -1);
      return state.sortAsc ? c : -c;
    });
    const seen = new Set();
    for (const a of rows) {
      seen.add(a.id);
      let r = tableRows.get(a.id);
      if (!r) {
        const tr = document.createElement('tr');
        const tds = [];
        for (let i = 0; i < shownKeys.length; i++) { const td = document.createElement('td'); tr.appendChild(td); tds.push(td); }
        r = { tr, tds, row: null };
        tableRows.set(a.id, r);
      }
      if (r.row === a) continue; // unchanged since last time
      r.row = a;
      if (r.tr.dataset.actor !== a.name) r.tr.dataset.actor = a.name;
      const hot = { mailbox_depth: a.mailbox > 10 ? ' hot' : '', errors: a.errors > 0 ? ' bad' : '' };
      const cells = shownKeys.map((k) => [k === 'name' ? a.name : (a.cells ? a.cells[k] : '') ?? '',
        k === 'name' ? 'name' : 'num' + (hot[k] || '')]);
      cells.forEach(([text, cls], i) => {
        const td = r.tds[i];
        if (td.className !== cls) td.className = cls;
        if (td.textContent !== text) td.textContent = text;
        if (cls === 'name' && td.title !== a.name) td.title = a.name;
      });
    }
    for (const [id, r] of tableRows) if (!seen.has(id)) { r.tr.remove(); tableRows.delete(id); }
    const body = $('#actors tbody');
    const order = rows.map((a) => a.id);
    if (order.length !== tableOrder.length || order.some((id, i) => id !== tableOrder[i]) ||
        body.childElementCount !== order.length) {
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
    if (d.class === 'message') {
      h.textContent = (d.label || 'message') + ' ' + d.key;
      row('From', d.from); row('To', d.to); row('Reply to', d.reply_to);
      row('Sent', fmtTime(d.send_ms)); row('Received', d.receive_ms ? fmtTime(d.receive_ms) : 'pending');
      row('Done', d.done_ms ? fmtTime(d.done_ms) : null);
      row('In mailbox', fmtDur(d.mailbox_ms)); row('Processing', fmtDur(d.processing_ms));
      row('Round trip', d.round_trip_ms !== null ? fmtDur(d.round_trip_ms) : null);
      if (d.request) link('Answers', d.request.label + ' ' + d.request.key + ' from ' + d.request.from, d.request.id);
      if (d.response) link('Answered by', d.response.label + ' ' + d.response.key, d.response.id);
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
    if (d.class === 'message' && d.payload) {
      const pre = document.createElement('pre');
      pre.textContent = d.payload;
      body.append(pre);
    }
    $('#details').classList.remove('hidden');
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

  // ---- wiring -------------------------------------------------------------------------------------
  function init() {
    applyTheme();
    $('#live').addEventListener('click', () => {
      if (state.follow) { setLive(false); send({ type: 'pause' }); }
      else { setLive(true); state.fixed = null; send({ type: 'live' }); }
    });
    for (const b of document.querySelectorAll('.seg button')) {
      b.addEventListener('click', () => {
        state.view = b.dataset.view;
        for (const o of document.querySelectorAll('.seg button')) o.classList.toggle('active', o === b);
        send({ type: 'view', kind: state.view });
      });
    }
    $('#window').addEventListener('change', (e) => {
      state.window_s = Number(e.target.value);
      send({ type: 'view', window_s: state.window_s > 0 ? state.window_s : 7 * 24 * 3600 });
    });
    let ft = null;
    $('#filter').addEventListener('input', (e) => {
      clearTimeout(ft);
      ft = setTimeout(() => { state.filter = e.target.value.trim(); send({ type: 'view', filter: state.filter || null }); }, 250);
    });
    let gt = null;
    $('#groups').addEventListener('input', (e) => {
      clearTimeout(gt);
      gt = setTimeout(() => {
        state.groups = e.target.value.split(',').map((x) => x.trim()).filter(Boolean).slice(0, 16);
        send({ type: 'view', groups: state.groups.length ? state.groups : null });
      }, 300);
    });
    $('#theme').addEventListener('click', () => {
      state.theme = state.theme === 'dark' ? 'light' : 'dark';
      applyTheme();
      send({ type: 'view', theme: state.theme });
      drawOverview();
    });
    $('#close-details').addEventListener('click', () => { $('#details').classList.add('hidden'); state.detailsReq = null; });
    // Frames replace the SVG up to 10 times a second, so the element under
    // a mouse press may be gone at its release (and no click event fires):
    // remember what was pressed, act on a release close to it.
    let press = null;
    $('#svg').addEventListener('mousedown', (e) => {
      if (e.button !== 0) return;
      const g = e.target.closest('[data-id]') || nearestStroke(e);
      press = g ? { x: e.clientX, y: e.clientY, id: g.getAttribute('data-id'),
        cls: (g.getAttribute('class') || '').split(/\s+/)[0] || 'actor' } : null;
    });
    $('#svg').addEventListener('mouseup', (e) => {
      const p = press;
      press = null;
      if (!p || Math.abs(e.clientX - p.x) > 4 || Math.abs(e.clientY - p.y) > 4) return;
      for (const s of document.querySelectorAll('#svg .selected')) s.classList.remove('selected');
      const g = $('#svg').querySelector('[data-id="' + CSS.escape(p.id) + '"]');
      if (g) g.classList.add('selected');
      state.selected = p.id;
      send({ type: 'details', class: p.cls, id: p.id });
    });
    $('#actors').addEventListener('click', (e) => {
      const th = e.target.closest('th');
      if (th) {
        if (state.sortKey === th.dataset.key) state.sortAsc = !state.sortAsc;
        else { state.sortKey = th.dataset.key; state.sortAsc = th.dataset.key === 'name'; }
        renderTable();
        return;
      }
      const tr = e.target.closest('tr[data-actor]');
      if (tr) {
        state.selected = tr.dataset.actor;
        for (const s of document.querySelectorAll('#svg .selected')) s.classList.remove('selected');
        const g = $('#svg').querySelector('g.actor[data-id="' + CSS.escape(state.selected) + '"]');
        if (g) g.classList.add('selected');
        send({ type: 'details', class: 'actor', id: tr.dataset.actor });
      }
    });
    $('#stage').addEventListener('wheel', (e) => {
      if (!e.ctrlKey) return;
      e.preventDefault();
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
        state.fixed = [t - len, t];
      } else {
        state.fixed = [overviewTime(a), overviewTime(b)];
      }
      setLive(false);
      send({ type: 'view', follow: false, from_ms: state.fixed[0], to_ms: state.fixed[1] });
    });
    cv.addEventListener('dblclick', () => { setLive(true); state.fixed = null; send({ type: 'live' }); });
    let rt = null;
    window.addEventListener('resize', () => {
      clearTimeout(rt);
      rt = setTimeout(() => { overviewSize = null; send({ type: 'view', width: viewMessage().width, height: viewMessage().height }); drawOverview(); }, 200);
    });
    $('#stage').addEventListener('scroll', stickHeader, { passive: true });
    connect();
  }
  document.addEventListener('DOMContentLoaded', init);
})();
