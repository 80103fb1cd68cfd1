/* ingest-source-socket.c: TCP / Unix-socket producers: a non-blocking
 * listening GSocket per address, accepted on the GLib loop.
 *
 * Not GSocketService: when accept() fails (EMFILE, ENFILE: out of file
 * descriptors) it logs a g_warning and accepts again at once, and the
 * listening socket stays readable, so the loop spun at 100 % CPU writing
 * megabytes of "Too many open files" a second. Here such a failure pauses
 * that address for ACCEPT_PAUSE_MS and is reported through the hooks, at
 * most once per 10 s. */
#include "config.h"

#include <gio/gunixsocketaddress.h>
#include <glib/gstdio.h>
#include <string.h>

#include "ingest-source-socket.h"

#define DEFAULT_MAX_PRODUCERS 64
#define READ_CHUNK (64 * 1024)
/* The first line is held back until it is complete or this long: enough for
 * a token line or an HTTP request line. */
#define HEAD_MAX 4096

typedef struct _Producer Producer;

typedef struct {
  IngestSocketSource *source;
  GSocket *socket;             /* listening, non-blocking */
  GSource *watch;              /* G_IO_IN on socket, NULL while paused */
  guint resume_id;             /* timeout ending a pause, or 0 */
  gboolean needs_token;        /* beyond loopback: producers send the token first */
} Listener;

/* Out of file descriptors: stop accepting on that address this long. */
#define ACCEPT_PAUSE_MS 1000
/* Connections accepted per wake-up at most (the loop's other sources get
 * their turn between batches). */
#define ACCEPT_BATCH 16

