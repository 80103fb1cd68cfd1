/* web-protocol.c: /live control messages. */
#include "config.h"

#include <math.h>
#include <string.h>

#include "web-protocol.h"

G_DEFINE_QUARK (web-protocol-error-quark, web_protocol_error)

static const char *const code_names[] = {
  "bad-json", "bad-version", "unknown-type", "bad-field", "too-big", "not-found", "limit",
};

const char *
web_protocol_error_code_to_string (int code)
{
  return code >= 0 && (guint) code < G_N_ELEMENTS (code_names) ? code_names[code] : "error";
}

void
web_request_clear (WebRequest *request)
{
  g_return_if_fail (request != NULL);

  if (request->msg != NULL)
    json_decref (request->msg);
  memset (request, 0, sizeof *request);
}

static const struct {
  const char *name;
  WebRequestType type;
} types[] = {
  { "hello", WEB_REQUEST_HELLO }, { "view", WEB_REQUEST_VIEW },
  { "pause", WEB_REQUEST_PAUSE }, { "live", WEB_REQUEST_LIVE },
  { "details", WEB_REQUEST_DETAILS }, { "hit", WEB_REQUEST_HIT },
  { "ping", WEB_REQUEST_PING }, { "deviations", WEB_REQUEST_DEVIATIONS },
  { "search", WEB_REQUEST_SEARCH }, { "charts", WEB_REQUEST_CHARTS },
  { "pace", WEB_REQUEST_PACE },
};

