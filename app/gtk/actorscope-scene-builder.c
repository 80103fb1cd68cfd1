/* actorscope-scene-builder.c: the scene view's build worker.
 *
 * Why the whole build runs in the worker and not only the layout: the
 * layouts resolve labels through the store (ingest_store_atom), so even a
 * layout of a snapshot view reads the store; building the view on the UI
 * thread as well would still cost ~0.1 s there. Instead the worker holds
 * the document's read lock for the whole build; the only writer (live
 * sources, on the main thread) takes the write lock without blocking and
 * buffers its input while a build runs (actorscope-live.c), so the UI never
 * waits.
 *
 * While a build runs the previous scene stays on screen (stretched by the
 * view's zoom/pan transform); a result whose parameters are no longer the
 * current ones is dropped, and the newest request is built next. A result
 * that is only older data (a live append arrived meanwhile) is delivered:
 * the next build follows at once. */
#include "config.h"

#include <string.h>
#include <time.h>

#include "actorscope-scene-builder.h"

struct _ActorscopeSceneBuilder {
  GObject parent_instance;

  ActorscopeSceneBuilderRequestFunc request;
  ActorscopeSceneBuilderDoneFunc done;
  gpointer user_data;

  guint start_id;
  gboolean dirty;                 /* the delivered scene is not the current one */
  gboolean building;              /* a build runs in a worker */
  guint64 generation;             /* bumped by every parameter change */
  guint n_dropped;
  gboolean stopped;
};

G_DEFINE_FINAL_TYPE (ActorscopeSceneBuilder, actorscope_scene_builder, G_TYPE_OBJECT)

