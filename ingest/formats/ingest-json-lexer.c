/* ingest-json-lexer.c: push JSON tokenizer (see ingest-json-lexer.h).
 *
 * Two small state machines: a lexical one (inside a string, an escape, a
 * number, a literal) that survives any split of the input, and a grammar
 * one (what may come next) with a bounded stack of open containers. Strings
 * that sit whole inside one fed chunk and have no escapes are handed out
 * without a copy, which is the common case and keeps the lexer fast.
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include "ingest-json-lexer.h"
#include "ingest-model.h"

typedef enum {
  LEX_NONE,
  LEX_STRING,
  LEX_ESCAPE,
  LEX_UNICODE,
  LEX_NUMBER,
  LEX_LITERAL,
} LexState;

typedef enum {
  G_VALUE,          /* a value must come (top level, after ':' or ',' in an array) */
  G_ARRAY_FIRST,    /* after '[': value or ']' */
  G_OBJECT_FIRST,   /* after '{': key or '}' */
  G_KEY,            /* after ',' in an object */
  G_COLON,
  G_AFTER_VALUE,    /* ',' or the container's end */
  G_DONE,           /* top-level value complete (single-document mode) */
} GrammarState;

struct _IngestJsonLexer {
  IngestJsonTokenFunc func;
  gpointer user_data;
  guint max_depth;
  gsize max_string;
  IngestJsonLexerFlags flags;
  gboolean after_comma;     /* the last grammar character was ',' */

  guint depth;
  char *stack;              /* 'o' or 'a' per open container */
  GrammarState gstate;
  LexState lex;
  gboolean failed;
  gboolean started;         /* some byte of the current document seen */
  guint64 n_documents;

  /* current string */
  char *buf;
  gsize buf_len, buf_alloc;
  gboolean is_key;
  gboolean truncated;
  guint32 u_acc;
  guint u_digits;
  guint32 high_surrogate;

  /* current number / literal */
  char num[INGEST_JSON_MAX_NUMBER + 1];
  gsize num_len;

  /* positions */
  guint64 offset;           /* absolute offset of the next byte */
  guint64 line;
  guint64 line_start;       /* absolute offset of the current line's first byte */
  guint64 tok_line, tok_col;
  guint64 err_line, err_col;
};

IngestJsonLexer *
ingest_json_lexer_new (guint max_depth, gsize max_string, IngestJsonLexerFlags flags,
                       IngestJsonTokenFunc func, gpointer user_data)
{
  IngestJsonLexer *lx = g_new0 (IngestJsonLexer, 1);

  lx->max_depth = max_depth ? MIN (max_depth, INGEST_JSON_MAX_MAX_DEPTH) : INGEST_JSON_DEFAULT_MAX_DEPTH;
  lx->max_string = max_string ? max_string : INGEST_JSON_DEFAULT_MAX_STRING;
  lx->flags = flags;
  lx->func = func;
  lx->user_data = user_data;
  lx->stack = g_malloc (lx->max_depth + 1);
  lx->line = 1;
  lx->gstate = G_VALUE;
  return lx;
}

void
ingest_json_lexer_free (IngestJsonLexer *lx)
{
  if (lx == NULL)
    return;
  g_free (lx->stack);
  g_free (lx->buf);
  g_free (lx);
}

void
ingest_json_lexer_reset (IngestJsonLexer *lx)
{
  lx->depth = 0;
  lx->gstate = G_VALUE;
  lx->lex = LEX_NONE;
  lx->failed = FALSE;
  lx->started = FALSE;
  lx->buf_len = 0;
  lx->num_len = 0;
  lx->high_surrogate = 0;
  lx->truncated = FALSE;
  lx->after_comma = FALSE;
}

static inline void
advance_position (IngestJsonLexer *lx, const guint8 *data, gsize len)
{
  const guint8 *p = data, *end = data + len;
  while ((p = memchr (p, '\n', end - p)) != NULL)
    {
      p++;
      lx->line++;
      lx->line_start = lx->offset + (p - data);
    }
  lx->offset += len;
}

void
ingest_json_lexer_skip (IngestJsonLexer *lx, const guint8 *data, gsize len)
{
  advance_position (lx, data, len);
}

guint
ingest_json_lexer_get_depth (const IngestJsonLexer *lx)
{
  return lx->depth;
}

