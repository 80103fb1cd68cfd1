/* ingest-parser.c: the parser front: format detection, gzip, diagnostics,
 * strict/lenient policy and whole-file loading. The formats themselves live
 * in ingest-format-*.c and see only plain bytes.
 */
#include "config.h"

#include <string.h>
#include <zlib.h>
#include <gio/gunixinputstream.h>

#include "ingest-parser.h"
#include "ingest-log-disk.h"
#include "ingest-parser-private.h"

#define DETECT_MAX 4096                 /* bytes looked at before defaulting to native */
#define INFLATE_CHUNK (64 * 1024)
#define DEFAULT_MAX_DECOMPRESSED (G_GUINT64_CONSTANT (8) << 30)
#define READ_CHUNK (256 * 1024)

struct _IngestParser {
  IngestParserCtx ctx;
  IngestFormat format;
  const IngestFormatImpl *impl;
  gpointer impl_data;

  guint8 detect_buf[DETECT_MAX];
  gsize detect_len;

  /* gzip */
  guint8 magic[2];
  gsize magic_len;
  gboolean magic_checked;
  gboolean gzip;
  gboolean gzip_ended;          /* last member complete */
  z_stream zs;
  guint8 *zout;
  guint64 max_decompressed;
  guint64 n_decompressed;
  guint max_gzip_ratio;

  guint64 n_bytes;
  gboolean failed;
  gboolean finished;
};

/* ---- names and detection ---- */

const char *
ingest_format_to_string (IngestFormat format)
{
  switch (format)
    {
    case INGEST_FORMAT_AUTO: return "auto";
    case INGEST_FORMAT_NATIVE: return "native";
    case INGEST_FORMAT_MSWITCH: return "mswitch";
    case INGEST_FORMAT_CHROME: return "chrome";
    case INGEST_FORMAT_PERFETTO: return "perfetto";
    case INGEST_FORMAT_XSTATE: return "xstate";
    case INGEST_FORMAT_OTLP: return "otlp";
    case INGEST_FORMAT_NODE: return "node";
    default: return "unknown";
    }
}

gboolean
ingest_format_from_string (const char *s, IngestFormat *out)
{
  static const struct { const char *name; IngestFormat format; } names[] = {
    { "auto", INGEST_FORMAT_AUTO },
    { "native", INGEST_FORMAT_NATIVE },
    { "ndjson", INGEST_FORMAT_NATIVE },
    { "mswitch", INGEST_FORMAT_MSWITCH },
    { "message-switch", INGEST_FORMAT_MSWITCH },
    { "chrome", INGEST_FORMAT_CHROME },
    { "perfetto", INGEST_FORMAT_PERFETTO },
    { "xstate", INGEST_FORMAT_XSTATE },
    { "otlp", INGEST_FORMAT_OTLP },
    { "node", INGEST_FORMAT_NODE },
  };
  if (s == NULL)
    return FALSE;
  for (gsize i = 0; i < G_N_ELEMENTS (names); i++)
    if (g_ascii_strcasecmp (s, names[i].name) == 0)
      {
        if (out)
          *out = names[i].format;
        return TRUE;
      }
  return FALSE;
}

/* Top-level keys a Chrome JSON Object Format file may start with. */
static const char *const chrome_keys[] = {
  "traceEvents", "displayTimeUnit", "otherData", "metadata", "systemTraceEvents",
  "stackFrames", "samples", "powerTraceAsString", "controllerTraceDataKey",
};

/* Position of the first byte after a UTF-8 BOM and leading whitespace. */
static gsize
skip_bom_and_space (const guint8 *data, gsize len)
{
  gsize i = 0;
  if (len >= 3 && data[0] == 0xEF && data[1] == 0xBB && data[2] == 0xBF)
    i = 3;
  while (i < len && g_ascii_isspace (data[i]))
    i++;
  return i;
}

