#pragma once

#include "background_export.h"
#include "networkresponse.h"
#include "sessionconfiguration.h"
#include "transferinfo.h"
#include "uploadoptions.h"

#include <QtCore/QFuture>
#include <QtCore/QObject>
#include <QtCore/QStringList>
#include <QtNetwork/QNetworkRequest>

#include <memory>
#include <optional>

namespace Background {

class UploaderPrivate;

// Restart-safe uploads named by an identifier the app chooses.
//
// The file is fingerprinted when the upload is first asked for; if it changes or vanishes
// before the server has it all, the result is Failed/SourceChanged. A plain HTTP upload that
// was interrupted (or whose process died) is sent again from its first byte; a tus upload
// (UploadOptions::Protocol::Tus) continues from the offset its server reports.
class BACKGROUND_EXPORT Uploader : public QObject
{
    Q_OBJECT
    Q_PROPERTY(
            QStringList pendingIdentifiers READ pendingIdentifiers NOTIFY pendingIdentifiersChanged)

public:
    explicit Uploader(QObject *parent = nullptr);
    explicit Uploader(const SessionConfiguration &configuration, QObject *parent = nullptr);
    ~Uploader() override;

    SessionConfiguration configuration() const;
    // As Downloader's: a corrupt or foreign store stays untouched until recoverStore().
    NetworkResponse::Error storeError() const;
    QString storeErrorString() const;

    QFuture<NetworkResponse> networkResponse(const QNetworkRequest &request,
                                             const QString &filePath,
                                             const QString &identifier);
    QFuture<NetworkResponse> networkResponse(const QNetworkRequest &request,
                                             const QString &filePath,
                                             const QString &identifier,
                                             const UploadOptions &options);

    // Continue an unfinished or paused upload with the request the store remembers (without the
    // sensitive headers). A Retry result is dropped and the upload continues; any other
    // finished one answers with its kept result.
    QFuture<NetworkResponse> resume(const QString &identifier);

    QStringList pendingIdentifiers() const;
    QList<TransferInfo> transfers() const;
    std::optional<TransferInfo> transfer(const QString &identifier) const;

public Q_SLOTS:
    bool forget(const QString &identifier);
    // Stops the upload and drops its record. A tus upload the server had created is also
    // deleted there (termination); terminated() reports when that request is over.
    bool cancel(const QString &identifier);
    // Stop an unfinished upload until resume(); survives restarts. A plain HTTP upload starts
    // again from its first byte, a tus upload continues from the server's offset.
    bool pause(const QString &identifier);
    // Continue every paused and unfinished upload of the store; returns how many.
    int resumeAll();

Q_SIGNALS:
    // At most about 10 per second per transfer, and always at the end.
    void progress(const QString &identifier, qint64 bytesSent, qint64 bytesTotal);
    void stateChanged(const QString &identifier, Background::TransferInfo::State state);
    void finished(const QString &identifier, const Background::NetworkResponse &response);
    void pendingIdentifiersChanged();
    // The DELETE that cancel() sent for a tus upload is over: the server confirmed it
    // (acknowledged, also when it no longer had the upload) or could not be reached.
    void terminated(const QString &identifier, bool acknowledged);

private:
    std::unique_ptr<UploaderPrivate> d;
};

} // namespace Background
