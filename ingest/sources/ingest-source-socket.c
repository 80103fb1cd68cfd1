/* ingest-source-socket.c: TCP / Unix-socket producers via GSocketService. */
#include "config.h"

#include <gio/gunixsocketaddress.h>
#include <glib/gstdio.h>
#include <string.h>

#include "ingest-source-socket.h"

#define DEFAULT_MAX_PRODUCERS 64
#define READ_CHUNK (64 * 1024)

typedef struct _Producer Producer;

struct _IngestSocketSource {
  IngestStore *store;
  IngestSocketOptions options;
  IngestSourceHooks hooks;
  GPtrArray *services;    /* GSocketService*, one per listen address */
  GPtrArray *addresses;   /* char*, effective addresses */
  GPtrArray *unix_paths;  /* char*, files to remove on free */
  GList *producers;       /* Producer* */
  guint n_producers;
  guint64 n_refused;
  guint64 next_producer_id;
};

struct _Producer {
  IngestSocketSource *source;
  GSocketConnection *connection;
  GCancellable *cancellable;
  IngestParser *parser;
  char *name;
  struct _ReadOp *op;          /* pending read, or NULL */
  guint64 n_reported;
  guint64 n_lines;             /* newlines received */
  gsize partial;               /* bytes received after the last newline */
  gboolean error_written;
};

/* A pending read owns its buffer and outlives a producer freed meanwhile
 * (the callback then only frees the op). */
typedef struct _ReadOp {
  Producer *producer;          /* NULL once the producer is freed */
  guint8 buf[READ_CHUNK];
} ReadOp;

static void producer_read (Producer *p, ReadOp *op);

static void
producer_free (Producer *p)
{
  if (p == NULL)
    return;
  if (p->op != NULL)
    p->op->producer = NULL;
  g_cancellable_cancel (p->cancellable);
  g_clear_object (&p->cancellable);
  if (p->connection != NULL)
    g_io_stream_close (G_IO_STREAM (p->connection), NULL, NULL);
  g_clear_object (&p->connection);
  ingest_parser_free (p->parser);
  g_free (p->name);
  g_free (p);
}

/* Removes p from its source and frees it. */
static void
producer_close (Producer *p)
{
  IngestSocketSource *self = p->source;

  self->producers = g_list_remove (self->producers, p);
  self->n_producers--;
  producer_free (p);
}

/* Writes a one-line error back to a producer. Best effort and bounded: the
 * socket is non-blocking from GIO's point of view only for async calls, so a
 * short line written synchronously cannot stall unless the peer stopped
 * reading entirely; we write at most one such line per producer. */
static void
write_error_line (GSocketConnection *connection, const char *message)
{
  g_autofree char *line = g_strdup_printf ("error: %s\n", message);
  GSocket *socket = g_socket_connection_get_socket (connection);

  /* Non-blocking send: if the kernel buffer is full we drop the message
   * rather than block the main loop. */
  g_socket_send_with_blocking (socket, line, strlen (line), FALSE, NULL, NULL);
}

/* why: "producer closed" (clean close), "connection lost" (reset) or
 * "service stopping" (the source is freed while the producer is still
 * connected); parser_failed: the parser stopped the producer. */
static void
producer_finish (Producer *p, const char *why, gboolean parser_failed)
{
  g_autoptr(GError) error = NULL;

  /* A record ends with its newline. What came after the last one is
   * either a complete record whose newline was never sent (the parser
   * accepts it) or a cut one (the parser skips and reports it): both
   * on a clean close and on a reset, and always in this producer's own
   * parser, never joined to anyone else's bytes. */
  if (p->partial > 0 && !parser_failed)
    ingest_source_hooks_note (&p->source->hooks, INGEST_SOURCE_NOTE_WARNING, p->name,
                              "%s in the middle of line %" G_GUINT64_FORMAT
                              " (%" G_GSIZE_FORMAT " bytes without a newline)",
                              why,
                              p->n_lines + 1, p->partial);
  if (!parser_failed && !ingest_parser_finish (p->parser, &error))
    ingest_source_hooks_note (&p->source->hooks, INGEST_SOURCE_NOTE_WARNING, p->name,
                              "%s", error->message);
  ingest_source_report_parser (&p->source->hooks, p->name, p->parser, &p->n_reported);
  ingest_source_hooks_appended (&p->source->hooks);
  ingest_source_hooks_note (&p->source->hooks, INGEST_SOURCE_NOTE_INFO, p->name,
                            "producer disconnected after %" G_GUINT64_FORMAT " records",
                            ingest_parser_n_records (p->parser));
  producer_close (p);
}

