#!/usr/bin/env python3
"""make-samples.py: writes the bundled sample traces in data/traces/.

The samples are checked in; this script documents how they were made and
regenerates them byte for byte (fixed seeds, no clock, no environment):

    python3 data/traces/make-samples.py [OUTDIR]
    python3 data/traces/make-samples.py --check   (regenerate into a temporary
        folder and fail if any checked-in sample differs; a test runs this)

mswitch-rpc.json        message-switch /trace bodies as a poller saves them
akka-supervision.ndjson an Akka-style supervision tree in native NDJSON
chrome-flows.json(.gz)  Chrome Trace Event Format with cross-process flows
hostile.ndjson          native NDJSON full of hostile strings, for tests

Each one stays under ~200 KB so the tests that export every sample stay fast.
"""

import gzip
import heapq
import io
import json
import os
import random
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
SAMPLES = ['mswitch-rpc.json', 'akka-supervision.ndjson', 'chrome-flows.json', 'chrome-flows.json.gz',
           'hostile.ndjson']


def jstr(s):
    """A JSON string as message-switch writes it: controls escaped, bytes
    above 0x7F raw (so the result is UTF-8, or raw bytes for bytes input)."""
    if isinstance(s, bytes):
        out = bytearray(b'"')
        for b in s:
            if b == 0x22:
                out += b'\\"'
            elif b == 0x5C:
                out += b'\\\\'
            elif b == 0x0A:
                out += b'\\n'
            elif b == 0x09:
                out += b'\\t'
            elif b < 0x20:
                out += b'\\u%04x' % b
            else:
                out.append(b)
        out += b'"'
        return bytes(out)
    return jstr(s.encode('utf-8'))


# ---------------------------------------------------------------------------
# a. message-switch RPC workload
# ---------------------------------------------------------------------------

MS_T0 = 1795484650.0      # same era as the spec's real capture
TRACE_ENTRIES = 16        # the broker's default ring size


class Broker:
    """Just enough of message-switch to produce its trace events: per-queue
    message counters, and the five event shapes of the spec's table."""

    def __init__(self):
        self.events = []            # (time, seq, body bytes)
        self.counters = {}
        self.seq = 0

    def _add(self, t, fields):
        self.events.append((t, self.seq, fields))
        self.seq += 1

    def new_id(self, queue):
        n = self.counters.get(queue, 0)
        self.counters[queue] = n + 1
        return (queue, n)

    @staticmethod
    def msg_body(mid, payload, kind):
        return (b'["Message",[' + jstr(mid[0]) + b',%d],{"payload":' % mid[1] + jstr(payload)
                + b',"kind":' + kind + b'}]')

    @staticmethod
    def request_kind(reply_queue):
        return b'["Request",' + jstr(reply_queue) + b']'

    @staticmethod
    def response_kind(req_id):
        return b'["Response",[' + jstr(req_id[0]) + b',%d]]' % req_id[1]

    def event(self, t, queue, message, input=None, output=None, processing_time=None):
        # Field order and omission exactly as the broker writes them.
        b = b'{"time":%.6f' % t
        if input is not None:
            b += b',"input":' + jstr(input)
        b += b',"queue":' + jstr(queue)
        if output is not None:
            b += b',"output":' + jstr(output)
        b += b',"message":' + message
        if processing_time is not None:
            b += b',"processing_time":%d' % processing_time
        b += b'}'
        self._add(t, b)

    def sorted_events(self):
        evs = sorted(self.events, key=lambda e: (e[0], e[1]))
        return [(i, e[0], e[2]) for i, e in enumerate(evs)]


def truncate_payload(p):
    """The broker keeps 256 bytes of a payload (by bytes: may cut a UTF-8
    sequence in half) and appends an ellipsis."""
    b = p.encode('utf-8') if isinstance(p, str) else p
    if len(b) <= 256:
        return b
    return b[:256] + '\u2026'.encode('utf-8')


def rpc_call(method, params, rid):
    return json.dumps({"method": method, "params": params, "id": rid}, separators=(',', ':'),
                      ensure_ascii=False)


def rpc_result(result, rid):
    return json.dumps({"result": result, "error": None, "id": rid}, separators=(',', ':'),
                      ensure_ascii=False)


