/* actorscope-live.c: attach to a running `actorscope serve` (/events). */
#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "actorscope-live.h"

#ifdef HAVE_LWS
#include <libwebsockets.h>
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
  guint notify_id;
#ifdef HAVE_LWS
  struct lws_context *context;
  struct lws *wsi;
  GMainLoop *foreign_loop;
#endif
};

G_DEFINE_FINAL_TYPE (ActorscopeLive, actorscope_live, G_TYPE_OBJECT)

enum { STATE, N_SIGNALS };
static guint signals[N_SIGNALS];

static gboolean
parse_url (ActorscopeLive *self, const char *url, GError **error)
{
  g_autoptr(GUri) uri = g_uri_parse (url, G_URI_FLAGS_NONE, NULL);
  const char *path, *query;

  if (uri == NULL || g_strcmp0 (g_uri_get_scheme (uri), "ws") != 0 || g_uri_get_host (uri) == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   _("“%s” is not a ws://host:port/events address"), url);
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

static void
feed (ActorscopeLive *self, const void *data, gsize len)
{
  g_autoptr(GError) error = NULL;

  if (self->parser == NULL || self->failed)
    return;
  if (!ingest_parser_feed (self->parser, data, len, &error))
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

#ifdef HAVE_LWS
static int
callback (struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in, size_t len)
{
  ActorscopeLive *self = lws_context_user (lws_get_context (wsi));

  if (self == NULL)
    return lws_callback_http_dummy (wsi, reason, user, in, len);
  switch (reason)
    {
    case LWS_CALLBACK_CLIENT_ESTABLISHED:
      self->connected = TRUE;
      emit_state (self, _("Connected to the live service"), FALSE);
      break;
    case LWS_CALLBACK_CLIENT_RECEIVE:
      /* Fragments go straight to the push parser: it takes any split. */
      feed (self, in, len);
      break;
    case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
      {
        g_autofree char *msg = g_strdup_printf (_("Could not connect to the live service: %s"),
                                                in ? (const char *) in : _("connection refused"));
        self->wsi = NULL;
        self->connected = FALSE;
        self->failed = TRUE;
        emit_state (self, msg, TRUE);
      }
      break;
    case LWS_CALLBACK_CLIENT_CLOSED:
      self->wsi = NULL;
      self->connected = FALSE;
      if (!self->failed)
        {
          self->failed = TRUE;
          emit_state (self, _("The live service closed the connection"), TRUE);
        }
      if (self->document != NULL)
        actorscope_document_set_live (self->document, FALSE);
      break;
    default:
      break;
    }
  return lws_callback_http_dummy (wsi, reason, user, in, len);
}

static const struct lws_protocols protocols[] = {
  { "actorscope", callback, 0, 64 * 1024, 0, NULL, 0 },
  { NULL, NULL, 0, 0, 0, NULL, 0 }
};

static void
lws_log_to_glib (int level, const char *line)
{
  g_debug ("lws: %s", line);
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
#ifdef HAVE_LWS
  {
    struct lws_context_creation_info info;
    struct lws_client_connect_info cc;
    void *foreign[1];

    lws_set_log_level (LLL_ERR | LLL_WARN, lws_log_to_glib);
    self->foreign_loop = g_main_loop_new (g_main_context_get_thread_default (), FALSE);
    foreign[0] = self->foreign_loop;
    memset (&info, 0, sizeof info);
    info.port = CONTEXT_PORT_NO_LISTEN;
    info.protocols = protocols;
    info.options = LWS_SERVER_OPTION_GLIB;
    info.foreign_loops = foreign;
    info.user = self;
    self->context = lws_create_context (&info);
    if (self->context == NULL)
      {
        self->failed = TRUE;
        emit_state (self, _("Could not start the websocket client"), TRUE);
        return;
      }
    memset (&cc, 0, sizeof cc);
    cc.context = self->context;
    cc.address = self->host;
    cc.port = (int) self->port;
    cc.path = self->path;
    cc.host = self->host;
    cc.origin = self->host;
    cc.protocol = protocols[0].name;
    cc.pwsi = &self->wsi;
    if (lws_client_connect_via_info (&cc) == NULL)
      {
        self->failed = TRUE;
        emit_state (self, _("Could not connect to the live service"), TRUE);
      }
  }
#else
  self->failed = TRUE;
  emit_state (self, _("This build has no websocket support"), TRUE);
#endif
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

#ifdef HAVE_LWS
  if (self->context != NULL)
    {
      /* Callbacks during destruction must not touch a half-disposed self. */
      struct lws_context *context = self->context;
      self->context = NULL;
      lws_context_destroy (context);
    }
  g_clear_pointer (&self->foreign_loop, g_main_loop_unref);
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
}

ActorscopeLive *
actorscope_live_new (const char *url, GError **error)
{
  g_autoptr(ActorscopeLive) self = g_object_new (ACTORSCOPE_TYPE_LIVE, NULL);

  if (!parse_url (self, url, error))
    return NULL;
  return g_steal_pointer (&self);
}
