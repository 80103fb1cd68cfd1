/* web-client.c: a libwebsockets client context on the GLib main loop. */
#include "config.h"

#include <gio/gio.h>
#include <libwebsockets.h>
#include <string.h>

#include "web-client.h"

/* Largest fragment lws hands us at once; messages may be longer. */
#define RX_BUFFER_BYTES (64 * 1024)

struct _WebClient {
  char *host;
  guint port;
  WebClientHooks hooks;
  struct lws_context *context;
  struct lws *wsi;
  GMainLoop *foreign_loop;
  gboolean connected;
  gboolean freeing;               /* no hooks during destruction */
};

static int
callback (struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in, size_t len)
{
  WebClient *self = lws_context_user (lws_get_context (wsi));

  if (self == NULL || self->freeing)
    return lws_callback_http_dummy (wsi, reason, user, in, len);
  switch (reason)
    {
    case LWS_CALLBACK_CLIENT_ESTABLISHED:
      self->connected = TRUE;
      if (self->hooks.connected)
        self->hooks.connected (self->hooks.user_data);
      break;
    case LWS_CALLBACK_CLIENT_RECEIVE:
      if (self->hooks.received)
        self->hooks.received (in, len, self->hooks.user_data);
      break;
    case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
    case LWS_CALLBACK_CLIENT_CLOSED:
      self->wsi = NULL;
      self->connected = FALSE;
      if (self->hooks.closed)
        self->hooks.closed (self->hooks.user_data);
      break;
    default:
      break;
    }
  return lws_callback_http_dummy (wsi, reason, user, in, len);
}

static const struct lws_protocols protocols[] = {
  { "actorscope", callback, 0, RX_BUFFER_BYTES, 0, NULL, 0 },
  { NULL, NULL, 0, 0, 0, NULL, 0 }
};

static void
lws_log_to_glib (int level, const char *line)
{
  g_debug ("lws: %s", line);
}

WebClient *
web_client_new (const char *host, guint port, const WebClientHooks *hooks, GError **error)
{
  struct lws_context_creation_info info;
  void *foreign[1];
  WebClient *self;

  g_return_val_if_fail (host != NULL, NULL);
  g_return_val_if_fail (hooks != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  self = g_new0 (WebClient, 1);
  self->host = g_strdup (host);
  self->port = port;
  self->hooks = *hooks;
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
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                           "could not create the websocket client context");
      web_client_free (self);
      return NULL;
    }
  return self;
}

gboolean
web_client_connect (WebClient *self, const char *path)
{
  struct lws_client_connect_info cc;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (path != NULL, FALSE);
  memset (&cc, 0, sizeof cc);
  cc.context = self->context;
  cc.address = self->host;
  cc.port = (int) self->port;
  cc.path = path;
  cc.host = self->host;
  /* No Origin: we are not a browser page (the service checks Origin
   * against its own address; a bare host name would be refused). */
  cc.origin = NULL;
  cc.protocol = protocols[0].name;
  cc.pwsi = &self->wsi;
  return lws_client_connect_via_info (&cc) != NULL;
}

gboolean
web_client_is_connected (const WebClient *self)
{
  g_return_val_if_fail (self != NULL, FALSE);
  return self->connected;
}

void
web_client_free (WebClient *self)
{
  if (self == NULL)
    return;
  self->freeing = TRUE;
  if (self->context != NULL)
    {
      struct lws_context *context = self->context;

      self->context = NULL;
      lws_context_destroy (context);
    }
  g_clear_pointer (&self->foreign_loop, g_main_loop_unref);
  g_free (self->host);
  g_free (self);
}
