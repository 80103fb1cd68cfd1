/* bench-graph-legibility.c: how readable a graph picture of a real trace
 * is, as numbers: edges drawn, pairs of edges that cross, pairs of node
 * labels that overlap, for the threads folded (the default) and expanded.
 * Never a test; run by hand on a real Chromium trace (100 nodes, 500
 * edges: record one as tests/test-chromium-trace.sh does, with a longer
 * --trace-startup-duration):
 *   build/tests/bench-graph-legibility TRACE [WIDTH HEIGHT]
 * Curves are measured as 12-segment polylines. */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "ingest-parser.h"
#include "ingest-view.h"
#include "render-layout.h"
#include "render-scene.h"

typedef struct {
  GArray *xy;            /* double pairs: polyline points, NAN NAN between pieces */
  double x0, y0, x1, y1; /* bounding box */
} EdgeShape;

typedef struct {
  double x0, y0, x1, y1;
} Box;

static void
shape_add (EdgeShape *e, double x, double y)
{
  g_array_append_val (e->xy, x);
  g_array_append_val (e->xy, y);
  if (!isnan (x))
    {
      e->x0 = MIN (e->x0, x);
      e->y0 = MIN (e->y0, y);
      e->x1 = MAX (e->x1, x);
      e->y1 = MAX (e->y1, y);
    }
}

static double
cross (double ax, double ay, double bx, double by, double cx, double cy)
{
  return (bx - ax) * (cy - ay) - (by - ay) * (cx - ax);
}

/* Proper intersection of segments ab and cd (touching ends don't count). */
static gboolean
segments_cross (const double *a, const double *b, const double *c, const double *d)
{
  double d1 = cross (c[0], c[1], d[0], d[1], a[0], a[1]);
  double d2 = cross (c[0], c[1], d[0], d[1], b[0], b[1]);
  double d3 = cross (a[0], a[1], b[0], b[1], c[0], c[1]);
  double d4 = cross (a[0], a[1], b[0], b[1], d[0], d[1]);
  return ((d1 > 0 && d2 < 0) || (d1 < 0 && d2 > 0)) && ((d3 > 0 && d4 < 0) || (d3 < 0 && d4 > 0));
}

static gboolean
shapes_cross (const EdgeShape *p, const EdgeShape *q)
{
  if (p->x1 < q->x0 || q->x1 < p->x0 || p->y1 < q->y0 || q->y1 < p->y0)
    return FALSE;
  const double *a = (const double *) (void *) p->xy->data, *b = (const double *) (void *) q->xy->data;
  guint na = p->xy->len / 2, nb = q->xy->len / 2;
  for (guint i = 0; i + 1 < na; i++)
    {
      if (isnan (a[2 * i]) || isnan (a[2 * i + 2]))
        continue;
      for (guint j = 0; j + 1 < nb; j++)
        {
          if (isnan (b[2 * j]) || isnan (b[2 * j + 2]))
            continue;
          if (segments_cross (a + 2 * i, a + 2 * i + 2, b + 2 * j, b + 2 * j + 2))
            return TRUE;
        }
    }
  return FALSE;
}