/* An XState inspection event names its type "@xstate.*" on its first
 * line, whatever the key order ("type" comes first from both
 * @statelyai/inspect and JSON.stringify). Inside a native record's string
 * the quotes would be escaped, so this never matches a native line. */
static gboolean
first_line_is_xstate (const guint8 *data, gsize len)
{
  const guint8 *nl = memchr (data, '\n', len);
  gsize n = nl != NULL ? (gsize) (nl - data) : len;
  const guint8 *p = data, *end = data + n;

  while ((p = memchr (p, '"', end - p)) != NULL)
    {
      const guint8 *q = p + 1;
      if ((gsize) (end - q) >= 5 && memcmp (q, "type\"", 5) == 0)
        {
          q += 5;
          while (q < end && (*q == ' ' || *q == '\t'))
            q++;
          if (q < end && *q == ':')
            {
              q++;
              while (q < end && (*q == ' ' || *q == '\t'))
                q++;
              if ((gsize) (end - q) >= 9 && memcmp (q, "\"@xstate.", 9) == 0)
                return TRUE;
            }
        }
      p++;
    }
  return FALSE;
}

/* Node.js writes its own categories ("node", "node.async_hooks", ...)
 * from the first events on (its environment and bootstrap). */
static gboolean
looks_like_node (const guint8 *data, gsize len)
{
  return g_strstr_len ((const char *) data, (gssize) len, "\"cat\":\"node") != NULL;
}

IngestFormat
ingest_format_detect (const guint8 *data, gsize len)
{
  gsize i;

  /* Binary first: a Perfetto trace starts with 0x0a, which is also '\n'. */
  if (ingest_perfetto_looks_like (data, len))
    return INGEST_FORMAT_PERFETTO;
  i = skip_bom_and_space (data, len);
  if (i >= len)
    return INGEST_FORMAT_AUTO;
  if (data[i] == '[')
    return INGEST_FORMAT_CHROME;
  if (data[i] != '{')
    return INGEST_FORMAT_NATIVE; /* not JSON at all: native reports it line by line */
  i++;
  while (i < len && g_ascii_isspace (data[i]))
    i++;
  if (i >= len)
    return INGEST_FORMAT_AUTO;
  if (data[i] != '"')
    return INGEST_FORMAT_NATIVE;
  {
    const guint8 *key = data + i + 1;
    const guint8 *q = memchr (key, '"', len - i - 1);
    gsize klen;
    if (q == NULL)
      return len - i > 64 ? INGEST_FORMAT_NATIVE : INGEST_FORMAT_AUTO;
    klen = q - key;
    if (first_line_is_xstate (data + i, len - i))
      return INGEST_FORMAT_XSTATE;
    if (klen == 13 && memcmp (key, "resourceSpans", 13) == 0)
      return INGEST_FORMAT_OTLP;
    if (klen == 6 && memcmp (key, "events", 6) == 0)
      return INGEST_FORMAT_MSWITCH;
    for (gsize k = 0; k < G_N_ELEMENTS (chrome_keys); k++)
      if (strlen (chrome_keys[k]) == klen && memcmp (key, chrome_keys[k], klen) == 0)
        return looks_like_node (data, len) ? INGEST_FORMAT_NODE : INGEST_FORMAT_CHROME;
    /* XState's "type" may come after other keys: the whole first line
     * tells (native, if it has no "@xstate." type). */
    if (memchr (data + i, '\n', len - i) == NULL && len < DETECT_MAX)
      return INGEST_FORMAT_AUTO;
  }
  return INGEST_FORMAT_NATIVE;
}

/* Auto-detection never hands binary data to the line-oriented native parser
 * (it would report every "line" of, say, a Perfetto protobuf trace): text
 * formats start with JSON, and JSON text has no control bytes besides
 * whitespace. */
#define BINARY_SNIFF_BYTES 512

static gboolean
starts_like_json (const guint8 *data, gsize len)
{
  gsize i = skip_bom_and_space (data, len);
  return i < len && (data[i] == '{' || data[i] == '[');
}

