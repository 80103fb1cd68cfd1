/* actorscope-time-ruler.h: the time axis above the timeline.
 *
 * Follows an ActorscopeSceneView (borrowed, weak): asks it to map times to
 * x, and labels ticks with render_ticks_* (the same spacing and formatting
 * as the exporters and the browser). Hidden when the view has no time axis.
 */
#pragma once

#include <gtk/gtk.h>
#include "actorscope-scene-view.h"

G_BEGIN_DECLS

#define ACTORSCOPE_TYPE_TIME_RULER (actorscope_time_ruler_get_type ())
G_DECLARE_FINAL_TYPE (ActorscopeTimeRuler, actorscope_time_ruler, ACTORSCOPE, TIME_RULER, GtkWidget)

void actorscope_time_ruler_set_view (ActorscopeTimeRuler *self, ActorscopeSceneView *view);

G_END_DECLS
