/* actorscope-scene-view.h: the widget that shows one view of a document.
 *
 * It asks ingest for the view data (graph or timeline) for the current time
 * window and filter, asks render/ to lay it out as a RenderScene, and draws
 * that scene in snapshot() with gtk_snapshot_append_cairo: snapshot only
 * applies the zoom/pan transform and calls render_cairo_draw(), so what is
 * on screen is exactly what the exporters write.
 *
 * Interaction: scroll pans, Ctrl+scroll and pinch zoom around the pointer,
 * dragging pans, a click selects the semantic group under the pointer
 * (render_scene_hit_test) and emits "item-activated", Shift+drag in the
 * timeline selects a time range and emits "area-selected". In the timeline
 * the horizontal axis is time: zooming narrows the time window and the scene
 * is rebuilt (debounced; meanwhile the old scene is stretched, so zooming
 * stays smooth). In the graph and sequence views zoom is geometric.
 *
 * Scenes are built in a worker thread (actorscope-scene-builder.c) and
 * rasterised in a worker thread (actorscope-scene-raster.c); frames only
 * paint the rasterised picture.
 */
#pragma once

#include <gtk/gtk.h>
#include "actorscope-document.h"
#include "actorscope-scene-builder.h"
#include "actorscope-session.h"
#include "render-scene.h"

G_BEGIN_DECLS

#define ACTORSCOPE_TYPE_SCENE_VIEW (actorscope_scene_view_get_type ())
G_DECLARE_FINAL_TYPE (ActorscopeSceneView, actorscope_scene_view, ACTORSCOPE, SCENE_VIEW, GtkWidget)

GtkWidget *actorscope_scene_view_new (void);

/* The document shown (borrowed, may be NULL). */
void actorscope_scene_view_set_document (ActorscopeSceneView *self, ActorscopeDocument *document);
ActorscopeDocument *actorscope_scene_view_get_document (ActorscopeSceneView *self);

/* The session whose window, area, cursor, filter and groups the view shows
 * and changes (a reference is kept; NULL = a private one). The setters
 * below for those write the session. get is borrowed. */
void actorscope_scene_view_set_session (ActorscopeSceneView *self, ActorscopeSession *session);
ActorscopeSession *actorscope_scene_view_get_session (ActorscopeSceneView *self);

void actorscope_scene_view_set_kind (ActorscopeSceneView *self, RenderViewKind kind);
RenderViewKind actorscope_scene_view_get_kind (ActorscopeSceneView *self);

/* Actor filter: a glob, a "/regex/", or plain text (matched as *text*);
 * NULL or "" shows everything. A bad regex keeps the previous scene and sets
 * the "filter-error" property. */
void actorscope_scene_view_set_filter (ActorscopeSceneView *self, const char *filter);
const char *actorscope_scene_view_get_filter (ActorscopeSceneView *self);
/* The current filter error message, or NULL (borrowed). */
const char *actorscope_scene_view_get_filter_error (ActorscopeSceneView *self);

void actorscope_scene_view_set_dark (ActorscopeSceneView *self, gboolean dark);

/* The time window in ns; INGEST_TIME_MIN / INGEST_TIME_MAX mean open ends.
 * get_window returns the effective window of the current scene (clamped to
 * the data). */
void actorscope_scene_view_set_window (ActorscopeSceneView *self, gint64 from_ns, gint64 to_ns);
void actorscope_scene_view_get_window (ActorscopeSceneView *self, gint64 *from_ns, gint64 *to_ns);

/* Replay cursor: only events up to cursor_ns are shown; INGEST_TIME_MAX
 * (the default) shows everything. */
void actorscope_scene_view_set_cursor (ActorscopeSceneView *self, gint64 cursor_ns);
gint64 actorscope_scene_view_get_cursor (ActorscopeSceneView *self);

/* Zoom: factor > 1 zooms in around the widget centre. reset shows it all. */
void actorscope_scene_view_zoom (ActorscopeSceneView *self, double factor);
void actorscope_scene_view_zoom_at (ActorscopeSceneView *self, double factor, double x, double y);
void actorscope_scene_view_zoom_reset (ActorscopeSceneView *self);
/* Geometric zoom factor (1 = scene units are pixels). */
double actorscope_scene_view_get_zoom (ActorscopeSceneView *self);
/* Moves the picture by (dx, dy) widget pixels, as dragging does. */
void actorscope_scene_view_pan (ActorscopeSceneView *self, double dx, double dy);

/* Selection: a semantic group class ("actor", "message", "edge", ...) and its
 * id; NULL clears. Does not emit "item-activated". */