gboolean
ingest_json_lexer_in_document (const IngestJsonLexer *lx)
{
  return lx->started;
}

gboolean
ingest_json_lexer_at_array_boundary (const IngestJsonLexer *lx)
{
  if (lx->depth != 1 || lx->stack[0] != 'a' || lx->lex != LEX_NONE)
    return FALSE;
  return lx->gstate == G_ARRAY_FIRST || lx->gstate == G_AFTER_VALUE || lx->gstate == G_VALUE;
}

guint64
ingest_json_lexer_n_documents (const IngestJsonLexer *lx)
{
  return lx->n_documents;
}

void
ingest_json_lexer_get_position (const IngestJsonLexer *lx, guint64 *line, guint64 *column)
{
  if (line)
    *line = lx->line;
  if (column)
    *column = lx->offset - lx->line_start + 1;
}

void
ingest_json_lexer_get_error_position (const IngestJsonLexer *lx, guint64 *line, guint64 *column)
{
  if (line)
    *line = lx->err_line;
  if (column)
    *column = lx->err_col;
}

/* ---- errors ---- */

static gboolean
fail_at (IngestJsonLexer *lx, guint64 offset, GError **error, IngestErrorCode code,
         const char *message)
{
  lx->failed = TRUE;
  lx->err_line = lx->line;
  lx->err_col = offset - lx->line_start + 1;
  g_set_error_literal (error, INGEST_ERROR, code, message);
  return FALSE;
}

/* ---- string buffer ---- */

static inline void
buf_append (IngestJsonLexer *lx, const char *s, gsize n)
{
  if (lx->buf_len + n > lx->max_string)
    {
      n = lx->max_string - lx->buf_len;
      lx->truncated = TRUE;
    }
  if (n == 0)
    return;
  if (lx->buf_len + n > lx->buf_alloc)
    {
      gsize want = MAX (lx->buf_alloc * 2, MAX (lx->buf_len + n, 256));
      lx->buf_alloc = MIN (want, lx->max_string);
      lx->buf = g_realloc (lx->buf, lx->buf_alloc);
    }
  memcpy (lx->buf + lx->buf_len, s, n);
  lx->buf_len += n;
}

static inline gsize
utf8_encode (guint32 cp, char *out)
{
  if (cp < 0x80)
    {
      out[0] = (char) cp;
      return 1;
    }
  if (cp < 0x800)
    {
      out[0] = (char) (0xC0 | (cp >> 6));
      out[1] = (char) (0x80 | (cp & 0x3F));
      return 2;
    }
  if (cp < 0x10000)
    {
      out[0] = (char) (0xE0 | (cp >> 12));
      out[1] = (char) (0x80 | ((cp >> 6) & 0x3F));
      out[2] = (char) (0x80 | (cp & 0x3F));
      return 3;
    }
  out[0] = (char) (0xF0 | (cp >> 18));
  out[1] = (char) (0x80 | ((cp >> 12) & 0x3F));
  out[2] = (char) (0x80 | ((cp >> 6) & 0x3F));
  out[3] = (char) (0x80 | (cp & 0x3F));
  return 4;
}

static inline void
buf_flush_surrogate (IngestJsonLexer *lx)
{
  if (lx->high_surrogate)
    {
      buf_append (lx, "\xEF\xBF\xBD", 3);
      lx->high_surrogate = 0;
    }
}

static void
buf_append_codepoint (IngestJsonLexer *lx, guint32 cp)
{
  char tmp[4];

  if (cp >= 0xDC00 && cp <= 0xDFFF)
    {
      if (lx->high_surrogate)
        {
          cp = 0x10000 + ((lx->high_surrogate - 0xD800) << 10) + (cp - 0xDC00);
          lx->high_surrogate = 0;
        }
      else
        cp = 0xFFFD;
    }
  else
    {
      buf_flush_surrogate (lx);
      if (cp >= 0xD800 && cp <= 0xDBFF)
        {
          lx->high_surrogate = cp;
          return;
        }
    }
  buf_append (lx, tmp, utf8_encode (cp, tmp));
}

/* ---- tokens ---- */

