/* test-web-deviations.c: the /live "deviations" reply: rows in plain words
 * for a window, thresholds checked, trace strings escaped. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "web-deviations.h"
#include "web-protocol.h"
#include "test-ingest-common.h"

#define S ((gint64) 1000000000)

G_DEFINE_AUTOPTR_CLEANUP_FUNC (json_t, json_decref)

static json_t *
reply (IngestStore *s, const char *request, GError **error)
{
  g_autoptr(json_t) msg = json_loads (request, 0, NULL);
  g_autofree char *text = NULL;

  assert_non_null (msg);
  text = web_deviations_reply (s, INGEST_TIME_MIN, INGEST_TIME_MAX, msg, error);
  return text != NULL ? json_loads (text, 0, NULL) : NULL;
}

static void
test_reply (void **unused)
{
  g_autoptr(IngestStore) s = ingest_store_new ();
  g_autoptr(GError) error = NULL;

  test_ingest_event (s, INGEST_EVENT_EXIT, 2 * S, "<b>w1</b>", NULL, NULL, NULL, "boom\"<script>", NULL, NULL,
                     INGEST_EXIT_CRASH, 0);
  test_ingest_ev (s, INGEST_EVENT_SEND, 3 * S, "a", "dead", "k1", "Ping", NULL, NULL);
  test_ingest_ev (s, INGEST_EVENT_DROP, 3 * S + 1, "dead", NULL, "k1", NULL, "no such actor", NULL);
  g_autoptr(json_t) r = reply (s, "{\"v\":1,\"type\":\"deviations\",\"stuck_s\":60}", &error);
  assert_null (error);
  assert_non_null (r);
  assert_string_equal (json_string_value (json_object_get (r, "type")), "deviations");
  assert_int_equal (json_integer_value (json_object_get (r, "total")), 2);
  json_t *rows = json_object_get (r, "rows");
  assert_int_equal (json_array_size (rows), 2);
  json_t *crash = json_array_get (rows, 0), *drop = json_array_get (rows, 1);
  assert_string_equal (json_string_value (json_object_get (crash, "kind")), "crash");
  assert_string_equal (json_string_value (json_object_get (crash, "actor")), "<b>w1</b>");
  assert_string_equal (json_string_value (json_object_get (crash, "what")), "crashed: boom\"<script>");
  assert_true (json_number_value (json_object_get (crash, "time_ms")) == 2000.0);
  assert_string_equal (json_string_value (json_object_get (drop, "kind")), "drop");
  assert_string_equal (json_string_value (json_object_get (drop, "what")), "dropped Ping from a: no such actor");
  assert_string_equal (json_string_value (json_object_get (drop, "label")), "Ping");
  assert_true (json_is_integer (json_object_get (drop, "message")));
  assert_int_equal (json_integer_value (json_object_get (json_object_get (r, "counts"), "drop")), 1);
}

static void
test_bad_threshold (void **unused)
{
  g_autoptr(IngestStore) s = ingest_store_new ();
  g_autoptr(GError) error = NULL;

  assert_null (reply (s, "{\"v\":1,\"type\":\"deviations\",\"stuck_s\":-1}", &error));
  assert_true (g_error_matches (error, WEB_PROTOCOL_ERROR, WEB_PROTOCOL_ERROR_BAD_FIELD));
  assert_non_null (strstr (error->message, "stuck_s"));
  g_clear_error (&error);
  assert_null (reply (s, "{\"v\":1,\"type\":\"deviations\",\"wait_p99_ms\":\"x\"}", &error));
  assert_non_null (strstr (error->message, "wait_p99_ms"));
  g_clear_error (&error);
  /* An empty store: an empty list. */
  g_autoptr(json_t) r = reply (s, "{\"v\":1,\"type\":\"deviations\"}", &error);
  assert_non_null (r);
  assert_int_equal (json_array_size (json_object_get (r, "rows")), 0);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_reply),
    cmocka_unit_test (test_bad_threshold),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
