/* actorscope-scene-builder.h: builds the scene view's scenes off the UI
 * thread.
 *
 * A build (render_view_build: ingest view + layout) takes 0.2-0.4 s on a million
 * events, so it runs in a GTask thread holding the document's read lock.
 * The builder keeps the queue: at most one build runs at a time; a
 * parameter change (actorscope_scene_builder_invalidate) makes results of
 * builds started before it stale, and stale results are dropped; the newest
 * request is built next. Requests are made when a build starts, through the
 * owner's request function, so a burst of changes costs one build.
 */
#pragma once

#include <glib-object.h>
#include "actorscope-document.h"
#include "render-view.h"

G_BEGIN_DECLS

/* The figures of every actor over one build's window: a graph with one
 * node per actor (threads apart) and no filter or groups, whose nodes
 * count what each actor did in the window, as the tree and the details
 * pane show them during a replay. Shared by whoever shows them, so it is
 * reference counted; graph is owned by the box and never changes. */
typedef struct {
  IngestGraph *graph;
} ActorscopeWindowFigures;

/* Takes ownership of graph (not NULL). */
ActorscopeWindowFigures *actorscope_window_figures_new (IngestGraph *graph);
ActorscopeWindowFigures *actorscope_window_figures_ref (ActorscopeWindowFigures *figures);
/* NULL-safe. */
void actorscope_window_figures_unref (ActorscopeWindowFigures *figures);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ActorscopeWindowFigures, actorscope_window_figures_unref)
/* The node of actor id in figures, or NULL when it did nothing in the
 * window (borrowed). */
const IngestViewNode *actorscope_window_figures_find_actor (const ActorscopeWindowFigures *figures,
                                                           IngestActorId id);

/* One build: the parameters (filled by the requester) and the result. */
typedef struct {
  ActorscopeDocument *document;   /* owned reference */
  RenderViewKind kind;
  char *pattern;                  /* matcher pattern or NULL, owned */
  char **groups;                  /* IngestViewSpec.groups or NULL, owned */
  gboolean expand_threads;        /* IngestViewSpec.expand_threads */
  gint64 from_ns, to_ns;          /* INGEST_TIME_MIN / MAX = open ends */
  double width, height;           /* layout size in user units, 0 = layout's choice */
  gboolean dark;
  double fill_height;             /* timeline: grow the text to fill this, 0 = no */
  int widget_w;                   /* widget width it was requested for */
  /* Graph: the node positions of the scene shown before (owned, NULL =
   * the deterministic fresh layout). The layout keeps each node where it
   * was when the node set is the same, so a replay or a growing trace
   * does not reshuffle the picture (RenderLayoutOptions.previous). */
  RenderGraphPositions *previous;
  gboolean want_figures;          /* also compute figures (below) */
  guint64 generation;             /* set by the builder */
  /* results */
  RenderScene *scene;             /* owned, NULL on error */
  gint64 scene_from, scene_to;    /* the effective window the scene shows, ns */
  RenderTimeAxis axis;            /* timeline: the scene's time axis (else not valid) */
  GArray *rows;                   /* sequence: RenderRowTime of its rows (owned, else NULL) */
  RenderGraphPositions *positions; /* graph: this scene's node positions (owned, else NULL) */
  ActorscopeWindowFigures *figures; /* with want_figures: of [from_ns, to_ns] (a reference) */
  GError *error;
  double build_ms;                /* CPU time of the build */
} ActorscopeSceneBuild;

/* A build of document with everything else zero (owned). */
ActorscopeSceneBuild *actorscope_scene_build_new (ActorscopeDocument *document);
/* Runs the build on this thread; the caller holds the document's read lock
 * or is the main thread (the only writer). */
void actorscope_scene_build_run (ActorscopeSceneBuild *build);
void actorscope_scene_build_free (ActorscopeSceneBuild *build);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ActorscopeSceneBuild, actorscope_scene_build_free)

/* The current parameters as a new build, or NULL when there is nothing to
 * build (no document). */
typedef ActorscopeSceneBuild *(*ActorscopeSceneBuilderRequestFunc) (gpointer user_data);
/* A finished build for the current parameters (main thread); build is
 * borrowed for the call, the handler may steal its scene. */
typedef void (*ActorscopeSceneBuilderDoneFunc) (ActorscopeSceneBuild *build, gpointer user_data);

#define ACTORSCOPE_TYPE_SCENE_BUILDER (actorscope_scene_builder_get_type ())
G_DECLARE_FINAL_TYPE (ActorscopeSceneBuilder, actorscope_scene_builder, ACTORSCOPE, SCENE_BUILDER, GObject)

/* user_data must outlive the builder or call actorscope_scene_builder_stop
 * first; results arriving after stop are dropped. */
ActorscopeSceneBuilder *actorscope_scene_builder_new (ActorscopeSceneBuilderRequestFunc request,
                                                      ActorscopeSceneBuilderDoneFunc done,
                                                      gpointer user_data);
/* A parameter changed: builds started before are stale; a new build starts
 * after delay_ms (0 = at the next idle; a pending delay is kept when
 * delay_ms > 0, so a burst of changes coalesces). */
void actorscope_scene_builder_invalidate (ActorscopeSceneBuilder *self, guint delay_ms);
/* The data changed, not the parameters: a running build's result is still
 * shown, and another build follows. */
void actorscope_scene_builder_schedule (ActorscopeSceneBuilder *self, guint delay_ms);
/* Builds the current parameters now on this (main) thread and delivers it;
 * a build running in a worker is dropped when it finishes. */
void actorscope_scene_builder_build_now (ActorscopeSceneBuilder *self);
/* TRUE while a build is scheduled or running: the delivered scene is
 * older than the current parameters or data. */
gboolean actorscope_scene_builder_is_busy (ActorscopeSceneBuilder *self);
/* Finished builds dropped because the parameters had changed meanwhile. */
guint actorscope_scene_builder_get_n_dropped (ActorscopeSceneBuilder *self);
/* No more requests or deliveries (the owner is going away). */
void actorscope_scene_builder_stop (ActorscopeSceneBuilder *self);

/* CPU time of the calling thread, ms (for build and raster timings). */
double actorscope_thread_cpu_ms (void);

G_END_DECLS
