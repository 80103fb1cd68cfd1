/* ingest-source-record.c: appending accepted events to a native trace. */
#include "config.h"

#include "ingest-source-record.h"
#include "ingest-parser.h"

struct _IngestRecorder {
  IngestStore *store;
  GOutputStream *out;       /* buffered, over the file */
  IngestSeq next;
  guint timer;
  gboolean failed;
  gboolean closed;
};

static gboolean
on_timer (gpointer user_data)
{
  IngestRecorder *self = user_data;

  /* An I/O error stops the recorder; the owner learns it at close. */
  ingest_recorder_flush (self, NULL);
  return G_SOURCE_CONTINUE;
}

IngestRecorder *
ingest_recorder_new (IngestStore *store, const char *path, guint flush_ms, GError **error)
{
  g_autoptr(GFile) file = g_file_new_for_commandline_arg (path);
  g_autoptr(GFileOutputStream) fout = NULL;
  IngestRecorder *self;

  fout = g_file_replace (file, NULL, FALSE, G_FILE_CREATE_NONE, NULL, error);
  if (fout == NULL)
    return NULL;
  self = g_new0 (IngestRecorder, 1);
  self->store = store;
  self->out = g_buffered_output_stream_new_sized (G_OUTPUT_STREAM (fout), 256 * 1024);
  if (flush_ms == 0)
    flush_ms = 200;
  if (flush_ms != G_MAXUINT)
    self->timer = g_timeout_add (flush_ms, on_timer, self);
  return self;
}

gboolean
ingest_recorder_flush (IngestRecorder *self, GError **error)
{
  guint64 n = ingest_store_n_events (self->store);

  if (self->failed || self->closed)
    {
      g_set_error (error, INGEST_ERROR, INGEST_ERROR_IO, "the recorder has stopped");
      return FALSE;
    }
  if (n > self->next)
    {
      if (!ingest_native_write (self->store, self->next, self->out, error))
        {
          self->failed = TRUE;
          return FALSE;
        }
      self->next = n;
    }
  if (!g_output_stream_flush (self->out, NULL, error))
    {
      self->failed = TRUE;
      return FALSE;
    }
  return TRUE;
}

gboolean
ingest_recorder_close (IngestRecorder *self, GError **error)
{
  gboolean ok;

  if (self->closed)
    return !self->failed;
  if (self->timer != 0)
    g_source_remove (self->timer);
  self->timer = 0;
  /* An empty session still gets a valid file (the version header). */
  if (self->next == 0 && ingest_store_n_events (self->store) == 0 && !self->failed)
    ingest_native_write (self->store, 0, self->out, NULL);
  ok = ingest_recorder_flush (self, error);
  self->closed = TRUE;
  if (!g_output_stream_close (self->out, NULL, ok ? error : NULL))
    ok = FALSE;
  return ok;
}

void
ingest_recorder_free (IngestRecorder *self)
{
  if (self == NULL)
    return;
  if (self->timer != 0)
    g_source_remove (self->timer);
  g_clear_object (&self->out);
  g_free (self);
}

guint64
ingest_recorder_n_written (IngestRecorder *self)
{
  return self != NULL ? self->next : 0;
}
