/* actorscope-document.c: one open trace (see the header). */
#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "actorscope-document.h"
#include "ingest-log-disk.h"

struct _ActorscopeDocument {
  GObject parent_instance;
  IngestStore *store;
  char *title;
  GFile *file;
  gboolean live;
  gboolean is_data_dir;
  guint64 log_end;                /* data dir: log seq one past the last event read */
  guint64 n_skipped;
  guint32 activity[ACTORSCOPE_DOCUMENT_N_BINS];
  guint32 activity_max;
  gboolean activity_valid;
  GRWLock lock;
};

G_DEFINE_FINAL_TYPE (ActorscopeDocument, actorscope_document, G_TYPE_OBJECT)

enum { PROP_0, PROP_TITLE, PROP_LIVE, N_PROPS };
static GParamSpec *properties[N_PROPS];
enum { CHANGED, N_SIGNALS };
static guint signals[N_SIGNALS];

static void
actorscope_document_finalize (GObject *object)
{
  ActorscopeDocument *self = ACTORSCOPE_DOCUMENT (object);

  g_clear_pointer (&self->store, ingest_store_free);
  g_clear_pointer (&self->title, g_free);
  g_clear_object (&self->file);
  g_rw_lock_clear (&self->lock);
  G_OBJECT_CLASS (actorscope_document_parent_class)->finalize (object);
}