def make_mswitch(path):
    rng = random.Random(20261101)
    br = Broker()

    XENOPS = 'org.xen.xapi.xenops.classic'
    STORAGE = 'org.xen.xapi.storage.gfs2'
    SQUEEZED = 'org.xen.xapi.squeezed'
    NOSERVER = 'org.xen.xapi.storage.nfs'
    servers = {XENOPS: 'xenopsd-xc:15847', STORAGE: 'xapi-storage-script:1203',
               SQUEEZED: 'squeezed:1201'}
    busy_until = {STORAGE: 0.0}     # the storage script serves one call at a time
    rid = [0]
    vms = ['0d6e1b5a-6f0b-4c1e-9a36-%012x' % rng.getrandbits(48) for _ in range(6)]

    def call(t, client, queue, method, params, result, service_time, ack_client=True,
             with_pt=True):
        """One RPC as the broker sees it. Returns the time the client has
        its answer (or None when nobody serves the queue)."""
        rid[0] += 1
        payload = truncate_payload(rpc_call(method, params, rid[0]))
        req = br.new_id(queue)
        req_msg = Broker.msg_body(req, payload, Broker.request_kind(client))
        br.event(t, queue, req_msg, input=client)
        server = servers.get(queue)
        if server is None:
            return None                               # stays queued: unanswered
        t_deliver = t + rng.uniform(0.0002, 0.0015)
        if queue in busy_until:                       # a serial server: queueing
            t_deliver = max(t_deliver, busy_until[queue] + rng.uniform(0.0002, 0.001))
        br.event(t_deliver, queue, req_msg, output=server)
        t_resp = t_deliver + service_time
        if queue in busy_until:
            busy_until[queue] = t_resp
        resp = br.new_id(client)
        resp_payload = truncate_payload(rpc_result(result, rid[0]))
        resp_msg = Broker.msg_body(resp, resp_payload, Broker.response_kind(req))
        br.event(t_resp, client, resp_msg, input=server)
        t_got = t_resp + rng.uniform(0.0002, 0.0012)
        pt = int(round((t_got - t) * 1e9)) + rng.randrange(1000)
        br.event(t_got, client, resp_msg, output=client,
                 processing_time=pt if with_pt else None)
        br.event(t_resp + rng.uniform(0.0001, 0.0005), queue, b'["Ack",[' + jstr(req[0]) + b',%d]]' % req[1],
                 input=server)
        if ack_client:
            br.event(t_got + rng.uniform(0.0001, 0.0004), client,
                     b'["Ack",[' + jstr(resp[0]) + b',%d]]' % resp[1], input=client)
        return t_got

    dbg = lambda: 'task-%d' % rng.randrange(100, 999)

    # Three xapi sessions drive VM lifecycles; xenopsd itself asks squeezed
    # for memory; storage calls are slow (1-3 s) and queue behind each other.
    clients = ['xapi:15859', 'xapi:15863', 'xapi:16120']
    t = MS_T0
    for round_ in range(7):
        for ci, client in enumerate(clients):
            vm = vms[(round_ * 3 + ci) % len(vms)]
            ts = t + ci * 0.05 + rng.uniform(0, 0.02)
            # Storage first: the VDI must exist before the VM starts. All
            # three clients at once in the first round (the serial storage
            # queue backs up, then drains), one client per round after.
            if round_ > 0 and ci != round_ % 3:
                pass
            elif round_ % 2 == 0:
                vdi = 'vdi-%08x' % rng.getrandbits(32)
                call(ts, client, STORAGE, 'Volume.create',
                     [{"dbg": dbg(), "sr": "gfs2-sr-1", "name": "disk of " + vm[:8], "size": 21474836480}],
                     {"key": vdi, "uuid": vm, "virtual_size": 21474836480}, rng.uniform(1.0, 3.0))
            else:
                call(ts, client, STORAGE, 'Volume.stat', [{"dbg": dbg(), "sr": "gfs2-sr-1", "key": 'vdi-%08x' % rng.getrandbits(32)}],
                     {"physical_utilisation": rng.randrange(1 << 30, 1 << 34)}, rng.uniform(1.0, 2.2))
            ts += rng.uniform(0.01, 0.05)
            # squeezed: xenopsd reserves memory for the domain it builds.
            call(ts, 'xenopsd-xc:15847', SQUEEZED, 'reserve_memory',
                 [{"dbg": dbg(), "session_id": "squeezed-%d" % ci, "kib": 1048576}],
                 {"reservation_id": "res-%d-%d" % (round_, ci)}, rng.uniform(0.004, 0.03))
            ts += rng.uniform(0.02, 0.06)
            got = call(ts, client, XENOPS, 'VM.start', [{"dbg": dbg()}, vm, False],
                       "task-%d" % (round_ * 3 + ci), rng.uniform(0.12, 0.45),
                       with_pt=rng.random() > 0.15)
            ts = got + rng.uniform(0.005, 0.02)
            for _ in range(rng.randrange(1, 3)):
                got = call(ts, client, XENOPS, 'TASK.stat', [{"dbg": dbg()}, "task-%d" % (round_ * 3 + ci)],
                           {"id": "task-%d" % (round_ * 3 + ci), "state": ["Completed", 0.21]},
                           rng.uniform(0.001, 0.006))
                ts = got + rng.uniform(0.002, 0.01)
            got = call(ts, client, XENOPS, 'VM.stat', [{"dbg": dbg()}, vm],
                       [{"id": vm, "name": "vm-%s" % vm[-4:], "power_state": ["Running"]},
                        {"power_state": ["Running"], "domids": [rng.randrange(1, 200)]}],
                       rng.uniform(0.002, 0.01))
            if round_ % 3 == 2:
                call(got + rng.uniform(0.05, 0.2), client, XENOPS, 'VM.shutdown',
                     [{"dbg": dbg()}, vm, 30.0], "task-s%d" % (round_ * 3 + ci), rng.uniform(0.3, 0.9))
        if round_ == 4:
            # Nobody serves the nfs queue: this request is never delivered.
            call(t + 0.4, 'xapi:15863', NOSERVER, 'SR.probe',
                 [{"dbg": dbg(), "uri": "nfs://storage.example/export", "configuration": {}}], None, 0)
        if round_ == 6:
            # A VM import whose metadata is far over 256 bytes (and not
            # ASCII): the broker cuts it mid-character and adds an ellipsis.
            meta = {"vm": {"name_label": "Café-Überstunden – Ωmega ", "description": "Ølstue "
                    * 8 + "日本語のテキスト" * 6}, "vdis": ["vdi-%d" % i for i in range(12)]}
            call(t + 0.6, 'xapi:16120', XENOPS, 'VM.import_metadata', [{"dbg": dbg()}, json.dumps(meta, ensure_ascii=False)],
                 "vm-imported-%d" % round_, rng.uniform(0.05, 0.1))
        t += rng.uniform(2.4, 3.2)

    events = br.sorted_events()

    # The poller: long polls /trace/<from>/5 against a 16-entry ring. It
    # normally keeps up; once it reconnects and re-asks from an older id
    # (duplicates), and once it stalls during a burst (lost ids).
    bodies = []
    frm = 0
    t_poll = MS_T0 + 0.06        # the poller starts a little late: a first batch
    stalled = False
    reconnected = False
    while frm < len(events):
        # Events the broker has buffered at t_poll (the last 16 by then).
        arrived = [e for e in events if e[1] <= t_poll]
        ring = arrived[-TRACE_ENTRIES:]
        avail = [e for e in ring if e[0] >= frm]
        if not avail:
            nxt = events[frm] if frm < len(events) else None
            if nxt is None:
                break
            # Blocks until the next event, then answers with what is there.
            t_poll = nxt[1]
            continue
        bodies.append(avail)
        frm = avail[-1][0] + 1
        t_poll += rng.uniform(0.0005, 0.004)
        if not reconnected and frm > len(events) // 3:
            reconnected = True
            frm -= 5                        # overlap: ids seen again
        if not stalled and frm > len(events) * 2 // 3:
            stalled = True
            t_poll += 4.0                   # poller paused: the ring overflows

    with open(path, 'wb') as f:
        for i, body in enumerate(bodies):
            # The first body is saved pretty-printed, one event per line, as
            # in the spec; the rest as compact single lines.
            sep = b',\n' if i == 0 else b','
            f.write(b'{"events":[' + sep.join(b'[%d,%s]' % (eid, ev) for eid, _, ev in body) + b']}\n')

    ids = [eid for body in bodies for eid, _, _ in body]
    lost = len(events) - len(set(ids))
    return len(events), len(bodies), len(ids) - len(set(ids)), lost


