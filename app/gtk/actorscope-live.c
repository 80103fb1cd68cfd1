/* actorscope-live.c: attach to a running `actorscope serve` (/events) or
 * to a message-switch broker. The websocket itself is web/'s WebClient;
 * this file feeds what arrives into the document and decides when to
 * reconnect. */
#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "actorscope-live.h"
#include "ingest-native-writer.h"
#include "ingest-source-mswitch.h"

#define BACKOFF_MIN_MS 250
#define BACKOFF_MAX_MS 5000
/* Input parked while a view build holds the read lock; past this the
 * append waits for the build instead (bounded memory). */
#define MAX_PENDING_BYTES (16 * 1024 * 1024)

#ifdef ACTORSCOPE_HAVE_WEB
#include "web-client.h"
#endif

struct _ActorscopeLive {
  GObject parent_instance;
  char *host;
  guint port;
  char *path;
  ActorscopeDocument *document;
  IngestParser *parser;
  guint64 n_records;
  gboolean connected;
  gboolean failed;
  gboolean stopping;
  guint notify_id;
  GByteArray *pending;          /* received, not yet appended (store locked) */
  guint flush_id;
  guint reconnect_id;
  guint backoff_ms;
  guint n_connects;
  /* message-switch: the ingest long-poll client appends to a staging store
   * of its own (it cannot take the document's lock); each batch is copied
   * into the document as native NDJSON through the same locked path. */
  gboolean is_mswitch;
  char *target;
  IngestStore *staging;
  IngestMswitchSource *mswitch;
  guint64 staged;               /* staging events already copied */
#ifdef ACTORSCOPE_HAVE_WEB
  WebClient *client;
#endif
};

G_DEFINE_FINAL_TYPE (ActorscopeLive, actorscope_live, G_TYPE_OBJECT)

enum { STATE, N_SIGNALS };
static guint signals[N_SIGNALS];

static gboolean
parse_url (ActorscopeLive *self, const char *url, GError **error)
{
  g_autoptr(GUri) uri = NULL;
  const char *path, *query;

  if (g_str_has_prefix (url, "unix:") || g_str_has_prefix (url, "http://"))
    {
      self->is_mswitch = TRUE;
      self->target = g_strdup (url);
      return TRUE;
    }
  uri = g_uri_parse (url, G_URI_FLAGS_NONE, NULL);
  if (uri == NULL || g_strcmp0 (g_uri_get_scheme (uri), "ws") != 0 || g_uri_get_host (uri) == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   _("“%s” is not a ws://host:port/events, unix:PATH or http://host:port address"), url);
      return FALSE;
    }
  self->host = g_strdup (g_uri_get_host (uri));
  self->port = g_uri_get_port (uri) > 0 ? (guint) g_uri_get_port (uri) : 80;
  path = g_uri_get_path (uri);
  query = g_uri_get_query (uri);
  if (path == NULL || *path == '\0' || g_str_equal (path, "/"))
    path = "/events";
  self->path = query ? g_strdup_printf ("%s?%s", path, query) : g_strdup (path);
  return TRUE;
}

static void
emit_state (ActorscopeLive *self, const char *message, gboolean failed)
{
  g_signal_emit (self, signals[STATE], 0, message, failed);
}

/* Coalesce document notifications: at most one per 100 ms, whatever the
 * message rate, so the UI rebuilds at a human pace. */
static gboolean
notify_cb (gpointer user_data)
{
  ActorscopeLive *self = user_data;

  self->notify_id = 0;
  if (self->document != NULL)
    actorscope_document_notify_appended (self->document);
  return G_SOURCE_REMOVE;
}

/* Appends everything pending under the document's write lock. With block
 * FALSE it gives up (and retries shortly) while a view build reads. */
static gboolean flush_cb (gpointer user_data);

static void
flush (ActorscopeLive *self, gboolean block)
{
  g_autoptr(GError) error = NULL;
  gboolean ok;

  if (self->parser == NULL || self->failed || self->pending->len == 0)
    return;
  if (block)
    actorscope_document_write_lock (self->document);
  else if (!actorscope_document_try_write_lock (self->document))
    {
      if (self->flush_id == 0)
        self->flush_id = g_timeout_add (20, flush_cb, self);
      return;
    }
  ok = ingest_parser_feed (self->parser, self->pending->data, self->pending->len, &error);
  actorscope_document_write_unlock (self->document);
  g_byte_array_set_size (self->pending, 0);
  if (!ok)
    {
      g_autofree char *msg = g_strdup_printf (_("The live stream sent bad data: %s"), error->message);
      self->failed = TRUE;
      emit_state (self, msg, TRUE);
      return;
    }
  self->n_records = ingest_parser_n_records (self->parser);
  if (self->notify_id == 0)
    self->notify_id = g_timeout_add (100, notify_cb, self);
}

