/* ingest-format-native.c: actorscope native NDJSON (data/formats/native-ndjson.md).
 *
 * The hot path of bulk ingest. Lines are cut with memchr and parsed in place
 * by a dedicated single-pass scanner: keys are matched by length and bytes,
 * strings without escapes are borrowed straight from the input, only escaped
 * strings are decoded into a per-line scratch buffer. No DOM, no allocation
 * per line. Unknown keys are skipped (forward compatibility) by a validating
 * skipper with a bounded nesting depth.
 */
#include "config.h"

#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "ingest-json-lexer.h"
#include "ingest-parser-private.h"

#define NATIVE_VERSION 1

typedef struct {
  const char *p;
  gsize len;
  gboolean set;
} NStr;

/* Event kind "actor" (a declaration) is one past the model's kinds. */
#define EV_ACTOR INGEST_EVENT_N_KINDS

/* Record counts a header line may carry ("skipped", "lost",
 * "lost_before_attach", "duplicate"). */
#define N_HEADER_COUNTS 4

typedef struct {
  gboolean has_ts, has_t, has_version, has_size, has_status;
  gint64 ts;
  gint64 t_ns;
  gint64 version;
  gint64 size;
  int ev;                 /* IngestEventKind, EV_ACTOR, or -1 */
  IngestExitStatus status;
  gboolean until_ack;     /* "removed_on":"ack" */
  gboolean span;          /* "span":true */
  gint64 counts[N_HEADER_COUNTS]; /* header: K_SKIPPED.. (0 when absent) */
  NStr actor, kind, parent, from, to, id, label, payload, reply_to, in_reply_to, reason, text,
    peer_kind;
} NativeFields;

typedef struct {
  IngestParserCtx *ctx;
  GByteArray *line;          /* a partial line carried between feeds */
  gboolean overlong;         /* discarding the rest of an over-long line */
  guint64 line_no;           /* number of the line being assembled/parsed */
  char *scratch;             /* decoded strings of the current line */
  gsize scratch_len, scratch_alloc;
  char *stack;               /* nesting stack for skipping unknown values */
  gboolean version_refused;
  gboolean at_end;           /* parsing the last line, which had no '\n' */
} NativeParser;

typedef struct {
  gsize off;                 /* byte offset in the line */
  IngestErrorCode code;
  const char *message;
} ScanError;

/* ---- scanner ---- */

static inline const char *
skip_ws (const char *p, const char *end)
{
  /* Compact NDJSON has no blanks: one test settles the common case. */
  if (G_LIKELY (p < end && (guint8) *p > ' '))
    return p;
  while (p < end && (*p == ' ' || *p == '\t' || *p == '\r'))
    p++;
  return p;
}

#define BYTES_1 G_GUINT64_CONSTANT (0x0101010101010101)
#define BYTES_80 G_GUINT64_CONSTANT (0x8080808080808080)

/* Advances q over string bytes that need no attention (not '"', '\\' nor a
 * control byte), eight at a time: strings are most of a line's bytes. */
static inline const char *
skip_plain_string_bytes (const char *q, const char *end)
{
#ifdef __SSE2__
  /* Sixteen at a time where the line has them (every x86-64 has SSE2). */
  {
    const __m128i quote = _mm_set1_epi8 ('"'), bslash = _mm_set1_epi8 ('\\');
    const __m128i ctrl_max = _mm_set1_epi8 (0x1F);
    while (end - q >= 16)
      {
        __m128i x = _mm_loadu_si128 ((const __m128i *) (const void *) q);
        __m128i hit = _mm_or_si128 (_mm_or_si128 (_mm_cmpeq_epi8 (x, quote), _mm_cmpeq_epi8 (x, bslash)),
                                    /* x <= 0x1F unsigned: max (x, 0x1F) == 0x1F */
                                    _mm_cmpeq_epi8 (_mm_max_epu8 (x, ctrl_max), ctrl_max));
        int mask = _mm_movemask_epi8 (hit);
        if (mask != 0)
          return q + __builtin_ctz ((unsigned) mask);
        q += 16;
      }
  }
#endif
#if G_BYTE_ORDER == G_LITTLE_ENDIAN
  while (end - q >= 8)
    {
      guint64 w, quote, bslash, hit;
      memcpy (&w, q, 8);
      quote = w ^ (BYTES_1 * '"');
      bslash = w ^ (BYTES_1 * '\\');
      /* a byte is flagged when it is zero (quote, bslash) or < 0x20 (ctrl);
       * borrows only flag bytes above a real hit, so the lowest flag is exact */
      hit = ((quote - BYTES_1) & ~quote) | ((bslash - BYTES_1) & ~bslash)
            | ((w - BYTES_1 * 0x20) & ~w);
      hit &= BYTES_80;
      if (hit != 0)
        return q + (__builtin_ctzll (hit) >> 3);
      q += 8;
    }
#endif
  while (q < end && *q != '"' && *q != '\\' && (guint8) *q >= 0x20)
    q++;
  return q;
}

