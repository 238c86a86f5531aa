#include "downloader.h"

#include "transferengine.h"

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
    qRegisterMetaType<NetworkResponse>();
    d->configuration = configuration;
    d->engine = TransferEngine::forConfiguration(configuration);
    TransferEngine *engine = d->engine.get();
    // The engine may serve both kinds; each client speaks only of its own.
    connect(engine,
            &TransferEngine::progress,
            this,
            [this](TransferInfo::Kind kind, const QString &id, qint64 done, qint64 total) {
                if (kind == TransferInfo::Kind::Download)
                    Q_EMIT progress(id, done, total);
            });
    connect(engine,
            &TransferEngine::finished,
            this,
            [this](TransferInfo::Kind kind, const QString &id, const NetworkResponse &response) {
                if (kind == TransferInfo::Kind::Download)
                    Q_EMIT finished(id, response);
            });
    connect(engine, &TransferEngine::pendingChanged, this, &Downloader::pendingIdentifiersChanged);
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
    return d->engine->transfers();
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

} // namespace Background
