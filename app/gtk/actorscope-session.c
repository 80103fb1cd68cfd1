/* actorscope-session.c: the window's shared view state. */
#include "config.h"

#include "actorscope-session.h"
#include "ingest-model.h"

struct _ActorscopeSession {
  GObject parent_instance;
  gint64 window_from, window_to;
  gint64 area_from, area_to;      /* from >= to: none */
  gint64 cursor;
  char *filter;
  char **groups;
  gboolean expand_threads;
};

G_DEFINE_FINAL_TYPE (ActorscopeSession, actorscope_session, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_WINDOW_FROM,
  PROP_WINDOW_TO,
  PROP_AREA_FROM,
  PROP_AREA_TO,
  PROP_CURSOR,
  PROP_FILTER,
  PROP_GROUPS,
  PROP_EXPAND_THREADS,
  N_PROPS
};
static GParamSpec *properties[N_PROPS];

ActorscopeSession *
actorscope_session_new (void)
{
  return g_object_new (ACTORSCOPE_TYPE_SESSION, NULL);
}

void
actorscope_session_set_window (ActorscopeSession *self, gint64 from_ns, gint64 to_ns)
{
  g_return_if_fail (ACTORSCOPE_IS_SESSION (self));
  g_return_if_fail (from_ns < to_ns);
  g_object_freeze_notify (G_OBJECT (self));
  if (self->window_from != from_ns)
    {
      self->window_from = from_ns;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_WINDOW_FROM]);
    }
  if (self->window_to != to_ns)
    {
      self->window_to = to_ns;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_WINDOW_TO]);
    }
  g_object_thaw_notify (G_OBJECT (self));
}

void
actorscope_session_get_window (ActorscopeSession *self, gint64 *from_ns, gint64 *to_ns)
{
  g_return_if_fail (ACTORSCOPE_IS_SESSION (self));
  if (from_ns != NULL)
    *from_ns = self->window_from;
  if (to_ns != NULL)
    *to_ns = self->window_to;
}

void
actorscope_session_set_area (ActorscopeSession *self, gint64 from_ns, gint64 to_ns)
{
  g_return_if_fail (ACTORSCOPE_IS_SESSION (self));
  if (from_ns >= to_ns)
    from_ns = to_ns = 0;
  g_object_freeze_notify (G_OBJECT (self));
  if (self->area_from != from_ns)
    {
      self->area_from = from_ns;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_AREA_FROM]);
    }
  if (self->area_to != to_ns)
    {
      self->area_to = to_ns;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_AREA_TO]);
    }
  g_object_thaw_notify (G_OBJECT (self));
}

gboolean
actorscope_session_get_area (ActorscopeSession *self, gint64 *from_ns, gint64 *to_ns)
{
  g_return_val_if_fail (ACTORSCOPE_IS_SESSION (self), FALSE);
  if (from_ns != NULL)
    *from_ns = self->area_from;
  if (to_ns != NULL)
    *to_ns = self->area_to;
  return self->area_from < self->area_to;
}

void
actorscope_session_set_cursor (ActorscopeSession *self, gint64 cursor_ns)
{
  g_return_if_fail (ACTORSCOPE_IS_SESSION (self));
  if (self->cursor == cursor_ns)
    return;
  self->cursor = cursor_ns;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CURSOR]);
}

gint64
actorscope_session_get_cursor (ActorscopeSession *self)
{
  g_return_val_if_fail (ACTORSCOPE_IS_SESSION (self), INGEST_TIME_MAX);
  return self->cursor;
}

void
actorscope_session_set_filter (ActorscopeSession *self, const char *filter)
{
  g_return_if_fail (ACTORSCOPE_IS_SESSION (self));
  if (filter != NULL && *filter == '\0')
    filter = NULL;
  if (g_strcmp0 (self->filter, filter) == 0)
    return;
  g_free (self->filter);
  self->filter = g_strdup (filter);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FILTER]);
}

const char *
actorscope_session_get_filter (ActorscopeSession *self)
{
  g_return_val_if_fail (ACTORSCOPE_IS_SESSION (self), NULL);
  return self->filter;
}

void
actorscope_session_set_groups (ActorscopeSession *self, const char *const *groups)
{
  g_return_if_fail (ACTORSCOPE_IS_SESSION (self));
  if (groups != NULL && groups[0] == NULL)
    groups = NULL;
  if (groups == NULL && self->groups == NULL)
    return;
  if (groups != NULL && self->groups != NULL && g_strv_equal (groups, (const char *const *) self->groups))
    return;
  g_strfreev (self->groups);
  self->groups = g_strdupv ((char **) groups);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_GROUPS]);
}

const char *const *
actorscope_session_get_groups (ActorscopeSession *self)
{
  g_return_val_if_fail (ACTORSCOPE_IS_SESSION (self), NULL);
  return (const char *const *) self->groups;
}

void
actorscope_session_set_expand_threads (ActorscopeSession *self, gboolean expand)
{
  g_return_if_fail (ACTORSCOPE_IS_SESSION (self));
  expand = !!expand;
  if (self->expand_threads == expand)
    return;
  self->expand_threads = expand;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_EXPAND_THREADS]);
}

