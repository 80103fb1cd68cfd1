/* ingest-source-mswitch.c: long-poll client of message-switch's /trace. */
#include "config.h"

#include <gio/gunixsocketaddress.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ingest-source-mswitch.h"
#include "ingest-parser.h"

#define READ_CHUNK (64 * 1024)

struct _IngestMswitchSource {
  IngestStore *store;
  IngestMswitchOptions options;
  IngestSourceHooks hooks;
  char *name;
  char *host_header;
  GSocketConnectable *connectable;
  GSocketClient *client;
  /* One per poll: cancelled when the poll is abandoned (deadline) or the
   * source is freed. Callbacks that see CANCELLED return without touching
   * the source, which may be gone. */
  GCancellable *cancellable;
  GSocketConnection *connection;
  guint deadline;            /* abandons a poll that takes too long */
  GByteArray *response;
  char *request;
  guint8 *buf;
  guint timer;
  gboolean outage_reported;
  /* After a failure the next poll asks from next - 1 and compares that
   * event with last_item (its "[ID,{...}]" text) to tell a restarted broker
   * from the same one; see the header. */
  gboolean probing;
  GBytes *last_item;
  /* One parser for the whole session, fed every answer: it keeps the
   * broker epoch, so message ids repeating after a restart ("q#0" again)
   * get new keys ("q#0@1") and never pair with messages of the old broker. */
  IngestParser *parser;
  guint64 reported;
  IngestMswitchStats stats;
};

static void poll_start (IngestMswitchSource *self);
static gboolean on_retry_timer (gpointer user_data);

GArray *
ingest_mswitch_split_body (const char *body, gsize len, GError **error)
{
  g_autoptr(GArray) items = g_array_new (FALSE, FALSE, sizeof (IngestMswitchItem));
  int depth = 0;
  gboolean in_str = FALSE, esc = FALSE, seen_events = FALSE;
  IngestMswitchItem cur = { 0 };

  for (gsize i = 0; i < len; i++)
    {
      char c = body[i];
      if (in_str)
        {
          if (esc)
            esc = FALSE;
          else if (c == '\\')
            esc = TRUE;
          else if (c == '"')
            in_str = FALSE;
          continue;
        }
      switch (c)
        {
        case '"':
          if (depth == 2)
            goto bad;
          in_str = TRUE;
          if (depth == 1 && len - i > 8 && memcmp (body + i, "\"events\"", 8) == 0)
            seen_events = TRUE;
          break;
        case '{':
        case '[':
          /* {"events":[[ID,{...}],...]}: the value at depth 1 and each
           * element are arrays. */
          if ((depth == 0 && c != '{') || ((depth == 1 || depth == 2) && c != '['))
            goto bad;
          depth++;
          if (depth > 64)
            goto bad;
          if (depth == 3 && c == '[')
            {
              gsize j = i + 1, d0;
              while (j < len && (body[j] == ' ' || body[j] == '\n' || body[j] == '\r' || body[j] == '\t'))
                j++;
              cur.start = i;
              /* Parsed by hand: the body is not NUL-terminated (strtoll could
               * read past it), and the id must be >= 0 and leave room for
               * id + 1 (the next poll's "from"). */
              cur.id = 0;
              for (d0 = j; j < len && g_ascii_isdigit (body[j]); j++)
                {
                  if (cur.id > (G_MAXINT64 - 1 - (body[j] - '0')) / 10)
                    goto bad;
                  cur.id = cur.id * 10 + (body[j] - '0');
                }
              if (j == d0)
                goto bad;
            }
          break;
        case '}':
        case ']':
          if (depth == 0)
            goto bad;
          if (depth == 3 && c == ']')
            {
              cur.end = i + 1;
              g_array_append_val (items, cur);
            }
          depth--;
          break;
        case ' ': case '\n': case '\r': case '\t': case ',':
          break;
        default:
          /* Nothing but elements inside the events array. */
          if (depth == 2)
            goto bad;
          break;
        }
    }
  if (depth != 0 || in_str || !seen_events)
    goto bad;
  return g_steal_pointer (&items);

bad:
  g_set_error (error, INGEST_ERROR, INGEST_ERROR_SYNTAX,
               "not a message-switch /trace body (expected {\"events\":[[ID,{...}],...]})");
  return NULL;
}

