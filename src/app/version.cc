#include "app/commands.h"

namespace ait::app {

const char* version() { return AIT_VERSION; }

}  // namespace ait::app
