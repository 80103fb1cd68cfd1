/* test-ingest-actor-series.c: one actor's mailbox depth, receives and wait
 * p99 per bin, and its top partners. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "ingest-actor-series.h"
#include "test-ingest-common.h"

#define S ((gint64) 1000000000)
#define MS ((gint64) 1000000)

static void
test_series (void **unused)
{
  g_autoptr(IngestStore) s = ingest_store_new ();
  char key[16];

  /* Seconds 0-4: "a" sends 5 messages a second to "b", taken after 1 ms;
   * second 5: 5 messages queue up at "b" and wait 3 s; "c" sends 1 to b. */
  for (int i = 0; i < 25; i++)
    {
      g_snprintf (key, sizeof key, "m%d", i);
      gint64 t = (i / 5) * S + (i % 5) * 100 * MS;
      test_ingest_ev (s, INGEST_EVENT_SEND, t, "a", "b", key, "Job", NULL, NULL);
      test_ingest_ev (s, INGEST_EVENT_RECEIVE, t + MS, "b", "a", key, NULL, NULL, NULL);
      test_ingest_ev (s, INGEST_EVENT_DONE, t + 2 * MS, "b", NULL, key, NULL, NULL, NULL);
    }
  for (int i = 0; i < 5; i++)
    {
      g_snprintf (key, sizeof key, "q%d", i);
      test_ingest_ev (s, INGEST_EVENT_SEND, 5 * S + i * MS, "a", "b", key, "Job", NULL, NULL);
    }
  for (int i = 0; i < 5; i++)
    {
      g_snprintf (key, sizeof key, "q%d", i);
      test_ingest_ev (s, INGEST_EVENT_RECEIVE, 8 * S + i * MS, "b", "a", key, NULL, NULL, NULL);
    }
  test_ingest_ev (s, INGEST_EVENT_SEND, 9 * S, "c", "b", "c1", "Ping", NULL, NULL);
  test_ingest_ev (s, INGEST_EVENT_SEND, 9 * S + MS, "b", "c", "c2", "Pong", NULL, NULL);

  IngestActorId b = ingest_store_find_actor (s, "b");
  g_autoptr(IngestActorSeries) ser = ingest_actor_series_build (s, b, 0, 10 * S, 10, 5, 0);
  assert_non_null (ser);
  assert_int_equal (ser->n_bins, 10);
  assert_int_equal (ser->bin_ns, S);
  for (int k = 0; k < 5; k++)
    {
      assert_int_equal (ser->bins[k].received, 5);
      assert_true (ser->bins[k].wait_p99_ns >= MS * 98 / 100 && ser->bins[k].wait_p99_ns <= MS * 102 / 100);
      assert_int_equal (ser->bins[k].depth_max, 1);
    }
  /* The queue of 5 at second 5, held through seconds 6 and 7 (carried
   * over), emptied at 8 with waits of 3 s. */
  assert_int_equal (ser->bins[5].depth_max, 5);
  assert_int_equal (ser->bins[6].depth_max, 5);
  assert_int_equal (ser->bins[7].depth_max, 5);
  assert_int_equal (ser->bins[8].received, 5);
  assert_true (ser->bins[8].wait_p99_ns >= 3 * S * 98 / 100 && ser->bins[8].wait_p99_ns <= 3 * S * 102 / 100);
  assert_int_equal (ser->bins[6].received, 0);
  assert_int_equal (ser->bins[6].wait_p99_ns, 0);
  /* Partners: a (30 received from it) before c (1 each way). */
  assert_int_equal (ser->partners->len, 2);
  const IngestActorPartner *p0 = &g_array_index (ser->partners, IngestActorPartner, 0);
  const IngestActorPartner *p1 = &g_array_index (ser->partners, IngestActorPartner, 1);
  assert_string_equal (ingest_store_actor_name (s, p0->actor), "a");
  assert_int_equal (p0->received, 30);
  assert_int_equal (p0->sent, 0);
  assert_string_equal (ingest_store_actor_name (s, p1->actor), "c");
  assert_int_equal (p1->sent, 1);
  assert_int_equal (p1->received, 0);

  /* At most max_partners. */
  g_autoptr(IngestActorSeries) one = ingest_actor_series_build (s, b, 0, 10 * S, 10, 1, 0);
  assert_int_equal (one->partners->len, 1);
  /* Refused: an open window, no bins, too many bins, no such actor. */
  assert_null (ingest_actor_series_build (s, b, INGEST_TIME_MIN, 10 * S, 10, 5, 0));
  assert_null (ingest_actor_series_build (s, b, 0, 10 * S, 0, 5, 0));
  assert_null (ingest_actor_series_build (s, b, 0, 10 * S, INGEST_ACTOR_SERIES_MAX_BINS + 1, 5, 0));
  assert_null (ingest_actor_series_build (s, 9999, 0, 10 * S, 10, 5, 0));
  /* Bounded scan. */
  g_autoptr(IngestActorSeries) cut = ingest_actor_series_build (s, b, 0, 10 * S, 10, 5, 10);
  assert_true (cut->truncated);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_series),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
