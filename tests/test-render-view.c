/* test-render-view.c: render_view_build dispatches by kind and reports the
 * window and time axis the layout used; the axis maps times to the x the
 * timeline drew them at, round-trips, and never overflows. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "test-render-common.h"
#include "render-view.h"

#define MS G_GINT64_CONSTANT (1000000)
#define BASE G_GINT64_CONSTANT (1700000000000000000)

static void
send_receive (IngestStore *store, const char *from, const char *to, const char *key,
              const char *label, gint64 send_ns, gint64 receive_ns)
{
  IngestEventInput s = { .kind = INGEST_EVENT_SEND, .time_ns = send_ns, .actor = INGEST_STR (from),
                         .peer = INGEST_STR (to), .message_key = INGEST_STR (key),
                         .label = INGEST_STR (label) };
  IngestEventInput r = { .kind = INGEST_EVENT_RECEIVE, .time_ns = receive_ns, .actor = INGEST_STR (to),
                         .message_key = INGEST_STR (key) };
  IngestEventInput d = { .kind = INGEST_EVENT_DONE, .time_ns = receive_ns + MS / 2,
                         .actor = INGEST_STR (to), .message_key = INGEST_STR (key) };
  ingest_store_append (store, &s);
  ingest_store_append (store, &r);
  ingest_store_append (store, &d);
}

/* Three actors trading 40 messages, 10 ms apart, over 400 ms. */
static IngestStore *
small_store (void)
{
  IngestStore *store = ingest_store_new ();
  const char *names[3] = { "/user/a", "/user/b", "/user/c" };

  for (guint k = 0; k < 40; k++)
    {
      char key[16];
      g_snprintf (key, sizeof key, "m%u", k);
      send_receive (store, names[k % 3], names[(k + 1 + k / 3) % 3], key, k % 2 ? "Ping" : "Pong",
                    BASE + (gint64) k * 10 * MS, BASE + (gint64) k * 10 * MS + 3 * MS);
    }
  return store;
}

static void
test_kind_strings (void **state)
{
  for (guint i = 0; i < RENDER_VIEW_N_KINDS; i++)
    {
      RenderViewKind k = RENDER_VIEW_TIMELINE + 1;
      assert_true (render_view_kind_from_string (render_view_kind_to_string (i), &k));
      assert_int_equal (k, i);
    }
  assert_string_equal (render_view_kind_to_string (RENDER_VIEW_GRAPH), "graph");
  assert_string_equal (render_view_kind_to_string (RENDER_VIEW_SEQUENCE), "sequence");
  assert_string_equal (render_view_kind_to_string (RENDER_VIEW_TIMELINE), "timeline");
  RenderViewKind k = RENDER_VIEW_SEQUENCE;
  assert_false (render_view_kind_from_string ("Graph", &k));
  assert_false (render_view_kind_from_string ("", &k));
  assert_false (render_view_kind_from_string (NULL, &k));
  assert_int_equal (k, RENDER_VIEW_SEQUENCE);
}

/* For every message arrow in a timeline scene: its x1 against where the
 * axis puts the message's send time. Returns how many were checked. */
static guint
check_arrows_on_axis (IngestStore *store, const RenderScene *scene, const RenderTimeAxis *axis)
{
  guint checked = 0;
  guint32 message = 0;

  for (const RenderNode *n = render_scene_get_first (scene); n != NULL; n = n->next)
    {
      if (n->kind == RENDER_NODE_GROUP_BEGIN)
        {
          message = g_strcmp0 (n->u.group.klass, "message") == 0
                    ? (guint32) g_ascii_strtoull (n->u.group.id, NULL, 10) : 0;
          continue;
        }
      if (message == 0 || n->kind != RENDER_NODE_ARROW)
        continue;
      const IngestMessage *m = ingest_store_message (store, message);
      assert_non_null (m);
      gint64 send = ingest_store_event (store, m->send_seq)->time_ns;
      if (send >= axis->from_ns && send <= axis->to_ns)
        {
          assert_float_equal (n->u.arrow.x1, render_time_axis_to_x (axis, send), 0.01);
          checked++;
        }
      message = 0;
    }
  return checked;
}