# ---------------------------------------------------------------------------
# b. Akka-style supervision tree, native NDJSON
# ---------------------------------------------------------------------------

def make_akka(path):
    rng = random.Random(4242)
    T0 = 1767225600_000_000_000 + 3_600_000_000_000
    lines = []
    mid = [0]

    def emit(ts, **kv):
        d = {"ts": int(ts)}
        d.update(kv)
        lines.append((int(ts), len(lines), d))

    SUP = '/user/supervisor'
    ROUTER = '/user/supervisor/workers'
    DB = '/user/supervisor/db'
    API = '/user/api'
    CACHE = '/user/supervisor/cache'
    workers = ['%s/w%d' % (ROUTER, i) for i in range(1, 9)]
    clients = ['/user/http/client-%d' % i for i in range(1, 4)]

    tree = [('/user', None, 'actor'), ('/user/http', '/user', 'actor'), (API, '/user', 'actor'),
            (SUP, '/user', 'actor'), (ROUTER, SUP, 'actor'), (DB, SUP, 'actor'), (CACHE, SUP, 'actor')]
    tree += [(w, ROUTER, 'actor') for w in workers]
    tree += [(c, '/user/http', 'client') for c in clients]
    ts = T0
    for name, parent, kind in tree:
        kv = {"ev": "spawn", "actor": name, "kind": kind}
        if parent:
            kv["parent"] = parent
        emit(ts, **kv)
        ts += 20_000
    emit(ts, ev="mark", text="cluster up: 8 workers, round-robin pool")

    busy = {}
    state = {w: 'alive' for w in workers}
    proc_mean = {API: 40e3, ROUTER: 10e3, DB: 900e3, CACHE: 60e3}
    for w in workers:
        proc_mean[w] = 300e3
    proc_mean['%s/w6' % ROUTER] = 4e6        # the slow one
    for c in clients:
        proc_mean[c] = 20e3

    def send(t, frm, to, label, reply_to=None, in_reply_to=None, payload=None, crash=None):
        """Emits send (+ recv/done, or a crash, or a dead letter). Returns
        (message id, time processing ends or None)."""
        mid[0] += 1
        m = mid[0]
        kv = {"ev": "send", "from": frm, "to": to, "id": m, "label": label,
              "size": len(payload) if payload else rng.randrange(48, 600)}
        if reply_to:
            kv["reply_to"] = reply_to
        if in_reply_to:
            kv["in_reply_to"] = in_reply_to
        if payload:
            kv["payload"] = payload
        emit(t, **kv)
        arrive = t + 3_000 + rng.expovariate(1 / 20e3)
        if state.get(to) == 'stopped':
            emit(arrive, ev="drop", actor=to, id=m, reason="dead letters: recipient %s stopped" % to)
            return m, None
        start = max(arrive, busy.get(to, 0))
        dur = 2_000 + rng.expovariate(1 / proc_mean[to])
        emit(start, ev="recv", actor=to, id=m)
        if crash:
            end = start + dur
            emit(end, ev="exit", actor=to, status="crash", reason=crash)
            restart = end + 1_500_000
            emit(restart - 400_000, ev="mark", actor=SUP,
                 text="supervisor strategy OneForOne: restarting %s" % to.rsplit('/', 1)[1])
            emit(restart, ev="spawn", actor=to, kind="actor", parent=ROUTER)
            busy[to] = restart
            return m, None
        busy[to] = start + dur
        emit(start + dur, ev="done", actor=to, id=m)
        return m, start + dur

    jobs = ['ResizeImage', 'Transcode', 'Thumbnail', 'IndexDocument']
    t = ts + 1_000_000
    rr = 0
    crash_at = {23: ('%s/w3' % ROUTER, "java.lang.ArithmeticException: / by zero in JobMath.ratio"),
                51: ('%s/w5' % ROUTER, "java.lang.OutOfMemoryError: Java heap space")}
    stop_at = 58       # w7 is stopped for good; messages for it become dead letters
    for n in range(78):
        client = clients[n % len(clients)]
        job = jobs[rng.randrange(len(jobs))] if n % 5 else jobs[0]
        payload = json.dumps({"job": job, "n": n, "src": "s3://bucket/in/%05d.png" % n}, separators=(',', ':'))
        req, t_api = send(t, client, API, "Submit" + job, reply_to=client, payload=payload)
        # api -> router (tell), router -> worker (forward)
        _, t_r = send(t_api - 5_000, API, ROUTER, job, payload=payload)
        w = workers[rr % len(workers)]
        rr += 1
        if n == stop_at:
            emit(t_r - 100_000, ev="exit", actor='%s/w7' % ROUTER, status="normal",
                 reason="stopped by supervisor: pool shrunk to 7 routees")
            state['%s/w7' % ROUTER] = 'stopped'
            emit(t_r - 90_000, ev="mark", actor=ROUTER, text="pool resized: 8 -> 7 routees")
        crash = None
        if n in crash_at and crash_at[n][0] == w:
            crash = crash_at[n][1]
        elif n in crash_at:
            w = crash_at[n][0]
            crash = crash_at[n][1]
        fwd, t_w = send(t_r - 2_000, ROUTER, w, job, payload=payload, crash=crash)
        if t_w is None:
            # Crashed or dead-lettered: the client never hears back.
            t += rng.expovariate(1 / 2.5e6)
            continue
        # Worker asks the cache, on a miss the db, then answers the client.
        q, t_c = send(t_w - 50_000, w, CACHE, "Lookup", reply_to=w)
        _, t_cr = send(t_c - 3_000, CACHE, w, "LookupReply", in_reply_to=q)
        if rng.random() < 0.45:
            q2, t_db = send(t_cr, w, DB, "SelectJob", reply_to=w)
            _, t_dbr = send(t_db - 10_000, DB, w, "SelectJobReply", in_reply_to=q2)
            emit(t_db + 500, ev="ack", actor=DB, id=q2)
            t_end = t_dbr
        else:
            t_end = t_cr
        send(t_end + 20_000, w, client, job + "Done", in_reply_to=req,
             payload=json.dumps({"ok": True, "out": "s3://bucket/out/%05d.png" % n}, separators=(',', ':')))
        if n in (20, 70):
            emit(t_end, ev="mark", actor=DB, text="GC pause %d ms" % rng.randrange(8, 40))
        t += rng.expovariate(1 / 2.5e6)

    # One request that is still in the slow worker's mailbox when the trace
    # ends (pending), and a send to a path nobody spawned (dead letter).
    mid[0] += 1
    emit(t + 1_000, ev="send", **{"from": API, "to": '%s/w6' % ROUTER, "id": mid[0], "label": "Transcode",
                                   "size": 512})
    mid[0] += 1
    emit(t + 2_000, ev="send", **{"from": API, "to": '/user/supervisor/reporter', "id": mid[0],
                                   "label": "Report", "size": 64})
    emit(t + 30_000, ev="drop", actor='/user/supervisor/reporter', id=mid[0],
         reason="dead letters: no actor at /user/supervisor/reporter")
    emit(t + 40_000, ev="mark", text="trace end")

    lines.sort(key=lambda x: (x[0], x[1]))
    with open(path, 'w', encoding='utf-8') as f:
        f.write('{"actorscope":1}\n')
        for _, _, d in lines:
            f.write(json.dumps(d, separators=(',', ':'), ensure_ascii=False) + '\n')
    return len(lines)