struct _IngestSocketSource {
  IngestStore *store;
  IngestSocketOptions options;
  IngestSourceHooks hooks;
  GPtrArray *listeners;   /* Listener*, one per listen address */
  char *token;            /* NULL = none */
  GPtrArray *addresses;   /* char*, effective addresses */
  GPtrArray *unix_paths;  /* char*, files to remove on free */
  GList *producers;       /* Producer* */
  guint n_producers;
  guint64 n_refused;
  guint64 n_rejected;
  IngestNoteLimit refused_note, rejected_note, accept_note, idle_note;
  guint idle_timer;
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
  GByteArray *head;            /* the first line, while it is being checked */
  gint64 last_data_us;         /* monotonic time of the last byte received */
  GInetAddress *peer;          /* a TCP peer beyond loopback, else NULL */
  gboolean needs_token;
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
  if (p->head != NULL)
    g_byte_array_unref (p->head);
  g_clear_object (&p->peer);
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
static gboolean looks_like_http (const char *line, gsize len, gboolean complete);
static gboolean producer_consume (Producer *p, const guint8 *data, gsize len);

static void
producer_finish (Producer *p, const char *why, gboolean parser_failed)
{
  g_autoptr(GError) error = NULL;

  /* A first line that never ended: parsed like any last line, unless it
   * had to be a token line or looks like HTTP. */
  if (p->head != NULL)
    {
      g_autoptr(GByteArray) head = g_steal_pointer (&p->head);
      if (p->needs_token || looks_like_http ((const char *) head->data, head->len, FALSE))
        {
          p->source->n_rejected++;
          producer_close (p);
          return;
        }
      if (!producer_consume (p, head->data, head->len))
        return;
    }

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

/* TRUE when a first line is an HTTP request line: a method and a space
 * ("POST /ingest HTTP/1.1", "OPTIONS * HTTP/1.1"), or any line ending in
 * " HTTP/1.x" (complete: the line's newline was seen). No trace format
 * starts like that. */
static gboolean
looks_like_http (const char *line, gsize len, gboolean complete)
{
  static const char *const methods[] = {
    "GET", "POST", "PUT", "DELETE", "HEAD", "OPTIONS", "PATCH", "CONNECT", "TRACE", "PRI",
  };

  for (gsize i = 0; i < G_N_ELEMENTS (methods); i++)
    {
      gsize n = strlen (methods[i]);
      if (len > n && memcmp (line, methods[i], n) == 0 && line[n] == ' ')
        return TRUE;
    }
  return complete && len >= 9 && memcmp (line + len - 9, " HTTP/1.", 8) == 0 &&
         g_ascii_isdigit (line[len - 1]);
}

/* Equal strings, in a time that depends only on their lengths. */
static gboolean
token_equal (const char *a, gsize la, const char *b)
{
  gsize lb = strlen (b);
  guint8 diff = 0;

  for (gsize i = 0; i < la; i++)
    diff |= (guint8) (a[i] ^ (i < lb ? b[i] : 0));
  return diff == 0 && la == lb;
}

/* TRUE when line is {"token":"TOKEN"} (blanks allowed between the parts;
 * a token has no characters that JSON would escape). */
static gboolean
token_line_ok (const char *line, gsize len, const char *token)
{
  const char *p = line, *end = line + len, *value;
#define SKIP_BLANKS() while (p < end && (*p == ' ' || *p == '\t')) p++
#define EXPECT(lit) \
  G_STMT_START { SKIP_BLANKS (); if ((gsize) (end - p) < strlen (lit) || memcmp (p, lit, strlen (lit)) != 0) return FALSE; p += strlen (lit); } G_STMT_END

  EXPECT ("{");
  EXPECT ("\"token\"");
  EXPECT (":");
  EXPECT ("\"");
  value = p;
  while (p < end && *p != '"' && *p != '\\')
    p++;
  if (p == end || *p != '"')
    return FALSE;
  if (!token_equal (value, (gsize) (p - value), token))
    return FALSE;
  p++;
  EXPECT ("}");
  SKIP_BLANKS ();
  return p == end;
#undef EXPECT
#undef SKIP_BLANKS
}

/* Closes a connection at its first line, with an error line saying why. */
static void
producer_reject (Producer *p, const char *why)
{
  IngestSocketSource *self = p->source;

  self->n_rejected++;
  write_error_line (p->connection, why);
  ingest_source_hooks_note_limited (&self->hooks, &self->rejected_note, p->name,
                                    "connection closed: %s", why);
  producer_close (p);
}

/* Collects the first line; once it is complete (or HEAD_MAX long) checks
 * it and hands what came with it to the parser. FALSE when the producer
 * was closed. */
static gboolean
producer_gate (Producer *p, const guint8 *data, gsize len)
{
  const guint8 *nl;
  gsize line_len, skip = 0;
  g_autoptr(GByteArray) head = NULL;

  g_byte_array_append (p->head, data, (guint) len);
  nl = memchr (p->head->data, '\n', p->head->len);
  if (nl == NULL && p->head->len < HEAD_MAX)
    return TRUE;
  head = g_steal_pointer (&p->head);
  line_len = nl != NULL ? (gsize) (nl - head->data) : head->len;
  if (line_len > 0 && head->data[line_len - 1] == '\r')
    line_len--;
  if (looks_like_http ((const char *) head->data, line_len, nl != NULL))
    {
      producer_reject (p, "this is an actorscope producer port, not an HTTP server");
      return FALSE;
    }
  if (p->needs_token)
    {
      if (nl == NULL || !token_line_ok ((const char *) head->data, line_len, p->source->token))
        {
          producer_reject (p, "missing or wrong token: the first line must be {\"token\":\"TOKEN\"}");
          return FALSE;
        }
      skip = (gsize) (nl + 1 - head->data);
    }
  return producer_consume (p, head->data + skip, head->len - skip);
}

/* Counts lines and feeds the parser. FALSE when the producer was closed
 * (strict mode, fatal error). */
static gboolean
producer_consume (Producer *p, const guint8 *data, gsize len)
{
  g_autoptr(GError) error = NULL;
  guint64 before_skipped;

  {
    /* data may be NULL with len 0 (end of input): memrchr must not see it. */
    const guint8 *nl = len > 0 ? memrchr (data, '\n', len) : NULL;
    if (nl != NULL)
      {
        for (const guint8 *q = data; q <= nl; q++)
          p->n_lines += *q == '\n';
        p->partial = (gsize) (data + len - (nl + 1));
      }
    else
      p->partial += len;
  }

  before_skipped = ingest_parser_n_skipped (p->parser);
  if (!ingest_parser_feed (p->parser, data, len, &error))
    {
      write_error_line (p->connection, error->message);
      ingest_source_hooks_note (&p->source->hooks, INGEST_SOURCE_NOTE_ERROR, p->name,
                                "producer closed: %s", error->message);
      producer_finish (p, "connection lost", TRUE);
      return FALSE;
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
  return TRUE;
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
  p->last_data_us = g_get_monotonic_time ();

  if (p->head != NULL ? !producer_gate (p, op->buf, (gsize) n)
                     : !producer_consume (p, op->buf, (gsize) n))
    return;
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

static guint
source_count_peer (IngestSocketSource *self, GInetAddress *peer)
{
  guint n = 0;
  for (GList *l = self->producers; l != NULL; l = l->next)
    {
      Producer *p = l->data;
      n += p->peer != NULL && g_inet_address_equal (p->peer, peer);
    }
  return n;
}

/* Closes producers that sent nothing for idle_timeout_ms. */
static gboolean
on_idle_check (gpointer user_data)
{
  IngestSocketSource *self = user_data;
  gint64 now = g_get_monotonic_time ();
  gint64 limit = (gint64) self->options.idle_timeout_ms * 1000;
  GList *l = self->producers;

  while (l != NULL)
    {
      Producer *p = l->data;
      l = l->next;
      if (now - p->last_data_us < limit)
        continue;
      {
        g_autofree char *msg = g_strdup_printf ("no data for %u ms: closed (a blank line keeps "
                                                "a quiet producer connected)",
                                                self->options.idle_timeout_ms);
        write_error_line (p->connection, msg);
        ingest_source_hooks_note_limited (&self->hooks, &self->idle_note, p->name, "%s", msg);
        producer_finish (p, "idle timeout", FALSE);
      }
    }
  return G_SOURCE_CONTINUE;
}

static void
producer_accepted (Listener *listener, GSocketConnection *connection)
{
  IngestSocketSource *self = listener->source;
  IngestParserOptions popts = { 0 };
  g_autoptr(GSocketAddress) remote = NULL;
  GInetAddress *peer = NULL;
  Producer *p;

  if (self->n_producers >= self->options.max_producers)
    {
      g_autofree char *msg = g_strdup_printf ("too many producers (limit %u); try again later",
                                              self->options.max_producers);
      self->n_refused++;
      write_error_line (connection, msg);
      g_io_stream_close (G_IO_STREAM (connection), NULL, NULL);
      ingest_source_hooks_note_limited (&self->hooks, &self->refused_note, "listen",
                                        "refused a producer: %s", msg);
      return;
    }

  remote = g_socket_connection_get_remote_address (connection, NULL);
  if (remote != NULL && G_IS_INET_SOCKET_ADDRESS (remote))
    {
      GInetAddress *ia = g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (remote));
      if (!g_inet_address_get_is_loopback (ia))
        peer = ia;
    }
  if (peer != NULL && source_count_peer (self, peer) >= self->options.max_per_address)
    {
      g_autofree char *msg = g_strdup_printf ("too many producers from this address (limit %u)",
                                              self->options.max_per_address);
      self->n_refused++;
      write_error_line (connection, msg);
      g_io_stream_close (G_IO_STREAM (connection), NULL, NULL);
      ingest_source_hooks_note_limited (&self->hooks, &self->refused_note, "listen",
                                        "refused a producer: %s", msg);
      return;
    }

  p = g_new0 (Producer, 1);
  p->source = self;
  p->last_data_us = g_get_monotonic_time ();
  p->peer = peer != NULL ? g_object_ref (peer) : NULL;
  p->connection = g_object_ref (connection);
  p->cancellable = g_cancellable_new ();
  p->name = describe_peer (connection, ++self->next_producer_id);
  p->head = g_byte_array_new ();
  p->needs_token = listener->needs_token;
  popts.format = self->options.format;
  popts.strict = self->options.strict;
  popts.source_name = p->name;
  popts.max_line_bytes = self->options.max_line_bytes;
  p->parser = ingest_parser_new (self->store, &popts);
  self->producers = g_list_prepend (self->producers, p);
  self->n_producers++;
  ingest_source_hooks_note (&self->hooks, INGEST_SOURCE_NOTE_INFO, p->name, "producer connected");
  producer_read (p, NULL);
}

static gboolean on_accept_ready (GSocket *socket, GIOCondition condition, gpointer user_data);

static void
listener_watch (Listener *l)
{
  l->watch = g_socket_create_source (l->socket, G_IO_IN, NULL);
  g_source_set_callback (l->watch, G_SOURCE_FUNC (on_accept_ready), l, NULL);
  g_source_attach (l->watch, g_main_context_get_thread_default ());
}

static gboolean
on_accept_resume (gpointer user_data)
{
  Listener *l = user_data;

  l->resume_id = 0;
  listener_watch (l);
  return G_SOURCE_REMOVE;
}

static gboolean
on_accept_ready (GSocket *socket, GIOCondition condition, gpointer user_data)
{
  Listener *l = user_data;

  for (guint i = 0; i < ACCEPT_BATCH; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GSocket) accepted = g_socket_accept (socket, NULL, &error);
      g_autoptr(GSocketConnection) connection = NULL;

      if (accepted == NULL)
        {
          if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
            break;
          /* A peer that reset before we accepted: next one. */
          if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED) ||
              g_error_matches (error, G_IO_ERROR, G_IO_ERROR_BROKEN_PIPE))
            continue;
          /* Out of descriptors (or memory): what is waiting stays in the
           * kernel's queue; try again after a pause, not at once. */
          ingest_source_hooks_note_limited (&l->source->hooks, &l->source->accept_note, "listen",
                        "cannot accept producers: %s; pausing %d ms at a time until "
                        "descriptors are free (raise ulimit -n or lower --max-producers "
                        "and --max-clients)", error->message, ACCEPT_PAUSE_MS);
          l->watch = NULL;
          l->resume_id = g_timeout_add (ACCEPT_PAUSE_MS, on_accept_resume, l);
          return G_SOURCE_REMOVE;
        }
      connection = g_socket_connection_factory_create_connection (accepted);
      producer_accepted (l, connection);
    }
  return G_SOURCE_CONTINUE;
}

