/* test-web-frame-delta.c: per-client update messages: a frame of the same
 * structure goes out as the changed attributes, texts (decoded, as the
 * page sets them with setAttribute/textContent, data-id included) and
 * table rows; a changed structure (elements, nesting, group classes), a reset or a first frame go out whole. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <jansson.h>
#include <string.h>

#include "web-frame.h"
#include "web-frame-delta.h"

#define MS G_GINT64_CONSTANT (1000000)
#define BASE G_GINT64_CONSTANT (1700000000000000000)

/* A frame message around svg with a table of (id, received) rows. */
static char *
frame_text (const char *svg, const int *rows, guint n_rows)
{
  json_t *actors = json_array ();

  for (guint i = 0; i < n_rows; i++)
    json_array_append_new (actors, json_pack ("{s:i, s:s, s:i}", "id", rows[2 * i], "name", "a",
                                              "received", rows[2 * i + 1]));
  json_t *f = json_pack ("{s:s, s:i, s:s, s:o, s:{s:i}}", "type", "frame", "events", 7, "svg", svg,
                         "actors", actors, "counters", "actors", 2);
  char *text = json_dumps (f, JSON_COMPACT);
  json_decref (f);
  return text;
}

static json_t *
next (WebFrameDelta *d, const char *svg, const int *rows, guint n_rows)
{
  g_autofree char *f = frame_text (svg, rows, n_rows);
  g_autofree char *u = web_frame_delta_next (d, f, strlen (f));
  json_t *j;

  if (u == NULL)
    return NULL;
  j = json_loads (u, 0, NULL);
  assert_non_null (j);
  assert_string_equal (json_string_value (json_object_get (j, "type")), "update");
  assert_null (json_object_get (j, "svg"));
  return j;
}

#define SVG_A "<svg class=\"actorscope graph\" width=\"100\">\n<style>\n.s0{fill:#fff}\n</style>\n" \
  "<g class=\"actor\" data-id=\"/a\"><title>a: 1 sent</title>\n" \
  "<circle class=\"s0\" cx=\"10\" cy=\"10\" r=\"4\"/>\n<text class=\"s0\" x=\"1\" y=\"2\">a</text>\n</g>\n" \
  "<g class=\"edge\" data-id=\"e0-1\"><path class=\"s0\" d=\"M0 0L5 5\"/>\n</g>\n</svg>\n"

/* The same structure, other values: a title's count, a radius, a text
 * with markup in it, a removed attribute. */
#define SVG_B "<svg class=\"actorscope graph\" width=\"100\">\n<style>\n.s0{fill:#fff}\n</style>\n" \
  "<g class=\"actor\" data-id=\"/a\"><title>a: 2 sent</title>\n" \
  "<circle class=\"s0\" cx=\"10\" cy=\"10\" r=\"6\"/>\n<text class=\"s0\" x=\"1\">&lt;img src=x onerror=alert(1)&gt; &amp; &quot;q&quot; &#39;</text>\n</g>\n" \
  "<g class=\"edge\" data-id=\"e0-1\"><path class=\"s0\" d=\"M0 0L5 5\"/>\n</g>\n</svg>\n"

static json_t *
change_at (json_t *changes, json_int_t i)
{
  size_t k;
  json_t *c;

  json_array_foreach (changes, k, c)
    if (json_integer_value (json_object_get (c, "i")) == i)
      return c;
  return NULL;
}

static void
test_update_attrs_and_text (void **state)
{
  g_autoptr(WebFrameDelta) d = web_frame_delta_new ();
  const int rows[] = { 1, 10, 2, 20 };
  guint64 full = 0, updates = 0;

  (void) state;
  assert_null (next (d, SVG_A, rows, 2)); /* first: whole */
  json_t *u = next (d, SVG_B, rows, 2);
  assert_non_null (u);
  assert_int_equal (json_integer_value (json_object_get (u, "seq")), 2);
  assert_int_equal (json_integer_value (json_object_get (u, "events")), 7);
  assert_non_null (json_object_get (u, "counters"));
  json_t *changes = json_object_get (u, "changes");
  /* elements: 0 svg, 1 style, 2 g.actor, 3 title, 4 circle, 5 text, 6 g.edge, 7 path */
  assert_int_equal (json_array_size (changes), 3);
  assert_string_equal (json_string_value (json_object_get (change_at (changes, 3), "text")), "a: 2 sent");
  json_t *attrs = json_object_get (change_at (changes, 4), "attrs");
  assert_int_equal (json_object_size (attrs), 1);
  assert_string_equal (json_string_value (json_object_get (attrs, "r")), "6");
  json_t *t = change_at (changes, 5);
  assert_string_equal (json_string_value (json_object_get (t, "text")),
                       "<img src=x onerror=alert(1)> & \"q\" '");
  assert_true (json_is_null (json_object_get (json_object_get (t, "attrs"), "y")));
  /* the table did not change: no rows, not the whole table */
  assert_int_equal (json_array_size (json_object_get (u, "actor_rows")), 0);
  assert_null (json_object_get (u, "actors"));
  json_decref (u);
  web_frame_delta_get_counts (d, &full, &updates);
  assert_int_equal (full, 1);
  assert_int_equal (updates, 1);
}