static gboolean
flush_cb (gpointer user_data)
{
  ActorscopeLive *self = user_data;

  self->flush_id = 0;
  flush (self, FALSE);
  return G_SOURCE_REMOVE;
}

static void
feed (ActorscopeLive *self, const void *data, gsize len)
{
  if (self->parser == NULL || self->failed)
    return;
  g_byte_array_append (self->pending, data, (guint) len);
  flush (self, self->pending->len > MAX_PENDING_BYTES);
}

/* ---- message-switch ---- */

static void
on_mswitch_appended (gpointer user_data)
{
  ActorscopeLive *self = user_data;
  guint64 n = ingest_store_n_events (self->staging);
  g_autoptr(GString) out = g_string_new (NULL);

  for (; self->staged < n; self->staged++)
    ingest_native_format_event (self->staging, self->staged, out);
  if (!self->connected)
    {
      self->connected = TRUE;
      emit_state (self, _("Connected to the message-switch broker"), FALSE);
    }
  feed (self, out->str, out->len);
}

static void
on_mswitch_note (IngestSourceNoteLevel level, const char *source, const char *message,
                 gpointer user_data)
{
  ActorscopeLive *self = user_data;

  /* The broker's outages are retried by the source itself (backoff). */
  if (level == INGEST_SOURCE_NOTE_WARNING && g_str_has_prefix (message, "broker unreachable"))
    self->connected = FALSE;
  g_debug ("%s: %s", source, message);
}

static void
start_mswitch (ActorscopeLive *self)
{
  g_autoptr(GError) error = NULL;
  IngestMswitchOptions options = { .poll_timeout_s = 2, .backoff_min_ms = BACKOFF_MIN_MS,
                                   .backoff_max_ms = BACKOFF_MAX_MS };
  IngestSourceHooks hooks = { on_mswitch_appended, on_mswitch_note, self };

  self->staging = ingest_store_new ();
  self->mswitch = ingest_mswitch_source_new (self->staging, self->target, &options, &hooks, &error);
  if (self->mswitch == NULL)
    {
      self->failed = TRUE;
      emit_state (self, error->message, TRUE);
    }
}

#ifdef ACTORSCOPE_HAVE_WEB
static void schedule_reconnect (ActorscopeLive *self);

static void
on_client_connected (gpointer user_data)
{
  ActorscopeLive *self = user_data;

  self->connected = TRUE;
  self->backoff_ms = 0;
  emit_state (self, _("Connected to the live service"), FALSE);
}

static void
on_client_received (const void *data, gsize len, gpointer user_data)
{
  /* Fragments go straight to the push parser: it takes any split. */
  feed (user_data, data, len);
}

static void
on_client_closed (gpointer user_data)
{
  ActorscopeLive *self = user_data;

  self->connected = FALSE;
  if (!self->stopping && !self->failed)
    schedule_reconnect (self);
}

static void connect_ws (ActorscopeLive *self);

static gboolean
reconnect_cb (gpointer user_data)
{
  ActorscopeLive *self = user_data;

  self->reconnect_id = 0;
  connect_ws (self);
  return G_SOURCE_REMOVE;
}

/* The service went away (restart, network): try again, waiting longer
 * each time (250 ms doubling up to 5 s), from the next event we lack. */
static void
schedule_reconnect (ActorscopeLive *self)
{
  g_autofree char *msg = NULL;

  self->backoff_ms = self->backoff_ms == 0 ? BACKOFF_MIN_MS : MIN (self->backoff_ms * 2, BACKOFF_MAX_MS);
  msg = g_strdup_printf (_("The live service is unreachable; trying again in %.1f s"),
                         self->backoff_ms / 1000.0);
  emit_state (self, msg, FALSE);
  g_clear_handle_id (&self->reconnect_id, g_source_remove);
  self->reconnect_id = g_timeout_add (self->backoff_ms, reconnect_cb, self);
}

