/* ingest-time-index.c: the store's events in time order once they stopped
 * arriving in it (see ingest-time-index.h). */
#include "config.h"

#include <string.h>

#include "ingest-time-index.h"
#include "ingest-offset-array.h"

#define CHUNK_SHIFT INGEST_TIME_INDEX_CHUNK_SHIFT
#define CHUNK_LEN ((gsize) 1 << CHUNK_SHIFT)
#define CHUNK_MASK (CHUNK_LEN - 1)
/* Chunks kept in RAM at the index's end: late events are merged there. */
#define KEEP_CHUNKS 4
/* Most new events sorted and merged at once (4 MiB of scratch). */
#define EXTEND_BATCH ((gsize) 1 << 18)

/* A chunk whose positions are all still their own seqs (events that came
 * in time order): no memory until a late event lands among them. */
static gint64 identity_chunk[1];
#define IDENTITY ((gpointer) identity_chunk)

struct _IngestTimeIndex {
  /* Per chunk (gpointer): IDENTITY, deltas in RAM (g_malloc'd, seq -
   * position), or NULL: in the page file. It starts at `discarded`: the
   * chunks retention dropped take no memory here either. */
  IngestOffsetArray chunks;
  gsize len;                  /* positions covered */
  gsize discarded;            /* chunks [0, discarded) hold only retained seqs */
  IngestSeq retained;         /* positions [0, retained) hold the seqs below it */
  gsize next_evict;           /* chunks before it are not in RAM (with a pager) */
  IngestStorePager *pager;    /* borrowed, may be NULL */
  gboolean pager_failed;      /* the page file refused a write: all stays */
  gsize in_ram;               /* chunks with deltas in RAM */
  IngestTimeIndexTimeFunc time_of;
  gconstpointer data;
};

static inline gint64
seq_time (const IngestTimeIndex *self, IngestSeq seq)
{
  return self->time_of (self->data, seq);
}

/* (time, seq) order of two seqs: a strict total order. */
static inline int
cmp_seqs (const IngestTimeIndex *self, IngestSeq a, IngestSeq b)
{
  gint64 ta = seq_time (self, a), tb = seq_time (self, b);
  if (ta != tb)
    return ta < tb ? -1 : 1;
  return a < b ? -1 : a > b;
}

static inline gpointer *
slot (const IngestTimeIndex *self, gsize c)
{
  return ingest_offset_array_at (&self->chunks, c);
}

static inline gsize
n_slots (const IngestTimeIndex *self)
{
  return ingest_offset_array_end (&self->chunks);
}

static gint64 *
chunk_alloc (IngestTimeIndex *self)
{
  self->in_ram++;
  return g_new0 (gint64, CHUNK_LEN);
}

IngestTimeIndex *
ingest_time_index_new (gsize sorted_prefix, IngestTimeIndexTimeFunc time_of, gconstpointer data)
{
  IngestTimeIndex *self;

  g_return_val_if_fail (time_of != NULL, NULL);
  self = g_new0 (IngestTimeIndex, 1);
  ingest_offset_array_init (&self->chunks, sizeof (gpointer));
  self->time_of = time_of;
  self->data = data;
  /* The whole chunks of the sorted prefix are implicit; the part of a
   * chunk left over is stored (deltas 0). */
  for (gsize c = 0; c < (sorted_prefix >> CHUNK_SHIFT); c++)
    *(gpointer *) ingest_offset_array_append (&self->chunks) = IDENTITY;
  if ((sorted_prefix & CHUNK_MASK) != 0)
    *(gpointer *) ingest_offset_array_append (&self->chunks) = chunk_alloc (self);
  self->len = sorted_prefix;
  return self;
}

void
ingest_time_index_free (IngestTimeIndex *self)
{
  if (self == NULL)
    return;
  for (gsize c = self->discarded; c < n_slots (self); c++)
    if (*slot (self, c) != IDENTITY)
      g_free (*slot (self, c));
  ingest_offset_array_clear (&self->chunks);
  g_free (self);
}

void
ingest_time_index_set_pager (IngestTimeIndex *self, IngestStorePager *pager)
{
  g_return_if_fail (self != NULL);
  self->pager = pager;
}

gsize
ingest_time_index_len (const IngestTimeIndex *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->len;
}

