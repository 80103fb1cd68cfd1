/* render-layout.h: the three layouts, from ingest's views to scenes.
 *
 *  - render_layout_graph: the interaction graph (stress layout by stochastic
 *    gradient descent over graph distances: deterministic for a given input
 *    and seed; node area by traffic, edge width by log(count), edge colour by
 *    p99 latency, curved edges for A->B/B->A pairs, labels placed without
 *    collisions, a legend);
 *  - render_layout_sequence: a sequence chart (lifelines, time down, arrows
 *    with labels coloured by label, processing bars, pending and dropped
 *    messages, crashes, actor headers repeated every header_every rows);
 *  - render_layout_timeline: lanes on a horizontal time axis (spans, flow
 *    lines, mailbox depth strips, marks, density bands when aggregated).
 *
 * Every layout bounds what it draws (max_elements) and renders a friendly
 * "no events in this window" scene for an empty view. Labels and the actor
 * hierarchy are read through the view (ingest_graph_atom,
 * ingest_timeline_atom, ingest_graph_actor_parent): from its store, or
 * from its own copies when the view is detached (then a layout never
 * touches a store and may run in any thread while the store grows); a
 * hand-built view with neither has empty labels. The returned scene is
 * owned by the caller.
 */
#pragma once

#include "ingest-view.h"
#include "render-palette.h"
#include "render-scene.h"

G_BEGIN_DECLS

/* Node positions of a graph layout, by node name, in scene units (owned
 * by whoever created it; NULL-safe free). Live front ends keep the
 * positions of the previous frame and pass them back (previous below) so
 * nodes stay where they were instead of jumping between frames. */
typedef struct _RenderGraphPositions RenderGraphPositions;
RenderGraphPositions *render_graph_positions_new (void);
void render_graph_positions_free (RenderGraphPositions *positions);
/* A copy (owned by the caller); NULL gives an empty set. */
RenderGraphPositions *render_graph_positions_copy (const RenderGraphPositions *positions);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (RenderGraphPositions, render_graph_positions_free)
/* FALSE when name has no position. */
gboolean render_graph_positions_lookup (const RenderGraphPositions *positions, const char *name,
                                        double *x, double *y);
guint render_graph_positions_size (const RenderGraphPositions *positions);

/* The linear time axis of a timeline scene: time from_ns is drawn at scene
 * x0, to_ns at x1. The ruler's labels sit between the scene's top and
 * height (scene units). valid is FALSE for graphs and sequence charts
 * (sequence time runs down the page and is not linear in rows).
 * render_time_axis_to_x/to_time (render-view.h) map along it. */
typedef struct {
  gboolean valid;
  gint64 from_ns, to_ns;
  double x0, x1;
  double height;
} RenderTimeAxis;

/* One row of a sequence chart: drawn at scene y, standing for time t_ns
 * (a message's send time, a density bin's start). Rows run down the page
 * in time order but not linearly in time; between two rows time is linear
 * in y, as the layout places arrow ends. */
typedef struct {
  double y;
  gint64 t_ns;
} RenderRowTime;

/* Zero-initialised options are the defaults. */
typedef struct {
  double width, height;     /* canvas size in user units; 0 = layout default
                               (graph 1200x800; timeline width 1400, height
                               from lanes; sequence grows with the chart) */
  RenderTheme theme;
  double font_size;         /* 0 = 11 */
  const char *font_family;  /* NULL = RENDER_FONT_FAMILY */
  guint max_elements;       /* LOD: at most this many messages/edges drawn
                               individually; 0 = 4000 */
  guint32 seed;             /* graph layout seed (same seed, same picture) */
  guint header_every;       /* sequence: repeat the actor header every N rows,
                               0 = 50 */
  gboolean hide_legend;
  const char *title;        /* shown at the top; NULL = none */
  /* Graph only. previous (borrowed, NULL = none): positions of the last
   * frame; when the node set (by name) and canvas size are the same,
   * every node keeps exactly its place; otherwise nodes found there keep
   * their place (rescaled if the canvas size changed), new nodes go next
   * to their neighbours, and overlaps are pushed apart; when most nodes
   * are new, the full layout runs instead.
   * positions_out (borrowed, NULL = none): cleared and filled with this
   * layout's node positions. Without previous the layout is the
   * deterministic batch one (same input, same picture). */
  const RenderGraphPositions *previous;
  RenderGraphPositions *positions_out;
  /* Timeline only. axis_out (borrowed, NULL = none): receives the time
   * axis the layout drew with (valid FALSE for the empty-view scene), so
   * front ends map times and pointer positions without knowing margins. */
  RenderTimeAxis *axis_out;
  /* Sequence only. rows_out (borrowed GArray of RenderRowTime, NULL =
   * none): cleared and filled with the chart's rows, top to bottom, so
   * front ends map a height on the chart to a time (range selection). */
  GArray *rows_out;
  /* Timeline only: the first pinned_lanes lanes are pinned
   * (render-pinned.h) and stay on top in their order; no group lane is
   * moved in among them. */
  guint pinned_lanes;
} RenderLayoutOptions;

#define RENDER_LAYOUT_DEFAULT_MAX_ELEMENTS 4000

/* options may be NULL (defaults). Never returns NULL. */
RenderScene *render_layout_graph (const IngestGraph *graph, const RenderLayoutOptions *options);
RenderScene *render_layout_sequence (const IngestTimeline *timeline,
                                     const RenderLayoutOptions *options);
RenderScene *render_layout_timeline (const IngestTimeline *timeline,
                                     const RenderLayoutOptions *options);

/* The node positions the graph layout computed (for front ends that animate
 * or hit-test nodes themselves): fills xy with 2 * graph->nodes->len doubles
 * in scene units for the given options. Returns FALSE for an empty graph. */
gboolean render_layout_graph_positions (const IngestGraph *graph,
                                        const RenderLayoutOptions *options, double *xy);

G_END_DECLS
