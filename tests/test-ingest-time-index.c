/* test-ingest-time-index.c: the store's time index (ingest-time-index.c)
 * against a plain sort of (time, seq) after every batch: producers whose
 * clocks differ, very late and very early events, a sorted prefix a late
 * event lands in, retention, and a page file taking all but the newest
 * chunks (RAM stays flat while the index grows). */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <valgrind/valgrind.h>

#include "ingest-time-index.h"
#include "test-util.h"

typedef struct {
  GArray *times;   /* gint64 per seq */
  IngestSeq first; /* seqs below are retained away: they sort first */
} Events;

static gint64
events_time (gconstpointer data, IngestSeq seq)
{
  const Events *e = data;
  if (seq < e->first)
    return INGEST_TIME_MIN;
  return g_array_index (e->times, gint64, seq);
}

static int
cmp_ref (gconstpointer a, gconstpointer b, gpointer data)
{
  IngestSeq x = *(const IngestSeq *) a, y = *(const IngestSeq *) b;
  gint64 tx = events_time (data, x), ty = events_time (data, y);
  if (tx != ty)
    return tx < ty ? -1 : 1;
  return x < y ? -1 : x > y;
}

/* Positions [first, n) hold the held seqs sorted by (time, seq), and
 * lower_bound agrees with the sorted list. */
static void
assert_index (IngestTimeIndex *index, Events *e, GRand *rand)
{
  gsize n = e->times->len;
  gsize held = n - (gsize) e->first;
  g_autofree IngestSeq *want = g_new (IngestSeq, MAX (held, 1));

  assert_int_equal (ingest_time_index_len (index), n);
  for (gsize i = 0; i < held; i++)
    want[i] = e->first + i;
  g_qsort_with_data (want, (gint) held, sizeof (IngestSeq), cmp_ref, e);
  for (gsize i = 0; i < held; i++)
    if (ingest_time_index_seq (index, (gsize) e->first + i) != want[i])
      fail_msg ("position %zu: seq %" G_GUINT64_FORMAT ", want %" G_GUINT64_FORMAT, (gsize) e->first + i,
                ingest_time_index_seq (index, (gsize) e->first + i), want[i]);
  for (guint k = 0; k < 20 && held > 0; k++)
    {
      gint64 t = events_time (e, want[g_rand_int_range (rand, 0, (gint32) held)]) + g_rand_int_range (rand, -2, 3);
      gsize pos = ingest_time_index_lower_bound (index, 0, t);
      gsize i = 0;
      while (i < held && events_time (e, want[i]) < t)
        i++;
      assert_int_equal (pos, (gsize) e->first + i);
    }
}

static void
append (Events *e, gint64 t)
{
  g_array_append_val (e->times, t);
}

/* Two producers `skew` apart, now and then a very late or a very early
 * event; batches of random size between queries; retention every few
 * batches when `retain`; with a pager when `dir`. Returns the largest RAM
 * the index held in the second half of the run. Under valgrind a quarter
 * of the events. */
