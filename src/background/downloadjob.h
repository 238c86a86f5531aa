#pragma once

// One download and its attempts: request, validation of the answer, streaming to the partial
// file, checkpoints, retries and the durable publish.

#include "networkresponse.h"
#include "partialfile.h"
#include "sessionconfiguration.h"
#include "transferstore.h"

#include <QtCore/QElapsedTimer>
#include <QtCore/QObject>
#include <QtCore/QTimer>
#include <QtNetwork/QNetworkRequest>

#include <limits>
#include <memory>

class QNetworkReply;

namespace Background {

class TransferEngine;

class DownloadJob : public QObject
{
    Q_OBJECT
public:
    DownloadJob(TransferEngine *engine,
                const TransferRow &row,
                const QNetworkRequest &request,
                const SessionConfiguration &configuration);
    ~DownloadJob() override;

    QString identifier() const { return m_row.identifier; }
    const TransferRow &row() const { return m_row; }

    void start();
    // Stops without a result (the engine is going away); the lease is released by the engine.
    void stop();
    // Stops and deletes the partial data.
    void cancel();

Q_SIGNALS:
    void progress(qint64 bytesReceived, qint64 bytesTotal);
    // Emitted once, after the result is in the store.
    void finished(const Background::NetworkResponse &response);

private:
    struct ReplyDeleter
    {
        // Only connections to this receiver are cut: QNetworkReply::disconnect() would also
        // cut Qt's own link that carries abort() to the socket, leaving the connection open.
        QObject *receiver = nullptr;
        void operator()(QNetworkReply *reply) const;
    };

    void beginAttempt();
    bool prepareOffset();
    void onMetaDataChanged();
    void onReadyRead();
    void onReplyFinished();
    void onStalled();
    void readAvailable();
    void abortReply();
    bool checkpoint(bool force);
    void emitProgress(bool force);
    void restartFromZero();

    void publish(int status, const HeaderList &headers);
    void transient(NetworkResponse::Error error,
                   const QString &message,
                   int status,
                   std::optional<std::chrono::seconds> retryAfter,
                   const HeaderList &headers);
    void finalize(NetworkResponse response);
    void scheduleRetry();
    void checkDue();
    NetworkResponse baseResponse(int status, const HeaderList &headers) const;

    TransferEngine *m_engine;
    TransferRow m_row;
    QNetworkRequest m_request; // as the app gave it, sensitive headers included (memory only)
    SessionConfiguration m_config;

    std::unique_ptr<QNetworkReply, ReplyDeleter> m_reply{nullptr, ReplyDeleter{this}};
    PartialFile m_partial;
    QByteArray m_buffer;
    QUrl m_currentUrl;
    int m_redirects = 0;

    // Per attempt
    qint64 m_offset = 0;   // where this attempt's body starts in the file
    qint64 m_received = 0; // body bytes written in this attempt
    qint64 m_total = -1;   // entity size when known
    qint64 m_lastCheckpoint = 0;
    bool m_accepted = false; // a 200/206 whose body goes to the file
    bool m_completeBy416 = false;
    bool m_stalled = false;
    bool m_finalizing = false;
    int m_status = 0;
    bool m_progressThisAttempt = false;
    bool m_finishPending = false; // the reply finished while the rate limit held data back

    QTimer m_stallTimer;
    QTimer m_rateTimer;
    QTimer m_retryTimer;
    QElapsedTimer m_checkpointClock;
    QElapsedTimer m_progressClock;
    QElapsedTimer m_rateClock;
    qint64 m_rateConsumed = 0;
};

} // namespace Background
