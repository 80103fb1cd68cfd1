/* ingest-ndjson-lines.h: cutting fed bytes into bounded lines, for the
 * formats that read one JSON document per line with jansson (XState
 * inspection files, OTLP JSON files). The native parser has its own, faster
 * copy of this loop.
 *
 * Feed bytes in any split; each complete line (without its '\n', and
 * without a trailing '\r') goes to the callback with its 1-based number. A
 * line longer than ctx->max_line is rejected (ingest_parser_ctx_reject) and
 * skipped; blank lines are skipped silently. finish() hands over a last line
 * without '\n'.
 */
#pragma once

#include <jansson.h>
#include "ingest-parser-private.h"

G_BEGIN_DECLS

/* Returns FALSE to stop (error set). */
typedef gboolean (*IngestNdjsonLineFunc) (gpointer user_data, const char *line, gsize len,
                                          guint64 line_no, GError **error);

typedef struct {
  IngestParserCtx *ctx;         /* borrowed */
  IngestNdjsonLineFunc func;
  gpointer user_data;
  GByteArray *line;             /* a partial line carried between feeds */
  gboolean overlong;            /* discarding the rest of an over-long line */
  guint64 line_no;
} IngestNdjsonLines;

void ingest_ndjson_lines_init (IngestNdjsonLines *lines, IngestParserCtx *ctx,
                               IngestNdjsonLineFunc func, gpointer user_data);
void ingest_ndjson_lines_clear (IngestNdjsonLines *lines);
gboolean ingest_ndjson_lines_feed (IngestNdjsonLines *lines, const guint8 *data, gsize len,
                                   GError **error);
gboolean ingest_ndjson_lines_finish (IngestNdjsonLines *lines, GError **error);

/* A jansson parse of one line: NULL with a rejection at the error's column
 * (lenient: *error stays unset and *keep_going is TRUE). Owned result. */
json_t *ingest_ndjson_lines_parse (IngestNdjsonLines *lines, const char *line, gsize len,
                                   guint64 line_no, gboolean *keep_going, GError **error);

G_END_DECLS
