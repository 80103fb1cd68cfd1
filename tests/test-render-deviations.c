/* test-render-deviations.c: deviation rows in plain words, worded once for
 * the console and the desktop, with and without a translation hook. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "render-deviations.h"
#include "test-ingest-common.h"

#define S ((gint64) 1000000000)

static const IngestDeviation *
first_kind (const IngestDeviations *list, IngestDeviationKind kind)
{
  for (guint i = 0; i < list->rows->len; i++)
    if (g_array_index (list->rows, IngestDeviation, i).kind == kind)
      return &g_array_index (list->rows, IngestDeviation, i);
  fail_msg ("no deviation of kind %s", ingest_deviation_kind_to_string (kind));
  return NULL;
}

/* A pretend catalogue: every sentence it knows comes back in capitals, so
 * the test sees which text went through the hook. */
static const char *
shout (const char *msgid)
{
  static GHashTable *seen;
  char *up;

  if (seen == NULL)
    seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  up = g_hash_table_lookup (seen, msgid);
  if (up == NULL)
    {
      up = g_ascii_strup (msgid, -1);
      /* Conversions stay lower case: %S is not %s. */
      for (char *p = strchr (up, '%'); p != NULL; p = strchr (p + 1, '%'))
        {
          p[1] = g_ascii_tolower (p[1]);
          if (p[1] == 'l')
            p[2] = 'l', p[3] = 'u';
        }
      g_hash_table_insert (seen, g_strdup (msgid), up);
    }
  return up;
}

static void
test_describe (void **unused)
{
  g_autoptr(IngestStore) s = ingest_store_new ();
  char key[16];

  test_ingest_event (s, INGEST_EVENT_EXIT, 2 * S, "w1", NULL, NULL, NULL, "boom", NULL, NULL,
                     INGEST_EXIT_CRASH, 0);
  test_ingest_ev (s, INGEST_EVENT_SEND, 3 * S, "a", "dead", "k1", "Ping", NULL, NULL);
  test_ingest_ev (s, INGEST_EVENT_DROP, 3 * S + 1, "dead", NULL, "k1", NULL, "no such actor", NULL);
  for (int i = 0; i < 10; i++)
    {
      g_snprintf (key, sizeof key, "s%d", i);
      test_ingest_ev (s, INGEST_EVENT_SEND, (4 + i) * S, "producer", "slow", key, "Job", NULL, NULL);
    }
  IngestDeviationSpec spec = { .from_ns = INGEST_TIME_MIN, .to_ns = INGEST_TIME_MAX,
                               .stuck_ns = 5 * S, .mailbox_limit = 8 };
  g_autoptr(IngestDeviations) list = ingest_deviations_find (s, &spec);
  struct { IngestDeviationKind kind; const char *english, *shouted; } want[] = {
    { INGEST_DEVIATION_CRASH, "crashed: boom", "CRASHED: boom" },
    { INGEST_DEVIATION_DROP, "dropped Ping from a: no such actor", "DROPPED Ping FROM a: no such actor" },
    { INGEST_DEVIATION_MAILBOX_LIMIT, "mailbox at 9, over the limit of 8", "MAILBOX AT 9, OVER THE LIMIT OF 8" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (want); i++)
    {
      const IngestDeviation *d = first_kind (list, want[i].kind);
      g_autofree char *english = render_deviation_describe (s, d, &spec, NULL);
      g_autofree char *shouted = render_deviation_describe (s, d, &spec, shout);

      assert_string_equal (english, want[i].english);
      /* Only the sentence is translated; trace strings pass through. */
      assert_string_equal (shouted, want[i].shouted);
    }
  /* Stuck: the count and how long, in the ticks' duration format. */
  g_autofree char *stuck = render_deviation_describe (s, first_kind (list, INGEST_DEVIATION_STUCK), &spec, NULL);
  assert_true (g_str_has_prefix (stuck, "mailbox at "));
  assert_non_null (strstr (stuck, ", not going down for "));

  /* A drop without a reason has no dangling colon. */
  IngestDeviation bare = *first_kind (list, INGEST_DEVIATION_DROP);
  bare.reason = 0;
  g_autofree char *plain = render_deviation_describe (s, &bare, &spec, NULL);
  assert_string_equal (plain, "dropped Ping from a");
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_describe),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