static inline gboolean
emit (IngestJsonLexer *lx, IngestJsonToken *tok, guint64 offset, GError **error)
{
  tok->line = lx->tok_line;
  tok->column = lx->tok_col;
  if (!lx->func (tok, lx->user_data, error))
    {
      lx->failed = TRUE;
      lx->err_line = tok->line;
      lx->err_col = tok->column;
      if (error && *error == NULL)
        g_set_error_literal (error, INGEST_ERROR, INGEST_ERROR_SCHEMA, "rejected by the reader");
      return FALSE;
    }
  (void) offset;
  return TRUE;
}

/* A value (scalar or container end) just completed at the current depth. */
static inline void
value_done (IngestJsonLexer *lx)
{
  if (lx->depth == 0)
    {
      lx->n_documents++;
      lx->started = FALSE;
      lx->gstate = (lx->flags & INGEST_JSON_LEXER_MULTI_DOCUMENT) ? G_VALUE : G_DONE;
    }
  else
    lx->gstate = G_AFTER_VALUE;
}

static inline void
mark_token_start (IngestJsonLexer *lx, guint64 offset)
{
  lx->tok_line = lx->line;
  lx->tok_col = offset - lx->line_start + 1;
}

static gboolean
emit_string (IngestJsonLexer *lx, const char *s, gsize len, guint64 offset, GError **error)
{
  IngestJsonToken tok;

  tok.type = lx->is_key ? INGEST_JSON_KEY : INGEST_JSON_STRING;
  tok.depth = lx->depth;
  tok.str = s;
  tok.len = len;
  tok.truncated = lx->truncated;
  tok.v_int = 0;
  tok.v_double = 0;
  tok.overflow = FALSE;
  lx->truncated = FALSE;
  lx->buf_len = 0;
  lx->lex = LEX_NONE;
  if (!emit (lx, &tok, offset, error))
    return FALSE;
  if (lx->is_key)
    lx->gstate = G_COLON;
  else
    value_done (lx);
  return TRUE;
}

gboolean
ingest_json_number_is_valid (const char *s, gsize len, gboolean *is_integer)
{
  gsize i = 0;
  gboolean integer = TRUE;

  if (i < len && s[i] == '-')
    i++;
  if (i >= len)
    return FALSE;
  if (s[i] == '0')
    i++;
  else if (s[i] >= '1' && s[i] <= '9')
    while (i < len && g_ascii_isdigit (s[i]))
      i++;
  else
    return FALSE;
  if (i < len && s[i] == '.')
    {
      integer = FALSE;
      i++;
      if (i >= len || !g_ascii_isdigit (s[i]))
        return FALSE;
      while (i < len && g_ascii_isdigit (s[i]))
        i++;
    }
  if (i < len && (s[i] == 'e' || s[i] == 'E'))
    {
      integer = FALSE;
      i++;
      if (i < len && (s[i] == '+' || s[i] == '-'))
        i++;
      if (i >= len || !g_ascii_isdigit (s[i]))
        return FALSE;
      while (i < len && g_ascii_isdigit (s[i]))
        i++;
    }
  if (is_integer)
    *is_integer = integer;
  return i == len;
}

gboolean
ingest_json_number_to_int64 (const char *s, gsize len, gint64 *out)
{
  gsize i = 0;
  gboolean neg = FALSE;
  guint64 v = 0;
  guint64 limit;

  if (len == 0)
    return FALSE;
  if (s[0] == '-')
    {
      neg = TRUE;
      i = 1;
      if (len == 1)
        return FALSE;
    }
  limit = neg ? (guint64) G_MAXINT64 + 1 : (guint64) G_MAXINT64;
  for (; i < len; i++)
    {
      guint d = (guint8) s[i] - '0';
      if (d > 9)
        return FALSE;
      if (v > (limit - d) / 10)
        return FALSE;
      v = v * 10 + d;
    }
  *out = neg ? (gint64) (0 - v) : (gint64) v;
  return TRUE;
}

