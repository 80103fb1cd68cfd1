/* test-ingest-message-flags.c: the per-message flags of a sliding window
 * stay bounded by the window however many messages went before, and read
 * the same as a flat array indexed by id: the messages a window still
 * needs (set flags, stragglers from before its start) keep their flags,
 * the others read 0. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <cmocka.h>

#include "ingest-message-flags.h"

/* A window of W ids over a stream of N: id i is seen at time i, flagged
 * while in the window [t - W, t], cleared as it leaves (the graph window's
 * rule), except every 1000th id, which stays flagged (a message sent long
 * ago whose receive is still in the window). */
#define N 400000
#define W 5000

static gboolean
needed (IngestMessageId id, guint8 flags, gpointer user_data)
{
  (void) id;
  (void) user_data;
  return flags != 0;
}

static guint8
expected (IngestMessageId id, gint64 t)
{
  if (id % 1000 == 0)
    return 2;
  return (gint64) id >= t - W && (gint64) id <= t ? 1 : 0;
}

static void
test_sliding_bounded (void **state)
{
  (void) state;
  IngestMessageFlags f;
  gsize peak = 0;

  ingest_message_flags_init (&f);
  for (gint64 t = 1; t <= N; t++)
    {
      *ingest_message_flags_at (&f, (IngestMessageId) t) = t % 1000 == 0 ? 2 : 1;
      if (t - W - 1 >= 1 && (t - W - 1) % 1000 != 0)
        *ingest_message_flags_at (&f, (IngestMessageId) (t - W - 1)) = 0;
      if (t % 100 == 0)
        {
          ingest_message_flags_mark (&f, t);
          ingest_message_flags_trim (&f, t - W, needed, NULL);
          peak = MAX (peak, ingest_message_flags_size (&f));
        }
      if (t % 50000 == 0)
        for (IngestMessageId id = 1; id <= (IngestMessageId) t + 10; id += 7)
          assert_int_equal (ingest_message_flags_get (&f, id), expected (id, t));
    }
  /* A flat array would hold N bytes; here the window, its trim slack and
   * the 400 stragglers. */
  printf ("peak %zu bytes for a window of %d ids\n", peak, W);
  assert_true (peak < 4 * W + 400 * 64 + 16384);
  /* the stragglers below the base, and nothing else */
  assert_int_equal (g_hash_table_size (f.below), (f.base - 1) / 1000);
  assert_true (f.base > N - 2 * W);
  /* An old id touched again reads 0 first, then keeps what was set. */
  guint8 *old = ingest_message_flags_at (&f, 17);
  assert_int_equal (*old, 0);
  *old = 4;
  assert_int_equal (ingest_message_flags_get (&f, 17), 4);
  ingest_message_flags_reset (&f);
  assert_int_equal (ingest_message_flags_get (&f, 17), 0);
  assert_int_equal (ingest_message_flags_get (&f, N), 0);
  ingest_message_flags_clear (&f);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_sliding_bounded),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
