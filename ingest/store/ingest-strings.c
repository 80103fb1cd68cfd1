/* ingest-strings.c: chunked string arena, intern table, UTF-8 repair. */
#include "config.h"

#include <string.h>

#include "ingest-bytes-private.h"
#include "ingest-hash.h"
#include "ingest-strings.h"

#define MIN_CHUNK_SHIFT 16 /* 64 KiB: small enough to waste little at the tail */
#define INITIAL_SLOTS 1024

struct _IngestStrings {
  gsize max_len;
  guint chunk_shift;
  gsize chunk_size;
  GPtrArray *chunks;      /* char[chunk_size] each, never moved */
  gsize pos;              /* write offset in the last chunk */
  gboolean full;          /* 32-bit offset space exhausted */

  /* Open addressing, linear probing: (hash << 32) | atom; 0 = empty. Keeping
   * the hash in the slot rejects most mismatches without touching the arena. */
  guint64 *slots;
  gsize n_slots;
  gsize n_used;

  char *scratch;          /* max_len + 1 bytes, for repaired text */
};

static const char overflow_text[] = "(overflow)";

IngestStrings *
ingest_strings_new (gsize max_len)
{
  IngestStrings *self = g_new0 (IngestStrings, 1);

  g_return_val_if_fail (max_len >= 16 && max_len <= (1u << 20), NULL);

  self->max_len = max_len;
  self->chunk_shift = MIN_CHUNK_SHIFT;
  while (((gsize) 1 << self->chunk_shift) < 4 * (max_len + 1))
    self->chunk_shift++;
  self->chunk_size = (gsize) 1 << self->chunk_shift;
  self->chunks = g_ptr_array_new_with_free_func (g_free);
  g_ptr_array_add (self->chunks, g_malloc (self->chunk_size));

  /* Offset 0 is "" so atom 0 resolves to the empty string; the overflow
   * text follows at INGEST_STRINGS_OVERFLOW_ATOM. */
  char *c0 = self->chunks->pdata[0];
  c0[0] = '\0';
  memcpy (c0 + INGEST_STRINGS_OVERFLOW_ATOM, overflow_text, sizeof overflow_text);
  self->pos = INGEST_STRINGS_OVERFLOW_ATOM + sizeof overflow_text;

  self->n_slots = INITIAL_SLOTS;
  self->slots = g_new0 (guint64, self->n_slots);
  self->scratch = g_malloc (max_len + 1);
  return self;
}

void
ingest_strings_free (IngestStrings *self)
{
  if (self == NULL)
    return;
  g_ptr_array_unref (self->chunks);
  g_free (self->slots);
  g_free (self->scratch);
  g_free (self);
}

/* --- repair --------------------------------------------------------------- */

static const char replacement[] = "\xEF\xBF\xBD"; /* U+FFFD */
static const char ellipsis[] = "\xE2\x80\xA6";    /* U+2026 */

#define ONES G_GUINT64_CONSTANT (0x0101010101010101)
#define HIGHS G_GUINT64_CONSTANT (0x8080808080808080)

/* TRUE when every byte is in 1..127. */
static inline gboolean
is_plain_ascii (const char *p, gsize n)
{
  gsize i = 0;
  guint64 w;

  for (; i + 8 <= n; i += 8)
    {
      memcpy (&w, p + i, 8);
      if ((w & HIGHS) != 0 || ((w - ONES) & ~w & HIGHS) != 0)
        return FALSE;
    }
  if (i < n)
    {
      /* The tail: re-read the last 8 bytes when there are that many (no
       * variable-length copy on the hot path), else byte by byte. */
      if (n >= 8)
        {
          memcpy (&w, p + n - 8, 8);
          return (w & HIGHS) == 0 && ((w - ONES) & ~w & HIGHS) == 0;
        }
      for (; i < n; i++)
        if ((guchar) p[i] - 1u >= 127u)
          return FALSE;
    }
  return TRUE;
}

