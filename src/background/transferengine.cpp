#include "transferengine.h"

#include "clock.h"
#include "downloadjob.h"
#include "fileops.h"
#include "httprules.h"
#include "logging.h"
#include "tusrules.h"
#include "tusuploadjob.h"
#include "uploadjob.h"

#include <QtCore/QCryptographicHash>
#include <QtCore/QDir>
#include <QtCore/QFile>
#include <QtCore/QFileInfo>
#include <QtCore/QMutex>
#include <QtCore/QRandomGenerator>
#include <QtCore/QThread>
#include <QtCore/QUuid>
#include <QtNetwork/QNetworkAccessManager>
#include <QtNetwork/QNetworkReply>

namespace Background {

namespace {
constexpr int kRemotePollMs = 200;
constexpr int kMaxIdentifierLength = 1024;

QString validateIdentifier(const QString &identifier)
{
    if (identifier.isEmpty())
        return QStringLiteral("The identifier is empty");
    if (identifier.size() > kMaxIdentifierLength)
        return QStringLiteral("The identifier is longer than %1 characters")
                .arg(kMaxIdentifierLength);
    for (const QChar c : identifier) {
        if (c.category() == QChar::Other_Control)
            return QStringLiteral("The identifier contains a control character");
    }
    return {};
}

QString partialPathFor(const QString &destination)
{
    const QFileInfo info(destination);
    const QString token = QString::number(QRandomGenerator::system()->generate64(), 16);
    return info.absoluteDir().filePath(QLatin1Char('.') + info.fileName() + QLatin1Char('.') + token
                                       + QStringLiteral(".part"));
}

} // namespace

std::shared_ptr<TransferEngine> TransferEngine::forConfiguration(const SessionConfiguration &config)
{
    static QMutex mutex;
    static QHash<QString, std::weak_ptr<TransferEngine>> engines;
    const QString key = QFileInfo(config.storePath()).absoluteFilePath() + QLatin1Char('@')
                        + QString::number(quintptr(QThread::currentThread()), 16);
    QMutexLocker lock(&mutex);
    if (std::shared_ptr<TransferEngine> existing = engines.value(key).lock())
        return existing;
    std::shared_ptr<TransferEngine> engine(new TransferEngine(config));
    engines.insert(key, engine);
    return engine;
}

TransferEngine::TransferEngine(const SessionConfiguration &config)
    : m_config(config)
    , m_store(config.storePath())
    , m_network(new QNetworkAccessManager(this))
    , m_clock(new Clock(this))
    , m_ownerToken(QUuid::createUuid().toString(QUuid::WithoutBraces))
    , m_startedAt(QDateTime::currentMSecsSinceEpoch())
{
    m_network->setRedirectPolicy(QNetworkRequest::ManualRedirectPolicy);
    if (m_store.open() && config.resultLifetime().count() > 0) {
        const QStringList bodies = m_store.expireResults(QDateTime::currentMSecsSinceEpoch()
                                                         - config.resultLifetime().count());
        for (const QString &file : bodies)
            QFile::remove(file);
    }
    m_heartbeat.setInterval(qMax<qint64>(100, config.leaseTimeout().count() / 3));
    connect(&m_heartbeat, &QTimer::timeout, this, [this] {
        m_store.heartbeat(m_ownerToken, QDateTime::currentMSecsSinceEpoch());
    });
    m_heartbeat.start();
    m_remotePoll.setInterval(kRemotePollMs);
    connect(&m_remotePoll, &QTimer::timeout, this, &TransferEngine::pollRemote);
}

TransferEngine::~TransferEngine()
{
    for (TransferJob *job : std::as_const(m_jobs)) {
        job->disconnect(this);
        job->stop();
        delete job;
    }
    m_jobs.clear();
    m_store.releaseAllLeases(m_ownerToken);
    // Callers still waiting learn that nobody will answer in this process.
    for (auto it = m_promises.begin(); it != m_promises.end(); ++it) {
        const NetworkResponse r = NetworkResponse::failure(
                it.key(),
                NetworkResponse::Error::Canceled,
                QStringLiteral("The downloader was destroyed before the transfer finished"));
        for (const Promise &p : std::as_const(it.value())) {
            p->addResult(r);
            p->finish();
        }
    }
}

void TransferEngine::setClock(Clock *clock)
{
    m_clock = clock ? clock : new Clock(this);
}

Lease TransferEngine::myLease() const
{
    Lease l;
    l.ownerToken = m_ownerToken;
    l.pid = FileOps::currentProcessId();
    l.bootId = FileOps::bootId();
    l.startedAt = m_startedAt;
    l.heartbeat = QDateTime::currentMSecsSinceEpoch();
    return l;
}

bool TransferEngine::ownerIsDead(const Lease &lease) const
{
    if (lease.bootId != FileOps::bootId())
        return true; // the machine rebooted since
    return !FileOps::isProcessAlive(lease.pid);
}

TransferInfo TransferEngine::snapshot(const TransferRow &row)
{
    TransferInfo info = row.toInfo();
    if (info.state == TransferInfo::State::Running) {
        const std::optional<Lease> held = m_store.lease(row.identifier);
        const bool live = held
                          && (held->ownerToken == m_ownerToken
                              || (!ownerIsDead(*held)
                                  && QDateTime::currentMSecsSinceEpoch() - held->heartbeat
                                             <= m_config.leaseTimeout().count()));
        if (!live)
            info.state = TransferInfo::State::Queued; // the next call resumes it
    }
    return info;
}

QList<TransferInfo> TransferEngine::transfers()
{
    QList<TransferInfo> out;
    const QList<TransferRow> rows = m_store.all();
    out.reserve(rows.size());
    for (const TransferRow &row : rows)
        out.append(snapshot(row));
    return out;
}

std::optional<TransferInfo> TransferEngine::transfer(const QString &identifier)
{
    if (const std::optional<TransferRow> row = m_store.find(identifier))
        return snapshot(*row);
    return std::nullopt;
}

QFuture<NetworkResponse> TransferEngine::ready(const NetworkResponse &response)
{
    QPromise<NetworkResponse> promise;
    promise.start();
    promise.addResult(response);
    promise.finish();
    return promise.future();
}

std::optional<NetworkResponse> TransferEngine::refuse(const QString &identifier,
                                                      const QUrl &url) const
{
    if (!m_store.isOpen())
        return NetworkResponse::failure(
                identifier, NetworkResponse::Error::StoreError, m_store.errorString());
    if (const QString why = validateIdentifier(identifier); !why.isEmpty())
        return NetworkResponse::failure(identifier, NetworkResponse::Error::InvalidIdentifier, why);
    if (!Http::isHttpUrl(url))
        return NetworkResponse::failure(identifier,
                                        NetworkResponse::Error::InvalidRequest,
                                        QStringLiteral("Only http and https URLs are supported, "
                                                       "not '%1'")
                                                .arg(url.toDisplayString()));
    return std::nullopt;
}

QFuture<NetworkResponse> TransferEngine::download(const QNetworkRequest &request,
                                                  const QString &identifier,
                                                  const QString &destinationPath,
                                                  const DownloadOptions &options,
                                                  const SessionConfiguration &config)
{
    if (auto refusal = refuse(identifier, request.url()))
        return ready(*refusal);
    if (destinationPath.isEmpty() || QFileInfo(destinationPath).isDir())
        return ready(NetworkResponse::failure(
                identifier,
                NetworkResponse::Error::InvalidRequest,
                QStringLiteral("The destination '%1' is not a file path").arg(destinationPath)));
    const QByteArray sha = options.expectedSha256.trimmed().toLower();
    if (!sha.isEmpty() && (sha.size() != 64 || QByteArray::fromHex(sha).toHex() != sha))
        return ready(NetworkResponse::failure(
                identifier,
                NetworkResponse::Error::InvalidRequest,
                QStringLiteral("The expected SHA-256 must be 64 hexadecimal digits")));

    TransferRow fresh = freshRow(request, identifier, destinationPath, config);
    fresh.partialPath = partialPathFor(fresh.destination);
    fresh.expectedSha256 = sha;
    return submit(fresh, request, config);
}

QFuture<NetworkResponse> TransferEngine::upload(const QNetworkRequest &request,
                                                const QString &filePath,
                                                const QString &identifier,
                                                const UploadOptions &options,
                                                const SessionConfiguration &config)
{
    if (auto refusal = refuse(identifier, request.url()))
        return ready(*refusal);
    const QFileInfo source(filePath);
    if (filePath.isEmpty() || !source.isFile() || !source.isReadable())
        return ready(NetworkResponse::failure(
                identifier,
                NetworkResponse::Error::InvalidRequest,
                QStringLiteral("'%1' is not a readable file").arg(filePath)));
    if (const QString why = Tus::checkOptions(options); !why.isEmpty())
        return ready(
                NetworkResponse::failure(identifier, NetworkResponse::Error::InvalidRequest, why));

    TransferRow fresh = freshRow(request, identifier, filePath, config);
    fresh.kind = TransferInfo::Kind::Upload;
    fresh.uploadSpec = options.serialize();
    // Taken once, when the upload is first asked for; every attempt compares against it.
    fresh.fingerprint = FileOps::fingerprint(fresh.destination);
    // Where a large response body is kept, beside the store.
    fresh.partialPath = QFileInfo(m_store.path()).absoluteFilePath() + QStringLiteral(".bodies/")
                        + QString::fromLatin1(QCryptographicHash::hash(identifier.toUtf8(),
                                                                       QCryptographicHash::Sha1)
                                                      .toHex())
                        + QStringLiteral(".body");
    return submit(fresh, request, config);
}

TransferRow TransferEngine::freshRow(const QNetworkRequest &request,
                                     const QString &identifier,
                                     const QString &localPath,
                                     const SessionConfiguration &config) const
{
    TransferRow fresh;
    fresh.identifier = identifier;
    fresh.url = request.url();
    fresh.destination = QFileInfo(localPath).absoluteFilePath();
    const QList<QByteArray> names = request.rawHeaderList();
    for (const QByteArray &name : names) {
        if (!config.isSensitiveHeader(name))
            fresh.requestHeaders.append({name, request.rawHeader(name)});
    }
    return fresh;
}

QFuture<NetworkResponse> TransferEngine::submit(const TransferRow &fresh,
                                                const QNetworkRequest &request,
                                                const SessionConfiguration &config)
{
    const QString identifier = fresh.identifier;
    auto promise = std::make_shared<QPromise<NetworkResponse>>();
    promise->start();
    const QFuture<NetworkResponse> future = promise->future();

    if (TransferJob *job = m_jobs.value(identifier)) {
        if (job->row().url != fresh.url || job->row().destination != fresh.destination
            || job->row().kind != fresh.kind) {
            promise->addResult(
                    NetworkResponse::failure(identifier,
                                             NetworkResponse::Error::IdentifierConflict,
                                             QStringLiteral("'%1' is already transferring %2 "
                                                            "with %3")
                                                     .arg(identifier,
                                                          job->row().url.toDisplayString(),
                                                          job->row().destination)));
            promise->finish();
            return future;
        }
        m_promises[identifier].append(promise); // join the running transfer
        return future;
    }

    TransferRow row;
    const auto claim = m_store.claim(
            fresh,
            myLease(),
            config.leaseTimeout().count(),
            [this](const Lease &l) { return ownerIsDead(l); },
            &row);
    switch (claim) {
    case TransferStore::Claim::Error:
        promise->addResult(NetworkResponse::failure(identifier,
                                                    NetworkResponse::Error::StoreError,
                                                    QStringLiteral("Cannot write the transfer "
                                                                   "store %1")
                                                            .arg(m_store.path())));
        promise->finish();
        return future;
    case TransferStore::Claim::Conflict:
        promise->addResult(NetworkResponse::failure(
                identifier,
                NetworkResponse::Error::IdentifierConflict,
                QStringLiteral("'%1' is already used for %2 with %3; forget() it first")
                        .arg(identifier, row.url.toDisplayString(), row.destination)));
        promise->finish();
        return future;
    case TransferStore::Claim::Finished:
        promise->addResult(*row.result); // the kept result, without the network
        promise->finish();
        return future;
    case TransferStore::Claim::HeldByOther:
        qCInfo(lcEngine) << identifier << "is owned by another process; waiting for it";
        m_promises[identifier].append(promise);
        m_remote.insert(identifier, RemoteWait{request, config, fresh.kind});
        if (!m_remotePoll.isActive())
            m_remotePoll.start();
        return future;
    case TransferStore::Claim::Acquired:
        break;
    }
    m_promises[identifier].append(promise);
    startJob(row, request, config);
    return future;
}

void TransferEngine::startJob(const TransferRow &row,
                              const QNetworkRequest &request,
                              const SessionConfiguration &config)
{
    TransferJob *job = nullptr;
    if (row.kind == TransferInfo::Kind::Upload
        && UploadOptions::deserialize(row.uploadSpec).protocol == UploadOptions::Protocol::Tus)
        job = new TusUploadJob(this, row, request, config);
    else if (row.kind == TransferInfo::Kind::Upload)
        job = new UploadJob(this, row, request, config);
    else
        job = new DownloadJob(this, row, request, config);
    m_jobs.insert(row.identifier, job);
    const QString id = row.identifier;
    const TransferInfo::Kind kind = row.kind;
    connect(job, &TransferJob::progress, this, [this, id, kind](qint64 done, qint64 total) {
        Q_EMIT progress(kind, id, done, total);
    });
    connect(job, &TransferJob::finished, this, [this, job](const NetworkResponse &response) {
        onJobFinished(job, response);
    });
    Q_EMIT pendingChanged();
    job->start();
}

void TransferEngine::onJobFinished(TransferJob *job, const NetworkResponse &response)
{
    const QString identifier = job->identifier();
    const TransferInfo::Kind kind = job->row().kind;
    m_jobs.remove(identifier);
    job->deleteLater();
    m_store.releaseLease(identifier, m_ownerToken);
    resolve(kind, identifier, response);
    Q_EMIT pendingChanged();
}

void TransferEngine::resolve(TransferInfo::Kind kind,
                             const QString &identifier,
                             const NetworkResponse &response)
{
    // The result is already in the store; only now do callers hear of it.
    const QList<Promise> promises = m_promises.take(identifier);
    m_remote.remove(identifier);
    for (const Promise &p : promises) {
        p->addResult(response);
        p->finish();
    }
    Q_EMIT finished(kind, identifier, response);
}

QFuture<NetworkResponse> TransferEngine::resume(const QString &identifier,
                                                const SessionConfiguration &config)
{
    if (!m_store.isOpen())
        return ready(NetworkResponse::failure(
                identifier, NetworkResponse::Error::StoreError, m_store.errorString()));
    const std::optional<TransferRow> row = m_store.find(identifier);
    if (!row)
        return ready(NetworkResponse::failure(
                identifier,
                NetworkResponse::Error::InvalidIdentifier,
                QStringLiteral("No transfer named '%1' in %2").arg(identifier, m_store.path())));
    const QNetworkRequest request = storedRequest(*row);
    if (row->kind == TransferInfo::Kind::Upload)
        return upload(request,
                      row->destination,
                      identifier,
                      UploadOptions::deserialize(row->uploadSpec),
                      config);
    DownloadOptions options;
    options.expectedSha256 = row->expectedSha256;
    return download(request, identifier, row->destination, options, config);
}

QNetworkRequest TransferEngine::storedRequest(const TransferRow &row)
{
    QNetworkRequest request(row.url);
    for (const auto &h : row.requestHeaders)
        request.setRawHeader(h.first, h.second);
    return request;
}

bool TransferEngine::forget(const QString &identifier)
{
    const std::optional<TransferRow> row = m_store.find(identifier);
    if (!row || row->state != TransferInfo::State::Finished)
        return false;
    if (!m_store.remove(identifier))
        return false;
    QFile::remove(row->partialPath); // a Retry result may have left bytes behind
    Q_EMIT pendingChanged();
    return true;
}

bool TransferEngine::cancel(const QString &identifier)
{
    const std::optional<TransferRow> row = m_store.find(identifier);
    if (!row || row->state == TransferInfo::State::Finished)
        return false;
    // A tus upload also asks its server to delete what it has (termination).
    const bool tus = row->kind == TransferInfo::Kind::Upload && !row->remoteUrl.isEmpty();
    TransferJob *job = m_jobs.take(identifier);
    // The app's headers when this process runs the upload, else those the store kept.
    const QNetworkRequest terminationBase = !tus  ? QNetworkRequest()
                                            : job ? job->requestFor(row->remoteUrl)
                                                  : storedRequest(*row);
    if (job) {
        job->disconnect(this);
        job->cancel(); // its PATCH is aborted before the DELETE goes out
        job->deleteLater();
    }
    if (tus)
        terminate(identifier, terminationBase, row->remoteUrl);
    // Another owning process notices at its next checkpoint that the row is gone.
    m_store.remove(identifier);
    QFile::remove(row->partialPath);
    const NetworkResponse r = NetworkResponse::failure(identifier,
                                                       NetworkResponse::Error::Canceled,
                                                       QStringLiteral("The transfer was canceled"));
    resolve(row->kind, identifier, r);
    Q_EMIT pendingChanged();
    return true;
}

void TransferEngine::terminate(const QString &identifier,
                               const QNetworkRequest &base,
                               const QUrl &uploadUrl)
{
    QNetworkReply *reply
            = m_network->deleteResource(TusUploadJob::terminationRequest(base, uploadUrl));
    connect(reply, &QNetworkReply::finished, this, [this, reply, identifier] {
        const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
        reply->deleteLater();
        // 404 and 410: the server had already dropped it, which is what was asked for.
        const bool acknowledged = (status >= 200 && status < 300) || status == 404 || status == 410;
        qCInfo(lcEngine) << identifier << "termination answered" << status;
        Q_EMIT terminated(identifier, acknowledged);
    });
}

void TransferEngine::pollRemote()
{
    const QStringList ids = m_remote.keys();
    for (const QString &id : ids) {
        const std::optional<TransferRow> row = m_store.find(id);
        if (!row) {
            resolve(m_remote.value(id).kind,
                    id,
                    NetworkResponse::failure(id,
                                             NetworkResponse::Error::Canceled,
                                             QStringLiteral("The transfer was canceled")));
            continue;
        }
        if (row->state == TransferInfo::State::Finished && row->result) {
            resolve(row->kind, id, *row->result);
            continue;
        }
        if (m_remoteProgress.value(id, -1) != row->durableOffset) {
            m_remoteProgress.insert(id, row->durableOffset);
            Q_EMIT progress(row->kind, id, row->durableOffset, row->total);
        }
        const RemoteWait wait = m_remote.value(id);
        TransferRow fresh = *row;
        TransferRow claimed;
        const auto claim = m_store.claim(
                fresh,
                myLease(),
                wait.config.leaseTimeout().count(),
                [this](const Lease &l) { return ownerIsDead(l); },
                &claimed);
        if (claim == TransferStore::Claim::Acquired) {
            qCInfo(lcEngine) << id << "the owner is gone; taking over";
            m_remote.remove(id);
            m_remoteProgress.remove(id);
            startJob(claimed, wait.request, wait.config);
        }
    }
    if (m_remote.isEmpty())
        m_remotePoll.stop();
}

} // namespace Background
