/* web-client.h: a websocket client on the GLib main loop (libwebsockets),
 * for reading a live service's /events stream.
 *
 * One connection at a time to one host and port. The client only moves
 * bytes: received fragments go to the hooks as they come (any split; the
 * ingest push parser takes them), and a closed or failed connection is
 * reported once. Reconnection policy (backoff, ?from=N) is the owner's.
 * Hooks run on the thread-default main context of web_client_new's caller
 * and are never called from inside web_client_free.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _WebClient WebClient;

typedef struct {
  /* The websocket is open. */
  void (*connected) (gpointer user_data);
  /* A fragment of a message, len bytes (borrowed for the call). */
  void (*received) (const void *data, gsize len, gpointer user_data);
  /* The connection failed or closed (after connected, or instead of it). */
  void (*closed) (gpointer user_data);
  gpointer user_data;
} WebClientHooks;

/* A client for ws://host:port (hooks copied; host copied). NULL with an
 * error when the websocket library cannot start. Owned; web_client_free. */
WebClient *web_client_new (const char *host, guint port, const WebClientHooks *hooks,
                           GError **error);
/* Starts a connection to path (with its query, e.g. "/events?from=12").
 * FALSE when the attempt could not even start (the "closed" hook may or may
 * not have run by then). Any previous connection should have closed. */
gboolean web_client_connect (WebClient *self, const char *path);
/* Whether the websocket is open. */
gboolean web_client_is_connected (const WebClient *self);
/* Closes any connection and frees; NULL-safe. */
void web_client_free (WebClient *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (WebClient, web_client_free)

G_END_DECLS
