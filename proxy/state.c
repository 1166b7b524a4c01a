/* state: placeholder, being written. */
#include "state.h"
