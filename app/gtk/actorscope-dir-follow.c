/* actorscope-dir-follow.c: follow a data directory a service is writing
 * (see the header). */
#include "config.h"

#include <glib/gi18n.h>

#include "actorscope-dir-follow.h"
#include "ingest-log-disk.h"

/* The service flushes every 200 ms; a reader opening the directory scans
 * every block header (about 30 ms for 500 blocks, 270 ms for 5000:
 * build/tests/bench-dir-follow), so the open runs in a worker thread, at
 * most one at a time, and only the read of the new events (a few ms) on
 * the UI thread. */
#define POLL_MS 500

struct _ActorscopeDirFollow {
  GObject parent_instance;
  ActorscopeDocument *document;
  char *path;
  guint64 next_seq;             /* log seq of the next event to read */
  guint64 n_appended;
  guint poll_id;
  gboolean opening;             /* a worker is opening the directory */
  char *last_problem;           /* the last state reported, not repeated */
};

G_DEFINE_FINAL_TYPE (ActorscopeDirFollow, actorscope_dir_follow, G_TYPE_OBJECT)

enum { STATE, N_SIGNALS };
static guint signals[N_SIGNALS];

static void
report (ActorscopeDirFollow *self, const char *message, gboolean failed)
{
  if (g_strcmp0 (message, self->last_problem) == 0)
    return;
  g_free (self->last_problem);
  self->last_problem = g_strdup (message);
  if (message != NULL)
    g_signal_emit (self, signals[STATE], 0, message, failed);
}

static void
open_thread (GTask *task, gpointer source_object, gpointer task_data, GCancellable *cancellable)
{
  IngestLogDiskOptions options = { 0 };
  GError *error = NULL;
  IngestLog *log;

  options.read_only = TRUE;
  log = ingest_log_disk_open (task_data, &options, &error);
  if (log == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, log, (GDestroyNotify) ingest_log_free);
}

/* Main thread: the directory is open (or not); read what is new. */
static void
opened (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GWeakRef *weak = user_data;
  g_autoptr(ActorscopeDirFollow) self = g_weak_ref_get (weak);
  g_autoptr(GError) error = NULL;
  g_autoptr(IngestLog) log = g_task_propagate_pointer (G_TASK (result), &error);
  g_auto(IngestLogSkipped) skipped = { 0 };
  IngestStore *store;
  guint64 end, n = 0;
  gboolean ok;

  g_weak_ref_clear (weak);
  g_free (weak);
  if (self == NULL)
    return;   /* no longer followed */
  self->opening = FALSE;
  if (log == NULL)
    {
      g_autofree char *msg = g_strdup_printf (_("Cannot read the data directory: %s"), error->message);

      /* It may come back (a service restarting recreates it): keep trying. */
      report (self, msg, FALSE);
      return;
    }
  report (self, NULL, FALSE);
  end = ingest_log_n_durable (log);
  if (end <= self->next_seq || self->poll_id == 0)
    return;
  /* A view is being built: try again at the next poll, the UI never waits. */
  if (!actorscope_document_try_write_lock (self->document))
    return;
  store = actorscope_document_get_store (self->document);
  ok = ingest_log_read_into_store (log, self->next_seq, end, store, &n, &skipped, &error);
  ingest_store_counters (store)->skipped_records += skipped.bad_blocks;
  actorscope_document_write_unlock (self->document);
  if (!ok)
    {
      g_autofree char *msg = g_strdup_printf (_("Stopped following the data directory: %s"), error->message);

      report (self, msg, TRUE);
      g_clear_handle_id (&self->poll_id, g_source_remove);
      return;
    }
  /* Retention may have dropped events before next_seq was read: the read
   * starts at the oldest kept one, and goes on from the end either way. */
  self->next_seq = end;
  self->n_appended += n;
  if (n > 0)
    actorscope_document_notify_appended (self->document);
}

static gboolean
poll_cb (gpointer user_data)
{
  ActorscopeDirFollow *self = user_data;
  g_autoptr(GTask) task = NULL;
  GWeakRef *weak;

  if (self->opening)
    return G_SOURCE_CONTINUE;
  self->opening = TRUE;
  /* The task holds no reference: dropping the follower stops it at once,
   * and what a worker still opens is then freed unread. */
  weak = g_new0 (GWeakRef, 1);
  g_weak_ref_init (weak, self);
  task = g_task_new (NULL, NULL, opened, weak);
  g_task_set_source_tag (task, poll_cb);
  g_task_set_task_data (task, g_strdup (self->path), g_free);
  g_task_run_in_thread (task, open_thread);
  return G_SOURCE_CONTINUE;
}

ActorscopeDirFollow *
actorscope_dir_follow_new (ActorscopeDocument *document)
{
  ActorscopeDirFollow *self;
  GFile *file;
  guint64 end = 0;

  g_return_val_if_fail (ACTORSCOPE_IS_DOCUMENT (document), NULL);
  g_return_val_if_fail (actorscope_document_get_data_dir_end (document, &end), NULL);
  file = actorscope_document_get_file (document);
  g_return_val_if_fail (file != NULL, NULL);

  self = g_object_new (ACTORSCOPE_TYPE_DIR_FOLLOW, NULL);
  self->document = g_object_ref (document);
  self->path = g_file_get_path (file);
  self->next_seq = end;
  self->poll_id = g_timeout_add (POLL_MS, poll_cb, self);
  return self;
}

guint64
actorscope_dir_follow_get_n_appended (ActorscopeDirFollow *self)
{
  g_return_val_if_fail (ACTORSCOPE_IS_DIR_FOLLOW (self), 0);
  return self->n_appended;
}

static void
actorscope_dir_follow_dispose (GObject *object)
{
  ActorscopeDirFollow *self = ACTORSCOPE_DIR_FOLLOW (object);

  g_clear_handle_id (&self->poll_id, g_source_remove);
  g_clear_object (&self->document);
  G_OBJECT_CLASS (actorscope_dir_follow_parent_class)->dispose (object);
}

static void
actorscope_dir_follow_finalize (GObject *object)
{
  ActorscopeDirFollow *self = ACTORSCOPE_DIR_FOLLOW (object);

  g_free (self->path);
  g_free (self->last_problem);
  G_OBJECT_CLASS (actorscope_dir_follow_parent_class)->finalize (object);
}

static void
actorscope_dir_follow_class_init (ActorscopeDirFollowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = actorscope_dir_follow_dispose;
  object_class->finalize = actorscope_dir_follow_finalize;
  signals[STATE] = g_signal_new ("state", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                                 NULL, G_TYPE_NONE, 2, G_TYPE_STRING, G_TYPE_BOOLEAN);
}

static void
actorscope_dir_follow_init (ActorscopeDirFollow *self)
{
}