/* Looks at the first BINARY_SNIFF_BYTES bytes only, exactly the bytes the
 * caller waits for: the verdict must not depend on how the input was cut
 * (it looked 512 bytes past the whitespace while the caller waited for 64,
 * so the same file was refused whole and read in small pieces). */
static gboolean
looks_binary (const guint8 *data, gsize len)
{
  gsize i;

  len = MIN (len, BINARY_SNIFF_BYTES);
  i = skip_bom_and_space (data, len);
  if (i >= len || data[i] == '{' || data[i] == '[')
    return FALSE;
  for (gsize k = i; k < len; k++)
    if (data[k] < 0x20 && data[k] != '\t' && data[k] != '\n' && data[k] != '\r')
      return TRUE;
  return FALSE;
}

static gboolean
refuse_binary (IngestParser *parser, GError **error)
{
  ingest_parser_ctx_fatal (&parser->ctx, error, INGEST_ERROR_FORMAT, 0, 0,
                           "binary data, not a trace format actorscope reads "
                           "(Perfetto protobuf traces start with a packet field; "
                           "this does not)");
  parser->failed = TRUE;
  return FALSE;
}

/* What the first bytes of an input look like, for the error about an
 * input of which no record could be read: markers of each format anywhere
 * in the first DETECT_MAX bytes (the format detected from the first key
 * was evidently wrong). */
static const char *
guess_format (const guint8 *data, gsize len)
{
  static const struct { const char *marker; const char *name; } markers[] = {
    { "\"resourceSpans\"", "OpenTelemetry OTLP JSON (--format otlp)" },
    { "\"@xstate.", "XState inspection events (--format xstate)" },
    { "\"traceEvents\"", "a Chrome trace (--format chrome)" },
    { "\"ph\"", "Chrome trace events (--format chrome)" },
    { "\"events\"", "message-switch /trace bodies (--format mswitch)" },
    { "\"ev\"", "actorscope native NDJSON (--format native)" },
  };
  gsize i = skip_bom_and_space (data, len);

  for (gsize k = 0; k < G_N_ELEMENTS (markers); k++)
    if (g_strstr_len ((const char *) data, (gssize) len, markers[k].marker) != NULL)
      return markers[k].name;
  if (i < len && (data[i] == '{' || data[i] == '['))
    return "JSON of a kind actorscope does not read";
  return "text that is not JSON (no format actorscope reads)";
}

/* ---- diagnostics ---- */

GError *
ingest_parser_ctx_make_error (IngestParserCtx *ctx, IngestErrorCode code, guint64 line,
                              guint64 column, const char *message)
{
  if (line == 0) /* no position (gzip layer, whole input) */
    return g_error_new (INGEST_ERROR, code, "%s: %s", ctx->source, message);
  return g_error_new (INGEST_ERROR, code, "%s:%" G_GUINT64_FORMAT ":%" G_GUINT64_FORMAT ": %s",
                      ctx->source, line, column, message);
}

static void
keep_diagnostic (IngestParserCtx *ctx, const GError *err)
{
  if (ctx->diagnostics->len < ctx->max_kept)
    g_ptr_array_add (ctx->diagnostics, g_error_copy (err));
}

gboolean
ingest_parser_ctx_reject (IngestParserCtx *ctx, GError **error, IngestErrorCode code,
                          guint64 line, guint64 column, const char *format, ...)
{
  va_list ap;
  g_autofree char *msg = NULL;
  g_autoptr (GError) err = NULL;

  va_start (ap, format);
  msg = g_strdup_vprintf (format, ap);
  va_end (ap);
  err = ingest_parser_ctx_make_error (ctx, code, line, column, msg);
  keep_diagnostic (ctx, err);
  if (ctx->options.strict)
    {
      g_propagate_error (error, g_steal_pointer (&err));
      return FALSE;
    }
  ctx->n_skipped++;
  ingest_store_counters (ctx->store)->skipped_records++;
  return TRUE;
}

