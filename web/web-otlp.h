/* web-otlp.h: OTLP/HTTP trace export into `serve` (POST /v1/traces, JSON
 * encoding; data/formats/otlp.md). An OpenTelemetry SDK or collector
 * pointed at http://HOST:PORT/v1/traces sends ExportTraceServiceRequests;
 * each one goes through the same mapper as OTLP files
 * (ingest-otlp-mapper.h), one mapper for the whole service so a producer
 * exported by one service meets the consumer exported by another.
 *
 * The server does the Host and token checks before handing a request here
 * (same rules as every endpoint); here: POST only (405), JSON only (a
 * protobuf body, the SDKs' default, gets 415 saying how to switch), a
 * Content-Length within the service's message bound (411, 413), no
 * content encoding (415), and a body that is one JSON object (400).
 */
#pragma once

#include <libwebsockets.h>
#include "ingest-store.h"

G_BEGIN_DECLS

#define WEB_OTLP_TRACES_PATH "/v1/traces"

typedef struct _WebOtlpSink WebOtlpSink;
typedef struct _WebOtlpRequest WebOtlpRequest;

/* store borrowed (outlives the sink); max_body: the largest body taken.
 * Owned by the caller. */
WebOtlpSink *web_otlp_sink_new (IngestStore *store, gsize max_body, guint idle_timeout_s);
void web_otlp_sink_free (WebOtlpSink *sink);

/* Spans taken and refused so far, requests refused. */
guint64 web_otlp_sink_n_spans (const WebOtlpSink *sink);
guint64 web_otlp_sink_n_refused (const WebOtlpSink *sink);

/* At most this many bodies are being received at once (503 beyond). */
#define WEB_OTLP_MAX_REQUESTS 64

/* LWS_CALLBACK_HTTP for WEB_OTLP_TRACES_PATH: checks the request line and
 * headers. Either replies (an error) or starts collecting the body of
 * wsi's request (the sink owns it until web_otlp_complete or
 * web_otlp_forget). Returns what the lws callback returns. */
int web_otlp_begin (WebOtlpSink *sink, struct lws *wsi);

/* LWS_CALLBACK_HTTP_BODY: collects a piece (more than announced is
 * dropped and answered 413 at the end). Returns 0, or -1 for a wsi with
 * no request under way. */
int web_otlp_body (WebOtlpSink *sink, struct lws *wsi, const void *in, size_t len);

/* LWS_CALLBACK_HTTP_BODY_COMPLETION: maps the request and replies.
 * *appended: TRUE when the store got events. */
int web_otlp_complete (WebOtlpSink *sink, struct lws *wsi, gboolean *appended);

/* The connection closed: drops its unfinished request, if any. */
void web_otlp_forget (WebOtlpSink *sink, struct lws *wsi);

G_END_DECLS
