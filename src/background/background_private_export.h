#pragma once

// Internal classes are exported only in builds with tests, so tests can reach them.
#include "background_export.h"

#if defined(BACKGROUND_EXPORT_PRIVATE)
#define BACKGROUND_AUTOTEST_EXPORT BACKGROUND_EXPORT
#else
#define BACKGROUND_AUTOTEST_EXPORT
#endif
