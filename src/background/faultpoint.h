#pragma once

// Named crash points for restart tests. Each durable step of a transfer (see doc/durability.md)
// calls faultPoint("<name>"). When the environment variable BACKGROUND_FAULT_POINT held that
// name as the library was loaded, the process writes
//   background: fault point <name> reached, killing the process
// to stderr and kills itself with SIGKILL (TerminateProcess with exit code 86 on Windows): no
// destructor, no atexit handler, no flush of any buffer, as in a real crash. The variable is
// read once and ignored in set-user-ID/set-group-ID (AT_SECURE) processes. Unset, a call costs
// a load and a compare.

#include <QtCore/qcompilerdetection.h>

namespace Background {

namespace FaultPointDetail {
extern const char *const armed; // the name from the environment, or nullptr
[[noreturn]] void crash(const char *name);
bool matches(const char *name);
} // namespace FaultPointDetail

inline void faultPoint(const char *name)
{
    if (Q_UNLIKELY(FaultPointDetail::armed != nullptr) && FaultPointDetail::matches(name))
        FaultPointDetail::crash(name);
}

} // namespace Background
