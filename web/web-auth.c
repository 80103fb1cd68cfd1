/* web-auth.c: token and origin checks. */
#include "config.h"

#include <gio/gio.h>
#include <string.h>

#include "web-auth.h"

gboolean
web_auth_token_equal (const char *a, const char *b)
{
  gsize la, lb;
  guint8 diff = 0;

  if (a == NULL || b == NULL)
    return FALSE;
  la = strlen (a);
  lb = strlen (b);
  for (gsize i = 0; i < la; i++)
    diff |= (guint8) (a[i] ^ (i < lb ? b[i] : 0));
  return diff == 0 && la == lb;
}

/* Finds "name=value" in a list separated by sep (cookies: ';', query: '&')
 * and checks value against token. */
static gboolean
list_has_token (const char *list, char sep, const char *name, const char *token)
{
  g_autofree char *copy = NULL;
  gsize name_len = strlen (name);
  char *p;

  if (list == NULL)
    return FALSE;
  copy = g_strdup (list);
  p = copy;
  while (p != NULL && *p != '\0')
    {
      char *next = strchr (p, sep);
      if (next != NULL)
        *next++ = '\0';
      while (*p == ' ')
        p++;
      if (strncmp (p, name, name_len) == 0 && p[name_len] == '=' &&
          web_auth_token_equal (p + name_len + 1, token))
        return TRUE;
      p = next;
    }
  return FALSE;
}

gboolean
web_auth_check_token (const char *token, const char *authorization, const char *cookie,
                      const char *query)
{
  if (token == NULL || *token == '\0')
    return TRUE;
  if (authorization != NULL && g_ascii_strncasecmp (authorization, "Bearer ", 7) == 0 &&
      web_auth_token_equal (authorization + 7, token))
    return TRUE;
  return list_has_token (cookie, ';', "actorscope_token", token) ||
         list_has_token (query, '&', "token", token);
}

gboolean
web_auth_check_origin (const char *origin, const char *host, const char *const *allowed)
{
  if (origin == NULL || *origin == '\0')
    return TRUE;
  if (web_auth_parse_host_header (host, NULL, NULL))
    {
      g_autofree char *http = g_strconcat ("http://", host, NULL);
      g_autofree char *https = g_strconcat ("https://", host, NULL);
      if (g_ascii_strcasecmp (origin, http) == 0 || g_ascii_strcasecmp (origin, https) == 0)
        return TRUE;
    }
  for (guint i = 0; allowed != NULL && allowed[i] != NULL; i++)
    if (g_ascii_strcasecmp (origin, allowed[i]) == 0)
      return TRUE;
  return FALSE;
}

gboolean
web_auth_is_loopback (const char *host)
{
  g_autoptr(GInetAddress) ia = NULL;

  if (host == NULL)
    return FALSE;
  if (g_ascii_strcasecmp (host, "localhost") == 0)
    return TRUE;
  ia = g_inet_address_new_from_string (host);
  return ia != NULL && g_inet_address_get_is_loopback (ia);
}

/* reg-name characters we accept: RFC 3986 unreserved. Sub-delims and
 * percent-encoding are legal there but never part of a real host name,
 * and each one is a way to make two parsers disagree. */
#define HOST_NAME_CHARS "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~"

gboolean
web_auth_parse_host_header (const char *value, char **name, guint *port)
{
  g_autofree char *host = NULL;
  const char *rest;
  guint64 p = 0;

  if (name != NULL)
    *name = NULL;
  if (port != NULL)
    *port = 0;
  if (value == NULL || *value == '\0')
    return FALSE;
  if (value[0] == '[')
    {
      const char *close = strchr (value, ']');
      g_autoptr(GInetAddress) ia = NULL;

      if (close == NULL)
        return FALSE;
      host = g_strndup (value + 1, (gsize) (close - value - 1));
      /* Only an IPv6 address: no zone id, no IPvFuture, no IPv4. */
      if (strspn (host, "0123456789abcdefABCDEF:.") != strlen (host) ||
          (ia = g_inet_address_new_from_string (host)) == NULL ||
          g_inet_address_get_family (ia) != G_SOCKET_FAMILY_IPV6)
        return FALSE;
      rest = close + 1;
    }
  else
    {
      gsize n = strspn (value, HOST_NAME_CHARS);
      if (n == 0)
        return FALSE;
      host = g_strndup (value, n);
      rest = value + n;
    }
  if (*rest == ':')
    {
      gsize digits = strspn (rest + 1, "0123456789");
      if (digits == 0 || digits > 5 || rest[1 + digits] != '\0')
        return FALSE;
      p = g_ascii_strtoull (rest + 1, NULL, 10);
      if (p == 0 || p > 65535)
        return FALSE;
    }
  else if (*rest != '\0')
    return FALSE;
  if (name != NULL)
    *name = g_steal_pointer (&host);
  if (port != NULL)
    *port = (guint) p;
  return TRUE;
}

gboolean
web_auth_host_header_is_loopback (const char *host_header)
{
  g_autofree char *name = NULL;

  if (host_header == NULL || *host_header == '\0')
    return TRUE;
  return web_auth_parse_host_header (host_header, &name, NULL) && web_auth_is_loopback (name);
}
