/* actorscope-scene-raster.h: the scene view's picture, rasterised off the
 * UI thread.
 *
 * A full draw of a big scene costs 17-60 ms, too much for a frame. So
 * frames never draw the scene: a worker rasterises it (render_cairo_draw)
 * at a given transform into an image a margin larger than the widget, and
 * a frame only paints that image, mapped from the transform it was drawn at
 * to the current one. The scene is shared with the worker through a
 * reference-counted ActorscopeSceneRef, so the view can replace its scene
 * while a picture of the old one is being drawn.
 */
#pragma once

#include <gtk/gtk.h>
#include "render-scene.h"

G_BEGIN_DECLS

/* A scene shared by the view and the workers rasterising it (atomic
 * reference count; the last unref frees the scene). */
typedef struct {
  RenderScene *scene;
} ActorscopeSceneRef;

/* Takes ownership of scene. */
ActorscopeSceneRef *actorscope_scene_ref_new (RenderScene *scene);
ActorscopeSceneRef *actorscope_scene_ref_acquire (ActorscopeSceneRef *ref);
void actorscope_scene_ref_unref (ActorscopeSceneRef *ref);

/* One picture: the scene drawn at widget = scene * (sx, sy) + (ox, oy),
 * shifted by the margin (mx, my) so the image covers
 * [-mx, w + mx] x [-my, h + my] of the widget. */
typedef struct {
  ActorscopeSceneRef *ref;        /* owned reference */
  double sx, sy, ox, oy;          /* the transform it is drawn at */
  int px_w, px_h, scale;          /* size in device pixels, device scale */
  double mx, my;                  /* margin in widget units */
  /* results */
  GskRenderNode *node;            /* owned, the image in widget units */
  double ms;                      /* CPU time it took */
} ActorscopePictureJob;

/* A job for a widget of width x height (widget units) at device scale
 * scale, with margin (a fraction of the size) on each side; ref is
 * acquired. */
ActorscopePictureJob *actorscope_picture_job_new (ActorscopeSceneRef *ref,
                                                  double sx, double sy, double ox, double oy,
                                                  int width, int height, int scale,
                                                  double margin);
/* Rasterises on this thread (any thread: it only reads the scene). */
void actorscope_picture_job_run (ActorscopePictureJob *job);
/* Rasterises in a worker; callback runs on the caller's main context with
 * source_object. Takes ownership of job; get it back with
 * actorscope_picture_job_from_result (borrowed). */
void actorscope_picture_job_run_async (ActorscopePictureJob *job, gpointer source_object,
                                       GAsyncReadyCallback callback, gpointer user_data);
ActorscopePictureJob *actorscope_picture_job_from_result (GAsyncResult *result);
void actorscope_picture_job_free (ActorscopePictureJob *job);

G_END_DECLS