gboolean
ingest_parser_ctx_fatal (IngestParserCtx *ctx, GError **error, IngestErrorCode code,
                         guint64 line, guint64 column, const char *format, ...)
{
  va_list ap;
  g_autofree char *msg = NULL;
  GError *err;

  va_start (ap, format);
  msg = g_strdup_vprintf (format, ap);
  va_end (ap);
  err = ingest_parser_ctx_make_error (ctx, code, line, column, msg);
  keep_diagnostic (ctx, err);
  g_propagate_error (error, err);
  return FALSE;
}

/* ---- life cycle ---- */

IngestParser *
ingest_parser_new (IngestStore *store, const IngestParserOptions *options)
{
  IngestParser *parser = g_new0 (IngestParser, 1);

  g_return_val_if_fail (store != NULL, NULL);
  if (options)
    parser->ctx.options = *options;
  parser->ctx.store = store;
  parser->ctx.source = g_strdup (parser->ctx.options.source_name ? parser->ctx.options.source_name
                                                                  : "<input>");
  parser->ctx.options.source_name = parser->ctx.source;
  parser->ctx.max_line = parser->ctx.options.max_line_bytes ? parser->ctx.options.max_line_bytes
                                                            : INGEST_PARSER_DEFAULT_MAX_LINE;
  parser->ctx.max_depth = parser->ctx.options.max_depth ? parser->ctx.options.max_depth : 64;
  parser->ctx.max_kept = parser->ctx.options.max_kept_diagnostics
                           ? parser->ctx.options.max_kept_diagnostics : 20;
  parser->ctx.diagnostics = g_ptr_array_new_with_free_func ((GDestroyNotify) g_error_free);
  parser->format = parser->ctx.options.format;
  parser->max_decompressed = parser->ctx.options.max_decompressed
                               ? parser->ctx.options.max_decompressed : DEFAULT_MAX_DECOMPRESSED;
  parser->max_gzip_ratio = parser->ctx.options.max_gzip_ratio
                             ? parser->ctx.options.max_gzip_ratio : INGEST_PARSER_DEFAULT_GZIP_RATIO;
  return parser;
}

void
ingest_parser_free (IngestParser *parser)
{
  if (parser == NULL)
    return;
  if (parser->impl && parser->impl_data)
    parser->impl->destroy (parser->impl_data);
  if (parser->gzip)
    inflateEnd (&parser->zs);
  g_free (parser->zout);
  g_ptr_array_unref (parser->ctx.diagnostics);
  g_free (parser->ctx.source);
  g_free (parser);
}

IngestFormat
ingest_parser_get_format (const IngestParser *parser)
{
  return parser->impl ? parser->format : INGEST_FORMAT_AUTO;
}

guint64
ingest_parser_n_records (const IngestParser *parser)
{
  return parser->ctx.n_records;
}

guint64
ingest_parser_n_skipped (const IngestParser *parser)
{
  return parser->ctx.n_skipped;
}

guint64
ingest_parser_n_bytes (const IngestParser *parser)
{
  return parser->n_bytes;
}

const GPtrArray *
ingest_parser_get_diagnostics (const IngestParser *parser)
{
  return parser->ctx.diagnostics;
}

/* ---- plain bytes: detection, then the format ---- */

static void
start_format (IngestParser *parser, IngestFormat format)
{
  parser->format = format;
  switch (format)
    {
    case INGEST_FORMAT_MSWITCH: parser->impl = &ingest_format_mswitch_impl; break;
    case INGEST_FORMAT_CHROME: parser->impl = &ingest_format_chrome_impl; break;
    case INGEST_FORMAT_PERFETTO: parser->impl = &ingest_format_perfetto_impl; break;
    case INGEST_FORMAT_XSTATE: parser->impl = &ingest_format_xstate_impl; break;
    case INGEST_FORMAT_OTLP: parser->impl = &ingest_format_otlp_impl; break;
    case INGEST_FORMAT_NODE: parser->impl = &ingest_format_node_impl; break;
    case INGEST_FORMAT_NATIVE:
    case INGEST_FORMAT_AUTO:
    default:
      parser->format = INGEST_FORMAT_NATIVE;
      parser->impl = &ingest_format_native_impl;
      break;
    }
  parser->impl_data = parser->impl->create (&parser->ctx);
}

