/* render-view.h: one view of a store, from "what to show" to a scene.
 *
 * Every front end (the CLI's export, the live console's frames, the GTK
 * scene view) asks for a picture the same way: a view kind, the store, the
 * window, the filters and groups, a canvas size. render_view_build turns
 * that into a scene and reports what the layout used (the window it
 * covered, the timeline's time axis), so front ends never re-derive layout
 * internals from drawn nodes and never dispatch on the kind themselves.
 *
 * Threading: render_view_build only reads the store; it may run in any
 * thread while no other thread appends to that store (the caller holds
 * whatever lock or snapshot guarantees that). Given detached view data
 * (ingest_graph_dup_detached, ingest_timeline_dup_detached) and no store,
 * it reads no store at all and needs no lock.
 */
#pragma once

#include "ingest-view.h"
#include "render-layout.h"
#include "render-scene.h"

G_BEGIN_DECLS

typedef enum {
  RENDER_VIEW_GRAPH = 0,
  RENDER_VIEW_SEQUENCE,
  RENDER_VIEW_TIMELINE,
} RenderViewKind;

#define RENDER_VIEW_N_KINDS 3

/* "graph", "sequence", "timeline" (static strings). */
const char *render_view_kind_to_string (RenderViewKind kind);
/* FALSE (out untouched) for anything else; NULL is not a kind. */
gboolean render_view_kind_from_string (const char *s, RenderViewKind *out);

/* RenderTimeAxis (render-layout.h) is the linear time axis of a timeline
 * scene; these map along it. */

/* Scene x of time t on axis (may lie outside [x0, x1]); safe for every
 * gint64 t (no overflow). axis must be valid. */
double render_time_axis_to_x (const RenderTimeAxis *axis, gint64 t);
/* Time at scene x, clamped to the gint64 range. axis must be valid. */
gint64 render_time_axis_to_time (const RenderTimeAxis *axis, double x);

typedef struct {
  RenderViewKind kind;
  /* What to show: window, filters, groups, max_items (borrowed). */
  const IngestViewSpec *spec;
  /* Sequence and timeline: names of lanes pinned to the top, in order
   * (NULL-terminated, borrowed; NULL = none; render-pinned.h). */
  const char *const *pinned;
  /* Prebuilt data for spec (borrowed, NULL = build it from the store):
   * live front ends keep sliding windows and pass their snapshot here.
   * graph is used by RENDER_VIEW_GRAPH, timeline by the other two. */
  const IngestGraph *graph;
  const IngestTimeline *timeline;
  /* Size, theme, seed, level of detail, previous graph positions. */
  RenderLayoutOptions layout;
  /* Timeline only: when > 0 and the scene is much shorter than this, the
   * font grows (at most 1.15x) so a few lanes fill the pane. */
  double fill_height;
  /* Most bytes the scene may take written as an SVG fragment
   * (render-svg.c); 0 = no bound. Over it the build lowers
   * layout.max_elements and lays the view out again (a few times at
   * most); a view that still does not fit becomes a placeholder scene
   * (group class "over-budget") saying detail was reduced. */
  gsize svg_budget;
  /* TRUE: result->svg receives the scene written as an SVG fragment (the
   * budget measures it anyway; front ends sending SVG reuse it). */
  gboolean keep_svg;
} RenderViewRequest;

/* What a build produced. scene and svg are owned by the caller (free with
 * render_view_result_clear); from_ns/to_ns is the window the view covered
 * (the data's own range when the spec was open-ended). */
typedef struct {
  RenderScene *scene;
  gint64 from_ns, to_ns;
  RenderTimeAxis axis;
  /* A sequence chart's rows (RenderRowTime, top to bottom; owned, empty
   * for the placeholder), NULL for the other kinds: the sequence chart's
   * time axis runs down the page and is not linear in y. */
  GArray *rows;
  /* The level of detail drawn (the max_elements of the last layout; 0 for
   * the over-budget placeholder) and whether it is less than asked for
   * to keep within svg_budget. */
  guint max_elements;
  gboolean reduced;
  /* With svg_budget or keep_svg: the size of the SVG fragment in bytes,
   * and (keep_svg only) the fragment itself, NULL otherwise. */
  gsize svg_bytes;
  GString *svg;
} RenderViewResult;

/* Builds the view of store described by request into result (zeroed
 * first). store may be NULL when the request carries the data (graph for
 * a graph, timeline for the others). Returns FALSE with error set (INGEST_ERROR_FILTER for a bad
 * filter) and result->scene NULL on failure. */
gboolean render_view_build (IngestStore *store, const RenderViewRequest *request,
                            RenderViewResult *result, GError **error);
void render_view_result_clear (RenderViewResult *result);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (RenderViewResult, render_view_result_clear)

G_END_DECLS