static inline gboolean
scan_err (ScanError *e, const char *line, const char *at, IngestErrorCode code, const char *msg)
{
  e->off = at - line;
  e->code = code;
  e->message = msg;
  return FALSE;
}

/* p at the opening quote. Sets *out (borrowed from the line or the scratch
 * buffer) and returns the position after the closing quote, or NULL. */
static const char *
scan_string (NativeParser *np, const char *line, const char *p, const char *end, NStr *out,
             ScanError *e)
{
  const char *s = p + 1, *q = s;
  gboolean escaped = FALSE;

  for (;;)
    {
      q = skip_plain_string_bytes (q, end);
      if (q >= end)
        {
          scan_err (e, line, p, INGEST_ERROR_SYNTAX, "unterminated string");
          return NULL;
        }
      if (*q == '"')
        break;
      if (*q == '\\')
        {
          escaped = TRUE;
          q += 2;
          if (q > end)
            {
              scan_err (e, line, p, INGEST_ERROR_SYNTAX, "unterminated string");
              return NULL;
            }
          continue;
        }
      scan_err (e, line, q, INGEST_ERROR_SYNTAX,
                *q == '\0' ? "raw NUL byte in string" : "raw control byte in string");
      return NULL;
    }
  if (!escaped)
    {
      out->p = s;
      out->len = q - s;
    }
  else
    {
      gsize n = q - s, out_len, err_off;
      char *dst;
      /* decoding never grows a string and the strings of a line do not
       * overlap, so a scratch sized to the line (see scan_line) always has
       * room, and earlier pointers into it stay valid */
      g_assert (np->scratch_len + n <= np->scratch_alloc);
      dst = np->scratch + np->scratch_len;
      if (!ingest_json_unescape (s, n, dst, &out_len, &err_off))
        {
          scan_err (e, line, s + err_off, INGEST_ERROR_SYNTAX, "invalid escape in string");
          return NULL;
        }
      np->scratch_len += out_len;
      out->p = dst;
      out->len = out_len;
    }
  out->set = TRUE;
  return q + 1;
}

/* scan_string() for the common case, inlined: a string without escapes is
 * borrowed in place; anything else goes the full way. */
static inline const char *
scan_string_fast (NativeParser *np, const char *line, const char *p, const char *end, NStr *out,
                  ScanError *e)
{
  const char *q = skip_plain_string_bytes (p + 1, end);
  if (G_LIKELY (q < end && *q == '"'))
    {
      out->p = p + 1;
      out->len = q - (p + 1);
      out->set = TRUE;
      return q + 1;
    }
  return scan_string (np, line, p, end, out, e);
}

/* An object member's key and the ':' after it, p at the key's opening
 * quote: sets *key (as scan_string) and returns the position after the ':',
 * or NULL. Always inlined: the scanner reads one key per field, and a call
 * here costs 5% of the whole load. */
G_ALWAYS_INLINE static inline const char *
scan_key (NativeParser *np, const char *line, const char *p, const char *end, NStr *key,
          ScanError *e)
{
  if (G_UNLIKELY (p >= end || *p != '"'))
    {
      scan_err (e, line, p, INGEST_ERROR_SYNTAX, "expected a string key");
      return NULL;
    }
  if (G_UNLIKELY (!(p = scan_string_fast (np, line, p, end, key, e))))
    return NULL;
  p = skip_ws (p, end);
  if (G_UNLIKELY (p >= end || *p != ':'))
    {
      scan_err (e, line, p, INGEST_ERROR_SYNTAX, "expected ':'");
      return NULL;
    }
  return p + 1;
}

static const char *
scan_number_span (const char *p, const char *end)
{
  while (p < end && ((*p >= '0' && *p <= '9') || *p == '-' || *p == '+' || *p == '.' || *p == 'e'
                     || *p == 'E'))
    p++;
  return p;
}

#if G_BYTE_ORDER == G_LITTLE_ENDIAN
/* TRUE when all eight bytes of w are ASCII digits. */
static inline gboolean
eight_digits (guint64 w)
{
  return (((w & G_GUINT64_CONSTANT (0xF0F0F0F0F0F0F0F0))
           | (((w + G_GUINT64_CONSTANT (0x0606060606060606)) & G_GUINT64_CONSTANT (0xF0F0F0F0F0F0F0F0)) >> 4))
          == G_GUINT64_CONSTANT (0x3333333333333333));
}