static gboolean
feed_plain (IngestParser *parser, const guint8 *data, gsize len, GError **error)
{
  /* A format given by the caller is not detected, but the first bytes are
   * kept to say what the input looks like if none of it can be read. */
  if (parser->ctx.options.format != INGEST_FORMAT_AUTO && parser->detect_len < DETECT_MAX)
    {
      gsize keep = MIN (len, DETECT_MAX - parser->detect_len);
      memcpy (parser->detect_buf + parser->detect_len, data, keep);
      parser->detect_len += keep;
    }
  if (parser->impl == NULL)
    {
      IngestFormat f;
      gsize take;

      if (parser->format != INGEST_FORMAT_AUTO)
        start_format (parser, parser->format);
      else
        {
          take = MIN (len, DETECT_MAX - parser->detect_len);
          memcpy (parser->detect_buf + parser->detect_len, data, take);
          parser->detect_len += take;
          data += take;
          len -= take;
          f = ingest_format_detect (parser->detect_buf, parser->detect_len);
          if (f == INGEST_FORMAT_AUTO && parser->detect_len < DETECT_MAX)
            return TRUE; /* need more bytes */
          /* Input that doesn't start like JSON is either a native file with
           * a bad first line or binary data: a few more bytes tell which. */
          if (!starts_like_json (parser->detect_buf, parser->detect_len)
              && parser->detect_len < BINARY_SNIFF_BYTES)
            return TRUE;
          if (ingest_perfetto_looks_like (parser->detect_buf, parser->detect_len))
            f = INGEST_FORMAT_PERFETTO;
          else if (looks_binary (parser->detect_buf, parser->detect_len))
            return refuse_binary (parser, error);
          start_format (parser, f);
          /* A UTF-8 byte order mark is not JSON: the JSON formats start
           * after it (native skips it itself, keeping its columns). */
          gsize bom = 0;
          if (parser->format != INGEST_FORMAT_NATIVE && parser->detect_len >= 3
              && memcmp (parser->detect_buf, "\xEF\xBB\xBF", 3) == 0)
            bom = 3;
          if (!parser->impl->feed (parser->impl_data, parser->detect_buf + bom,
                                   parser->detect_len - bom, error))
            return FALSE;
        }
    }
  /* After detection the first DETECT_MAX bytes are still kept, so what the
   * input looks like (said when none of it could be read) never depends
   * on where the input was cut. */
  if (parser->ctx.options.format == INGEST_FORMAT_AUTO && parser->detect_len < DETECT_MAX && len > 0)
    {
      gsize keep = MIN (len, DETECT_MAX - parser->detect_len);
      memcpy (parser->detect_buf + parser->detect_len, data, keep);
      parser->detect_len += keep;
    }
  if (len == 0)
    return TRUE;
  return parser->impl->feed (parser->impl_data, data, len, error);
}

/* The size bound and the ratio bound (a gzip bomb) on what inflate made. */
static gboolean
decompressed_within_bounds (IngestParser *parser, GError **error)
{
  if (parser->n_decompressed > parser->max_decompressed)
    return ingest_parser_ctx_fatal (&parser->ctx, error, INGEST_ERROR_LIMIT, 0, 0,
                                    "decompressed size exceeds the limit of %" G_GUINT64_FORMAT
                                    " bytes", parser->max_decompressed);
  if (parser->n_decompressed > INGEST_PARSER_GZIP_RATIO_GRACE
      && parser->n_decompressed / MAX (parser->n_bytes, 1) > parser->max_gzip_ratio)
    return ingest_parser_ctx_fatal (&parser->ctx, error, INGEST_ERROR_LIMIT, 0, 0,
                                    "gzip data expands more than %u times (%" G_GUINT64_FORMAT
                                    " bytes from %" G_GUINT64_FORMAT "): refused as a gzip bomb",
                                    parser->max_gzip_ratio, parser->n_decompressed, parser->n_bytes);
  return TRUE;
}