static void
listener_free (Listener *l)
{
  if (l->watch != NULL)
    {
      g_source_destroy (l->watch);
      g_source_unref (l->watch);
    }
  if (l->resume_id != 0)
    g_source_remove (l->resume_id);
  g_socket_close (l->socket, NULL);
  g_object_unref (l->socket);
  g_free (l);
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
  if (self->options.max_per_address == 0)
    self->options.max_per_address = MAX (1, self->options.max_producers / 2);
  self->token = g_strdup (self->options.token);
  if (self->options.idle_timeout_ms > 0)
    self->idle_timer = g_timeout_add (MAX (10, MIN (1000, self->options.idle_timeout_ms / 4)),
                                      on_idle_check, self);
  self->options.token = self->token;
  self->addresses = g_ptr_array_new_with_free_func (g_free);
  self->unix_paths = g_ptr_array_new_with_free_func (g_free);
  self->listeners = g_ptr_array_new_with_free_func ((GDestroyNotify) listener_free);
  return self;
}

void
ingest_socket_source_free (IngestSocketSource *self)
{
  if (self == NULL)
    return;
  g_ptr_array_unref (self->listeners);
  if (self->idle_timer != 0)
    g_source_remove (self->idle_timer);
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
  g_free (self->token);
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
  gboolean needs_token = FALSE;

  if (address == NULL)
    return FALSE;
  if (G_IS_INET_SOCKET_ADDRESS (address))
    {
      GInetAddress *ia = g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (address));
      needs_token = !g_inet_address_get_is_loopback (ia);
      /* As for the web server: beyond loopback only with a token (any
       * host, or any web page, could send events otherwise). */
      if (needs_token && self->token == NULL)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                       "%s is beyond loopback: producers there need a token (--token-file)",
                       spec);
          return FALSE;
        }
    }
  if (G_IS_UNIX_SOCKET_ADDRESS (address))
    {
      const char *path = g_unix_socket_address_get_path (G_UNIX_SOCKET_ADDRESS (address));
      /* A socket file left by a previous run would make bind fail; only
       * remove it if it is a socket, never a regular file. */
      GStatBuf st;
      if (g_lstat (path, &st) == 0 && S_ISSOCK (st.st_mode))
        g_unlink (path);
    }
  {
    g_autoptr(GSocket) socket = g_socket_new (g_socket_address_get_family (address),
                                              G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_DEFAULT,
                                              error);
    Listener *l;

    if (socket == NULL)
      return FALSE;
    g_socket_set_blocking (socket, FALSE);
    g_socket_set_listen_backlog (socket, 128);
    if (!g_socket_bind (socket, address, TRUE, error) || !g_socket_listen (socket, error) ||
        (effective = g_socket_get_local_address (socket, error)) == NULL)
      return FALSE;
    l = g_new0 (Listener, 1);
    l->source = self;
    l->socket = g_steal_pointer (&socket);
    l->needs_token = needs_token;
    listener_watch (l);
    g_ptr_array_add (self->listeners, l);
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

guint64
ingest_socket_source_n_rejected (IngestSocketSource *self)
{
  return self != NULL ? self->n_rejected : 0;
}
