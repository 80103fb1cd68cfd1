/* render-names.c: shortest unique display names of a picture's actors. */
#include "config.h"

#include <string.h>

#include "render-names.h"

/* Components beyond this many from the right are never split off: a name
 * that deep is shown whole. */
#define NAMES_MAX_LEVELS 64

typedef struct {
  const char *name;
  gsize len;                 /* without trailing separators */
  char sep;                  /* '/', '.', or 0 (shown whole) */
  guint n_levels;            /* suffixes available: starts[0] is the last component */
  guint level;               /* the suffix shown: starts[level] */
  gsize starts[NAMES_MAX_LEVELS];
} NameParts;

/* Paths ("/user/a", "akka://sys/user/a") split on '/'; dotted names
 * ("org.xen.xapi.storage") on '.'; anything else is shown whole (a name
 * like "a</b>" or "xapi:1" has no components that mean anything). */
static void
parts_init (NameParts *p, const char *name)
{
  memset (p, 0, sizeof *p);
  p->name = name != NULL && *name != '\0' ? name : "?";
  p->len = strlen (p->name);
  if (p->name[0] == '/' || strstr (p->name, "://") != NULL)
    p->sep = '/';
  else if (strchr (p->name, '.') != NULL && strpbrk (p->name, " :") == NULL && p->name[0] != '.' &&
           !g_ascii_isdigit (strrchr (p->name, '.')[1]))
    p->sep = '.';  /* not "10.0.0.1" or "v1.2" */
  if (p->sep == 0)
    return;
  while (p->len > 1 && p->name[p->len - 1] == p->sep)
    p->len--;
  /* starts[k]: where the suffix of k + 1 components begins. */
  for (gsize i = p->len; i > 0 && p->n_levels < NAMES_MAX_LEVELS; i--)
    if (p->name[i - 1] == p->sep && i < p->len)
      p->starts[p->n_levels++] = i;
  /* A group glob "/user/workers/" + "*" reads as "workers/" + "*"; a dotted name
   * keeps two components ("storage.nfs", not "nfs"). */
  gboolean star = p->n_levels > 0 && p->len - p->starts[0] == 1 && p->name[p->len - 1] == '*';
  p->level = (p->sep == '.' || star) ? 1 : 0;
  if (p->level >= p->n_levels)
    p->n_levels = 0;  /* too few components: shown whole */
}

/* The suffix shown at the current level, or the whole name (borrowed
 * start and length). */
static void
parts_suffix (const NameParts *p, const char **start, gsize *len)
{
  if (p->level >= p->n_levels)
    {
      *start = p->name;
      *len = p->len;
      return;
    }
  *start = p->name + p->starts[p->level];
  *len = p->len - p->starts[p->level];
}

char **
render_names_shorten (const char *const *names, guint n)
{
  g_autofree NameParts *parts = g_new (NameParts, MAX (n, 1));
  char **out = g_new0 (char *, n + 1);
  gboolean changed = TRUE;

  g_return_val_if_fail (n == 0 || names != NULL, out);
  for (guint i = 0; i < n; i++)
    parts_init (&parts[i], names[i]);

  /* Grow every colliding display name by one component, until none
   * collide or the colliding ones are whole. Each round lengthens at least
   * one name, so at most NAMES_MAX_LEVELS rounds. */
  for (guint round = 0; changed && round <= NAMES_MAX_LEVELS; round++)
    {
      g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
      changed = FALSE;

      /* Counts each display name, and which names differ behind it. */
      for (guint i = 0; i < n; i++)
        {
          const char *s;
          gsize len;
          parts_suffix (&parts[i], &s, &len);
          char *key = g_strndup (s, len);
          const char *first = g_hash_table_lookup (seen, key);
          if (first == NULL)
            g_hash_table_insert (seen, key, (gpointer) parts[i].name);
          else
            {
              if (first != parts[i].name && strcmp (first, parts[i].name) != 0)
                g_hash_table_insert (seen, g_strdup (key), (gpointer) "");  /* a collision */
              g_free (key);
            }
        }
      for (guint i = 0; i < n; i++)
        {
          const char *s;
          gsize len;
          parts_suffix (&parts[i], &s, &len);
          g_autofree char *key = g_strndup (s, len);
          const char *owner = g_hash_table_lookup (seen, key);
          if (owner != NULL && *owner == '\0' && parts[i].level < parts[i].n_levels)
            {
              parts[i].level++;
              changed = TRUE;
            }
        }
    }

  for (guint i = 0; i < n; i++)
    {
      const char *s;
      gsize len;
      parts_suffix (&parts[i], &s, &len);
      /* A dotted name cut on the left says so; a path's last components
       * read as they are ("db", "a/db"), as they always have. */
      if (parts[i].sep == '.' && s != parts[i].name)
        {
          g_autofree char *tail = g_strndup (s, len);
          out[i] = g_strconcat ("…", tail, NULL);
        }
      else
        out[i] = g_strndup (s, len);
    }
  return out;
}
