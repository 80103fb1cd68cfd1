/* test-web-frame.c: what a /live client receives, built without a server:
 * the activity overview's buckets, a frame for each view kind on a small
 * store, the shared caches and follow-live windows, and details replies. */
#include "config.h"

#include <valgrind/valgrind.h>

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "web-frame.h"
#include "web-protocol.h"

#define MS G_GINT64_CONSTANT (1000000)
#define BASE G_GINT64_CONSTANT (1700000000000000000)

static void
mark (IngestStore *store, gint64 t)
{
  IngestEventInput in = { .kind = INGEST_EVENT_MARK, .time_ns = t, .actor = INGEST_STR ("m"),
                          .text = INGEST_STR ("tick") };
  ingest_store_append (store, &in);
}

static void
send_receive (IngestStore *store, const char *from, const char *to, const char *key,
              const char *label, gint64 t)
{
  IngestEventInput s = { .kind = INGEST_EVENT_SEND, .time_ns = t, .actor = INGEST_STR (from),
                         .peer = INGEST_STR (to), .message_key = INGEST_STR (key),
                         .label = INGEST_STR (label) };
  IngestEventInput r = { .kind = INGEST_EVENT_RECEIVE, .time_ns = t + 2 * MS, .actor = INGEST_STR (to),
                         .message_key = INGEST_STR (key) };
  IngestEventInput d = { .kind = INGEST_EVENT_DONE, .time_ns = t + 3 * MS, .actor = INGEST_STR (to),
                         .message_key = INGEST_STR (key) };
  ingest_store_append (store, &s);
  ingest_store_append (store, &r);
  ingest_store_append (store, &d);
}

/* a -> b (Ping) and b -> c (Pong), ten rounds 10 ms apart; 60 events. */
static IngestStore *
small_store (void)
{
  IngestStore *store = ingest_store_new ();

  for (guint k = 0; k < 10; k++)
    {
      char key[16];
      g_snprintf (key, sizeof key, "p%u", k);
      send_receive (store, "a", "b", key, "Ping", BASE + (gint64) k * 20 * MS);
      g_snprintf (key, sizeof key, "q%u", k);
      send_receive (store, "b", "c", key, "Pong", BASE + (gint64) k * 20 * MS + 10 * MS);
    }
  return store;
}

static json_t *
parse (const char *text)
{
  json_error_t jerr;
  json_t *j = json_loads (text, 0, &jerr);
  assert_non_null (j);
  return j;
}

static json_int_t
bin (json_t *overview, size_t i)
{
  return json_integer_value (json_array_get (json_object_get (overview, "bins"), i));
}

static void
test_activity_buckets (void **state)
{
  g_autoptr (IngestStore) store = ingest_store_new ();
  g_autoptr (WebActivity) activity = web_activity_new ();

  mark (store, 0);
  mark (store, 50 * MS);
  mark (store, 150 * MS);
  mark (store, 1000 * MS);
  web_activity_update (activity, store);
  json_t *o = web_activity_to_json (activity, 100);
  assert_float_equal (json_real_value (json_object_get (o, "from_ms")), 0, 1e-9);
  assert_float_equal (json_real_value (json_object_get (o, "to_ms")), 1100, 1e-9);
  assert_float_equal (json_real_value (json_object_get (o, "bin_ms")), 100, 1e-9);
  assert_int_equal (json_array_size (json_object_get (o, "bins")), 11);
  assert_int_equal (bin (o, 0), 2);
  assert_int_equal (bin (o, 1), 1);
  assert_int_equal (bin (o, 5), 0);
  assert_int_equal (bin (o, 10), 1);
  json_decref (o);

  /* Only new events count; an earlier one grows the front (whole buckets,
   * floor of negative times). */
  mark (store, -250 * MS);
  web_activity_update (activity, store);
  web_activity_update (activity, store);
  o = web_activity_to_json (activity, 100);
  assert_float_equal (json_real_value (json_object_get (o, "from_ms")), -300, 1e-9);
  assert_int_equal (json_array_size (json_object_get (o, "bins")), 14);
  assert_int_equal (bin (o, 0), 1);
  assert_int_equal (bin (o, 3), 2);
  json_decref (o);

  /* At most max_bins bins: neighbours are summed. */
  o = web_activity_to_json (activity, 4);
  assert_int_equal (json_array_size (json_object_get (o, "bins")), 4);
  assert_float_equal (json_real_value (json_object_get (o, "bin_ms")), 400, 1e-9);
  json_int_t total = 0;
  for (size_t i = 0; i < 4; i++)
    total += bin (o, i);
  assert_int_equal (total, 5);
  json_decref (o);

  /* A long trace coarsens the buckets instead of growing without bound. */
  mark (store, 500 * 1000 * MS);
  web_activity_update (activity, store);
  o = web_activity_to_json (activity, 100000);
  assert_true (json_array_size (json_object_get (o, "bins")) <= 4096);
  assert_true (json_real_value (json_object_get (o, "bin_ms")) >= 200);
  total = 0;
  for (size_t i = 0; i < json_array_size (json_object_get (o, "bins")); i++)
    total += bin (o, i);
  assert_int_equal (total, 6);
  assert_true (json_real_value (json_object_get (o, "to_ms")) > 500 * 1000);
  json_decref (o);

  /* Empty: no range. */
  g_autoptr (WebActivity) empty = web_activity_new ();
  o = web_activity_to_json (empty, 10);
  assert_int_equal (json_array_size (json_object_get (o, "bins")), 0);
  assert_float_equal (json_real_value (json_object_get (o, "to_ms")), 0, 0);
  json_decref (o);
}

