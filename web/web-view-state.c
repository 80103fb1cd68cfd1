/* web-view-state.c: per-client view state and its control messages. */
#include "config.h"

#include <math.h>
#include <string.h>

#include "web-view-state.h"
#include "web-protocol.h"
#include "ingest-matcher.h"

void
web_view_state_init (WebViewState *state)
{
  g_return_if_fail (state != NULL);
  memset (state, 0, sizeof *state);
  state->kind = RENDER_VIEW_GRAPH;
  state->follow = TRUE;
  state->window_ns = 30 * (gint64) 1000000000;
  state->from_ns = INGEST_TIME_MIN;
  state->to_ns = INGEST_TIME_MAX;
  state->zoom = 1.0;
  state->theme = RENDER_THEME_DARK;
}

void
web_view_state_clear (WebViewState *state)
{
  g_return_if_fail (state != NULL);
  g_clear_pointer (&state->actor_filter, g_free);
  g_clear_pointer (&state->label_filter, g_free);
  g_clear_pointer (&state->groups, g_strfreev);
  g_clear_pointer (&state->pinned, g_strfreev);
}

static gboolean
bad (GError **error, const char *field, const char *why)
{
  g_set_error (error, WEB_PROTOCOL_ERROR, WEB_PROTOCOL_ERROR_BAD_FIELD,
               "field \"%s\": %s", field, why);
  return FALSE;
}

static gboolean
get_number (json_t *msg, const char *field, double lo, double hi, gboolean *present,
            double *out, GError **error)
{
  json_t *v = json_object_get (msg, field);

  *present = v != NULL;
  if (v == NULL)
    return TRUE;
  if (!json_is_number (v) || !isfinite (json_number_value (v)))
    return bad (error, field, "expected a number");
  *out = json_number_value (v);
  if (*out < lo || *out > hi)
    return bad (error, field, "out of range");
  return TRUE;
}

/* NULL/""/absent -> no filter; strings are bounded and must be UTF-8 (jansson
 * guarantees that for JSON text). */
static gboolean
get_filter (json_t *msg, const char *field, gboolean *present, char **out, GError **error)
{
  json_t *v = json_object_get (msg, field);

  *present = v != NULL;
  *out = NULL;
  if (v == NULL || json_is_null (v))
    return TRUE;
  if (!json_is_string (v))
    return bad (error, field, "expected a string or null");
  if (json_string_length (v) > WEB_VIEW_MAX_FILTER)
    return bad (error, field, "longer than 256 bytes");
  if (json_string_length (v) > 0)
    {
      g_autoptr(GError) merr = NULL;
      g_autoptr(IngestMatcher) m = ingest_matcher_new (json_string_value (v), &merr);
      if (m == NULL)
        return bad (error, field, merr->message);
      *out = g_strdup (json_string_value (v));
    }
  return TRUE;
}

