/* ingest-format-otlp.c: OTLP JSON files (data/formats/otlp.md): one
 * ExportTraceServiceRequest per line, as the OpenTelemetry collector's file
 * exporter writes them. The mapping is ingest-otlp-mapper.c's, shared with
 * `serve`'s POST /v1/traces.
 */
#include "config.h"

#include "ingest-ndjson-lines.h"
#include "ingest-otlp-mapper.h"

G_DEFINE_AUTOPTR_CLEANUP_FUNC (json_t, json_decref)

typedef struct {
  IngestParserCtx *ctx;
  IngestNdjsonLines lines;
  IngestOtlpMapper *mapper;
} OtlpParser;

static gboolean
otlp_line (gpointer user_data, const char *line, gsize len, guint64 line_no, GError **error)
{
  OtlpParser *op = user_data;
  g_autoptr (json_t) obj = NULL;
  g_autoptr (GError) local = NULL;
  guint64 n_spans = 0, n_bad = 0;
  gboolean keep_going;

  obj = ingest_ndjson_lines_parse (&op->lines, line, len, line_no, &keep_going, error);
  if (obj == NULL)
    return keep_going;
  if (!ingest_otlp_mapper_feed_request (op->mapper, obj, &n_spans, &n_bad, &local))
    return ingest_parser_ctx_reject (op->ctx, error, (IngestErrorCode) local->code, line_no, 1,
                                     "%s", local->message);
  if (n_bad > 0)
    {
      /* The good spans of the line are in; the line counts as skipped only
       * when none was. */
      if (n_spans > 0)
        ingest_parser_ctx_accept (op->ctx);
      return ingest_parser_ctx_reject (op->ctx, error, INGEST_ERROR_SCHEMA, line_no, 1,
                                       "%" G_GUINT64_FORMAT " span(s) without traceId, spanId "
                                       "or valid start/end times (unsigned nanoseconds) skipped",
                                       n_bad);
    }
  ingest_parser_ctx_accept (op->ctx);
  return TRUE;
}

static gpointer
otlp_create (IngestParserCtx *ctx)
{
  OtlpParser *op = g_new0 (OtlpParser, 1);

  op->ctx = ctx;
  ingest_ndjson_lines_init (&op->lines, ctx, otlp_line, op);
  op->mapper = ingest_otlp_mapper_new (ctx->store);
  return op;
}

static void
otlp_destroy (gpointer self)
{
  OtlpParser *op = self;

  ingest_ndjson_lines_clear (&op->lines);
  ingest_otlp_mapper_free (op->mapper);
  g_free (op);
}

static gboolean
otlp_feed (gpointer self, const guint8 *data, gsize len, GError **error)
{
  OtlpParser *op = self;
  return ingest_ndjson_lines_feed (&op->lines, data, len, error);
}

static gboolean
otlp_finish (gpointer self, GError **error)
{
  OtlpParser *op = self;

  if (!ingest_ndjson_lines_finish (&op->lines, error))
    return FALSE;
  /* The end of the file: no partner is still coming. */
  ingest_otlp_mapper_flush (op->mapper);
  return TRUE;
}

const IngestFormatImpl ingest_format_otlp_impl = {
  otlp_create, otlp_feed, otlp_finish, otlp_destroy,
};