static void
fixed_state (WebViewState *state, RenderViewKind kind)
{
  web_view_state_init (state);
  state->follow = FALSE;
  state->kind = kind;
  state->width = 900;
  state->height = 600;
}

static void
test_frame_each_kind (void **state)
{
  g_autoptr (IngestStore) store = small_store ();
  g_autoptr (WebActivity) activity = web_activity_new ();

  web_activity_update (activity, store);
  for (guint k = 0; k < RENDER_VIEW_N_KINDS; k++)
    {
      g_auto (WebViewState) st;
      g_autoptr (RenderScene) scene = NULL;
      g_autoptr (GError) error = NULL;

      fixed_state (&st, k);
      g_autofree char *text = web_frame_build (store, &st, activity, NULL, &scene, &error);
      assert_non_null (text);
      assert_null (error);
      assert_non_null (scene);
      json_t *f = parse (text);
      assert_string_equal (json_string_value (json_object_get (f, "type")), "frame");
      assert_int_equal (json_integer_value (json_object_get (f, "events")), 60);
      json_t *view = json_object_get (f, "view");
      assert_string_equal (json_string_value (json_object_get (view, "kind")), render_view_kind_to_string (k));
      /* the window is the data's own when the state is open-ended */
      json_t *window = json_object_get (f, "window");
      assert_float_equal (json_real_value (json_object_get (window, "from_ms")), BASE / 1e6, 1e-3);
      assert_float_equal (json_real_value (json_object_get (window, "to_ms")),
                          (BASE + 193 * MS) / 1e6, 1e-3);
      /* the SVG is a fragment of the scene that was returned */
      const char *svg = json_string_value (json_object_get (f, "svg"));
      assert_null (strstr (svg, "<?xml"));
      g_autofree char *root = g_strdup_printf ("actorscope %s", render_view_kind_to_string (k));
      assert_non_null (strstr (svg, root));
      /* a small view is drawn in full, within the default budget */
      json_t *detail = json_object_get (f, "detail");
      assert_false (json_is_true (json_object_get (detail, "reduced")));
      assert_int_equal (json_integer_value (json_object_get (detail, "svg_bytes")), strlen (svg));
      assert_int_equal (json_integer_value (json_object_get (detail, "budget")), WEB_FRAME_DEFAULT_BUDGET);
      double w = 0, h = 0;
      render_scene_get_size (scene, &w, &h);
      assert_float_equal (json_real_value (json_object_get (json_object_get (f, "size"), "width")), w, 1e-9);
      if (k == RENDER_VIEW_GRAPH)
        assert_int_equal (render_scene_count_groups (scene, "actor"), 3);
      else
        assert_int_equal (render_scene_count_groups (scene, "message"), 20);
      /* the table: busiest first, b both sends and receives */
      json_t *rows = json_object_get (f, "actors");
      assert_int_equal (json_array_size (rows), 3);
      json_t *top = json_array_get (rows, 0);
      assert_string_equal (json_string_value (json_object_get (top, "name")), "b");
      assert_int_equal (json_integer_value (json_object_get (top, "sent")), 10);
      assert_int_equal (json_integer_value (json_object_get (top, "received")), 10);
      /* its rate over the window, from the graph's nodes or the
       * timeline's lanes: the same for every kind */
      assert_float_equal (json_real_value (json_object_get (top, "rate")), 10 / 0.193, 1e-6);
      json_t *counters = json_object_get (f, "counters");
      assert_int_equal (json_integer_value (json_object_get (counters, "messages")), 20);
      assert_int_equal (json_integer_value (json_object_get (counters, "actors")), 3);
      assert_true (json_is_object (json_object_get (f, "overview")));
      json_decref (f);
    }
}

