/* test-ingest-offset-array.c: indexes stay absolute while the front is
 * dropped, and what was dropped gives its memory back. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "ingest-offset-array.h"

static guint64
get (const IngestOffsetArray *a, gsize i)
{
  return *(const guint64 *) ingest_offset_array_at (a, i);
}

/* A window of 100 elements slides over a million: every held element
 * reads what was stored at its index, and the storage stays the size of
 * the window, not of the history. */
static void
test_sliding_window (void **state)
{
  (void) state;
  IngestOffsetArray a;
  gsize max_bytes = 0;

  ingest_offset_array_init (&a, sizeof (guint64));
  for (gsize i = 0; i < 1000000; i++)
    {
      *(guint64 *) ingest_offset_array_append (&a) = i * 7 + 1;
      if (i >= 100)
        ingest_offset_array_drop_before (&a, i - 99);
      if (i % 9973 == 0)
        {
          assert_int_equal (ingest_offset_array_end (&a), i + 1);
          for (gsize j = ingest_offset_array_start (&a); j <= i; j++)
            assert_int_equal (get (&a, j), j * 7 + 1);
        }
      max_bytes = MAX (max_bytes, ingest_offset_array_memory_bytes (&a));
    }
  assert_int_equal (ingest_offset_array_start (&a), 1000000 - 100);
  /* 100 held, up to as many dropped not yet moved, and growth slack */
  assert_true (max_bytes <= 400 * sizeof (guint64));
  ingest_offset_array_clear (&a);
  assert_int_equal (ingest_offset_array_memory_bytes (&a), 0);
}

/* grow_to zero-fills a gap; dropping never goes past the end, never back,
 * and a mostly empty array shrinks. */
static void
test_grow_drop_shrink (void **state)
{
  (void) state;
  IngestOffsetArray a;

  ingest_offset_array_init (&a, sizeof (guint64));
  ingest_offset_array_grow_to (&a, 5000);
  assert_int_equal (ingest_offset_array_end (&a), 5000);
  for (gsize i = 0; i < 5000; i++)
    assert_int_equal (get (&a, i), 0);
  for (gsize i = 0; i < 5000; i++)
    *(guint64 *) ingest_offset_array_at (&a, i) = i;
  gsize full = ingest_offset_array_memory_bytes (&a);
  assert_true (full >= 5000 * sizeof (guint64));

  ingest_offset_array_drop_before (&a, 4990);
  assert_int_equal (ingest_offset_array_start (&a), 4990);
  ingest_offset_array_drop_before (&a, 10); /* never back */
  assert_int_equal (ingest_offset_array_start (&a), 4990);
  for (gsize i = 4990; i < 5000; i++)
    assert_int_equal (get (&a, i), i);
  assert_true (ingest_offset_array_memory_bytes (&a) <= full / 2);

  ingest_offset_array_drop_before (&a, 9999); /* not past the end */
  assert_int_equal (ingest_offset_array_start (&a), 5000);
  assert_int_equal (ingest_offset_array_end (&a), 5000);
  *(guint64 *) ingest_offset_array_append (&a) = 42;
  assert_int_equal (get (&a, 5000), 42);
  ingest_offset_array_grow_to (&a, 5003);
  assert_int_equal (get (&a, 5002), 0);
  ingest_offset_array_clear (&a);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_sliding_window),
    cmocka_unit_test (test_grow_drop_shrink),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
