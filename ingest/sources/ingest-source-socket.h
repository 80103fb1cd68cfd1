/* ingest-source-socket.h: producers connect over TCP or a Unix socket and
 * write a trace stream (native NDJSON, or any format the parser detects).
 *
 * Each connection gets its own push parser, so partial lines across reads
 * and many producers at once are fine. Bounded: at most max_producers
 * connections at once (one more is told "error: too many producers" on its
 * socket and closed), lines longer than max_line_bytes are skipped with an
 * error line written back to the producer.
 *
 * The first line of every connection is looked at before the parser: one
 * that looks like an HTTP request ("POST /x HTTP/1.1": a web page that
 * fetch()es the port) closes the connection, so does a missing or wrong
 * token line where one is needed. Both are counted (n_rejected).
 */
#pragma once

#include "ingest-source.h"
#include "ingest-parser.h"

G_BEGIN_DECLS

typedef struct _IngestSocketSource IngestSocketSource;

typedef struct {
  guint max_producers;        /* 0 = default 64; shared by every listen address */
  /* NULL = none: then only loopback TCP addresses (and unix sockets) may be
   * listened on. With a token, a producer on a non-loopback TCP address must
   * send {"token":"TOKEN"} as its first line (copied). */
  const char *token;
  /* A producer that sent no byte for this long is closed (an error line
   * says why; a blank line keeps a quiet producer connected). 0 = never. */
  guint idle_timeout_ms;
  /* Producers from one address beyond loopback: at most this many (0 =
   * half of max_producers), so one host can't take every slot. Loopback
   * peers are all one address and are not limited. */
  guint max_per_address;
  gsize max_line_bytes;       /* 0 = INGEST_PARSER_DEFAULT_MAX_LINE */
  gboolean strict;            /* close a producer at its first malformed record */
  IngestFormat format;        /* AUTO (default) detects per connection */
} IngestSocketOptions;

/* A new source appending to store (borrowed) with no addresses yet. options
 * may be NULL (copied); hooks may be NULL (copied). Owned by the caller. */
IngestSocketSource *ingest_socket_source_new (IngestStore *store,
                                              const IngestSocketOptions *options,
                                              const IngestSourceHooks *hooks);
void ingest_socket_source_free (IngestSocketSource *source);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (IngestSocketSource, ingest_socket_source_free)

/* Listens on spec: "tcp://HOST:PORT" (PORT 0 = ephemeral) or "unix:PATH" (a
 * stale socket file at PATH is replaced; the file is removed on free).
 * Returns FALSE with error on a bad spec or bind failure, and with
 * G_IO_ERROR_INVALID_ARGUMENT for a TCP address beyond loopback (0.0.0.0,
 * a LAN address) when the source has no token. */
gboolean ingest_socket_source_listen (IngestSocketSource *source, const char *spec,
                                      GError **error);
/* The effective "tcp://127.0.0.1:PORT" / "unix:PATH" of the n-th listen
 * call (borrowed), NULL when out of range. */
const char *ingest_socket_source_get_address (IngestSocketSource *source, guint n);
/* Producers connected now. */
guint ingest_socket_source_n_producers (IngestSocketSource *source);
/* Producers refused because of the limit, since creation. */
guint64 ingest_socket_source_n_refused (IngestSocketSource *source);
/* Connections closed at their first line (HTTP requests, missing or wrong
 * token), since creation. */
guint64 ingest_socket_source_n_rejected (IngestSocketSource *source);

/* Parses a listen spec (pure; for option checking and tests). Returns a new
 * GSocketAddress (owned) or NULL with error. */
GSocketAddress *ingest_socket_parse_address (const char *spec, GError **error);

G_END_DECLS