/* Parses what one inflate call produced, up to exactly max_decompressed
 * bytes in all (so where the size limit stops the parse does not depend on
 * how the compressed input was cut), then applies the bounds. */
static gboolean
take_inflated (IngestParser *parser, gsize produced, GError **error)
{
  guint64 room = parser->max_decompressed > parser->n_decompressed
                   ? parser->max_decompressed - parser->n_decompressed : 0;
  gsize take = (gsize) MIN ((guint64) produced, room);

  if (produced == 0)
    return TRUE;
  parser->n_decompressed += produced;
  if (take > 0 && !feed_plain (parser, parser->zout, take, error))
    return FALSE;
  return decompressed_within_bounds (parser, error);
}

static gboolean
feed_gzip (IngestParser *parser, const guint8 *data, gsize len, GError **error)
{
  z_stream *zs = &parser->zs;

  zs->next_in = (Bytef *) data;
  zs->avail_in = (uInt) len;
  while (zs->avail_in > 0)
    {
      int ret;
      gsize produced;

      if (parser->gzip_ended)
        {
          /* concatenated gzip members are one stream (gzip(1) semantics) */
          if (inflateReset (zs) != Z_OK)
            return ingest_parser_ctx_fatal (&parser->ctx, error, INGEST_ERROR_IO, 0, 0,
                                            "gzip: cannot restart inflate");
          parser->gzip_ended = FALSE;
        }
      zs->next_out = parser->zout;
      zs->avail_out = INFLATE_CHUNK;
      ret = inflate (zs, Z_NO_FLUSH);
      produced = INFLATE_CHUNK - zs->avail_out;
      /* What inflate made before an error is parsed first: fed in pieces,
       * those bytes would have been parsed already, and the outcome must
       * not depend on how the input was cut. */
      if (!take_inflated (parser, produced, error))
        return FALSE;
      if (ret != Z_OK && ret != Z_STREAM_END && !(ret == Z_BUF_ERROR && produced > 0))
        return ingest_parser_ctx_fatal (&parser->ctx, error, INGEST_ERROR_SYNTAX, 0, 0,
                                        "corrupt gzip data (%s)", zs->msg ? zs->msg : "inflate error");
      if (ret == Z_STREAM_END)
        parser->gzip_ended = TRUE;
      else if (produced == 0 && zs->avail_in > 0 && ret != Z_OK)
        break;
    }
  /* drain output that inflate still holds without new input */
  while (!parser->gzip_ended)
    {
      int ret;
      gsize produced;
      zs->next_out = parser->zout;
      zs->avail_out = INFLATE_CHUNK;
      ret = inflate (zs, Z_NO_FLUSH);
      produced = INFLATE_CHUNK - zs->avail_out;
      if (produced == 0)
        break;
      if (!take_inflated (parser, produced, error))
        return FALSE;
      if (ret != Z_OK && ret != Z_STREAM_END && ret != Z_BUF_ERROR)
        return ingest_parser_ctx_fatal (&parser->ctx, error, INGEST_ERROR_SYNTAX, 0, 0,
                                        "corrupt gzip data (%s)", zs->msg ? zs->msg : "inflate error");
      if (ret == Z_STREAM_END)
        parser->gzip_ended = TRUE;
    }
  return TRUE;
}

static gboolean
feed_raw (IngestParser *parser, const guint8 *data, gsize len, GError **error)
{
  if (parser->gzip)
    return feed_gzip (parser, data, len, error);
  return feed_plain (parser, data, len, error);
}

