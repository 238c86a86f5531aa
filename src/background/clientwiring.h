#pragma once

// Downloader and Uploader are thin clients of one engine that may serve both kinds of
// transfer; each passes on only the signals of its own kind.

#include "transferengine.h"

namespace Background {

template<typename Client>
void connectClient(Client *client, TransferEngine *engine, TransferInfo::Kind kind)
{
    qRegisterMetaType<NetworkResponse>();
    QObject::connect(
            engine,
            &TransferEngine::progress,
            client,
            [client, kind](TransferInfo::Kind of, const QString &id, qint64 done, qint64 total) {
                if (of == kind)
                    Q_EMIT client->progress(id, done, total);
            });
    QObject::connect(engine,
                     &TransferEngine::finished,
                     client,
                     [client, kind](TransferInfo::Kind of,
                                    const QString &id,
                                    const NetworkResponse &response) {
                         if (of == kind)
                             Q_EMIT client->finished(id, response);
                     });
    QObject::connect(engine,
                     &TransferEngine::stateChanged,
                     client,
                     [client, kind](TransferInfo::Kind of,
                                    const QString &id,
                                    TransferInfo::State state) {
                         if (of == kind)
                             Q_EMIT client->stateChanged(id, state);
                     });
    QObject::connect(
            engine, &TransferEngine::pendingChanged, client, &Client::pendingIdentifiersChanged);
    engine->applyQueueSettings(client->configuration());
    if (client->configuration().resumeOnStart())
        engine->restoreOnStart(kind, client->configuration());
}

} // namespace Background