/* The value of eight ASCII digits, first digit in the lowest byte. */
static inline guint32
parse_eight_digits (guint64 w)
{
  const guint64 mask = G_GUINT64_CONSTANT (0x000000FF000000FF);
  const guint64 mul1 = 100 + (G_GUINT64_CONSTANT (1000000) << 32);
  const guint64 mul2 = 1 + (G_GUINT64_CONSTANT (10000) << 32);
  w -= G_GUINT64_CONSTANT (0x3030303030303030);
  w = (w * 10) + (w >> 8);
  return (guint32) ((((w & mask) * mul1) + (((w >> 16) & mask) * mul2)) >> 32);
}
#endif

/* The fast path for numbers: a JSON integer -?(0|[1-9][0-9]*) of at most 19
 * digits that fits a gint64 and is not followed by more number characters.
 * Returns the end of the number and sets *out, or NULL: anything else (a
 * fraction, an exponent, a leading zero, an overflow, an error) takes the
 * general path, which validates and reports it. */
static inline const char *
scan_plain_int (const char *p, const char *end, gint64 *out)
{
  const char *q = p;
  gboolean neg = FALSE;
  guint64 v;

  if (*q == '-')
    {
      neg = TRUE;
      q++;
    }
  if (q >= end || (guint) (*q - '0') > 9u)
    return NULL;
  const char *digits = q;
  v = (guint) (*q++ - '0');
  if (v != 0)
    {
#if G_BYTE_ORDER == G_LITTLE_ENDIAN
      /* Eight digits at a time (timestamps have 19). */
      while (end - q >= 8 && q - digits <= 11)
        {
          guint64 w;
          memcpy (&w, q, 8);
          if (!eight_digits (w))
            break;
          v = v * 100000000 + parse_eight_digits (w);
          q += 8;
        }
#endif
      while (q < end && (guint) (*q - '0') <= 9u)
        {
          if (q - digits >= 19)
            return NULL;
          v = v * 10 + (guint) (*q++ - '0'); /* 19 digits < 2^64: no wrap */
        }
    }
  if (q < end && (*q == '.' || *q == 'e' || *q == 'E' || *q == '+' || *q == '-'
                  || (guint) (*q - '0') <= 9u))
    return NULL;
  if (v > (guint64) G_MAXINT64 + neg)
    return NULL;
  *out = neg ? (gint64) (0 - v) : (gint64) v;
  return q;
}

/* Skips any JSON value (validating it) starting at p. */
static const char *
skip_value (NativeParser *np, const char *line, const char *p, const char *end, ScanError *e)
{
  guint depth = 0;
  gboolean expect_value = TRUE;

  for (;;)
    {
      p = skip_ws (p, end);
      if (p >= end)
        {
          scan_err (e, line, p, INGEST_ERROR_SYNTAX, "truncated value");
          return NULL;
        }
      if (expect_value)
        {
          if (*p == '{' || *p == '[')
            {
              if (depth >= np->ctx->max_depth)
                {
                  scan_err (e, line, p, INGEST_ERROR_LIMIT, "nesting too deep");
                  return NULL;
                }
              np->stack[depth++] = *p;
              p = skip_ws (p + 1, end);
              if (p < end && (*p == '}' || *p == ']'))
                {
                  if ((*p == '}') != (np->stack[depth - 1] == '{'))
                    {
                      scan_err (e, line, p, INGEST_ERROR_SYNTAX, "mismatched bracket");
                      return NULL;
                    }
                  depth--;
                  p++;
                  expect_value = FALSE;
                  if (depth == 0)
                    return p;
                  continue;
                }
              if (np->stack[depth - 1] == '{')
                {
                  NStr key;
                  if (!(p = scan_key (np, line, p, end, &key, e)))
                    return NULL;
                }
              continue;
            }
          if (*p == '"')
            {
              NStr tmp;
              if (!(p = scan_string (np, line, p, end, &tmp, e)))
                return NULL;
            }
          else if (*p == '-' || (*p >= '0' && *p <= '9'))
            {
              const char *q = scan_number_span (p, end);
              if (!ingest_json_number_is_valid (p, q - p, NULL))
                {
                  scan_err (e, line, p, INGEST_ERROR_SYNTAX, "invalid number");
                  return NULL;
                }
              p = q;
            }
          else if (end - p >= 4 && memcmp (p, "true", 4) == 0)
            p += 4;
          else if (end - p >= 5 && memcmp (p, "false", 5) == 0)
            p += 5;
          else if (end - p >= 4 && memcmp (p, "null", 4) == 0)
            p += 4;
          else
            {
              scan_err (e, line, p, INGEST_ERROR_SYNTAX,
                        *p == 'N' || *p == 'I' ? "NaN and Infinity are not JSON"
                                               : "unexpected character");
              return NULL;
            }
          expect_value = FALSE;
          if (depth == 0)
            return p;
          continue;
        }
      /* after a value inside a container */
      if (*p == ',')
        {
          p = skip_ws (p + 1, end);
          if (np->stack[depth - 1] == '{')
            {
              NStr key;
              if (!(p = scan_key (np, line, p, end, &key, e)))
                return NULL;
            }
          expect_value = TRUE;
          continue;
        }
      if ((*p == '}' && np->stack[depth - 1] == '{') || (*p == ']' && np->stack[depth - 1] == '['))
        {
          depth--;
          p++;
          if (depth == 0)
            return p;
          continue;
        }
      scan_err (e, line, p, INGEST_ERROR_SYNTAX, "expected ',' or the end of the container");
      return NULL;
    }
}

