/* test-ingest-search.c: messages found by actor name, label and payload,
 * in time order, within a window, bounded. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "ingest-search.h"
#include "test-ingest-common.h"

#define S ((gint64) 1000000000)

static void
send_with_payload (IngestStore *s, gint64 t, const char *from, const char *to, const char *key,
                   const char *label, const char *payload)
{
  IngestEventInput in = { .kind = INGEST_EVENT_SEND, .time_ns = t, .actor = INGEST_STR (from),
                          .peer = INGEST_STR (to), .message_key = INGEST_STR (key),
                          .label = INGEST_STR (label),
                          .payload = payload ? INGEST_STR (payload) : INGEST_STR_NONE };
  ingest_store_append (s, &in);
}

static IngestStore *
sample (void)
{
  IngestStore *s = ingest_store_new ();
  /* Appended out of time order: results come back in time order. */
  send_with_payload (s, 5 * S, "/user/api", "/user/db", "m1", "Query", "{\"sql\":\"SELECT 1\"}");
  send_with_payload (s, 1 * S, "/user/http", "/user/api", "m2", "GetUser", "{\"user\":\"Alice\"}");
  send_with_payload (s, 3 * S, "/user/api", "/user/cache", "m3", "Lookup", NULL);
  send_with_payload (s, 7 * S, "/user/db", "/user/api", "m4", "QueryResult", "rows: 1");
  return s;
}

static guint
key_at (IngestStore *s, const IngestSearchResult *r, guint i, const char *key)
{
  const IngestSearchMatch *m = &g_array_index (r->matches, IngestSearchMatch, i);
  assert_string_equal (ingest_store_atom (s, ingest_store_message (s, m->message)->key), key);
  return m->fields;
}

static void
test_fields (void **unused)
{
  g_autoptr(IngestStore) s = sample ();

  /* Actor names, either end, without case. */
  g_autoptr(IngestSearchResult) db = ingest_search_messages (s, "DB", INGEST_SEARCH_ACTOR,
                                                             INGEST_TIME_MIN, INGEST_TIME_MAX, 0, 0);
  assert_int_equal (db->total, 2);
  key_at (s, db, 0, "m1");
  key_at (s, db, 1, "m4");
  assert_int_equal (g_array_index (db->matches, IngestSearchMatch, 0).time_ns, 5 * S);

  /* Labels: "query" is in two labels; in time order. */
  g_autoptr(IngestSearchResult) q = ingest_search_messages (s, "query", INGEST_SEARCH_LABEL,
                                                            INGEST_TIME_MIN, INGEST_TIME_MAX, 0, 0);
  assert_int_equal (q->total, 2);
  assert_int_equal (key_at (s, q, 0, "m1"), INGEST_SEARCH_LABEL);

  /* Payloads. */
  g_autoptr(IngestSearchResult) alice = ingest_search_messages (s, "alice", INGEST_SEARCH_ALL,
                                                                INGEST_TIME_MIN, INGEST_TIME_MAX, 0, 0);
  assert_int_equal (alice->total, 1);
  assert_int_equal (key_at (s, alice, 0, "m2"), INGEST_SEARCH_PAYLOAD);

  /* All fields: "api" names an actor of three messages... and no label. */
  g_autoptr(IngestSearchResult) api = ingest_search_messages (s, "api", INGEST_SEARCH_ALL,
                                                              INGEST_TIME_MIN, INGEST_TIME_MAX, 0, 0);
  assert_int_equal (api->total, 4);
  key_at (s, api, 0, "m2");
  key_at (s, api, 1, "m3");
  key_at (s, api, 2, "m1");
  key_at (s, api, 3, "m4");

  /* Nothing, and the empty text. */
  g_autoptr(IngestSearchResult) none = ingest_search_messages (s, "nowhere", INGEST_SEARCH_ALL,
                                                               INGEST_TIME_MIN, INGEST_TIME_MAX, 0, 0);
  assert_int_equal (none->total, 0);
  g_autoptr(IngestSearchResult) empty = ingest_search_messages (s, "", INGEST_SEARCH_ALL,
                                                                INGEST_TIME_MIN, INGEST_TIME_MAX, 0, 0);
  assert_int_equal (empty->total, 0);
}

static void
test_window_and_bounds (void **unused)
{
  g_autoptr(IngestStore) s = sample ();

  g_autoptr(IngestSearchResult) w = ingest_search_messages (s, "api", INGEST_SEARCH_ALL, 2 * S, 6 * S, 0, 0);
  assert_int_equal (w->total, 2);
  key_at (s, w, 0, "m3");
  key_at (s, w, 1, "m1");

  g_autoptr(IngestSearchResult) one = ingest_search_messages (s, "api", INGEST_SEARCH_ALL,
                                                              INGEST_TIME_MIN, INGEST_TIME_MAX, 1, 0);
  assert_int_equal (one->total, 4);
  assert_int_equal (one->matches->len, 1);

  g_autoptr(IngestSearchResult) cut = ingest_search_messages (s, "api", INGEST_SEARCH_ALL,
                                                              INGEST_TIME_MIN, INGEST_TIME_MAX, 0, 2);
  assert_true (cut->truncated);
  assert_int_equal (cut->total, 2);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_fields),
    cmocka_unit_test (test_window_and_bounds),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