static void
actorscope_document_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  ActorscopeDocument *self = ACTORSCOPE_DOCUMENT (object);

  switch (prop_id)
    {
    case PROP_TITLE: g_value_set_string (value, self->title); break;
    case PROP_LIVE: g_value_set_boolean (value, self->live); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
actorscope_document_class_init (ActorscopeDocumentClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = actorscope_document_finalize;
  object_class->get_property = actorscope_document_get_property;

  properties[PROP_TITLE] = g_param_spec_string ("title", NULL, NULL, NULL,
                                                G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_LIVE] = g_param_spec_boolean ("live", NULL, NULL, FALSE,
                                                G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY |
                                                G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /* Emitted on the main thread after a live source appended events. */
  signals[CHANGED] = g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                   0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
actorscope_document_init (ActorscopeDocument *self)
{
  g_rw_lock_init (&self->lock);
}

void
actorscope_document_read_lock (ActorscopeDocument *self)
{
  g_rw_lock_reader_lock (&self->lock);
}

void
actorscope_document_read_unlock (ActorscopeDocument *self)
{
  g_rw_lock_reader_unlock (&self->lock);
}

void
actorscope_document_prepare_readers (ActorscopeDocument *self)
{
  g_return_if_fail (ACTORSCOPE_IS_DOCUMENT (self));
  /* Merges an out-of-order tail now; afterwards time lookups only read. */
  (void) ingest_store_time_lower_bound (self->store, 0);
}

gboolean
actorscope_document_try_write_lock (ActorscopeDocument *self)
{
  return g_rw_lock_writer_trylock (&self->lock);
}

void
actorscope_document_write_lock (ActorscopeDocument *self)
{
  g_rw_lock_writer_lock (&self->lock);
}

void
actorscope_document_write_unlock (ActorscopeDocument *self)
{
  g_rw_lock_writer_unlock (&self->lock);
}

ActorscopeDocument *
actorscope_document_new (IngestStore *store, const char *title)
{
  ActorscopeDocument *self;

  g_return_val_if_fail (store != NULL, NULL);

  self = g_object_new (ACTORSCOPE_TYPE_DOCUMENT, NULL);
  self->store = store;
  self->title = g_strdup (title ? title : "");
  return self;
}

IngestStore *
actorscope_document_get_store (ActorscopeDocument *self)
{
  g_return_val_if_fail (ACTORSCOPE_IS_DOCUMENT (self), NULL);
  return self->store;
}

const char *
actorscope_document_get_title (ActorscopeDocument *self)
{
  g_return_val_if_fail (ACTORSCOPE_IS_DOCUMENT (self), NULL);
  return self->title;
}

GFile *
actorscope_document_get_file (ActorscopeDocument *self)
{
  g_return_val_if_fail (ACTORSCOPE_IS_DOCUMENT (self), NULL);
  return self->file;
}

void
actorscope_document_set_file (ActorscopeDocument *self, GFile *file)
{
  g_return_if_fail (ACTORSCOPE_IS_DOCUMENT (self));
  g_set_object (&self->file, file);
}

gboolean
actorscope_document_get_live (ActorscopeDocument *self)
{
  g_return_val_if_fail (ACTORSCOPE_IS_DOCUMENT (self), FALSE);
  return self->live;
}

void
actorscope_document_set_live (ActorscopeDocument *self, gboolean live)
{
  g_return_if_fail (ACTORSCOPE_IS_DOCUMENT (self));
  live = !!live;
  if (self->live == live)
    return;
  self->live = live;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LIVE]);
}

guint64
actorscope_document_get_n_skipped (ActorscopeDocument *self)
{
  g_return_val_if_fail (ACTORSCOPE_IS_DOCUMENT (self), 0);
  return ingest_store_counters (self->store)->skipped_records;
}

gboolean
actorscope_document_get_time_range (ActorscopeDocument *self, gint64 *min_ns, gint64 *max_ns)
{
  g_return_val_if_fail (ACTORSCOPE_IS_DOCUMENT (self), FALSE);
  return ingest_store_time_range (self->store, min_ns, max_ns);
}

/* One pass over the time order; the store keeps it sorted, so this is a
 * plain O(n) scan (about 5 ms for a million events). */
static void
compute_activity (IngestStore *store, guint32 *bins, guint32 *max_out)
{
  gint64 t0, t1;
  gsize n = ingest_store_n_events (store);
  double scale;
  guint32 max = 0;

  memset (bins, 0, sizeof (guint32) * ACTORSCOPE_DOCUMENT_N_BINS);
  *max_out = 0;
  if (!ingest_store_time_range (store, &t0, &t1))
    return;
  scale = t1 > t0 ? (double) ACTORSCOPE_DOCUMENT_N_BINS / (double) (t1 - t0) : 0.0;
  for (gsize i = 0; i < n; i++)
    {
      const IngestEvent *ev = ingest_store_event (store, ingest_store_time_seq (store, i));
      guint b;

      if (ev == NULL)
        continue;
      b = (guint) ((double) (ev->time_ns - t0) * scale);
      if (b >= ACTORSCOPE_DOCUMENT_N_BINS)
        b = ACTORSCOPE_DOCUMENT_N_BINS - 1;
      if (bins[b] < G_MAXUINT32)
        bins[b]++;
      max = MAX (max, bins[b]);
    }
  *max_out = max;
}

const guint32 *
actorscope_document_get_activity (ActorscopeDocument *self, guint32 *max_out)
{
  g_return_val_if_fail (ACTORSCOPE_IS_DOCUMENT (self), NULL);

  if (!self->activity_valid)
    {
      compute_activity (self->store, self->activity, &self->activity_max);
      self->activity_valid = TRUE;
    }
  if (max_out)
    *max_out = self->activity_max;
  return self->activity;
}

void
actorscope_document_notify_appended (ActorscopeDocument *self)
{
  g_return_if_fail (ACTORSCOPE_IS_DOCUMENT (self));
  self->activity_valid = FALSE;
  g_signal_emit (self, signals[CHANGED], 0);
}

const IngestEvent *
actorscope_document_event_at (ActorscopeDocument *self, gint64 pos)
{
  g_return_val_if_fail (ACTORSCOPE_IS_DOCUMENT (self), NULL);
  if (pos < 0 || (guint64) pos >= ingest_store_n_events (self->store))
    return NULL;
  return ingest_store_event (self->store, ingest_store_time_seq (self->store, (gsize) pos));
}

gint64
actorscope_document_position_for_time (ActorscopeDocument *self, gint64 t_ns)
{
  g_return_val_if_fail (ACTORSCOPE_IS_DOCUMENT (self), 0);
  return (gint64) ingest_store_time_lower_bound (self->store, t_ns);
}

gboolean
actorscope_document_find_send (ActorscopeDocument *self, gint64 from, gboolean forward,
                               gint64 *pos_out)
{
  gsize n;
  gint64 step = forward ? 1 : -1;

  g_return_val_if_fail (ACTORSCOPE_IS_DOCUMENT (self), FALSE);
  n = ingest_store_n_events (self->store);
  from = CLAMP (from, -1, (gint64) n);
  for (gint64 i = from + step; i >= 0 && i < (gint64) n; i += step)
    {
      const IngestEvent *ev = ingest_store_event (self->store,
                                                  ingest_store_time_seq (self->store, (gsize) i));

      if (ev != NULL && ev->kind == INGEST_EVENT_SEND)
        {
          *pos_out = i;
          return TRUE;
        }
    }
  return FALSE;
}

gboolean
actorscope_document_get_data_dir_end (ActorscopeDocument *self, guint64 *log_end)
{
  g_return_val_if_fail (ACTORSCOPE_IS_DOCUMENT (self), FALSE);
  if (log_end != NULL)
    *log_end = self->log_end;
  return self->is_data_dir;
}

/* ---- loading off the UI thread ---- */

typedef struct {
  GFile *file;
  gboolean strict;
  GMainContext *context;          /* where progress is delivered */
  ActorscopeProgressFunc progress;
  gpointer progress_data;
  GCancellable *cancellable;
  gint64 last_report_us;
} LoadData;

static void
load_data_free (LoadData *data)
{
  g_clear_object (&data->file);
  g_clear_object (&data->cancellable);
  g_main_context_unref (data->context);
  g_free (data);
}

typedef struct {
  ActorscopeProgressFunc progress;
  gpointer progress_data;
  GCancellable *cancellable;
  guint64 done, total;
} ProgressReport;

static gboolean
deliver_progress (gpointer user_data)
{
  ProgressReport *report = user_data;

  /* A cancelled load's progress must not reach a UI that moved on. */
  if (!g_cancellable_is_cancelled (report->cancellable))
    report->progress (report->done, report->total, report->progress_data);
  return G_SOURCE_REMOVE;
}

static void
progress_report_free (gpointer data)
{
  ProgressReport *report = data;

  g_clear_object (&report->cancellable);
  g_free (report);
}

static void
load_progress (guint64 done, guint64 total, gpointer user_data)
{
  LoadData *data = user_data;
  gint64 now = g_get_monotonic_time ();
  ProgressReport *report;

  /* At most ~30 reports a second: the UI has nothing to gain from more. */
  if (data->progress == NULL || (now - data->last_report_us < 33000 && done < total))
    return;
  data->last_report_us = now;
  report = g_new0 (ProgressReport, 1);
  report->progress = data->progress;
  report->progress_data = data->progress_data;
  report->cancellable = data->cancellable ? g_object_ref (data->cancellable) : g_cancellable_new ();
  report->done = done;
  report->total = total;
  g_main_context_invoke_full (data->context, G_PRIORITY_DEFAULT, deliver_progress, report,
                              progress_report_free);
}

/* A data directory, read without its lock (a running service may be
 * writing it) up to the last block complete now; where that ends is kept
 * so that following it goes on from there. Lenient: a corrupt block counts
 * as one skipped record, as the CLI counts it. */
static gboolean
load_data_dir (IngestStore *store, const char *path, gboolean strict, guint64 *log_end,
               GError **error)
{
  IngestLogDiskOptions options = { 0 };
  g_autoptr(IngestLog) log = NULL;
  g_auto(IngestLogSkipped) skipped = { 0 };

  options.read_only = TRUE;
  log = ingest_log_disk_open (path, &options, error);
  if (log == NULL)
    return FALSE;
  *log_end = ingest_log_n_durable (log);
  if (!ingest_log_read_into_store (log, 0, *log_end, store, NULL, strict ? NULL : &skipped, error))
    return FALSE;
  ingest_store_counters (store)->skipped_records += skipped.bad_blocks;
  return TRUE;
}

static void
load_thread (GTask *task, gpointer source_object, gpointer task_data, GCancellable *cancellable)
{
  LoadData *data = task_data;
  g_autoptr(IngestStore) store = ingest_store_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *path = g_file_get_path (data->file);
  g_autofree char *basename = g_file_get_basename (data->file);
  IngestParserOptions options = { 0 };
  ActorscopeDocument *doc;
  gboolean is_data_dir;
  guint64 log_end = 0;

  if (path == NULL)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                               _("Only local files can be opened"));
      return;
    }
  options.strict = data->strict;
  options.source_name = basename;
  is_data_dir = ingest_log_disk_is_data_dir (path);
  if (is_data_dir ? !load_data_dir (store, path, data->strict, &log_end, &error)
                  : !ingest_load_file (store, path, &options, load_progress, data, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  if (g_task_return_error_if_cancelled (task))
    return;

  doc = actorscope_document_new (g_steal_pointer (&store), basename);
  doc->file = g_object_ref (data->file);
  doc->is_data_dir = is_data_dir;
  doc->log_end = log_end;
  /* Warm the caches here, not on the UI thread. */
  (void) actorscope_document_get_activity (doc, NULL);
  g_task_return_pointer (task, doc, g_object_unref);
}

void
actorscope_document_load_async (GFile *file, gboolean strict, GCancellable *cancellable,
                                ActorscopeProgressFunc progress, gpointer progress_data,
                                GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr(GTask) task = NULL;
  LoadData *data;

  g_return_if_fail (G_IS_FILE (file));

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, actorscope_document_load_async);
  data = g_new0 (LoadData, 1);
  data->file = g_object_ref (file);
  data->strict = strict;
  data->context = g_main_context_ref_thread_default ();
  data->progress = progress;
  data->progress_data = progress_data;
  data->cancellable = cancellable ? g_object_ref (cancellable) : NULL;
  g_task_set_task_data (task, data, (GDestroyNotify) load_data_free);
  g_task_run_in_thread (task, load_thread);
}

ActorscopeDocument *
actorscope_document_load_finish (GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}
