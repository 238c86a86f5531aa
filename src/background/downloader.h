#pragma once

#include "background_export.h"
#include "networkresponse.h"
#include "sessionconfiguration.h"
#include "transferinfo.h"

#include <QtCore/QFuture>
#include <QtCore/QObject>
#include <QtCore/QStringList>
#include <QtNetwork/QNetworkRequest>

#include <memory>
#include <optional>

namespace Background {

class DownloaderPrivate;

struct DownloadOptions
{
    QByteArray expectedSha256; // hex; empty: not checked
    // Higher priorities start first, first come first served within one. Set when the
    // transfer is first asked for.
    TransferInfo::Priority priority = TransferInfo::Priority::Normal;
};

// Restart-safe downloads named by an identifier the app chooses.
//
// Calling networkResponse() again with the same identifier, in this process or after a
// restart, joins the running transfer, resumes it from the bytes on disk, or answers with
// the kept result, until forget() drops it.
class BACKGROUND_EXPORT Downloader : public QObject
{
    Q_OBJECT
    Q_PROPERTY(
            QStringList pendingIdentifiers READ pendingIdentifiers NOTIFY pendingIdentifiersChanged)

public:
    explicit Downloader(QObject *parent = nullptr);
    explicit Downloader(const SessionConfiguration &configuration, QObject *parent = nullptr);
    ~Downloader() override;

    SessionConfiguration configuration() const;

    // NoError when the store opened; otherwise every call answers Failed with StoreError.
    // A corrupt or foreign store stays untouched until the app calls recoverStore().
    NetworkResponse::Error storeError() const;
    QString storeErrorString() const;

    QFuture<NetworkResponse> networkResponse(const QNetworkRequest &request,
                                             const QString &identifier,
                                             const QString &destinationPath);
    QFuture<NetworkResponse> networkResponse(const QNetworkRequest &request,
                                             const QString &identifier,
                                             const QString &destinationPath,
                                             const DownloadOptions &options);

    // Continue an unfinished or paused transfer with the request the store remembers (sensitive
    // headers are not remembered). A result that can be continued (Retry, or Failed/DiskFull)
    // is dropped and the transfer continues from its partial data; any other finished one
    // answers with its kept result.
    QFuture<NetworkResponse> resume(const QString &identifier);

    // Unfinished downloads in the store, whichever process started them.
    QStringList pendingIdentifiers() const;
    // Every download in the store, finished or not, oldest first.
    QList<TransferInfo> transfers() const;
    std::optional<TransferInfo> transfer(const QString &identifier) const;

public Q_SLOTS:
    // Drop a kept result; the file at the destination stays. False if there was none.
    bool forget(const QString &identifier);
    // Stop an unfinished transfer and delete its partial data; its futures end Failed/Canceled.
    bool cancel(const QString &identifier);
    // Stop an unfinished transfer, keeping its partial data, until resume(); this survives
    // restarts, and works on a transfer another process runs. Its futures keep waiting.
    bool pause(const QString &identifier);
    // Continue every paused and unfinished download of the store; returns how many.
    int resumeAll();

Q_SIGNALS:
    // At most about 10 per second per transfer, and always at the end.
    void progress(const QString &identifier, qint64 bytesReceived, qint64 bytesTotal);
    // Queued, running, waiting, paused, waiting for network, finished; see transfer().
    void stateChanged(const QString &identifier, Background::TransferInfo::State state);
    void finished(const QString &identifier, const Background::NetworkResponse &response);
    void pendingIdentifiersChanged();

private:
    std::unique_ptr<DownloaderPrivate> d;
};

} // namespace Background
