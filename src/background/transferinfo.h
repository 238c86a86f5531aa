#pragma once

#include "background_export.h"
#include "networkresponse.h"

#include <QtCore/QDateTime>
#include <QtCore/QMetaType>
#include <QtCore/QString>
#include <QtCore/QUrl>

#include <optional>

namespace Background {

// A snapshot of one transfer as the store knows it.
class BACKGROUND_EXPORT TransferInfo
{
    Q_GADGET
public:
    // Appended values keep the numbers the store already holds.
    enum class State {
        Queued,            // waiting for a free slot (or for its owner, another process)
        Running,           // an attempt is in flight
        Waiting,           // waiting to retry until nextAttemptAt
        Finished,          // the result is kept until forget()
        Paused,            // by pause(); survives restarts until resume()
        WaitingForNetwork, // the system reports no network (or only a metered one, if disallowed)
    };
    Q_ENUM(State)
    enum class Priority { Low, Normal, High };
    Q_ENUM(Priority)
    enum class Kind { Download, Upload };
    Q_ENUM(Kind)

    QString identifier;
    Kind kind = Kind::Download;
    QUrl url;
    QString localPath; // the destination of a download, the source of an upload
    QUrl remoteUrl;    // a tus upload's own URL, once the server created it
    State state = State::Queued;
    qint64 bytesReceived = 0; // durable offset of an unfinished download, size when finished
    qint64 bytesTotal = -1;   // -1 when unknown
    int attempts = 0;
    QDateTime nextAttemptAt; // invalid unless Waiting
    QString lastError;
    std::optional<NetworkResponse> result; // set when Finished
    Priority priority = Priority::Normal;
    // Smoothed over the last seconds; known only in the process running the transfer.
    qint64 bytesPerSecond = 0; // 0 when unknown or idle
    qint64 etaSeconds = -1;    // -1 when unknown

    // "queued", "running", "waiting", "finished", "paused", "waiting-for-network"
    static QString stateName(State state);
    static QString priorityName(Priority priority); // "low", "normal", "high"
    static std::optional<Priority> priorityFromName(const QString &name);
};

} // namespace Background

Q_DECLARE_METATYPE(Background::TransferInfo)
