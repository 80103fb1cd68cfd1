/* ingest-source-follow.c: tail -F and stream sources. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <glib/gstdio.h>

#include "ingest-source-follow.h"

#define READ_CHUNK (64 * 1024)
/* Bytes read per poll before yielding to the main loop, so following a huge
 * file that is written fast does not starve the websockets. */
#define MAX_BYTES_PER_POLL (8 * 1024 * 1024)

struct _IngestFollowSource {
  IngestStore *store;
  IngestFollowOptions options;
  IngestSourceHooks hooks;
  char *path;                 /* follow mode */
  char *name;
  int fd;
  dev_t dev;
  ino_t ino;
  goffset offset;
  IngestParser *parser;
  guint64 n_reported;
  guint timer;
  gboolean stopped;           /* strict-mode error */
  guint n_rotations, n_truncations;
  gboolean waiting_reported;
  /* stream mode */
  GInputStream *stream;
  GCancellable *cancellable;
  struct _ReadOp *op;         /* pending read, or NULL */
  gboolean done;
};

/* A pending stream read owns its buffer: if the source is freed while a read
 * runs (possibly in a GIO worker thread for non-pollable fds), the buffer
 * must outlive the source, so the callback frees the op. */
typedef struct _ReadOp {
  IngestFollowSource *self;   /* NULL once the source is freed */
  guint8 buf[READ_CHUNK];
} ReadOp;

static void
new_parser (IngestFollowSource *self)
{
  IngestParserOptions popts = { 0 };

  if (self->parser != NULL)
    {
      g_autoptr(GError) error = NULL;
      if (!ingest_parser_finish (self->parser, &error))
        ingest_source_hooks_note (&self->hooks, INGEST_SOURCE_NOTE_WARNING, self->name,
                                  "%s", error->message);
      ingest_source_report_parser (&self->hooks, self->name, self->parser, &self->n_reported);
    }
  ingest_parser_free (self->parser);
  popts.format = self->options.format;
  popts.strict = self->options.strict;
  popts.source_name = self->name;
  popts.max_line_bytes = self->options.max_line_bytes;
  self->parser = ingest_parser_new (self->store, &popts);
  self->n_reported = 0;
}

static gboolean
feed (IngestFollowSource *self, const guint8 *data, gsize len)
{
  g_autoptr(GError) error = NULL;

  if (!ingest_parser_feed (self->parser, data, len, &error))
    {
      ingest_source_hooks_note (&self->hooks, INGEST_SOURCE_NOTE_ERROR, self->name,
                                "stopped reading: %s", error->message);
      self->stopped = TRUE;
      return FALSE;
    }
  ingest_source_report_parser (&self->hooks, self->name, self->parser, &self->n_reported);
  return TRUE;
}

static void
close_fd (IngestFollowSource *self)
{
  if (self->fd >= 0)
    close (self->fd);
  self->fd = -1;
}

/* Reads the open file from offset to its current end (bounded per call).
 * Returns TRUE if anything was read. */
static gboolean
drain (IngestFollowSource *self)
{
  guint8 buf[READ_CHUNK];
  gsize total = 0;

  while (self->fd >= 0 && !self->stopped && total < MAX_BYTES_PER_POLL)
    {
      ssize_t n = pread (self->fd, buf, sizeof buf, self->offset);
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        break;
      self->offset += n;
      total += (gsize) n;
      if (!feed (self, buf, (gsize) n))
        break;
    }
  return total > 0;
}

static gboolean
open_path (IngestFollowSource *self, gboolean at_end)
{
  struct stat st;
  int fd = open (self->path, O_RDONLY | O_CLOEXEC);

  if (fd < 0)
    return FALSE;
  if (fstat (fd, &st) != 0)
    {
      close (fd);
      return FALSE;
    }
  self->fd = fd;
  self->dev = st.st_dev;
  self->ino = st.st_ino;
  self->offset = at_end ? st.st_size : 0;
  new_parser (self);
  return TRUE;
}

void
ingest_follow_source_poll (IngestFollowSource *self)
{
  struct stat path_st, fd_st;
  gboolean grew = FALSE;

  if (self == NULL || self->path == NULL || self->stopped)
    return;

  if (self->fd < 0)
    {
      if (!open_path (self, FALSE))
        {
          if (!self->waiting_reported)
            ingest_source_hooks_note (&self->hooks, INGEST_SOURCE_NOTE_INFO, self->name,
                                      "waiting for the file to appear");
          self->waiting_reported = TRUE;
          return;
        }
      self->waiting_reported = FALSE;
    }

  /* Truncation: the file we hold is now shorter than what we read. */
  if (fstat (self->fd, &fd_st) == 0 && fd_st.st_size < self->offset)
    {
      self->n_truncations++;
      ingest_source_hooks_note (&self->hooks, INGEST_SOURCE_NOTE_INFO, self->name,
                                "file truncated; reading again from its start");
      self->offset = 0;
      new_parser (self);
    }

  grew |= drain (self);

  /* Rotation: the path now names another file (or nothing). Finish the old
   * one (already drained above), then switch. */
  if (g_stat (self->path, &path_st) == 0)
    {
      if (path_st.st_ino != self->ino || path_st.st_dev != self->dev)
        {
          self->n_rotations++;
          ingest_source_hooks_note (&self->hooks, INGEST_SOURCE_NOTE_INFO, self->name,
                                    "file rotated; following the new file");
          close_fd (self);
          if (open_path (self, FALSE))
            grew |= drain (self);
        }
    }

  if (grew)
    ingest_source_hooks_appended (&self->hooks);
}