static void
schedule_retry (IngestMswitchSource *self, const char *why)
{
  self->stats.failures++;
  self->stats.connected = FALSE;
  /* Whatever happened, the broker may have restarted before the next
   * answer: check (see the header). */
  self->probing = self->last_item != NULL;
  if (!self->outage_reported)
    {
      self->stats.outages++;
      ingest_source_hooks_note (&self->hooks, INGEST_SOURCE_NOTE_WARNING, self->name,
                                "broker unavailable (%s); retrying with backoff", why);
    }
  self->outage_reported = TRUE;
  self->stats.backoff_ms = self->stats.backoff_ms == 0
    ? self->options.backoff_min_ms
    : MIN (self->stats.backoff_ms * 2, self->options.backoff_max_ms);
  self->timer = g_timeout_add (self->stats.backoff_ms, on_retry_timer, self);
}

static gboolean
on_retry_timer (gpointer user_data)
{
  IngestMswitchSource *self = user_data;

  self->timer = 0;
  poll_start (self);
  return G_SOURCE_REMOVE;
}

/* A new broker process: its ids start again at 0. Poll from 0 so every
 * event it still holds is read; the parser sees the ids go back and starts
 * a new key epoch (and counts a first id above 0 as lost). */
static void
restart_detected (IngestMswitchSource *self, const char *how)
{
  self->stats.restarts++;
  ingest_source_hooks_note (&self->hooks, INGEST_SOURCE_NOTE_WARNING, self->name,
                            "the broker restarted (%s); reading its events from id 0; events "
                            "between the last poll and the restart may be lost", how);
  self->stats.next = 0;
  g_clear_pointer (&self->last_item, g_bytes_unref);
}

