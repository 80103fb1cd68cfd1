/* web-protocol.h: the versioned JSON control messages of /live (see
 * web/PROTOCOL.md). Pure functions: parsing a client message into a typed
 * request, and building the server's small replies. Every string that comes
 * from a trace goes through jansson, which escapes it.
 */
#pragma once

#include <jansson.h>
#include <glib.h>

G_BEGIN_DECLS

#define WEB_PROTOCOL_VERSION 1

#define WEB_PROTOCOL_ERROR (web_protocol_error_quark ())
GQuark web_protocol_error_quark (void);

typedef enum {
  WEB_PROTOCOL_ERROR_BAD_JSON,      /* "bad-json" */
  WEB_PROTOCOL_ERROR_BAD_VERSION,   /* "bad-version" */
  WEB_PROTOCOL_ERROR_UNKNOWN_TYPE,  /* "unknown-type" */
  WEB_PROTOCOL_ERROR_BAD_FIELD,     /* "bad-field" */
  WEB_PROTOCOL_ERROR_TOO_BIG,       /* "too-big" */
  WEB_PROTOCOL_ERROR_NOT_FOUND,     /* "not-found" */
  WEB_PROTOCOL_ERROR_LIMIT,         /* "limit" */
} WebProtocolErrorCode;

const char *web_protocol_error_code_to_string (int code);

typedef enum {
  WEB_REQUEST_HELLO,     /* {"v":1,"type":"hello"[,"accepts":["update"]]} */
  WEB_REQUEST_VIEW,      /* {"v":1,"type":"view", ...fields} */
  WEB_REQUEST_PAUSE,     /* {"v":1,"type":"pause"} freeze the current window */
  WEB_REQUEST_LIVE,      /* {"v":1,"type":"live"} follow again */
  WEB_REQUEST_DETAILS,   /* {"v":1,"type":"details","class":"actor|edge|message","id":"..."} */
  WEB_REQUEST_HIT,       /* {"v":1,"type":"hit","x":N,"y":N} scene units */
  WEB_REQUEST_PING,      /* {"v":1,"type":"ping"} */
  WEB_REQUEST_DEVIATIONS, /* {"v":1,"type":"deviations", thresholds...} (web-deviations.h) */
  WEB_REQUEST_SEARCH,    /* {"v":1,"type":"search","text":"..."} (web-search.h) */
  WEB_REQUEST_CHARTS,    /* {"v":1,"type":"charts","actor":"..."} (web-actor-charts.h) */
  WEB_REQUEST_PACE,      /* {"v":1,"type":"pace","fps":N} frames the client can use */
} WebRequestType;

/* The most frames per second a `pace` may ask for (any server cap is
 * lower: asking more than the cap is asking for the cap). */
#define WEB_PROTOCOL_MAX_PACE_FPS 1000

typedef struct {
  WebRequestType type;
  json_t *msg;           /* the whole message (owned reference) */
  const char *klass;     /* DETAILS: borrowed from msg */
  const char *id;        /* DETAILS: borrowed from msg */
  double x, y;           /* HIT */
  double fps;            /* PACE: > 0, at most WEB_PROTOCOL_MAX_PACE_FPS */
  /* HELLO: what the client declared it applies: -1 it said nothing
   * ("accepts" absent: keep what the connection has), 0 or 1 whether
   * "update" is among its "accepts". */
  int accepts_updates;
} WebRequest;

void web_request_clear (WebRequest *request);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (WebRequest, web_request_clear)

/* Parses one client message (len bytes, not NUL-terminated). Returns FALSE
 * with a WEB_PROTOCOL_ERROR for malformed JSON, a missing/other "v", an
 * unknown "type" or bad fields of a known type. */
gboolean web_request_parse (const char *data, gsize len, WebRequest *out, GError **error);

/* Replies, as newly allocated compact JSON text (g_free). */
char *web_protocol_error_json (const GError *error);
/* updates: whether this connection gets update messages (the answer to
 * the client's "accepts"). */
char *web_protocol_hello_json (guint max_message_bytes, guint max_fps, gboolean updates);
/* Serialises msg (stolen) with "v" added; returns g_malloc'd text. msg may
 * be NULL (what a failed json_pack returns): the result is then NULL. */
char *web_protocol_dump (json_t *msg);

G_END_DECLS