static gsize
run (guint32 seed, gsize n_events, gint64 skew, gboolean retain, const char *dir)
{
  Events e = { g_array_new (FALSE, FALSE, sizeof (gint64)), 0 };
  GRand *rand = g_rand_new_with_seed (seed);
  g_autoptr(GError) error = NULL;
  g_autoptr(IngestStorePager) pager = NULL;
  IngestTimeIndex *index = NULL;
  gsize sorted_prefix = 3000 + g_rand_int_range (rand, 0, 2048);
  gsize peak = 0;
  guint batch = 0;

  if (RUNNING_ON_VALGRIND)
    n_events /= 4;

  /* A sorted prefix, as before the store's first late event. */
  for (gsize i = 0; i < sorted_prefix; i++)
    append (&e, (gint64) i * 10);
  index = ingest_time_index_new (sorted_prefix, events_time, &e);
  if (dir != NULL)
    {
      pager = ingest_store_pager_new (dir, INGEST_TIME_INDEX_PAGE_BYTES, &error);
      g_assert_no_error (error);
      ingest_time_index_set_pager (index, pager);
    }
  /* The first late event lands inside the prefix. */
  append (&e, (gint64) (sorted_prefix / 2) * 10 + 5);
  ingest_time_index_extend (index, e.times->len);
  assert_index (index, &e, rand);

  while (e.times->len < n_events)
    {
      guint k = g_rand_int_range (rand, 1, 400);
      for (guint i = 0; i < k; i++)
        {
          gsize s = e.times->len;
          gint64 t = (gint64) s * 10 - (s % 2 ? skew : 0) + g_rand_int_range (rand, 0, 3);
          guint r = g_rand_int_range (rand, 0, 4000);
          if (r == 0)
            t = g_rand_int_range (rand, 0, (gint32) MIN (s * 10, (gsize) G_MAXINT32)); /* very late */
          else if (r == 1)
            t += 1000000; /* from a clock far ahead */
          append (&e, t);
        }
      ingest_time_index_extend (index, e.times->len);
      batch++;
      if (retain && batch % 7 == 0 && e.times->len > 20000)
        {
          gint64 first = (gint64) e.times->len - 20000 - g_rand_int_range (rand, 0, 5000);
          if (first > (gint64) e.first)
            {
              e.first = (IngestSeq) first;
              ingest_time_index_retain (index, e.first);
            }
        }
      if (batch % 50 == 0 && (e.times->len < 100000 || batch % 400 == 0))
        assert_index (index, &e, rand);
      if (e.times->len > n_events / 2)
        peak = MAX (peak, ingest_time_index_memory_bytes (index));
    }
  assert_index (index, &e, rand);
  ingest_time_index_free (index);
  g_array_unref (e.times);
  g_rand_free (rand);
  return peak;
}

static void
test_skewed_in_ram (void **state)
{
  run (1, 60000, 3000, FALSE, NULL);
  run (2, 60000, 300000, FALSE, NULL); /* skew across many chunks */
}

static void
test_retention (void **state)
{
  run (3, 120000, 3000, TRUE, NULL);
}

/* With a page file the index's RAM stays a few chunks and its table,
 * however long it grows: the same at 4x the events, within a pointer per
 * chunk added. */
static void
test_paged_flat (void **state)
{
  g_autofree char *dir = test_tmpdir_new ("time-index-XXXXXX");
  gsize small = run (4, 200000, 3000, FALSE, dir);
  gsize big = run (5, 800000, 3000, FALSE, dir);

  assert_true (small > 0);
  assert_true (small <= 16 * INGEST_TIME_INDEX_PAGE_BYTES);
  assert_true (big <= small + (800000 >> INGEST_TIME_INDEX_CHUNK_SHIFT) * sizeof (gpointer));
  /* chunks in the page file, then retained away: not even their
   * pointers stay */
  assert_true (run (6, 300000, 3000, TRUE, dir) <= small);
  run (7, 150000, 300000, FALSE, dir);
  test_tmpdir_clear (&dir);
}

/* One extend of far more events than the index sorts at once (the first
 * query after a restore): merged batch by batch, the same order. */
static void
test_large_extend (void **state)
{
  Events e = { g_array_new (FALSE, FALSE, sizeof (gint64)), 0 };
  GRand *rand = g_rand_new_with_seed (8);
  gsize n = RUNNING_ON_VALGRIND ? 600000 : 1500000;
  IngestTimeIndex *index;

  for (gsize i = 0; i < 1000; i++)
    append (&e, (gint64) i * 10);
  index = ingest_time_index_new (1000, events_time, &e);
  while (e.times->len < n)
    {
      gsize s = e.times->len;
      append (&e, (gint64) s * 10 - (s % 2 ? 3000 : 0) - (g_rand_int_range (rand, 0, 1000) == 0 ? 5000000 : 0));
    }
  assert_true (ingest_time_index_extend (index, e.times->len));
  assert_index (index, &e, rand);
  ingest_time_index_free (index);
  g_array_unref (e.times);
  g_rand_free (rand);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_skewed_in_ram),
    cmocka_unit_test (test_retention),
    cmocka_unit_test (test_paged_flat),
    cmocka_unit_test (test_large_extend),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