/* Returns FALSE when the body is not a /trace answer (noted). */
static gboolean
handle_body (IngestMswitchSource *self, const char *body, gsize len)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) items = ingest_mswitch_split_body (body, len, &error);
  g_autoptr(GString) kept = NULL;
  IngestStoreCounters *counters = ingest_store_counters (self->store);
  gint64 next = self->stats.next;
  guint n_kept = 0, from = 0;
  IngestMswitchItem *last = NULL;
  gboolean probing = self->probing;

  if (items == NULL)
    {
      ingest_source_hooks_note (&self->hooks, INGEST_SOURCE_NOTE_WARNING, self->name,
                                "bad answer from the broker: %s", error->message);
      return FALSE;
    }
  self->stats.polls++;
  self->probing = FALSE;
  if (probing)
    {
      /* We asked from next - 1 (next >= 1) and kept that event's text. */
      IngestMswitchItem *first = items->len > 0 ? &g_array_index (items, IngestMswitchItem, 0) : NULL;
      if (first == NULL)
        {
          restart_detected (self, "after reconnecting it holds no event as recent as the last one read");
          return TRUE;
        }
      if (first->id == next - 1)
        {
          gsize old_len;
          const char *old = g_bytes_get_data (self->last_item, &old_len);
          if (old_len != first->end - first->start
              || memcmp (old, body + first->start, old_len) != 0)
            {
              restart_detected (self, "after reconnecting its event with the last id read differs");
              return TRUE;
            }
          from = 1; /* the same broker: that event is ours already */
        }
      else if (first->id < next - 1)
        {
          restart_detected (self, "after reconnecting its ids are below the last one read");
          return TRUE;
        }
    }
  if (from >= items->len)
    return TRUE;

  {
    IngestMswitchItem *first = &g_array_index (items, IngestMswitchItem, from);
    if (next < 0 && self->stats.events == 0 && self->stats.restarts == 0 && first->id > 0)
      {
        /* Ids start at 0: the ring dropped these before we attached.
         * Counted here for the source's stats; the parser, which sees the
         * first id, counts it in the store. */
        self->stats.lost_before_attach += (guint64) first->id;
        ingest_source_hooks_note (&self->hooks, INGEST_SOURCE_NOTE_INFO, self->name,
                                  "%" G_GINT64_FORMAT " events (ids 0..%" G_GINT64_FORMAT
                                  ") were gone from the broker's trace ring before attaching",
                                  first->id, first->id - 1);
      }
    else if (next >= 0 && first->id > next)
      {
        /* Counted here for the source's stats; the parser, which sees the
         * id jump, counts it in the store. */
        guint64 lost = (guint64) (first->id - next);
        self->stats.lost += lost;
        ingest_source_hooks_note (&self->hooks, INGEST_SOURCE_NOTE_WARNING, self->name,
                                  "lost %" G_GUINT64_FORMAT " events (ids %" G_GINT64_FORMAT
                                  "..%" G_GINT64_FORMAT "): the broker's trace ring wrapped "
                                  "before they were read",
                                  lost, next, first->id - 1);
      }
    else if (next >= 0 && first->id < next)
      {
        /* The broker answers with ids >= from; a smaller first id means a
         * new broker process whose counter started again at 0. */
        self->stats.restarts++;
        self->stats.lost += (guint64) first->id; /* the new broker's ids before first */
        ingest_source_hooks_note (&self->hooks, INGEST_SOURCE_NOTE_WARNING, self->name,
                                  "the broker restarted (ids went back from %" G_GINT64_FORMAT
                                  " to %" G_GINT64_FORMAT "); events between the last poll and "
                                  "the restart may be lost",
                                  next, first->id);
        next = -1;
      }
  }

  /* Each element as a body of its own on its own line: the parser drops
   * the rest of a line after a syntax error, which must cost one event,
   * not the rest of the answer. */
  kept = g_string_sized_new (len + 16);
  for (guint i = from; i < items->len; i++)
    {
      IngestMswitchItem *it = &g_array_index (items, IngestMswitchItem, i);
      if (next >= 0 && it->id < next)
        {
          self->stats.duplicates++;
          counters->duplicate_events++;
          continue;
        }
      n_kept++;
      g_string_append (kept, "{\"events\":[");
      g_string_append_len (kept, body + it->start, (gssize) (it->end - it->start));
      g_string_append (kept, "]}\n");
      next = it->id + 1;
      last = it;
    }
  if (last != NULL)
    {
      g_clear_pointer (&self->last_item, g_bytes_unref);
      self->last_item = g_bytes_new (body + last->start, last->end - last->start);
    }
  self->stats.next = next;
  if (n_kept == 0)
    return TRUE;

  if (self->parser == NULL)
    {
      IngestParserOptions popts = { 0 };
      popts.format = INGEST_FORMAT_MSWITCH;
      popts.source_name = self->name;
      popts.max_line_bytes = self->options.max_body_bytes + 64;
      self->parser = ingest_parser_new (self->store, &popts);
      self->reported = 0;
    }
  if (!ingest_parser_feed (self->parser, (const guint8 *) kept->str, kept->len, &error))
    {
      /* Unrecoverable for this parser: start a fresh one next time. */
      ingest_source_hooks_note (&self->hooks, INGEST_SOURCE_NOTE_WARNING, self->name,
                                "%s", error->message);
      g_clear_pointer (&self->parser, ingest_parser_free);
    }
  else
    ingest_source_report_parser (&self->hooks, self->name, self->parser, &self->reported);
  self->stats.events += n_kept;
  ingest_source_hooks_appended (&self->hooks);
  return TRUE;
}

