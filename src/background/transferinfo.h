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
    enum class State { Queued, Running, Waiting, Finished };
    Q_ENUM(State)
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

    static QString stateName(State state); // "queued", "running", "waiting", "finished"
};

} // namespace Background

Q_DECLARE_METATYPE(Background::TransferInfo)