static gboolean
on_timer (gpointer user_data)
{
  ingest_follow_source_poll (user_data);
  return G_SOURCE_CONTINUE;
}

IngestFollowSource *
ingest_follow_source_new (IngestStore *store, const char *path,
                          const IngestFollowOptions *options, const IngestSourceHooks *hooks)
{
  IngestFollowSource *self = g_new0 (IngestFollowSource, 1);

  self->store = store;
  if (options != NULL)
    self->options = *options;
  if (self->options.poll_ms == 0)
    self->options.poll_ms = 100;
  if (hooks != NULL)
    self->hooks = *hooks;
  self->path = g_strdup (path);
  self->name = g_strdup_printf ("follow:%s", path);
  self->fd = -1;
  if (self->options.from_end)
    open_path (self, TRUE); /* a missing file is simply waited for */
  self->timer = g_timeout_add (self->options.poll_ms, on_timer, self);
  return self;
}

static void stream_read (IngestFollowSource *self);

static void
on_stream_read (GObject *object, GAsyncResult *result, gpointer user_data)
{
  ReadOp *op = user_data;
  IngestFollowSource *self = op->self;
  g_autoptr(GError) error = NULL;
  gssize n = g_input_stream_read_finish (G_INPUT_STREAM (object), result, &error);

  if (self == NULL)
    {
      g_free (op);
      return;
    }
  self->op = NULL;
  if (n < 0 && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_free (op);
      return;
    }
  if (n > 0 && !feed (self, op->buf, (gsize) n))
    {
      self->done = TRUE;
      g_free (op);
      return;
    }
  g_free (op);
  if (n < 0)
    {
      ingest_source_hooks_note (&self->hooks, INGEST_SOURCE_NOTE_ERROR, self->name,
                                "read failed: %s", error->message);
      self->done = TRUE;
      return;
    }
  if (n == 0)
    {
      if (!ingest_parser_finish (self->parser, &error))
        ingest_source_hooks_note (&self->hooks, INGEST_SOURCE_NOTE_WARNING, self->name,
                                  "%s", error->message);
      ingest_source_report_parser (&self->hooks, self->name, self->parser, &self->n_reported);
      self->done = TRUE;
      ingest_source_hooks_appended (&self->hooks);
      ingest_source_hooks_note (&self->hooks, INGEST_SOURCE_NOTE_INFO, self->name,
                                "end of input after %" G_GUINT64_FORMAT " records",
                                ingest_parser_n_records (self->parser));
      return;
    }
  ingest_source_hooks_appended (&self->hooks);
  stream_read (self);
}

static void
stream_read (IngestFollowSource *self)
{
  ReadOp *op = g_new (ReadOp, 1);

  op->self = self;
  self->op = op;
  g_input_stream_read_async (self->stream, op->buf, READ_CHUNK, G_PRIORITY_DEFAULT,
                             self->cancellable, on_stream_read, op);
}

IngestFollowSource *
ingest_stream_source_new (IngestStore *store, GInputStream *stream, const char *name,
                          const IngestFollowOptions *options, const IngestSourceHooks *hooks)
{
  IngestFollowSource *self = g_new0 (IngestFollowSource, 1);

  self->store = store;
  if (options != NULL)
    self->options = *options;
  if (hooks != NULL)
    self->hooks = *hooks;
  self->fd = -1;
  self->name = g_strdup (name != NULL ? name : "stream");
  self->stream = g_object_ref (stream);
  self->cancellable = g_cancellable_new ();
  new_parser (self);
  stream_read (self);
  return self;
}

void
ingest_follow_source_free (IngestFollowSource *self)
{
  if (self == NULL)
    return;
  if (self->timer != 0)
    g_source_remove (self->timer);
  if (self->op != NULL)
    self->op->self = NULL; /* the pending callback frees the op */
  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->stream);
  close_fd (self);
  ingest_parser_free (self->parser);
  g_free (self->path);
  g_free (self->name);
  g_free (self);
}

gboolean
ingest_follow_source_is_done (IngestFollowSource *self)
{
  return self != NULL && self->done;
}

guint
ingest_follow_source_n_rotations (IngestFollowSource *self)
{
  return self != NULL ? self->n_rotations : 0;
}

guint
ingest_follow_source_n_truncations (IngestFollowSource *self)
{
  return self != NULL ? self->n_truncations : 0;
}