/* Process "browser" with threads "main" and "io", and a lone actor "gpu":
 * io -> main (inside the process) and gpu -> main. */
static IngestStore *
threads_store (void)
{
  IngestStore *store = ingest_store_new ();

  ingest_store_ensure_actor (store, INGEST_STR ("browser"), INGEST_ACTOR_PROCESS, (IngestStr) { 0 });
  ingest_store_ensure_actor (store, INGEST_STR ("main"), INGEST_ACTOR_THREAD, INGEST_STR ("browser"));
  ingest_store_ensure_actor (store, INGEST_STR ("io"), INGEST_ACTOR_THREAD, INGEST_STR ("browser"));
  for (guint k = 0; k < 4; k++)
    {
      char key[16];
      g_snprintf (key, sizeof key, "t%u", k);
      send_receive (store, "io", "main", key, "Post", BASE + (gint64) k * 20 * MS);
      g_snprintf (key, sizeof key, "g%u", k);
      send_receive (store, "gpu", "main", key, "Ipc", BASE + (gint64) k * 20 * MS + 10 * MS);
    }
  return store;
}

static int
cmp_name (gconstpointer a, gconstpointer b)
{
  return g_strcmp0 (*(char *const *) a, *(char *const *) b);
}

/* The names of a frame's table rows, sorted and joined by ",". */
static char *
frame_row_names (IngestStore *store, WebViewState *st, WebViewCache *cache)
{
  g_autofree char *text = web_frame_build (store, st, NULL, cache, NULL, NULL);
  assert_non_null (text);
  json_t *f = parse (text);
  g_autoptr (GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  size_t i;
  json_t *row;
  json_array_foreach (json_object_get (f, "actors"), i, row)
    g_ptr_array_add (names, g_strdup (json_string_value (json_object_get (row, "name"))));
  json_decref (f);
  g_ptr_array_sort (names, cmp_name);
  g_ptr_array_add (names, NULL);
  return g_strjoinv (",", (char **) names->pdata);
}

/* A process's threads fold into it unless the client asks for
 * "expand_threads"; fixed and follow-live views alike, and the two are
 * different views (different cache keys). */
static void
test_frame_expand_threads (void **state)
{
  g_autoptr (IngestStore) store = threads_store ();
  g_autoptr (WebLiveViews) live = web_live_views_new (store);

  for (guint follow = 0; follow < 2; follow++)
    for (guint k = 0; k < RENDER_VIEW_N_KINDS; k++)
      {
        g_autoptr (WebViewCache) cache = web_view_cache_new ();
        g_auto (WebViewState) st;
        fixed_state (&st, k);
        if (follow)
          {
            st.follow = TRUE;
            st.window_ns = 1000 * MS;
            web_view_cache_set_live (cache, live);
          }
        g_autofree char *folded = frame_row_names (store, &st, cache);
        json_t *msg = parse ("{\"expand_threads\": true}");
        g_autoptr (GError) error = NULL;
        assert_true (web_view_state_apply_json (&st, msg, &error));
        json_decref (msg);
        g_autofree char *expanded = frame_row_names (store, &st, cache);
        assert_string_equal (folded, "browser,gpu");
        assert_string_equal (expanded, "gpu,io,main");
      }

  g_auto (WebViewState) st;
  web_view_state_init (&st);
  json_t *bad_msg = parse ("{\"expand_threads\": 1}");
  g_autoptr (GError) error = NULL;
  assert_false (web_view_state_apply_json (&st, bad_msg, &error));
  assert_non_null (strstr (error->message, "expand_threads"));
  json_decref (bad_msg);
}

/* A cache shares the scans of a round: frames are the same with it. */
static void
test_frame_cache_and_live (void **state)
{
  g_autoptr (IngestStore) store = small_store ();
  g_autoptr (WebViewCache) cache = web_view_cache_new ();

  for (guint k = 0; k < RENDER_VIEW_N_KINDS; k++)
    {
      g_auto (WebViewState) st;
      fixed_state (&st, k);
      g_autofree char *plain = web_frame_build (store, &st, NULL, NULL, NULL, NULL);
      g_autofree char *cached = web_frame_build (store, &st, NULL, cache, NULL, NULL);
      g_autofree char *again = web_frame_build (store, &st, NULL, cache, NULL, NULL);
      assert_non_null (plain);
      assert_string_equal (plain, cached);
      assert_string_equal (plain, again);
    }

  /* Follow-live views keep one sliding window per view, pruned when idle. */
  g_autoptr (WebLiveViews) live = web_live_views_new (store);
  g_autoptr (WebViewCache) round = web_view_cache_new ();
  web_view_cache_set_live (round, live);
  for (guint k = 0; k < RENDER_VIEW_N_KINDS; k++)
    {
      g_auto (WebViewState) st;
      web_view_state_init (&st);
      st.kind = k;
      st.window_ns = 100 * MS;
      g_autoptr (RenderScene) scene = NULL;
      g_autofree char *text = web_frame_build (store, &st, NULL, round, &scene, NULL);
      assert_non_null (text);
      json_t *f = parse (text);
      json_t *window = json_object_get (f, "window");
      assert_float_equal (json_real_value (json_object_get (window, "to_ms")),
                          (BASE + 193 * MS) / 1e6, 1e-3);
      assert_true (json_real_value (json_object_get (window, "from_ms")) >= (BASE + 92 * MS) / 1e6);
      json_decref (f);
    }
  /* the graph view's window and one timeline window shared by the
   * sequence and timeline views (their tables' rates come from its lanes:
   * no graph window for them) */
  assert_int_equal (web_live_views_size (live), 2);
  web_live_views_prune (live, g_get_monotonic_time () + 60 * G_USEC_PER_SEC, G_USEC_PER_SEC);
  assert_int_equal (web_live_views_size (live), 0);
}

/* Inputs rendered in a worker thread while this thread keeps appending to
 * the store: the frames are those of the store as it was when each input
 * was made (same bytes as building them then), and the worker never reads
 * the store (run under helgrind or a -Db_sanitize=thread build, this is
 * the race check of the render pool). */
typedef struct {
  GPtrArray *inputs;
  GPtrArray *texts;
} RenderWork;

static gpointer
render_inputs (gpointer data)
{
  RenderWork *w = data;
  for (guint i = 0; i < w->inputs->len; i++)
    g_ptr_array_add (w->texts, web_frame_input_render (w->inputs->pdata[i], NULL, NULL));
  return NULL;
}

static void
test_frame_input_renders_while_appending (void **state)
{
  g_autoptr (IngestStore) store = small_store ();
  g_autoptr (WebActivity) activity = web_activity_new ();
  g_autoptr (WebLiveViews) live = web_live_views_new (store);
  g_autoptr (GPtrArray) expected = g_ptr_array_new_with_free_func (g_free);
  RenderWork w = { g_ptr_array_new_with_free_func ((GDestroyNotify) web_frame_input_free),
                   g_ptr_array_new_with_free_func (g_free) };
  GThread *worker;

  web_activity_update (activity, store);
  for (guint k = 0; k < RENDER_VIEW_N_KINDS; k++)
    for (guint follow = 0; follow < 2; follow++)
      {
        g_auto (WebViewState) st;
        g_autoptr (WebViewCache) round = web_view_cache_new ();
        g_autoptr (WebViewCache) round2 = web_view_cache_new ();
        g_autoptr (WebLiveViews) live2 = web_live_views_new (store);

        fixed_state (&st, k);
        st.follow = follow;
        st.window_ns = 100 * MS;
        web_view_cache_set_live (round, live);
        web_view_cache_set_live (round2, live2);
        g_ptr_array_add (expected, web_frame_build (store, &st, activity, round2, NULL, NULL));
        g_ptr_array_add (w.inputs, web_frame_input_new (store, &st, activity, round, NULL));
        assert_non_null (w.inputs->pdata[w.inputs->len - 1]);
      }
  worker = g_thread_new ("render", render_inputs, &w);
  for (guint k = 0; k < 2000; k++)
    {
      char key[16];
      g_snprintf (key, sizeof key, "w%u", k);
      send_receive (store, k % 2 ? "a" : "d", "e", key, k % 3 ? "Late" : "Later",
                    BASE + 300 * MS + (gint64) k * MS);
    }
  g_thread_join (worker);
  assert_int_equal (w.texts->len, expected->len);
  for (guint i = 0; i < expected->len; i++)
    assert_string_equal (w.texts->pdata[i], expected->pdata[i]);
  g_ptr_array_unref (w.inputs);
  g_ptr_array_unref (w.texts);
  (void) state;
}

static void
test_frame_bad_filter (void **state)
{
  g_autoptr (IngestStore) store = small_store ();
  g_auto (WebViewState) st;
  g_autoptr (GError) error = NULL;
  RenderScene *scene = NULL;

  fixed_state (&st, RENDER_VIEW_TIMELINE);
  st.actor_filter = g_strdup ("/[/");
  assert_null (web_frame_build (store, &st, NULL, NULL, &scene, &error));
  assert_non_null (error);
  assert_null (scene);
}

static json_t *
details (IngestStore *store, const WebViewState *st, const char *klass, const char *id)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *text = web_frame_details (store, st, INGEST_TIME_MIN, INGEST_TIME_MAX, klass, id, &error);
  if (text == NULL)
    {
      assert_true (g_error_matches (error, WEB_PROTOCOL_ERROR, WEB_PROTOCOL_ERROR_NOT_FOUND));
      return NULL;
    }
  json_t *j = parse (text);
  assert_string_equal (json_string_value (json_object_get (j, "type")), "details");
  json_t *d = json_incref (json_object_get (j, "details"));
  json_decref (j);
  return d;
}