typedef enum {
  K_UNKNOWN, K_TS, K_T, K_EV, K_ACTOR, K_KIND, K_PARENT, K_FROM, K_TO, K_ID, K_LABEL, K_SIZE,
  K_PAYLOAD, K_REPLY_TO, K_IN_REPLY_TO, K_REMOVED_ON, K_STATUS, K_REASON, K_TEXT, K_PEER_KIND, K_VERSION,
  K_SPAN,
  /* header members: record counts of the trace this file was converted
   * from (IngestStoreCounters), in this order */
  K_SKIPPED, K_LOST, K_LOST_BEFORE_ATTACH, K_DUPLICATE,
} NativeKey;

static NativeKey
match_key (const char *k, gsize n)
{
#define IS(lit) (n == sizeof (lit) - 1 && memcmp (k, lit, sizeof (lit) - 1) == 0)
  switch (n)
    {
    case 1: return k[0] == 't' ? K_T : K_UNKNOWN;
    case 2:
      if (IS ("ts")) return K_TS;
      if (IS ("ev")) return K_EV;
      if (IS ("id")) return K_ID;
      if (IS ("to")) return K_TO;
      return K_UNKNOWN;
    case 4:
      if (IS ("kind")) return K_KIND;
      if (IS ("from")) return K_FROM;
      if (IS ("size")) return K_SIZE;
      if (IS ("text")) return K_TEXT;
      if (IS ("span")) return K_SPAN;
      if (IS ("lost")) return K_LOST;
      return K_UNKNOWN;
    case 5:
      if (IS ("actor")) return K_ACTOR;
      if (IS ("label")) return K_LABEL;
      return K_UNKNOWN;
    case 6:
      if (IS ("parent")) return K_PARENT;
      if (IS ("status")) return K_STATUS;
      if (IS ("reason")) return K_REASON;
      return K_UNKNOWN;
    case 7:
      if (IS ("payload")) return K_PAYLOAD;
      if (IS ("skipped")) return K_SKIPPED;
      return K_UNKNOWN;
    case 8: return IS ("reply_to") ? K_REPLY_TO : K_UNKNOWN;
    case 9:
      if (IS ("peer_kind")) return K_PEER_KIND;
      if (IS ("duplicate")) return K_DUPLICATE;
      return K_UNKNOWN;
    case 10:
      if (IS ("actorscope")) return K_VERSION;
      if (IS ("removed_on")) return K_REMOVED_ON;
      return K_UNKNOWN;
    case 11: return IS ("in_reply_to") ? K_IN_REPLY_TO : K_UNKNOWN;
    case 18: return IS ("lost_before_attach") ? K_LOST_BEFORE_ATTACH : K_UNKNOWN;
    default: return K_UNKNOWN;
    }
#undef IS
}

static int
match_ev (const char *s, gsize n)
{
#define IS(lit) (n == sizeof (lit) - 1 && memcmp (s, lit, sizeof (lit) - 1) == 0)
  if (IS ("send")) return INGEST_EVENT_SEND;
  if (IS ("recv") || IS ("receive")) return INGEST_EVENT_RECEIVE;
  if (IS ("done")) return INGEST_EVENT_DONE;
  if (IS ("ack")) return INGEST_EVENT_ACK;
  if (IS ("spawn")) return INGEST_EVENT_SPAWN;
  if (IS ("exit")) return INGEST_EVENT_EXIT;
  if (IS ("drop")) return INGEST_EVENT_DROP;
  if (IS ("mark")) return INGEST_EVENT_MARK;
  if (IS ("actor")) return EV_ACTOR;
  return -1;
#undef IS
}

