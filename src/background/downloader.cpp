#include "downloader.h"

#include "clientwiring.h"

namespace Background {

class DownloaderPrivate
{
public:
    SessionConfiguration configuration;
    std::shared_ptr<TransferEngine> engine;
};

Downloader::Downloader(QObject *parent)
    : Downloader(SessionConfiguration(), parent)
{}

Downloader::Downloader(const SessionConfiguration &configuration, QObject *parent)
    : QObject(parent)
    , d(std::make_unique<DownloaderPrivate>())
{
    d->configuration = configuration;
    d->engine = TransferEngine::forConfiguration(configuration);
    connectClient(this, d->engine.get(), TransferInfo::Kind::Download);
}

Downloader::~Downloader() = default;

SessionConfiguration Downloader::configuration() const
{
    return d->configuration;
}

NetworkResponse::Error Downloader::storeError() const
{
    return d->engine->store().error();
}
QString Downloader::storeErrorString() const
{
    return d->engine->store().errorString();
}

QFuture<NetworkResponse> Downloader::networkResponse(const QNetworkRequest &request,
                                                     const QString &identifier,
                                                     const QString &destinationPath)
{
    return networkResponse(request, identifier, destinationPath, DownloadOptions());
}

QFuture<NetworkResponse> Downloader::networkResponse(const QNetworkRequest &request,
                                                     const QString &identifier,
                                                     const QString &destinationPath,
                                                     const DownloadOptions &options)
{
    return d->engine->download(request, identifier, destinationPath, options, d->configuration);
}

QFuture<NetworkResponse> Downloader::resume(const QString &identifier)
{
    return d->engine->resume(identifier, d->configuration);
}

QStringList Downloader::pendingIdentifiers() const
{
    return d->engine->store().unfinishedIdentifiers(TransferInfo::Kind::Download);
}

QList<TransferInfo> Downloader::transfers() const
{
    return d->engine->transfers(TransferInfo::Kind::Download);
}

std::optional<TransferInfo> Downloader::transfer(const QString &identifier) const
{
    return d->engine->transfer(identifier);
}

bool Downloader::forget(const QString &identifier)
{
    return d->engine->forget(identifier);
}
bool Downloader::cancel(const QString &identifier)
{
    return d->engine->cancel(identifier);
}
bool Downloader::pause(const QString &identifier)
{
    return d->engine->pause(identifier);
}
int Downloader::resumeAll()
{
    return d->engine->resumeAll(TransferInfo::Kind::Download, d->configuration);
}

} // namespace Background
