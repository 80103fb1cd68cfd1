/* render-view.c: the one dispatch from a view kind to its data and layout. */
#include "config.h"

#include <math.h>
#include <string.h>

#include "render-view.h"

static const char *const kind_names[RENDER_VIEW_N_KINDS] = { "graph", "sequence", "timeline" };

const char *
render_view_kind_to_string (RenderViewKind kind)
{
  g_return_val_if_fail ((guint) kind < RENDER_VIEW_N_KINDS, "graph");
  return kind_names[kind];
}

gboolean
render_view_kind_from_string (const char *s, RenderViewKind *out)
{
  g_return_val_if_fail (out != NULL, FALSE);
  for (guint i = 0; s != NULL && i < RENDER_VIEW_N_KINDS; i++)
    if (strcmp (s, kind_names[i]) == 0)
      {
        *out = (RenderViewKind) i;
        return TRUE;
      }
  return FALSE;
}

/* b - a exactly as a double: the difference of two gint64 may not fit a
 * gint64, but it always fits a guint64 (unsigned wrap-around is defined). */
static double
time_diff (gint64 a, gint64 b)
{
  if (b >= a)
    return (double) ((guint64) b - (guint64) a);
  return -(double) ((guint64) a - (guint64) b);
}

double
render_time_axis_to_x (const RenderTimeAxis *axis, gint64 t)
{
  g_return_val_if_fail (axis != NULL, 0);
  g_return_val_if_fail (axis->valid, axis->x0);
  if (axis->to_ns <= axis->from_ns)
    return axis->x0;
  return axis->x0 + time_diff (axis->from_ns, t) / time_diff (axis->from_ns, axis->to_ns)
                    * (axis->x1 - axis->x0);
}

gint64
render_time_axis_to_time (const RenderTimeAxis *axis, double x)
{
  g_return_val_if_fail (axis != NULL, 0);
  g_return_val_if_fail (axis->valid, axis->from_ns);
  if (axis->to_ns <= axis->from_ns || !(axis->x1 != axis->x0) || isnan (x))
    return axis->from_ns;
  /* The offset from from_ns in double, then added in integers: the
   * result keeps nanosecond precision near from_ns, where the double of
   * an epoch time would be off by hundreds of ns. */
  double off = round ((x - axis->x0) / (axis->x1 - axis->x0) * time_diff (axis->from_ns, axis->to_ns));
  if (off >= 0x1p63)
    return G_MAXINT64;
  if (off <= -0x1p63)
    return G_MININT64;
  gint64 o = (gint64) off;
  if (o > 0 && axis->from_ns > G_MAXINT64 - o)
    return G_MAXINT64;
  if (o < 0 && axis->from_ns < G_MININT64 - o)
    return G_MININT64;
  return axis->from_ns + o;
}

/* How far a timeline with few lanes may grow its text to fill the pane. */
#define MAX_FILL_FONT_SCALE 1.15

/* A few lanes at the default size leave most of a tall pane empty. The
 * timeline's height grows linearly with the font size, so one more build
 * with a larger font fills it; capped so labels stay in proportion with
 * the rest of the window. Only small lane counts get here, so the second
 * build is cheap. */
static RenderScene *
timeline_fill (const IngestTimeline *timeline, RenderLayoutOptions *options, double fill_height,
               RenderScene *scene)
{
  double sw = 0, sh = 0, margin = 24;
  double base = options->font_size >= 4 && options->font_size <= 72 ? options->font_size : 11;

  render_scene_get_size (scene, &sw, &sh);
  if (!(sh > margin && sh < fill_height * 0.85))
    return scene;
  options->font_size = base * MIN (MAX_FILL_FONT_SCALE, (fill_height - margin) / (sh - margin));
  render_scene_free (scene);
  return render_layout_timeline (timeline, options);
}

gboolean
render_view_build (IngestStore *store, const RenderViewRequest *request,
                   RenderViewResult *result, GError **error)
{
  g_return_val_if_fail (result != NULL, FALSE);
  memset (result, 0, sizeof *result);
  g_return_val_if_fail (request != NULL, FALSE);
  g_return_val_if_fail (store != NULL || (request->kind == RENDER_VIEW_GRAPH ? request->graph != NULL
                                                                             : request->timeline != NULL),
                        FALSE);
  g_return_val_if_fail ((guint) request->kind < RENDER_VIEW_N_KINDS, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (request->kind == RENDER_VIEW_GRAPH)
    {
      g_autoptr(IngestGraph) owned = NULL;
      const IngestGraph *graph = request->graph;

      if (graph == NULL)
        {
          g_return_val_if_fail (request->spec != NULL, FALSE);
          graph = owned = ingest_graph_build (store, request->spec, error);
          if (graph == NULL)
            return FALSE;
        }
      result->from_ns = graph->from_ns;
      result->to_ns = graph->to_ns;
      result->scene = render_layout_graph (graph, &request->layout);
      return TRUE;
    }

  g_autoptr(IngestTimeline) owned = NULL;
  const IngestTimeline *timeline = request->timeline;

  if (timeline == NULL)
    {
      g_return_val_if_fail (request->spec != NULL, FALSE);
      timeline = owned = ingest_timeline_build (store, request->spec, error);
      if (timeline == NULL)
        return FALSE;
    }
  result->from_ns = timeline->from_ns;
  result->to_ns = timeline->to_ns;
  if (request->kind == RENDER_VIEW_SEQUENCE)
    {
      result->scene = render_layout_sequence (timeline, &request->layout);
      return TRUE;
    }

  RenderLayoutOptions options = request->layout;

  options.axis_out = &result->axis;
  result->scene = render_layout_timeline (timeline, &options);
  if (request->fill_height > 0)
    result->scene = timeline_fill (timeline, &options, request->fill_height, result->scene);
  return TRUE;
}

void
render_view_result_clear (RenderViewResult *result)
{
  g_return_if_fail (result != NULL);
  g_clear_pointer (&result->scene, render_scene_free);
  memset (result, 0, sizeof *result);
}