static void
test_axis_matches_arrows (void **state)
{
  g_autoptr (IngestStore) store = small_store ();
  const struct { gint64 from, to; double width; } windows[] = {
    { INGEST_TIME_MIN, INGEST_TIME_MAX, 0 },
    { BASE, BASE + 100 * MS, 900 },
    { BASE + 55 * MS, BASE + 260 * MS, 1400 },
    { BASE + 300 * MS, BASE + 301 * MS, 600 },
    { BASE - 1000 * MS, BASE + 2000 * MS, 2400 },
  };

  for (guint w = 0; w < G_N_ELEMENTS (windows); w++)
    {
      IngestViewSpec spec = { .from_ns = windows[w].from, .to_ns = windows[w].to };
      RenderViewRequest req = { .kind = RENDER_VIEW_TIMELINE, .spec = &spec };
      g_auto (RenderViewResult) res = { 0 };
      g_autoptr (GError) error = NULL;

      req.layout.width = windows[w].width;
      assert_true (render_view_build (store, &req, &res, &error));
      assert_null (error);
      assert_non_null (res.scene);
      assert_true (res.axis.valid);
      assert_true (res.axis.x0 < res.axis.x1);
      assert_true (res.axis.height > 0);
      double sw, sh;
      render_scene_get_size (res.scene, &sw, &sh);
      assert_true (res.axis.x1 <= sw && res.axis.height < sh);
      if (windows[w].from != INGEST_TIME_MIN)
        assert_true (res.axis.from_ns >= windows[w].from);
      guint checked = check_arrows_on_axis (store, res.scene, &res.axis);
      if (w != 3)
        assert_true (checked >= 2);
      /* the window reported is the one the axis covers */
      assert_true (res.from_ns <= res.to_ns);
    }

  /* A hand-built timeline passed as prebuilt data, several windows. */
  IngestTimeline *t = test_timeline_random (store, 4, 200);
  const gint64 base = BASE;
  for (guint w = 0; w < 4; w++)
    {
      t->from_ns = base + (gint64) w * 3 * MS;
      t->to_ns = t->from_ns + (gint64) (w + 1) * 4 * MS;
      RenderTimeAxis axis = { 0 };
      RenderLayoutOptions opt = { .axis_out = &axis, .width = 800 + 200 * w };
      g_autoptr (RenderScene) scene = render_layout_timeline (t, &opt);
      assert_true (axis.valid);
      assert_int_equal (axis.from_ns, t->from_ns);
      assert_int_equal (axis.to_ns, t->to_ns);
      guint checked = 0, k = 0;
      for (const RenderNode *n = render_scene_get_first (scene); n != NULL; n = n->next)
        if (n->kind == RENDER_NODE_GROUP_BEGIN && g_strcmp0 (n->u.group.klass, "message") == 0)
          {
            const IngestTimelineMessage *m = &g_array_index (t->messages, IngestTimelineMessage, k++);
            const RenderNode *a = n->next;
            assert_int_equal (a->kind, RENDER_NODE_ARROW);
            if (m->send_ns >= t->from_ns && m->send_ns <= t->to_ns)
              {
                assert_float_equal (a->u.arrow.x1, render_time_axis_to_x (&axis, m->send_ns), 0.01);
                checked++;
              }
          }
      assert_true (checked > 10);
    }
  test_timeline_free (t);
}

static void
test_axis_round_trip (void **state)
{
  RenderTimeAxis axis = { TRUE, BASE, BASE + 1000 * MS, 120, 1380, 40 };

  assert_float_equal (render_time_axis_to_x (&axis, axis.from_ns), 120, 1e-9);
  assert_float_equal (render_time_axis_to_x (&axis, axis.to_ns), 1380, 1e-9);
  assert_float_equal (render_time_axis_to_x (&axis, BASE + 500 * MS), 750, 1e-9);
  /* outside the window: linear, not clamped */
  assert_float_equal (render_time_axis_to_x (&axis, BASE - 1000 * MS), 120 - 1260, 1e-6);
  for (gint64 t = BASE - 500 * MS; t <= BASE + 1500 * MS; t += 7777777)
    assert_true (llabs (render_time_axis_to_time (&axis, render_time_axis_to_x (&axis, t)) - t) <= 1);
  for (double x = 0; x < 1500; x += 13.25)
    assert_float_equal (render_time_axis_to_x (&axis, render_time_axis_to_time (&axis, x)), x, 1e-4);
  assert_int_equal (render_time_axis_to_time (&axis, 120), BASE);
  assert_int_equal (render_time_axis_to_time (&axis, 1380), BASE + 1000 * MS);
}