gboolean
ingest_json_number_to_scaled (const char *s, gsize len, guint scale, gint64 *out)
{
  char digits[INGEST_JSON_MAX_NUMBER];
  gsize n_digits = 0, i = 0;
  gboolean neg = FALSE, is_int;
  glong exp10 = 0, e = 0;
  gboolean eneg = FALSE;
  guint64 v = 0, limit;
  glong keep, k;

  if (len == 0 || len > INGEST_JSON_MAX_NUMBER || !ingest_json_number_is_valid (s, len, &is_int))
    return FALSE;
  if (s[0] == '-')
    {
      neg = TRUE;
      i++;
    }
  for (; i < len && g_ascii_isdigit (s[i]); i++)
    digits[n_digits++] = s[i];
  if (i < len && s[i] == '.')
    for (i++; i < len && g_ascii_isdigit (s[i]); i++)
      {
        digits[n_digits++] = s[i];
        exp10--;
      }
  if (i < len && (s[i] == 'e' || s[i] == 'E'))
    {
      i++;
      if (s[i] == '+' || s[i] == '-')
        eneg = s[i++] == '-';
      for (; i < len; i++)
        {
          e = e * 10 + (s[i] - '0');
          if (e > 100000)
            e = 100000; /* saturate: far beyond any gint64 */
        }
    }
  exp10 += (eneg ? -e : e) + (glong) scale;

  /* value = digits * 10^exp10; keep the first n_digits + exp10 digits */
  keep = (glong) n_digits + exp10;
  for (k = 0; k < keep; k++)
    {
      /* Zero stays zero: "0e99999" must not cost 10^5 steps per number. */
      if (k >= (glong) n_digits && v == 0)
        break;
      guint d = k < (glong) n_digits ? (guint) (digits[k] - '0') : 0;
      if (v > (G_MAXUINT64 - d) / 10)
        return FALSE;
      v = v * 10 + d;
      if (v > (guint64) G_MAXINT64 + 1)
        return FALSE;
    }
  /* The range is that of the whole units (the digits kept); rounding the
   * dropped ones up never leaves it: at the bound it stays at the bound. */
  limit = neg ? (guint64) G_MAXINT64 + 1 : (guint64) G_MAXINT64;
  if (v > limit)
    return FALSE;
  if (keep >= 0 && keep < (glong) n_digits && digits[keep] >= '5' && v < limit)
    v++;
  *out = neg ? (gint64) (0 - v) : (gint64) v;
  return TRUE;
}

static gboolean
emit_number (IngestJsonLexer *lx, guint64 offset, GError **error)
{
  IngestJsonToken tok;
  gboolean is_int;

  lx->lex = LEX_NONE;
  lx->num[lx->num_len] = '\0';
  if (!ingest_json_number_is_valid (lx->num, lx->num_len, &is_int))
    return fail_at (lx, offset, error, INGEST_ERROR_SYNTAX, "invalid number");
  memset (&tok, 0, sizeof tok);
  tok.depth = lx->depth;
  tok.str = lx->num;
  tok.len = lx->num_len;
  if (is_int && ingest_json_number_to_int64 (lx->num, lx->num_len, &tok.v_int))
    {
      tok.type = INGEST_JSON_INT;
      tok.v_double = (double) tok.v_int;
    }
  else
    {
      tok.type = INGEST_JSON_DOUBLE;
      tok.v_double = g_ascii_strtod (lx->num, NULL);
      tok.overflow = is_int || isinf (tok.v_double);
    }
  if (!emit (lx, &tok, offset, error))
    return FALSE;
  value_done (lx);
  return TRUE;
}

static gboolean
emit_literal (IngestJsonLexer *lx, guint64 offset, GError **error)
{
  IngestJsonToken tok;

  lx->lex = LEX_NONE;
  memset (&tok, 0, sizeof tok);
  if (lx->num_len == 4 && memcmp (lx->num, "true", 4) == 0)
    tok.type = INGEST_JSON_TRUE;
  else if (lx->num_len == 5 && memcmp (lx->num, "false", 5) == 0)
    tok.type = INGEST_JSON_FALSE;
  else if (lx->num_len == 4 && memcmp (lx->num, "null", 4) == 0)
    tok.type = INGEST_JSON_NULL;
  else
    return fail_at (lx, offset - lx->num_len, error, INGEST_ERROR_SYNTAX, "invalid literal");
  tok.depth = lx->depth;
  tok.str = lx->num;
  tok.len = lx->num_len;
  if (!emit (lx, &tok, offset, error))
    return FALSE;
  value_done (lx);
  return TRUE;
}