IngestMswitchHttp
ingest_mswitch_parse_response (const char *data, gsize len, gboolean eof,
                               IngestMswitchResponse *out, GError **error)
{
  const char *hdr_end;
  const char *line, *line_end;
  gint64 content_length = -1;
  int status = 0;
  gsize head_len, body_off, body_len;

  memset (out, 0, sizeof *out);
  /* memmem, not g_strstr_len: a NUL in the answer must not hide the end
   * of the headers. */
  hdr_end = len > 0 ? memmem (data, MIN (len, INGEST_MSWITCH_MAX_HEADER_BYTES), "\r\n\r\n", 4)
                    : NULL; /* data may be NULL then (an empty GByteArray) */
  if (hdr_end == NULL)
    {
      if (len >= INGEST_MSWITCH_MAX_HEADER_BYTES)
        {
          g_set_error (error, INGEST_ERROR, INGEST_ERROR_SYNTAX,
                       "HTTP headers longer than %d bytes", INGEST_MSWITCH_MAX_HEADER_BYTES);
          return INGEST_MSWITCH_HTTP_BAD;
        }
      if (eof)
        {
          g_set_error (error, INGEST_ERROR, INGEST_ERROR_SYNTAX,
                       "the connection closed before the HTTP headers ended (%" G_GSIZE_FORMAT
                       " bytes)", len);
          return INGEST_MSWITCH_HTTP_BAD;
        }
      return INGEST_MSWITCH_HTTP_INCOMPLETE;
    }
  head_len = (gsize) (hdr_end - data);
  /* Status line: "HTTP/1.x NNN reason". Parsed by hand: the buffer is not
   * NUL-terminated and may hold NULs. */
  if (head_len < 12 || memcmp (data, "HTTP/1.", 7) != 0 || !g_ascii_isdigit (data[7])
      || data[8] != ' ' || !g_ascii_isdigit (data[9]) || !g_ascii_isdigit (data[10])
      || !g_ascii_isdigit (data[11]) || (head_len > 12 && data[12] != ' ' && data[12] != '\r'))
    {
      g_set_error (error, INGEST_ERROR, INGEST_ERROR_SYNTAX, "not an HTTP/1.x status line");
      return INGEST_MSWITCH_HTTP_BAD;
    }
  status = (data[9] - '0') * 100 + (data[10] - '0') * 10 + (data[11] - '0');
  line = memchr (data, '\n', head_len);
  while (line != NULL && line < hdr_end)
    {
      line++;
      line_end = memchr (line, '\r', (gsize) (hdr_end - line));
      if (line_end == NULL)
        line_end = hdr_end;
      if ((gsize) (line_end - line) >= 15 && g_ascii_strncasecmp (line, "content-length:", 15) == 0)
        {
          const char *p = line + 15;
          guint64 v = 0;
          gboolean digits = FALSE;
          while (p < line_end && (*p == ' ' || *p == '\t'))
            p++;
          for (; p < line_end && g_ascii_isdigit (*p); p++)
            {
              if (v > (G_MAXINT64 - 9) / 10)
                break;
              v = v * 10 + (guint64) (*p - '0');
              digits = TRUE;
            }
          while (p < line_end && (*p == ' ' || *p == '\t'))
            p++;
          if (!digits || p != line_end || (content_length >= 0 && (guint64) content_length != v))
            {
              g_set_error (error, INGEST_ERROR, INGEST_ERROR_SYNTAX, "bad Content-Length header");
              return INGEST_MSWITCH_HTTP_BAD;
            }
          content_length = (gint64) v;
        }
      line = memchr (line, '\n', (gsize) (hdr_end - line));
    }
  body_off = head_len + 4;
  body_len = len - body_off;
  out->status = status;
  out->body_offset = body_off;
  out->content_length = content_length;
  if (content_length >= 0 && body_len < (guint64) content_length)
    {
      if (!eof)
        return INGEST_MSWITCH_HTTP_INCOMPLETE;
      g_set_error (error, INGEST_ERROR, INGEST_ERROR_SYNTAX,
                   "the connection closed after %" G_GSIZE_FORMAT " of %" G_GINT64_FORMAT
                   " body bytes", body_len, content_length);
      return INGEST_MSWITCH_HTTP_BAD;
    }
  if (content_length < 0 && !eof)
    return INGEST_MSWITCH_HTTP_INCOMPLETE;
  out->body_len = content_length >= 0 ? (gsize) content_length : body_len;
  return INGEST_MSWITCH_HTTP_COMPLETE;
}