gboolean
web_view_state_apply_json (WebViewState *state, json_t *msg, GError **error)
{
  WebViewState next;
  g_autofree char *actor_filter = NULL, *label_filter = NULL;
  g_auto(GStrv) groups = NULL, pinned = NULL;
  gboolean have_actor = FALSE, have_label = FALSE, have_groups = FALSE, have_pinned = FALSE, present;
  json_t *v;
  double d;

  g_return_val_if_fail (state != NULL, FALSE);
  g_return_val_if_fail (msg != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);
  next = *state;
  if ((v = json_object_get (msg, "kind")) != NULL)
    if (!json_is_string (v) || !render_view_kind_from_string (json_string_value (v), &next.kind))
      return bad (error, "kind", "expected \"graph\", \"sequence\" or \"timeline\"");
  if ((v = json_object_get (msg, "follow")) != NULL)
    {
      if (!json_is_boolean (v))
        return bad (error, "follow", "expected true or false");
      next.follow = json_is_true (v);
    }
  if (!get_number (msg, "window_s", WEB_VIEW_MIN_WINDOW_NS / 1e9, WEB_VIEW_MAX_WINDOW_NS / 1e9,
                   &present, &d, error))
    return FALSE;
  if (present)
    next.window_ns = (gint64) (d * 1e9);
  /* Bounded so that the nanoseconds fit a gint64 (±9.2e18 ns, about
   * ±292 years around 1970): ±9.2e15 ms overflowed the cast (undefined
   * behaviour; found by fuzz-web-control). */
  if (!get_number (msg, "from_ms", -9.2e12, 9.2e12, &present, &d, error))
    return FALSE;
  if (present)
    next.from_ns = (gint64) (d * 1e6);
  if (!get_number (msg, "to_ms", -9.2e12, 9.2e12, &present, &d, error))
    return FALSE;
  if (present)
    next.to_ns = (gint64) (d * 1e6);
  if (!next.follow && next.to_ns < next.from_ns)
    return bad (error, "to_ms", "must not be before from_ms");
  if (!get_filter (msg, "filter", &have_actor, &actor_filter, error))
    return FALSE;
  if (!get_filter (msg, "label_filter", &have_label, &label_filter, error))
    return FALSE;
  if ((v = json_object_get (msg, "groups")) != NULL && !json_is_null (v))
    {
      GPtrArray *arr;
      gsize i;
      json_t *g;

      if (!json_is_array (v) || json_array_size (v) > WEB_VIEW_MAX_GROUPS)
        return bad (error, "groups", "expected an array of at most 16 glob strings");
      arr = g_ptr_array_new ();
      json_array_foreach (v, i, g)
        {
          if (!json_is_string (g) || json_string_length (g) == 0 ||
              json_string_length (g) > WEB_VIEW_MAX_FILTER)
            {
              g_ptr_array_free (arr, TRUE);
              return bad (error, "groups", "every group must be a non-empty string");
            }
          g_ptr_array_add (arr, g_strdup (json_string_value (g)));
        }
      g_ptr_array_add (arr, NULL);
      groups = (GStrv) g_ptr_array_free (arr, FALSE);
      have_groups = TRUE;
    }
  else if (v != NULL)
    have_groups = TRUE;
  if ((v = json_object_get (msg, "expand_threads")) != NULL)
    {
      if (!json_is_boolean (v))
        return bad (error, "expand_threads", "expected true or false");
      next.expand_threads = json_is_true (v);
    }
  /* Lane names pinned to the top (exact names as the frame draws them). */
  if ((v = json_object_get (msg, "pinned")) != NULL && !json_is_null (v))
    {
      GPtrArray *arr;
      gsize i;
      json_t *p;

      if (!json_is_array (v) || json_array_size (v) > WEB_VIEW_MAX_PINNED)
        return bad (error, "pinned", "expected an array of at most 16 names");
      arr = g_ptr_array_new ();
      json_array_foreach (v, i, p)
        {
          if (!json_is_string (p) || json_string_length (p) == 0 ||
              json_string_length (p) > WEB_VIEW_MAX_PINNED_NAME ||
              strlen (json_string_value (p)) != json_string_length (p))
            {
              g_ptr_array_free (arr, TRUE);
              return bad (error, "pinned", "every name must be a string of 1 to 1024 bytes");
            }
          g_ptr_array_add (arr, g_strdup (json_string_value (p)));
        }
      g_ptr_array_add (arr, NULL);
      pinned = (GStrv) g_ptr_array_free (arr, FALSE);
      have_pinned = TRUE;
    }
  else if (v != NULL)
    have_pinned = TRUE;
  if (!get_number (msg, "zoom", 0.05, 50, &present, &d, error))
    return FALSE;
  if (present)
    next.zoom = d;
  if ((v = json_object_get (msg, "pan")) != NULL)
    {
      if (!json_is_array (v) || json_array_size (v) != 2 ||
          !json_is_number (json_array_get (v, 0)) || !json_is_number (json_array_get (v, 1)) ||
          fabs (json_number_value (json_array_get (v, 0))) > 1e6 ||
          fabs (json_number_value (json_array_get (v, 1))) > 1e6)
        return bad (error, "pan", "expected [x, y] numbers");
      next.pan_x = json_number_value (json_array_get (v, 0));
      next.pan_y = json_number_value (json_array_get (v, 1));
    }
  if (!get_number (msg, "width", 0, WEB_VIEW_MAX_SIZE, &present, &d, error))
    return FALSE;
  if (present)
    next.width = d;
  if (!get_number (msg, "height", 0, WEB_VIEW_MAX_SIZE, &present, &d, error))
    return FALSE;
  if (present)
    next.height = d;
  if ((v = json_object_get (msg, "theme")) != NULL)
    {
      if (g_strcmp0 (json_string_value (v), "dark") == 0)
        next.theme = RENDER_THEME_DARK;
      else if (g_strcmp0 (json_string_value (v), "light") == 0)
        next.theme = RENDER_THEME_LIGHT;
      else
        return bad (error, "theme", "expected \"dark\" or \"light\"");
    }

  /* Everything validated: commit, moving owned strings in. */
  if (have_actor)
    {
      g_free (next.actor_filter);
      next.actor_filter = g_steal_pointer (&actor_filter);
    }
  if (have_label)
    {
      g_free (next.label_filter);
      next.label_filter = g_steal_pointer (&label_filter);
    }
  if (have_groups)
    {
      g_strfreev (next.groups);
      next.groups = g_steal_pointer (&groups);
    }
  if (have_pinned)
    {
      g_strfreev (next.pinned);
      next.pinned = g_steal_pointer (&pinned);
    }
  next.generation++;
  *state = next;
  return TRUE;
}

