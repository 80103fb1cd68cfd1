/* render-names.h: the shortest names that still tell actors apart.
 *
 * Every picture labels actors by a short form of their names: the last
 * component of a path ("/user/a/db" -> "db"), the last two of a dotted
 * name ("org.xen.xapi.storage.nfs" -> "…storage.nfs"). When two names of
 * one picture would read the same ("/user/a/db", "/user/b/db"), each grows
 * leftwards by components until it is unique ("a/db", "b/db"): common
 * prefixes are folded away, the distinguishing part is kept. Other names
 * ("xapi:15859") are shown whole. The full name is always in the tooltip.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The display names of n names (NULL and "" read "?"), in the same order.
 * Distinct names get distinct display names; equal names get equal ones.
 * Work is O(n × components), components capped at 64 per name. Returns a
 * NULL-terminated array of n strings, owned by the caller (g_strfreev). */
char **render_names_shorten (const char *const *names, guint n);

G_END_DECLS