static void
on_read (GObject *object, GAsyncResult *result, gpointer user_data)
{
  ReadOp *op = user_data;
  Producer *p = op->producer;
  g_autoptr(GError) error = NULL;
  /* Freed unless handed to the next read (one 64 KiB buffer per producer
   * for its whole life, not one per read). */
  g_autofree ReadOp *op_owned = op;
  gssize n;
  guint64 before_skipped;

  n = g_input_stream_read_finish (G_INPUT_STREAM (object), result, &error);
  if (p == NULL)
    return; /* the producer was freed while this read was pending */
  p->op = NULL;
  if (n < 0)
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      ingest_source_hooks_note (&p->source->hooks, INGEST_SOURCE_NOTE_WARNING, p->name,
                                "read failed: %s", error->message);
      producer_finish (p, "connection lost", FALSE);
      return;
    }
  if (n == 0)
    {
      producer_finish (p, "producer closed", FALSE);
      return;
    }

  {
    const guint8 *nl = memrchr (op->buf, '\n', (gsize) n);
    if (nl != NULL)
      {
        for (const guint8 *q = op->buf; q <= nl; q++)
          p->n_lines += *q == '\n';
        p->partial = (gsize) (op->buf + n - (nl + 1));
      }
    else
      p->partial += (gsize) n;
  }

  before_skipped = ingest_parser_n_skipped (p->parser);
  if (!ingest_parser_feed (p->parser, op->buf, (gsize) n, &error))
    {
      write_error_line (p->connection, error->message);
      ingest_source_hooks_note (&p->source->hooks, INGEST_SOURCE_NOTE_ERROR, p->name,
                                "producer closed: %s", error->message);
      producer_finish (p, "connection lost", TRUE);
      return;
    }
  /* Tell the producer about its first skipped record (e.g. an over-long
   * line), so a misbehaving client learns why its data is not shown. */
  if (ingest_parser_n_skipped (p->parser) > before_skipped && !p->error_written)
    {
      const GPtrArray *diags = ingest_parser_get_diagnostics (p->parser);
      if (diags != NULL && diags->len > 0)
        {
          const GError *e = g_ptr_array_index (diags, diags->len - 1);
          write_error_line (p->connection, e->message);
          p->error_written = TRUE;
        }
    }
  ingest_source_report_parser (&p->source->hooks, p->name, p->parser, &p->n_reported);
  ingest_source_hooks_appended (&p->source->hooks);
  producer_read (p, g_steal_pointer (&op_owned));
}

/* Starts the next read into op (reused) or a new buffer when op is NULL. */
static void
producer_read (Producer *p, ReadOp *op)
{
  GInputStream *in = g_io_stream_get_input_stream (G_IO_STREAM (p->connection));

  if (op == NULL)
    op = g_new (ReadOp, 1);

  op->producer = p;
  p->op = op;
  g_input_stream_read_async (in, op->buf, READ_CHUNK, G_PRIORITY_DEFAULT,
                             p->cancellable, on_read, op);
}

static char *
describe_peer (GSocketConnection *connection, guint64 id)
{
  g_autoptr(GSocketAddress) remote = g_socket_connection_get_remote_address (connection, NULL);

  if (remote != NULL && G_IS_INET_SOCKET_ADDRESS (remote))
    {
      GInetAddress *ia = g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (remote));
      g_autofree char *s = g_inet_address_to_string (ia);
      return g_strdup_printf ("tcp:%s:%u", s,
                              g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (remote)));
    }
  return g_strdup_printf ("unix:producer-%" G_GUINT64_FORMAT, id);
}

static gboolean
on_incoming (GSocketService *service, GSocketConnection *connection,
             GObject *source_object, gpointer user_data)
{
  IngestSocketSource *self = user_data;
  IngestParserOptions popts = { 0 };
  Producer *p;

  if (self->n_producers >= self->options.max_producers)
    {
      g_autofree char *msg = g_strdup_printf ("too many producers (limit %u); try again later",
                                              self->options.max_producers);
      self->n_refused++;
      write_error_line (connection, msg);
      g_io_stream_close (G_IO_STREAM (connection), NULL, NULL);
      ingest_source_hooks_note (&self->hooks, INGEST_SOURCE_NOTE_WARNING, "listen",
                                "refused a producer: %s", msg);
      return TRUE;
    }

  p = g_new0 (Producer, 1);
  p->source = self;
  p->connection = g_object_ref (connection);
  p->cancellable = g_cancellable_new ();
  p->name = describe_peer (connection, ++self->next_producer_id);
  popts.format = self->options.format;
  popts.strict = self->options.strict;
  popts.source_name = p->name;
  popts.max_line_bytes = self->options.max_line_bytes;
  p->parser = ingest_parser_new (self->store, &popts);
  self->producers = g_list_prepend (self->producers, p);
  self->n_producers++;
  ingest_source_hooks_note (&self->hooks, INGEST_SOURCE_NOTE_INFO, p->name, "producer connected");
  producer_read (p, NULL);
  return TRUE;
}

IngestSocketSource *
ingest_socket_source_new (IngestStore *store, const IngestSocketOptions *options,
                          const IngestSourceHooks *hooks)
{
  IngestSocketSource *self = g_new0 (IngestSocketSource, 1);

  self->store = store;
  if (options != NULL)
    self->options = *options;
  if (self->options.max_producers == 0)
    self->options.max_producers = DEFAULT_MAX_PRODUCERS;
  if (hooks != NULL)
    self->hooks = *hooks;
  self->addresses = g_ptr_array_new_with_free_func (g_free);
  self->unix_paths = g_ptr_array_new_with_free_func (g_free);
  self->services = g_ptr_array_new ();
  return self;
}

