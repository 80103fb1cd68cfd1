/* ingest-json-lexer.h: a push (streaming) JSON tokenizer shared by the trace
 * formats.
 *
 * Feed bytes in any split (one byte at a time works); every token is handed
 * to a callback as soon as it is complete. Nothing is kept besides the
 * current token, so memory is bounded by the options, never by the document:
 * a 1 GB Chrome trace streams through a few kilobytes.
 *
 * - Strict JSON grammar (RFC 8259): no NaN/Infinity, no comments, no trailing
 *   commas, no raw control bytes in strings. Errors are INGEST_ERROR_SYNTAX
 *   (or INGEST_ERROR_LIMIT for a bound) with the position available from
 *   ingest_json_lexer_get_error_position().
 * - Escapes are decoded, including surrogate pairs; a lone surrogate becomes
 *   U+FFFD. Raw bytes above 0x7F are passed through untouched even when they
 *   are not valid UTF-8: the store repairs them when it interns.
 * - Bounds: nesting depth (error), string length (longer strings are cut and
 *   flagged `truncated`, the lexer keeps going), number text length (error).
 * - Positions: 1-based line and byte column of each token's first byte.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum {
  INGEST_JSON_BEGIN_OBJECT,
  INGEST_JSON_END_OBJECT,
  INGEST_JSON_BEGIN_ARRAY,
  INGEST_JSON_END_ARRAY,
  INGEST_JSON_KEY,
  INGEST_JSON_STRING,
  INGEST_JSON_INT,      /* integer that fits gint64 (v_int) */
  INGEST_JSON_DOUBLE,   /* fraction/exponent, or an integer too big for gint64 */
  INGEST_JSON_TRUE,
  INGEST_JSON_FALSE,
  INGEST_JSON_NULL,
} IngestJsonTokenType;

typedef struct {
  IngestJsonTokenType type;
  /* Depth at which the token sits: a top-level value is at 0, the members of
   * a top-level container at 1. BEGIN/END carry the container's own depth. */
  guint depth;
  /* KEY/STRING: the decoded bytes; numbers: the raw number text. Borrowed,
   * valid only during the callback, NOT NUL-terminated. */
  const char *str;
  gsize len;
  gboolean truncated;   /* KEY/STRING cut at max_string bytes */
  gint64 v_int;         /* INT */
  double v_double;      /* DOUBLE (also set for INT) */
  gboolean overflow;    /* number out of gint64 range (DOUBLE) or out of double range (inf) */
  guint64 line, column; /* of the token's first byte, 1-based */
} IngestJsonToken;

/* Returns FALSE (and sets error) to stop the lexer: feed/finish then return
 * FALSE with that error. */
typedef gboolean (*IngestJsonTokenFunc) (const IngestJsonToken *token, gpointer user_data,
                                         GError **error);

typedef enum {
  INGEST_JSON_LEXER_NONE = 0,
  /* Accept a sequence of top-level values separated by optional whitespace
   * (concatenated documents, NDJSON, "{..}{..}"). */
  INGEST_JSON_LEXER_MULTI_DOCUMENT = 1 << 0,
  /* Accept one ',' before a closing '}' or ']' ({"a":1,} and [1,]): not
   * JSON, but hand-written tracers emit it and the reference Chrome JSON
   * importer (Perfetto) reads it; lenient Chrome reading uses this. */
  INGEST_JSON_LEXER_TRAILING_COMMAS = 1 << 1,
} IngestJsonLexerFlags;

#define INGEST_JSON_DEFAULT_MAX_DEPTH 64
#define INGEST_JSON_MAX_MAX_DEPTH 4096
#define INGEST_JSON_DEFAULT_MAX_STRING (1u << 20)
#define INGEST_JSON_MAX_NUMBER 256   /* bytes of number text */

typedef struct _IngestJsonLexer IngestJsonLexer;

/* Returns a new lexer (owned; free with ingest_json_lexer_free()).
 * max_depth 0 = default, max_string 0 = default. */
IngestJsonLexer *ingest_json_lexer_new (guint max_depth, gsize max_string, IngestJsonLexerFlags flags,
                                        IngestJsonTokenFunc func, gpointer user_data);
void ingest_json_lexer_free (IngestJsonLexer *lexer);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (IngestJsonLexer, ingest_json_lexer_free)

/* Feeds bytes. On FALSE (syntax/limit error or callback refusal) the lexer is
 * failed until ingest_json_lexer_reset(); *consumed (may be NULL) gets the
 * number of bytes used before the failing byte. */
gboolean ingest_json_lexer_feed (IngestJsonLexer *lexer, const guint8 *data, gsize len,
                                 gsize *consumed, GError **error);
/* End of input: completes a trailing number, fails on a truncated document.
 * An input with no document at all is fine (see ingest_json_lexer_n_documents). */
gboolean ingest_json_lexer_finish (IngestJsonLexer *lexer, GError **error);

/* Forgets the current document (to resynchronise after an error); position
 * counters are kept. */
void ingest_json_lexer_reset (IngestJsonLexer *lexer);
/* Advances the position counters over bytes the caller skipped itself. */
void ingest_json_lexer_skip (IngestJsonLexer *lexer, const guint8 *data, gsize len);

/* Current nesting depth (0 between documents) and whether a document is in
 * progress (some byte of a value seen, value not complete). */
guint ingest_json_lexer_get_depth (const IngestJsonLexer *lexer);
gboolean ingest_json_lexer_in_document (const IngestJsonLexer *lexer);
/* TRUE when the lexer sits inside a top-level array right after '[' , a
 * complete element, or a ',' (where a truncated Chrome array may end). */
gboolean ingest_json_lexer_at_array_boundary (const IngestJsonLexer *lexer);
guint64 ingest_json_lexer_n_documents (const IngestJsonLexer *lexer);
/* Position of the next byte, and of the last error. */
void ingest_json_lexer_get_position (const IngestJsonLexer *lexer, guint64 *line, guint64 *column);
void ingest_json_lexer_get_error_position (const IngestJsonLexer *lexer, guint64 *line, guint64 *column);

/* --- helpers shared by the formats' own scanners --- */

/* Decodes the body of a JSON string (the bytes between the quotes, escapes
 * still in) into out, which must hold at least in_len bytes (decoding never
 * grows) and must not overlap in (plain runs are copied a word at a time). Returns FALSE on a bad escape or raw control byte, with *err_off
 * the offset in `in`. */
gboolean ingest_json_unescape (const char *in, gsize in_len, char *out, gsize *out_len,
                               gsize *err_off);

/* Parses JSON number text exactly into value * 10^scale, rounded half away
 * from zero (e.g. "1795484650.027815" with scale 9 gives nanoseconds without
 * going through a double). FALSE when not a number or when its whole units
 * (the value truncated toward zero) are out of gint64 range; rounding at
 * the bounds stays at G_MAXINT64 / G_MININT64. */
gboolean ingest_json_number_to_scaled (const char *s, gsize len, guint scale, gint64 *out);
/* Parses JSON integer text (no fraction/exponent) into gint64. FALSE when not
 * an integer or out of range. */
gboolean ingest_json_number_to_int64 (const char *s, gsize len, gint64 *out);
/* Checks JSON number grammar. */
gboolean ingest_json_number_is_valid (const char *s, gsize len, gboolean *is_integer);

/* Appends s as a JSON string literal (with quotes) to out: '"', '\\' and
 * control bytes escaped, everything else copied. */
void ingest_json_append_string (GString *out, const char *s, gsize len);

G_END_DECLS
