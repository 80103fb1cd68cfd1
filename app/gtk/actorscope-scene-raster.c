/* actorscope-scene-raster.c: rasterising a scene into a render node. */
#include "config.h"

#include <math.h>

#include "actorscope-scene-builder.h"
#include "actorscope-scene-raster.h"
#include "render-cairo.h"

static void
scene_ref_clear (ActorscopeSceneRef *ref)
{
  g_clear_pointer (&ref->scene, render_scene_free);
}

ActorscopeSceneRef *
actorscope_scene_ref_new (RenderScene *scene)
{
  ActorscopeSceneRef *ref = g_atomic_rc_box_new0 (ActorscopeSceneRef);

  ref->scene = scene;
  return ref;
}

ActorscopeSceneRef *
actorscope_scene_ref_acquire (ActorscopeSceneRef *ref)
{
  g_return_val_if_fail (ref != NULL, NULL);
  return g_atomic_rc_box_acquire (ref);
}

void
actorscope_scene_ref_unref (ActorscopeSceneRef *ref)
{
  if (ref != NULL)
    g_atomic_rc_box_release_full (ref, (GDestroyNotify) scene_ref_clear);
}

ActorscopePictureJob *
actorscope_picture_job_new (ActorscopeSceneRef *ref, double sx, double sy, double ox, double oy,
                            int width, int height, int scale, double margin)
{
  ActorscopePictureJob *job;

  g_return_val_if_fail (ref != NULL, NULL);
  job = g_new0 (ActorscopePictureJob, 1);
  width = MAX (1, width);
  height = MAX (1, height);
  scale = MAX (1, scale);
  job->ref = actorscope_scene_ref_acquire (ref);
  job->sx = sx;
  job->sy = sy;
  job->ox = ox;
  job->oy = oy;
  job->scale = scale;
  job->mx = ceil (width * margin);
  job->my = ceil (height * margin);
  job->px_w = (int) ((width + 2 * job->mx) * scale);
  job->px_h = (int) ((height + 2 * job->my) * scale);
  return job;
}

void
actorscope_picture_job_free (ActorscopePictureJob *job)
{
  if (job == NULL)
    return;
  g_clear_pointer (&job->ref, actorscope_scene_ref_unref);
  g_clear_pointer (&job->node, gsk_render_node_unref);
  g_free (job);
}

void
actorscope_picture_job_run (ActorscopePictureJob *job)
{
  double t0 = actorscope_thread_cpu_ms ();
  double w = job->px_w / (double) job->scale, h = job->px_h / (double) job->scale;
  cairo_surface_t *surface;
  cairo_t *cr;

  g_return_if_fail (job != NULL && job->ref != NULL);
  surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, job->px_w, job->px_h);
  cairo_surface_set_device_scale (surface, job->scale, job->scale);
  cr = cairo_create (surface);
  cairo_translate (cr, job->mx + job->ox, job->my + job->oy);
  cairo_scale (cr, job->sx, job->sy);
  render_cairo_draw (job->ref->scene, cr);
  cairo_destroy (cr);
  cairo_surface_flush (surface);
  /* Wrapped in a render node here, not in the frame: recording the image
   * copies it once (cairo snapshots a source image), which would cost the
   * first frame ~5-10 ms; later frames only transform this node. Nearest
   * sampling: exact at rest, cheap while stretching. */
  g_clear_pointer (&job->node, gsk_render_node_unref);
  job->node = gsk_cairo_node_new (&GRAPHENE_RECT_INIT (0, 0, w, h));
  cr = gsk_cairo_node_get_draw_context (job->node);
  cairo_set_source_surface (cr, surface, 0, 0);
  cairo_pattern_set_filter (cairo_get_source (cr), CAIRO_FILTER_NEAREST);
  cairo_paint (cr);
  cairo_destroy (cr);
  cairo_surface_destroy (surface);
  job->ms = actorscope_thread_cpu_ms () - t0;
}

static void
picture_thread (GTask *task, gpointer source_object, gpointer task_data, GCancellable *cancellable)
{
  actorscope_picture_job_run (task_data);
  g_task_return_boolean (task, TRUE);
}

void
actorscope_picture_job_run_async (ActorscopePictureJob *job, gpointer source_object,
                                  GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (job != NULL);
  task = g_task_new (source_object, NULL, callback, user_data);
  g_task_set_source_tag (task, actorscope_picture_job_run_async);
  g_task_set_task_data (task, job, (GDestroyNotify) actorscope_picture_job_free);
  g_task_run_in_thread (task, picture_thread);
}

ActorscopePictureJob *
actorscope_picture_job_from_result (GAsyncResult *result)
{
  g_return_val_if_fail (G_IS_TASK (result), NULL);
  return g_task_get_task_data (G_TASK (result));
}