static const char *
str (json_t *d, const char *field)
{
  return json_string_value (json_object_get (d, field));
}

static void
test_details (void **state)
{
  g_autoptr (IngestStore) store = small_store ();
  g_auto (WebViewState) st;
  json_t *d;

  fixed_state (&st, RENDER_VIEW_GRAPH);

  d = details (store, NULL, "message", "1");
  assert_string_equal (str (d, "class"), "message");
  assert_string_equal (str (d, "from"), "a");
  assert_string_equal (str (d, "to"), "b");
  assert_string_equal (str (d, "label"), "Ping");
  assert_float_equal (json_real_value (json_object_get (d, "mailbox_ms")), 2, 1e-9);
  assert_float_equal (json_real_value (json_object_get (d, "processing_ms")), 1, 1e-9);
  assert_true (json_is_null (json_object_get (d, "round_trip_ms")));
  json_decref (d);
  assert_null (details (store, NULL, "message", "21"));
  assert_null (details (store, NULL, "message", "1x"));

  d = details (store, NULL, "actor", "b");
  assert_string_equal (str (d, "class"), "actor");
  assert_int_equal (json_integer_value (json_object_get (d, "received")), 10);
  json_decref (d);
  d = details (store, NULL, "actor", "#1");
  assert_string_equal (str (d, "name"), "a");
  json_decref (d);
  assert_null (details (store, NULL, "actor", "nobody"));

  d = details (store, NULL, "edge", "b->c");
  assert_string_equal (str (d, "class"), "edge");
  assert_int_equal (json_integer_value (json_object_get (d, "count")), 10);
  assert_string_equal (str (d, "top_label"), "Pong");
  json_decref (d);
  assert_null (details (store, NULL, "edge", "c->a"));

  /* Index ids name items of the client's view: the ids its frame drew. */
  g_autoptr (RenderScene) scene = NULL;
  g_autofree char *frame = web_frame_build (store, &st, NULL, NULL, &scene, NULL);
  assert_non_null (frame);
  guint edges = 0;
  for (const RenderNode *n = render_scene_get_first (scene); n != NULL; n = n->next)
    if (n->kind == RENDER_NODE_GROUP_BEGIN && g_strcmp0 (n->u.group.klass, "edge") == 0)
      {
        d = details (store, &st, "edge", n->u.group.id);
        assert_non_null (d);
        assert_int_equal (json_integer_value (json_object_get (d, "count")), 10);
        assert_int_equal (json_integer_value (json_object_get (d, "total")), 10);
        json_decref (d);
        edges++;
      }
  assert_int_equal (edges, 2);
  assert_null (details (store, NULL, "edge", "e0-1"));   /* no view: no index ids */
  assert_null (details (store, &st, "edge", "e7-9"));

  /* Timeline items: a span explains itself by its message. */
  g_auto (WebViewState) tst;
  fixed_state (&tst, RENDER_VIEW_TIMELINE);
  d = details (store, &tst, "span", "span0");
  assert_string_equal (str (d, "class"), "message");
  json_decref (d);
  assert_null (details (store, &tst, "span", "span99"));
  assert_null (details (store, &tst, "span", "spanx"));
  assert_null (details (store, &tst, "mark", "mark0"));

  /* A hit on the drawn frame resolves like a click. */
  g_autoptr (RenderScene) tscene = NULL;
  g_autofree char *tframe = web_frame_build (store, &tst, NULL, NULL, &tscene, NULL);
  assert_non_null (tframe);
  const RenderNode *g = render_scene_find_group (tscene, "message", "2");
  assert_non_null (g);
  double b[4];
  assert_true (render_scene_group_bounds (tscene, g, b));
  const RenderNode *hit = render_scene_hit_test (tscene, (b[0] + b[2]) / 2, (b[1] + b[3]) / 2);
  assert_non_null (hit);
  d = details (store, &tst, hit->u.group.klass, hit->u.group.id);
  assert_non_null (d);
  json_decref (d);
}