gboolean
web_request_parse (const char *data, gsize len, WebRequest *out, GError **error)
{
  json_error_t jerr;
  json_t *msg, *v;
  const char *type;
  gboolean found = FALSE;

  g_return_val_if_fail (data != NULL || len == 0, FALSE);
  g_return_val_if_fail (out != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  memset (out, 0, sizeof *out);
  msg = json_loadb (data, len, JSON_REJECT_DUPLICATES, &jerr);
  if (msg == NULL || !json_is_object (msg))
    {
      g_set_error (error, WEB_PROTOCOL_ERROR, WEB_PROTOCOL_ERROR_BAD_JSON,
                   msg == NULL ? "malformed JSON at column %d: %s" : "expected a JSON object%.0d%s",
                   msg == NULL ? jerr.column : 0, msg == NULL ? jerr.text : "");
      if (msg != NULL)
        json_decref (msg);
      return FALSE;
    }
  out->msg = msg;
  v = json_object_get (msg, "v");
  if (!json_is_integer (v) || json_integer_value (v) != WEB_PROTOCOL_VERSION)
    {
      g_set_error (error, WEB_PROTOCOL_ERROR, WEB_PROTOCOL_ERROR_BAD_VERSION,
                   "unsupported protocol version (this server speaks \"v\":%d)",
                   WEB_PROTOCOL_VERSION);
      web_request_clear (out);
      return FALSE;
    }
  type = json_string_value (json_object_get (msg, "type"));
  for (guint i = 0; i < G_N_ELEMENTS (types); i++)
    if (g_strcmp0 (type, types[i].name) == 0)
      {
        out->type = types[i].type;
        found = TRUE;
      }
  if (!found)
    {
      g_autofree char *shown = type != NULL ? g_strndup (type, 64) : NULL;
      g_set_error (error, WEB_PROTOCOL_ERROR, WEB_PROTOCOL_ERROR_UNKNOWN_TYPE,
                   "unknown message type \"%s\"", shown != NULL ? shown : "(none)");
      web_request_clear (out);
      return FALSE;
    }
  if (out->type == WEB_REQUEST_DETAILS)
    {
      out->klass = json_string_value (json_object_get (msg, "class"));
      out->id = json_string_value (json_object_get (msg, "id"));
      if (out->klass == NULL || out->id == NULL || strlen (out->id) > 4096)
        {
          g_set_error (error, WEB_PROTOCOL_ERROR, WEB_PROTOCOL_ERROR_BAD_FIELD,
                       "details needs string fields \"class\" and \"id\"");
          web_request_clear (out);
          return FALSE;
        }
    }
  out->accepts_updates = -1;
  if (out->type == WEB_REQUEST_HELLO && json_object_get (msg, "accepts") != NULL)
    {
      /* A client declares the server messages it applies beyond protocol
       * 1's: "update" (web-frame-delta.h). Unknown names are ignored, so
       * later capabilities need no new version. */
      json_t *accepts = json_object_get (msg, "accepts"), *name;
      gsize i;
      if (!json_is_array (accepts) || json_array_size (accepts) > 16)
        {
          g_set_error (error, WEB_PROTOCOL_ERROR, WEB_PROTOCOL_ERROR_BAD_FIELD,
                       "hello: \"accepts\" must be an array of at most 16 strings");
          web_request_clear (out);
          return FALSE;
        }
      out->accepts_updates = 0;
      json_array_foreach (accepts, i, name)
        {
          if (!json_is_string (name))
            {
              g_set_error (error, WEB_PROTOCOL_ERROR, WEB_PROTOCOL_ERROR_BAD_FIELD,
                           "hello: \"accepts\" must be an array of at most 16 strings");
              web_request_clear (out);
              return FALSE;
            }
          if (strcmp (json_string_value (name), "update") == 0)
            out->accepts_updates = 1;
        }
    }
  if (out->type == WEB_REQUEST_HIT)
    {
      json_t *x = json_object_get (msg, "x"), *y = json_object_get (msg, "y");
      if (!json_is_number (x) || !json_is_number (y) ||
          !isfinite (json_number_value (x)) || !isfinite (json_number_value (y)))
        {
          g_set_error (error, WEB_PROTOCOL_ERROR, WEB_PROTOCOL_ERROR_BAD_FIELD,
                       "hit needs numbers \"x\" and \"y\"");
          web_request_clear (out);
          return FALSE;
        }
      out->x = json_number_value (x);
      out->y = json_number_value (y);
    }
  if (out->type == WEB_REQUEST_PACE)
    {
      json_t *fps = json_object_get (msg, "fps");
      /* (the negated test also refuses NaN) */
      if (!json_is_number (fps) || !(json_number_value (fps) >= 0.1 &&
                                     json_number_value (fps) <= WEB_PROTOCOL_MAX_PACE_FPS))
        {
          g_set_error (error, WEB_PROTOCOL_ERROR, WEB_PROTOCOL_ERROR_BAD_FIELD,
                       "pace needs a number \"fps\" from 0.1 to %d", WEB_PROTOCOL_MAX_PACE_FPS);
          web_request_clear (out);
          return FALSE;
        }
      out->fps = json_number_value (fps);
    }
  return TRUE;
}

char *
web_protocol_dump (json_t *msg)
{
  char *text;

  json_object_set_new (msg, "v", json_integer (WEB_PROTOCOL_VERSION));
  /* ENSURE_ASCII: frames carry trace strings; \u escapes keep every byte of
   * the websocket text message plain ASCII whatever the trace held. */
  text = json_dumps (msg, JSON_COMPACT | JSON_ENSURE_ASCII);
  json_decref (msg);
  return text;
}

char *
web_protocol_error_json (const GError *error)
{
  const char *code;
  g_autofree char *message = NULL;

  g_return_val_if_fail (error != NULL, NULL);

  code = error->domain == WEB_PROTOCOL_ERROR
    ? web_protocol_error_code_to_string (error->code) : "error";
  /* Diagnostics may quote trace bytes; jansson refuses invalid UTF-8 (the
   * error would silently vanish), so it is repaired first. */
  message = g_utf8_make_valid (error->message, -1);
  return web_protocol_dump (json_pack ("{s:s, s:s, s:s}", "type", "error", "code", code,
                                       "message", message));
}

char *
web_protocol_hello_json (guint max_message_bytes, guint max_fps, gboolean updates)
{
  return web_protocol_dump (json_pack ("{s:s, s:s, s:s, s:i, s:b, s:{s:i, s:i}}",
                                       "type", "hello", "server", PACKAGE_NAME,
                                       "version", PACKAGE_VERSION,
                                       "protocol", WEB_PROTOCOL_VERSION,
                                       "updates", updates,
                                       "limits", "max_message_bytes", (int) max_message_bytes,
                                       "max_fps", (int) max_fps));
}