double
actorscope_thread_cpu_ms (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_THREAD_CPUTIME_ID, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* ---- the figures of a window ---- */

ActorscopeWindowFigures *
actorscope_window_figures_new (IngestGraph *graph)
{
  ActorscopeWindowFigures *figures;

  g_return_val_if_fail (graph != NULL, NULL);
  figures = g_rc_box_new0 (ActorscopeWindowFigures);
  figures->graph = graph;
  return figures;
}

ActorscopeWindowFigures *
actorscope_window_figures_ref (ActorscopeWindowFigures *figures)
{
  g_return_val_if_fail (figures != NULL, NULL);
  return g_rc_box_acquire (figures);
}

static void
window_figures_clear (gpointer data)
{
  ActorscopeWindowFigures *figures = data;

  g_clear_pointer (&figures->graph, ingest_graph_free);
}

void
actorscope_window_figures_unref (ActorscopeWindowFigures *figures)
{
  if (figures != NULL)
    g_rc_box_release_full (figures, window_figures_clear);
}

const IngestViewNode *
actorscope_window_figures_find_actor (const ActorscopeWindowFigures *figures, IngestActorId id)
{
  g_return_val_if_fail (figures != NULL, NULL);
  /* Linear: a tree refresh reads every node once through its own index;
   * this serves one card at a time. */
  for (guint i = 0; i < figures->graph->nodes->len; i++)
    {
      const IngestViewNode *node = &g_array_index (figures->graph->nodes, IngestViewNode, i);

      if (node->actor == id && !node->is_group && !node->is_fold)
        return node;
    }
  return NULL;
}

/* ---- one build ---- */

ActorscopeSceneBuild *
actorscope_scene_build_new (ActorscopeDocument *document)
{
  ActorscopeSceneBuild *build;

  g_return_val_if_fail (ACTORSCOPE_IS_DOCUMENT (document), NULL);
  build = g_new0 (ActorscopeSceneBuild, 1);
  build->document = g_object_ref (document);
  return build;
}

void
actorscope_scene_build_free (ActorscopeSceneBuild *build)
{
  if (build == NULL)
    return;
  g_clear_object (&build->document);
  g_free (build->pattern);
  g_strfreev (build->groups);
  g_clear_pointer (&build->scene, render_scene_free);
  g_clear_pointer (&build->rows, g_array_unref);
  g_clear_pointer (&build->previous, render_graph_positions_free);
  g_clear_pointer (&build->positions, render_graph_positions_free);
  g_clear_pointer (&build->figures, actorscope_window_figures_unref);
  g_clear_error (&build->error);
  g_free (build);
}

/* Whether any actor is a thread (folded into its process unless the view
 * expands threads): without one both kinds of graph are the same. */
static gboolean
store_has_threads (IngestStore *store)
{
  for (IngestActorId id = 1; id <= ingest_store_n_actors (store); id++)
    if (ingest_store_actor (store, id)->kind == INGEST_ACTOR_THREAD)
      return TRUE;
  return FALSE;
}

void
actorscope_scene_build_run (ActorscopeSceneBuild *job)
{
  IngestViewSpec spec;
  RenderViewRequest request = { 0 };
  g_auto(RenderViewResult) result = { 0 };
  double t0 = actorscope_thread_cpu_ms ();

  g_return_if_fail (job != NULL && job->document != NULL);
  memset (&spec, 0, sizeof spec);
  spec.from_ns = job->from_ns;
  spec.to_ns = job->to_ns;
  spec.actor_filter = job->pattern;
  spec.groups = (const char *const *) job->groups;
  spec.expand_threads = job->expand_threads;
  request.kind = job->kind;
  request.spec = &spec;
  request.layout.theme = job->dark ? RENDER_THEME_DARK : RENDER_THEME_LIGHT;
  request.layout.seed = 1;
  request.layout.width = job->width;
  request.layout.height = job->height;
  request.fill_height = job->fill_height;
  g_clear_pointer (&job->scene, render_scene_free);
  g_clear_pointer (&job->rows, g_array_unref);
  g_clear_pointer (&job->positions, render_graph_positions_free);
  g_clear_pointer (&job->figures, actorscope_window_figures_unref);
  g_clear_error (&job->error);
  if (job->want_figures)
    {
      IngestViewSpec all = { .from_ns = job->from_ns, .to_ns = job->to_ns, .expand_threads = TRUE };
      IngestGraph *graph = ingest_graph_build (actorscope_document_get_store (job->document), &all, NULL);

      if (graph != NULL)
        job->figures = actorscope_window_figures_new (graph);
      /* The graph view of everything, threads apart, is that very graph:
       * lay it out instead of building it twice. */
      if (job->figures != NULL && job->kind == RENDER_VIEW_GRAPH && job->pattern == NULL &&
          (job->groups == NULL || job->groups[0] == NULL) &&
          (job->expand_threads || !store_has_threads (actorscope_document_get_store (job->document))))
        request.graph = job->figures->graph;
    }
  if (job->kind == RENDER_VIEW_GRAPH)
    {
      job->positions = render_graph_positions_new ();
      request.layout.previous = job->previous;
      request.layout.positions_out = job->positions;
    }
  if (render_view_build (actorscope_document_get_store (job->document), &request, &result, &job->error))
    {
      job->scene = g_steal_pointer (&result.scene);
      job->scene_from = result.from_ns;
      job->scene_to = result.to_ns;
      job->axis = result.axis;
      job->rows = g_steal_pointer (&result.rows);
    }
  job->build_ms = actorscope_thread_cpu_ms () - t0;
}

static void
build_thread (GTask *task, gpointer source_object, gpointer task_data, GCancellable *cancellable)
{
  ActorscopeSceneBuild *job = task_data;

  actorscope_document_read_lock (job->document);
  actorscope_scene_build_run (job);
  actorscope_document_read_unlock (job->document);
  g_task_return_boolean (task, TRUE);
}

/* ---- the queue ---- */

static void start_build (ActorscopeSceneBuilder *self);

static void
build_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  ActorscopeSceneBuilder *self = ACTORSCOPE_SCENE_BUILDER (source);
  ActorscopeSceneBuild *job = g_task_get_task_data (G_TASK (result));

  self->building = FALSE;
  if (self->stopped)
    return;
  if (job->generation == self->generation)
    self->done (job, self->user_data);
  else
    self->n_dropped++;
  if (self->dirty && self->start_id == 0)
    start_build (self);
}

