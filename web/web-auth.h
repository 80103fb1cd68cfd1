/* web-auth.h: who may talk to the service. Pure checks, used by the server
 * on every HTTP request and websocket upgrade.
 *
 * Token: when the service has one (required when binding beyond loopback),
 * a request must carry it as "Authorization: Bearer TOKEN", as the cookie
 * "actorscope_token=TOKEN", or as the query argument "token=TOKEN" (the
 * first page load; the server then sets the cookie). Compared in constant
 * time.
 * Origin: browsers send Origin on websocket upgrades; it must be the
 * service's own origin (http://HOST where HOST is the request's Host) or one
 * listed with --allow-origin. Requests without Origin (non-browser clients:
 * producers, scripts) are allowed: they cannot be driven by a hostile page.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* TRUE when a and b are equal; time depends only on the lengths. NULL is
 * equal to nothing (not even NULL). */
gboolean web_auth_token_equal (const char *a, const char *b);

/* TRUE when token is NULL/"" (no token configured) or one of the three
 * carriers holds it. Any argument may be NULL. */
gboolean web_auth_check_token (const char *token, const char *authorization,
                               const char *cookie, const char *query);

/* TRUE when origin is NULL/"" or equals "http://" + host (or "https://" +
 * host) for a well-formed host (web_auth_parse_host_header), or is one of
 * allowed (NULL-terminated, may be NULL). */
gboolean web_auth_check_origin (const char *origin, const char *host,
                                const char *const *allowed);

/* TRUE for addresses that only this machine can reach (127.0.0.0/8, ::1,
 * "localhost"); FALSE for NULL. */
gboolean web_auth_is_loopback (const char *host);

/* Parses an HTTP Host header strictly (RFC 3986 host [":" port]): a name
 * of letters, digits and "-._~", or an IPv6 literal in brackets (nothing
 * but end or ":" port after "]"), port 1-5 digits <= 65535, no userinfo,
 * no spaces, no percent-encoding. On success *name (owned, may be NULL to
 * skip) is the host without brackets and *port the port (0 = none). */
gboolean web_auth_parse_host_header (const char *value, char **name, guint *port);

/* TRUE when an HTTP Host header ("name", "name:port", "[v6]:port") parses
 * (web_auth_parse_host_header) and names a loopback address, or is NULL/""
 * (non-browser clients). Without a token the service only answers such
 * requests: a hostile page whose own name was re-pointed at 127.0.0.1 (DNS
 * rebinding) sends its own name as Host. */
gboolean web_auth_host_header_is_loopback (const char *host_header);

G_END_DECLS
