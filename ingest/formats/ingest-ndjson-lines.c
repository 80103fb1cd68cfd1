/* ingest-ndjson-lines.c: bounded line cutting for the jansson-based NDJSON
 * formats. */
#include "config.h"

#include <jansson.h>
#include <string.h>

#include "ingest-ndjson-lines.h"

void
ingest_ndjson_lines_init (IngestNdjsonLines *lines, IngestParserCtx *ctx,
                          IngestNdjsonLineFunc func, gpointer user_data)
{
  memset (lines, 0, sizeof *lines);
  lines->ctx = ctx;
  lines->func = func;
  lines->user_data = user_data;
  lines->line = g_byte_array_new ();
  lines->line_no = 1;
}

void
ingest_ndjson_lines_clear (IngestNdjsonLines *lines)
{
  g_clear_pointer (&lines->line, g_byte_array_unref);
}

static gboolean
overlong (IngestNdjsonLines *lines, GError **error)
{
  g_byte_array_set_size (lines->line, 0);
  return ingest_parser_ctx_reject (lines->ctx, error, INGEST_ERROR_LIMIT, lines->line_no,
                                   lines->ctx->max_line + 1,
                                   "line longer than %" G_GSIZE_FORMAT " bytes",
                                   lines->ctx->max_line);
}

static gboolean
deliver (IngestNdjsonLines *lines, const char *p, gsize len, GError **error)
{
  gsize i = 0;

  if (len > 0 && p[len - 1] == '\r')
    len--;
  while (i < len && g_ascii_isspace (p[i]))
    i++;
  if (i == len)
    return TRUE;
  return lines->func (lines->user_data, p, len, lines->line_no, error);
}

gboolean
ingest_ndjson_lines_feed (IngestNdjsonLines *lines, const guint8 *data, gsize len,
                          GError **error)
{
  const guint8 *p = data, *end = data + len;
  gsize max = lines->ctx->max_line;

  while (p < end)
    {
      const guint8 *nl = memchr (p, '\n', end - p);
      gsize piece = (nl != NULL ? nl : end) - p;

      if (!lines->overlong && lines->line->len + piece > max)
        {
          lines->overlong = TRUE;
          if (!overlong (lines, error))
            return FALSE;
        }
      if (nl == NULL)
        {
          if (!lines->overlong)
            g_byte_array_append (lines->line, p, piece);
          return TRUE;
        }
      if (lines->overlong)
        lines->overlong = FALSE; /* the over-long line ends here; already reported */
      else if (lines->line->len > 0)
        {
          g_byte_array_append (lines->line, p, piece);
          if (!deliver (lines, (const char *) lines->line->data, lines->line->len, error))
            return FALSE;
        }
      else if (!deliver (lines, (const char *) p, piece, error))
        return FALSE;
      g_byte_array_set_size (lines->line, 0);
      lines->line_no++;
      p = nl + 1;
    }
  return TRUE;
}

gboolean
ingest_ndjson_lines_finish (IngestNdjsonLines *lines, GError **error)
{
  if (!lines->overlong && lines->line->len > 0)
    {
      if (!deliver (lines, (const char *) lines->line->data, lines->line->len, error))
        return FALSE;
      g_byte_array_set_size (lines->line, 0);
    }
  return TRUE;
}

json_t *
ingest_ndjson_lines_parse (IngestNdjsonLines *lines, const char *line, gsize len,
                           guint64 line_no, gboolean *keep_going, GError **error)
{
  json_error_t jerr;
  json_t *obj;

  /* jansson's own depth bound is 2048; ours is the parser's, checked
   * before: a line deeper than that is refused without recursing. */
  {
    guint depth = 0, max = lines->ctx->max_depth;
    gboolean in_string = FALSE;
    for (gsize i = 0; i < len; i++)
      {
        char c = line[i];
        if (in_string)
          {
            if (c == '\\')
              i++;
            else if (c == '"')
              in_string = FALSE;
          }
        else if (c == '"')
          in_string = TRUE;
        else if (c == '{' || c == '[')
          {
            if (++depth > max)
              {
                *keep_going = ingest_parser_ctx_reject (lines->ctx, error, INGEST_ERROR_LIMIT,
                                                        line_no, i + 1,
                                                        "nesting deeper than %u", max);
                return NULL;
              }
          }
        else if ((c == '}' || c == ']') && depth > 0)
          depth--;
      }
  }
  obj = json_loadb (line, len, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &jerr);
  if (obj == NULL)
    {
      /* jansson quotes the input near the error: any bytes at all. */
      g_autofree char *text = g_utf8_make_valid (jerr.text, -1);
      *keep_going = ingest_parser_ctx_reject (lines->ctx, error, INGEST_ERROR_SYNTAX, line_no,
                                              jerr.position > 0 ? (guint64) jerr.position : 1,
                                              "%s", text);
      return NULL;
    }
  if (!json_is_object (obj))
    {
      json_decref (obj);
      *keep_going = ingest_parser_ctx_reject (lines->ctx, error, INGEST_ERROR_SCHEMA, line_no, 1,
                                              "not a JSON object");
      return NULL;
    }
  *keep_going = TRUE;
  return obj;
}