/* Chunk c's deltas for reading, NULL when implicit (identity). */
static const gint64 *
chunk_read (IngestTimeIndex *self, gsize c)
{
  gpointer p = *slot (self, c);
  if (p == IDENTITY)
    return NULL;
  if (p == NULL)
    return ingest_store_pager_get (self->pager, c, FALSE);
  return p;
}

/* Chunk c's deltas for writing (an implicit chunk is made real). */
static gint64 *
chunk_write (IngestTimeIndex *self, gsize c)
{
  while (n_slots (self) <= c)
    *(gpointer *) ingest_offset_array_append (&self->chunks) = chunk_alloc (self);
  gpointer p = *slot (self, c);
  if (p == IDENTITY)
    p = *slot (self, c) = chunk_alloc (self);
  else if (p == NULL)
    p = ingest_store_pager_get (self->pager, c, TRUE);
  return p;
}

IngestSeq
ingest_time_index_seq (IngestTimeIndex *self, gsize pos)
{
  gsize c = pos >> CHUNK_SHIFT;

  if (c < self->discarded)
    return (IngestSeq) pos; /* a seq retained away, as every one there */
  const gint64 *d = chunk_read (self, c);
  return d == NULL ? (IngestSeq) pos : (IngestSeq) ((gint64) pos + d[pos & CHUNK_MASK]);
}

static void
set_seq (IngestTimeIndex *self, gsize pos, IngestSeq seq)
{
  gsize c = pos >> CHUNK_SHIFT;
  gpointer p = c < n_slots (self) ? *slot (self, c) : NULL;

  /* An implicit chunk stays implicit while it is written its own seqs. */
  if (p == IDENTITY && seq == (IngestSeq) pos)
    return;
  chunk_write (self, c)[pos & CHUNK_MASK] = (gint64) seq - (gint64) pos;
}

/* Moves the chunks in RAM before the last KEEP_CHUNKS to the page file,
 * from chunk `from` on (chunks a merge or retention wrote again come back
 * through the pager, so only chunks made real in RAM are found here). */
static void
evict_from (IngestTimeIndex *self, gsize from)
{
  gsize n_chunks = (self->len + CHUNK_MASK) >> CHUNK_SHIFT;

  if (self->pager == NULL || self->pager_failed || n_chunks <= KEEP_CHUNKS)
    return;
  gsize limit = n_chunks - KEEP_CHUNKS;
  for (gsize c = MAX (from, self->discarded); c < limit; c++)
    {
      gpointer p = *slot (self, c);
      if (p == NULL || p == IDENTITY)
        continue;
      if (!ingest_store_pager_put (self->pager, c, p, NULL))
        {
          self->pager_failed = TRUE; /* kept in RAM and counted: nothing lost */
          return;
        }
      g_free (p);
      *slot (self, c) = NULL;
      self->in_ram--;
    }
  self->next_evict = MAX (self->next_evict, limit);
}

/* The first position in [retained, end) whose seq sorts after seq. */
static gsize
lower_bound_seq (IngestTimeIndex *self, gsize end, IngestSeq seq)
{
  gsize lo = MIN ((gsize) self->retained, end), hi = end;
  if (end == 0 || cmp_seqs (self, ingest_time_index_seq (self, end - 1), seq) < 0)
    return end;
  while (lo < hi)
    {
      gsize mid = lo + (hi - lo) / 2;
      if (cmp_seqs (self, ingest_time_index_seq (self, mid), seq) < 0)
        lo = mid + 1;
      else
        hi = mid;
    }
  return lo;
}

static int
cmp_tail (gconstpointer a, gconstpointer b, gpointer data)
{
  return cmp_seqs (data, *(const IngestSeq *) a, *(const IngestSeq *) b);
}