gboolean
actorscope_session_get_expand_threads (ActorscopeSession *self)
{
  g_return_val_if_fail (ACTORSCOPE_IS_SESSION (self), FALSE);
  return self->expand_threads;
}

void
actorscope_session_reset_time (ActorscopeSession *self)
{
  g_return_if_fail (ACTORSCOPE_IS_SESSION (self));
  g_object_freeze_notify (G_OBJECT (self));
  actorscope_session_set_window (self, INGEST_TIME_MIN, INGEST_TIME_MAX);
  actorscope_session_set_area (self, 0, 0);
  actorscope_session_set_cursor (self, INGEST_TIME_MAX);
  g_object_thaw_notify (G_OBJECT (self));
}

static void
actorscope_session_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  ActorscopeSession *self = ACTORSCOPE_SESSION (object);

  switch (prop_id)
    {
    case PROP_WINDOW_FROM: g_value_set_int64 (value, self->window_from); break;
    case PROP_WINDOW_TO: g_value_set_int64 (value, self->window_to); break;
    case PROP_AREA_FROM: g_value_set_int64 (value, self->area_from); break;
    case PROP_AREA_TO: g_value_set_int64 (value, self->area_to); break;
    case PROP_CURSOR: g_value_set_int64 (value, self->cursor); break;
    case PROP_FILTER: g_value_set_string (value, self->filter); break;
    case PROP_GROUPS: g_value_set_boxed (value, self->groups); break;
    case PROP_EXPAND_THREADS: g_value_set_boolean (value, self->expand_threads); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
actorscope_session_set_property (GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  ActorscopeSession *self = ACTORSCOPE_SESSION (object);

  switch (prop_id)
    {
    case PROP_WINDOW_FROM:
      if (g_value_get_int64 (value) < self->window_to)
        actorscope_session_set_window (self, g_value_get_int64 (value), self->window_to);
      break;
    case PROP_WINDOW_TO:
      if (g_value_get_int64 (value) > self->window_from)
        actorscope_session_set_window (self, self->window_from, g_value_get_int64 (value));
      break;
    case PROP_AREA_FROM:
      actorscope_session_set_area (self, g_value_get_int64 (value), self->area_to);
      break;
    case PROP_AREA_TO:
      actorscope_session_set_area (self, self->area_from, g_value_get_int64 (value));
      break;
    case PROP_CURSOR: actorscope_session_set_cursor (self, g_value_get_int64 (value)); break;
    case PROP_FILTER: actorscope_session_set_filter (self, g_value_get_string (value)); break;
    case PROP_GROUPS: actorscope_session_set_groups (self, g_value_get_boxed (value)); break;
    case PROP_EXPAND_THREADS: actorscope_session_set_expand_threads (self, g_value_get_boolean (value)); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
actorscope_session_finalize (GObject *object)
{
  ActorscopeSession *self = ACTORSCOPE_SESSION (object);

  g_clear_pointer (&self->filter, g_free);
  g_clear_pointer (&self->groups, g_strfreev);
  G_OBJECT_CLASS (actorscope_session_parent_class)->finalize (object);
}

static void
actorscope_session_class_init (ActorscopeSessionClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags flags = G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->get_property = actorscope_session_get_property;
  object_class->set_property = actorscope_session_set_property;
  object_class->finalize = actorscope_session_finalize;

  properties[PROP_WINDOW_FROM] = g_param_spec_int64 ("window-from", NULL, NULL,
                                                     G_MININT64, G_MAXINT64, INGEST_TIME_MIN, flags);
  properties[PROP_WINDOW_TO] = g_param_spec_int64 ("window-to", NULL, NULL,
                                                   G_MININT64, G_MAXINT64, INGEST_TIME_MAX, flags);
  properties[PROP_AREA_FROM] = g_param_spec_int64 ("area-from", NULL, NULL,
                                                   G_MININT64, G_MAXINT64, 0, flags);
  properties[PROP_AREA_TO] = g_param_spec_int64 ("area-to", NULL, NULL,
                                                 G_MININT64, G_MAXINT64, 0, flags);
  properties[PROP_CURSOR] = g_param_spec_int64 ("cursor", NULL, NULL,
                                                G_MININT64, G_MAXINT64, INGEST_TIME_MAX, flags);
  properties[PROP_FILTER] = g_param_spec_string ("filter", NULL, NULL, NULL, flags);
  properties[PROP_GROUPS] = g_param_spec_boxed ("groups", NULL, NULL, G_TYPE_STRV, flags);
  properties[PROP_EXPAND_THREADS] = g_param_spec_boolean ("expand-threads", NULL, NULL, FALSE, flags);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
actorscope_session_init (ActorscopeSession *self)
{
  self->window_from = INGEST_TIME_MIN;
  self->window_to = INGEST_TIME_MAX;
  self->cursor = INGEST_TIME_MAX;
}
