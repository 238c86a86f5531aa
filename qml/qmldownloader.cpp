#include "qmldownloader.h"

#include <QtNetwork/QNetworkRequest>

namespace Background {

QmlDownloader::QmlDownloader(QObject *parent)
    : QmlTransferClient(parent)
{}

QObject *QmlDownloader::createClient(const SessionConfiguration &configuration)
{
    auto *downloader = new Downloader(configuration, this);
    connectClient(downloader);
    return downloader;
}

bool QmlDownloader::download(const QUrl &url,
                             const QString &identifier,
                             const QString &filePath,
                             const QVariantMap &options,
                             const QJSValue &callback)
{
    QNetworkRequest request(url);
    DownloadOptions downloadOptions;
    downloadOptions.expectedSha256 = options.value(QStringLiteral("sha256")).toString().toLatin1();
    QString why;
    if (!parsePriority(options, &downloadOptions.priority, &why)
        || !applyHeaders(options, &request, &why) || !ensureClient()) {
        failLater(identifier, why, callback);
        return false;
    }
    auto *downloader = static_cast<Downloader *>(client());
    track(identifier,
          downloader->networkResponse(request, identifier, filePath, downloadOptions),
          callback);
    return true;
}

} // namespace Background
