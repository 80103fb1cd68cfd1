#!/usr/bin/env python3
"""Regenerates tests/fuzz/corpus/<target>/ from data/traces/ and small
hand-written inputs (the cases of the unit tests and of the format docs).

Every seed is at most 16 KiB (the fuzzers' -max_len). The parser targets
take a control byte first (bit 0 strict, bit 1/2 small bounds; see each
fuzz-*.c), so each trace slice is written with a few control bytes.

    python3 tests/fuzz/make-seeds.py        # rewrite the corpora
"""
import gzip
import hashlib
import os
import shutil
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
TRACES = os.path.join(ROOT, "data", "traces")
MAX = 16 * 1024


def read(name):
    with open(os.path.join(TRACES, name), "rb") as f:
        return f.read()


def slices(lines, n, size, step):
    """n slices of about `size` bytes of whole lines, `step` lines apart."""
    out = []
    i = 0
    while len(out) < n and i < len(lines):
        buf = b""
        j = i
        while j < len(lines) and len(buf) + len(lines[j]) + 1 <= size:
            buf += lines[j] + b"\n"
            j += 1
        if buf:
            out.append(buf)
        i += step
    return out


class Corpus:
    def __init__(self, target):
        self.dir = os.path.join(HERE, "corpus", target)
        shutil.rmtree(self.dir, ignore_errors=True)
        os.makedirs(self.dir)
        self.n = 0

    def add(self, data, name=None):
        data = data[:MAX]
        digest = hashlib.sha1(data).hexdigest()[:12]
        fname = "%s-%s" % (name, digest) if name else digest
        with open(os.path.join(self.dir, fname), "wb") as f:
            f.write(data)
        self.n += 1


# ---- native -------------------------------------------------------------

NATIVE_SMALL = [
    b'{"actorscope":1}\n{"ts":100,"ev":"spawn","actor":"/user/sup/w1","parent":"/user/sup"}\n'
    b'{"ts":200,"ev":"send","actor":"/user/sup","to":"/user/sup/w1","id":1,"label":"Work"}\n'
    b'{"ts":250,"ev":"recv","actor":"/user/sup/w1","id":1}\n'
    b'{"ts":300,"ev":"exit","actor":"/user/sup/w1","status":"crash","reason":"ArithmeticException"}\n'
    b'{"ts":310,"ev":"mark","actor":"/user/sup","text":"restarting w1"}\n',
    b'{"ev":"actor","actor":"orders","kind":"queue"}\n{"ev":"actor","actor":"web:1","kind":"client"}\n'
    b'{"t":12.000100,"ev":"send","actor":"web:1","to":"orders","id":"orders#0","label":"Order.create",'
    b'"reply_to":"web:1","payload":"{\\"sku\\":42}"}\n'
    b'{"t":12.000900,"ev":"recv","actor":"orders","id":"orders#0"}\n'
    b'{"t":12.001000,"ev":"drop","actor":"orders","id":"orders#0","reason":"queue full"}\n',
    b'{"ts":1,"ev":"send","from":"a","to":"b","id":"m1","reply_to":"a"}\r\n\r\n'
    b'{"ts":2,"ev":"receive","to":"b","id":"m1","from":"a"}\n'
    b'{"ts":3,"ev":"done","actor":"b","id":"m1"}\n{"ts":4,"ev":"ack","actor":"b","id":"m1"}\n'
    b'{"ts":5,"ev":"send","actor":"b","to":"a","id":"m2","in_reply_to":"m1","size":99999999999}\n'
    b'{"ts":6,"ev":"recv","actor":"a","id":"m2"}',
    b'{"ts":-9223372036854775808,"ev":"mark","text":"min"}\n{"ts":9223372036854775807,"ev":"mark","text":"max"}\n',
    b'{"t":1795484650.027815,"ev":"mark","text":"s"}\n{"t":-1e-9,"ev":"mark","text":"neg"}\n'
    b'{"t":0e99999,"ev":"mark","text":"zero"}\n{"t":1e400,"ev":"mark","text":"huge"}\n',
    b'{"ts":NaN,"ev":"mark","text":"x"}\n{"ts":Infinity,"ev":"mark"}\n{"ts":1,"ev":"mark","text":"ok"}\n',
    b'{"ts":1,"ev":"send","actor":"a","to":"b"\n{"ts":2,"ev":"bogus","actor":"a"}\n{"ts":"3","ev":"mark"}\n'
    b'{"ts":4,"ev":"recv","actor":"b","id":"nobody"}\n{"ts":5,"ev":"mark","text":"x","extra":{"a":[1,{"b":null}]}}\n',
    b'{"ts":1,"ev":"mark","text":"\\ud83d\\ude00 \\u0000 \\ud800 bad\xff\xfe utf8 \\"q\\""}\n',
    b'{"ts":1,"ev":"mark","text":"a","text":"dup"}\n{"ts":2,"ev":"spawn","actor":"akka://sys/user/a/b/c"}\n',
    b'[' * 80 + b']' * 80 + b'\n{"ts":1,"ev":"mark","x":' + b'[' * 70 + b']' * 70 + b',"text":"deep"}\n',
    b'{"ts":1,"ev":"mark","text":"' + b'L' * 5000 + b'"}\n{"ts":2,"ev":"mark","text":"after"}\n',
    b'{"actorscope":2}\n{"ts":1,"ev":"mark","text":"v2"}\n',
    b'\x00{"ts":1,"ev":"mark","text":"nul"}\n{"ts":2,"ev":"mark","text":"raw\x01ctl"}\n',
    b'{"ts":1,"ev":"send","actor":"a","to":"b","id":7}\n{"ts":2,"ev":"recv","actor":"b","id":"7"}\n'
    b'{"ts":3,"ev":"done","actor":"b","id":7}\n{"ts":4,"ev":"send","actor":"a","to":"b","id":7}\n',
    b'{"ts":5,"ev":"exit","actor":"x","status":"weird"}\n{"ts":1,"ev":"spawn","actor":"x","kind":"process",'
    b'"parent":"p","peer_kind":"thread"}\n{"ts":0,"ev":"exit","actor":"x","status":null,"reason":null}\n',
]