/* The ends of the accepted time range (the store clamps to
 * +-INGEST_STORE_MAX_TIME): marks and a message from one end to the other,
 * in either order. */
static IngestStore *
extreme_store (gboolean max_first)
{
  IngestStore *store = ingest_store_new ();
  gint64 a = max_first ? G_MAXINT64 : G_MININT64, b = max_first ? G_MININT64 : G_MAXINT64;

  mark (store, a);
  mark (store, b);
  IngestEventInput s = { .kind = INGEST_EVENT_SEND, .time_ns = a, .actor = INGEST_STR ("x"),
                         .peer = INGEST_STR ("y"), .message_key = INGEST_STR ("1") };
  IngestEventInput r = { .kind = INGEST_EVENT_RECEIVE, .time_ns = b, .actor = INGEST_STR ("y"),
                         .message_key = INGEST_STR ("1") };
  IngestEventInput d = { .kind = INGEST_EVENT_DONE, .time_ns = b, .actor = INGEST_STR ("y"),
                         .message_key = INGEST_STR ("1") };
  ingest_store_append (store, &s);
  ingest_store_append (store, &r);
  ingest_store_append (store, &d);
  return store;
}

/* Every frame of every view, live and fixed, over a store holding both
 * ends of the time range: no overflow, bounded overview. */
