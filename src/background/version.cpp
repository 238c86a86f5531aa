#include "background_version.h"

namespace Background {

QVersionNumber libraryVersion()
{
    return {BACKGROUND_VERSION_MAJOR, BACKGROUND_VERSION_MINOR, BACKGROUND_VERSION_PATCH};
}

} // namespace Background
