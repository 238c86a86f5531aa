#include "transferinfo.h"

namespace Background {

QString TransferInfo::stateName(State state)
{
    switch (state) {
    case State::Queued:
        return QStringLiteral("queued");
    case State::Running:
        return QStringLiteral("running");
    case State::Waiting:
        return QStringLiteral("waiting");
    case State::Paused:
        return QStringLiteral("paused");
    case State::WaitingForNetwork:
        return QStringLiteral("waiting-for-network");
    case State::Finished:
        break;
    }
    return QStringLiteral("finished");
}

QString TransferInfo::priorityName(Priority priority)
{
    switch (priority) {
    case Priority::Low:
        return QStringLiteral("low");
    case Priority::High:
        return QStringLiteral("high");
    case Priority::Normal:
        break;
    }
    return QStringLiteral("normal");
}

std::optional<TransferInfo::Priority> TransferInfo::priorityFromName(const QString &name)
{
    for (const Priority p : {Priority::Low, Priority::Normal, Priority::High}) {
        if (name.compare(priorityName(p), Qt::CaseInsensitive) == 0)
            return p;
    }
    return std::nullopt;
}

} // namespace Background
