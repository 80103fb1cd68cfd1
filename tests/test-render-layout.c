/* Layouts from hand-built views: what was drawn, label collisions,
 * determinism, level-of-detail bounds, empty views, hostile names. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>

#include "render-count.h"
#include "test-ingest-common.h"
#include "test-render-common.h"
#include "render-text.h"

typedef struct {
  double x0, y0, x1, y1;
} Box;

/* Boxes of the labels (text nodes) inside "actor" groups. */
static GArray *
actor_label_boxes (const RenderScene *scene)
{
  GArray *boxes = g_array_new (FALSE, FALSE, sizeof (Box));
  guint in_actor = 0, depth = 0;
  for (const RenderNode *n = render_scene_get_first (scene); n; n = n->next)
    {
      if (n->kind == RENDER_NODE_GROUP_BEGIN)
        {
          depth++;
          gboolean crowded = FALSE;
          for (const RenderData *d = n->u.group.data; d; d = d->next)
            crowded |= g_strcmp0 (d->key, "label") == 0 && g_strcmp0 (d->value, "crowded") == 0;
          /* last-resort labels may overlap (and say so): not collected */
          if (in_actor == 0 && g_strcmp0 (n->u.group.klass, "actor") == 0 && !crowded)
            in_actor = depth;
        }
      else if (n->kind == RENDER_NODE_GROUP_END)
        {
          if (depth == in_actor)
            in_actor = 0;
          depth--;
        }
      else if (n->kind == RENDER_NODE_TEXT && in_actor)
        {
          const RenderStyle *st = render_scene_get_style (scene, n->style);
          double w = n->u.text.width;
          assert_true (w >= 0);
          double x0 = n->u.text.anchor == RENDER_ANCHOR_MIDDLE ? n->u.text.x - w / 2
                      : n->u.text.anchor == RENDER_ANCHOR_END  ? n->u.text.x - w
                                                                : n->u.text.x;
          double base = n->u.text.y + render_text_baseline_offset (n->u.text.baseline, st->font_size);
          Box b = { x0, base - 0.75 * st->font_size, x0 + w, base + 0.2 * st->font_size };
          g_array_append_val (boxes, b);
        }
    }
  return boxes;
}

static void
assert_no_overlap (GArray *boxes)
{
  for (guint i = 0; i < boxes->len; i++)
    for (guint j = i + 1; j < boxes->len; j++)
      {
        Box *a = &g_array_index (boxes, Box, i), *b = &g_array_index (boxes, Box, j);
        gboolean overlap = a->x0 < b->x1 - 0.01 && a->x1 > b->x0 + 0.01 &&
                           a->y0 < b->y1 - 0.01 && a->y1 > b->y0 + 0.01;
        if (overlap)
          fail_msg ("labels %u and %u overlap: (%.1f,%.1f)-(%.1f,%.1f) vs (%.1f,%.1f)-(%.1f,%.1f)",
                    i, j, a->x0, a->y0, a->x1, a->y1, b->x0, b->y0, b->x1, b->y1);
      }
}

static void
test_graph_small (void **state)
{
  g_autoptr (IngestStore) store = ingest_store_new ();
  IngestGraph *g = test_graph_new (store);
  const char *names[] = { "client", "xapi", "<script>alert(1)</script>", "/user/workers/*", "db" };
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      IngestViewNode n = test_node (names[i], 0, 0);
      g_array_append_val (g->nodes, n);
    }
  g_array_index (g->nodes, IngestViewNode, 3).is_group = TRUE;
  g_array_index (g->nodes, IngestViewNode, 3).n_members = 4;
  g_array_index (g->nodes, IngestViewNode, 4).kind = INGEST_ACTOR_QUEUE;
  IngestAtom lab = ingest_store_intern (store, INGEST_STR ("GetStatus"));
  test_graph_edge (g, 0, 1, 100, 2000000, lab);
  test_graph_edge (g, 1, 0, 100, 3000000, lab);   /* reverse pair: curved */
  test_graph_edge (g, 1, 2, 10, 100000, lab);
  test_graph_edge (g, 1, 3, 1000, 50000000, lab);
  test_graph_edge (g, 3, 4, 5, 1000, 0);
  test_graph_edge (g, 4, 4, 2, 1000, 0);          /* self loop */

  RenderLayoutOptions opt = { 0 };
  opt.title = "Test graph";
  g_autoptr (RenderScene) scene = render_layout_graph (g, &opt);
  assert_int_equal (render_scene_count_groups (scene, "actor"), 5);
  assert_int_equal (render_scene_count_groups (scene, "edge"), 6);
  assert_int_equal (render_scene_count_groups (scene, "legend"), 1);
  /* curved arrows for the reverse pair and the loop */
  guint curved = 0;
  for (const RenderNode *n = render_scene_get_first (scene); n; n = n->next)
    if (n->kind == RENDER_NODE_ARROW && n->u.arrow.curved)
      curved++;
  assert_int_equal (curved, 3);
  GArray *boxes = actor_label_boxes (scene);
  assert_int_equal (boxes->len, 5);   /* room for every label here */
  assert_no_overlap (boxes);
  g_array_unref (boxes);

  gsize len;
  g_autofree char *svg = scene_to_svg (scene, &len);
  SvgInfo info;
  assert_true (svg_parse (svg, len, &info, NULL));
  assert_int_equal (svg_count_class (&info, "actor"), 5);
  assert_int_equal (svg_count_class (&info, "edge"), 6);
  assert_true (svg_has_text (&info, "<script>alert(1)</script>"));
  assert_true (svg_has_text (&info, "workers/*"));
  assert_null (strstr (svg, "<script>"));
  svg_info_clear (&info);

  /* hit testing finds an actor at its computed position */
  double xy[10];
  assert_true (render_layout_graph_positions (g, &opt, xy));
  const RenderNode *hit = render_scene_hit_test (scene, xy[2], xy[3]);
  assert_non_null (hit);
  assert_string_equal (hit->u.group.id, "xapi");
  test_graph_free (g);
}