static void
test_extreme_times (void **state)
{
  for (int order = 0; order < 2; order++)
    {
      g_autoptr (IngestStore) store = extreme_store (order);
      g_autoptr (WebActivity) activity = web_activity_new ();
      g_autoptr (WebLiveViews) live = web_live_views_new (store);

      /* one event per update too, as live producers deliver them */
      g_autoptr (IngestStore) part = ingest_store_new ();
      g_autoptr (WebActivity) step = web_activity_new ();
      for (guint64 n = 0; n < ingest_store_n_events (store); n++)
        {
          mark (part, ingest_store_event (store, n)->time_ns);
          web_activity_update (step, part);
          json_decref (web_activity_to_json (step, 240));
        }

      web_activity_update (activity, store);
      json_t *o = web_activity_to_json (activity, 240);
      json_t *bins = json_object_get (o, "bins");
      assert_true (json_array_size (bins) >= 1 && json_array_size (bins) <= 240);
      json_int_t total = 0;
      for (size_t i = 0; i < json_array_size (bins); i++)
        total += bin (o, i);
      assert_int_equal (total, ingest_store_n_events (store));
      double from = json_real_value (json_object_get (o, "from_ms"));
      double to = json_real_value (json_object_get (o, "to_ms"));
      assert_true (from <= -(double) INGEST_STORE_MAX_TIME / 1e6 && to >= (double) INGEST_STORE_MAX_TIME / 1e6);
      json_decref (o);

      for (guint k = 0; k < RENDER_VIEW_N_KINDS; k++)
        for (int follow = 0; follow < 2; follow++)
          {
            g_autoptr (WebViewCache) round = web_view_cache_new ();
            web_view_cache_set_live (round, live);
            g_auto (WebViewState) st;
            web_view_state_init (&st);
            st.kind = k;
            st.follow = follow;
            st.window_ns = 604800 * G_GINT64_CONSTANT (1000000000);
            st.from_ns = -INGEST_STORE_MAX_TIME;
            st.to_ns = INGEST_STORE_MAX_TIME;
            g_autoptr (RenderScene) scene = NULL;
            g_autoptr (GError) error = NULL;
            g_autofree char *text = web_frame_build (store, &st, activity, round, &scene, &error);
            assert_non_null (text);
            json_decref (parse (text));
          }
    }
}

