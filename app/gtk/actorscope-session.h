/* actorscope-session.h: what the user is looking at in one window.
 *
 * The visible time window, the selected time area, the replay cursor, the
 * actor filter text and the groups, in one object the window creates and
 * hands to its widgets (scene view, overview). Widgets read it and write
 * it, and follow its notify signals, instead of pushing values into each
 * other. Times are ns on the trace's clock; INGEST_TIME_MIN / INGEST_TIME_MAX
 * are open ends (the window) or "none" (the cursor).
 */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

#define ACTORSCOPE_TYPE_SESSION (actorscope_session_get_type ())
G_DECLARE_FINAL_TYPE (ActorscopeSession, actorscope_session, ACTORSCOPE, SESSION, GObject)

ActorscopeSession *actorscope_session_new (void);

/* The requested time window ("window-from", "window-to"); open ends
 * (INGEST_TIME_MIN / INGEST_TIME_MAX, the default) mean all of the data.
 * Callers clamp it to the data; from < to. */
void actorscope_session_set_window (ActorscopeSession *self, gint64 from_ns, gint64 to_ns);
void actorscope_session_get_window (ActorscopeSession *self, gint64 *from_ns, gint64 *to_ns);

/* The selected time area ("area-from", "area-to"); from >= to clears it.
 * get_area returns FALSE when there is none. */
void actorscope_session_set_area (ActorscopeSession *self, gint64 from_ns, gint64 to_ns);
gboolean actorscope_session_get_area (ActorscopeSession *self, gint64 *from_ns, gint64 *to_ns);

/* The replay cursor ("cursor"): only events up to it are shown;
 * INGEST_TIME_MAX (the default) shows everything. */
void actorscope_session_set_cursor (ActorscopeSession *self, gint64 cursor_ns);
gint64 actorscope_session_get_cursor (ActorscopeSession *self);

/* The search box's text ("filter"; see ingest_matcher_pattern_from_search);
 * NULL and "" both mean none and read back as NULL. Copied; get is
 * borrowed. */
void actorscope_session_set_filter (ActorscopeSession *self, const char *filter);
const char *actorscope_session_get_filter (ActorscopeSession *self);

/* IngestViewSpec.groups ("groups"): NULL-terminated globs, NULL or empty =
 * none (read back as NULL). Copied; get is borrowed. */
void actorscope_session_set_groups (ActorscopeSession *self, const char *const *groups);
const char *const *actorscope_session_get_groups (ActorscopeSession *self);

/* IngestViewSpec.expand_threads ("expand-threads"): FALSE (the default)
 * folds a process's threads into its node or lane. */
void actorscope_session_set_expand_threads (ActorscopeSession *self, gboolean expand);
gboolean actorscope_session_get_expand_threads (ActorscopeSession *self);

/* A new document: the whole window, no area, no cursor (filter and groups
 * stay). */
void actorscope_session_reset_time (ActorscopeSession *self);

G_END_DECLS