/* A dense graph (30 nodes, every pair of neighbours talking both ways:
 * 120 edges, more than 3 per node): A -> B and B -> A are one straight
 * line, each direction the half from the middle to its receiver (its own
 * group, id and count); a sparse graph keeps two bent edges per pair. */
static void
test_graph_reciprocal_pairs_merged (void **state)
{
  g_autoptr (IngestStore) store = ingest_store_new ();
  IngestGraph *g = test_graph_new (store);
  for (guint i = 0; i < 30; i++)
    {
      char name[16];
      g_snprintf (name, sizeof name, "n%u", i);
      IngestViewNode nd = test_node (name, 0, 0);
      g_array_append_val (g->nodes, nd);
    }
  for (guint i = 0; i < 30; i++)
    for (guint d = 1; d <= 2; d++)
      {
        guint j = (i + d) % 30;
        test_graph_edge (g, i, j, 10 + i, 1000, 0);
        test_graph_edge (g, j, i, 5 + i, 1000, 0);
      }
  RenderLayoutOptions o = { .width = 1000, .height = 700, .seed = 1 };
  g_autoptr (RenderScene) scene = render_layout_graph (g, &o);
  assert_int_equal (render_scene_count_groups (scene, "edge"), 120);
  guint halves = 0, curved = 0, n_arrows = 0;
  guint64 total = 0;
  gboolean in_edge = FALSE;
  GHashTable *starts = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  for (const RenderNode *nd = render_scene_get_first (scene); nd != NULL; nd = nd->next)
    {
      if (nd->kind == RENDER_NODE_GROUP_BEGIN && g_strcmp0 (nd->u.group.klass, "edge") == 0)
        {
          in_edge = TRUE;
          for (const RenderData *dt = nd->u.group.data; dt != NULL; dt = dt->next)
            {
              if (g_str_equal (dt->key, "shape") && g_str_equal (dt->value, "half"))
                halves++;
              if (g_str_equal (dt->key, "count"))
                total += g_ascii_strtoull (dt->value, NULL, 10);
            }
        }
      else if (nd->kind == RENDER_NODE_GROUP_END)
        in_edge = FALSE;
      else if (in_edge && nd->kind == RENDER_NODE_ARROW)
        {
          n_arrows++;
          curved += nd->u.arrow.curved;
          /* the two halves of a line start at the same middle point */
          char *key = g_strdup_printf ("%.0f,%.0f", nd->u.arrow.x1, nd->u.arrow.y1);
          g_hash_table_replace (starts, key, GUINT_TO_POINTER (GPOINTER_TO_UINT (g_hash_table_lookup (starts, key)) + 1));
        }
    }
  assert_int_equal (halves, 120);
  assert_int_equal (n_arrows, 120);
  assert_int_equal (curved, 0);
  assert_true (g_hash_table_size (starts) <= 62);  /* 60 lines (+ rounding) */
  g_hash_table_unref (starts);
  guint64 expect = 0;
  for (guint e = 0; e < g->edges->len; e++)
    expect += g_array_index (g->edges, IngestViewEdge, e).count;
  assert_int_equal (total, expect);
  test_graph_free (g);

  /* sparse: 4 nodes, 2 reciprocal pairs -> 4 bent edges */
  IngestGraph *sparse = test_graph_new (store);
  for (guint i = 0; i < 4; i++)
    {
      char name[16];
      g_snprintf (name, sizeof name, "s%u", i);
      IngestViewNode nd = test_node (name, 0, 0);
      g_array_append_val (sparse->nodes, nd);
    }
  test_graph_edge (sparse, 0, 1, 5, 1000, 0);
  test_graph_edge (sparse, 1, 0, 5, 1000, 0);
  test_graph_edge (sparse, 2, 3, 5, 1000, 0);
  test_graph_edge (sparse, 3, 2, 5, 1000, 0);
  g_autoptr (RenderScene) s2 = render_layout_graph (sparse, &o);
  assert_int_equal (render_scene_count_groups (s2, "edge"), 4);
  test_graph_free (sparse);
}

static void
test_graph_deterministic_and_bounded (void **state)
{
  g_autoptr (IngestStore) store = ingest_store_new ();
  IngestGraph *g = test_graph_random (store, 200, 2000);
  RenderLayoutOptions opt = { 0 };
  opt.max_elements = 500;
  g_autoptr (RenderScene) a = render_layout_graph (g, &opt);
  g_autoptr (RenderScene) b = render_layout_graph (g, &opt);
  gsize la, lb;
  g_autofree char *sa = scene_to_svg (a, &la);
  g_autofree char *sb = scene_to_svg (b, &lb);
  assert_int_equal (la, lb);
  assert_memory_equal (sa, sb, la);
  assert_int_equal (render_scene_count_groups (a, "actor"), 200);
  assert_int_equal (render_scene_count_groups (a, "edge"), 500);  /* LOD */
  GArray *boxes = actor_label_boxes (a);
  assert_true (boxes->len >= 40);   /* many labels placed... */
  assert_no_overlap (boxes);        /* ...none colliding */
  /* ...and no actor without one: the rest are marked crowded */
  g_autoptr (RenderCount) count = render_count_scene (a);
  guint crowded = 0;
  for (const RenderNode *n = render_scene_get_first (a); n; n = n->next)
    if (n->kind == RENDER_NODE_GROUP_BEGIN)
      for (const RenderData *d = n->u.group.data; d; d = d->next)
        crowded += g_strcmp0 (d->key, "label") == 0;
  guint labelled = 0;
  for (const RenderNode *n = render_scene_get_first (a); n; n = n->next)
    if (n->kind == RENDER_NODE_GROUP_BEGIN && g_strcmp0 (n->u.group.klass, "actor") == 0)
      {
        /* an actor's group holds its shapes and label, no nested groups */
        for (const RenderNode *m = n->next; m && m->kind != RENDER_NODE_GROUP_END; m = m->next)
          if (m->kind == RENDER_NODE_TEXT)
            {
              labelled++;
              break;
            }
      }
  assert_int_equal (labelled, 200);
  assert_int_equal (boxes->len + crowded, 200);
  assert_int_equal (count->warnings, 0);
  g_array_unref (boxes);
  /* a different seed gives a different picture */
  opt.seed = 99;
  g_autoptr (RenderScene) c = render_layout_graph (g, &opt);
  gsize lc;
  g_autofree char *sc = scene_to_svg (c, &lc);
  assert_false (lc == la && memcmp (sa, sc, la) == 0);
  /* default options: the SVG stays small */
  g_autoptr (RenderScene) d = render_layout_graph (g, NULL);
  gsize ld;
  g_autofree char *sd = scene_to_svg (d, &ld);
  assert_non_null (sd);
  assert_true (ld < 2 * 1024 * 1024);
  test_graph_free (g);
}

