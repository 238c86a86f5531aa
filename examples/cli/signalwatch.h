#pragma once

// Turns SIGINT/SIGTERM into a callback on the event loop, so an interrupted transfer is
// checkpointed and its lease released before the process exits.

#include <functional>
#include <memory>

class QSocketNotifier;

namespace Cli {

class SignalWatch
{
public:
    explicit SignalWatch(std::function<void(int signal)> onSignal);
    ~SignalWatch();
    SignalWatch(const SignalWatch &) = delete;
    SignalWatch &operator=(const SignalWatch &) = delete;

private:
    std::unique_ptr<QSocketNotifier> m_notifier;
    std::function<void(int)> m_onSignal;
};

} // namespace Cli
