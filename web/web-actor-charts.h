/* web-actor-charts.h: the /live "charts" request: one actor's mailbox
 * depth, receive rate and wait p99 over the client's window as small SVG
 * charts (render-sparkline over ingest-actor-series), and its top
 * partners (see web/PROTOCOL.md). */
#pragma once

#include <jansson.h>
#include "ingest-store.h"
#include "render-palette.h"

G_BEGIN_DECLS

/* msg: {"actor": NAME}. Returns the reply as JSON text (g_free), or NULL
 * with a WEB_PROTOCOL_ERROR (bad-field, not-found). */
char *web_actor_charts_reply (IngestStore *store, gint64 from_ns, gint64 to_ns, RenderTheme theme,
                              json_t *msg, GError **error);

G_END_DECLS