static gboolean
start_gzip (IngestParser *parser, GError **error)
{
  memset (&parser->zs, 0, sizeof parser->zs);
  /* 15 + 32: window 32 KiB, accept gzip or zlib headers */
  if (inflateInit2 (&parser->zs, 15 + 32) != Z_OK)
    return ingest_parser_ctx_fatal (&parser->ctx, error, INGEST_ERROR_IO, 0, 0,
                                    "gzip: cannot initialise inflate");
  parser->gzip = TRUE;
  parser->zout = g_malloc (INFLATE_CHUNK);
  return TRUE;
}

gboolean
ingest_parser_feed (IngestParser *parser, const guint8 *data, gsize len, GError **error)
{
  gboolean ok;

  g_return_val_if_fail (parser != NULL, FALSE);
  if (parser->failed || parser->finished)
    {
      g_set_error_literal (error, INGEST_ERROR, INGEST_ERROR_IO,
                           parser->failed ? "parser stopped after an error" : "parser already finished");
      return FALSE;
    }
  if (len == 0)
    return TRUE;
  parser->n_bytes += len;

  if (!parser->magic_checked)
    {
      /* the gzip magic may itself be split across feeds */
      gsize take = MIN (len, 2 - parser->magic_len);
      memcpy (parser->magic + parser->magic_len, data, take);
      parser->magic_len += take;
      data += take;
      len -= take;
      if (parser->magic_len < 2)
        return TRUE;
      parser->magic_checked = TRUE;
      if (parser->magic[0] == 0x1f && parser->magic[1] == 0x8b)
        {
          if (!start_gzip (parser, error))
            {
              parser->failed = TRUE;
              return FALSE;
            }
        }
      if (!feed_raw (parser, parser->magic, 2, error))
        {
          parser->failed = TRUE;
          return FALSE;
        }
    }
  ok = len == 0 || feed_raw (parser, data, len, error);
  if (!ok)
    parser->failed = TRUE;
  return ok;
}

gboolean
ingest_parser_finish (IngestParser *parser, GError **error)
{
  g_return_val_if_fail (parser != NULL, FALSE);
  if (parser->failed || parser->finished)
    {
      g_set_error_literal (error, INGEST_ERROR, INGEST_ERROR_IO,
                           parser->failed ? "parser stopped after an error" : "parser already finished");
      return FALSE;
    }
  parser->finished = TRUE;

  if (!parser->magic_checked && parser->magic_len > 0)
    {
      /* a one-byte input */
      parser->magic_checked = TRUE;
      if (!feed_plain (parser, parser->magic, parser->magic_len, error))
        goto failed;
    }
  if (parser->gzip && !parser->gzip_ended)
    {
      ingest_parser_ctx_fatal (&parser->ctx, error, INGEST_ERROR_SYNTAX, 0, 0,
                               "truncated gzip data");
      goto failed;
    }
  if (parser->impl == NULL)
    {
      IngestFormat f = parser->format;
      if (f == INGEST_FORMAT_AUTO)
        {
          if (ingest_perfetto_looks_like (parser->detect_buf, parser->detect_len))
            f = INGEST_FORMAT_PERFETTO;
          else if (looks_binary (parser->detect_buf, parser->detect_len))
            return refuse_binary (parser, error);
          else
            f = ingest_format_detect (parser->detect_buf, parser->detect_len);
        }
      start_format (parser, f);
      if (parser->detect_len > 0
          && !parser->impl->feed (parser->impl_data, parser->detect_buf, parser->detect_len, error))
        goto failed;
    }
  if (!parser->impl->finish (parser->impl_data, error))
    goto failed;
  if (parser->ctx.n_records == 0 && parser->ctx.n_skipped > 0)
    {
      ingest_parser_ctx_fatal (&parser->ctx, error, INGEST_ERROR_FORMAT, 0, 0,
                               "no record could be read as %s (%" G_GUINT64_FORMAT
                               " skipped): the input looks like %s",
                               ingest_format_to_string (parser->format), parser->ctx.n_skipped,
                               guess_format (parser->detect_buf, parser->detect_len));
      goto failed;
    }
  return TRUE;

failed:
  parser->failed = TRUE;
  return FALSE;
}

