/* ingest-parser.h: push parsers for every supported trace format.
 *
 * A parser takes bytes as they come (ingest_parser_feed, any split, even one
 * byte at a time) and ingest_parser_finish at end of input, appending events
 * to a store. The same code reads files, pipes, sockets and websockets.
 *
 * Bad input: every malformed record produces a diagnostic naming the source,
 * line and column (1-based; column counts bytes). In lenient mode the record
 * is skipped and counted (store counters' skipped_records) and parsing goes
 * on; in strict mode feed/finish return FALSE with that error and the parser
 * refuses further input. Limits (line length, nesting depth, string length,
 * decompressed size) are errors of code INGEST_ERROR_LIMIT.
 */
#pragma once

#include <gio/gio.h>
#include "ingest-store.h"

G_BEGIN_DECLS

typedef enum {
  INGEST_FORMAT_AUTO = 0,   /* detect from the first bytes */
  INGEST_FORMAT_NATIVE,     /* actorscope NDJSON (data/formats/native-ndjson.md) */
  INGEST_FORMAT_MSWITCH,    /* message-switch /trace bodies */
  INGEST_FORMAT_CHROME,     /* Chrome Trace Event Format JSON (object or array) */
  INGEST_FORMAT_PERFETTO,   /* Perfetto protobuf trace (Chromium's default, .pftrace) */
} IngestFormat;

const char *ingest_format_to_string (IngestFormat format);
gboolean ingest_format_from_string (const char *s, IngestFormat *out);

/* Detects the format of a prefix of the input (gzip magic is looked through
 * by the parser itself, not here). Returns INGEST_FORMAT_AUTO when the prefix
 * is not enough to decide yet. */
IngestFormat ingest_format_detect (const guint8 *data, gsize len);

typedef struct {
  IngestFormat format;        /* AUTO to detect */
  gboolean strict;            /* stop at the first malformed record */
  const char *source_name;    /* shown in diagnostics ("trace.json", "tcp:1.2.3.4:5"); copied */
  gsize max_line_bytes;       /* 0 = default INGEST_PARSER_DEFAULT_MAX_LINE */
  guint max_depth;            /* JSON nesting bound, 0 = default 64 */
  guint64 max_decompressed;   /* gzip output bound in bytes, 0 = default 8 GiB */
  guint max_kept_diagnostics; /* diagnostics kept for display, 0 = default 20 */
  /* Gzip bomb guard: past the first INGEST_PARSER_GZIP_RATIO_GRACE
   * decompressed bytes, more than max_gzip_ratio output bytes per input byte
   * is an INGEST_ERROR_LIMIT error (JSON traces compress 10-50x; a bomb of
   * one repeated byte reaches 1000x and would cost minutes of parsing).
   * 0 = default INGEST_PARSER_DEFAULT_GZIP_RATIO. */
  guint max_gzip_ratio;
} IngestParserOptions;

#define INGEST_PARSER_DEFAULT_GZIP_RATIO 200u
#define INGEST_PARSER_GZIP_RATIO_GRACE (G_GUINT64_CONSTANT (64) << 20)

#define INGEST_PARSER_DEFAULT_MAX_LINE (1u << 20)   /* 1 MiB per NDJSON line */

typedef struct _IngestParser IngestParser;

/* Returns a new parser appending into store (borrowed: the store must outlive
 * the parser). options may be NULL for defaults; it is copied. */
IngestParser *ingest_parser_new (IngestStore *store, const IngestParserOptions *options);
void ingest_parser_free (IngestParser *parser);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (IngestParser, ingest_parser_free)

/* Feeds bytes. Returns FALSE (and sets error) only in strict mode or on an
 * unrecoverable error (e.g. corrupt gzip, format undetectable); after FALSE
 * the parser accepts nothing more. */
gboolean ingest_parser_feed (IngestParser *parser, const guint8 *data, gsize len, GError **error);
/* End of input: flushes a last unterminated line, checks for truncation. */
gboolean ingest_parser_finish (IngestParser *parser, GError **error);

/* The format in use (AUTO until detected). */
IngestFormat ingest_parser_get_format (const IngestParser *parser);
/* Records accepted and skipped so far. */
guint64 ingest_parser_n_records (const IngestParser *parser);
guint64 ingest_parser_n_skipped (const IngestParser *parser);
/* Bytes consumed so far (compressed bytes for gzip input): for progress. */
guint64 ingest_parser_n_bytes (const IngestParser *parser);
/* Kept diagnostics (lenient mode), oldest first; borrowed GError array. */
const GPtrArray *ingest_parser_get_diagnostics (const IngestParser *parser);

/* Convenience: parse a whole file ("-" = stdin) into store. progress may be
 * NULL; it is called now and then with bytes read and total (0 if unknown).
 * A `serve` data directory (ingest-log-disk.h) is read too (no progress). */
typedef void (*IngestProgressFunc) (guint64 done, guint64 total, gpointer user_data);
gboolean ingest_load_file (IngestStore *store, const char *path,
                           const IngestParserOptions *options,
                           IngestProgressFunc progress, gpointer user_data,
                           GError **error);

G_END_DECLS
