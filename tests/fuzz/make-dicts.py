#!/usr/bin/env python3
"""Writes tests/fuzz/<target>.dict: the JSON keys and values each format
uses (data/formats/native-ndjson.md, shared/formats/message-switch.md,
ingest-format-chrome.c, ingest-source-xstate.c, web/PROTOCOL.md)."""
import os

HERE = os.path.dirname(os.path.abspath(__file__))


def esc(s):
    out = []
    for b in s.encode("latin-1"):
        if b == 0x5C:
            out.append("\\\\")
        elif b == 0x22:
            out.append('\\"')
        elif 0x20 <= b < 0x7F:
            out.append(chr(b))
        else:
            out.append("\\x%02X" % b)
    return "".join(out)


def w(name, words):
    seen = set()
    with open(os.path.join(HERE, name + ".dict"), "w") as f:
        f.write("# libFuzzer dictionary for fuzz-%s, written by make-dicts.py\n" % name)
        for x in words:
            if x not in seen:
                seen.add(x)
                f.write('"%s"\n' % esc(x))


def keys(ks):
    return ['"%s":' % k for k in ks]


def vals(vs):
    return ['"%s"' % v for v in vs]


JSON = ['{', '}', '[', ']', ':', ',', 'null', 'true', 'false', '"', '\\u0000', '\\ud800',
        '\\udc00', '\\"', '1e309', '-0', '9223372036854775807', '-9223372036854775808',
        '18446744073709551616', '0.000000001', 'NaN', 'Infinity', '\xff', '\xc3\xa9']
NATIVE_K = ['actorscope', 'ts', 't', 'ev', 'actor', 'kind', 'peer_kind', 'parent', 'to', 'from',
            'id', 'label', 'size', 'payload', 'reply_to', 'in_reply_to', 'status', 'reason', 'text']
NATIVE_V = ['spawn', 'exit', 'send', 'recv', 'receive', 'done', 'ack', 'drop', 'mark', 'actor',
            'queue', 'thread', 'process', 'client', 'normal', 'crash', '/user/', 'akka://sys/user/a']
MS_K = ['events', 'time', 'input', 'queue', 'output', 'message', 'payload', 'kind', 'processing_time']
MS_V = ['Message', 'Ack', 'Request', 'Response']
MS_X = ['{"events":[', '[0,{', ']]}']
CH_K = ['traceEvents', 'ph', 'name', 'cat', 'pid', 'tid', 'ts', 'dur', 'id', 'id2', 'local', 'global',
        'bp', 's', 'args', 'bind_id', 'flow_in', 'flow_out', 'src_func', 'displayTimeUnit']
CH_V = list('XBEistfIRPCbenNODSTpFvVMg') + ['process_name', 'thread_name', 'e', '0x1']
XS_K = ['type', 'name', 'sessionId', 'parentId', 'sourceId', 'createdAt', 'event', 'snapshot',
        'status', 'error', 'value']
XS_V = ['@xstate.actor', '@xstate.event', '@xstate.snapshot', '@xstate.microstep', '@xstate.',
        'done', 'error', 'stopped', 'active', 'nan']
XSF_K = ['actorRef', 'sourceRef', 'xstate$$type', 'rootId', '_version']
OT_K = ['resourceSpans', 'resource', 'attributes', 'key', 'value', 'stringValue', 'intValue',
        'scopeSpans', 'instrumentationLibrarySpans', 'spans', 'traceId', 'spanId', 'parentSpanId',
        'name', 'kind', 'startTimeUnixNano', 'endTimeUnixNano', 'links', 'events', 'timeUnixNano',
        'status', 'code', 'message']
OT_V = ['service.name', 'messaging.destination.name', 'messaging.destination', 'peer.service',
        'server.address', 'exception', 'exception.type', 'exception.message', 'SPAN_KIND_SERVER',
        'SPAN_KIND_CLIENT', 'SPAN_KIND_PRODUCER', 'SPAN_KIND_CONSUMER', 'STATUS_CODE_ERROR']
WC_K = ['v', 'type', 'class', 'id', 'x', 'y', 'kind', 'follow', 'window_s', 'from_ms', 'to_ms',
        'filter', 'label_filter', 'groups', 'zoom', 'pan', 'width', 'height', 'theme']
WC_V = ['hello', 'view', 'pause', 'live', 'details', 'hit', 'ping', 'graph', 'sequence', 'timeline',
        'dark', 'light', 'actor', 'edge', 'message', 'span', 'bin', 'mark', 'span0', 'e0-1', '->',
        '#1', '/user/*', '/^a.*$/', '*']

w('native', keys(NATIVE_K) + vals(NATIVE_V) + ['\n', '\r\n', '{"actorscope":1}\n'] + JSON)
w('mswitch', keys(MS_K) + vals(MS_V) + MS_X + JSON)
w('chrome', keys(CH_K) + vals(CH_V) + JSON)
w('chrome-gzip', keys(CH_K) + vals(CH_V) + keys(NATIVE_K[:6]) + MS_X +
  ['\x1f\x8b\x08', '\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03', '\x1f\x8b'] + JSON)
w('xstate', keys(XS_K) + vals(XS_V) + JSON)
w('xstate-file', keys(XS_K + XSF_K) + vals(XS_V) + ['\n'] + JSON)
w('otlp', keys(OT_K) + vals(OT_V) + ['\n'] + JSON)
w('web-control', keys(WC_K) + vals(WC_V) + ['{"v":1,"type":', '\n%%\n'] + keys(NATIVE_K[:6]) + JSON)
w('mswitch-http', ['HTTP/1.1 200 OK\r\n', 'HTTP/1.0 ', '\r\n', '\r\n\r\n', 'Content-Length: ',
                   'content-length:', '\n~~~\n', '404'] + keys(MS_K) + vals(MS_V) + MS_X + JSON)