static void
test_graph_large_sparse_path (void **state)
{
  /* above the full-stress limit the pivot variant runs */
  g_autoptr (IngestStore) store = ingest_store_new ();
  IngestGraph *g = test_graph_random (store, 1500, 4000);
  g_autoptr (RenderScene) s = render_layout_graph (g, NULL);
  assert_int_equal (render_scene_count_groups (s, "actor"), 1500);
  double *xy = g_new (double, 3000);
  assert_true (render_layout_graph_positions (g, NULL, xy));
  for (guint i = 0; i < 3000; i++)
    assert_true (isfinite (xy[i]) && xy[i] >= 0 && xy[i] <= 1200);
  g_free (xy);
  test_graph_free (g);
}

/* Live frames: with the previous frame's positions, a grown graph keeps
 * its nodes nearly where they were and places the new ones on the canvas;
 * an unchanged graph does not move at all. Without them, the same growth
 * reshuffles (which is what the option is for). */
static void
test_graph_previous_positions (void **state)
{
  (void) state;
  g_autoptr (IngestStore) store = ingest_store_new ();
  IngestGraph *g1 = test_graph_random (store, 40, 120);
  IngestGraph *g2 = test_graph_random (store, 48, 150);
  RenderLayoutOptions opt = { 0 };
  opt.width = 1000;
  opt.height = 700;
  g_autoptr (RenderGraphPositions) p1 = render_graph_positions_new ();
  g_autoptr (RenderGraphPositions) p2 = render_graph_positions_new ();
  g_autoptr (RenderGraphPositions) p2_fresh = render_graph_positions_new ();
  g_autoptr (RenderGraphPositions) p3 = render_graph_positions_new ();

  opt.positions_out = p1;
  g_autoptr (RenderScene) s1 = render_layout_graph (g1, &opt);
  assert_non_null (s1);
  assert_int_equal (render_graph_positions_size (p1), 40);
  opt.positions_out = p2_fresh;
  g_autoptr (RenderScene) s2f = render_layout_graph (g2, &opt);
  assert_non_null (s2f);
  opt.previous = p1;
  opt.positions_out = p2;
  g_autoptr (RenderScene) s2 = render_layout_graph (g2, &opt);
  assert_int_equal (render_graph_positions_size (p2), 48);
  assert_int_equal (render_scene_count_groups (s2, "actor"), 48);

  double moved_max = 0, fresh_max = 0;
  for (guint i = 0; i < g2->nodes->len; i++)
    {
      const char *name = g_array_index (g2->nodes, IngestViewNode, i).name;
      double x1, y1, x2, y2, xf, yf;
      assert_true (render_graph_positions_lookup (p2, name, &x2, &y2));
      assert_true (x2 >= 0 && x2 <= opt.width && y2 >= 0 && y2 <= opt.height);
      if (!render_graph_positions_lookup (p1, name, &x1, &y1))
        continue;
      assert_true (render_graph_positions_lookup (p2_fresh, name, &xf, &yf));
      moved_max = MAX (moved_max, hypot (x2 - x1, y2 - y1));
      fresh_max = MAX (fresh_max, hypot (xf - x1, yf - y1));
    }
  /* Overlap removal may nudge a node by a few units when a new one lands
   * next to it. */
  assert_true (moved_max < 25);
  assert_true (fresh_max > 50);

  /* Unchanged graph: no movement at all. */
  opt.previous = p2;
  opt.positions_out = p3;
  g_autoptr (RenderScene) s3 = render_layout_graph (g2, &opt);
  assert_non_null (s3);
  for (guint i = 0; i < g2->nodes->len; i++)
    {
      const char *name = g_array_index (g2->nodes, IngestViewNode, i).name;
      double x2, y2, x3, y3;
      assert_true (render_graph_positions_lookup (p2, name, &x2, &y2));
      assert_true (render_graph_positions_lookup (p3, name, &x3, &y3));
      assert_true (hypot (x3 - x2, y3 - y2) < 0.5);
    }
  test_graph_free (g1);
  test_graph_free (g2);
}

/* The window of a live graph moves and its traffic changes, but no node
 * comes or goes: every node keeps exactly its place, even the ones whose
 * size changed with their traffic. */