# ---------------------------------------------------------------------------
# c. Chrome Trace Event Format with cross-process flows
# ---------------------------------------------------------------------------

def make_chrome(path):
    rng = random.Random(777)
    ev = []
    BROWSER, GPU, RENDERER, RENDERER2 = 1201, 1288, 1340, 1377
    th = {
        'CrBrowserMain': (BROWSER, 1201), 'Chrome_IOThread': (BROWSER, 1215),
        'ThreadPoolForegroundWorker': (BROWSER, 1230),
        'CrGpuMain': (GPU, 1288), 'VizCompositorThread': (GPU, 1299), 'Chrome_ChildIOThread': (GPU, 1295),
        'CrRendererMain': (RENDERER, 1340), 'Compositor': (RENDERER, 1352), 'Chrome_ChildIOThread/r': (RENDERER, 1347),
        'CrRendererMain/2': (RENDERER2, 1377), 'Compositor/2': (RENDERER2, 1389),
    }
    pnames = {BROWSER: 'Browser', GPU: 'GPU Process', RENDERER: 'Renderer', RENDERER2: 'Renderer'}
    for pid, name in pnames.items():
        ev.append({"ph": "M", "name": "process_name", "pid": pid, "tid": 0, "args": {"name": name}})
        ev.append({"ph": "M", "name": "process_sort_index", "pid": pid, "tid": 0,
                   "args": {"sort_index": {BROWSER: -6, GPU: -5}.get(pid, 0)}})
    ev.append({"ph": "M", "name": "process_labels", "pid": RENDERER, "tid": 0, "args": {"labels": "example.com"}})
    ev.append({"ph": "M", "name": "process_labels", "pid": RENDERER2, "tid": 0, "args": {"labels": "ads.example.net"}})
    for key, (pid, tid) in th.items():
        ev.append({"ph": "M", "name": "thread_name", "pid": pid, "tid": tid, "args": {"name": key.split('/')[0]}})

    flow_id = [0x3e8]
    T = 4_102_000_000.0         # microseconds since boot, as Chrome writes them

    def slice_x(thread, ts, dur, name, cat="toplevel", args=None, **extra):
        pid, tid = th[thread]
        e = {"ph": "X", "cat": cat, "name": name, "pid": pid, "tid": tid, "ts": round(ts, 3),
             "dur": round(dur, 3), "tts": round(ts * 0.37, 3), "tdur": round(dur * 0.8, 3)}
        if args:
            e["args"] = args
        e.update(extra)
        ev.append(e)

    def run_task(thread, ts, dur, src_func, args=None, **extra):
        a = {"src_file": "../../content/browser/" + src_func.split('::')[0].lower() + ".cc",
             "src_func": src_func}
        if args:
            a.update(args)
        slice_x(thread, ts, dur, "ThreadControllerImpl::RunTask", args=a, **extra)

    def mojo_flow(src, dst, ts, iface, method, hops=(), latency=None):
        """A mojo message: a send slice with a flow start on src, optional
        step events on IO threads, a 'Receive mojo message' slice with the
        flow end on dst. Returns the time the receiver finishes."""
        fid = "0x%x" % flow_id[0]
        flow_id[0] += 1
        name = "%s.%s" % (iface, method)
        sp, st = th[src]
        send_dur = rng.uniform(8, 40)
        slice_x(src, ts, send_dur, "Send mojo message", cat="toplevel,mojom",
                args={"chrome_mojo_event_info": {"mojo_interface_tag": iface, "mojo_message_name": name}})
        ev.append({"ph": "s", "cat": "disabled-by-default-toplevel.flow", "name": name, "id": fid,
                   "pid": sp, "tid": st, "ts": round(ts + send_dur / 2, 3)})
        t = ts + send_dur
        for hop in hops:
            t += rng.uniform(20, 90)
            hp, ht = th[hop]
            d = rng.uniform(5, 25)
            slice_x(hop, t, d, "ChannelMojo::OnMessageReceived", cat="ipc,toplevel")
            ev.append({"ph": "t", "cat": "disabled-by-default-toplevel.flow", "name": name, "id": fid,
                       "pid": hp, "tid": ht, "ts": round(t + d / 2, 3)})
            t += d
        t += latency if latency is not None else rng.uniform(40, 400)
        dp, dt = th[dst]
        recv_dur = rng.uniform(30, 900)
        slice_x(dst, t, recv_dur, "Receive mojo message", cat="toplevel,mojom",
                args={"chrome_mojo_event_info": {"mojo_interface_tag": iface, "ipc_hash": rng.getrandbits(32),
                                                 "mojo_message_name": name}})
        ev.append({"ph": "f", "bp": "e", "cat": "disabled-by-default-toplevel.flow", "name": name, "id": fid,
                   "pid": dp, "tid": dt, "ts": round(t + 1, 3)})
        return t + recv_dur

    t = T
    ev.append({"ph": "i", "s": "g", "name": "TracingStartedInBrowser", "cat": "disabled-by-default-devtools.timeline",
               "pid": BROWSER, "tid": 1201, "ts": round(t, 3), "args": {"data": {"frameTreeNodeId": 1}}})
    for nav in range(6):
        renderer_main = 'CrRendererMain' if nav % 3 else 'CrRendererMain/2'
        renderer_comp = 'Compositor' if nav % 3 else 'Compositor/2'
        pid_r = th[renderer_main][0]
        # Browser UI: a navigation task, B/E around the commit.
        bp, bt = th['CrBrowserMain']
        ev.append({"ph": "B", "cat": "navigation", "name": "NavigationRequest::CommitNavigation",
                   "pid": bp, "tid": bt, "ts": round(t, 3), "args": {"url": "https://example.com/page/%d" % nav}})
        t_end = mojo_flow('CrBrowserMain', renderer_main, t + 30, 'content.mojom.NavigationClient', 'CommitNavigation',
                          hops=('Chrome_IOThread', 'Chrome_ChildIOThread/r') if nav % 3 else ('Chrome_IOThread',))
        ev.append({"ph": "E", "cat": "navigation", "name": "NavigationRequest::CommitNavigation",
                   "pid": bp, "tid": bt, "ts": round(t + 120, 3)})
        rp, rt = th[renderer_main]
        # Renderer main: nested B/E slices for the commit and layout.
        ev.append({"ph": "B", "cat": "blink", "name": "RenderFrameImpl::CommitNavigation", "pid": rp, "tid": rt,
                   "ts": round(t_end + 10, 3)})
        ev.append({"ph": "B", "cat": "blink", "name": "Document::UpdateStyleAndLayout", "pid": rp, "tid": rt,
                   "ts": round(t_end + 60, 3)})
        lay = rng.uniform(300, 2500)
        ev.append({"ph": "E", "cat": "blink", "name": "Document::UpdateStyleAndLayout", "pid": rp, "tid": rt,
                   "ts": round(t_end + 60 + lay, 3), "args": {"elementCount": rng.randrange(200, 3000)}})
        ev.append({"ph": "E", "cat": "blink", "name": "RenderFrameImpl::CommitNavigation", "pid": rp, "tid": rt,
                   "ts": round(t_end + 80 + lay, 3)})
        ev.append({"ph": "i", "s": "t", "cat": "blink.user_timing", "name": "navigationStart", "pid": rp, "tid": rt,
                   "ts": round(t_end + 12, 3), "args": {"frame": "0x%x" % rng.getrandbits(40)}})
        t2 = t_end + 100 + lay
        t2 = mojo_flow(renderer_main, 'CrBrowserMain', t2, 'blink.mojom.LocalFrameHost', 'DidCommitNavigation',
                       hops=('Chrome_ChildIOThread/r', 'Chrome_IOThread') if nav % 3 else ())
        ev.append({"ph": "i", "s": "p", "cat": "loading", "name": "FirstContentfulPaint", "pid": rp, "tid": rt,
                   "ts": round(t2 + 500, 3)})
        # Frames: renderer compositor <-> viz in the GPU process.
        tf = t_end + 200
        for frame in range(6):
            tb = mojo_flow('VizCompositorThread', renderer_comp, tf, 'viz.mojom.CompositorFrameSinkClient',
                           'OnBeginFrame', latency=rng.uniform(30, 120))
            ts_sub = mojo_flow(renderer_comp, 'VizCompositorThread', tb + 20, 'viz.mojom.CompositorFrameSink',
                               'SubmitCompositorFrame', latency=rng.uniform(50, 300))
            # viz hands the frame to the GPU main thread: a v2 flow through
            # bind_id on the two slices instead of s/f events.
            bid = "0x%x" % (0xa000 + nav * 16 + frame)
            run_task('VizCompositorThread', ts_sub + 5, rng.uniform(20, 80), "Display::DrawAndSwap",
                     bind_id=bid, flow_out=True)
            run_task('CrGpuMain', ts_sub + 150, rng.uniform(200, 1800), "GpuChannel::ExecuteDeferredRequest",
                     bind_id=bid, flow_in=True)
            if frame % 3 == 0:
                mojo_flow('VizCompositorThread', renderer_comp, ts_sub + 400, 'viz.mojom.CompositorFrameSinkClient',
                          'DidReceiveCompositorFrameAck', latency=rng.uniform(20, 80))
            tf += 16_667
        # Browser-side work posted to the thread pool (flow_out/flow_in pairs
        # with an integer bind id), and a network request on the IO thread.
        bid = 0x77000 + nav
        run_task('CrBrowserMain', t + 400, rng.uniform(40, 200), "HistoryBackend::AddPage", bind_id=bid, flow_out=True)
        run_task('ThreadPoolForegroundWorker', t + 900, rng.uniform(500, 3000), "HistoryBackend::AddPage",
                 bind_id=bid, flow_in=True)
        mojo_flow('CrBrowserMain', 'Chrome_IOThread', t + 200, 'network.mojom.URLLoaderFactory', 'CreateLoaderAndStart',
                  latency=rng.uniform(10, 60))
        mojo_flow('CrBrowserMain', 'CrGpuMain', t + 700, 'viz.mojom.GpuHost', 'DidUpdateOverlayInfo',
                  hops=('Chrome_IOThread', 'Chrome_ChildIOThread'))
        t += 120_000 + rng.uniform(0, 40_000)
    ev.append({"ph": "i", "s": "g", "name": "TracingEnded", "cat": "__metadata", "pid": BROWSER, "tid": 1201,
               "ts": round(t, 3)})

    # Chrome writes events roughly, not strictly, in time order per buffer.
    ev.sort(key=lambda e: (e.get("ts", 0), 0 if e["ph"] == "M" else 1))
    doc = {"traceEvents": ev, "displayTimeUnit": "ms",
           "metadata": {"product-version": "Chrome/156.0.8078.79", "trace-config": "toplevel,toplevel.flow,mojom,ipc,navigation,blink,loading,disabled-by-default-toplevel.flow",
                        "command_line": "chromium --trace-startup=toplevel,mojom --trace-startup-file=trace.json"}}
    text = "{\"traceEvents\":[\n" + ",\n".join(json.dumps(e, separators=(',', ':')) for e in ev) + "\n],\n" + \
        "\"displayTimeUnit\":\"ms\",\n\"metadata\":" + json.dumps(doc["metadata"], separators=(',', ':')) + "}\n"
    with open(path, 'w', encoding='utf-8') as f:
        f.write(text)
    # gzip without a file name or time in the header: reproducible bytes.
    with open(path + '.gz', 'wb') as raw:
        with gzip.GzipFile(filename='', mode='wb', fileobj=raw, mtime=0, compresslevel=9) as gz:
            gz.write(text.encode('utf-8'))
    return len(ev)