static void
test_structure_changes_go_whole (void **state)
{
  g_autoptr(WebFrameDelta) d = web_frame_delta_new ();
  const int rows[] = { 1, 10 };

  (void) state;
  assert_null (next (d, SVG_A, rows, 1));
  /* another actor in the same place: its data-id is an attribute change */
  g_autofree char *other = g_strdup (SVG_A);
  memcpy (strstr (other, "data-id=\"/a\"") + 10, "b", 1);
  json_t *u = next (d, other, rows, 1);
  assert_non_null (u);
  assert_string_equal (json_string_value (json_object_get (json_object_get (
    change_at (json_object_get (u, "changes"), 2), "attrs"), "data-id")), "/b");
  json_decref (u);
  /* a group of another class in the same place */
  memcpy (strstr (other, "class=\"edge\"") + 7, "note", 4);
  assert_null (next (d, other, rows, 1));
  /* an element more */
  g_autofree char *more = g_strdup_printf ("%.*s<rect x=\"1\"/>\n</svg>\n",
                                           (int) (strlen (other) - strlen ("</svg>\n")), other);
  assert_null (next (d, more, rows, 1));
  u = next (d, more, rows, 1);
  assert_non_null (u); /* same again: an empty update */
  assert_int_equal (json_array_size (json_object_get (u, "changes")), 0);
  json_decref (u);
  /* a new view: whole, even with the same structure */
  web_frame_delta_reset (d);
  assert_null (next (d, more, rows, 1));
  /* not SVG we wrote: whole, and no update against it either */
  assert_null (next (d, "<svg><g>", rows, 1));
  assert_null (next (d, "<svg><g>", rows, 1));
}

static void
test_table_rows (void **state)
{
  g_autoptr(WebFrameDelta) d = web_frame_delta_new ();
  const int before[] = { 1, 10, 2, 20, 3, 30 };
  const int after[] = { 3, 30, 2, 25, 1, 10 };   /* reordered, one changed */
  const int other[] = { 3, 30, 2, 25, 4, 1 };    /* actor 1 left, 4 came */

  (void) state;
  assert_null (next (d, SVG_A, before, 3));
  json_t *u = next (d, SVG_A, after, 3);
  json_t *rows = json_object_get (u, "actor_rows");
  assert_int_equal (json_array_size (rows), 1);
  assert_int_equal (json_integer_value (json_object_get (json_array_get (rows, 0), "id")), 2);
  assert_int_equal (json_integer_value (json_object_get (json_array_get (rows, 0), "received")), 25);
  json_decref (u);
  u = next (d, SVG_A, other, 3);
  assert_null (json_object_get (u, "actor_rows"));
  assert_int_equal (json_array_size (json_object_get (u, "actors")), 3);
  json_decref (u);
}

/* Real frames of a growing store: the second of the same view is an
 * update, much smaller than the frame. */
static void
test_real_frames (void **state)
{
  g_autoptr(IngestStore) store = ingest_store_new ();
  g_autoptr(WebFrameDelta) d = web_frame_delta_new ();
  g_auto(WebViewState) st;
  const char *names[] = { "a", "b", "c", "d" };

  (void) state;
  web_view_state_init (&st);
  st.kind = RENDER_VIEW_GRAPH;
  st.follow = FALSE;
  for (guint round = 0; round < 3; round++)
    {
      for (guint k = 0; k < 40; k++)
        {
          char key[24];
          g_snprintf (key, sizeof key, "m%u-%u", round, k);
          IngestEventInput s = { .kind = INGEST_EVENT_SEND, .time_ns = BASE + (round * 40 + k) * MS,
                                 .actor = INGEST_STR (names[k % 4]), .peer = INGEST_STR (names[(k + 1) % 4]),
                                 .message_key = INGEST_STR (key), .label = INGEST_STR ("Ping") };
          IngestEventInput r = { .kind = INGEST_EVENT_RECEIVE, .time_ns = BASE + (round * 40 + k) * MS + MS / 2,
                                 .actor = INGEST_STR (names[(k + 1) % 4]), .message_key = INGEST_STR (key) };
          ingest_store_append (store, &s);
          ingest_store_append (store, &r);
        }
      g_autoptr(GError) error = NULL;
      g_autofree char *frame = web_frame_build (store, &st, NULL, NULL, NULL, &error);
      assert_non_null (frame);
      g_autofree char *u = web_frame_delta_next (d, frame, strlen (frame));
      if (round == 0)
        assert_null (u);
      else
        {
          assert_non_null (u);
          assert_true (strlen (u) < strlen (frame));
          assert_null (strstr (u, "<g"));
        }
    }
}

