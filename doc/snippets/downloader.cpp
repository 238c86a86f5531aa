// Code the reference quotes for Background::Downloader, Background::recoverStore() and
// background_version.h. Compiled with the tests, never called.

#include <Background/background_version.h>
#include <Background/downloader.h>
#include <Background/storerecovery.h>

#include <QtCore/QDebug>
#include <QtCore/QFuture>
#include <QtCore/QObject>
#include <QtNetwork/QNetworkRequest>

namespace DownloaderSnippets {

Background::Downloader *createDownloader(QObject *owner)
{
    //! [create]
    Background::SessionConfiguration config; // the store under AppLocalDataLocation
    Background::RetryPolicy retry;
    retry.maxRetries = 5;
    config.setRetryPolicy(retry);

    auto *downloader = new Background::Downloader(config, owner);
    QObject::connect(downloader,
                     &Background::Downloader::progress,
                     owner,
                     [](const QString &identifier, qint64 received, qint64 total) {
                         qInfo() << identifier << received << "of" << total << "bytes";
                     });
    //! [create]
    return downloader;
}

void download(QObject *owner, Background::Downloader *downloader, const QString &destination)
{
    //! [download]
    QNetworkRequest request(QUrl(QStringLiteral("https://example.com/big.iso")));
    QFuture<Background::NetworkResponse> future
            = downloader->networkResponse(request, QStringLiteral("big-iso"), destination);

    future.then(owner, [downloader](const Background::NetworkResponse &response) {
        using Outcome = Background::NetworkResponse::Outcome;
        switch (response.outcome()) {
        case Outcome::Success:
            qInfo() << "saved to" << response.filePath();
            break;
        case Outcome::Rejected: // the server refused: repeating the same request will not help
            qWarning() << "refused with HTTP" << response.httpStatus();
            break;
        case Outcome::Retry: // transient, and the automatic retries are used up
            if (const auto delay = response.retryAfter())
                qInfo() << "the server asks to wait" << delay->count() << "s";
            break;
        case Outcome::Failed:
            qWarning() << response.errorString();
            break;
        }
        // The result is kept until the app says it has used it.
        downloader->forget(response.identifier());
    });
    //! [download]
}

void options(Background::Downloader *downloader, const QString &destination)
{
    //! [options]
    Background::DownloadOptions options;
    options.expectedSha256
            = QByteArrayLiteral("9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08");
    options.priority = Background::TransferInfo::Priority::High;
    QNetworkRequest request(QUrl(QStringLiteral("https://example.com/update.bin")));
    downloader->networkResponse(request, QStringLiteral("update-2.1"), destination, options);
    //! [options]
}

void credentials(Background::Downloader *downloader,
                 const QByteArray &token,
                 const QString &destination)
{
    //! [credentials]
    QNetworkRequest request(QUrl(QStringLiteral("https://example.com/private/report.pdf")));
    // Authorization is a sensitive header: it is used, but never written to the store. After a
    // restart this transfer waits until the app asks for it again with the header.
    request.setRawHeader(QByteArrayLiteral("Authorization"), QByteArrayLiteral("Bearer ") + token);
    downloader->networkResponse(request, QStringLiteral("report-2026-11"), destination);
    //! [credentials]
}

void afterStart(QObject *owner, Background::Downloader *downloader)
{
    //! [restart]
    // A result committed while the app was down is never announced by finished(): ask again
    // for every download the store holds. An unfinished one is joined (it continues by itself
    // with resumeOnStart; a paused one stays paused), a finished one answers at once with its
    // kept result. Send the headers the first request had, credentials included.
    const QList<Background::TransferInfo> transfers = downloader->transfers();
    for (const Background::TransferInfo &info : transfers) {
        downloader->networkResponse(QNetworkRequest(info.url), info.identifier, info.localPath)
                .then(owner, [downloader](const Background::NetworkResponse &response) {
                    qInfo() << response.identifier() << "ended:" << response.outcome();
                    downloader->forget(response.identifier());
                });
    }
    //! [restart]
}

void pauseAndResume(Background::Downloader *downloader)
{
    //! [pause]
    const QString identifier = QStringLiteral("big-iso");
    downloader->pause(identifier); // keeps the partial data, also across restarts
    // ... later, in this process or another one on the same store:
    downloader->resume(identifier); // continues from the bytes on disk
    //! [pause]
}

Background::Downloader *openDownloader(QObject *owner)
{
    //! [recover]
    auto *downloader = new Background::Downloader(owner);
    if (downloader->storeError() != Background::NetworkResponse::Error::NoError) {
        qWarning() << downloader->storeErrorString();
        const Background::StoreRecovery recovery
                = Background::recoverStore(downloader->configuration().storePath());
        if (recovery.status == Background::StoreRecovery::Status::Recovered) {
            qWarning() << "the unusable store was moved to" << recovery.movedTo;
            // This client keeps failing; those created from now on use the new store.
            delete downloader;
            downloader = new Background::Downloader(owner);
        } else if (recovery.status == Background::StoreRecovery::Status::Failed) {
            qWarning() << "cannot recover:" << recovery.errorString;
        }
    }
    //! [recover]
    return downloader;
}

void versions()
{
    //! [version]
#if BACKGROUND_VERSION >= BACKGROUND_VERSION_CHECK(0, 1, 0)
    // The headers are those of 0.1.0 or newer.
#endif
    qInfo() << "built with" << BACKGROUND_VERSION_STR << "running with"
            << Background::libraryVersion().toString();
    //! [version]
}

} // namespace DownloaderSnippets