static void
test_axis_extremes (void **state)
{
  RenderTimeAxis full = { TRUE, G_MININT64, G_MAXINT64, 0, 1000, 20 };
  RenderTimeAxis top = { TRUE, G_MAXINT64 - 10, G_MAXINT64, 0, 100, 20 };
  RenderTimeAxis bottom = { TRUE, G_MININT64, G_MININT64 + 10, 0, 100, 20 };

  assert_float_equal (render_time_axis_to_x (&full, G_MININT64), 0, 1e-9);
  assert_float_equal (render_time_axis_to_x (&full, G_MAXINT64), 1000, 1e-9);
  assert_float_equal (render_time_axis_to_x (&full, 0), 500, 1e-6);
  assert_int_equal (render_time_axis_to_time (&full, 0), G_MININT64);
  assert_int_equal (render_time_axis_to_time (&full, 1000), G_MAXINT64);
  assert_int_equal (render_time_axis_to_time (&full, 1e9), G_MAXINT64);
  assert_int_equal (render_time_axis_to_time (&full, -1e9), G_MININT64);

  double x = render_time_axis_to_x (&top, G_MININT64);
  assert_true (isfinite (x) && x < -1e18);
  assert_int_equal (render_time_axis_to_time (&top, 200), G_MAXINT64);
  assert_int_equal (render_time_axis_to_time (&top, 50), G_MAXINT64 - 5);
  assert_int_equal (render_time_axis_to_time (&top, -1e30), G_MININT64);
  assert_int_equal (render_time_axis_to_time (&top, INFINITY), G_MAXINT64);
  assert_int_equal (render_time_axis_to_time (&top, -INFINITY), G_MININT64);
  assert_int_equal (render_time_axis_to_time (&top, NAN), G_MAXINT64 - 10);

  x = render_time_axis_to_x (&bottom, G_MAXINT64);
  assert_true (isfinite (x) && x > 1e18);
  assert_int_equal (render_time_axis_to_time (&bottom, -5), G_MININT64);
  assert_int_equal (render_time_axis_to_time (&bottom, 100), G_MININT64 + 10);
  assert_int_equal (render_time_axis_to_time (&bottom, 1e300), G_MAXINT64);

  /* degenerate axes map everything to their start */
  RenderTimeAxis flat = { TRUE, 5, 5, 10, 10, 20 };
  assert_float_equal (render_time_axis_to_x (&flat, G_MAXINT64), 10, 0);
  assert_int_equal (render_time_axis_to_time (&flat, 1e6), 5);
}

static void
test_build_kinds (void **state)
{
  g_autoptr (IngestStore) store = small_store ();
  IngestViewSpec spec = { .from_ns = INGEST_TIME_MIN, .to_ns = INGEST_TIME_MAX };

  for (guint i = 0; i < RENDER_VIEW_N_KINDS; i++)
    {
      RenderViewRequest req = { .kind = i, .spec = &spec };
      g_auto (RenderViewResult) res = { 0 };
      req.layout.seed = 1;
      assert_true (render_view_build (store, &req, &res, NULL));
      assert_non_null (res.scene);
      assert_int_equal (res.from_ns, BASE);
      assert_int_equal (res.to_ns, BASE + 39 * 10 * MS + 3 * MS + MS / 2);
      assert_non_null (strstr (render_scene_get_root_class (res.scene), render_view_kind_to_string (i)));
      assert_int_equal (res.axis.valid, i == RENDER_VIEW_TIMELINE);
      if (i == RENDER_VIEW_GRAPH)
        assert_int_equal (render_scene_count_groups (res.scene, "actor"), 3);
      else
        assert_int_equal (render_scene_count_groups (res.scene, "message"), 40);
      render_view_result_clear (&res);
      assert_null (res.scene);
      assert_false (res.axis.valid);
    }

  /* A bad filter is an error, not a scene. */
  IngestViewSpec bad = { .from_ns = INGEST_TIME_MIN, .to_ns = INGEST_TIME_MAX, .actor_filter = "/[/" };
  for (guint i = 0; i < RENDER_VIEW_N_KINDS; i++)
    {
      RenderViewRequest req = { .kind = i, .spec = &bad };
      RenderViewResult res;
      g_autoptr (GError) error = NULL;
      memset (&res, 0xff, sizeof res);
      assert_false (render_view_build (store, &req, &res, &error));
      assert_true (g_error_matches (error, INGEST_ERROR, INGEST_ERROR_FILTER));
      assert_null (res.scene);
      assert_false (res.axis.valid);
    }
}