typedef struct {
  WebFrameParsed *base, *now;
  WebFrameUpdate *out;
} PrepareJob;

static gpointer
prepare_in_thread (gpointer data)
{
  PrepareJob *job = data;
  return web_frame_update_new (job->base, job->now);
}

/* An update prepared in another thread against the client's last frame
 * is, with the client's seq written in, the very text the client would
 * have got from a diff on the spot; one prepared against another base is
 * not used (the diff is made again), and "whole" stays whole. */
static void
test_prepared_update (void **state)
{
  g_autoptr(WebFrameDelta) on_spot = web_frame_delta_new_after (41);
  g_autoptr(WebFrameDelta) prepared = web_frame_delta_new_after (41);
  const int rows[] = { 1, 5, 2, 7 };
  g_autofree char *fa = frame_text (SVG_A, rows, 2);
  g_autofree char *fb = frame_text (SVG_B, rows, 2);
  g_autofree char *fc = frame_text ("<svg class=\"actorscope graph\"><g class=\"actor\"></g></svg>", rows, 2);
  g_autoptr(WebFrameParsed) a = web_frame_parsed_new (fa, strlen (fa));
  g_autoptr(WebFrameParsed) a2 = web_frame_parsed_new (fa, strlen (fa));
  g_autoptr(WebFrameParsed) b = web_frame_parsed_new (fb, strlen (fb));
  g_autoptr(WebFrameParsed) c = web_frame_parsed_new (fc, strlen (fc));
  g_autoptr(GThread) worker = NULL;
  g_autoptr(WebFrameUpdate) a_to_b = NULL;
  g_autoptr(WebFrameUpdate) a2_to_b = web_frame_update_new (a2, b);
  g_autoptr(WebFrameUpdate) b_to_c = web_frame_update_new (b, c);

  (void) state;
  assert_null (web_frame_delta_get_last (prepared));
  assert_null (web_frame_delta_next_parsed (on_spot, a, NULL));
  assert_null (web_frame_delta_next_parsed (prepared, a, NULL));
  assert_ptr_equal (web_frame_delta_get_last (prepared), a);

  /* the update is prepared off this thread, as the render workers do */
  PrepareJob job = { a, b, NULL };
  worker = g_thread_new ("prepare", prepare_in_thread, &job);
  a_to_b = g_thread_join (g_steal_pointer (&worker));
  assert_non_null (a_to_b);

  g_autofree char *u1 = web_frame_delta_next_parsed (on_spot, b, NULL);
  g_autofree char *u2 = web_frame_delta_next_parsed (prepared, b, a_to_b);
  assert_non_null (u1);
  assert_string_equal (u1, u2);
  assert_non_null (strstr (u2, "\"seq\":43"));

  /* a base of the same text is not the client's base: diffed again */
  g_autoptr(WebFrameDelta) other = web_frame_delta_new ();
  assert_null (web_frame_delta_next_parsed (other, a, NULL));
  g_autofree char *u3 = web_frame_delta_next_parsed (other, b, a2_to_b);
  assert_non_null (u3);
  assert_non_null (strstr (u3, "\"seq\":2"));

  /* structure changed: whole, prepared or not */
  assert_null (web_frame_delta_next_parsed (prepared, c, b_to_c));
  guint64 full = 0, updates = 0;
  web_frame_delta_get_counts (prepared, &full, &updates);
  assert_int_equal (full, 2);
  assert_int_equal (updates, 1);
}

/* With a table interval, an update leaves the table out while the
 * client's table is newer than that, and the rows it then carries are
 * against the table the client has (not the last frame's). */
static void
test_table_interval (void **state)
{
  g_autoptr(WebFrameDelta) d = web_frame_delta_new ();
  const int t0[] = { 1, 10, 2, 20 }, t1[] = { 1, 11, 2, 20 }, t2[] = { 1, 11, 2, 22 };
  json_t *u;

  (void) state;
  web_frame_delta_set_table_interval (d, G_GINT64_CONSTANT (3600) * G_USEC_PER_SEC);
  assert_null (next (d, SVG_A, t0, 2));
  u = next (d, SVG_B, t1, 2);
  assert_non_null (u);
  assert_null (json_object_get (u, "actor_rows"));
  assert_null (json_object_get (u, "actors"));
  assert_non_null (json_object_get (u, "changes"));
  json_decref (u);
  /* the interval over: rows against the client's table (t0), so actor 1's
   * change, made two updates ago, is in it too */
  web_frame_delta_set_table_interval (d, 0);
  u = next (d, SVG_A, t2, 2);
  assert_non_null (u);
  assert_int_equal (json_array_size (json_object_get (u, "actor_rows")), 2);
  json_decref (u);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_update_attrs_and_text),
    cmocka_unit_test (test_structure_changes_go_whole),
    cmocka_unit_test (test_table_rows),
    cmocka_unit_test (test_real_frames),
    cmocka_unit_test (test_prepared_update),
    cmocka_unit_test (test_table_interval),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