# ---------------------------------------------------------------------------
# d. hostile strings, native NDJSON
# ---------------------------------------------------------------------------

def make_hostile(path):
    T = 1767225600_000_000_000
    long_name = "/user/" + "long-" * 2048                     # ~10 KB
    names = [
        (b'/user/<script>alert(1)</script>', 'actor'),
        (b'/user/"quoted" \\ back\\\\slash \'single\'', 'actor'),
        (b'/user/&amp;lt;b&gt;bold&lt;/b&gt; &#x3C;img src=x onerror=alert(2)&#x3E;', 'actor'),
        (b'/user/ctl\x01\x07\x1b[31mred\x1b[0m\x7f\x08end', 'actor'),
        ('/user/bidi \u202egnp.exe\u202c \u2066isolate\u2069 zero\u200bwidth \ufeffbom'.encode(), 'actor'),
        (b'/user/bad-utf8 \xff\xfe \xc3\x28 \xc0\xaf \xed\xa0\x80 \xf4\x90\x80\x80 end', 'actor'),
        (b'/user/]]><!-- -->{{template}}${jndi:ldap://x}', 'queue'),
        (b'/user/newline\nand\rcarriage\ttab', 'thread'),
        (long_name.encode(), 'process'),
        (b'/user/nul\x00byte', 'client'),
        # Payloads that would call window.__pwned() if markup ever ran
        # (tests/test-web-hostile.mjs watches for it), and references to
        # resources that must never be fetched (127.0.0.2:9 answers nothing).
        (b'/user/<img src=x onerror=window.__pwned(1)>', 'actor'),
        (b'/user/<svg onload=window.__pwned(2)><circle r=9 /></svg>', 'actor'),
        (b'/user/</text></g></svg><script>window.__pwned(3)</script>', 'actor'),
        (b'/user/]]><script>window.__pwned(4)</script><!-- <![CDATA[x', 'queue'),
        (b'/user/&lt;script&gt;window.__pwned(5)&lt;/script&gt; &#x3C;b&#x3E; &amp;lt; &amp &# &#x', 'actor'),
        (b'javascript:window.__pwned(6)', 'client'),
        (b'data:text/html,<script>window.__pwned(7)</script>', 'client'),
        (b'http://127.0.0.2:9/x.png', 'actor'),
        (b'//127.0.0.2:9/evil/x', 'actor'),
        (b'/user/<a href="javascript:window.__pwned(8)">link</a><iframe src="http://127.0.0.2:9/f"></iframe>', 'actor'),
        (b'/user/<link rel=stylesheet href=//127.0.0.2:9/s.css><style>@import url(//127.0.0.2:9/i.css);*{background:url(http://127.0.0.2:9/b.png)}</style>', 'actor'),
        (b'/user/" style="background:url(//127.0.0.2:9/attr.png)" onmouseover="window.__pwned(9)', 'actor'),
        (b'/user/c1 \xc2\x9b31m csi \xc2\x85 nel \xc2\x9d osc \x1b]8;;http://127.0.0.2:9/\x1b\\link\x1b]8;;\x1b\\', 'thread'),
        ('/user/isolates \u2066\u2067\u2068 pop\u2069 lre\u202a rle\u202b lro\u202d'.encode(), 'actor'),
    ]
    lines = [b'{"actorscope":1}']

    def line(ts, *fields):
        body = b','.join(b'"%s":%s' % (k.encode(), v) for k, v in fields)
        lines.append(b'{"ts":%d,%s}' % (ts, body))

    t = T
    for name, kind in names:
        line(t, ("ev", b'"spawn"'), ("actor", jstr(name)), ("kind", jstr(kind)))
        t += 1000
    labels = [b'<b>Label</b>', b'"><svg onload=alert(3)>', b'&lt;&amp;&#39;', b'tab\there',
              b'\xe2\x80\xae\x65\x76\x69\x6c', b'\xff\xfe\xfd', b'x' * 3000,
              b'<img src=//127.0.0.2:9/l.png onerror=window.__pwned(10)>',
              b'javascript:window.__pwned(11)']
    mid = 0
    for i, (src, _) in enumerate(names):
        dst = names[(i + 3) % len(names)][0]
        mid += 1
        label = labels[i % len(labels)]
        payload = b'</title><script>alert("payload %d")</script>&amp;\x01\xff' % i
        line(t, ("ev", b'"send"'), ("from", jstr(src)), ("to", jstr(dst)), ("id", b'%d' % mid),
             ("label", jstr(label)), ("size", b'%d' % len(payload)), ("reply_to", jstr(src)),
             ("payload", jstr(payload)))
        t += 5000
        line(t, ("ev", b'"recv"'), ("actor", jstr(dst)), ("id", b'%d' % mid))
        t += 20000
        line(t, ("ev", b'"done"'), ("actor", jstr(dst)), ("id", b'%d' % mid))
        t += 1000
        # Answers with hostile labels too, so response pairing is exercised.
        mid += 1
        line(t, ("ev", b'"send"'), ("from", jstr(dst)), ("to", jstr(src)), ("id", b'%d' % mid),
             ("label", jstr(label + b' reply')), ("size", b'12'), ("in_reply_to", b'%d' % (mid - 1)))
        t += 4000
        line(t, ("ev", b'"recv"'), ("actor", jstr(src)), ("id", b'%d' % mid))
        t += 3000
        line(t, ("ev", b'"done"'), ("actor", jstr(src)), ("id", b'%d' % mid))
        t += 1000
    # String message ids with hostile text, a drop, a crash and marks.
    line(t, ("ev", b'"send"'), ("from", jstr(names[0][0])), ("to", jstr(names[5][0])),
         ("id", jstr(b'<id>&"\x02')), ("label", jstr(b'<drop-me>')))
    t += 1000
    line(t, ("ev", b'"drop"'), ("actor", jstr(names[5][0])), ("id", jstr(b'<id>&"\x02')),
         ("reason", jstr(b'<dead letters> & "quotes" \x1b]0;title\x07')))
    t += 1000
    line(t, ("ev", b'"exit"'), ("actor", jstr(names[1][0])), ("status", b'"crash"'),
         ("reason", jstr(b'<script>crash()</script>\n\tat Foo.bar(Foo.java:1)')))
    t += 1000
    line(t, ("ev", b'"mark"'), ("actor", jstr(names[3][0])), ("text", jstr(b'mark <i>&amp;</i> \x1b[2J cleared?')))
    t += 1000
    line(t, ("ev", b'"mark"'), ("text", jstr('global \u202eright-to-left\u202c mark'.encode())))
    with open(path, 'wb') as f:
        f.write(b'\n'.join(lines) + b'\n')
    return len(lines)