const char *
ingest_strings_normalize (IngestStrings *self, const char *ptr, gssize len,
                          gsize *out_len)
{
  gsize n;

  /* Never scan further than needed: a 1 MB name costs max_len bytes. */
  if (len < 0)
    n = strnlen (ptr, self->max_len + 1);
  else
    n = (gsize) len;

  /* Fast path: already valid and short. Most names, keys and labels are
   * plain ASCII, checked a word at a time; g_utf8_validate_len() (which also
   * rejects NUL) handles the rest. */
  if (n <= self->max_len && (is_plain_ascii (ptr, n) || g_utf8_validate_len (ptr, n, NULL)))
    {
      *out_len = n;
      return ptr;
    }

  char *out = self->scratch;
  gsize o = 0, i = 0;
  gboolean cut = FALSE;

  while (i < n)
    {
      gunichar c = g_utf8_get_char_validated (ptr + i, n - i);
      const char *bytes;
      gsize clen, adv;

      if (c == (gunichar) -1 || c == (gunichar) -2 || c == 0)
        {
          bytes = replacement;
          clen = 3;
          adv = 1;
        }
      else
        {
          bytes = ptr + i;
          clen = adv = (gsize) g_utf8_skip[(guchar) ptr[i]];
        }
      if (o + clen > self->max_len)
        {
          cut = TRUE;
          break;
        }
      memcpy (out + o, bytes, clen);
      o += clen;
      i += adv;
    }

  if (cut)
    {
      /* Back off whole characters until the ellipsis fits. */
      while (o + 3 > self->max_len && o > 0)
        {
          o--;
          while (o > 0 && ((guchar) out[o] & 0xC0) == 0x80)
            o--;
        }
      memcpy (out + o, ellipsis, 3);
      o += 3;
    }
  out[o] = '\0';
  *out_len = o;
  return out;
}

/* --- hashing -------------------------------------------------------------- */

/* Keyed (ingest-hash.h): names and message ids come from traces, and a
 * fixed function let a trace choose keys that all land in one probe run. */
guint32
ingest_strings_hash (const char *s, gsize len)
{
  guint64 h = ingest_hash_bytes (s, len);
  return (guint32) (h ^ (h >> 32));
}

/* --- arena ---------------------------------------------------------------- */

static inline const char *
atom_text (const IngestStrings *self, guint32 atom)
{
  gsize chunk = atom >> self->chunk_shift;
  return (const char *) self->chunks->pdata[chunk] + (atom & (self->chunk_size - 1));
}

const char *
ingest_strings_get (const IngestStrings *self, guint32 atom)
{
  if (self == NULL)
    return "";
  gsize chunk = atom >> self->chunk_shift;
  if (chunk >= self->chunks->len
      || (chunk == self->chunks->len - 1 && (atom & (self->chunk_size - 1)) >= self->pos))
    return "";
  return atom_text (self, atom);
}

gboolean
ingest_strings_equal (const IngestStrings *self, guint32 atom, const char *s, gsize len)
{
  const char *t = atom_text (self, atom);
  return memcmp (t, s, len) == 0 && t[len] == '\0';
}

static guint32
arena_store (IngestStrings *self, const char *s, gsize len)
{
  if (self->full)
    return INGEST_STRINGS_OVERFLOW_ATOM;
  if (self->pos + len + 1 > self->chunk_size)
    {
      /* Offsets are 31-bit: stop before the next chunk would pass 2 GiB.
       * The top bit is left to the message key arena's handles
       * (ingest-message-keys.h), so the store can tell the two apart. */
      if ((((guint64) self->chunks->len + 1) << self->chunk_shift) > G_MAXINT32)
        {
          self->full = TRUE;
          return INGEST_STRINGS_OVERFLOW_ATOM;
        }
      g_ptr_array_add (self->chunks, g_malloc (self->chunk_size));
      self->pos = 0;
    }
  gsize chunk = self->chunks->len - 1;
  char *dst = (char *) self->chunks->pdata[chunk] + self->pos;
  memcpy (dst, s, len);
  dst[len] = '\0';
  guint32 atom = (guint32) ((chunk << self->chunk_shift) + self->pos);
  self->pos += len + 1;
  return atom;
}