static void
test_graph_same_nodes_hold_still (void **state)
{
  (void) state;
  g_autoptr (IngestStore) store = ingest_store_new ();
  IngestGraph *g1 = test_graph_random (store, 30, 80);
  IngestGraph *g2 = test_graph_random (store, 30, 80);
  RenderLayoutOptions opt = { 0 };
  g_autoptr (RenderGraphPositions) p1 = render_graph_positions_new ();
  g_autoptr (RenderGraphPositions) p2 = render_graph_positions_new ();

  opt.width = 900;
  opt.height = 600;
  /* the next window: very different traffic on the same nodes */
  for (guint i = 0; i < g2->nodes->len; i++)
    g_array_index (g2->nodes, IngestViewNode, i).sent = (i % 5) * 1000 + 1;
  opt.positions_out = p1;
  g_autoptr (RenderScene) s1 = render_layout_graph (g1, &opt);
  opt.previous = p1;
  opt.positions_out = p2;
  g_autoptr (RenderScene) s2 = render_layout_graph (g2, &opt);
  assert_non_null (s1);
  assert_non_null (s2);
  for (guint i = 0; i < g2->nodes->len; i++)
    {
      const char *name = g_array_index (g2->nodes, IngestViewNode, i).name;
      double x1, y1, x2, y2;
      assert_true (render_graph_positions_lookup (p1, name, &x1, &y1));
      assert_true (render_graph_positions_lookup (p2, name, &x2, &y2));
      assert_true (x1 == x2 && y1 == y2);
    }
  test_graph_free (g1);
  test_graph_free (g2);
}

static void
test_empty_views (void **state)
{
  g_autoptr (IngestStore) store = ingest_store_new ();
  IngestGraph *g = test_graph_new (store);
  IngestTimeline *t = test_timeline_new (store);
  RenderScene *scenes[4] = {
    render_layout_graph (g, NULL), render_layout_sequence (t, NULL),
    render_layout_timeline (t, NULL), render_layout_graph (NULL, NULL),
  };
  for (int i = 0; i < 4; i++)
    {
      assert_int_equal (render_scene_count_groups (scenes[i], "empty"), 1);
      gsize len;
      g_autofree char *svg = scene_to_svg (scenes[i], &len);
      SvgInfo info;
      assert_true (svg_parse (svg, len, &info, NULL));
      assert_true (svg_has_text (&info, "No events in this window"));
      svg_info_clear (&info);
      render_scene_free (scenes[i]);
    }
  g_autoptr (RenderScene) s = render_layout_sequence (NULL, NULL);
  assert_int_equal (render_scene_count_groups (s, "empty"), 1);
  test_graph_free (g);
  test_timeline_free (t);
}

static void
test_sequence (void **state)
{
  g_autoptr (IngestStore) store = ingest_store_new ();
  IngestTimeline *t = test_timeline_random (store, 5, 120);
  RenderLayoutOptions opt = { 0 };
  opt.header_every = 40;
  g_autoptr (RenderScene) scene = render_layout_sequence (t, &opt);
  assert_int_equal (render_scene_count_groups (scene, "message"), 120);
  assert_int_equal (render_scene_count_groups (scene, "header"), 3);  /* rows 0, 40, 80 */
  assert_int_equal (render_scene_count_groups (scene, "actor"), 15);  /* 5 lanes x 3 headers */
  assert_int_equal (render_scene_count_groups (scene, "span"), t->spans->len);
  assert_int_equal (render_scene_count_groups (scene, "mark"), 1);
  guint pending = 0, dropped = 0;
  for (const RenderNode *n = render_scene_get_first (scene); n; n = n->next)
    if (n->kind == RENDER_NODE_GROUP_BEGIN && n->u.group.data &&
        g_strcmp0 (n->u.group.data->key, "state") == 0)
      {
        if (strcmp (n->u.group.data->value, "pending") == 0)
          pending++;
        else if (strcmp (n->u.group.data->value, "dropped") == 0)
          dropped++;
      }
  assert_int_equal (dropped, 7);              /* k % 17 == 16 */
  assert_int_equal (pending, 12);             /* k % 10 == 9 */
  /* time goes down: message rows are in send order */
  double last_y = -1;
  gboolean in_msg = FALSE;
  for (const RenderNode *n = render_scene_get_first (scene); n; n = n->next)
    {
      if (n->kind == RENDER_NODE_GROUP_BEGIN)
        in_msg = g_strcmp0 (n->u.group.klass, "message") == 0;
      else if (n->kind == RENDER_NODE_ARROW && in_msg)
        {
          assert_true (n->u.arrow.y1 > last_y);
          last_y = n->u.arrow.y1;
          in_msg = FALSE;
        }
    }
  gsize len;
  g_autofree char *svg = scene_to_svg (scene, &len);
  SvgInfo info;
  assert_true (svg_parse (svg, len, &info, NULL));
  assert_true (svg_has_text (&info, "Request"));
  assert_true (svg_has_text (&info, "?"));
  assert_true (svg_has_text (&info, "lane-0"));
  svg_info_clear (&info);

  /* determinism */
  g_autoptr (RenderScene) again = render_layout_sequence (t, &opt);
  gsize len2;
  g_autofree char *svg2 = scene_to_svg (again, &len2);
  assert_int_equal (len, len2);
  assert_memory_equal (svg, svg2, len);
  test_timeline_free (t);
}

static void
test_sequence_lod (void **state)
{
  g_autoptr (IngestStore) store = ingest_store_new ();
  IngestTimeline *t = test_timeline_random (store, 8, 20000);
  /* default bound */
  g_autoptr (RenderScene) scene = render_layout_sequence (t, NULL);
  assert_int_equal (render_scene_count_groups (scene, "message"), RENDER_LAYOUT_DEFAULT_MAX_ELEMENTS);
  assert_int_equal (render_scene_count_groups (scene, "note"), 1);
  gsize len;
  g_autofree char *svg = scene_to_svg (scene, &len);
  assert_non_null (svg);
  assert_true (len < 2 * 1024 * 1024);
  /* explicit full detail */
  RenderLayoutOptions opt = { 0 };
  opt.max_elements = G_MAXUINT;
  g_autoptr (RenderScene) full = render_layout_sequence (t, &opt);
  assert_int_equal (render_scene_count_groups (full, "message"), 20000);
  /* aggregated view: bins drawn as counts */
  IngestDensityBin bin = { 0, 1, G_GINT64_CONSTANT (1700000000000000000), G_GINT64_CONSTANT (1700000000100000000), 123456 };
  g_array_append_val (t->bins, bin);
  t->aggregated = TRUE;
  opt.max_elements = 100;
  g_autoptr (RenderScene) agg = render_layout_sequence (t, &opt);
  assert_int_equal (render_scene_count_groups (agg, "message"), 99);
  assert_int_equal (render_scene_count_groups (agg, "bin"), 1);
  assert_int_equal (render_scene_count_groups (agg, "note"), 1);
  test_timeline_free (t);
}

