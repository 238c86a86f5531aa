#include "uploader.h"

#include "clientwiring.h"

namespace Background {

class UploaderPrivate
{
public:
    SessionConfiguration configuration;
    std::shared_ptr<TransferEngine> engine;
};

Uploader::Uploader(QObject *parent)
    : Uploader(SessionConfiguration(), parent)
{}

Uploader::Uploader(const SessionConfiguration &configuration, QObject *parent)
    : QObject(parent)
    , d(std::make_unique<UploaderPrivate>())
{
    d->configuration = configuration;
    d->engine = TransferEngine::forConfiguration(configuration);
    connectClient(this, d->engine.get(), TransferInfo::Kind::Upload);
    connect(d->engine.get(), &TransferEngine::terminated, this, &Uploader::terminated);
}

Uploader::~Uploader() = default;

SessionConfiguration Uploader::configuration() const
{
    return d->configuration;
}
NetworkResponse::Error Uploader::storeError() const
{
    return d->engine->store().error();
}
QString Uploader::storeErrorString() const
{
    return d->engine->store().errorString();
}

QFuture<NetworkResponse> Uploader::networkResponse(const QNetworkRequest &request,
                                                   const QString &filePath,
                                                   const QString &identifier)
{
    return networkResponse(request, filePath, identifier, UploadOptions());
}

QFuture<NetworkResponse> Uploader::networkResponse(const QNetworkRequest &request,
                                                   const QString &filePath,
                                                   const QString &identifier,
                                                   const UploadOptions &options)
{
    return d->engine->upload(request, filePath, identifier, options, d->configuration);
}

QFuture<NetworkResponse> Uploader::resume(const QString &identifier)
{
    return d->engine->resume(identifier, d->configuration);
}

QStringList Uploader::pendingIdentifiers() const
{
    return d->engine->store().unfinishedIdentifiers(TransferInfo::Kind::Upload);
}

QList<TransferInfo> Uploader::transfers() const
{
    return d->engine->transfers(TransferInfo::Kind::Upload);
}

std::optional<TransferInfo> Uploader::transfer(const QString &identifier) const
{
    return d->engine->transfer(identifier);
}

bool Uploader::forget(const QString &identifier)
{
    return d->engine->forget(identifier);
}
bool Uploader::cancel(const QString &identifier)
{
    return d->engine->cancel(identifier);
}
bool Uploader::pause(const QString &identifier)
{
    return d->engine->pause(identifier);
}
int Uploader::resumeAll()
{
    return d->engine->resumeAll(TransferInfo::Kind::Upload, d->configuration);
}

} // namespace Background
