/* ingest-matcher.c: name filters, glob ("/user/w*", "?") or "/regex/".
 *
 * A pattern is a regex when it starts and ends with '/' and has something in
 * between ("/^w[0-9]+$/"), optionally followed by an "i" flag for a
 * case-insensitive match ("/worker/i"). Everything else is a glob where '*'
 * matches any run of characters (including '/', so a trailing star after
 * "/user/workers/" covers the whole subtree), '?' one character (not byte),
 * and '\' escapes the next character. Globs match the whole name, regexes
 * anywhere in it (anchor with ^ and $). A pattern like "/user/" is therefore
 * the regex "user"; write "/user/?*" for a glob.
 *
 * Patterns come from whoever looks at a live service, and a regex can
 * backtrack exponentially ("/^(a|aa)+$/" on a long run of a's). Regexes go
 * to PCRE2 directly because GRegex exposes no match limit: each name may
 * cost at most INGEST_MATCHER_STEP_LIMIT backtracking steps, and all the
 * matching a matcher does between two budget resets (one view build, one
 * live-window step) at most INGEST_MATCHER_BUDGET_MS of time plus
 * INGEST_MATCHER_BUDGET_US_PER_NAME per name matched. Past either
 * the matcher fails for good: every match is FALSE and
 * ingest_matcher_check() says why.
 */
#include "config.h"

#include <string.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "ingest-matcher.h"

/* Backtracking memory per match: deep enough for any sane name pattern. */
#define HEAP_LIMIT_KIB 8192

typedef enum {
  MATCHER_OK,
  MATCHER_TOO_MANY_STEPS,
  MATCHER_TOO_SLOW,
} MatcherState;

struct _IngestMatcher {
  char *pattern;   /* as given, for messages */
  char *glob;      /* NULL for a regex */
  pcre2_code *code;
  pcre2_match_context *mctx;
  pcre2_match_data *md;
  IngestMatcherBudget own;
  IngestMatcherBudget *budget; /* &own or a view's shared one */
  MatcherState state;
};

static gboolean
is_regex (const char *p, gsize len, gboolean *caseless, gsize *body_len)
{
  *caseless = FALSE;
  if (len >= 3 && p[0] == '/' && p[len - 1] == '/')
    {
      *body_len = len - 2;
      return TRUE;
    }
  if (len >= 4 && p[0] == '/' && p[len - 2] == '/' && p[len - 1] == 'i')
    {
      *caseless = TRUE;
      *body_len = len - 3;
      return TRUE;
    }
  return FALSE;
}

char *
ingest_matcher_pattern_from_search (const char *text)
{
  gsize len, body_len;
  gboolean caseless;

  if (text == NULL || *text == '\0')
    return NULL;
  len = strlen (text);
  /* Regexes and globs are the matcher's own syntax; plain text is what
   * people type in a search box, so it matches anywhere. */
  if (is_regex (text, len, &caseless, &body_len) || strpbrk (text, "*?[") != NULL)
    return g_strdup (text);
  return g_strdup_printf ("*%s*", text);
}

IngestMatcher *
ingest_matcher_new (const char *pattern, GError **error)
{
  g_return_val_if_fail (pattern != NULL, NULL);
  gsize len = strlen (pattern), body_len;
  gboolean caseless;
  IngestMatcher *m = g_new0 (IngestMatcher, 1);

  if (!g_utf8_validate (pattern, (gssize) len, NULL))
    {
      g_set_error (error, INGEST_ERROR, INGEST_ERROR_FILTER,
                   "filter pattern is not valid UTF-8");
      g_free (m);
      return NULL;
    }
  m->pattern = g_strdup (pattern);
  m->budget = &m->own;
  if (is_regex (pattern, len, &caseless, &body_len))
    {
      int code;
      PCRE2_SIZE offset;
      /* UTF and Unicode properties: what GRegex did for these patterns. */
      m->code = pcre2_compile ((PCRE2_SPTR) pattern + 1, body_len,
                               PCRE2_UTF | PCRE2_UCP | (caseless ? PCRE2_CASELESS : 0),
                               &code, &offset, NULL);
      if (m->code == NULL)
        {
          PCRE2_UCHAR msg[256];
          pcre2_get_error_message (code, msg, sizeof msg);
          g_set_error (error, INGEST_ERROR, INGEST_ERROR_FILTER,
                       "bad regular expression %s: %s at offset %zu", pattern,
                       (const char *) msg, (gsize) offset);
          g_free (m->pattern);
          g_free (m);
          return NULL;
        }
      m->mctx = pcre2_match_context_create (NULL);
      pcre2_set_match_limit (m->mctx, INGEST_MATCHER_STEP_LIMIT);
      pcre2_set_depth_limit (m->mctx, INGEST_MATCHER_STEP_LIMIT);
      pcre2_set_heap_limit (m->mctx, HEAP_LIMIT_KIB);
      m->md = pcre2_match_data_create_from_pattern (m->code, NULL);
    }
  else
    m->glob = g_strdup (pattern);
  return m;
}