/* Scans one line (without its '\n') into f. */
static gboolean
scan_line (NativeParser *np, const char *line, gsize len, NativeFields *f, ScanError *e)
{
  const char *p = line, *end = line + len;

  memset (f, 0, sizeof *f);
  f->ev = -1;
  np->scratch_len = 0;
  if (len > np->scratch_alloc)
    {
      np->scratch_alloc = MAX (len, 256);
      np->scratch = g_realloc (np->scratch, np->scratch_alloc);
    }

  p = skip_ws (p, end);
  if (p >= end || *p != '{')
    return scan_err (e, line, p, INGEST_ERROR_SYNTAX,
                     p < end && *p == '\0' ? "NUL byte where a record should start"
                                           : "expected '{' (one JSON object per line)");
  p = skip_ws (p + 1, end);
  if (p < end && *p == '}')
    p++;
  else
    for (;;)
      {
        NStr key;
        NativeKey k;
        const char *vstart;

        if (!(p = scan_key (np, line, p, end, &key, e)))
          return FALSE;
        p = skip_ws (p, end);
        if (p >= end)
          return scan_err (e, line, p, INGEST_ERROR_SYNTAX, "truncated record");
        vstart = p;
        k = match_key (key.p, key.len);

        if (G_LIKELY (k != K_UNKNOWN && *p == '"'))
          goto string_value; /* the common case first; same checks as below */
        if (k == K_SPAN && (*p == 't' || *p == 'f'))
          {
            /* the one boolean member: a recv that begins a span */
            if (end - p >= 4 && memcmp (p, "true", 4) == 0)
              f->span = TRUE, p += 4;
            else if (end - p >= 5 && memcmp (p, "false", 5) == 0)
              f->span = FALSE, p += 5;
            else
              return scan_err (e, line, p, INGEST_ERROR_SYNTAX, "unexpected character");
          }
        else if (k == K_UNKNOWN || k == K_SPAN || *p == '{' || *p == '[' || *p == 't' || *p == 'f')
          {
            if (k != K_UNKNOWN)
              return scan_err (e, line, vstart, INGEST_ERROR_SCHEMA, "wrong type for a known field");
            if (!(p = skip_value (np, line, p, end, e)))
              return FALSE;
          }
        else if (*p == 'n')
          {
            /* null: the field is absent (easy for emitters with optional values) */
            if (end - p < 4 || memcmp (p, "null", 4) != 0)
              return scan_err (e, line, p, INGEST_ERROR_SYNTAX, "unexpected character");
            p += 4;
          }
        else if (*p == '"')
          {
            NStr v;
          string_value:
            if (!(p = scan_string_fast (np, line, p, end, &v, e)))
              return FALSE;
            switch (k)
              {
              case K_EV:
                f->ev = match_ev (v.p, v.len);
                if (f->ev < 0)
                  return scan_err (e, line, vstart, INGEST_ERROR_SCHEMA, "unknown \"ev\" value");
                break;
              case K_ACTOR: f->actor = v; break;
              case K_KIND: f->kind = v; break;
              case K_PEER_KIND: f->peer_kind = v; break;
              case K_PARENT: f->parent = v; break;
              case K_FROM: f->from = v; break;
              case K_TO: f->to = v; break;
              case K_ID: f->id = v; break;
              case K_LABEL: f->label = v; break;
              case K_PAYLOAD: f->payload = v; break;
              case K_REPLY_TO: f->reply_to = v; break;
              case K_IN_REPLY_TO: f->in_reply_to = v; break;
              case K_REASON: f->reason = v; break;
              case K_TEXT: f->text = v; break;
              case K_REMOVED_ON:
                if (v.len == 3 && memcmp (v.p, "ack", 3) == 0)
                  f->until_ack = TRUE;
                else if (v.len == 4 && memcmp (v.p, "recv", 4) == 0)
                  f->until_ack = FALSE;
                else
                  return scan_err (e, line, vstart, INGEST_ERROR_SCHEMA,
                                   "\"removed_on\" must be \"recv\" or \"ack\"");
                break;
              case K_STATUS:
                f->has_status = TRUE;
                if (v.len == 6 && memcmp (v.p, "normal", 6) == 0)
                  f->status = INGEST_EXIT_NORMAL;
                else if (v.len == 5 && memcmp (v.p, "crash", 5) == 0)
                  f->status = INGEST_EXIT_CRASH;
                else
                  return scan_err (e, line, vstart, INGEST_ERROR_SCHEMA,
                                   "\"status\" must be \"normal\" or \"crash\"");
                break;
              case K_SPAN:
                return scan_err (e, line, vstart, INGEST_ERROR_SCHEMA,
                                 "\"span\" must be true or false");
              default:
                return scan_err (e, line, vstart, INGEST_ERROR_SCHEMA,
                                 "this field must be a number");
              }
          }
        else if (*p == '-' || (*p >= '0' && *p <= '9'))
          {
            gint64 iv;
            const char *q = scan_plain_int (p, end, &iv);
            gsize n;
            gboolean is_int;

            if (q != NULL)
              {
                /* Plain integer, already converted (nearly every number). */
                n = q - p;
                switch (k)
                  {
                  case K_TS: f->ts = iv; f->has_ts = TRUE; p = q; goto next_field;
                  case K_SIZE:
                    if (iv < 0)
                      return scan_err (e, line, p, INGEST_ERROR_SCHEMA,
                                       "\"size\" must be a non-negative integer");
                    f->size = iv; f->has_size = TRUE; p = q; goto next_field;
                  case K_VERSION: f->version = iv; f->has_version = TRUE; p = q; goto next_field;
                  case K_ID: f->id = (NStr){ p, n, TRUE }; p = q; goto next_field;
                  case K_IN_REPLY_TO: f->in_reply_to = (NStr){ p, n, TRUE }; p = q; goto next_field;
                  default: break; /* "t" and the errors: the general path below */
                  }
              }
            q = scan_number_span (p, end);
            n = q - p;
            if (!ingest_json_number_is_valid (p, n, &is_int))
              return scan_err (e, line, p, INGEST_ERROR_SYNTAX, "invalid number");
            switch (k)
              {
              case K_TS:
                if (!is_int)
                  return scan_err (e, line, p, INGEST_ERROR_SCHEMA,
                                   "\"ts\" must be an integer (nanoseconds); use \"t\" for seconds");
                if (!ingest_json_number_to_int64 (p, n, &f->ts))
                  return scan_err (e, line, p, INGEST_ERROR_LIMIT, "\"ts\" out of 64-bit range");
                f->has_ts = TRUE;
                break;
              case K_T:
                if (!ingest_json_number_to_scaled (p, n, 9, &f->t_ns))
                  return scan_err (e, line, p, INGEST_ERROR_LIMIT, "\"t\" out of range");
                f->has_t = TRUE;
                break;
              case K_SIZE:
                if (!is_int || !ingest_json_number_to_int64 (p, n, &f->size) || f->size < 0)
                  return scan_err (e, line, p, INGEST_ERROR_SCHEMA,
                                   "\"size\" must be a non-negative integer");
                f->has_size = TRUE;
                break;
              case K_VERSION:
                if (!is_int || !ingest_json_number_to_int64 (p, n, &f->version))
                  return scan_err (e, line, p, INGEST_ERROR_SCHEMA,
                                   "\"actorscope\" must be an integer version");
                f->has_version = TRUE;
                break;
              case K_SKIPPED:
              case K_LOST:
              case K_LOST_BEFORE_ATTACH:
              case K_DUPLICATE:
                if (!is_int || !ingest_json_number_to_int64 (p, n, &f->counts[k - K_SKIPPED])
                    || f->counts[k - K_SKIPPED] < 0)
                  return scan_err (e, line, p, INGEST_ERROR_SCHEMA,
                                   "a record count must be a non-negative integer");
                break;
              case K_ID:
              case K_IN_REPLY_TO:
                /* integer message ids name the same message as their text */
                if (k == K_ID)
                  f->id = (NStr){ p, n, TRUE };
                else
                  f->in_reply_to = (NStr){ p, n, TRUE };
                break;
              case K_SPAN:
                return scan_err (e, line, p, INGEST_ERROR_SCHEMA, "\"span\" must be true or false");
              default:
                return scan_err (e, line, p, INGEST_ERROR_SCHEMA, "this field must be a string");
              }
            p = q;
          }
        else
          return scan_err (e, line, p, INGEST_ERROR_SYNTAX,
                           *p == 'N' || *p == 'I' ? "NaN and Infinity are not JSON"
                                                  : "unexpected character");

      next_field:
        p = skip_ws (p, end);
        if (p < end && *p == ',')
          {
            p = skip_ws (p + 1, end);
            continue;
          }
        if (p < end && *p == '}')
          {
            p++;
            break;
          }
        return scan_err (e, line, p, INGEST_ERROR_SYNTAX, "expected ',' or '}'");
      }
  p = skip_ws (p, end);
  if (p < end)
    return scan_err (e, line, p, INGEST_ERROR_SYNTAX, "unexpected data after the record");
  return TRUE;
}