void actorscope_scene_view_select (ActorscopeSceneView *self, const char *klass, const char *id);
const char *actorscope_scene_view_get_selected_class (ActorscopeSceneView *self);
const char *actorscope_scene_view_get_selected_id (ActorscopeSceneView *self);
/* Selects what is under widget point (x, y) as a click would; TRUE if
 * something was hit. */
gboolean actorscope_scene_view_activate_at (ActorscopeSceneView *self, double x, double y);
/* Widget coordinates of the centre of the first group of class klass with
 * id in the scene on screen (for tests and "jump to"); FALSE if it is not
 * there. */
gboolean actorscope_scene_view_locate (ActorscopeSceneView *self, const char *klass,
                                       const char *id, double *x, double *y);

/* Time range selection (timeline); from >= to clears. */
void actorscope_scene_view_set_area (ActorscopeSceneView *self, gint64 from_ns, gint64 to_ns);

/* The scene on screen (borrowed; NULL before the first build finishes).
 * It may be older than the current parameters while a build is pending
 * (actorscope_scene_view_is_busy); nothing is built behind this getter:
 * call actorscope_scene_view_rebuild_now, or wait for "scene-changed". */
const RenderScene *actorscope_scene_view_get_scene (ActorscopeSceneView *self);
/* Replaying (a cursor is set): the figures of every actor over the window
 * of the scene on screen, which ends at the cursor, computed with it;
 * NULL otherwise. Borrowed: take a reference to keep it. */
ActorscopeWindowFigures *actorscope_scene_view_get_window_figures (ActorscopeSceneView *self);
/* Builds a fresh scene for export at the given size in user units (0 = the
 * widget's size), with the current window, filter and theme (owned). */
RenderScene *actorscope_scene_view_build_scene (ActorscopeSceneView *self, double width,
                                                double height, GError **error);

/* Grouping (IngestViewSpec.groups): NULL-terminated globs, each folding the
 * matching actors into one node/lane; NULL or empty = none. Copied. */
void actorscope_scene_view_set_groups (ActorscopeSceneView *self, const char *const *groups);
/* Borrowed; NULL when there is none. */
const char *const *actorscope_scene_view_get_groups (ActorscopeSceneView *self);

/* TRUE while a scene for the current parameters is scheduled or being
 * built (the shown scene is older). */
gboolean actorscope_scene_view_is_busy (ActorscopeSceneView *self);
/* How many finished builds were dropped because the parameters had changed
 * meanwhile (for tests). */
guint actorscope_scene_view_get_n_dropped (ActorscopeSceneView *self);
/* TRUE when the rasterised picture matches the current transform (a frame
 * is then a plain copy). */
gboolean actorscope_scene_view_has_picture (ActorscopeSceneView *self);
/* Rasterises the picture now on this thread (the benchmark); returns the
 * CPU time it took, ms. */
double actorscope_scene_view_render_picture_now (ActorscopeSceneView *self);

/* Draws the whole scene at the current transform onto cr for a widget of
 * width x height (what a picture costs to make). */
void actorscope_scene_view_draw (ActorscopeSceneView *self, cairo_t *cr, int width, int height);
/* Forces a pending rebuild now. Returns the time the last build took, ms. */
double actorscope_scene_view_rebuild_now (ActorscopeSceneView *self);

/* Maps a time to a widget x in the timeline (and back); FALSE when there is
 * no time axis (graph, sequence, no scene). */
gboolean actorscope_scene_view_time_to_x (ActorscopeSceneView *self, gint64 t_ns, double *x);
gboolean actorscope_scene_view_x_to_time (ActorscopeSceneView *self, double x, gint64 *t_ns);

/* The sequence chart's sticky parts, in widget pixels, as the view draws
 * them over the picture whatever the zoom and scroll: a lane header for
 * every lane (its name at the lane's x, in the band along the top edge)
 * and the ruler's time labels (along the left edge, at their rows' y, at
 * most one per 16 px). font_px is the size the text is drawn at (9 pt,
 * 12 px, at the least). Empty for the other views. Owned by the caller
 * (the array frees the texts). */
typedef struct {
  double x, y;          /* lane: centre of the name; ruler: right end, middle */
  double font_px;
  gboolean is_lane;     /* TRUE: a lane header; FALSE: a ruler label */
  char *text;
} ActorscopeStickyLabel;

#define ACTORSCOPE_STICKY_BAND_PX 24.0   /* height of the lane header band */

GArray *actorscope_scene_view_get_sticky_labels (ActorscopeSceneView *self);

G_END_DECLS
