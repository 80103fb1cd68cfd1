/* ingest-message-flags.c: per-message flags of a sliding window, bounded by
 * what the window can reach (see the header). */
#include "config.h"

#include <string.h>

#include "ingest-message-flags.h"

/* The dense array drops its prefix only when at least this many ids (and a
 * quarter of it) can go: the memmove then costs O(1) per id. */
#define MIN_TRIM 4096

typedef struct {
  gint64 time_ns;            /* the window had consumed events up to here */
  IngestMessageId id_end;    /* ... and touched ids below this */
} FlagsMark;

void
ingest_message_flags_init (IngestMessageFlags *f)
{
  f->base = f->end = 0;
  f->dense = g_byte_array_new ();
  f->below = g_hash_table_new_full (g_direct_hash, g_direct_equal, NULL, g_free);
  f->marks = g_array_new (FALSE, FALSE, sizeof (FlagsMark));
}

void
ingest_message_flags_clear (IngestMessageFlags *f)
{
  g_clear_pointer (&f->dense, g_byte_array_unref);
  g_clear_pointer (&f->below, g_hash_table_unref);
  g_clear_pointer (&f->marks, g_array_unref);
}

void
ingest_message_flags_reset (IngestMessageFlags *f)
{
  f->base = f->end = 0;
  g_byte_array_set_size (f->dense, 0);
  g_hash_table_remove_all (f->below);
  g_array_set_size (f->marks, 0);
}

guint8 *
ingest_message_flags_at (IngestMessageFlags *f, IngestMessageId id)
{
  /* The first id touched sets the base: a window fills from its start, so
   * older ids are the few messages crossing it. */
  if (f->dense->len == 0 && g_hash_table_size (f->below) == 0)
    f->base = id;
  if (id < f->base)
    {
      guint8 *b = g_hash_table_lookup (f->below, GUINT_TO_POINTER (id));
      if (b == NULL)
        {
          b = g_new0 (guint8, 1);
          g_hash_table_insert (f->below, GUINT_TO_POINTER (id), b);
        }
      return b;
    }
  guint i = id - f->base;
  f->end = MAX (f->end, id + 1);
  if (i >= f->dense->len)
    {
      guint old = f->dense->len;
      guint n = MAX (i + 1, old + old / 2 + 1024);
      g_byte_array_set_size (f->dense, n);
      memset (f->dense->data + old, 0, n - old);
    }
  return &f->dense->data[i];
}

guint8
ingest_message_flags_get (const IngestMessageFlags *f, IngestMessageId id)
{
  if (id < f->base)
    {
      const guint8 *b = g_hash_table_lookup (f->below, GUINT_TO_POINTER (id));
      return b != NULL ? *b : 0;
    }
  return id - f->base < f->dense->len ? f->dense->data[id - f->base] : 0;
}

void
ingest_message_flags_mark (IngestMessageFlags *f, gint64 time_ns)
{
  IngestMessageId end = f->end;
  FlagsMark *last = f->marks->len > 0 ? &g_array_index (f->marks, FlagsMark, f->marks->len - 1) : NULL;

  /* Nothing new touched: the earlier mark says as much, sooner. */
  if (last != NULL && last->id_end >= end)
    return;
  FlagsMark m = { time_ns, end };
  g_array_append_val (f->marks, m);
}

void
ingest_message_flags_trim (IngestMessageFlags *f, gint64 from_ns, IngestMessageFlagsNeededFunc needed_func,
                           gpointer user_data)
{
  IngestMessageId cut = f->base;
  guint n_marks = 0;

  for (; n_marks < f->marks->len; n_marks++)
    {
      const FlagsMark *m = &g_array_index (f->marks, FlagsMark, n_marks);
      if (m->time_ns >= from_ns)
        break;
      cut = MAX (cut, m->id_end);
    }
  cut = MIN (cut, f->base + f->dense->len);
  if (cut - f->base < MAX (MIN_TRIM, (f->end - f->base) / 4))
    return;
  g_array_remove_range (f->marks, 0, n_marks);

  /* Sweep the small table first, then move what is still needed of the
   * prefix into it (each id is judged once there, then once per trim). */
  GHashTableIter it;
  gpointer k, v;
  g_hash_table_iter_init (&it, f->below);
  while (g_hash_table_iter_next (&it, &k, &v))
    if (*(guint8 *) v == 0 || !needed_func (GPOINTER_TO_UINT (k), *(guint8 *) v, user_data))
      g_hash_table_iter_remove (&it);
  for (guint i = 0; i < cut - f->base; i++)
    {
      guint8 fl = f->dense->data[i];
      if (fl != 0 && needed_func (f->base + i, fl, user_data))
        {
          guint8 *b = g_new (guint8, 1);
          *b = fl;
          g_hash_table_insert (f->below, GUINT_TO_POINTER (f->base + i), b);
        }
    }
  g_byte_array_remove_range (f->dense, 0, cut - f->base);
  f->base = cut;
}

gsize
ingest_message_flags_size (const IngestMessageFlags *f)
{
  /* a table entry: hash node (key, value, hash) and the boxed byte */
  return f->dense->len + g_hash_table_size (f->below) * 32 + f->marks->len * sizeof (FlagsMark);
}
