/* routing: placeholder, being written. */
#include "routing.h"
