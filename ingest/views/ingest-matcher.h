/* ingest-matcher.h: the name patterns of filters and search boxes. */
#pragma once

#include "ingest-store.h"

G_BEGIN_DECLS

/* Matching used by filters: glob (fnmatch-like with * and ?, '*' also
 * crossing '/', '\\' escaping; matches the whole text) or /regex/ (PCRE2,
 * unanchored; "/regex/i" ignores case). ingest_matcher_new returns NULL and
 * sets INGEST_ERROR_FILTER for a bad regex; the matcher is owned by the
 * caller. */
typedef struct _IngestMatcher IngestMatcher;
IngestMatcher *ingest_matcher_new (const char *pattern, GError **error);
/* What matching may cost (see ingest-matcher.c): backtracking steps of a
 * regex on one name, and time between budget resets: milliseconds, plus
 * microseconds per name matched (ordinary patterns take well under one). */
#define INGEST_MATCHER_STEP_LIMIT 100000
#define INGEST_MATCHER_BUDGET_MS 100
#define INGEST_MATCHER_BUDGET_US_PER_NAME 2

/* TRUE when text (NULL = "") matches. Counts against the matcher's budget;
 * once a name needs more than INGEST_MATCHER_STEP_LIMIT steps or the
 * matching since the last reset more than INGEST_MATCHER_BUDGET_MS (plus
 * INGEST_MATCHER_BUDGET_US_PER_NAME per name), the matcher has failed for
 * good and returns FALSE. */
gboolean ingest_matcher_match (IngestMatcher *matcher, const char *text);

/* Matching time since a reset, shared by the matchers of one view so its
 * filters and groups (up to 18 patterns) spend one budget, not one each. */
typedef struct {
  gint64 spent_us;
  guint64 n_matched;
} IngestMatcherBudget;

/* Makes matcher count against budget (borrowed: it must outlive the
 * matcher's use; NULL = the matcher's own). */
void ingest_matcher_share_budget (IngestMatcher *matcher, IngestMatcherBudget *budget);

/* Starts a new budget period (a live window's next step) for matcher's
 * budget, shared or its own; a failed matcher stays failed. */
void ingest_matcher_reset_budget (IngestMatcher *matcher);

/* FALSE with INGEST_ERROR_FILTER "filter too expensive (...)" once the
 * matcher has failed; a view built with it must not be shown. */
gboolean ingest_matcher_check (const IngestMatcher *matcher, GError **error);
void ingest_matcher_free (IngestMatcher *matcher);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (IngestMatcher, ingest_matcher_free)

/* The pattern a search box's text stands for: NULL for NULL or empty text
 * (no filter); "/x/" and "/x/i" regexes and text with glob characters
 * ('*', '?', '[') as they are; any other text matches anywhere, as
 * "*text*". Every front end's search box goes through this. Returns an
 * owned string (g_free) or NULL. */
char *ingest_matcher_pattern_from_search (const char *text);

G_END_DECLS