guint32
ingest_strings_add_normalized (IngestStrings *self, const char *s, gsize len)
{
  if (len == 0)
    return 0;
  return arena_store (self, s, len);
}

guint32
ingest_strings_add (IngestStrings *self, const char *ptr, gssize len)
{
  gsize n;

  if (ptr == NULL)
    return 0;
  const char *s = ingest_strings_normalize (self, ptr, len, &n);
  return ingest_strings_add_normalized (self, s, n);
}

/* --- intern table --------------------------------------------------------- */

static void
table_grow (IngestStrings *self)
{
  gsize n = self->n_slots * 2;
  guint64 *slots = g_new0 (guint64, n);

  for (gsize i = 0; i < self->n_slots; i++)
    {
      guint64 v = self->slots[i];
      if (v == 0)
        continue;
      gsize j = (gsize) (v >> 32) & (n - 1);
      while (slots[j] != 0)
        j = (j + 1) & (n - 1);
      slots[j] = v;
    }
  g_free (self->slots);
  self->slots = slots;
  self->n_slots = n;
}

static gsize
table_find (const IngestStrings *self, const char *s, gsize len, guint32 hash)
{
  gsize mask = self->n_slots - 1;
  gsize i = hash & mask;

  for (;;)
    {
      guint64 v = self->slots[i];
      if (v == 0)
        return i;
      if ((guint32) (v >> 32) == hash && ingest_strings_equal (self, (guint32) v, s, len))
        return i;
      i = (i + 1) & mask;
    }
}

guint32
ingest_strings_intern_normalized (IngestStrings *self, const char *s, gsize len,
                                  guint32 hash)
{
  if (len == 0)
    return 0;

  gsize i = table_find (self, s, len, hash);
  if (self->slots[i] != 0)
    return (guint32) self->slots[i];

  guint32 atom = arena_store (self, s, len);
  if (atom == INGEST_STRINGS_OVERFLOW_ATOM)
    return atom;
  self->slots[i] = ((guint64) hash << 32) | atom;
  self->n_used++;
  if (self->n_used * 10 > self->n_slots * 7)
    table_grow (self);
  return atom;
}

guint32
ingest_strings_intern (IngestStrings *self, const char *ptr, gssize len)
{
  gsize n;

  if (ptr == NULL)
    return 0;
  /* Look the raw bytes up first: stored strings are normalized, so raw
   * bytes equal to one were valid all along and need no repair pass. This
   * is the hot path (names repeat). */
  gsize raw = len < 0 ? strnlen (ptr, self->max_len + 1) : (gsize) len;
  if (raw == 0)
    return 0;
  if (raw <= self->max_len)
    {
      gsize i = table_find (self, ptr, raw, ingest_strings_hash (ptr, raw));
      if (self->slots[i] != 0)
        return (guint32) self->slots[i];
    }
  const char *s = ingest_strings_normalize (self, ptr, (gssize) raw, &n);
  return ingest_strings_intern_normalized (self, s, n, ingest_strings_hash (s, n));
}

guint32
ingest_strings_lookup (const IngestStrings *self, const char *s, gsize len)
{
  if (len == 0)
    return 0;
  gsize i = table_find (self, s, len, ingest_strings_hash (s, len));
  return (guint32) self->slots[i];
}

gsize
ingest_strings_memory_bytes (const IngestStrings *self)
{
  if (self == NULL)
    return 0;
  return sizeof *self
         + self->chunks->len * (self->chunk_size + sizeof (gpointer))
         + self->n_slots * sizeof (guint64)
         + self->max_len + 1;
}
