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
    case State::Finished:
        break;
    }
    return QStringLiteral("finished");
}

} // namespace Background
