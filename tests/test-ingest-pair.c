/* test-ingest-pair.c: actor-pair keys hash apart, and a table of a grid of
 * pairs costs about what a table of as many random keys costs. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "ingest-pair.h"

#define GRID 256 /* GRID x GRID pairs of small ids, the shape of real edges */

static guint
pair_hash (guint32 a, guint32 b)
{
  IngestPairKey k = ingest_pair_key (a, b);
  return ingest_pair_key_hash (&k);
}

static void
test_key_parts (void **state)
{
  IngestPairKey k = ingest_pair_key (7, G_MAXUINT32);
  assert_int_equal (ingest_pair_key_first (k), 7);
  assert_int_equal (ingest_pair_key_second (k), G_MAXUINT32);
  assert_true (ingest_pair_key (1, 2) != ingest_pair_key (2, 1));

  g_autofree IngestPairKey *copy = ingest_pair_key_dup (k);
  assert_true (ingest_pair_key_equal (copy, &k));
  IngestPairKey other = ingest_pair_key (G_MAXUINT32, 7);
  assert_false (ingest_pair_key_equal (copy, &other));
}

/* A newer GLib's g_int64_hash() gives (a, b) and (b, a) one hash. */
static void
test_reverse_pairs_differ (void **state)
{
  for (guint32 a = 0; a < 64; a++)
    for (guint32 b = a + 1; b < 64; b++)
      assert_true (pair_hash (a, b) != pair_hash (b, a));
}

/* A grid of small ids: every hash distinct but for chance (65536 keys in
 * 2^32 values: about one collision expected), and the low 16 bits, which
 * pick the slot in a 64K-slot table, spread like random ones (about
 * 1 - 1/e of the slots used; g_int64_hash() uses 256 in all). */
static void
test_grid_spreads (void **state)
{
  g_autoptr(GHashTable) full = g_hash_table_new (g_direct_hash, g_direct_equal);
  g_autoptr(GHashTable) low = g_hash_table_new (g_direct_hash, g_direct_equal);
  for (guint32 a = 0; a < GRID; a++)
    for (guint32 b = 0; b < GRID; b++)
      {
        guint h = pair_hash (a, b);
        g_hash_table_add (full, GUINT_TO_POINTER (h));
        g_hash_table_add (low, GUINT_TO_POINTER (h & 0xffff));
      }
  assert_true (g_hash_table_size (full) >= GRID * GRID - 4);
  assert_true (g_hash_table_size (low) > GRID * GRID / 2);
}

static double
fill_seconds (const IngestPairKey *keys, guint n)
{
  double best = G_MAXDOUBLE;
  for (int run = 0; run < 3; run++)
    {
      g_autoptr(GHashTable) t = ingest_pair_table_new (NULL, NULL);
      gint64 t0 = g_get_monotonic_time ();
      for (guint i = 0; i < n; i++)
        g_hash_table_add (t, (gpointer) &keys[i]);
      for (guint i = 0; i < n; i++)
        assert_true (g_hash_table_contains (t, &keys[i]));
      best = MIN (best, (g_get_monotonic_time () - t0) / 1e6);
      assert_int_equal (g_hash_table_size (t), n);
    }
  return best;
}

/* The table stays fast on the keys that matter: a grid of small ids fills
 * within a generous factor of as many random distinct keys (g_int64_hash()
 * makes the grid hundreds of times slower). Both in one run, so the
 * machine's speed and the build's sanitizers cancel out. */
static void
test_grid_table_fast (void **state)
{
  const guint n = GRID * GRID;
  g_autofree IngestPairKey *grid = g_new (IngestPairKey, n);
  g_autofree IngestPairKey *random = g_new (IngestPairKey, n);
  g_autoptr(GHashTable) seen = g_hash_table_new (ingest_pair_key_hash, ingest_pair_key_equal);
  g_autoptr(GRand) rand = g_rand_new_with_seed (42);

  for (guint i = 0; i < n; i++)
    grid[i] = ingest_pair_key (i / GRID, i % GRID);
  for (guint i = 0; i < n; i++)
    do
      random[i] = ingest_pair_key (g_rand_int (rand), g_rand_int (rand));
    while (!g_hash_table_add (seen, &random[i]));

  double t_random = fill_seconds (random, n);
  double t_grid = fill_seconds (grid, n);
  if (t_grid > 5 * t_random + 0.005)
    fail_msg ("grid of pairs %.1f ms, random keys %.1f ms", t_grid * 1e3, t_random * 1e3);
}

static void
test_table_owns_keys (void **state)
{
  g_autoptr(GHashTable) t = ingest_pair_table_new (g_free, g_free);
  g_hash_table_insert (t, ingest_pair_key_dup (ingest_pair_key (1, 2)), g_strdup ("a->b"));
  g_hash_table_insert (t, ingest_pair_key_dup (ingest_pair_key (2, 1)), g_strdup ("b->a"));
  IngestPairKey k = ingest_pair_key (2, 1);
  assert_string_equal (g_hash_table_lookup (t, &k), "b->a");
  assert_int_equal (g_hash_table_size (t), 2);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_key_parts),
    cmocka_unit_test (test_reverse_pairs_differ),
    cmocka_unit_test (test_grid_spreads),
    cmocka_unit_test (test_grid_table_fast),
    cmocka_unit_test (test_table_owns_keys),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