static void
test_build_prebuilt_and_fill (void **state)
{
  g_autoptr (IngestStore) store = ingest_store_new ();
  IngestTimeline *t = test_timeline_random (store, 2, 30);
  IngestGraph *g = test_graph_random (store, 12, 30);

  /* Prebuilt data is drawn as given (no spec needed), its window reported. */
  RenderViewRequest greq = { .kind = RENDER_VIEW_GRAPH, .graph = g };
  g_auto (RenderViewResult) gres = { 0 };
  assert_true (render_view_build (store, &greq, &gres, NULL));
  assert_int_equal (render_scene_count_groups (gres.scene, "actor"), 12);
  assert_int_equal (gres.to_ns, g->to_ns);

  RenderViewRequest sreq = { .kind = RENDER_VIEW_SEQUENCE, .timeline = t };
  g_auto (RenderViewResult) sres = { 0 };
  assert_true (render_view_build (store, &sreq, &sres, NULL));
  assert_int_equal (render_scene_count_groups (sres.scene, "message"), 30);
  assert_false (sres.axis.valid);

  /* Two lanes in a tall pane: the font grows (at most 1.15x), the scene
   * grows towards the pane, and the axis follows the rebuilt scene. */
  RenderViewRequest treq = { .kind = RENDER_VIEW_TIMELINE, .timeline = t };
  g_auto (RenderViewResult) plain = { 0 }, filled = { 0 };
  assert_true (render_view_build (store, &treq, &plain, NULL));
  treq.fill_height = 2000;
  assert_true (render_view_build (store, &treq, &filled, NULL));
  double w0, h0, w1, h1;
  render_scene_get_size (plain.scene, &w0, &h0);
  render_scene_get_size (filled.scene, &w1, &h1);
  assert_float_equal (w0, w1, 1e-9);
  assert_true (h1 > h0 * 1.1 && h1 < h0 * 1.2);
  assert_true (filled.axis.valid);
  assert_true (filled.axis.height > plain.axis.height);
  /* a pane the scene already fills leaves it alone */
  treq.fill_height = h0;
  g_auto (RenderViewResult) same = { 0 };
  assert_true (render_view_build (store, &treq, &same, NULL));
  render_scene_get_size (same.scene, &w1, &h1);
  assert_float_equal (h1, h0, 1e-9);

  test_graph_free (g);
  test_timeline_free (t);
}

/* 200 actors, 100,002 events (send, receive, done of 33,334 messages)
 * over 2 s: the load at which unbounded frames reached a megabyte. Between
 * random pairs, or (topology) each actor to four fixed peers: then fewer
 * edges than max_elements exist and lowering it at first changes nothing. */
static IngestStore *
busy_store (gboolean topology)
{
  IngestStore *store = ingest_store_new ();
  char names[200][24];
  guint32 rng = 1;

  for (guint i = 0; i < 200; i++)
    g_snprintf (names[i], sizeof names[i], "/user/w%u", i);
  for (guint k = 0; k < 33334; k++)
    {
      char key[16];
      rng = rng * 1103515245u + 12345u;
      guint from = (rng >> 8) % 200, to = (from + 1 + (rng >> 20) % 199) % 200;
      if (topology)
        {
          static const guint peers[4] = { 0, 13, 57, 101 };
          from = (guint) (200 * pow (((rng >> 8) % 1000) / 1000.0, 2));
          to = (from * 7 + 1 + peers[(rng >> 20) % 4]) % 200;
        }
      g_snprintf (key, sizeof key, "m%u", k);
      send_receive (store, names[from], names[to], key, k % 3 ? "Work" : "Ack",
                    BASE + (gint64) k * 60000, BASE + (gint64) k * 60000 + 2 * MS);
    }
  return store;
}

/* With svg_budget every view kind's SVG stays within it (and stays
 * well-formed); without it the same views are well over, so the budget
 * is what keeps them small. */
