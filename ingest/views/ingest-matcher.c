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
 */
#include "config.h"

#include <string.h>

#include "ingest-matcher.h"

struct _IngestMatcher {
  char *glob;      /* NULL for a regex */
  GRegex *regex;
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
  if (is_regex (pattern, len, &caseless, &body_len))
    {
      g_autofree char *body = g_strndup (pattern + 1, body_len);
      GError *local = NULL;
      m->regex = g_regex_new (body, G_REGEX_OPTIMIZE | (caseless ? G_REGEX_CASELESS : 0),
                              0, &local);
      if (m->regex == NULL)
        {
          g_set_error (error, INGEST_ERROR, INGEST_ERROR_FILTER,
                       "bad regular expression %s: %s", pattern, local->message);
          g_error_free (local);
          g_free (m);
          return NULL;
        }
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
  g_free (m->glob);
  if (m->regex)
    g_regex_unref (m->regex);
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
ingest_matcher_match (const IngestMatcher *m, const char *text)
{
  g_return_val_if_fail (m != NULL, FALSE);
  if (text == NULL)
    text = "";
  if (m->regex)
    return g_regex_match (m->regex, text, 0, NULL);
  return glob_match (m->glob, text);
}