void
web_view_state_window (const WebViewState *state, IngestStore *store, gint64 *from_ns,
                       gint64 *to_ns)
{
  gint64 lo = 0, hi = 0;

  g_return_if_fail (state != NULL);
  g_return_if_fail (store != NULL);
  g_return_if_fail (from_ns != NULL && to_ns != NULL);
  if (state->follow)
    {
      if (!ingest_store_time_range (store, &lo, &hi))
        {
          *from_ns = INGEST_TIME_MIN;
          *to_ns = INGEST_TIME_MAX;
          return;
        }
      *to_ns = hi;
      *from_ns = hi - state->window_ns;
      return;
    }
  *from_ns = state->from_ns;
  *to_ns = state->to_ns;
}

void
web_view_state_to_spec (const WebViewState *state, gint64 from_ns, gint64 to_ns,
                        IngestViewSpec *spec)
{
  g_return_if_fail (state != NULL);
  g_return_if_fail (spec != NULL);
  memset (spec, 0, sizeof *spec);
  spec->from_ns = from_ns;
  spec->to_ns = to_ns;
  spec->actor_filter = state->actor_filter;
  spec->label_filter = state->label_filter;
  spec->groups = (const char *const *) state->groups;
  spec->expand_threads = state->expand_threads;
  spec->max_items = state->kind == RENDER_VIEW_GRAPH ? 0 : 1500;
}

char *
web_view_state_key (const WebViewState *state, gint64 from_ns, gint64 to_ns)
{
  g_return_val_if_fail (state != NULL, NULL);

  g_autofree char *groups = state->groups != NULL ? g_strjoinv ("\x1f", state->groups) : NULL;
  g_autofree char *pinned = state->pinned != NULL && state->kind != RENDER_VIEW_GRAPH
                              ? g_strjoinv ("\x1f", state->pinned) : NULL;

  return g_strdup_printf ("%d|%" G_GINT64_FORMAT "|%" G_GINT64_FORMAT "|%s|%s|%s|%d|%g|%g|%g|%g|%g|%d|%s",
                          state->kind, from_ns, to_ns,
                          state->actor_filter ? state->actor_filter : "",
                          state->label_filter ? state->label_filter : "",
                          groups ? groups : "", state->expand_threads, state->zoom, state->pan_x, state->pan_y,
                          state->width, state->height, state->theme, pinned ? pinned : "");
}

json_t *
web_view_state_to_json (const WebViewState *state)
{
  g_return_val_if_fail (state != NULL, NULL);

  json_t *groups = json_array (), *pinned = json_array ();

  for (guint i = 0; state->groups != NULL && state->groups[i] != NULL; i++)
    json_array_append_new (groups, json_string (state->groups[i]));
  for (guint i = 0; state->pinned != NULL && state->pinned[i] != NULL; i++)
    json_array_append_new (pinned, json_string (state->pinned[i]));
  return json_pack ("{s:s, s:b, s:f, s:f, s:f, s:s?, s:s?, s:o, s:b, s:o, s:f, s:[f,f], s:s}",
                    "kind", render_view_kind_to_string (state->kind),
                    "follow", state->follow,
                    "window_s", (double) state->window_ns / 1e9,
                    "from_ms", state->from_ns == INGEST_TIME_MIN ? 0.0 : (double) state->from_ns / 1e6,
                    "to_ms", state->to_ns == INGEST_TIME_MAX ? 0.0 : (double) state->to_ns / 1e6,
                    "filter", state->actor_filter,
                    "label_filter", state->label_filter,
                    "groups", groups,
                    "expand_threads", state->expand_threads,
                    "pinned", pinned,
                    "zoom", state->zoom,
                    "pan", state->pan_x, state->pan_y,
                    "theme", render_theme_to_string (state->theme));
}
