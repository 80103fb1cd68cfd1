/* cli-serve.h: `actorscope serve`, the live ingestion service and browser
 * console (built only when libwebsockets is available). */
#pragma once

int cli_serve_main (int argc, char **argv);
