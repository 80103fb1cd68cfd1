/* cli-publish.h: `actorscope publish`, a trace to a NATS JetStream stream. */
#pragma once

int cli_publish_main (int argc, char **argv);