/* Aggregated "×N" rows keep the busiest label: 3000 messages a -> b (two
 * thirds "Post", a third "Other", interleaved) in a timeline bounded to
 * 100 items become bins, each carrying "Post" as its top label, and the
 * sequence chart writes it with the count ("Post ×N") and in the tooltip. */
static void
test_sequence_bins_keep_busiest_label (void **state)
{
  g_autoptr (IngestStore) store = ingest_store_new ();
  for (guint k = 0; k < 3000; k++)
    {
      char key[16];
      g_snprintf (key, sizeof key, "m%u", k);
      gint64 t = G_GINT64_CONSTANT (1700000000000000000) + (gint64) k * 1000000;
      IngestEventInput snd = { .kind = INGEST_EVENT_SEND, .time_ns = t, .actor = INGEST_STR ("a"),
                               .peer = INGEST_STR ("b"), .message_key = INGEST_STR (key),
                               .label = INGEST_STR (k % 3 == 2 ? "Other" : "Post") };
      IngestEventInput rcv = { .kind = INGEST_EVENT_RECEIVE, .time_ns = t + 500, .actor = INGEST_STR ("b"),
                               .message_key = INGEST_STR (key) };
      ingest_store_append (store, &snd);
      ingest_store_append (store, &rcv);
    }
  IngestViewSpec spec = { .from_ns = INGEST_TIME_MIN, .to_ns = INGEST_TIME_MAX, .max_items = 100 };
  g_autoptr (IngestTimeline) tl = ingest_timeline_build (store, &spec, NULL);
  assert_non_null (tl);
  assert_true (tl->aggregated);
  assert_true (tl->bins->len > 0);
  IngestAtom post = ingest_store_intern (store, INGEST_STR ("Post"));
  for (guint i = 0; i < tl->bins->len; i++)
    {
      const IngestDensityBin *b = &g_array_index (tl->bins, IngestDensityBin, i);
      if (b->count > 0)
        assert_int_equal (b->top_label, post);
    }
  /* a detached copy (what the live console renders) keeps the text */
  g_autoptr (IngestTimeline) detached = ingest_timeline_dup_detached (tl);
  RenderLayoutOptions opt = { .width = 600, .max_elements = 100 };
  g_autoptr (RenderScene) scene = render_layout_sequence (detached, &opt);
  assert_true (render_scene_count_groups (scene, "bin") > 0);
  guint labelled = 0, titled = 0;
  gboolean in_bin = FALSE;
  for (const RenderNode *nd = render_scene_get_first (scene); nd != NULL; nd = nd->next)
    {
      if (nd->kind == RENDER_NODE_GROUP_BEGIN && g_strcmp0 (nd->u.group.klass, "bin") == 0)
        {
          in_bin = TRUE;
          titled += strstr (nd->u.group.title, "mostly Post") != NULL;
        }
      else if (nd->kind == RENDER_NODE_GROUP_END)
        in_bin = FALSE;
      else if (in_bin && nd->kind == RENDER_NODE_TEXT && g_str_has_prefix (nd->u.text.text, "Post \xc3\x97"))
        labelled++;
    }
  assert_int_equal (titled, render_scene_count_groups (scene, "bin"));
  assert_int_equal (labelled, render_scene_count_groups (scene, "bin"));
}

/* The part of the depth strip's x extent where the strip is above its
 * base: the sum of its horizontal segments drawn above the lowest y. */
static double
depth_raised_fraction (const RenderScene *scene, const char *id)
{
  const RenderNode *g = render_scene_find_group (scene, "depth", id);
  const RenderNode *n = g ? g->next : NULL;
  while (n && n->kind != RENDER_NODE_PATH)
    n = n->next;
  if (n == NULL)
    {
      fail_msg ("no depth path in %s", id);
      return 0;
    }
  const double *p = n->u.path.points;
  guint np = n->u.path.n_points;
  double base = -G_MAXDOUBLE, x0 = G_MAXDOUBLE, x1 = -G_MAXDOUBLE, raised = 0;
  for (guint i = 0; i < np; i++)
    {
      base = MAX (base, p[2 * i + 1]);
      x0 = MIN (x0, p[2 * i]);
      x1 = MAX (x1, p[2 * i]);
    }
  for (guint i = 0; i + 1 < np; i++)
    if (p[2 * i + 1] == p[2 * i + 3] && p[2 * i + 1] < base - 0.01)
      raised += fabs (p[2 * i + 2] - p[2 * i]);
  return raised / (x1 - x0);
}

/* A message waits 116 µs in b's mailbox, and b's next event comes 183 ms
 * later: the depth strip rises and falls at the 116 µs, it does not hold
 * the level until the next event, even when the level of detail merges
 * samples closer than a few pixels (few max_elements). */