static void
test_budget_bounds_every_kind (void **state)
{
  IngestViewSpec spec = { .from_ns = INGEST_TIME_MIN, .to_ns = INGEST_TIME_MAX };
  const gsize budget = 200 * 1024;

  (void) state;
  for (guint t = 0; t < 2; t++)
  {
  /* One store per shape for every kind: building views only reads it. */
  g_autoptr(IngestStore) store = busy_store (t);
  for (guint k = 0; k < RENDER_VIEW_N_KINDS; k++)
    {
      RenderViewRequest request = { .kind = k, .spec = &spec, .keep_svg = TRUE,
                                    .layout = { .width = 1200, .height = k == RENDER_VIEW_GRAPH ? 800 : 0 } };
      g_auto(RenderViewResult) loose = { 0 };
      g_auto(RenderViewResult) tight = { 0 };
      SvgInfo info;
      g_autoptr(GError) error = NULL;

      assert_true (render_view_build (store, &request, &loose, NULL));
      request.svg_budget = budget;
      assert_true (render_view_build (store, &request, &tight, NULL));
      assert_int_equal (ingest_store_n_events (store), 100002);
      g_test_message ("%s%s: %" G_GSIZE_FORMAT " bytes unbounded, %" G_GSIZE_FORMAT
                      " with the budget (max_elements %u)", t ? "topology " : "", render_view_kind_to_string (k),
                      loose.svg_bytes, tight.svg_bytes, tight.max_elements);
      assert_true (loose.svg_bytes > budget);
      assert_false (loose.reduced);
      assert_true (tight.reduced);
      assert_true (tight.svg_bytes <= budget);
      assert_int_equal (tight.svg->len, tight.svg_bytes);
      assert_true (tight.max_elements > 0); /* still a view, not the placeholder */
      assert_true (svg_parse (tight.svg->str, tight.svg->len, &info, &error));
      svg_info_clear (&info);
    }
  }
}

/* A budget no view can meet still yields valid SVG within it: the
 * placeholder, which says detail was reduced. */
static void
test_budget_placeholder (void **state)
{
  g_autoptr(IngestStore) store = small_store ();
  IngestViewSpec spec = { .from_ns = INGEST_TIME_MIN, .to_ns = INGEST_TIME_MAX };

  (void) state;
  for (guint k = 0; k < RENDER_VIEW_N_KINDS; k++)
    {
      RenderViewRequest request = { .kind = k, .spec = &spec, .keep_svg = TRUE, .svg_budget = 1500 };
      g_auto(RenderViewResult) r = { 0 };
      SvgInfo info;
      g_autoptr(GError) error = NULL;

      assert_true (render_view_build (store, &request, &r, NULL));
      assert_true (r.reduced);
      assert_int_equal (r.max_elements, 0);
      assert_true (r.svg_bytes <= 1500);
      assert_int_equal (render_scene_count_groups (r.scene, "over-budget"), 1);
      assert_true (svg_parse (r.svg->str, r.svg->len, &info, &error));
      assert_int_equal (svg_count_class (&info, "over-budget"), 1);
      svg_info_clear (&info);
    }
}

/* A detached view renders byte for byte as the store-backed one it was
 * copied from, for every kind, also once the store is gone (it reads no
 * store at all): what lets frames render in workers while the store
 * grows. Labels, top labels, mark texts and the actor hierarchy (parents
 * link nodes in the graph) all come from the copy. */
