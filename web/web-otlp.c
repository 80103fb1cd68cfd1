/* web-otlp.c: POST /v1/traces (OTLP/HTTP, JSON) into the store. */
#include "config.h"

#include <jansson.h>
#include <string.h>

#include "ingest-otlp-mapper.h"
#include "web-otlp.h"

G_DEFINE_AUTOPTR_CLEANUP_FUNC (json_t, json_decref)

struct _WebOtlpSink {
  IngestStore *store;
  IngestOtlpMapper *mapper;
  gsize max_body;
  guint idle_timeout_s;
  guint64 n_spans, n_refused;
  GHashTable *requests;      /* struct lws* -> WebOtlpRequest* */
};

struct _WebOtlpRequest {
  GByteArray *body;
  gsize expected;
  gboolean too_large;
};

static void
request_free (gpointer p)
{
  WebOtlpRequest *request = p;
  g_byte_array_unref (request->body);
  g_free (request);
}

WebOtlpSink *
web_otlp_sink_new (IngestStore *store, gsize max_body, guint idle_timeout_s)
{
  WebOtlpSink *sink = g_new0 (WebOtlpSink, 1);

  sink->store = store;
  sink->mapper = ingest_otlp_mapper_new (store);
  sink->max_body = max_body;
  sink->idle_timeout_s = idle_timeout_s;
  sink->requests = g_hash_table_new_full (g_direct_hash, g_direct_equal, NULL, request_free);
  return sink;
}

void
web_otlp_sink_free (WebOtlpSink *sink)
{
  if (sink == NULL)
    return;
  ingest_otlp_mapper_free (sink->mapper);
  g_hash_table_unref (sink->requests);
  g_free (sink);
}

guint64
web_otlp_sink_n_spans (const WebOtlpSink *sink)
{
  return sink->n_spans;
}

guint64
web_otlp_sink_n_refused (const WebOtlpSink *sink)
{
  return sink->n_refused;
}


static char *
header_dup (struct lws *wsi, enum lws_token_indexes token)
{
  int len = lws_hdr_total_length (wsi, token);
  char *buf;

  if (len <= 0)
    return NULL;
  buf = g_malloc (len + 1);
  if (lws_hdr_copy (wsi, buf, len + 1, token) < 0)
    {
      g_free (buf);
      return NULL;
    }
  return buf;
}

/* A complete response; the connection closes after an error (a body we
 * did not read may still be on its way). */
static int
reply (WebOtlpSink *sink, struct lws *wsi, unsigned int status, const char *content_type,
       const char *body)
{
  guint8 buf[LWS_PRE + 1024];
  guint8 *start = buf + LWS_PRE, *p = start, *end = buf + sizeof buf - 1;
  size_t len = strlen (body);

  if (status != HTTP_STATUS_OK)
    sink->n_refused++;
  if (lws_add_http_common_headers (wsi, status, content_type, len, &p, end) ||
      lws_add_http_header_by_name (wsi, (const unsigned char *) "x-content-type-options:",
                                   (const unsigned char *) "nosniff", 7, &p, end) ||
      lws_finalize_write_http_header (wsi, start, &p, end))
    return -1;
  if (lws_write (wsi, (unsigned char *) body, len, LWS_WRITE_HTTP_FINAL) != (int) len)
    return -1;
  /* After an error the connection closes: a body not read may follow. */
  if (lws_http_transaction_completed (wsi) || status != HTTP_STATUS_OK)
    return -1;
  return 0;
}

static int
reply_text (WebOtlpSink *sink, struct lws *wsi, unsigned int status, const char *text)
{
  return reply (sink, wsi, status, "text/plain; charset=utf-8", text);
}

void
web_otlp_forget (WebOtlpSink *sink, struct lws *wsi)
{
  if (sink != NULL)
    g_hash_table_remove (sink->requests, wsi);
}