static void
connect_ws (ActorscopeLive *self)
{
  g_autofree char *path = NULL;
  guint64 have = ingest_store_n_events (actorscope_document_get_store (self->document));

  /* After a reconnection ask only for what we lack. */
  path = have == 0 ? g_strdup (self->path)
                   : g_strdup_printf ("%s%sfrom=%" G_GUINT64_FORMAT, self->path,
                                      strchr (self->path, '?') ? "&" : "?", have);
  self->n_connects++;
  if (!web_client_connect (self->client, path) && self->reconnect_id == 0)
    schedule_reconnect (self);
}
#endif

void
actorscope_live_start (ActorscopeLive *self, ActorscopeDocument *document)
{
  IngestParserOptions options = { .format = INGEST_FORMAT_NATIVE, .source_name = "live" };

  g_return_if_fail (ACTORSCOPE_IS_LIVE (self));
  g_return_if_fail (ACTORSCOPE_IS_DOCUMENT (document));

  g_set_object (&self->document, document);
  g_clear_pointer (&self->parser, ingest_parser_free);
  self->parser = ingest_parser_new (actorscope_document_get_store (document), &options);
  if (self->is_mswitch)
    {
      start_mswitch (self);
      return;
    }
#ifdef ACTORSCOPE_HAVE_WEB
  {
    WebClientHooks hooks = { on_client_connected, on_client_received, on_client_closed, self };

    g_clear_pointer (&self->client, web_client_free);
    self->client = web_client_new (self->host, self->port, &hooks, NULL);
    if (self->client == NULL)
      {
        self->failed = TRUE;
        emit_state (self, _("Could not start the websocket client"), TRUE);
        return;
      }
    connect_ws (self);
  }
#else
  self->failed = TRUE;
  emit_state (self, _("This build has no websocket support"), TRUE);
#endif
}

guint
actorscope_live_get_n_connects (ActorscopeLive *self)
{
  g_return_val_if_fail (ACTORSCOPE_IS_LIVE (self), 0);
  return self->n_connects;
}

gboolean
actorscope_live_is_connected (ActorscopeLive *self)
{
  g_return_val_if_fail (ACTORSCOPE_IS_LIVE (self), FALSE);
  return self->connected;
}

guint64
actorscope_live_get_n_records (ActorscopeLive *self)
{
  g_return_val_if_fail (ACTORSCOPE_IS_LIVE (self), 0);
  return self->n_records;
}

static void
actorscope_live_dispose (GObject *object)
{
  ActorscopeLive *self = ACTORSCOPE_LIVE (object);

  self->stopping = TRUE;
  g_clear_handle_id (&self->reconnect_id, g_source_remove);
  g_clear_handle_id (&self->flush_id, g_source_remove);
  g_clear_pointer (&self->mswitch, ingest_mswitch_source_free);
  g_clear_pointer (&self->staging, ingest_store_free);
#ifdef ACTORSCOPE_HAVE_WEB
  /* The client calls no hooks while it is freed. */
  g_clear_pointer (&self->client, web_client_free);
#endif
  g_clear_handle_id (&self->notify_id, g_source_remove);
  g_clear_pointer (&self->parser, ingest_parser_free);
  g_clear_object (&self->document);
  G_OBJECT_CLASS (actorscope_live_parent_class)->dispose (object);
}

static void
actorscope_live_finalize (GObject *object)
{
  ActorscopeLive *self = ACTORSCOPE_LIVE (object);

  g_free (self->host);
  g_free (self->path);
  g_free (self->target);
  g_byte_array_unref (self->pending);
  G_OBJECT_CLASS (actorscope_live_parent_class)->finalize (object);
}

static void
actorscope_live_class_init (ActorscopeLiveClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = actorscope_live_dispose;
  object_class->finalize = actorscope_live_finalize;
  signals[STATE] = g_signal_new ("state", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                 NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_STRING, G_TYPE_BOOLEAN);
}

static void
actorscope_live_init (ActorscopeLive *self)
{
  self->pending = g_byte_array_new ();
}

ActorscopeLive *
actorscope_live_new (const char *url, GError **error)
{
  g_autoptr(ActorscopeLive) self = g_object_new (ACTORSCOPE_TYPE_LIVE, NULL);

  if (!parse_url (self, url, error))
    return NULL;
  return g_steal_pointer (&self);
}
