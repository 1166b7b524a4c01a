/* privs: placeholder, being written. */
#include "privs.h"