def native():
    c = Corpus("native")
    for i, s in enumerate(NATIVE_SMALL):
        for control in (0, 1, 2, 4):
            c.add(bytes([control + 8 * i]) + s)
    for name in ("akka-supervision.ndjson", "hostile.ndjson"):
        lines = read(name).split(b"\n")
        for k, s in enumerate(slices(lines, 6, 4096, max(1, len(lines) // 6))):
            c.add(bytes([k * 16 + (k & 1)]) + s)
    return c


# ---- mswitch --------------------------------------------------------------

def mswitch_elements():
    body = read("mswitch-rpc.json")
    lines = body.split(b"\n")
    elems = []
    for ln in lines:
        ln = ln.strip()
        if ln.startswith(b'{"events":['):
            ln = ln[len(b'{"events":['):]
        if ln.endswith(b"]}") and not ln.endswith(b"}]}"):
            pass
        if ln.endswith(b","):
            ln = ln[:-1]
        elif ln.endswith(b"]]}"):
            ln = ln[:-2]
        if ln.startswith(b"["):
            elems.append(ln)
    return elems


def mswitch_bodies():
    elems = mswitch_elements()
    out = []
    step = max(1, len(elems) // 10)
    for i in range(0, len(elems), step):
        chosen = []
        for e in elems[i:i + 6]:
            if sum(len(x) for x in chosen) + len(e) > 6000:
                break
            chosen.append(e)
        if chosen:
            out.append(b'{"events":[' + b",".join(chosen) + b"]}")
    out += [
        b'{"events":[]}',
        b'{"events":[[1,{"time":1795484650.027815,"queue":"q","output":"s:1","message":["Message",["q",0],'
        b'{"payload":"{\\"method\\":\\"VM.start\\"}","kind":["Request","c:1"]}]}],'
        b'[3,{"time":1795484650.185883,"queue":"c:1","output":"c:1","message":["Message",["c:1",0],'
        b'{"payload":"{\\"result\\":1}","kind":["Response",["q",0]]}],"processing_time":158115689}],'
        b'[5,{"time":1795484650.186688,"input":"s:1","queue":"q","message":["Ack",["q",0]]}]]}',
        b'{"events":[[0,{"time":1.5,"queue":"q","message":["Ack",["q",0]]}],[0,{"time":1.5,"queue":"q",'
        b'"message":["Ack",["q",0]]}]]}',
        b'{"events":[[9223372036854775807,{"time":1e300,"queue":"q","message":["Bogus"]}]]}',
        b'{"events":[[-1,{}],["x",{}],[2,[]],[3,{"time":"now","message":["Message",["q","n"],{"payload":1}]}]]}',
        b'{"events":[[1,{"time":1,"queue":"q","message":["Message",["q",0],{"payload":"\xff\xfe",'
        b'"kind":["Request",null]}]}]],"extra":[1,2,{"events":[]}]}',
        b'{"events":[[1,{"time":1,"queue":"q","message":["Message",["q",0],{"payload":"p","kind":["Request","r"]}]}]',
        b'{"other":1}',
    ]
    return out


def mswitch():
    c = Corpus("mswitch")
    for k, b in enumerate(mswitch_bodies()):
        c.add(bytes([2 * k + (k % 3 == 0)]) + b)
    return c


# ---- chrome ---------------------------------------------------------------

CHROME_SMALL = [
    b'{"traceEvents":[{"ph":"M","name":"process_name","pid":1,"tid":0,"args":{"name":"Browser"}},'
    b'{"ph":"M","name":"thread_name","pid":1,"tid":7,"args":{"name":"IO"}},'
    b'{"ph":"X","name":"Task","cat":"toplevel","pid":1,"tid":7,"ts":10,"dur":5,"args":{"src_func":"f"}},'
    b'{"ph":"s","name":"flow","id":"0x1","pid":1,"tid":7,"ts":11,"bp":"e"},'
    b'{"ph":"f","name":"flow","id":"0x1","pid":2,"tid":3,"ts":20,"bp":"e"},'
    b'{"ph":"B","name":"b","pid":2,"tid":3,"ts":19},{"ph":"E","pid":2,"tid":3,"ts":25},'
    b'{"ph":"i","name":"mark","s":"g","pid":1,"tid":7,"ts":30}],"displayTimeUnit":"ms"}',
    b'[{"ph":"X","name":"a","pid":1,"tid":1,"ts":1,"dur":1,"flow_out":true,"bind_id":"0x2"},'
    b'{"ph":"X","name":"b","pid":1,"tid":2,"ts":3,"dur":1,"flow_in":true,"bind_id":"0x2"}]',
    b'[{"ph":"b","name":"async","cat":"c","id2":{"local":"0x5"},"pid":1,"tid":1,"ts":1},'
    b'{"ph":"e","name":"async","cat":"c","id2":{"global":"0x5"},"pid":1,"tid":1,"ts":4},'
    b'{"ph":"n","name":"n","id":5,"pid":1,"tid":1,"ts":2},{"ph":"t","id":"0x1","pid":1,"tid":1,"ts":3},'
    b'{"ph":"C","name":"ctr","pid":1,"ts":5,"args":{"v":1}},{"ph":"P","pid":1,"tid":1,"ts":6},'
    b'{"ph":"O","id":"0x9","pid":1,"tid":1,"ts":7},{"ph":"N","id":"0x9","pid":1,"ts":8},'
    b'{"ph":"D","id":"0x9","pid":1,"ts":9},{"ph":"R","name":"r","pid":1,"ts":10},'
    b'{"ph":"I","name":"i","pid":1,"tid":1,"ts":11,"s":"p"},{"ph":"S","name":"s","id":1,"pid":1,"ts":12},'
    b'{"ph":"T","name":"s","id":1,"pid":1,"ts":13},{"ph":"F","name":"s","id":1,"pid":1,"ts":14},'
    b'{"ph":"p","name":"s","id":1,"pid":1,"ts":15},{"ph":"v","pid":1,"ts":16},{"ph":"V","pid":1,"ts":17}]',
    b'{"traceEvents":[]}',
    b'[]',
    b'[{"ph":"X","ts":1e300,"dur":-5,"pid":"str","tid":null},{"ph":7},{},[],1,"x",'
    b'{"ph":"X","name":"\\ud800\xff","pid":1,"tid":1,"ts":-1.5,"dur":NaN}]',
    b'{"traceEvents":[{"ph":"X","name":"a","pid":1,"tid":1,"ts":1,"dur":1}',
    b'{"metadata":{"a":[[[[[[]]]]]]},"traceEvents":[{"ph":"X","name":"a","pid":1,"tid":1,"ts":1,"dur":2,'
    b'"args":{"deep":[[[[[[[[[[1]]]]]]]]]]}}],"systemTraceEvents":"x"}',
    b'[{"ph":"s","id":1,"pid":1,"tid":1,"ts":5},{"ph":"s","id":1,"pid":1,"tid":1,"ts":6},'
    b'{"ph":"f","id":1,"pid":1,"tid":2,"ts":4},{"ph":"f","id":2,"pid":1,"tid":2,"ts":7}]',
]


def chrome_docs():
    out = list(CHROME_SMALL)
    data = read("chrome-flows.json")
    lines = data.split(b"\n")
    for s in slices(lines[1:], 6, 6000, max(1, len(lines) // 6)):
        body = s.rstrip(b"\n").rstrip(b",")
        out.append(b'{"traceEvents":[\n' + body + b"\n]}")
        out.append(b"[" + body)  # truncated array form
    return out


def chrome():
    c = Corpus("chrome")
    for k, d in enumerate(chrome_docs()):
        c.add(bytes([2 * k + (k % 4 == 0) + (4 if k % 5 == 0 else 0)]) + d)
    return c


def chrome_gzip():
    c = Corpus("chrome-gzip")
    docs = chrome_docs()
    for k, d in enumerate(docs[:14]):
        c.add(bytes([8 * k + (k & 1) + (2 if k % 3 == 0 else 0)]) + d)
    # Raw gzip streams (the target parses the input raw too): whole, cut,
    # corrupted headers, multi-member, a small bomb, and other formats.
    gz = read("chrome-flows.json.gz")
    for n in (10, 11, 18, 100, 1000, 6000):
        c.add(b"\x00" + gz[:n])
    small = gzip.compress(docs[0], mtime=0)
    c.add(b"\x00" + small)
    c.add(b"\x01" + small + gzip.compress(docs[1], mtime=0))
    bad = bytearray(small)
    bad[3] = 0xFF  # reserved flag bits
    c.add(b"\x00" + bytes(bad))
    bad = bytearray(small)
    bad[-8] ^= 0x55  # CRC
    c.add(b"\x00" + bytes(bad))
    c.add(b"\x00" + small[:-4])  # no ISIZE
    c.add(b"\x00" + gzip.compress(b"[" + b" " * 2000000 + b"]", mtime=0))
    c.add(b"\x00" + gzip.compress(NATIVE_SMALL[0], mtime=0))
    c.add(b"\x00" + gzip.compress(mswitch_bodies()[-8], mtime=0))
    c.add(b"\x00\x1f")
    c.add(b"\x00\x1f\x8b")
    return c


# ---- xstate -------------------------------------------------------------

XSTATE = [
    b'{"type":"@xstate.actor","name":"parent","sessionId":"x:0","createdAt":"1700000000000"}\n'
    b'{"type":"@xstate.actor","name":"child","sessionId":"x:1","parentId":"x:0","createdAt":"1700000000001"}\n'
    b'{"type":"@xstate.event","sessionId":"x:1","sourceId":"x:0","event":{"type":"PING","n":1},"createdAt":"1700000000002"}\n'
    b'{"type":"@xstate.snapshot","sessionId":"x:1","snapshot":{"status":"active","value":"a"},"createdAt":"1700000000003"}\n'
    b'{"type":"@xstate.event","sessionId":"x:0","event":{"type":"<script>alert(1)</script>"},"createdAt":"1700000000004"}\n'
    b'{"type":"@xstate.snapshot","sessionId":"x:1","snapshot":{"status":"error","error":"boom"},"createdAt":"1700000000005"}\n'
    b'{"type":"@xstate.microstep","sessionId":"x:1"}\n',
    b'{"type":"@xstate.actor","name":"m","sessionId":"s","createdAt":1700000000000.5}\n'
    b'{"type":"@xstate.actor","name":"m","sessionId":"t","createdAt":"nan"}\n'
    b'{"type":"@xstate.snapshot","sessionId":"s","snapshot":{"status":"done"},"createdAt":1e300}\n'
    b'{"type":"@xstate.snapshot","sessionId":"t","snapshot":{"status":"stopped"}}\n'
    b'{"type":"@xstate.event","sessionId":"t","event":{"type":"after-stop"}}\n',
    b'{"type":"@xstate.event"}\n{not json\n{"type":"@xstate.event","sessionId":7,"event":[]}\n'
    b'{"type":"@xstate.actor","sessionId":"a","parentId":"a"}\n{"type":"xstate.actor"}\n[]\n"@xstate."\n',
    b'{"type":"@xstate.actor","name":"\\ud800","sessionId":"\xff","createdAt":"-5"}\n'
    b'{"type":"@xstate.event","sessionId":"\xff","sourceId":"nobody","event":{"type":' + b'"' + b"E" * 5000 + b'"}}\n',
    b'{"type":"@xstate.actor","name":"a","sessionId":"1","parentId":"2"}\n'
    b'{"type":"@xstate.actor","name":"b","sessionId":"2","parentId":"1"}\n'
    b'{"type":"@xstate.snapshot","sessionId":"1","snapshot":{"status":"error","error":{"message":"x"}}}\n',
]


def xstate():
    c = Corpus("xstate")
    for s in XSTATE:
        c.add(s)
        for ln in s.split(b"\n"):
            if ln:
                c.add(ln)
    return c


# ---- web control ----------------------------------------------------------

WEB = [
    b'{"v":1,"type":"hello"}\n{"v":1,"type":"ping"}\n{"v":1,"type":"pause"}\n{"v":1,"type":"live"}\n',
    b'{"v":1,"type":"view","kind":"timeline","follow":false,"from_ms":0.5,"to_ms":9,"filter":"/user/*",'
    b'"label_filter":"/^G.t$/","groups":["/user/*"],"zoom":2,"pan":[10,-4],"width":800,"height":600,"theme":"light"}\n'
    b'{"v":1,"type":"hit","x":100,"y":50}\n',
    b'{"v":1,"type":"view","kind":"sequence","window_s":0.001}\n{"v":1,"type":"details","class":"actor","id":"/user/a"}\n'
    b'{"v":1,"type":"details","class":"edge","id":"e0-1"}\n{"v":1,"type":"details","class":"edge","id":"/user/a->/user/b"}\n'
    b'{"v":1,"type":"details","class":"message","id":"1"}\n{"v":1,"type":"details","class":"span","id":"span0"}\n'
    b'{"v":1,"type":"details","class":"bin","id":"bin99999999999"}\n{"v":1,"type":"details","class":"mark","id":"mark0"}\n'
    b'{"v":1,"type":"details","class":"actor","id":"#1"}\n',
    b'{"v":2,"type":"hello"}\n{"type":"hello"}\n{"v":1}\n{"v":1,"type":"nope"}\n[1]\n{"v":1,"type":"view","kind":3}\n'
    b'{"v":1,"type":"view","zoom":1e999}\n{"v":1,"type":"view","filter":"/(/"}\n{"v":1,"type":"view","groups":[""]}\n'
    b'{"v":1,"type":"view","from_ms":1e15,"follow":false}\n{"v":1,"type":"view","to_ms":-1e15,"follow":false}\n'
    b'{"v":1,"type":"hit","x":"1","y":2}\n{"v":1,"type":"details","class":"actor"}\n{"v":1,"v":1,"type":"ping"}\n',
    b'{"ts":-9223372036854775800,"ev":"mark","text":"early"}\n{"ts":9223372036854775800,"ev":"mark","text":"late"}\n'
    b'%%\n{"v":1,"type":"view","window_s":604800}\n{"v":1,"type":"pause"}\n{"v":1,"type":"view","kind":"timeline"}\n',
    b'%%\n{"v":1,"type":"view","kind":"timeline","follow":false}\n{"v":1,"type":"hit","x":0,"y":0}\n',
    b'{"ts":1,"ev":"send","actor":"a","to":"b","id":1,"label":"L"}\n{"ts":2,"ev":"recv","actor":"b","id":1}\n'
    b'%%\n{"v":1,"type":"view","groups":["/[/","*"],"kind":"graph"}\n{"v":1,"type":"view","groups":null}\n'
    b'{"v":1,"type":"unknown \xff\xfe long type name that is cut at sixty-four bytes \xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"}\n',
]


def web_control():
    c = Corpus("web-control")
    for s in WEB:
        c.add(s)
        if b"%%\n" not in s:
            for ln in s.split(b"\n"):
                if ln:
                    c.add(ln)
    return c


# ---- mswitch http -----------------------------------------------------------

def http(body, status=b"200 OK", extra=b"", length=True):
    head = b"HTTP/1.1 " + status + b"\r\nContent-Type: application/json\r\n" + extra
    if length:
        head += b"Content-Length: %d\r\n" % len(body)
    return head + b"\r\n" + body


def mswitch_http():
    c = Corpus("mswitch-http")
    bodies = mswitch_bodies()
    sep = b"\n~~~\n"
    for k, b in enumerate(bodies[:8]):
        c.add(bytes([k]) + http(b))
    c.add(b"\x01" + sep.join(http(b) for b in bodies[:3]))
    c.add(b"\x02" + sep.join(http(b) for b in (bodies[2], bodies[0], bodies[0])))  # restart, overlap
    c.add(b"\x03" + http(bodies[1], length=False))
    c.add(b"\x04" + http(bodies[1])[:-10])
    c.add(b"\x05" + http(b"", status=b"404 Not Found"))
    c.add(b"\x06" + http(b'{"events":[]}', extra=b"Content-Length: 13\r\n"))
    c.add(b"\x07" + http(b'{"events":[]}', extra=b"Content-Length: 12\r\n"))
    c.add(b"\x08" + http(b'{"events":[]}', extra=b"content-length:\t 99999999999999999999\r\n", length=False))
    c.add(b"\x09" + b"HTTP/1.0 200\r\n\r\n" + bodies[0])
    c.add(b"\x0a" + b"HTTP/2 200 OK\r\n\r\n{}")
    c.add(b"\x0b" + b"HTTP/1.1 200 OK\r\nX: \x00\r\nContent-Length: 2\r\n\r\n{}")
    c.add(b"\x0c" + b"HTTP/1.1 200 OK\r\n" + b"X-Pad: " + b"a" * 9000 + b"\r\n\r\n")
    c.add(b"\x0d" + http(b'{"events":[[5,{"time":1,"queue":"q","message":["Ack",["q",0]]}]]}') + sep +
          http(b'{"events":[[9,{"time":2,"queue":"q","message":["Ack",["q",1]]}]]}'))
    return c


# ---- perfetto -------------------------------------------------------------

def pb_varint(b, i):
    r = s = 0
    while True:
        c = b[i]
        i += 1
        r |= (c & 0x7F) << s
        s += 7
        if c < 0x80:
            return r, i


def perfetto_packets(data):
    """The byte ranges of the top-level `packet` fields."""
    out = []
    i = 0
    while i < len(data):
        start = i
        _key, i = pb_varint(data, i)
        n, i = pb_varint(data, i)
        i += n
        out.append(data[start:i])
    return out


def perfetto():
    c = Corpus("perfetto")
    packets = perfetto_packets(gzip.decompress(read("chromium-startup.pftrace.gz")))
    # The start (descriptors, interned names, clocks), then slices further
    # in (their sequences' state missing, as in a ring buffer), whole
    # packets up to 16 KiB each, with a few control bytes.
    for k, first in enumerate([0, 0, 40, 200, 1000, len(packets) // 2, len(packets) - 60]):
        buf = b""
        for p in packets[first:]:
            if len(buf) + len(p) > MAX - 1:
                break
            buf += p
        c.add(bytes([2 * k + (k % 3 == 0)]) + buf)
    head = b"".join(packets[:30])
    for n in (1, 2, 7, 100, 1001):
        c.add(b"\x00" + head[:n])  # cut inside a packet
    c.add(b"\x00" + b"\x0a\x02\x08\x01\x07\x00")  # a bad top-level key
    c.add(b"\x01" + b"\x0a\x05\x5a\x03\x0a\x7f\x01")  # a TrackEvent cut short
    return c


def main():
    made = [native(), mswitch(), chrome(), chrome_gzip(), xstate(), web_control(), mswitch_http(),
            perfetto()]
    for c in made:
        print("%-40s %3d seeds" % (os.path.relpath(c.dir, ROOT), c.n))
    return 0


if __name__ == "__main__":
    sys.exit(main())