static gboolean
open_container (IngestJsonLexer *lx, char kind, guint64 offset, GError **error)
{
  IngestJsonToken tok;

  if (lx->depth >= lx->max_depth)
    return fail_at (lx, offset, error, INGEST_ERROR_LIMIT, "nesting too deep");
  memset (&tok, 0, sizeof tok);
  tok.type = kind == 'o' ? INGEST_JSON_BEGIN_OBJECT : INGEST_JSON_BEGIN_ARRAY;
  tok.depth = lx->depth;
  mark_token_start (lx, offset);
  if (!emit (lx, &tok, offset, error))
    return FALSE;
  lx->stack[lx->depth++] = kind;
  lx->gstate = kind == 'o' ? G_OBJECT_FIRST : G_ARRAY_FIRST;
  return TRUE;
}

static gboolean
close_container (IngestJsonLexer *lx, char kind, guint64 offset, GError **error)
{
  IngestJsonToken tok;

  if (lx->depth == 0 || lx->stack[lx->depth - 1] != kind)
    return fail_at (lx, offset, error, INGEST_ERROR_SYNTAX,
                    kind == 'o' ? "unexpected '}'" : "unexpected ']'");
  lx->depth--;
  memset (&tok, 0, sizeof tok);
  tok.type = kind == 'o' ? INGEST_JSON_END_OBJECT : INGEST_JSON_END_ARRAY;
  tok.depth = lx->depth;
  mark_token_start (lx, offset);
  if (!emit (lx, &tok, offset, error))
    return FALSE;
  value_done (lx);
  return TRUE;
}