def make_all(OUT):
    n, polls, dups, lost = make_mswitch(os.path.join(OUT, 'mswitch-rpc.json'))
    print('mswitch-rpc.json: %d broker events in %d polls, %d duplicate ids, %d lost' % (n, polls, dups, lost))
    print('akka-supervision.ndjson: %d events' % make_akka(os.path.join(OUT, 'akka-supervision.ndjson')))
    print('chrome-flows.json: %d trace events' % make_chrome(os.path.join(OUT, 'chrome-flows.json')))
    print('hostile.ndjson: %d lines' % make_hostile(os.path.join(OUT, 'hostile.ndjson')))


def check():
    import tempfile
    with tempfile.TemporaryDirectory(prefix='actorscope-samples-') as tmp:
        sys.stdout = io.StringIO()          # the summary lines are noise here
        try:
            make_all(tmp)
        finally:
            sys.stdout = sys.__stdout__
        bad = []
        for name in SAMPLES:
            with open(os.path.join(tmp, name), 'rb') as a, open(os.path.join(HERE, name), 'rb') as b:
                if a.read() != b.read():
                    bad.append(name)
    if bad:
        print('out of date (rerun data/traces/make-samples.py): ' + ', '.join(bad))
        return 1
    print('%d samples match make-samples.py' % len(SAMPLES))
    return 0


if __name__ == '__main__':
    if sys.argv[1:] == ['--check']:
        sys.exit(check())
    make_all(sys.argv[1] if len(sys.argv) > 1 else HERE)