/* The whole frame, not only its SVG, keeps within the budget: 600 actors
 * with non-ASCII names (their table alone would be about 200 KB) and
 * thousands of messages, at the smallest budgets and the default. The
 * SVG is escaped by hand into the JSON: it must parse back to exactly
 * what was drawn (svg_bytes) and keep the names. */
static void
test_frame_within_budget (void **state)
{
  g_autoptr (IngestStore) store = ingest_store_new ();
  /* Under valgrind (the CI's memcheck pass) 200 actors: their table still
   * overflows every budget's share and the graph still has to give up
   * detail, so the same paths run, at a third of the layout work (600
   * took 80 s there). */
  const guint n_actors = RUNNING_ON_VALGRIND ? 200 : 600;

  for (guint k = 0; k < 10 * n_actors; k++)
    {
      char from[64], to[64], key[16];
      g_snprintf (from, sizeof from, "/user/caf\u00e9-%u-\xf0\x9f\x98\x80", k % n_actors);
      g_snprintf (to, sizeof to, "/user/na\u00efve-%u", (k * 7) % n_actors);
      g_snprintf (key, sizeof key, "m%u", k);
      send_receive (store, from, to, key, "Job \"quoted\" \\ <tag>", BASE + (gint64) k * MS);
    }
  for (guint k = 0; k < RENDER_VIEW_N_KINDS; k++)
    for (gsize budget = WEB_FRAME_MIN_BUDGET; budget <= WEB_FRAME_DEFAULT_BUDGET; budget *= 4)
      {
        g_autoptr (WebViewCache) cache = web_view_cache_new ();
        g_auto (WebViewState) st;
        fixed_state (&st, k);
        web_view_cache_set_frame_budget (cache, budget);
        g_autofree char *text = web_frame_build (store, &st, NULL, cache, NULL, NULL);
        assert_non_null (text);
        assert_true (strlen (text) <= budget);
        json_t *f = parse (text);
        json_t *detail = json_object_get (f, "detail");
        const char *svg = json_string_value (json_object_get (f, "svg"));
        assert_non_null (svg);
        assert_int_equal (json_integer_value (json_object_get (detail, "svg_bytes")), strlen (svg));
        assert_int_equal (json_integer_value (json_object_get (detail, "budget")), budget);
        /* the table gave up its least busy rows, at most 3/5 of the budget */
        json_t *rows = json_object_get (f, "actors");
        assert_true (json_array_size (rows) > 0 && json_array_size (rows) < 500);
        g_autofree char *rows_text = json_dumps (rows, JSON_COMPACT | JSON_ENSURE_ASCII);
        assert_true (strlen (rows_text) <= budget / 5 * 3);
        if (budget == WEB_FRAME_DEFAULT_BUDGET && k == RENDER_VIEW_GRAPH)
          assert_non_null (strstr (svg, "caf\u00e9-"));
        json_decref (f);
      }
}

/* 220 actors in a graph at the default budget: their table at its full
 * share (3/5) leaves too little for even the nodes, so the table gives way
 * (to 1/5) and the graph is drawn, not replaced by the over-budget
 * placeholder. */
static void
test_picture_before_table (void **state)
{
  g_autoptr (IngestStore) store = ingest_store_new ();

  for (guint k = 0; k < 4400; k++)
    {
      char from[96], to[96], key[16];
      g_snprintf (from, sizeof from, "/user/orders/service-%u/handler-instance", k % 220);
      g_snprintf (to, sizeof to, "/user/orders/service-%u/handler-instance", (k * 7 + 1) % 220);
      g_snprintf (key, sizeof key, "m%u", k);
      send_receive (store, from, to, key, "Job", BASE + (gint64) k * MS);
    }
  g_autoptr (WebViewCache) cache = web_view_cache_new ();
  g_auto (WebViewState) st;
  fixed_state (&st, RENDER_VIEW_GRAPH);
  st.width = 1400;
  st.height = 900;
  web_view_cache_set_frame_budget (cache, WEB_FRAME_DEFAULT_BUDGET);
  g_autofree char *text = web_frame_build (store, &st, NULL, cache, NULL, NULL);
  assert_non_null (text);
  assert_true (strlen (text) <= WEB_FRAME_DEFAULT_BUDGET);
  json_t *f = parse (text);
  json_t *detail = json_object_get (f, "detail");
  const char *svg = json_string_value (json_object_get (f, "svg"));
  assert_true (json_integer_value (json_object_get (detail, "max_elements")) > 0);
  assert_null (strstr (svg, "over-budget"));
  guint n_actors = 0;
  for (const char *p = svg; (p = strstr (p, "<g class=\"actor\"")) != NULL; p++)
    n_actors++;
  assert_int_equal (n_actors, 220);
  /* the table shrank to its smaller share, busiest rows kept */
  json_t *rows = json_object_get (f, "actors");
  g_autofree char *rows_text = json_dumps (rows, JSON_COMPACT | JSON_ENSURE_ASCII);
  assert_true (json_array_size (rows) > 0);
  assert_true (strlen (rows_text) <= WEB_FRAME_DEFAULT_BUDGET / 5);
  json_decref (f);
}