static void
measure (IngestStore *store, gboolean expand, double width, double height)
{
  IngestViewSpec spec = { .from_ns = INGEST_TIME_MIN, .to_ns = INGEST_TIME_MAX, .expand_threads = expand };
  g_autoptr(GError) error = NULL;
  g_autoptr(IngestGraph) graph = ingest_graph_build (store, &spec, &error);
  if (graph == NULL)
    {
      fprintf (stderr, "%s\n", error->message);
      exit (1);
    }
  RenderLayoutOptions o = { .width = width, .height = height, .seed = 1 };
  gint64 t0 = g_get_monotonic_time ();
  g_autoptr(RenderScene) scene = render_layout_graph (graph, &o);
  double ms = (g_get_monotonic_time () - t0) / 1000.0;

  GArray *edges = g_array_new (FALSE, TRUE, sizeof (EdgeShape));
  GArray *labels = g_array_new (FALSE, FALSE, sizeof (Box));
  int in_edge = -1, in_actor = -1;
  for (const RenderNode *nd = render_scene_get_first (scene); nd != NULL; nd = nd->next)
    {
      if (nd->kind == RENDER_NODE_GROUP_BEGIN)
        {
          if (g_strcmp0 (nd->u.group.klass, "edge") == 0)
            {
              EdgeShape e = { g_array_new (FALSE, FALSE, sizeof (double)), G_MAXDOUBLE, G_MAXDOUBLE,
                              -G_MAXDOUBLE, -G_MAXDOUBLE };
              g_array_append_val (edges, e);
              in_edge = (int) nd->u.group.depth;
            }
          else if (g_strcmp0 (nd->u.group.klass, "actor") == 0)
            in_actor = (int) nd->u.group.depth;
          continue;
        }
      if (nd->kind == RENDER_NODE_GROUP_END)
        {
          /* group ends close the innermost: track by depth counting */
          if (in_edge >= 0)
            in_edge = -1;
          else if (in_actor >= 0)
            in_actor = -1;
          continue;
        }
      if (in_edge >= 0 && nd->kind == RENDER_NODE_ARROW)
        {
          EdgeShape *e = &g_array_index (edges, EdgeShape, edges->len - 1);
          if (e->xy->len > 0)
            shape_add (e, NAN, NAN);
          if (!nd->u.arrow.curved)
            {
              shape_add (e, nd->u.arrow.x1, nd->u.arrow.y1);
              shape_add (e, nd->u.arrow.x2, nd->u.arrow.y2);
            }
          else
            for (int k = 0; k <= 12; k++)
              {
                double t = k / 12.0, u = 1 - t;
                double x = u * u * u * nd->u.arrow.x1 + 3 * u * u * t * nd->u.arrow.cx1
                           + 3 * u * t * t * nd->u.arrow.cx2 + t * t * t * nd->u.arrow.x2;
                double y = u * u * u * nd->u.arrow.y1 + 3 * u * u * t * nd->u.arrow.cy1
                           + 3 * u * t * t * nd->u.arrow.cy2 + t * t * t * nd->u.arrow.y2;
                shape_add (e, x, y);
              }
        }
      if (in_actor >= 0 && nd->kind == RENDER_NODE_TEXT && nd->u.text.width > 0)
        {
          const RenderStyle *st = render_scene_get_style (scene, nd->style);
          double w = nd->u.text.width, h = st->font_size;
          double x0 = nd->u.text.anchor == RENDER_ANCHOR_START ? nd->u.text.x
                      : nd->u.text.anchor == RENDER_ANCHOR_MIDDLE ? nd->u.text.x - w / 2 : nd->u.text.x - w;
          double y0 = nd->u.text.baseline == RENDER_BASELINE_HANGING ? nd->u.text.y
                      : nd->u.text.baseline == RENDER_BASELINE_MIDDLE ? nd->u.text.y - h / 2 : nd->u.text.y - h * 0.8;
          Box b = { x0, y0, x0 + w, y0 + h };
          g_array_append_val (labels, b);
        }
    }

  guint64 crossings = 0, overlaps = 0;
  for (guint i = 0; i < edges->len; i++)
    for (guint j = i + 1; j < edges->len; j++)
      if (shapes_cross (&g_array_index (edges, EdgeShape, i), &g_array_index (edges, EdgeShape, j)))
        crossings++;
  for (guint i = 0; i < labels->len; i++)
    for (guint j = i + 1; j < labels->len; j++)
      {
        const Box *a = &g_array_index (labels, Box, i), *b = &g_array_index (labels, Box, j);
        if (a->x0 < b->x1 && b->x0 < a->x1 && a->y0 < b->y1 && b->y0 < a->y1)
          overlaps++;
      }
  printf ("%-9s nodes %4u  view edges %4u  drawn edges %4u  crossing edge pairs %6" G_GUINT64_FORMAT
          "  labels %4u  overlapping label pairs %4" G_GUINT64_FORMAT "  clusters %3u  layout %.0f ms\n",
          expand ? "expanded" : "folded", graph->nodes->len, graph->edges->len, edges->len, crossings,
          labels->len, overlaps, render_scene_count_groups (scene, "cluster"), ms);
  for (guint i = 0; i < edges->len; i++)
    g_array_unref (g_array_index (edges, EdgeShape, i).xy);
  g_array_unref (edges);
  g_array_unref (labels);
}

int
main (int argc, char **argv)
{
  if (argc < 2)
    {
      fprintf (stderr, "usage: %s TRACE [WIDTH HEIGHT]\n", argv[0]);
      return 2;
    }
  double width = argc > 3 ? atof (argv[2]) : 1200, height = argc > 3 ? atof (argv[3]) : 800;
  g_autoptr(IngestStore) store = ingest_store_new ();
  g_autoptr(GError) error = NULL;
  if (!ingest_load_file (store, argv[1], NULL, NULL, NULL, &error))
    {
      fprintf (stderr, "%s: %s\n", argv[1], error->message);
      return 1;
    }
  printf ("%s at %gx%g\n", argv[1], width, height);
  measure (store, FALSE, width, height);
  measure (store, TRUE, width, height);
  return 0;
}