static void
test_detached_renders_the_same (void **state)
{
  (void) state;
  IngestStore *store = small_store ();
  IngestViewSpec spec = { .from_ns = INGEST_TIME_MIN, .to_ns = INGEST_TIME_MAX };
  const char *groups[] = { "/user/c*", NULL };
  IngestViewSpec grouped = spec;
  IngestEventInput spawn = { .kind = INGEST_EVENT_SPAWN, .time_ns = BASE + 500 * MS,
                             .actor = INGEST_STR ("/user/a/child"), .peer = INGEST_STR ("/user/a") };
  IngestEventInput m = { .kind = INGEST_EVENT_MARK, .time_ns = BASE + 100 * MS,
                         .actor = INGEST_STR ("/user/b"), .text = INGEST_STR ("checkpoint") };
  GPtrArray *expected = g_ptr_array_new_with_free_func (g_free);
  GPtrArray *detached = g_ptr_array_new_with_free_func (NULL);

  grouped.groups = groups;
  ingest_store_append (store, &spawn);
  ingest_store_append (store, &m);
  send_receive (store, "/user/a/child", "/user/a", "k1", "Report", BASE + 510 * MS, BASE + 520 * MS);
  for (guint pass = 0; pass < 2; pass++)
    for (guint kind = 0; kind < RENDER_VIEW_N_KINDS; kind++)
      {
        const IngestViewSpec *sp = pass == 0 ? &spec : &grouped;
        g_autoptr (IngestGraph) graph = ingest_graph_build (store, sp, NULL);
        g_autoptr (IngestTimeline) tl = ingest_timeline_build (store, sp, NULL);
        RenderViewRequest req = { .kind = kind, .spec = sp, .graph = graph, .timeline = tl };
        g_auto (RenderViewResult) built = { 0 };
        gsize len;

        req.layout.width = 900;
        req.layout.height = 600;
        assert_non_null (graph);
        assert_non_null (tl);
        assert_true (render_view_build (store, &req, &built, NULL));
        g_ptr_array_add (expected, scene_to_svg (built.scene, &len));
        g_ptr_array_add (detached, kind == RENDER_VIEW_GRAPH ? (gpointer) ingest_graph_dup_detached (graph)
                                                             : (gpointer) ingest_timeline_dup_detached (tl));
      }
  assert_true (g_strrstr (expected->pdata[0], "Ping") != NULL);
  ingest_store_free (store);
  for (guint i = 0; i < detached->len; i++)
    {
      RenderViewKind kind = i % RENDER_VIEW_N_KINDS;
      RenderViewRequest req = { .kind = kind };
      g_auto (RenderViewResult) built = { 0 };
      g_autofree char *svg = NULL;
      gsize len;

      if (kind == RENDER_VIEW_GRAPH)
        req.graph = detached->pdata[i];
      else
        req.timeline = detached->pdata[i];
      req.layout.width = 900;
      req.layout.height = 600;
      assert_true (render_view_build (NULL, &req, &built, NULL));
      svg = scene_to_svg (built.scene, &len);
      assert_string_equal (svg, expected->pdata[i]);
      if (kind == RENDER_VIEW_GRAPH)
        ingest_graph_free (detached->pdata[i]);
      else
        ingest_timeline_free (detached->pdata[i]);
    }
  g_ptr_array_unref (detached);
  g_ptr_array_unref (expected);
}

/* A sequence chart reports its rows: one per message, top to bottom, at
 * the y its arrow leaves from and with that message's send time, so a
 * front end maps a height on the chart to a time. */
static void
test_sequence_rows (void **state)
{
  g_autoptr (IngestStore) store = small_store ();
  IngestViewSpec spec = { .from_ns = INGEST_TIME_MIN, .to_ns = INGEST_TIME_MAX };
  RenderViewRequest req = { .kind = RENDER_VIEW_SEQUENCE, .spec = &spec };
  g_auto (RenderViewResult) res = { 0 };
  guint arrows = 0;

  assert_true (render_view_build (store, &req, &res, NULL));
  assert_non_null (res.rows);
  assert_int_equal (res.rows->len, 40);
  for (guint k = 0; k < res.rows->len; k++)
    {
      const RenderRowTime *r = &g_array_index (res.rows, RenderRowTime, k);
      assert_true (r->t_ns == BASE + (gint64) k * 10 * MS);
      if (k > 0)
        assert_true (r->y > g_array_index (res.rows, RenderRowTime, k - 1).y);
    }
  for (const RenderNode *n = render_scene_get_first (res.scene); n != NULL; n = n->next)
    if (n->kind == RENDER_NODE_GROUP_BEGIN && g_strcmp0 (n->u.group.klass, "message") == 0)
      {
        const RenderNode *a = n->next;
        while (a != NULL && a->kind != RENDER_NODE_ARROW && a->kind != RENDER_NODE_GROUP_END)
          a = a->next;
        assert_true (a != NULL && a->kind == RENDER_NODE_ARROW);
        if (a == NULL)
          return;
        assert_float_equal (a->u.arrow.y1, g_array_index (res.rows, RenderRowTime, arrows).y, 0.01);
        arrows++;
      }
  assert_int_equal (arrows, 40);
  assert_false (res.axis.valid);

  /* Other kinds have none; an empty window has no rows. */
  RenderViewRequest treq = { .kind = RENDER_VIEW_TIMELINE, .spec = &spec };
  g_auto (RenderViewResult) tres = { 0 };
  assert_true (render_view_build (store, &treq, &tres, NULL));
  assert_null (tres.rows);
  IngestViewSpec none = { .from_ns = BASE - 100 * MS, .to_ns = BASE - 50 * MS };
  RenderViewRequest ereq = { .kind = RENDER_VIEW_SEQUENCE, .spec = &none };
  g_auto (RenderViewResult) eres = { 0 };
  assert_true (render_view_build (store, &ereq, &eres, NULL));
  assert_non_null (eres.rows);
  assert_int_equal (eres.rows->len, 0);
}