/* ---- whole files ---- */

/* A `serve --data-dir` directory (ingest-log-disk.h), read without the
 * lock up to its last complete block. Lenient: each corrupt block counts as
 * one skipped record. */
static gboolean
load_data_dir (IngestStore *store, const char *path, const IngestParserOptions *opts,
               GError **error)
{
  IngestLogDiskOptions lo = { 0 };
  g_autoptr (IngestLog) log = NULL;
  g_auto (IngestLogSkipped) skipped = { 0 };

  lo.read_only = TRUE;
  log = ingest_log_disk_open (path, &lo, error);
  if (log == NULL)
    return FALSE;
  if (!ingest_log_read_into_store (log, 0, G_MAXUINT64, store, NULL,
                                   opts->strict ? NULL : &skipped, error))
    return FALSE;
  ingest_store_counters (store)->skipped_records += skipped.bad_blocks;
  return TRUE;
}

gboolean
ingest_load_file (IngestStore *store, const char *path, const IngestParserOptions *options,
                  IngestProgressFunc progress, gpointer user_data, GError **error)
{
  g_autoptr (GInputStream) in = NULL;
  g_autoptr (IngestParser) parser = NULL;
  g_autofree guint8 *buf = NULL;
  IngestParserOptions opts = { 0 };
  guint64 total = 0, done = 0;
  gint64 last_report = 0;

  g_return_val_if_fail (store != NULL && path != NULL, FALSE);
  if (options)
    opts = *options;

  if (strcmp (path, "-") != 0 && ingest_log_disk_is_data_dir (path))
    return load_data_dir (store, path, &opts, error);
  if (strcmp (path, "-") == 0)
    {
      in = g_unix_input_stream_new (0, FALSE);
      if (opts.source_name == NULL)
        opts.source_name = "<stdin>";
    }
  else
    {
      g_autoptr (GFile) file = g_file_new_for_commandline_arg (path);
      g_autoptr (GFileInfo) info = NULL;
      GError *local = NULL;

      in = (GInputStream *) g_file_read (file, NULL, &local);
      if (in == NULL)
        {
          g_set_error (error, INGEST_ERROR, INGEST_ERROR_IO, "%s: %s", path, local->message);
          g_error_free (local);
          return FALSE;
        }
      info = g_file_input_stream_query_info (G_FILE_INPUT_STREAM (in),
                                             G_FILE_ATTRIBUTE_STANDARD_SIZE, NULL, NULL);
      if (info && g_file_info_has_attribute (info, G_FILE_ATTRIBUTE_STANDARD_SIZE))
        total = g_file_info_get_size (info);
      if (opts.source_name == NULL)
        opts.source_name = path;
    }

  parser = ingest_parser_new (store, &opts);
  buf = g_malloc (READ_CHUNK);
  if (progress)
    progress (0, total, user_data);
  for (;;)
    {
      GError *local = NULL;
      gssize n = g_input_stream_read (in, buf, READ_CHUNK, NULL, &local);
      if (n < 0)
        {
          g_set_error (error, INGEST_ERROR, INGEST_ERROR_IO, "%s: %s", opts.source_name,
                       local->message);
          g_error_free (local);
          return FALSE;
        }
      if (n == 0)
        break;
      if (!ingest_parser_feed (parser, buf, n, error))
        return FALSE;
      done += n;
      if (progress)
        {
          gint64 now = g_get_monotonic_time ();
          if (now - last_report >= 100000)
            {
              last_report = now;
              progress (done, total, user_data);
            }
        }
    }
  if (!ingest_parser_finish (parser, error))
    return FALSE;
  if (progress)
    progress (done, total ? total : done, user_data);
  return TRUE;
}
