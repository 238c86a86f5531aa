#include "faultpoint.h"

#include <QtCore/qsystemdetection.h>

#include <cstdlib>
#include <cstring>
#include <string>

#if defined(Q_OS_WIN)
#include <io.h>
#include <windows.h>
#else
#include <csignal>
#include <unistd.h>
#if defined(Q_OS_LINUX)
#include <sys/auxv.h>
#endif
#endif

namespace Background::FaultPointDetail {

namespace {

// A set-user-ID program must not let its caller's environment kill it at will.
bool isPrivileged()
{
#if defined(Q_OS_WIN)
    return false;
#elif defined(Q_OS_LINUX)
    return ::getauxval(AT_SECURE) != 0;
#else
    return ::getuid() != ::geteuid() || ::getgid() != ::getegid();
#endif
}

// Copied: a later setenv() may free the string getenv() returned.
const std::string &armedName()
{
    static const std::string name = [] {
        const char *value = std::getenv("BACKGROUND_FAULT_POINT");
        return value && !isPrivileged() ? std::string(value) : std::string();
    }();
    return name;
}

} // namespace

const char *const armed = armedName().empty() ? nullptr : armedName().c_str();

bool matches(const char *name)
{
    return std::strcmp(armed, name) == 0;
}

void crash(const char *name)
{
    // write(2) directly: stdio and Qt buffers are exactly what a crash loses.
    const std::string line
            = std::string("background: fault point ") + name + " reached, killing the process\n";
#if defined(Q_OS_WIN)
    _write(2, line.data(), unsigned(line.size()));
    ::TerminateProcess(::GetCurrentProcess(), 86);
#else
    [[maybe_unused]] const auto written = ::write(STDERR_FILENO, line.data(), line.size());
    ::raise(SIGKILL);
#endif
    std::_Exit(86); // not reached
}

} // namespace Background::FaultPointDetail
