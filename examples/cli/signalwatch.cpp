#include "signalwatch.h"

#include <QtCore/QSocketNotifier>

#ifdef Q_OS_UNIX
#include <csignal>
#include <sys/socket.h>
#include <unistd.h>
#endif

namespace Cli {

#ifdef Q_OS_UNIX
namespace {
int g_pipe[2] = {-1, -1};

void onSignal(int signal)
{
    // Only async-signal-safe work here.
    const char c = char(signal);
    [[maybe_unused]] const ssize_t n = ::write(g_pipe[1], &c, 1);
}

void setHandler(int signal, void (*handler)(int))
{
    struct sigaction sa = {};
    sa.sa_handler = handler;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    ::sigaction(signal, &sa, nullptr);
}
} // namespace

SignalWatch::SignalWatch(std::function<void(int)> onSignal)
    : m_onSignal(std::move(onSignal))
{
    if (g_pipe[0] < 0 && ::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, g_pipe) != 0)
        return; // without the pipe the default action (death) still leaves a resumable transfer
    m_notifier = std::make_unique<QSocketNotifier>(g_pipe[0], QSocketNotifier::Read);
    QObject::connect(m_notifier.get(), &QSocketNotifier::activated, m_notifier.get(), [this] {
        char c = 0;
        if (::read(g_pipe[0], &c, 1) == 1 && m_onSignal)
            m_onSignal(int(c));
    });
    setHandler(SIGINT, &Cli::onSignal);
    setHandler(SIGTERM, &Cli::onSignal);
}

SignalWatch::~SignalWatch()
{
    if (m_notifier) {
        setHandler(SIGINT, SIG_DFL);
        setHandler(SIGTERM, SIG_DFL);
    }
}
#else
SignalWatch::SignalWatch(std::function<void(int)> onSignal)
    : m_onSignal(std::move(onSignal))
{}
SignalWatch::~SignalWatch() = default;
#endif

} // namespace Cli