/* Adds events [len, n), at most EXTEND_BATCH of them. */
static gboolean
extend_batch (IngestTimeIndex *self, gsize n)
{
  gsize tail_n = n - self->len;
  g_autofree IngestSeq *tail = g_new (IngestSeq, tail_n);
  for (gsize i = 0; i < tail_n; i++)
    tail[i] = (IngestSeq) (self->len + i);
  g_qsort_with_data (tail, (gint) tail_n, sizeof (IngestSeq), cmp_tail, self);

  /* Only the positions after the first old event that sorts after the new
   * ones move: merging the whole index instead made every query after a
   * late event O(events held) (bench-store-order). */
  gsize lo = lower_bound_seq (self, self->len, tail[0]);
  gsize old_len = self->len;
  gboolean moved = lo < old_len;

  /* Merged in place from lo: an old entry about to be overwritten waits
   * in a FIFO, which never holds more than the new entries written so
   * far plus one, nor more than the old entries that move. */
  gsize fifo_n = MIN (tail_n, old_len - lo) + 1;
  g_autofree IngestSeq *fifo = g_new (IngestSeq, fifo_n);
  gsize head = 0, count = 0, j = 0;
  gsize first_chunk = lo >> CHUNK_SHIFT;
  for (gsize p = lo; p < n; p++)
    {
      if (p < old_len)
        {
          fifo[(head + count) % fifo_n] = ingest_time_index_seq (self, p);
          count++;
        }
      IngestSeq out;
      if (count > 0 && (j == tail_n || cmp_seqs (self, fifo[head], tail[j]) < 0))
        {
          out = fifo[head];
          head = (head + 1) % fifo_n;
          count--;
        }
      else
        out = tail[j++];
      set_seq (self, p, out);
      /* A long pass (a very late event) leaves RAM as it goes. */
      if ((p & CHUNK_MASK) == CHUNK_MASK && self->in_ram > 2 * KEEP_CHUNKS)
        evict_from (self, first_chunk);
    }
  self->len = n;
  evict_from (self, MIN (self->next_evict, first_chunk));
  return moved;
}

gboolean
ingest_time_index_extend (IngestTimeIndex *self, gsize n)
{
  gboolean moved = FALSE;

  g_return_val_if_fail (self != NULL && n >= self->len, FALSE);
  /* In batches: the first query after a restore of a long history would
   * otherwise sort all of it at once (16 bytes of scratch per event). */
  while (self->len < n)
    moved |= extend_batch (self, MIN (n, self->len + EXTEND_BATCH));
  return moved;
}

gsize
ingest_time_index_lower_bound (IngestTimeIndex *self, gsize lo, gint64 t_ns)
{
  g_return_val_if_fail (self != NULL, 0);
  gsize hi = self->len;
  lo = MAX (lo, (gsize) self->retained);
  while (lo < hi)
    {
      gsize mid = lo + (hi - lo) / 2;
      if (seq_time (self, ingest_time_index_seq (self, mid)) < t_ns)
        lo = mid + 1;
      else
        hi = mid;
    }
  return lo;
}

guint64
ingest_time_index_retain (IngestTimeIndex *self, IngestSeq first)
{
  guint64 freed = 0;

  g_return_val_if_fail (self != NULL, 0);
  if (first <= self->retained)
    return 0;
  first = MIN (first, (IngestSeq) self->len);

  /* The seqs in [retained, first) sit at positions from `retained` on
   * (those before hold the ones retained earlier): find how far. */
  gsize want = (gsize) (first - self->retained), found = 0, end = (gsize) self->retained;
  while (found < want && end < self->len)
    found += ingest_time_index_seq (self, end++) < first;
  /* Backwards, the kept ones move right past the retained ones, keeping
   * their order (a kept entry only ever moves right, onto a position
   * already read). */
  gsize w = end;
  for (gsize p = end; p-- > (gsize) self->retained;)
    {
      IngestSeq s = ingest_time_index_seq (self, p);
      if (s >= first)
        set_seq (self, --w, s);
    }
  for (gsize p = (gsize) self->retained; p < w; p++)
    set_seq (self, p, (IngestSeq) p); /* any seq below first: nobody reads them */
  self->retained = first;

  /* Chunks wholly before the history start go. */
  gsize upto = (gsize) (first >> CHUNK_SHIFT);
  for (gsize c = self->discarded; c < upto && c < n_slots (self); c++)
    {
      gpointer p = *slot (self, c);
      if (p == NULL && self->pager != NULL)
        freed += ingest_store_pager_discard (self->pager, c);
      else if (p != NULL && p != IDENTITY)
        {
          g_free (p);
          self->in_ram--;
        }
    }
  self->discarded = MAX (self->discarded, MIN (upto, n_slots (self)));
  ingest_offset_array_drop_before (&self->chunks, self->discarded);
  evict_from (self, self->discarded);
  return freed;
}

gsize
ingest_time_index_memory_bytes (const IngestTimeIndex *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->in_ram * INGEST_TIME_INDEX_PAGE_BYTES + ingest_offset_array_memory_bytes (&self->chunks)
         + sizeof *self;
}