/* ---- records to the store ---- */

static inline IngestStr
to_str (NStr s)
{
  return s.set ? (IngestStr){ s.p, (gssize) s.len } : INGEST_STR_NONE;
}

static gboolean
parse_kind (NStr s, IngestActorKind *out)
{
  return ingest_actor_kind_from_string (s.p, s.len, out);
}

static gboolean
process_line (NativeParser *np, const char *line, gsize len, GError **error)
{
  IngestParserCtx *ctx = np->ctx;
  NativeFields f;
  ScanError e;
  IngestEventInput in;
  NStr subject, peer;

  /* A UTF-8 byte order mark before the first line (editors on Windows
   * write one) is skipped; columns still count it. */
  gsize bom = 0;
  if (np->line_no == 1 && len >= 3 && memcmp (line, "\xEF\xBB\xBF", 3) == 0)
    bom = 3;
  line += bom;
  len -= bom;

  /* blank lines are fine (and so is a trailing '\r') */
  {
    const char *p = skip_ws (line, line + len);
    if (p == line + len)
      return TRUE;
  }
  if (!scan_line (np, line, len, &f, &e))
    /* A bad last line without its '\n' is most likely a write cut short
     * (a recording whose writer was killed): say so. */
    return ingest_parser_ctx_reject (ctx, error, e.code, np->line_no, bom + e.off + 1, "%s%s",
                                     e.message, np->at_end ? " (truncated last line: the input "
                                     "ends without a newline)" : "");

  if (f.has_version)
    {
      if (f.version < 1 || f.version > NATIVE_VERSION)
        return ingest_parser_ctx_fatal (ctx, error, INGEST_ERROR_FORMAT, np->line_no, 1,
                                        "native format version %" G_GINT64_FORMAT
                                        " is not supported (this reader knows version %d)",
                                        f.version, NATIVE_VERSION);
      if (f.ev < 0)
        {
          /* a header line; the record counts of the original trace
           * (written by convert) add to this reading's */
          IngestStoreCounters *c = ingest_store_counters (ctx->store);
          c->skipped_records += (guint64) f.counts[0];
          c->lost_events += (guint64) f.counts[1];
          c->lost_before_attach += (guint64) f.counts[2];
          c->duplicate_events += (guint64) f.counts[3];
          return TRUE;
        }
    }
  if (f.ev < 0)
    return ingest_parser_ctx_reject (ctx, error, INGEST_ERROR_SCHEMA, np->line_no, 1,
                                     "missing \"ev\"");

  if (f.ev == EV_ACTOR)
    {
      IngestActorKind kind = INGEST_ACTOR_ACTOR;
      if (!f.actor.set || f.actor.len == 0)
        return ingest_parser_ctx_reject (ctx, error, INGEST_ERROR_SCHEMA, np->line_no, 1,
                                         "\"actor\" declaration without a name");
      if (f.kind.set && !parse_kind (f.kind, &kind))
        return ingest_parser_ctx_reject (ctx, error, INGEST_ERROR_SCHEMA, np->line_no, 1,
                                         "unknown actor \"kind\"");
      ingest_store_ensure_actor (ctx->store, to_str (f.actor), kind, to_str (f.parent));
      ingest_parser_ctx_accept (ctx);
      return TRUE;
    }

  memset (&in, 0, sizeof in);
  in.kind = (IngestEventKind) f.ev;
  if (f.has_ts)
    in.time_ns = f.ts;
  else if (f.has_t)
    in.time_ns = f.t_ns;
  else
    return ingest_parser_ctx_reject (ctx, error, INGEST_ERROR_SCHEMA, np->line_no, 1,
                                     "missing time (\"ts\" in ns or \"t\" in seconds)");

  subject = f.actor;
  peer = (NStr){ NULL, 0, FALSE };
  switch (in.kind)
    {
    case INGEST_EVENT_SEND:
      if (!subject.set)
        subject = f.from;
      peer = f.to;
      if (!peer.set)
        return ingest_parser_ctx_reject (ctx, error, INGEST_ERROR_SCHEMA, np->line_no, 1,
                                         "\"send\" without \"to\"");
      break;
    case INGEST_EVENT_RECEIVE:
      if (!subject.set)
        subject = f.to;
      peer = f.from;
      break;
    case INGEST_EVENT_SPAWN:
      peer = f.parent;
      break;
    default:
      break;
    }
  if (in.kind != INGEST_EVENT_MARK && (!subject.set || subject.len == 0))
    return ingest_parser_ctx_reject (ctx, error, INGEST_ERROR_SCHEMA, np->line_no, 1,
                                     "missing \"actor\"");
  if ((in.kind == INGEST_EVENT_SEND || in.kind == INGEST_EVENT_RECEIVE || in.kind == INGEST_EVENT_DONE
       || in.kind == INGEST_EVENT_ACK || in.kind == INGEST_EVENT_DROP)
      && (!f.id.set || f.id.len == 0))
    return ingest_parser_ctx_reject (ctx, error, INGEST_ERROR_SCHEMA, np->line_no, 1,
                                     "\"%s\" without a message \"id\"",
                                     ingest_event_kind_to_string (in.kind));

  in.actor = to_str (subject);
  if (f.kind.set)
    {
      if (!parse_kind (f.kind, &in.actor_kind))
        return ingest_parser_ctx_reject (ctx, error, INGEST_ERROR_SCHEMA, np->line_no, 1,
                                         "unknown actor \"kind\"");
      in.actor_kind_set = TRUE;
    }
  in.peer = to_str (peer);
  if (f.peer_kind.set)
    {
      if (!parse_kind (f.peer_kind, &in.peer_kind))
        return ingest_parser_ctx_reject (ctx, error, INGEST_ERROR_SCHEMA, np->line_no, 1,
                                         "unknown \"peer_kind\"");
      in.peer_kind_set = TRUE;
    }
  in.message_key = to_str (f.id);
  in.label = to_str (f.label);
  in.payload = to_str (f.payload);
  in.reply_to = to_str (f.reply_to);
  in.in_reply_to = to_str (f.in_reply_to);
  in.text = to_str (f.text.set ? f.text : f.reason);
  in.size = f.has_size ? (guint32) MIN (f.size, (gint64) G_MAXUINT32) : 0;
  in.exit_status = f.has_status ? f.status : INGEST_EXIT_NORMAL;
  in.until_ack = f.until_ack;
  in.span = f.span && in.kind == INGEST_EVENT_RECEIVE;
  ingest_store_append (ctx->store, &in);
  ingest_parser_ctx_accept (ctx);
  return TRUE;
}