static inline int
hex_value (guint8 c)
{
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

static const char *
describe_unexpected (guint8 c)
{
  switch (c)
    {
    case '}': return "unexpected '}'";
    case ']': return "unexpected ']'";
    case ',': return "unexpected ','";
    case ':': return "unexpected ':'";
    case '"': return "unexpected string";
    case '\0': return "unexpected NUL byte";
    default:
      if (c == 'N' || c == 'I')
        return "unexpected character (NaN and Infinity are not JSON)";
      return "unexpected character";
    }
}

gboolean
ingest_json_lexer_feed (IngestJsonLexer *lx, const guint8 *data, gsize len, gsize *consumed,
                        GError **error)
{
  const guint8 *p = data, *end = data + len;
  const guint64 base = lx->offset;
  /* absolute offset of p */
#define OFF(ptr) (base + (guint64) ((ptr) - data))

  if (consumed)
    *consumed = 0;
  if (lx->failed)
    {
      g_set_error_literal (error, INGEST_ERROR, INGEST_ERROR_SYNTAX, "lexer already failed");
      return FALSE;
    }

  while (p < end)
    {
      switch (lx->lex)
        {
        case LEX_STRING:
          {
            const guint8 *q = p;
            while (q < end && *q != '"' && *q != '\\' && *q >= 0x20)
              q++;
            if (q > p)
              {
                buf_flush_surrogate (lx);
                buf_append (lx, (const char *) p, q - p);
              }
            p = q;
            if (p == end)
              break;
            if (*p == '"')
              {
                buf_flush_surrogate (lx);
                p++;
                lx->offset = OFF (p);
                if (!emit_string (lx, lx->buf, lx->buf_len, OFF (p), error))
                  goto failed;
              }
            else if (*p == '\\')
              {
                lx->lex = LEX_ESCAPE;
                p++;
              }
            else
              {
                lx->offset = OFF (p);
                fail_at (lx, OFF (p), error, INGEST_ERROR_SYNTAX,
                         *p == '\n' ? "unterminated string (newline in string)"
                                    : "raw control byte in string");
                goto failed;
              }
          }
          break;

        case LEX_ESCAPE:
          {
            char c;
            switch (*p)
              {
              case '"': c = '"'; break;
              case '\\': c = '\\'; break;
              case '/': c = '/'; break;
              case 'b': c = '\b'; break;
              case 'f': c = '\f'; break;
              case 'n': c = '\n'; break;
              case 'r': c = '\r'; break;
              case 't': c = '\t'; break;
              case 'u':
                lx->lex = LEX_UNICODE;
                lx->u_acc = 0;
                lx->u_digits = 0;
                p++;
                continue;
              default:
                fail_at (lx, OFF (p), error, INGEST_ERROR_SYNTAX, "invalid escape in string");
                goto failed;
              }
            buf_flush_surrogate (lx);
            buf_append (lx, &c, 1);
            lx->lex = LEX_STRING;
            p++;
          }
          break;

        case LEX_UNICODE:
          {
            int h = hex_value (*p);
            if (h < 0)
              {
                fail_at (lx, OFF (p), error, INGEST_ERROR_SYNTAX, "invalid \\u escape");
                goto failed;
              }
            lx->u_acc = (lx->u_acc << 4) | (guint32) h;
            p++;
            if (++lx->u_digits == 4)
              {
                buf_append_codepoint (lx, lx->u_acc);
                lx->lex = LEX_STRING;
              }
          }
          break;

        case LEX_NUMBER:
          {
            const guint8 *q = p;
            while (q < end && ((*q >= '0' && *q <= '9') || *q == '.' || *q == 'e' || *q == 'E'
                               || *q == '+' || *q == '-'))
              q++;
            if (lx->num_len + (gsize) (q - p) > INGEST_JSON_MAX_NUMBER)
              {
                fail_at (lx, OFF (p), error, INGEST_ERROR_LIMIT, "number too long");
                goto failed;
              }
            memcpy (lx->num + lx->num_len, p, q - p);
            lx->num_len += q - p;
            p = q;
            if (p < end)
              {
                lx->offset = OFF (p);
                if (!emit_number (lx, OFF (p), error))
                  goto failed;
              }
          }
          break;

        case LEX_LITERAL:
          {
            const guint8 *q = p;
            while (q < end && *q >= 'a' && *q <= 'z' && lx->num_len + (q - p) < 6)
              q++;
            memcpy (lx->num + lx->num_len, p, q - p);
            lx->num_len += q - p;
            p = q;
            if (p < end)
              {
                lx->offset = OFF (p);
                if (!emit_literal (lx, OFF (p), error))
                  goto failed;
              }
          }
          break;

        case LEX_NONE:
          {
            guint8 c = *p;

            if (c == ' ' || c == '\t' || c == '\r')
              {
                p++;
                continue;
              }
            if (c == '\n')
              {
                p++;
                lx->line++;
                lx->line_start = OFF (p);
                continue;
              }

            switch (lx->gstate)
              {
              case G_DONE:
                fail_at (lx, OFF (p), error, INGEST_ERROR_SYNTAX, "unexpected data after the document");
                goto failed;

              case G_COLON:
                if (c != ':')
                  {
                    fail_at (lx, OFF (p), error, INGEST_ERROR_SYNTAX, "expected ':'");
                    goto failed;
                  }
                lx->gstate = G_VALUE;
                p++;
                continue;

              case G_AFTER_VALUE:
                {
                  char top = lx->stack[lx->depth - 1];
                  if (c == ',')
                    {
                      lx->after_comma = TRUE;
                      lx->gstate = top == 'o' ? G_KEY : G_VALUE;
                      p++;
                      continue;
                    }
                  if ((c == '}' && top == 'o') || (c == ']' && top == 'a'))
                    {
                      lx->offset = OFF (p);
                      if (!close_container (lx, top, OFF (p), error))
                        goto failed;
                      p++;
                      continue;
                    }
                  fail_at (lx, OFF (p), error, INGEST_ERROR_SYNTAX,
                           top == 'o' ? "expected ',' or '}'" : "expected ',' or ']'");
                  goto failed;
                }

              case G_OBJECT_FIRST:
              case G_KEY:
                if (c == '}'
                    && (lx->gstate == G_OBJECT_FIRST
                        || (lx->after_comma && (lx->flags & INGEST_JSON_LEXER_TRAILING_COMMAS))))
                  {
                    lx->after_comma = FALSE;
                    lx->offset = OFF (p);
                    if (!close_container (lx, 'o', OFF (p), error))
                      goto failed;
                    p++;
                    continue;
                  }
                if (c != '"')
                  {
                    fail_at (lx, OFF (p), error, INGEST_ERROR_SYNTAX, "expected a string key");
                    goto failed;
                  }
                lx->after_comma = FALSE;
                lx->is_key = TRUE;
                goto start_string;

              case G_ARRAY_FIRST:
                if (c == ']')
                  {
                    lx->offset = OFF (p);
                    if (!close_container (lx, 'a', OFF (p), error))
                      goto failed;
                    p++;
                    continue;
                  }
                G_GNUC_FALLTHROUGH;
              case G_VALUE:
                if (c == ']' && lx->after_comma && (lx->flags & INGEST_JSON_LEXER_TRAILING_COMMAS))
                  {
                    lx->after_comma = FALSE;
                    lx->offset = OFF (p);
                    if (!close_container (lx, 'a', OFF (p), error))
                      goto failed;
                    p++;
                    continue;
                  }
                lx->after_comma = FALSE;
                lx->started = TRUE;
                if (c == '"')
                  {
                    lx->is_key = FALSE;
                    goto start_string;
                  }
                if (c == '{' || c == '[')
                  {
                    lx->offset = OFF (p);
                    if (!open_container (lx, c == '{' ? 'o' : 'a', OFF (p), error))
                      goto failed;
                    p++;
                    continue;
                  }
                if (c == '-' || (c >= '0' && c <= '9'))
                  {
                    mark_token_start (lx, OFF (p));
                    lx->lex = LEX_NUMBER;
                    lx->num_len = 0;
                    continue;
                  }
                if (c == 't' || c == 'f' || c == 'n')
                  {
                    mark_token_start (lx, OFF (p));
                    lx->lex = LEX_LITERAL;
                    lx->num_len = 0;
                    continue;
                  }
                fail_at (lx, OFF (p), error, INGEST_ERROR_SYNTAX, describe_unexpected (c));
                goto failed;
              }
            continue;

          start_string:
            {
              /* zero-copy fast path: whole string, no escapes, in this chunk */
              const guint8 *s = p + 1, *q = s;
              mark_token_start (lx, OFF (p));
              lx->truncated = FALSE;
              lx->buf_len = 0;
              lx->high_surrogate = 0;
              while (q < end && *q != '"' && *q != '\\' && *q >= 0x20)
                q++;
              if (q < end && *q == '"')
                {
                  gsize n = q - s;
                  if (n > lx->max_string)
                    {
                      n = lx->max_string;
                      lx->truncated = TRUE;
                    }
                  p = q + 1;
                  lx->lex = LEX_STRING;
                  lx->offset = OFF (p);
                  if (!emit_string (lx, (const char *) s, n, OFF (p), error))
                    goto failed;
                  continue;
                }
              lx->lex = LEX_STRING;
              p = s;
            }
          }
          break;
        }
    }

  /* position bookkeeping for the whole chunk (lines inside strings are
   * errors, so only whitespace newlines matter and were counted above) */
  lx->offset = OFF (end);
  if (consumed)
    *consumed = len;
  return TRUE;

failed:
  if (consumed)
    *consumed = p - data;
  lx->offset = OFF (p);
  return FALSE;
#undef OFF
}

gboolean
ingest_json_lexer_finish (IngestJsonLexer *lx, GError **error)
{
  if (lx->failed)
    {
      g_set_error_literal (error, INGEST_ERROR, INGEST_ERROR_SYNTAX, "lexer already failed");
      return FALSE;
    }
  if (lx->lex == LEX_NUMBER && lx->depth == 0)
    {
      if (!emit_number (lx, lx->offset, error))
        return FALSE;
    }
  else if (lx->lex == LEX_LITERAL && lx->depth == 0)
    {
      if (!emit_literal (lx, lx->offset, error))
        return FALSE;
    }
  if (lx->lex != LEX_NONE || lx->depth > 0 || lx->started)
    return fail_at (lx, lx->offset, error, INGEST_ERROR_SYNTAX,
                    lx->lex == LEX_STRING || lx->lex == LEX_ESCAPE || lx->lex == LEX_UNICODE
                      ? "truncated input (unterminated string)"
                      : "truncated input (unexpected end of document)");
  return TRUE;
}

/* ---- helpers ---- */

gboolean
ingest_json_unescape (const char *in, gsize in_len, char *out, gsize *out_len, gsize *err_off)
{
  gsize i = 0, o = 0;
  guint32 high = 0;

  while (i < in_len)
    {
#if G_BYTE_ORDER == G_LITTLE_ENDIAN
      if (high == 0)
        {
          /* Copy a run of plain bytes (not '\\', not control) a word at a
           * time: escaped strings are mostly plain text (payloads). */
          const guint64 ones = G_GUINT64_CONSTANT (0x0101010101010101);
          const guint64 highs = G_GUINT64_CONSTANT (0x8080808080808080);
          while (in_len - i >= 8)
            {
              guint64 w, bs, hit;
              memcpy (&w, in + i, 8);
              bs = w ^ (ones * '\\');
              /* lowest flagged byte is exact (borrows only flag higher ones) */
              hit = (((bs - ones) & ~bs) | ((w - ones * 0x20) & ~w)) & highs;
              if (hit != 0)
                {
                  /* the whole word: out has room (o <= i, i + 8 <= in_len)
                   * and the bytes past n are overwritten next */
                  gsize n = (gsize) __builtin_ctzll (hit) >> 3;
                  memcpy (out + o, &w, 8);
                  o += n;
                  i += n;
                  break;
                }
              memcpy (out + o, &w, 8);
              o += 8;
              i += 8;
            }
          if (i >= in_len)
            break;
        }
#endif
      guint8 c = (guint8) in[i];
      if (c != '\\')
        {
          if (c < 0x20)
            {
              *err_off = i;
              return FALSE;
            }
          if (high)
            {
              memcpy (out + o, "\xEF\xBF\xBD", 3);
              o += 3;
              high = 0;
            }
          out[o++] = (char) c;
          i++;
          continue;
        }
      if (i + 1 >= in_len)
        {
          *err_off = i;
          return FALSE;
        }
      c = (guint8) in[i + 1];
      if (c == 'u')
        {
          guint32 cp = 0;
          int k;
          if (i + 6 > in_len)
            {
              *err_off = i;
              return FALSE;
            }
          for (k = 0; k < 4; k++)
            {
              int h = hex_value ((guint8) in[i + 2 + k]);
              if (h < 0)
                {
                  *err_off = i + 2 + k;
                  return FALSE;
                }
              cp = (cp << 4) | (guint32) h;
            }
          i += 6;
          if (cp >= 0xDC00 && cp <= 0xDFFF)
            {
              if (high)
                {
                  cp = 0x10000 + ((high - 0xD800) << 10) + (cp - 0xDC00);
                  high = 0;
                }
              else
                cp = 0xFFFD;
            }
          else
            {
              if (high)
                {
                  memcpy (out + o, "\xEF\xBF\xBD", 3);
                  o += 3;
                  high = 0;
                }
              if (cp >= 0xD800 && cp <= 0xDBFF)
                {
                  high = cp;
                  continue;
                }
            }
          o += utf8_encode (cp, out + o);
          continue;
        }
      if (high)
        {
          memcpy (out + o, "\xEF\xBF\xBD", 3);
          o += 3;
          high = 0;
        }
      switch (c)
        {
        case '"': out[o++] = '"'; break;
        case '\\': out[o++] = '\\'; break;
        case '/': out[o++] = '/'; break;
        case 'b': out[o++] = '\b'; break;
        case 'f': out[o++] = '\f'; break;
        case 'n': out[o++] = '\n'; break;
        case 'r': out[o++] = '\r'; break;
        case 't': out[o++] = '\t'; break;
        default:
          *err_off = i + 1;
          return FALSE;
        }
      i += 2;
    }
  if (high)
    {
      /* a lone high surrogate (6 input bytes) becomes 3 output bytes */
      memcpy (out + o, "\xEF\xBF\xBD", 3);
      o += 3;
    }
  *out_len = o;
  return TRUE;
}

void
ingest_json_append_string (GString *out, const char *s, gsize len)
{
  static const char hex[] = "0123456789abcdef";
  gsize i, run = 0;

  g_string_append_c (out, '"');
  for (i = 0; i < len; i++)
    {
      guint8 c = (guint8) s[i];
      if (c >= 0x20 && c != '"' && c != '\\')
        continue;
      if (i > run)
        g_string_append_len (out, s + run, i - run);
      run = i + 1;
      switch (c)
        {
        case '"': g_string_append_len (out, "\\\"", 2); break;
        case '\\': g_string_append_len (out, "\\\\", 2); break;
        case '\n': g_string_append_len (out, "\\n", 2); break;
        case '\r': g_string_append_len (out, "\\r", 2); break;
        case '\t': g_string_append_len (out, "\\t", 2); break;
        default:
          {
            char esc[6] = { '\\', 'u', '0', '0', hex[c >> 4], hex[c & 15] };
            g_string_append_len (out, esc, 6);
          }
        }
    }
  if (len > run)
    g_string_append_len (out, s + run, len - run);
  g_string_append_c (out, '"');
}
