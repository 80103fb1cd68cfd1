/* ingest-matcher.h: the name patterns of filters and search boxes. */
#pragma once

#include "ingest-store.h"

G_BEGIN_DECLS

/* Matching used by filters: glob (fnmatch-like with * and ?, '*' also
 * crossing '/', '\\' escaping; matches the whole text) or /regex/ (GRegex,
 * unanchored; "/regex/i" ignores case). ingest_matcher_new returns NULL and
 * sets INGEST_ERROR_FILTER for a bad regex; the matcher is owned by the
 * caller. */
typedef struct _IngestMatcher IngestMatcher;
IngestMatcher *ingest_matcher_new (const char *pattern, GError **error);
gboolean ingest_matcher_match (const IngestMatcher *matcher, const char *text);
void ingest_matcher_free (IngestMatcher *matcher);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (IngestMatcher, ingest_matcher_free)

/* The pattern a search box's text stands for: NULL for NULL or empty text
 * (no filter); "/x/" and "/x/i" regexes and text with glob characters
 * ('*', '?', '[') as they are; any other text matches anywhere, as
 * "*text*". Every front end's search box goes through this. Returns an
 * owned string (g_free) or NULL. */
char *ingest_matcher_pattern_from_search (const char *text);

G_END_DECLS