/* Returns TRUE when the response is complete (headers + content-length
 * bytes) and handles it; FALSE when more bytes are needed. Sets *failed on
 * an answer we can't use (noted and counted). */
static gboolean
try_complete (IngestMswitchSource *self, gboolean eof, gboolean *failed)
{
  const char *data = (const char *) self->response->data;
  g_autoptr(GError) error = NULL;
  IngestMswitchResponse response;

  *failed = TRUE;
  switch (ingest_mswitch_parse_response (data, self->response->len, eof, &response, &error))
    {
    case INGEST_MSWITCH_HTTP_INCOMPLETE:
      /* Refuse an announced body over the limit before reading it. */
      if (response.content_length >= 0
          && (guint64) response.content_length > self->options.max_body_bytes)
        {
          ingest_source_hooks_note (&self->hooks, INGEST_SOURCE_NOTE_WARNING, self->name,
                                    "bad answer from the broker: a body of %" G_GINT64_FORMAT
                                    " bytes announced, more than the %" G_GSIZE_FORMAT
                                    " allowed", response.content_length,
                                    self->options.max_body_bytes);
          self->stats.bad_answers++;
          return TRUE;
        }
      *failed = FALSE;
      return FALSE;
    case INGEST_MSWITCH_HTTP_BAD:
      ingest_source_hooks_note (&self->hooks, INGEST_SOURCE_NOTE_WARNING, self->name,
                                "bad answer from the broker: %s", error->message);
      self->stats.bad_answers++;
      return TRUE;
    case INGEST_MSWITCH_HTTP_COMPLETE:
    default:
      break;
    }
  if (response.status != 200)
    {
      ingest_source_hooks_note (&self->hooks, INGEST_SOURCE_NOTE_WARNING, self->name,
                                "bad answer from the broker: HTTP status %d", response.status);
      self->stats.bad_answers++;
      return TRUE;
    }
  if (response.body_len > self->options.max_body_bytes)
    {
      ingest_source_hooks_note (&self->hooks, INGEST_SOURCE_NOTE_WARNING, self->name,
                                "bad answer from the broker: larger than %" G_GSIZE_FORMAT
                                " bytes", self->options.max_body_bytes);
      self->stats.bad_answers++;
      return TRUE;
    }
  if (!handle_body (self, data + response.body_offset, response.body_len))
    {
      self->stats.bad_answers++;
      return TRUE;
    }
  if (self->outage_reported)
    ingest_source_hooks_note (&self->hooks, INGEST_SOURCE_NOTE_INFO, self->name,
                              "connected to the broker again");
  self->outage_reported = FALSE;
  self->stats.backoff_ms = 0;
  self->stats.connected = TRUE;
  *failed = FALSE;
  return TRUE;
}

/* Ends the current poll: the next one starts at once, or after the backoff
 * when this one failed. */
static void
poll_done (IngestMswitchSource *self, gboolean failed, const char *why)
{
  if (self->deadline != 0)
    g_source_remove (self->deadline);
  self->deadline = 0;
  /* Cancelled: nothing of this poll can call back into the source. */
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  /* The last reference may be held by an operation still pending (an
   * abandoned read); the socket closes when that completes. */
  g_clear_object (&self->connection);
  g_byte_array_set_size (self->response, 0);
  if (failed)
    schedule_retry (self, why);
  else
    self->timer = g_idle_add (on_retry_timer, self);
}

