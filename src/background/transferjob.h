#pragma once

// What every transfer does between its attempts: retries with backoff on the engine's clock,
// the stall timer, the request each attempt starts from, and the one durable result.

#include "networkresponse.h"
#include "sessionconfiguration.h"
#include "transferstore.h"

#include <QtCore/QObject>
#include <QtCore/QTimer>
#include <QtNetwork/QNetworkReply>
#include <QtNetwork/QNetworkRequest>

#include <chrono>
#include <memory>
#include <optional>

namespace Background {

class TransferEngine;

class TransferJob : public QObject
{
    Q_OBJECT
public:
    TransferJob(TransferEngine *engine,
                const TransferRow &row,
                const QNetworkRequest &request,
                const SessionConfiguration &configuration);

    QString identifier() const { return m_row.identifier; }
    const TransferRow &row() const { return m_row; }

    // The engine starts a job when the queue gives it a slot; a job waiting to retry gives the
    // slot back (TransferEngine::jobWaiting) and asks again when due (jobDue).
    void start();
    // The next attempt, once the queue gave the slot back.
    void runAttempt();
    const QNetworkRequest &request() const { return m_request; }
    const SessionConfiguration &configuration() const { return m_config; }
    // The app's request for `url`, with sensitive headers dropped away from the home origin.
    QNetworkRequest requestFor(const QUrl &url) const;
    // Makes `request` trust the session's certificate authorities besides the system's.
    static void applyTrust(QNetworkRequest *request, const SessionConfiguration &config);
    // Stops without a result (the engine is going away); the lease is released by the engine.
    virtual void stop() = 0;
    // Stops and deletes what the transfer keeps locally.
    virtual void cancel() = 0;

Q_SIGNALS:
    void progress(qint64 bytesDone, qint64 bytesTotal);
    // Emitted once, after the result is in the store.
    void finished(const Background::NetworkResponse &response);

protected:
    virtual void beginAttempt() = 0;
    virtual bool isAttemptRunning() const = 0;
    virtual void onStalled() = 0;
    // The result is about to be recorded: close files, drop data that cannot be resumed.
    virtual void releaseLocal(const NetworkResponse &response) = 0;
    virtual qint64 bytesDone() const = 0;

    void transient(NetworkResponse::Error error,
                   const QString &message,
                   int status,
                   std::optional<std::chrono::seconds> retryAfter,
                   const HeaderList &headers);
    void finalize(NetworkResponse response);
    // finalize() with a Failed result carrying `error`.
    void fail(int status, NetworkResponse::Error error, const QString &message);
    NetworkResponse baseResponse(int status, const HeaderList &headers) const;
    static std::optional<std::chrono::seconds> retryAfterOf(const HeaderList &headers,
                                                            qint64 nowMs);
    void stopTimers();

    struct ErrorClass
    {
        NetworkResponse::Error error;
        bool transient;
    };
    static ErrorClass classifyNetworkError(QNetworkReply::NetworkError error, bool answered);

    struct ReplyDeleter
    {
        // Only connections to this receiver are cut: QNetworkReply::disconnect() would also
        // cut Qt's own link that carries abort() to the socket, leaving the connection open.
        QObject *receiver = nullptr;
        void operator()(QNetworkReply *reply) const;
    };
    using ReplyPtr = std::unique_ptr<QNetworkReply, ReplyDeleter>;
    static HeaderList replyHeaders(const QNetworkReply *reply);
    // Ends the transfer Failed/ProtocolError when the response head breaks Http's limits.
    bool refusedHead(int status, const HeaderList &headers);
    // The first value of header `name` (case-insensitive); empty when absent.
    static QByteArray headerValue(const HeaderList &headers, const char *name);

    // Uploads: true while the source matches the fingerprint taken when the upload was asked
    // for; otherwise the result is recorded as Failed/SourceChanged.
    bool sourceUnchanged();

    TransferEngine *m_engine;
    TransferRow m_row;
    QNetworkRequest m_request; // as the app gave it, sensitive headers included (memory only)
    SessionConfiguration m_config;
    QUrl m_currentUrl;
    int m_redirects = 0;
    bool m_finalizing = false;
    bool m_progressThisAttempt = false;
    QTimer m_stallTimer;

private:
    void scheduleRetry();
    void checkDue();

    QTimer m_retryTimer;
};

} // namespace Background
