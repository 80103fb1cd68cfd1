/* test-ingest-deviations.c: the deviations of a window (crashes, drops,
 * unanswered requests, lost events, stuck queues, slow mailboxes, mailbox
 * over its limit), each found where it happened and nowhere else. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "ingest-deviations.h"
#include "test-ingest-common.h"

#define S ((gint64) 1000000000)
#define MS ((gint64) 1000000)

static guint
count_kind (const IngestDeviations *list, IngestDeviationKind kind)
{
  guint n = 0;
  for (guint i = 0; i < list->rows->len; i++)
    n += g_array_index (list->rows, IngestDeviation, i).kind == kind;
  return n;
}

static const IngestMessage *
message_of (IngestStore *s, IngestMessageId id)
{
  static const IngestMessage none = { 0 };
  const IngestMessage *m = ingest_store_message (s, id);
  assert_non_null (m);
  return m != NULL ? m : &none;
}

static const IngestDeviation *
first_kind (const IngestDeviations *list, IngestDeviationKind kind)
{
  for (guint i = 0; i < list->rows->len; i++)
    if (g_array_index (list->rows, IngestDeviation, i).kind == kind)
      return &g_array_index (list->rows, IngestDeviation, i);
  fail_msg ("no %s row", ingest_deviation_kind_to_string (kind));
  static const IngestDeviation none = { 0 };
  return &none;
}

static void
send_recv_done (IngestStore *s, gint64 t, const char *from, const char *to, const char *key,
                gint64 wait, gint64 proc)
{
  test_ingest_ev (s, INGEST_EVENT_SEND, t, from, to, key, "Work", NULL, NULL);
  test_ingest_ev (s, INGEST_EVENT_RECEIVE, t + wait, to, from, key, NULL, NULL, NULL);
  test_ingest_ev (s, INGEST_EVENT_DONE, t + wait + proc, to, NULL, key, NULL, NULL, NULL);
}

/* A healthy exchange has no deviation at all. */
static void
test_healthy (void **unused)
{
  g_autoptr(IngestStore) s = ingest_store_new ();
  char key[16];

  for (int i = 0; i < 100; i++)
    {
      g_snprintf (key, sizeof key, "m%d", i);
      send_recv_done (s, i * 100 * MS, "a", "b", key, MS, MS);
    }
  IngestDeviationSpec spec = { .from_ns = INGEST_TIME_MIN, .to_ns = INGEST_TIME_MAX,
                               .wait_p99_ns = 50 * MS, .mailbox_limit = 10 };
  g_autoptr(IngestDeviations) list = ingest_deviations_find (s, &spec);
  assert_int_equal (list->total, 0);
  assert_int_equal (list->rows->len, 0);
  assert_false (list->truncated);
}

