/* ingest-source-record.c: appending accepted events to a native trace. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <gio/gunixoutputstream.h>
#include <glib/gstdio.h>

#include "ingest-source-record.h"
#include "ingest-native-writer.h"
#include "ingest-parser.h"

struct _IngestRecorder {
  IngestStore *store;
  /* Unbuffered, over the fd: a flush is done when its writes returned, and
   * nothing waits in the process between flushes (see the header's loss
   * bound). ingest_native_write batches into 64 KiB writes of whole lines. */
  GOutputStream *out;
  int fd;
  char *path;
  IngestSeq next;
  guint timer;
  gboolean failed;
  gboolean closed;
  IngestRecorderFlushed flushed;
  gpointer flushed_data;
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
  IngestRecorder *self;
  int fd;

  /* Not g_file_replace: it writes to a hidden temporary file renamed at
   * close, so a killed session would leave the old file at path. */
  fd = g_open (path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0)
    {
      int e = errno;
      g_set_error (error, INGEST_ERROR, INGEST_ERROR_IO, "%s: %s", path, g_strerror (e));
      return NULL;
    }
  self = g_new0 (IngestRecorder, 1);
  self->store = store;
  self->fd = fd;
  self->path = g_strdup (path);
  self->out = g_unix_output_stream_new (fd, FALSE);
  if (flush_ms == 0)
    flush_ms = 200;
  if (flush_ms != G_MAXUINT)
    self->timer = g_timeout_add (flush_ms, on_timer, self);
  return self;
}

void
ingest_recorder_set_flushed_func (IngestRecorder *self, IngestRecorderFlushed func,
                                  gpointer user_data)
{
  self->flushed = func;
  self->flushed_data = user_data;
}

gboolean
ingest_recorder_flush (IngestRecorder *self, GError **error)
{
  guint64 n = ingest_store_n_events (self->store);
  gint64 t0;

  if (self->failed || self->closed)
    {
      g_set_error (error, INGEST_ERROR, INGEST_ERROR_IO, "the recorder has stopped");
      return FALSE;
    }
  if (n <= self->next)
    return TRUE;
  t0 = g_get_monotonic_time ();
  /* From 0 this also writes the version header. */
  if (!ingest_native_write (self->store, self->next, self->out, error))
    {
      self->failed = TRUE;
      g_prefix_error (error, "%s: ", self->path);
      return FALSE;
    }
  self->next = n;
  if (self->flushed != NULL && n > 0)
    self->flushed (n, g_get_monotonic_time () - t0, self->flushed_data);
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
    {
      ok = ingest_native_write (self->store, 0, self->out, error);
      if (!ok)
        {
          self->failed = TRUE;
          g_prefix_error (error, "%s: ", self->path);
        }
    }
  else
    ok = ingest_recorder_flush (self, error);
  self->closed = TRUE;
  /* A graceful stop keeps everything, also across a power cut. */
  if (ok && fsync (self->fd) != 0 && errno != EINVAL && errno != EROFS)
    {
      int e = errno;
      g_set_error (error, INGEST_ERROR, INGEST_ERROR_IO, "%s: %s", self->path, g_strerror (e));
      ok = FALSE;
    }
  g_clear_object (&self->out);
  if (close (self->fd) != 0 && ok)
    {
      int e = errno;
      g_set_error (error, INGEST_ERROR, INGEST_ERROR_IO, "%s: %s", self->path, g_strerror (e));
      ok = FALSE;
    }
  self->fd = -1;
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
  if (self->fd >= 0)
    close (self->fd);
  g_free (self->path);
  g_free (self);
}

guint64
ingest_recorder_n_written (IngestRecorder *self)
{
  return self != NULL ? self->next : 0;
}