static void
test_timeline_depth_changes_where_they_happen (void **state)
{
  g_autoptr (IngestStore) store = ingest_store_new ();
  const gint64 t0 = G_GINT64_CONSTANT (1700000000000000000);
  test_ingest_event (store, INGEST_EVENT_SEND, t0, "a", "b", "m1", "Get", NULL, NULL, NULL, 0, 0);
  test_ingest_event (store, INGEST_EVENT_RECEIVE, t0 + 116000, "b", NULL, "m1", NULL, NULL, NULL,
                     NULL, 0, 0);
  test_ingest_event (store, INGEST_EVENT_DONE, t0 + 120000, "b", NULL, "m1", NULL, NULL, NULL, NULL,
                     0, 0);
  test_ingest_event (store, INGEST_EVENT_SEND, t0 + 183000000, "a", "b", "m2", "Get", NULL, NULL,
                     NULL, 0, 0);
  test_ingest_event (store, INGEST_EVENT_RECEIVE, t0 + 183100000, "b", NULL, "m2", NULL, NULL, NULL,
                     NULL, 0, 0);
  g_autoptr (GError) error = NULL;
  IngestTimeline *t = ingest_timeline_build (store, NULL, &error);
  assert_non_null (t);
  for (guint max_elements = 8; max_elements <= 4096; max_elements *= 8)
    {
      RenderLayoutOptions opt = { 0 };
      opt.max_elements = max_elements;
      g_autoptr (RenderScene) scene = render_layout_timeline (t, &opt);
      const RenderNode *g = NULL;
      for (guint lane = 0; lane < 2 && g == NULL; lane++)
        {
          char id[24];
          g_snprintf (id, sizeof id, "depth%u", lane);
          g = render_scene_find_group (scene, "depth", id);
          if (g)
            {
              /* two waits of 116 µs and 100 µs in 183 ms: well under 2 % */
              double f = depth_raised_fraction (scene, id);
              if (f > 0.02)
                fail_msg ("max_elements %u: depth drawn raised over %.0f %% of the strip", max_elements,
                          f * 100);
            }
        }
      assert_non_null (g);
    }
  ingest_timeline_free (t);
}

static void
test_timeline (void **state)
{
  g_autoptr (IngestStore) store = ingest_store_new ();
  IngestTimeline *t = test_timeline_random (store, 4, 200);
  RenderLayoutOptions opt = { 0 };
  opt.theme = RENDER_THEME_DARK;
  g_autoptr (RenderScene) scene = render_layout_timeline (t, &opt);
  assert_int_equal (render_scene_count_groups (scene, "actor"), 4);
  assert_int_equal (render_scene_count_groups (scene, "message"), 200);
  assert_int_equal (render_scene_count_groups (scene, "span"), t->spans->len);
  assert_int_equal (render_scene_count_groups (scene, "depth"), 4);
  assert_int_equal (render_scene_count_groups (scene, "mark"), 1);
  assert_int_equal (render_scene_count_groups (scene, "legend"), 1);
  assert_non_null (strstr (render_scene_get_root_class (scene), "theme-dark"));
  gsize len;
  g_autofree char *svg = scene_to_svg (scene, &len);
  SvgInfo info;
  assert_true (svg_parse (svg, len, &info, NULL));
  /* axis labels are wall-clock times */
  gboolean clock = FALSE;
  for (guint i = 0; i < info.texts->len; i++)
    if (g_regex_match_simple ("^\\d\\d:\\d\\d:\\d\\d", g_ptr_array_index (info.texts, i), 0, 0))
      clock = TRUE;
  assert_true (clock);
  svg_info_clear (&info);

  /* aggregated: density bands, bounded */
  for (guint k = 0; k < 10000; k++)
    {
      IngestDensityBin b = { k % 4, (k + 1) % 4, G_GINT64_CONSTANT (1700000000000000000) + k * 1000,
                             G_GINT64_CONSTANT (1700000000000000000) + k * 1000 + 999, k + 1 };
      g_array_append_val (t->bins, b);
    }
  t->aggregated = TRUE;
  t->n_messages_total = 1000000;
  g_autoptr (RenderScene) agg = render_layout_timeline (t, NULL);
  /* bins and messages share the budget: half each at most */
  assert_int_equal (render_scene_count_groups (agg, "bin"), RENDER_LAYOUT_DEFAULT_MAX_ELEMENTS / 2);
  assert_int_equal (render_scene_count_groups (agg, "message"), 200);
  assert_int_equal (render_scene_count_groups (agg, "note"), 1);
  gsize alen;
  g_autofree char *asvg = scene_to_svg (agg, &alen);
  assert_non_null (asvg);
  assert_true (alen < 2 * 1024 * 1024);
  test_timeline_free (t);
}

/* Spans and marks share max_elements with the messages in both time
 * layouts: a view with many of each stays bounded. */
static void
test_time_layouts_bound_spans_and_marks (void **state)
{
  (void) state;
  g_autoptr (IngestStore) store = ingest_store_new ();
  IngestTimeline *t = test_timeline_random (store, 4, 400);
  gint64 t0 = g_array_index (t->messages, IngestTimelineMessage, 0).send_ns;
  for (guint k = 0; k < 3000; k++)
    {
      IngestTimelineSpan sp = { k % 4, 0, t0 + k * 10, t0 + k * 10 + 5, 0 };
      g_array_append_val (t->spans, sp);
      IngestTimelineMark mk = { k % 4, t0 + k * 10, INGEST_EVENT_MARK, 0, 0 };
      g_array_append_val (t->marks, mk);
    }
  RenderLayoutOptions opt = { 0 };
  opt.max_elements = 800;
  RenderScene *scenes[2] = { render_layout_timeline (t, &opt), render_layout_sequence (t, &opt) };
  for (int i = 0; i < 2; i++)
    {
      guint msgs = render_scene_count_groups (scenes[i], "message");
      guint spans = render_scene_count_groups (scenes[i], "span");
      guint marks = render_scene_count_groups (scenes[i], "mark");
      assert_int_equal (msgs, 400);
      /* each keeps a share, the total stays near the budget */
      assert_true (spans >= 800 / 4 && spans < 3000);
      assert_true (marks >= 800 / 8 && marks < 3000);
      assert_true (msgs + spans + marks <= 800 + 800 / 4 + 800 / 8);
      render_scene_free (scenes[i]);
    }
  test_timeline_free (t);
}

