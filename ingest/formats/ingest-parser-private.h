/* ingest-parser-private.h: what the parser dispatcher shares with the format
 * modules (ingest-format-*.c). Not installed, not a contract with other
 * layers.
 *
 * The dispatcher owns detection, gzip and diagnostics; a format module gets
 * the plain (decompressed) bytes through its feed/finish functions and
 * reports each accepted record with ingest_parser_ctx_accept() and each
 * malformed one with ingest_parser_ctx_reject().
 */
#pragma once

#include "ingest-parser.h"

G_BEGIN_DECLS

typedef struct {
  IngestStore *store;          /* borrowed */
  IngestParserOptions options; /* source_name points at `source` */
  char *source;
  gsize max_line;
  guint max_depth;
  guint max_kept;
  guint64 n_records;
  guint64 n_skipped;
  GPtrArray *diagnostics;      /* GError*, at most max_kept */
} IngestParserCtx;

typedef struct {
  gpointer (*create) (IngestParserCtx *ctx);
  gboolean (*feed) (gpointer self, const guint8 *data, gsize len, GError **error);
  gboolean (*finish) (gpointer self, GError **error);
  void (*destroy) (gpointer self);
} IngestFormatImpl;

extern const IngestFormatImpl ingest_format_native_impl;
extern const IngestFormatImpl ingest_format_mswitch_impl;
extern const IngestFormatImpl ingest_format_chrome_impl;
extern const IngestFormatImpl ingest_format_perfetto_impl;

/* TRUE when data (the first bytes of the input) starts like a Perfetto
 * protobuf Trace (ingest-format-perfetto.c). */
gboolean ingest_perfetto_looks_like (const guint8 *data, gsize len);

static inline void
ingest_parser_ctx_accept (IngestParserCtx *ctx)
{
  ctx->n_records++;
}

/* A malformed record at line:column. Lenient: keeps the diagnostic (bounded),
 * counts the skip (parser and store counters) and returns TRUE: go on.
 * Strict: sets error ("source:line:col: message") and returns FALSE. */
gboolean ingest_parser_ctx_reject (IngestParserCtx *ctx, GError **error, IngestErrorCode code,
                                   guint64 line, guint64 column, const char *format, ...)
  G_GNUC_PRINTF (6, 7);

/* An error that ends parsing in either mode: sets error with the position
 * prefix, keeps it as a diagnostic too, returns FALSE. */
gboolean ingest_parser_ctx_fatal (IngestParserCtx *ctx, GError **error, IngestErrorCode code,
                                  guint64 line, guint64 column, const char *format, ...)
  G_GNUC_PRINTF (6, 7);

/* Builds "source:line:col: message" for an error without keeping it. */
GError *ingest_parser_ctx_make_error (IngestParserCtx *ctx, IngestErrorCode code, guint64 line,
                                      guint64 column, const char *message);

G_END_DECLS