static gboolean
on_deadline (gpointer user_data)
{
  IngestMswitchSource *self = user_data;
  g_autofree char *why = g_strdup_printf ("no complete answer within %.1f s",
                                          self->options.poll_timeout_s
                                          + self->options.answer_grace_ms / 1000.0);

  self->deadline = 0;
  self->stats.timeouts++;
  ingest_source_hooks_note (&self->hooks, INGEST_SOURCE_NOTE_WARNING, self->name,
                            "the broker did not answer a poll (%s); retrying", why);
  poll_done (self, TRUE, why);
  return G_SOURCE_REMOVE;
}

static void
on_read (GObject *object, GAsyncResult *result, gpointer user_data)
{
  IngestMswitchSource *self;
  g_autoptr(GError) error = NULL;
  gssize n = g_input_stream_read_finish (G_INPUT_STREAM (object), result, &error);
  gboolean failed = FALSE;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  self = user_data;
  if (n < 0)
    {
      poll_done (self, TRUE, error->message);
      return;
    }
  g_byte_array_append (self->response, self->buf, (guint) n);
  if (self->response->len > self->options.max_body_bytes + INGEST_MSWITCH_MAX_HEADER_BYTES)
    {
      ingest_source_hooks_note (&self->hooks, INGEST_SOURCE_NOTE_WARNING, self->name,
                                "bad answer from the broker: larger than %" G_GSIZE_FORMAT
                                " bytes", self->options.max_body_bytes);
      self->stats.bad_answers++;
      poll_done (self, TRUE, "answer too large");
      return;
    }
  if (try_complete (self, n == 0, &failed))
    {
      poll_done (self, failed, "bad answer");
      return;
    }
  g_input_stream_read_async (G_INPUT_STREAM (object), self->buf, READ_CHUNK, G_PRIORITY_DEFAULT,
                             self->cancellable, on_read, self);
}

static void
on_written (GObject *object, GAsyncResult *result, gpointer user_data)
{
  IngestMswitchSource *self;
  g_autoptr(GError) error = NULL;

  if (!g_output_stream_write_all_finish (G_OUTPUT_STREAM (object), result, NULL, &error))
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      poll_done (user_data, TRUE, error->message);
      return;
    }
  self = user_data;
  g_input_stream_read_async (g_io_stream_get_input_stream (G_IO_STREAM (self->connection)),
                             self->buf, READ_CHUNK, G_PRIORITY_DEFAULT, self->cancellable,
                             on_read, self);
}

static void
on_connected (GObject *object, GAsyncResult *result, gpointer user_data)
{
  IngestMswitchSource *self;
  g_autoptr(GError) error = NULL;
  GSocketConnection *connection =
    g_socket_client_connect_finish (G_SOCKET_CLIENT (object), result, &error);
  gint64 from;

  if (connection == NULL)
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      poll_done (user_data, TRUE, error->message);
      return;
    }
  self = user_data;
  self->connection = connection;
  from = self->probing && self->stats.next >= 1 ? self->stats.next - 1 : self->stats.next;
  g_free (self->request);
  self->request = g_strdup_printf ("GET /trace/%" G_GINT64_FORMAT "/%.3f HTTP/1.1\r\n"
                                   "Host: %s\r\nConnection: close\r\n\r\n",
                                   from, self->options.poll_timeout_s, self->host_header);
  g_output_stream_write_all_async (g_io_stream_get_output_stream (G_IO_STREAM (connection)),
                                   self->request, strlen (self->request), G_PRIORITY_DEFAULT,
                                   self->cancellable, on_written, self);
}

static void
poll_start (IngestMswitchSource *self)
{
  guint ms = (guint) MIN (self->options.poll_timeout_s * 1000.0 + self->options.answer_grace_ms,
                          (double) G_MAXINT);

  self->timer = 0;
  self->cancellable = g_cancellable_new ();
  self->deadline = g_timeout_add (ms, on_deadline, self);
  g_socket_client_connect_async (self->client, self->connectable, self->cancellable,
                                 on_connected, self);
}

