/* cli-nats.h: what `serve --nats` and `publish --nats` share: NATS
 * credentials from files or the environment, never only from the command
 * line (data/formats/nats.md, "Credentials"). Front-end code: it may print
 * warnings. */
#pragma once

#include <glib.h>

#include "ingest-source-nats.h"

G_BEGIN_DECLS

/* Owned strings, as ingest_nats_options_new wants them. */
typedef struct {
  char *user;
  char *password;
  char *token;
  char *creds_file;
} CliNatsAuth;

void cli_nats_auth_clear (CliNatsAuth *auth);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (CliNatsAuth, cli_nats_auth_clear)

/* Resolves the credentials: user_file (first line the user, second the
 * password) else $NATS_USER and $NATS_PASSWORD; token_file (first line)
 * else $NATS_TOKEN; creds (a .creds file) else $NATS_CREDS. Warns (on
 * stderr, prefixed with command) about secrets in url and files other users
 * can read. FALSE with *message (owned) for the user. */
gboolean cli_nats_auth_resolve (const char *command, const char *url, const char *user_file,
                                const char *token_file, const char *creds, CliNatsAuth *out,
                                char **message);

/* The borrowed view of auth for IngestNatsOptions. */
IngestNatsAuth cli_nats_auth_view (const CliNatsAuth *auth);

G_END_DECLS
