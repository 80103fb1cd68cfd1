/* render-view.c: the one dispatch from a view kind to its data and layout. */
#include "config.h"

#include <math.h>
#include <string.h>

#include "render-ticks.h"
#include "render-view.h"
#include "render-pinned.h"
#include "render-layout-private.h"
#include "render-svg.h"

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

double
render_time_axis_to_x (const RenderTimeAxis *axis, gint64 t)
{
  g_return_val_if_fail (axis != NULL, 0);
  g_return_val_if_fail (axis->valid, axis->x0);
  if (axis->to_ns <= axis->from_ns)
    return axis->x0;
  return axis->x0 + render_ticks_diff (axis->from_ns, t) / render_ticks_diff (axis->from_ns, axis->to_ns)
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
  double off = round ((x - axis->x0) / (axis->x1 - axis->x0) * render_ticks_diff (axis->from_ns, axis->to_ns));
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

/* One layout of the view's data with options (max_elements as given). */
static RenderScene *
lay_out (const RenderViewRequest *request, const IngestGraph *graph,
         const IngestTimeline *timeline, const RenderLayoutOptions *layout, RenderViewResult *result)
{
  RenderLayoutOptions options = *layout;
  RenderScene *scene;

  if (request->kind == RENDER_VIEW_GRAPH)
    return render_layout_graph (graph, layout);
  if (request->kind == RENDER_VIEW_SEQUENCE)
    {
      if (result->rows == NULL)
        result->rows = g_array_new (FALSE, FALSE, sizeof (RenderRowTime));
      options.rows_out = result->rows;
      return render_layout_sequence (timeline, &options);
    }

  options.axis_out = &result->axis;
  scene = render_layout_timeline (timeline, &options);
  if (request->fill_height > 0)
    scene = timeline_fill (timeline, &options, request->fill_height, scene);
  return scene;
}

/* Re-layouts a view over its byte budget may take, before the placeholder. */
#define BUDGET_ATTEMPTS 6
/* Aim this far under the budget: the size is not quite linear in elements. */
#define BUDGET_AIM 0.9
/* Below this many individual elements, the view says nothing useful. */
#define BUDGET_MIN_ELEMENTS 16

/* Lays the view out within request->svg_budget bytes of SVG: the size of
 * a frame grows about linearly with the elements drawn individually
 * (max_elements) on top of a fixed part (nodes, lanes, axes). The first
 * retry assumes no fixed part; later ones fit a line through the last two
 * sizes. What does not fit with BUDGET_MIN_ELEMENTS becomes the
 * placeholder, so the bound holds at any load. When a smaller
 * max_elements did not shrink the picture, the view had fewer elements
 * than that anyway: the next try cuts deeper. */
static void
lay_out_within_budget (const RenderViewRequest *request, const IngestGraph *graph,
                       const IngestTimeline *timeline, RenderViewResult *result)
{
  RenderLayoutOptions options = request->layout;
  RenderSvgOptions sopts = { .fragment = TRUE };
  GString *svg = g_string_new (NULL);
  double prev_n = 0, prev_size = 0;
  guint n = options.max_elements ? options.max_elements : RENDER_LAYOUT_DEFAULT_MAX_ELEMENTS;

  for (guint attempt = 0; attempt < BUDGET_ATTEMPTS; attempt++)
    {
      double size, want;

      options.max_elements = n;
      g_clear_pointer (&result->scene, render_scene_free);
      result->scene = lay_out (request, graph, timeline, &options, result);
      g_string_truncate (svg, 0);
      render_svg_write_full (result->scene, &sopts, svg);
      result->max_elements = n;
      if (svg->len <= request->svg_budget)
        break;
      result->reduced = TRUE;
      size = (double) svg->len;
      want = request->svg_budget * BUDGET_AIM;
      if (attempt > 0 && !(prev_size > size * 1.02))
        want = n / 3.0; /* fewer elements than n were drawn: n did not bind */
      else if (attempt == 0 || !(prev_n > n))
        want = n * want / size;
      else
        {
          double per = (prev_size - size) / (prev_n - n), fixed = size - per * n;
          /* A previous n that did not fully bind makes elements look
           * cheap: then proportional again rather than a leap to the floor. */
          double fit = (want - fixed) / per;
          want = fit >= n / 8.0 ? fit : n * want / size;
        }
      prev_n = n;
      prev_size = size;
      /* At least a little progress each time, never below the floor. */
      want = MIN (want, n * 0.8);
      if (n <= BUDGET_MIN_ELEMENTS)
        break;
      n = (guint) MAX (BUDGET_MIN_ELEMENTS, want);
    }
  if (svg->len > request->svg_budget)
    {
      double w = 0, h = 0;

      render_scene_get_size (result->scene, &w, &h);
      render_scene_free (result->scene);
      result->scene = render_layout_over_budget (&request->layout, render_view_kind_to_string (request->kind),
                                                 request->svg_budget);
      result->axis.valid = FALSE;
      if (result->rows != NULL)
        g_array_set_size (result->rows, 0);
      result->max_elements = 0;
      g_string_truncate (svg, 0);
      render_svg_write_full (result->scene, &sopts, svg);
    }
  result->svg_bytes = svg->len;
  if (request->keep_svg)
    result->svg = svg;
  else
    g_string_free (svg, TRUE);
}

gboolean
render_view_build (IngestStore *store, const RenderViewRequest *request,
                   RenderViewResult *result, GError **error)
{
  g_autoptr(IngestGraph) owned_graph = NULL;
  g_autoptr(IngestTimeline) owned_timeline = NULL;
  const IngestGraph *graph = NULL;
  const IngestTimeline *timeline = NULL;

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
      graph = request->graph;
      if (graph == NULL)
        {
          g_return_val_if_fail (request->spec != NULL, FALSE);
          graph = owned_graph = ingest_graph_build (store, request->spec, error);
          if (graph == NULL)
            return FALSE;
        }
      result->from_ns = graph->from_ns;
      result->to_ns = graph->to_ns;
    }
  else
    {
      timeline = request->timeline;
      if (timeline == NULL)
        {
          g_return_val_if_fail (request->spec != NULL, FALSE);
          timeline = owned_timeline = ingest_timeline_build (store, request->spec, error);
          if (timeline == NULL)
            return FALSE;
        }
      result->from_ns = timeline->from_ns;
      result->to_ns = timeline->to_ns;
    }
  /* Pinned lanes first: a reordered copy of the timeline, so both
   * layouts draw them on top. */
  RenderViewRequest pinned_request;
  IngestTimeline *pinned = NULL;
  guint n_pinned = 0;
  if (timeline != NULL && request->pinned != NULL)
    pinned = render_pinned_timeline (timeline, request->pinned, &n_pinned);
  if (pinned != NULL)
    {
      pinned_request = *request;
      pinned_request.layout.pinned_lanes = n_pinned;
      request = &pinned_request;
      timeline = pinned;
    }
  if (request->svg_budget > 0)
    lay_out_within_budget (request, graph, timeline, result);
  else
    {
      result->scene = lay_out (request, graph, timeline, &request->layout, result);
      result->max_elements = request->layout.max_elements ? request->layout.max_elements
                                                          : RENDER_LAYOUT_DEFAULT_MAX_ELEMENTS;
      if (request->keep_svg)
        {
          RenderSvgOptions sopts = { .fragment = TRUE };
          result->svg = g_string_new (NULL);
          render_svg_write_full (result->scene, &sopts, result->svg);
          result->svg_bytes = result->svg->len;
        }
    }
  render_pinned_timeline_free (pinned);
  return TRUE;
}

void
render_view_result_clear (RenderViewResult *result)
{
  g_return_if_fail (result != NULL);
  g_clear_pointer (&result->scene, render_scene_free);
  if (result->svg != NULL)
    g_string_free (result->svg, TRUE);
  if (result->rows != NULL)
    g_array_unref (result->rows);
  memset (result, 0, sizeof *result);
}