void
ingest_socket_source_free (IngestSocketSource *self)
{
  if (self == NULL)
    return;
  for (guint i = 0; i < self->services->len; i++)
    {
      GSocketService *service = g_ptr_array_index (self->services, i);
      g_socket_service_stop (service);
      g_socket_listener_close (G_SOCKET_LISTENER (service));
      g_signal_handlers_disconnect_by_data (service, self);
      g_object_unref (service);
    }
  g_ptr_array_unref (self->services);
  /* Producers still connected when the service stops: what they sent is
   * parsed to the end (a last record without its newline is accepted,
   * a cut one reported), as on a clean close, so a graceful stop keeps
   * every record read. */
  while (self->producers != NULL)
    producer_finish (self->producers->data, "service stopping", FALSE);
  for (guint i = 0; i < self->unix_paths->len; i++)
    g_unlink (g_ptr_array_index (self->unix_paths, i));
  g_ptr_array_unref (self->unix_paths);
  g_ptr_array_unref (self->addresses);
  g_free (self);
}

GSocketAddress *
ingest_socket_parse_address (const char *spec, GError **error)
{
  if (spec == NULL)
    spec = "";
  if (g_str_has_prefix (spec, "unix:"))
    {
      const char *path = spec + 5;
      if (*path == '\0' || strlen (path) >= 108)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                       "bad unix socket path in \"%s\" (empty or longer than 107 bytes)", spec);
          return NULL;
        }
      return g_unix_socket_address_new (path);
    }
  if (g_str_has_prefix (spec, "tcp://"))
    {
      const char *hostport = spec + 6;
      const char *colon = strrchr (hostport, ':');
      g_autofree char *host = NULL;
      g_autoptr(GInetAddress) ia = NULL;
      char *end = NULL;
      guint64 port;

      if (colon == NULL || colon[1] == '\0')
        goto bad;
      host = g_strndup (hostport, (gsize) (colon - hostport));
      if (host[0] == '[' && host[strlen (host) - 1] == ']')
        {
          memmove (host, host + 1, strlen (host));
          host[strlen (host) - 1] = '\0';
        }
      if (g_strcmp0 (host, "localhost") == 0)
        ia = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
      else
        ia = g_inet_address_new_from_string (host);
      if (ia == NULL)
        goto bad;
      port = g_ascii_strtoull (colon + 1, &end, 10);
      if (end == NULL || *end != '\0' || port > 65535)
        goto bad;
      return g_inet_socket_address_new (ia, (guint16) port);
    }
bad:
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
               "bad listen address \"%s\" (expected tcp://IP:PORT or unix:PATH)", spec);
  return NULL;
}

gboolean
ingest_socket_source_listen (IngestSocketSource *self, const char *spec, GError **error)
{
  g_autoptr(GSocketAddress) address = ingest_socket_parse_address (spec, error);
  g_autoptr(GSocketAddress) effective = NULL;

  if (address == NULL)
    return FALSE;
  if (G_IS_UNIX_SOCKET_ADDRESS (address))
    {
      const char *path = g_unix_socket_address_get_path (G_UNIX_SOCKET_ADDRESS (address));
      /* A socket file left by a previous run would make bind fail; only
       * remove it if it is a socket, never a regular file. */
      GStatBuf st;
      if (g_lstat (path, &st) == 0 && S_ISSOCK (st.st_mode))
        g_unlink (path);
    }
  /* One service per address: a GLib 2.74 GSocketService mixing a unix and a
   * TCP socket stopped accepting on the TCP one in our tests. */
  {
    GSocketService *service = g_socket_service_new ();
    if (!g_socket_listener_add_address (G_SOCKET_LISTENER (service), address,
                                        G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_DEFAULT,
                                        NULL, &effective, error))
      {
        g_object_unref (service);
        return FALSE;
      }
    g_signal_connect (service, "incoming", G_CALLBACK (on_incoming), self);
    g_socket_service_start (service);
    g_ptr_array_add (self->services, service);
  }
  if (G_IS_INET_SOCKET_ADDRESS (effective))
    {
      GInetAddress *ia = g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (effective));
      g_autofree char *s = g_inet_address_to_string (ia);
      g_ptr_array_add (self->addresses,
                       g_strdup_printf ("tcp://%s:%u", s,
                                        g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (effective))));
    }
  else
    {
      const char *path = g_unix_socket_address_get_path (G_UNIX_SOCKET_ADDRESS (address));
      g_ptr_array_add (self->addresses, g_strdup_printf ("unix:%s", path));
      g_ptr_array_add (self->unix_paths, g_strdup (path));
    }
  return TRUE;
}

const char *
ingest_socket_source_get_address (IngestSocketSource *self, guint n)
{
  if (self == NULL || n >= self->addresses->len)
    return NULL;
  return g_ptr_array_index (self->addresses, n);
}

guint
ingest_socket_source_n_producers (IngestSocketSource *self)
{
  return self != NULL ? self->n_producers : 0;
}

guint64
ingest_socket_source_n_refused (IngestSocketSource *self)
{
  return self != NULL ? self->n_refused : 0;
}