/* An aggregated bin keeps its direction: an arrow from the sender's
 * lifeline to the receiver's, as its messages would have. */
static void
test_sequence_bin_direction (void **state)
{
  g_autoptr (IngestStore) store = ingest_store_new ();
  IngestTimeline *t = test_timeline_random (store, 3, 0);
  IngestDensityBin right = { 0, 2, G_GINT64_CONSTANT (1700000000000000000), G_GINT64_CONSTANT (1700000000100000000), 500 };
  IngestDensityBin left = { 2, 0, G_GINT64_CONSTANT (1700000000100000000), G_GINT64_CONSTANT (1700000000200000000), 300 };
  RenderLayoutOptions opt = { .max_elements = 100 };

  g_array_append_val (t->bins, right);
  g_array_append_val (t->bins, left);
  t->aggregated = TRUE;
  g_autoptr (RenderScene) scene = render_layout_sequence (t, &opt);
  g_autoptr (RenderCount) count = render_count_scene (scene);
  assert_int_equal (render_count_class (count, "bin"), 2);
  assert_int_equal (count->shapes[RENDER_NODE_ARROW], 2);
  test_timeline_free (t);
}

/* A big chart drawn with level of detail: rows of one time (bursts,
 * bins) share a label; the axis never repeats a label ("0" down the
 * axis), and the labels go forward in time. */