/* Pinned lanes come first, in the order pinned, in both the sequence
 * chart and the timeline; every item follows its lane; unknown names are
 * skipped and the view data itself is left as it was. */
static void
test_pinned_lanes (void **state)
{
  g_autoptr (IngestStore) store = small_store ();
  IngestViewSpec spec = { .from_ns = INGEST_TIME_MIN, .to_ns = INGEST_TIME_MAX };
  g_autoptr (IngestTimeline) tl = ingest_timeline_build (store, &spec, NULL);
  const char *pins[] = { "/user/c", "nobody", "/user/b", NULL };

  assert_non_null (tl);
  assert_int_equal (tl->lanes->len, 3);
  assert_string_equal (g_array_index (tl->lanes, IngestViewNode, 0).name, "/user/a");
  for (guint kind = RENDER_VIEW_SEQUENCE; kind <= RENDER_VIEW_TIMELINE; kind++)
    {
      RenderViewRequest req = { .kind = kind, .timeline = tl, .pinned = pins };
      g_auto (RenderViewResult) res = { 0 };
      GPtrArray *order = g_ptr_array_new ();
      double last_y = -1, last_x = -1;
      guint arrows = 0;

      assert_true (render_view_build (NULL, &req, &res, NULL));
      /* The lanes in drawing position order: x for sequence columns
       * (the first header), y for timeline rows. */
      for (const RenderNode *n = render_scene_get_first (res.scene); n != NULL; n = n->next)
        if (n->kind == RENDER_NODE_GROUP_BEGIN && g_strcmp0 (n->u.group.klass, "actor") == 0)
          {
            const RenderNode *r = n->next;
            while (r->kind != RENDER_NODE_RECT)
              r = r->next;
            if (kind == RENDER_VIEW_SEQUENCE && r->u.rect.x < last_x)
              break; /* a repeated header */
            assert_true (kind == RENDER_VIEW_SEQUENCE ? r->u.rect.x > last_x : r->u.rect.y > last_y);
            last_x = r->u.rect.x;
            last_y = r->u.rect.y;
            g_ptr_array_add (order, (gpointer) n->u.group.id);
          }
      assert_int_equal (order->len, 3);
      assert_string_equal (order->pdata[0], "/user/c");
      assert_string_equal (order->pdata[1], "/user/b");
      assert_string_equal (order->pdata[2], "/user/a");
      /* Messages of /user/a (pinned last, now the last lane) start from
       * the far end: their arrows' x (sequence) or y (timeline) is the
       * largest of the three lanes. */
      for (const RenderNode *n = render_scene_get_first (res.scene); n != NULL; n = n->next)
        if (n->kind == RENDER_NODE_GROUP_BEGIN && g_strcmp0 (n->u.group.klass, "message") == 0 &&
            n->u.group.title != NULL && strstr (n->u.group.title, "/user/a \xe2\x86\x92") != NULL)
          {
            const RenderNode *a = n->next;
            while (a->kind != RENDER_NODE_ARROW)
              a = a->next;
            if (kind == RENDER_VIEW_SEQUENCE)
              assert_true (a->u.arrow.x1 >= last_x);
            else
              assert_true (a->u.arrow.y1 >= last_y);
            arrows++;
          }
      assert_true (arrows >= 10);
      g_ptr_array_unref (order);
    }
  /* The view data is untouched. */
  assert_string_equal (g_array_index (tl->lanes, IngestViewNode, 0).name, "/user/a");
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_kind_strings),
    cmocka_unit_test (test_axis_matches_arrows),
    cmocka_unit_test (test_axis_round_trip),
    cmocka_unit_test (test_axis_extremes),
    cmocka_unit_test (test_build_kinds),
    cmocka_unit_test (test_build_prebuilt_and_fill),
    cmocka_unit_test (test_budget_bounds_every_kind),
    cmocka_unit_test (test_budget_placeholder),
    cmocka_unit_test (test_detached_renders_the_same),
    cmocka_unit_test (test_sequence_rows),
    cmocka_unit_test (test_pinned_lanes),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