void
ingest_matcher_free (IngestMatcher *m)
{
  if (m == NULL)
    return;
  g_free (m->pattern);
  g_free (m->glob);
  pcre2_match_data_free (m->md);
  pcre2_match_context_free (m->mctx);
  pcre2_code_free (m->code);
  g_free (m);
}

/* Iterative glob with single-star backtracking: linear in practice, never
 * exponential (a later '*' supersedes the earlier backtrack point). */
static gboolean
glob_match (const char *p, const char *s)
{
  const char *star_p = NULL, *star_s = NULL;

  for (;;)
    {
      if (*p == '*')
        {
          while (*p == '*')
            p++;
          if (*p == '\0')
            return TRUE;
          star_p = p;
          star_s = s;
          continue;
        }
      if (*s == '\0')
        return *p == '\0';
      if (*p == '?')
        {
          p++;
          s = g_utf8_next_char (s);
          continue;
        }
      const char *lit = p;
      if (*lit == '\\' && lit[1] != '\0')
        lit++;
      if (*lit != '\0' && *lit == *s)
        {
          p = lit + 1;
          s++;
          continue;
        }
      if (star_p == NULL)
        return FALSE;
      /* Let the last star swallow one more character and retry. */
      star_s = g_utf8_next_char (star_s);
      s = star_s;
      p = star_p;
    }
}

gboolean
ingest_matcher_match (IngestMatcher *m, const char *text)
{
  g_return_val_if_fail (m != NULL, FALSE);
  if (m->state != MATCHER_OK)
    return FALSE;
  if (text == NULL)
    text = "";

  gboolean hit;
  gint64 t0 = g_get_monotonic_time ();
  if (m->code != NULL)
    {
      int rc = pcre2_match (m->code, (PCRE2_SPTR) text, PCRE2_ZERO_TERMINATED, 0, 0, m->md, m->mctx);
      hit = rc >= 0;
      if (rc == PCRE2_ERROR_MATCHLIMIT || rc == PCRE2_ERROR_DEPTHLIMIT
          || rc == PCRE2_ERROR_HEAPLIMIT || rc == PCRE2_ERROR_NOMEMORY)
        m->state = MATCHER_TOO_MANY_STEPS;
    }
  else
    hit = glob_match (m->glob, text);
  IngestMatcherBudget *b = m->budget;
  b->spent_us += g_get_monotonic_time () - t0;
  b->n_matched++;
  /* A million ordinary names take a fraction of a second: what they cost
   * is the view's own size, not the pattern's fault. */
  if (m->state == MATCHER_OK
      && (guint64) b->spent_us > INGEST_MATCHER_BUDGET_MS * G_GUINT64_CONSTANT (1000)
                                 + b->n_matched * INGEST_MATCHER_BUDGET_US_PER_NAME)
    m->state = MATCHER_TOO_SLOW;
  return hit && m->state == MATCHER_OK;
}

void
ingest_matcher_reset_budget (IngestMatcher *m)
{
  g_return_if_fail (m != NULL);
  m->budget->spent_us = 0;
  m->budget->n_matched = 0;
}

void
ingest_matcher_share_budget (IngestMatcher *m, IngestMatcherBudget *budget)
{
  g_return_if_fail (m != NULL);
  m->budget = budget != NULL ? budget : &m->own;
}

gboolean
ingest_matcher_check (const IngestMatcher *m, GError **error)
{
  g_return_val_if_fail (m != NULL, FALSE);
  switch (m->state)
    {
    case MATCHER_OK:
      return TRUE;
    case MATCHER_TOO_MANY_STEPS:
      g_set_error (error, INGEST_ERROR, INGEST_ERROR_FILTER,
                   "filter too expensive (%s needs more than %d backtracking steps on one "
                   "name; matching is limited to %d ms per view): simplify the pattern",
                   m->pattern, INGEST_MATCHER_STEP_LIMIT, INGEST_MATCHER_BUDGET_MS);
      return FALSE;
    case MATCHER_TOO_SLOW:
    default:
      g_set_error (error, INGEST_ERROR, INGEST_ERROR_FILTER,
                   "filter too expensive (%s took more than %d ms of matching in one view, "
                   "beyond %d us per name): simplify the pattern", m->pattern,
                   INGEST_MATCHER_BUDGET_MS, INGEST_MATCHER_BUDGET_US_PER_NAME);
      return FALSE;
    }
}