IngestMswitchSource *
ingest_mswitch_source_new (IngestStore *store, const char *target,
                           const IngestMswitchOptions *options, const IngestSourceHooks *hooks,
                           GError **error)
{
  IngestMswitchSource *self;
  GSocketConnectable *connectable = NULL;
  g_autofree char *host_header = NULL;

  if (target != NULL && g_str_has_prefix (target, "unix:") && target[5] != '\0')
    {
      connectable = G_SOCKET_CONNECTABLE (g_unix_socket_address_new (target + 5));
      host_header = g_strdup ("localhost");
    }
  else if (target != NULL && g_str_has_prefix (target, "http://"))
    {
      g_autofree char *hostport = g_strdup (target + 7);
      char *slash = strchr (hostport, '/');
      if (slash != NULL)
        *slash = '\0';
      connectable = g_network_address_parse (hostport, 80, error);
      if (connectable == NULL)
        return NULL;
      host_header = g_strdup (hostport);
    }
  else
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "bad message-switch address \"%s\" (expected unix:PATH or http://HOST:PORT)",
                   target != NULL ? target : "");
      return NULL;
    }

  self = g_new0 (IngestMswitchSource, 1);
  self->store = store;
  if (options != NULL)
    self->options = *options;
  if (self->options.poll_timeout_s <= 0)
    self->options.poll_timeout_s = 5;
  if (self->options.backoff_min_ms == 0)
    self->options.backoff_min_ms = 100;
  if (self->options.backoff_max_ms == 0)
    self->options.backoff_max_ms = 5000;
  if (self->options.max_body_bytes == 0)
    self->options.max_body_bytes = 64 * 1024 * 1024;
  if (self->options.answer_grace_ms == 0)
    self->options.answer_grace_ms = 10000;
  /* A poll is bounded by poll_start's deadline; a huge timeout would not
   * fit its milliseconds. */
  self->options.poll_timeout_s = MIN (self->options.poll_timeout_s, 24 * 3600.0);
  if (hooks != NULL)
    self->hooks = *hooks;
  self->name = g_strdup_printf ("mswitch:%s", target);
  self->host_header = g_steal_pointer (&host_header);
  self->connectable = connectable;
  /* No socket timeout: a long poll legitimately stays silent for
   * poll_timeout_s, and poll_start's deadline bounds the whole poll. */
  self->client = g_socket_client_new ();
  self->response = g_byte_array_new ();
  self->buf = g_malloc (READ_CHUNK);
  self->stats.next = -1;
  poll_start (self);
  return self;
}

void
ingest_mswitch_source_free (IngestMswitchSource *self)
{
  if (self == NULL)
    return;
  if (self->timer != 0)
    g_source_remove (self->timer);
  if (self->deadline != 0)
    g_source_remove (self->deadline);
  /* Pending callbacks see CANCELLED and touch nothing (they check before
   * using user_data); socket reads fill the buffer only in the iteration
   * that completes them, so no read can land in the freed buffer. */
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->connection);
  g_clear_pointer (&self->last_item, g_bytes_unref);
  g_clear_object (&self->client);
  g_clear_object (&self->connectable);
  if (self->parser != NULL)
    {
      g_autoptr(GError) error = NULL;
      if (!ingest_parser_finish (self->parser, &error))
        ingest_source_hooks_note (&self->hooks, INGEST_SOURCE_NOTE_WARNING, self->name,
                                  "%s", error->message);
      ingest_parser_free (self->parser);
    }
  g_byte_array_unref (self->response);
  g_free (self->request);
  g_free (self->buf);
  g_free (self->host_header);
  g_free (self->name);
  g_free (self);
}

void
ingest_mswitch_source_get_stats (IngestMswitchSource *self, IngestMswitchStats *out)
{
  *out = self->stats;
}
