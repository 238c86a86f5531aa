#include "transferengine.h"

#include "clock.h"
#include "downloadjob.h"
#include "faultpoint.h"
#include "fileops.h"
#include "httprules.h"
#include "logging.h"
#include "reachability.h"
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

#include <limits>

namespace Background {

namespace {
constexpr int kRemotePollMs = 200;
constexpr int kPauseWatchMs = 250;
constexpr qint64 kProgressIntervalMs = 100; // at most 10 progress signals a second
constexpr int kMaxIdentifierLength = 1024;

QString validateIdentifier(const QString &identifier)
{
    if (identifier.isEmpty())
        return QStringLiteral("The identifier is empty");
    if (identifier.size() > kMaxIdentifierLength)
        return QStringLiteral("The identifier is longer than %1 characters")
                .arg(kMaxIdentifierLength);
    // Stored as UTF-8: a lone surrogate would not survive, and two names could become one.
    if (!QStringView(identifier).isValidUtf16())
        return QStringLiteral("The identifier is not valid Unicode");
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
    // One whose store failed is not shared: the next client tries again (after a recovery,
    // say), while the old clients keep the failed one.
    if (std::shared_ptr<TransferEngine> existing = engines.value(key).lock();
        existing && existing->m_store.isOpen())
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
    m_dueTimer.setSingleShot(true);
    connect(&m_dueTimer, &QTimer::timeout, this, &TransferEngine::schedulePump);
    connect(m_clock, &Clock::advanced, this, &TransferEngine::schedulePump);
    // Another process (bgtransfer pause) may pause what runs here.
    m_pauseWatch.setInterval(kPauseWatchMs);
    connect(&m_pauseWatch, &QTimer::timeout, this, &TransferEngine::watchPaused);
    setReachability(nullptr);
}

QNetworkAccessManager *TransferEngine::network(const SessionConfiguration &config)
{
    const QList<QSslCertificate> authorities = config.caCertificates();
    if (authorities.isEmpty())
        return m_network;
    QByteArray key;
    for (const QSslCertificate &c : authorities)
        key += c.digest(QCryptographicHash::Sha256);
    QNetworkAccessManager *&network = m_trustNetworks[key];
    if (!network) {
        network = new QNetworkAccessManager(this);
        network->setRedirectPolicy(QNetworkRequest::ManualRedirectPolicy);
    }
    return network;
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
    disconnect(m_clock, &Clock::advanced, this, &TransferEngine::schedulePump);
    m_clock = clock ? clock : new Clock(this);
    connect(m_clock, &Clock::advanced, this, &TransferEngine::schedulePump);
}

void TransferEngine::setReachability(Reachability *reachability)
{
    if (m_reachability)
        disconnect(m_reachability, &Reachability::changed, this, &TransferEngine::onNetworkChanged);
    if (!reachability) {
        if (!m_systemReachability)
            m_systemReachability = new SystemReachability(QString(), this);
        reachability = m_systemReachability;
    }
    m_reachability = reachability;
    connect(m_reachability, &Reachability::changed, this, &TransferEngine::onNetworkChanged);
    onNetworkChanged();
}

void TransferEngine::setLoopbackNeedsNetwork(bool needs)
{
    m_loopbackNeedsNetwork = needs;
    onNetworkChanged();
}

bool TransferEngine::needsNetwork(const QUrl &url) const
{
    return m_loopbackNeedsNetwork || !TransferQueue::isLoopback(url);
}

bool TransferEngine::networkAllowed() const
{
    return m_reachability->isOnline()
           && (m_config.allowMetered() || !m_reachability->isMetered());
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

bool TransferEngine::leaseIsLive(const Lease &lease) const
{
    return lease.ownerToken == m_ownerToken
           || (!ownerIsDead(lease)
               && QDateTime::currentMSecsSinceEpoch() - lease.heartbeat
                          <= m_config.leaseTimeout().count());
}

TransferInfo TransferEngine::snapshot(const TransferRow &row)
{
    TransferInfo info = row.toInfo();
    if (info.state == TransferInfo::State::Paused || info.state == TransferInfo::State::Running) {
        const std::optional<Lease> held = m_store.lease(row.identifier);
        const bool live = held && leaseIsLive(*held);
        // Paused, but another live process still runs it until it notices and lets go.
        if (info.state == TransferInfo::State::Paused && live && held->ownerToken != m_ownerToken)
            info.state = row.state;
        if (info.state == TransferInfo::State::Running && !live)
            info.state = TransferInfo::State::Queued; // the next call resumes it
    }
    if (info.state == TransferInfo::State::Queued && !networkAllowed() && needsNetwork(row.url))
        info.state = TransferInfo::State::WaitingForNetwork;
    addLiveProgress(&info);
    return info;
}

void TransferEngine::addLiveProgress(TransferInfo *info) const
{
    if (const auto m = m_meters.constFind(info->identifier); m != m_meters.constEnd()) {
        info->bytesReceived = qMax(info->bytesReceived, m->speed.bytes());
        info->bytesPerSecond = m->speed.bytesPerSecond();
        info->etaSeconds = m->speed.etaSeconds(m->total);
    }
}

QueueEntry TransferEngine::queueEntryFor(const TransferRow &row) const
{
    QueueEntry entry;
    entry.identifier = row.identifier;
    entry.priority = row.priority;
    entry.seq = row.seq;
    entry.host = TransferQueue::hostKey(row.url);
    entry.needsNetwork = needsNetwork(row.url);
    return entry;
}

QList<TransferInfo> TransferEngine::transfers(std::optional<TransferInfo::Kind> kind)
{
    QList<TransferInfo> out;
    // One row at a time, and only what a TransferInfo shows: a store may hold thousands.
    m_store.forEachInfoRow(kind, [&](const TransferRow &row) { out.append(snapshot(row)); });
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
    fresh.priority = options.priority;
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
    if (filePath.isEmpty() || !source.isFile() || !source.isReadable()) {
        // The app may delete the file once the server has it: the kept result still answers.
        if (auto kept = keptUploadResult(identifier, request.url(), source.absoluteFilePath()))
            return ready(*kept);
        return ready(NetworkResponse::failure(
                identifier,
                NetworkResponse::Error::InvalidRequest,
                QStringLiteral("'%1' is not a readable file").arg(filePath)));
    }
    if (const QString why = Tus::checkOptions(options); !why.isEmpty())
        return ready(
                NetworkResponse::failure(identifier, NetworkResponse::Error::InvalidRequest, why));

    TransferRow fresh = freshRow(request, identifier, filePath, config);
    fresh.kind = TransferInfo::Kind::Upload;
    fresh.uploadSpec = options.serialize();
    fresh.priority = options.priority;
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

std::optional<NetworkResponse> TransferEngine::keptUploadResult(const QString &identifier,
                                                                const QUrl &url,
                                                                const QString &absolutePath)
{
    const std::optional<TransferRow> row = m_store.find(identifier);
    if (!row || !row->result || row->kind != TransferInfo::Kind::Upload || row->url != url
        || row->destination != absolutePath) {
        return std::nullopt;
    }
    return row->result;
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
        else
            fresh.needsCredentials = true;
    }
    return fresh;
}

QFuture<NetworkResponse> TransferEngine::submit(const TransferRow &fresh,
                                                const QNetworkRequest &request,
                                                const SessionConfiguration &config)
{
    const QString identifier = fresh.identifier;
    const TransferJob *job = m_jobs.value(identifier);
    const auto pending = m_pending.find(identifier);
    if (job || pending != m_pending.end()) {
        const TransferRow &known = job ? job->row() : pending->row;
        if (known.url != fresh.url || known.destination != fresh.destination
            || known.kind != fresh.kind) {
            return ready(NetworkResponse::failure(
                    identifier,
                    NetworkResponse::Error::IdentifierConflict,
                    QStringLiteral("'%1' is already transferring %2 with %3")
                            .arg(identifier, known.url.toDisplayString(), known.destination)));
        }
        // The app's own request beats the one restored from the store: it has credentials.
        if (pending != m_pending.end()) {
            pending->request = request;
            pending->config = config;
            pending->storedRequest = false;
        }
        return join(identifier);
    }

    TransferRow row;
    switch (m_store.enqueue(fresh, &row)) {
    case TransferStore::Claim::Error:
        return ready(NetworkResponse::failure(
                identifier,
                NetworkResponse::Error::StoreError,
                QStringLiteral("Cannot write the transfer store %1").arg(m_store.path())));
    case TransferStore::Claim::Conflict:
        return ready(NetworkResponse::failure(
                identifier,
                NetworkResponse::Error::IdentifierConflict,
                QStringLiteral("'%1' is already used for %2 with %3; forget() it first")
                        .arg(identifier, row.url.toDisplayString(), row.destination)));
    case TransferStore::Claim::Finished:
        return ready(*row.result); // the kept result, without the network
    default:
        break;
    }
    QFuture<NetworkResponse> future = join(identifier);
    if (row.paused || m_remote.contains(identifier)) {
        waitRemotely(identifier, RemoteWait{request, config, row.kind});
        return future;
    }
    enqueue(row, request, config);
    return future;
}

QFuture<NetworkResponse> TransferEngine::join(const QString &identifier)
{
    auto promise = std::make_shared<QPromise<NetworkResponse>>();
    promise->start();
    m_promises[identifier].append(promise);
    return promise->future();
}

void TransferEngine::waitRemotely(const QString &identifier, const RemoteWait &wait)
{
    m_remote.insert(identifier, wait);
    if (!m_remotePoll.isActive())
        m_remotePoll.start();
}

void TransferEngine::enqueue(const TransferRow &row,
                             const QNetworkRequest &request,
                             const SessionConfiguration &config,
                             bool storedRequest)
{
    m_pending.insert(row.identifier, Pending{row, request, config, storedRequest});
    QueueEntry entry = queueEntryFor(row);
    if (row.state == TransferInfo::State::Waiting)
        entry.dueAt = row.nextAttemptAt; // a restart must not retry early
    m_queue.insert(entry);
    schedulePump();
    Q_EMIT stateChanged(row.kind,
                        row.identifier,
                        entry.needsNetwork && !networkAllowed()
                                ? TransferInfo::State::WaitingForNetwork
                                : TransferInfo::State::Queued);
}

void TransferEngine::schedulePump()
{
    if (m_pumpQueued)
        return;
    m_pumpQueued = true;
    // Later in the event loop: transfers asked for together are ordered before any starts.
    QMetaObject::invokeMethod(this, &TransferEngine::pump, Qt::QueuedConnection);
}

void TransferEngine::pump()
{
    m_pumpQueued = false;
    m_dueTimer.stop();
    TransferQueue::Limits limits;
    limits.total = m_config.maximumConcurrentTransfers();
    limits.perHost = m_config.maximumConcurrentTransfersPerHost();
    limits.networkUp = networkAllowed();
    const qint64 now = m_clock->nowMs();
    while (const std::optional<QueueEntry> next = m_queue.takeNext(now, limits)) {
        const QString id = next->identifier;
        if (TransferJob *job = m_jobs.value(id)) {
            m_queue.occupy(id, next->host);
            Q_EMIT stateChanged(job->row().kind, id, TransferInfo::State::Running);
            job->runAttempt();
            continue;
        }
        const auto it = m_pending.find(id);
        if (it == m_pending.end())
            continue;
        const Pending p = it.value();
        m_pending.erase(it);
        TransferRow claimed;
        const auto claim = m_store.claim(
                p.row,
                myLease(),
                p.config.leaseTimeout().count(),
                [this](const Lease &l) { return ownerIsDead(l); },
                &claimed,
                false);
        const QNetworkRequest request = p.storedRequest ? storedRequest(claimed) : p.request;
        switch (claim) {
        case TransferStore::Claim::Acquired:
            m_queue.occupy(id, next->host);
            startJob(claimed, request, p.config);
            break;
        case TransferStore::Claim::HeldByOther:
            qCInfo(lcEngine) << id << "is owned by another process; waiting for it";
            waitRemotely(id, RemoteWait{request, p.config, p.row.kind});
            break;
        case TransferStore::Claim::Paused: // by another process while it waited here
            waitRemotely(id, RemoteWait{request, p.config, p.row.kind});
            m_remotePaused.insert(id);
            Q_EMIT stateChanged(p.row.kind, id, TransferInfo::State::Paused);
            break;
        case TransferStore::Claim::Finished:
            resolve(claimed.kind, id, *claimed.result);
            break;
        case TransferStore::Claim::Missing: // canceled by another process meanwhile
            resolve(p.row.kind,
                    id,
                    NetworkResponse::failure(id,
                                             NetworkResponse::Error::Canceled,
                                             QStringLiteral("The transfer was canceled")));
            break;
        default:
            resolve(p.row.kind,
                    id,
                    NetworkResponse::failure(id,
                                             NetworkResponse::Error::StoreError,
                                             QStringLiteral("Cannot write the transfer store %1")
                                                     .arg(m_store.path())));
            break;
        }
    }
    if (const qint64 due = m_queue.nextDueAt(now))
        m_dueTimer.start(int(qBound<qint64>(0, due - now, qint64(std::numeric_limits<int>::max()))));
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
        onJobProgress(kind, id, done, total);
    });
    connect(job, &TransferJob::finished, this, [this, job](const NetworkResponse &response) {
        onJobFinished(job, response);
    });
    if (!m_pauseWatch.isActive())
        m_pauseWatch.start();
    Q_EMIT pendingChanged();
    Q_EMIT stateChanged(kind, id, TransferInfo::State::Running);
    job->start();
}

void TransferEngine::jobWaiting(TransferJob *job)
{
    m_queue.release(job->identifier());
    m_meters.remove(job->identifier());
    schedulePump();
    Q_EMIT stateChanged(job->row().kind, job->identifier(), TransferInfo::State::Waiting);
}

void TransferEngine::jobDue(TransferJob *job)
{
    m_queue.insert(queueEntryFor(job->row()));
    schedulePump();
}

void TransferEngine::onJobProgress(TransferInfo::Kind kind,
                                   const QString &identifier,
                                   qint64 done,
                                   qint64 total)
{
    Meter &m = m_meters[identifier];
    const qint64 now = m_clock->nowMs();
    m.speed.sample(now, done);
    m.total = total;
    const bool last = total >= 0 && done >= total;
    // A UI redraws at most ten times a second per transfer; the last one always arrives, once
    // (a job may report its end twice: as the last bytes come, and when it publishes).
    if (last ? done == m.lastDone : m.lastEmitMs >= 0 && now - m.lastEmitMs < kProgressIntervalMs)
        return;
    m.lastEmitMs = now;
    m.lastDone = done;
    Q_EMIT progress(kind, identifier, done, total);
}

void TransferEngine::onJobFinished(TransferJob *job, const NetworkResponse &response)
{
    const QString identifier = job->identifier();
    const TransferInfo::Kind kind = job->row().kind;
    m_jobs.remove(identifier);
    m_queue.release(identifier);
    m_queue.remove(identifier);
    m_meters.remove(identifier);
    job->deleteLater();
    m_store.releaseLease(identifier, m_ownerToken);
    if (m_jobs.isEmpty())
        m_pauseWatch.stop();
    schedulePump();
    resolve(kind, identifier, response);
    Q_EMIT pendingChanged();
    Q_EMIT stateChanged(kind, identifier, TransferInfo::State::Finished);
}

void TransferEngine::resolve(TransferInfo::Kind kind,
                             const QString &identifier,
                             const NetworkResponse &response)
{
    // The result is already in the store; only now do callers hear of it.
    faultPoint("result.before-signal");
    const QList<Promise> promises = m_promises.take(identifier);
    m_remote.remove(identifier);
    m_remotePaused.remove(identifier);
    for (const Promise &p : promises) {
        p->addResult(response);
        p->finish();
    }
    Q_EMIT finished(kind, identifier, response);
}

} // namespace Background