static void
test_sequence_axis_labels (void **state)
{
  g_autoptr (IngestStore) store = ingest_store_new ();
  const char *actors[] = { "/a", "/b", "/c", "/d" };
  IngestViewSpec spec = { .from_ns = INGEST_TIME_MIN, .to_ns = INGEST_TIME_MAX };
  g_autoptr (IngestTimeline) tl = NULL;
  g_autoptr (RenderScene) scene = NULL;
  g_autoptr (GString) svg = g_string_new (NULL);
  RenderLayoutOptions o = { .width = 900, .height = 600, .seed = 1 };
  g_autoptr (GRegex) axis_re = g_regex_new ("<g class=\"axis\".*?</g>", G_REGEX_DOTALL, 0, NULL);
  g_autoptr (GRegex) text_re = g_regex_new (">([^<]+)</text>", 0, 0, NULL);
  g_autoptr (GMatchInfo) axis = NULL, text = NULL;
  g_autoptr (GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  guint n = 0;

  /* 3,500 messages in bursts of 50 sent at the same nanosecond. */
  for (guint i = 0; i < 3500; i++)
    {
      char key[16];
      gint64 t = 1700000000000000000 + (gint64) (i / 50) * 11 * 1000000;
      g_snprintf (key, sizeof key, "m%u", i);
      IngestEventInput send = { .kind = INGEST_EVENT_SEND, .time_ns = t, .actor = INGEST_STR (actors[i % 4]),
                                .peer = INGEST_STR (actors[(i + 1) % 4]), .message_key = INGEST_STR (key) };
      IngestEventInput recv = { .kind = INGEST_EVENT_RECEIVE, .time_ns = t + 1000,
                                .actor = INGEST_STR (actors[(i + 1) % 4]), .message_key = INGEST_STR (key) };
      ingest_store_append (store, &send);
      ingest_store_append (store, &recv);
    }
  tl = ingest_timeline_build (store, &spec, NULL);
  scene = render_layout_sequence (tl, &o);
  render_svg_write (scene, svg);
  assert_true (g_regex_match (axis_re, svg->str, 0, &axis));
  g_autofree char *axis_svg = g_match_info_fetch (axis, 0);
  for (g_regex_match (text_re, axis_svg, 0, &text); g_match_info_matches (text); g_match_info_next (text, NULL))
    {
      char *label = g_match_info_fetch (text, 1);
      assert_false (g_hash_table_contains (seen, label));
      g_hash_table_add (seen, label);
      n++;
    }
  assert_true (n >= 3);
}

/* A message and its receipt (and done half a millisecond later). */
static void
grouped_send (IngestStore *store, const char *from, const char *to, guint id, gint64 send_ns)
{
  char key[16];
  g_snprintf (key, sizeof key, "g%u", id);
  IngestEventInput s = { .kind = INGEST_EVENT_SEND, .time_ns = send_ns, .actor = INGEST_STR (from),
                         .peer = INGEST_STR (to), .message_key = INGEST_STR (key),
                         .label = INGEST_STR ("Work") };
  IngestEventInput r = { .kind = INGEST_EVENT_RECEIVE, .time_ns = send_ns + 100000, .actor = INGEST_STR (to),
                         .message_key = INGEST_STR (key) };
  IngestEventInput d = { .kind = INGEST_EVENT_DONE, .time_ns = send_ns + 600000, .actor = INGEST_STR (to),
                         .message_key = INGEST_STR (key) };
  ingest_store_append (store, &s);
  ingest_store_append (store, &r);
  ingest_store_append (store, &d);
}

/* The bar centre of each lane, by lane name, from the scene's "actor"
 * groups (their first rect is the lane's background row). */
static GHashTable *
lane_centres (const RenderScene *scene, double *lane_h)
{
  GHashTable *centres = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  for (const RenderNode *n = render_scene_get_first (scene); n != NULL; n = n->next)
    if (n->kind == RENDER_NODE_GROUP_BEGIN && g_strcmp0 (n->u.group.klass, "actor") == 0)
      {
        const RenderNode *r = n->next;
        while (r != NULL && r->kind != RENDER_NODE_RECT)
          r = r->next;
        if (r == NULL)
          break;
        double *c = g_new (double, 1);
        *c = r->u.rect.y + r->u.rect.h / 2;
        *lane_h = r->u.rect.h;
        g_hash_table_insert (centres, g_strdup (n->u.group.id), c);
      }
  return centres;
}

/* A group lane folds actors from anywhere in the lane order. Drawn where
 * its first member stood, its busy traffic with a member's partner at
 * the far end crossed every lane between them: a solid block of lines
 * over unrelated lanes. The group lane now sits next to the partner it
 * trades most with, and messages inside the group stay in its row. */
static void
test_timeline_group_lane_beside_its_partner (void **state)
{
  g_autoptr (IngestStore) store = ingest_store_new ();
  const gint64 base = G_GINT64_CONSTANT (1700000000000000000), ms = 1000000;
  guint id = 0;

  /* /a/x appears first (so the group of /a/ takes the first lane), then
   * a chain b -> c -> d -> e; /a/y and /e trade 60 messages, and the
   * group's members talk among themselves. */
  grouped_send (store, "/a/x", "/b", id++, base);
  grouped_send (store, "/b", "/c", id++, base + ms);
  grouped_send (store, "/c", "/d", id++, base + 2 * ms);
  grouped_send (store, "/d", "/e", id++, base + 3 * ms);
  for (guint k = 0; k < 30; k++)
    {
      grouped_send (store, "/a/y", "/e", id++, base + (4 + 2 * k) * ms);
      grouped_send (store, "/e", "/a/y", id++, base + (5 + 2 * k) * ms);
      grouped_send (store, "/a/x", "/a/y", id++, base + (5 + 2 * k) * ms + ms / 2);
    }
  const char *groups[] = { "/a/*", NULL };
  IngestViewSpec spec = { .from_ns = INGEST_TIME_MIN, .to_ns = INGEST_TIME_MAX, .groups = groups };
  g_autoptr (GError) error = NULL;
  IngestTimeline *tl = ingest_timeline_build (store, &spec, &error);
  assert_non_null (tl);
  assert_int_equal (tl->lanes->len, 5);
  assert_string_equal (g_array_index (tl->lanes, IngestViewNode, 0).name, "/a/*");

  RenderLayoutOptions opts = { .width = 1000 };
  g_autoptr (RenderScene) scene = render_layout_timeline (tl, &opts);
  double lane_h = 0;
  g_autoptr (GHashTable) centres = lane_centres (scene, &lane_h);
  assert_int_equal (g_hash_table_size (centres), 5);
  double group_y = *(double *) g_hash_table_lookup (centres, "/a/*");
  double e_y = *(double *) g_hash_table_lookup (centres, "/e");
  assert_float_equal (fabs (group_y - e_y), lane_h, 0.5);

  /* No line between the group and /e passes over another lane's bar,
   * and the group's own messages stay within its row. */
  guint checked = 0, inside = 0;
  for (const RenderNode *n = render_scene_get_first (scene); n != NULL; n = n->next)
    {
      if (n->kind != RENDER_NODE_GROUP_BEGIN || g_strcmp0 (n->u.group.klass, "message") != 0)
        continue;
      const RenderNode *a = n->next;
      assert_true (a != NULL && a->kind == RENDER_NODE_ARROW);
      if (a == NULL)
        return;
      double lo = MIN (a->u.arrow.y1, a->u.arrow.y2), hi = MAX (a->u.arrow.y1, a->u.arrow.y2);
      if (a->u.arrow.curved)
        {
          lo = MIN (lo, MIN (a->u.arrow.cy1, a->u.arrow.cy2));
          assert_true (fabs (a->u.arrow.y1 - group_y) < lane_h / 2);
          /* a cubic reaches 3/4 of the way to its control points */
          assert_true (a->u.arrow.y1 - 0.75 * (a->u.arrow.y1 - lo) >= group_y - lane_h / 2 - 0.01);
          inside++;
          continue;
        }
      gboolean group_e = (fabs (a->u.arrow.y1 - group_y) < lane_h / 2 || fabs (a->u.arrow.y1 - e_y) < lane_h / 2) &&
                         (fabs (a->u.arrow.y2 - group_y) < lane_h / 2 || fabs (a->u.arrow.y2 - e_y) < lane_h / 2);
      if (!group_e)
        continue;
      GHashTableIter it;
      gpointer key, value;
      g_hash_table_iter_init (&it, centres);
      while (g_hash_table_iter_next (&it, &key, &value))
        {
          double c = *(double *) value;
          if (fabs (c - group_y) > 1 && fabs (c - e_y) > 1)
            assert_false (c - lane_h / 2 < hi && c + lane_h / 2 > lo);
        }
      checked++;
    }
  assert_int_equal (checked, 60);
  assert_int_equal (inside, 30);
  ingest_timeline_free (tl);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_graph_small),
    cmocka_unit_test (test_graph_reciprocal_pairs_merged),
    cmocka_unit_test (test_graph_deterministic_and_bounded),
    cmocka_unit_test (test_graph_large_sparse_path),
    cmocka_unit_test (test_graph_previous_positions),
    cmocka_unit_test (test_graph_same_nodes_hold_still),
    cmocka_unit_test (test_empty_views),
    cmocka_unit_test (test_sequence),
    cmocka_unit_test (test_sequence_lod),
    cmocka_unit_test (test_sequence_bins_keep_busiest_label),
    cmocka_unit_test (test_sequence_axis_labels),
    cmocka_unit_test (test_sequence_bin_direction),
    cmocka_unit_test (test_timeline),
    cmocka_unit_test (test_timeline_group_lane_beside_its_partner),
    cmocka_unit_test (test_timeline_depth_changes_where_they_happen),
    cmocka_unit_test (test_time_layouts_bound_spans_and_marks),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