static void
start_build (ActorscopeSceneBuilder *self)
{
  g_autoptr(GTask) task = NULL;
  ActorscopeSceneBuild *job;

  if (self->building || self->stopped)
    return;   /* build_done starts the next one */
  job = self->request (self->user_data);
  self->dirty = FALSE;
  if (job == NULL)
    return;
  job->generation = self->generation;
  actorscope_document_prepare_readers (job->document);
  self->building = TRUE;
  task = g_task_new (self, NULL, build_done, NULL);
  g_task_set_source_tag (task, start_build);
  g_task_set_task_data (task, job, (GDestroyNotify) actorscope_scene_build_free);
  g_task_run_in_thread (task, build_thread);
}

static gboolean
start_cb (gpointer user_data)
{
  ActorscopeSceneBuilder *self = user_data;

  self->start_id = 0;
  start_build (self);
  return G_SOURCE_REMOVE;
}

void
actorscope_scene_builder_schedule (ActorscopeSceneBuilder *self, guint delay_ms)
{
  g_return_if_fail (ACTORSCOPE_IS_SCENE_BUILDER (self));
  if (self->stopped)
    return;
  self->dirty = TRUE;
  if (self->start_id != 0)
    {
      if (delay_ms > 0)
        return;
      g_source_remove (self->start_id);
    }
  self->start_id = delay_ms > 0 ? g_timeout_add (delay_ms, start_cb, self)
                                : g_idle_add_full (G_PRIORITY_HIGH_IDLE + 15, start_cb, self, NULL);
}

void
actorscope_scene_builder_invalidate (ActorscopeSceneBuilder *self, guint delay_ms)
{
  g_return_if_fail (ACTORSCOPE_IS_SCENE_BUILDER (self));
  self->generation++;
  actorscope_scene_builder_schedule (self, delay_ms);
}

void
actorscope_scene_builder_build_now (ActorscopeSceneBuilder *self)
{
  g_autoptr(ActorscopeSceneBuild) job = NULL;

  g_return_if_fail (ACTORSCOPE_IS_SCENE_BUILDER (self));
  g_clear_handle_id (&self->start_id, g_source_remove);
  self->dirty = FALSE;
  if (self->stopped)
    return;
  job = self->request (self->user_data);
  if (job == NULL)
    return;
  /* Main thread: the only writer, so no lock is needed to read. */
  actorscope_scene_build_run (job);
  if (self->building)
    self->generation++;   /* what the worker returns is older than this */
  job->generation = self->generation;
  self->done (job, self->user_data);
}

gboolean
actorscope_scene_builder_is_busy (ActorscopeSceneBuilder *self)
{
  g_return_val_if_fail (ACTORSCOPE_IS_SCENE_BUILDER (self), FALSE);
  return self->dirty || self->building || self->start_id != 0;
}

guint
actorscope_scene_builder_get_n_dropped (ActorscopeSceneBuilder *self)
{
  g_return_val_if_fail (ACTORSCOPE_IS_SCENE_BUILDER (self), 0);
  return self->n_dropped;
}

void
actorscope_scene_builder_stop (ActorscopeSceneBuilder *self)
{
  g_return_if_fail (ACTORSCOPE_IS_SCENE_BUILDER (self));
  /* A worker still running keeps its own references (the task holds the
   * builder, the build holds the document); its result is ignored. */
  self->stopped = TRUE;
  g_clear_handle_id (&self->start_id, g_source_remove);
}

static void
actorscope_scene_builder_dispose (GObject *object)
{
  ActorscopeSceneBuilder *self = ACTORSCOPE_SCENE_BUILDER (object);

  actorscope_scene_builder_stop (self);
  G_OBJECT_CLASS (actorscope_scene_builder_parent_class)->dispose (object);
}

static void
actorscope_scene_builder_class_init (ActorscopeSceneBuilderClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = actorscope_scene_builder_dispose;
}

static void
actorscope_scene_builder_init (ActorscopeSceneBuilder *self)
{
}

ActorscopeSceneBuilder *
actorscope_scene_builder_new (ActorscopeSceneBuilderRequestFunc request,
                              ActorscopeSceneBuilderDoneFunc done,
                              gpointer user_data)
{
  ActorscopeSceneBuilder *self;

  g_return_val_if_fail (request != NULL && done != NULL, NULL);
  self = g_object_new (ACTORSCOPE_TYPE_SCENE_BUILDER, NULL);
  self->request = request;
  self->done = done;
  self->user_data = user_data;
  return self;
}