/* "pinned" in a view message: bounded and checked all-or-nothing; the
 * frame's view echoes it, a sequence frame draws the pinned lanes first
 * and its row_times run down the chart. */
static void
test_pinned_view (void **state)
{
  g_autoptr (IngestStore) store = small_store ();
  g_auto (WebViewState) st;
  g_autoptr (GError) error = NULL;
  json_t *msg;

  fixed_state (&st, RENDER_VIEW_SEQUENCE);
  msg = json_loads ("{\"pinned\":[\"c\",\"b\"]}", 0, NULL);
  assert_true (web_view_state_apply_json (&st, msg, &error));
  json_decref (msg);
  assert_string_equal (st.pinned[0], "c");
  /* too many, empty or not strings: refused, nothing changed */
  const char *bad[] = { "{\"pinned\":[1]}", "{\"pinned\":[\"\"]}", "{\"pinned\":\"c\"}",
                        "{\"pinned\":[\"1\",\"2\",\"3\",\"4\",\"5\",\"6\",\"7\",\"8\",\"9\",\"10\",\"11\",\"12\",\"13\",\"14\",\"15\",\"16\",\"17\"]}" };
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr (GError) e = NULL;
      msg = json_loads (bad[i], 0, NULL);
      assert_false (web_view_state_apply_json (&st, msg, &e));
      assert_non_null (strstr (e->message, "pinned"));
      json_decref (msg);
    }
  assert_string_equal (st.pinned[0], "c");
  assert_string_equal (st.pinned[1], "b");

  g_autofree char *text = web_frame_build (store, &st, NULL, NULL, NULL, NULL);
  assert_non_null (text);
  json_t *f = parse (text);
  json_t *pinned = json_object_get (json_object_get (f, "view"), "pinned");
  assert_int_equal (json_array_size (pinned), 2);
  assert_string_equal (json_string_value (json_array_get (pinned, 1)), "b");
  const char *svg = json_string_value (json_object_get (f, "svg"));
  const char *c = strstr (svg, "data-id=\"c\""), *b = strstr (svg, "data-id=\"b\""), *a = strstr (svg, "data-id=\"a\"");
  assert_true (c != NULL && b != NULL && a != NULL && c < b && b < a);
  json_t *rows = json_object_get (f, "row_times");
  json_t *ys = json_object_get (rows, "y"), *ts = json_object_get (rows, "dt_ms");
  assert_int_equal (json_array_size (ys), 20);
  assert_int_equal (json_array_size (ts), 20);
  for (guint i = 1; i < json_array_size (ys); i++)
    {
      assert_true (json_number_value (json_array_get (ys, i)) > json_number_value (json_array_get (ys, i - 1)));
      assert_float_equal (json_number_value (json_array_get (ts, i)), i * 10.0, 1e-3);
    }

  /* null unpins */
  msg = json_loads ("{\"pinned\":null}", 0, NULL);
  assert_true (web_view_state_apply_json (&st, msg, NULL));
  json_decref (msg);
  assert_null (st.pinned);
  json_decref (f);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_activity_buckets),
    cmocka_unit_test (test_extreme_times),
    cmocka_unit_test (test_frame_each_kind),
    cmocka_unit_test (test_frame_cache_and_live),
    cmocka_unit_test (test_frame_within_budget),
    cmocka_unit_test (test_picture_before_table),
    cmocka_unit_test (test_frame_input_renders_while_appending),
    cmocka_unit_test (test_frame_bad_filter),
    cmocka_unit_test (test_details),
    cmocka_unit_test (test_frame_expand_threads),
    cmocka_unit_test (test_pinned_view),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
