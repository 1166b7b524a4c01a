/* events: placeholder, being written. */
#include "events.h"