int
web_otlp_begin (WebOtlpSink *sink, struct lws *wsi)
{
  WebOtlpRequest *request;
  g_autofree char *type = NULL;
  g_autofree char *encoding = NULL;
  g_autofree char *length = NULL;
  g_autofree char *chunked = NULL;
  guint64 n = 0;

  web_otlp_forget (sink, wsi);
  if (lws_hdr_total_length (wsi, WSI_TOKEN_POST_URI) <= 0)
    return reply_text (sink, wsi, HTTP_STATUS_METHOD_NOT_ALLOWED,
                       "405 method not allowed: OTLP/HTTP exports are POSTed to /v1/traces\n");
  type = header_dup (wsi, WSI_TOKEN_HTTP_CONTENT_TYPE);
  if (type == NULL || g_ascii_strncasecmp (type, "application/json", 16) != 0)
    return reply_text (sink, wsi, HTTP_STATUS_UNSUPPORTED_MEDIA_TYPE,
                       "415 unsupported media type: actorscope takes OTLP/HTTP with JSON encoding "
                       "(Content-Type: application/json), not protobuf; set the exporter's "
                       "protocol to http/json (OTEL_EXPORTER_OTLP_TRACES_PROTOCOL=http/json, or "
                       "@opentelemetry/exporter-trace-otlp-http)\n");
  encoding = header_dup (wsi, WSI_TOKEN_HTTP_CONTENT_ENCODING);
  if (encoding != NULL && g_ascii_strcasecmp (encoding, "identity") != 0)
    return reply_text (sink, wsi, HTTP_STATUS_UNSUPPORTED_MEDIA_TYPE,
                       "415 unsupported media type: compressed bodies are not taken; set the "
                       "exporter's compression to none\n");
  length = header_dup (wsi, WSI_TOKEN_HTTP_CONTENT_LENGTH);
  chunked = header_dup (wsi, WSI_TOKEN_HTTP_TRANSFER_ENCODING);
  /* libwebsockets 4.1 does not take chunked request bodies (it would read
   * the chunks as the next request): refused at once, before any body. */
  if (length == NULL && chunked != NULL)
    return reply_text (sink, wsi, HTTP_STATUS_LENGTH_REQUIRED,
                       "411 length required: a chunked body is not taken; send the export with "
                       "a Content-Length (OpenTelemetry's Node exporter streams chunked: put "
                       "an OpenTelemetry collector in between)\n");
  if (length == NULL || !g_ascii_string_to_unsigned (length, 10, 0, G_MAXUINT64, &n, NULL))
    return reply_text (sink, wsi, HTTP_STATUS_LENGTH_REQUIRED,
                       "411 length required: send the body with a Content-Length\n");
  if (n > sink->max_body)
    {
      g_autofree char *text = g_strdup_printf ("413 payload too large: a body may have at most %"
                                               G_GSIZE_FORMAT " bytes (--max-message); export "
                                               "smaller batches\n", sink->max_body);
      return reply_text (sink, wsi, HTTP_STATUS_REQ_ENTITY_TOO_LARGE, text);
    }
  if (n == 0)
    return reply_text (sink, wsi, HTTP_STATUS_BAD_REQUEST,
                       "400 bad request: an empty body is not an ExportTraceServiceRequest\n");
  if (g_hash_table_size (sink->requests) >= WEB_OTLP_MAX_REQUESTS)
    return reply_text (sink, wsi, HTTP_STATUS_SERVICE_UNAVAILABLE,
                       "503 service unavailable: too many exports under way; retry later\n");
  request = g_new0 (WebOtlpRequest, 1);
  request->expected = (gsize) n;
  request->body = g_byte_array_sized_new ((guint) MIN (request->expected, 64 * 1024));
  g_hash_table_insert (sink->requests, wsi, request);
  /* A sender that stops mid-body is dropped like an idle producer. */
  if (sink->idle_timeout_s > 0)
    lws_set_timeout (wsi, PENDING_TIMEOUT_HTTP_CONTENT, (int) sink->idle_timeout_s);
  return 0;
}

int
web_otlp_body (WebOtlpSink *sink, struct lws *wsi, const void *in, size_t len)
{
  WebOtlpRequest *request = g_hash_table_lookup (sink->requests, wsi);

  if (request == NULL)
    return -1;
  if (request->too_large || request->body->len + len > request->expected)
    {
      request->too_large = TRUE;
      return 0;
    }
  g_byte_array_append (request->body, in, (guint) len);
  return 0;
}

int
web_otlp_complete (WebOtlpSink *sink, struct lws *wsi, gboolean *appended)
{
  WebOtlpRequest *req = NULL;
  g_autoptr (json_t) obj = NULL;
  g_autoptr (GError) error = NULL;
  json_error_t jerr;
  guint64 n_spans = 0, n_bad = 0;
  int ret;

  *appended = FALSE;
  if (!g_hash_table_steal_extended (sink->requests, wsi, NULL, (gpointer *) &req))
    return -1;
  if (req->too_large)
    {
      request_free (req);
      return reply_text (sink, wsi, HTTP_STATUS_REQ_ENTITY_TOO_LARGE,
                         "413 payload too large: more body than its Content-Length\n");
    }
  obj = json_loadb ((const char *) req->body->data, req->body->len, JSON_REJECT_DUPLICATES, &jerr);
  request_free (req);
  if (obj == NULL)
    {
      g_autofree char *why = g_utf8_make_valid (jerr.text, -1);
      g_autofree char *text = g_strdup_printf ("400 bad request: not JSON (line %d, column %d: %s)\n",
                                               jerr.line, jerr.column, why);
      return reply_text (sink, wsi, HTTP_STATUS_BAD_REQUEST, text);
    }
  if (!ingest_otlp_mapper_feed_request (sink->mapper, obj, &n_spans, &n_bad, &error))
    {
      g_autofree char *text = g_strdup_printf ("400 bad request: %s\n", error->message);
      return reply_text (sink, wsi, HTTP_STATUS_BAD_REQUEST, text);
    }
  sink->n_spans += n_spans;
  *appended = n_spans > 0;
  if (n_bad > 0)
    {
      /* OTLP's partial success: the good spans are in. */
      g_autofree char *text = g_strdup_printf (
        "{\"partialSuccess\":{\"rejectedSpans\":\"%" G_GUINT64_FORMAT "\",\"errorMessage\":"
        "\"spans without traceId, spanId or valid start/end times\"}}", n_bad);
      ret = reply (sink, wsi, HTTP_STATUS_OK, "application/json", text);
    }
  else
    ret = reply (sink, wsi, HTTP_STATUS_OK, "application/json", "{}");
  return ret;
}