/* ---- line splitting ---- */

static gpointer
native_create (IngestParserCtx *ctx)
{
  NativeParser *np = g_new0 (NativeParser, 1);
  np->ctx = ctx;
  np->line = g_byte_array_new ();
  np->line_no = 1;
  np->stack = g_malloc (ctx->max_depth + 1);
  return np;
}

static void
native_destroy (gpointer self)
{
  NativeParser *np = self;
  g_byte_array_unref (np->line);
  g_free (np->scratch);
  g_free (np->stack);
  g_free (np);
}

static gboolean
overlong (NativeParser *np, GError **error)
{
  np->overlong = TRUE;
  g_byte_array_set_size (np->line, 0);
  return ingest_parser_ctx_reject (np->ctx, error, INGEST_ERROR_LIMIT, np->line_no,
                                   np->ctx->max_line + 1, "line longer than %" G_GSIZE_FORMAT " bytes",
                                   np->ctx->max_line);
}

static gboolean
native_feed (gpointer self, const guint8 *data, gsize len, GError **error)
{
  NativeParser *np = self;
  const guint8 *p = data, *end = data + len;
  gsize max = np->ctx->max_line;

  while (p < end)
    {
      const guint8 *nl = memchr (p, '\n', end - p);

      if (nl == NULL)
        {
          /* partial line: keep it for the next feed (bounded) */
          if (!np->overlong)
            {
              if (np->line->len + (gsize) (end - p) > max)
                {
                  if (!overlong (np, error))
                    return FALSE;
                }
              else
                g_byte_array_append (np->line, p, end - p);
            }
          return TRUE;
        }

      if (np->overlong)
        np->overlong = FALSE; /* the over-long line ends here; already reported */
      else if (np->line->len > 0)
        {
          if (np->line->len + (gsize) (nl - p) > max)
            {
              if (!overlong (np, error))
                return FALSE;
              np->overlong = FALSE;
            }
          else
            {
              g_byte_array_append (np->line, p, nl - p);
              if (!process_line (np, (const char *) np->line->data, np->line->len, error))
                return FALSE;
            }
          g_byte_array_set_size (np->line, 0);
        }
      else if ((gsize) (nl - p) > max)
        {
          if (!overlong (np, error))
            return FALSE;
          np->overlong = FALSE;
        }
      else if (!process_line (np, (const char *) p, nl - p, error))
        return FALSE;
      np->line_no++;
      p = nl + 1;
    }
  return TRUE;
}

static gboolean
native_finish (gpointer self, GError **error)
{
  NativeParser *np = self;

  if (!np->overlong && np->line->len > 0)
    {
      /* a last line without '\n' is accepted: many emitters forget it */
      np->at_end = TRUE;
      if (!process_line (np, (const char *) np->line->data, np->line->len, error))
        return FALSE;
      g_byte_array_set_size (np->line, 0);
    }
  return TRUE;
}

const IngestFormatImpl ingest_format_native_impl = {
  native_create, native_feed, native_finish, native_destroy,
};