static void
test_crash_drop_unanswered_lost (void **unused)
{
  g_autoptr(IngestStore) s = ingest_store_new ();

  test_ingest_event (s, INGEST_EVENT_SPAWN, 0, "w1", NULL, NULL, NULL, NULL, NULL, NULL, 0, 0);
  test_ingest_event (s, INGEST_EVENT_EXIT, 2 * S, "w1", NULL, NULL, NULL, "boom", NULL, NULL,
                     INGEST_EXIT_CRASH, 0);
  test_ingest_event (s, INGEST_EVENT_EXIT, 3 * S, "w2", NULL, NULL, NULL, "bye", NULL, NULL,
                     INGEST_EXIT_NORMAL, 0);
  test_ingest_ev (s, INGEST_EVENT_SEND, 4 * S, "a", "dead", "d1", "Ping", NULL, NULL);
  test_ingest_ev (s, INGEST_EVENT_DROP, 4 * S + MS, "dead", NULL, "d1", NULL, "dead letter", NULL);
  /* A request answered, and one never answered. */
  test_ingest_event (s, INGEST_EVENT_SEND, 5 * S, "client", "api", "q1", "Get", NULL, "client", NULL, 0, 0);
  test_ingest_event (s, INGEST_EVENT_SEND, 5 * S + 10 * MS, "api", "client", "r1", "Reply", NULL, NULL, "q1", 0, 0);
  test_ingest_event (s, INGEST_EVENT_SEND, 6 * S, "client", "api", "q2", "Get", NULL, "client", NULL, 0, 0);
  test_ingest_ev (s, INGEST_EVENT_MARK, 20 * S, NULL, NULL, NULL, NULL, "later", NULL);
  ingest_store_counters (s)->lost_before_attach = 8;
  ingest_store_counters (s)->lost_events = 3;

  /* (api and client never take their messages: stuck queues after 14 s;
   * test_stuck_queue is about those.) */
  IngestDeviationSpec spec = { .from_ns = INGEST_TIME_MIN, .to_ns = INGEST_TIME_MAX,
                               .stuck_ns = 60 * S };
  g_autoptr(IngestDeviations) list = ingest_deviations_find (s, &spec);
  assert_int_equal (list->per_kind[INGEST_DEVIATION_CRASH], 1);
  assert_int_equal (list->per_kind[INGEST_DEVIATION_DROP], 1);
  assert_int_equal (list->per_kind[INGEST_DEVIATION_UNANSWERED], 1);
  assert_int_equal (list->per_kind[INGEST_DEVIATION_LOST], 2);
  assert_int_equal (list->total, 5);

  const IngestDeviation *crash = first_kind (list, INGEST_DEVIATION_CRASH);
  assert_int_equal (crash->time_ns, 2 * S);
  assert_string_equal (ingest_store_actor_name (s, crash->actor), "w1");
  assert_string_equal (ingest_store_atom (s, crash->reason), "boom");
  const IngestDeviation *drop = first_kind (list, INGEST_DEVIATION_DROP);
  assert_string_equal (ingest_store_actor_name (s, drop->actor), "dead");
  assert_string_equal (ingest_store_atom (s, message_of (s, drop->message)->key), "d1");
  const IngestDeviation *un = first_kind (list, INGEST_DEVIATION_UNANSWERED);
  assert_int_equal (un->time_ns, 6 * S);
  assert_string_equal (ingest_store_atom (s, message_of (s, un->message)->key), "q2");
  assert_int_equal (un->duration_ns, 14 * S);
  /* Lost events carry no time: first in the list, both counters. */
  const IngestDeviation *lost0 = &g_array_index (list->rows, IngestDeviation, 0);
  const IngestDeviation *lost1 = &g_array_index (list->rows, IngestDeviation, 1);
  assert_int_equal (lost0->kind, INGEST_DEVIATION_LOST);
  assert_int_equal (lost1->kind, INGEST_DEVIATION_LOST);
  assert_int_equal (lost0->count + lost1->count, 11);
  /* In time order. */
  for (guint i = 1; i < list->rows->len; i++)
    assert_true (g_array_index (list->rows, IngestDeviation, i - 1).time_ns <=
                 g_array_index (list->rows, IngestDeviation, i).time_ns);

  /* A window around the crash only: the crash (and the counters). */
  IngestDeviationSpec w = { .from_ns = S, .to_ns = 3 * S, .stuck_ns = 60 * S };
  g_autoptr(IngestDeviations) part = ingest_deviations_find (s, &w);
  assert_int_equal (part->per_kind[INGEST_DEVIATION_CRASH], 1);
  assert_int_equal (part->per_kind[INGEST_DEVIATION_DROP], 0);
  assert_int_equal (part->per_kind[INGEST_DEVIATION_UNANSWERED], 0);

  /* A request younger than unanswered_ns is not late yet. */
  IngestDeviationSpec patient = { .from_ns = INGEST_TIME_MIN, .to_ns = INGEST_TIME_MAX,
                                  .unanswered_ns = 30 * S, .stuck_ns = 60 * S };
  g_autoptr(IngestDeviations) p = ingest_deviations_find (s, &patient);
  assert_int_equal (p->per_kind[INGEST_DEVIATION_UNANSWERED], 0);
}

/* A mailbox filling up and never going down is stuck (once per episode);
 * one that drains is not. */
static void
test_stuck_queue (void **unused)
{
  g_autoptr(IngestStore) s = ingest_store_new ();
  char key[16];

  /* "slow" receives 10 messages over 10 s and takes none. */
  for (int i = 0; i < 10; i++)
    {
      g_snprintf (key, sizeof key, "s%d", i);
      test_ingest_ev (s, INGEST_EVENT_SEND, i * S, "producer", "slow", key, "Job", NULL, NULL);
    }
  /* "fast" takes each message 1 ms after it came. */
  for (int i = 0; i < 10; i++)
    {
      g_snprintf (key, sizeof key, "f%d", i);
      send_recv_done (s, i * S, "producer", "fast", key, MS, MS);
    }
  IngestDeviationSpec spec = { .from_ns = INGEST_TIME_MIN, .to_ns = INGEST_TIME_MAX,
                               .stuck_ns = 5 * S, .mailbox_limit = 8 };
  g_autoptr(IngestDeviations) list = ingest_deviations_find (s, &spec);
  assert_int_equal (list->per_kind[INGEST_DEVIATION_STUCK], 1);
  const IngestDeviation *st = first_kind (list, INGEST_DEVIATION_STUCK);
  assert_string_equal (ingest_store_actor_name (s, st->actor), "slow");
  assert_int_equal (st->time_ns, 0);
  assert_true (st->duration_ns >= 5 * S);
  assert_true (st->count >= 5);
  assert_int_equal (list->per_kind[INGEST_DEVIATION_MAILBOX_LIMIT], 1);
  const IngestDeviation *lim = first_kind (list, INGEST_DEVIATION_MAILBOX_LIMIT);
  assert_string_equal (ingest_store_actor_name (s, lim->actor), "slow");
  assert_int_equal (lim->count, 9);
  assert_int_equal (lim->time_ns, 8 * S);

  /* Stuck for less than the threshold: nothing. */
  IngestDeviationSpec longer = { .from_ns = INGEST_TIME_MIN, .to_ns = INGEST_TIME_MAX,
                                 .stuck_ns = 60 * S };
  g_autoptr(IngestDeviations) none = ingest_deviations_find (s, &longer);
  assert_int_equal (none->per_kind[INGEST_DEVIATION_STUCK], 0);
}

/* Wait p99 over the threshold: more than 1 % of receives waited longer. */
static void
test_slow_mailbox (void **unused)
{
  g_autoptr(IngestStore) s = ingest_store_new ();
  char key[16];

  for (int i = 0; i < 200; i++)
    {
      g_snprintf (key, sizeof key, "a%d", i);
      /* 5 of 200 (2.5 %) wait 300 ms at "busy"; 1 of 200 (0.5 %) at "ok". */
      send_recv_done (s, i * 10 * MS, "p", "busy", key, i % 40 == 7 ? 300 * MS : MS, MS);
      g_snprintf (key, sizeof key, "b%d", i);
      send_recv_done (s, i * 10 * MS + 5 * MS, "p", "ok", key, i == 100 ? 300 * MS : MS, MS);
    }
  IngestDeviationSpec spec = { .from_ns = INGEST_TIME_MIN, .to_ns = INGEST_TIME_MAX,
                               .wait_p99_ns = 100 * MS, .stuck_ns = 60 * S };
  g_autoptr(IngestDeviations) list = ingest_deviations_find (s, &spec);
  assert_int_equal (list->per_kind[INGEST_DEVIATION_SLOW_MAILBOX], 1);
  const IngestDeviation *slow = first_kind (list, INGEST_DEVIATION_SLOW_MAILBOX);
  assert_string_equal (ingest_store_actor_name (s, slow->actor), "busy");
  assert_int_equal (slow->count, 5);
  assert_int_equal (slow->duration_ns, 300 * MS);
  assert_int_equal (slow->time_ns, 70 * MS + 300 * MS);
}

/* Bounded: rows kept per kind, events examined. */
static void
test_bounds (void **unused)
{
  g_autoptr(IngestStore) s = ingest_store_new ();
  char key[16];

  for (int i = 0; i < 1000; i++)
    {
      g_snprintf (key, sizeof key, "d%d", i);
      test_ingest_ev (s, INGEST_EVENT_SEND, i * MS, "a", "b", key, "X", NULL, NULL);
      test_ingest_ev (s, INGEST_EVENT_DROP, i * MS + 1, "b", NULL, key, NULL, "full", NULL);
    }
  IngestDeviationSpec spec = { .from_ns = INGEST_TIME_MIN, .to_ns = INGEST_TIME_MAX,
                               .max_rows = 50, .stuck_ns = 3600 * S };
  g_autoptr(IngestDeviations) list = ingest_deviations_find (s, &spec);
  assert_int_equal (list->total, 1000);
  assert_int_equal (count_kind (list, INGEST_DEVIATION_DROP), 50);
  spec.max_events = 100;
  g_autoptr(IngestDeviations) cut = ingest_deviations_find (s, &spec);
  assert_true (cut->truncated);
  assert_int_equal (cut->total, 50);
  assert_string_equal (ingest_deviation_kind_to_string (INGEST_DEVIATION_SLOW_MAILBOX), "slow-mailbox");

  /* An empty store: an empty list. */
  g_autoptr(IngestStore) empty = ingest_store_new ();
  g_autoptr(IngestDeviations) e = ingest_deviations_find (empty, &spec);
  assert_int_equal (e->total, 0);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_healthy),
    cmocka_unit_test (test_crash_drop_unanswered_lost),
    cmocka_unit_test (test_stuck_queue),
    cmocka_unit_test (test_slow_mailbox),
    cmocka_unit_test (test_bounds),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
