#include "transferengine.h"

#include "logging.h"
#include "reachability.h"
#include "transferjob.h"
#include "tusuploadjob.h"

#include <QtCore/QFile>
#include <QtCore/QFileInfo>
#include <QtCore/QTimer>
#include <QtNetwork/QNetworkAccessManager>
#include <QtNetwork/QNetworkReply>

// What the app (or another process) does to transfers it already asked for: resume, pause,
// cancel, forget, the restore at start-up, and the network coming and going.

namespace Background {

namespace {
constexpr int kRestoreBatch = 500; // rows per event-loop turn: a few milliseconds each
} // namespace

QFuture<NetworkResponse> TransferEngine::resume(const QString &identifier,
                                                const SessionConfiguration &config)
{
    if (!m_store.isOpen())
        return ready(NetworkResponse::failure(
                identifier, NetworkResponse::Error::StoreError, m_store.errorString()));
    std::optional<TransferRow> row = m_store.find(identifier);
    if (!row)
        return ready(NetworkResponse::failure(
                identifier,
                NetworkResponse::Error::InvalidIdentifier,
                QStringLiteral("No transfer named '%1' in %2").arg(identifier, m_store.path())));
    // Queued or running here already: join it, keeping its request (the app's, with its
    // credentials) instead of one rebuilt from the store.
    if (m_jobs.contains(identifier) || m_pending.contains(identifier))
        return join(identifier);
    // An upload whose file is gone cannot continue: say so, and keep whatever the store holds
    // (a kept Retry result stays kept instead of being reopened into a transfer that must fail).
    if (row->kind == TransferInfo::Kind::Upload) {
        const QFileInfo source(row->destination);
        if (!source.isFile() || !source.isReadable()) {
            return ready(NetworkResponse::failure(
                    identifier,
                    NetworkResponse::Error::SourceChanged,
                    QStringLiteral("'%1' is no longer a readable file").arg(row->destination)));
        }
    }
    if (row->paused)
        m_store.setPaused(identifier, false);
    m_remotePaused.remove(identifier);
    // A Retry or Failed/DiskFull result continues from its partial data; others stay kept.
    if (row->state == TransferInfo::State::Finished && m_store.reopen(identifier))
        qCInfo(lcEngine) << identifier << "continues after its kept result";
    // A request this process still holds has the app's credentials; the store's has not.
    const QNetworkRequest request = m_remote.contains(identifier)
                                            ? m_remote.take(identifier).request
                                            : storedRequest(*row);
    if (row->kind == TransferInfo::Kind::Upload) {
        UploadOptions options = UploadOptions::deserialize(row->uploadSpec);
        options.priority = row->priority;
        return upload(request, row->destination, identifier, options, config);
    }
    DownloadOptions options;
    options.expectedSha256 = row->expectedSha256;
    options.priority = row->priority;
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
    Q_EMIT removed(row->kind, identifier);
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
    // The app's headers when this process runs the upload, else those the store kept; the
    // trust of the session that asked for it, else of this engine's first client.
    SessionConfiguration trust = m_config;
    if (job)
        trust = job->configuration();
    else if (m_pending.contains(identifier))
        trust = m_pending.value(identifier).config;
    else if (m_remote.contains(identifier))
        trust = m_remote.value(identifier).config;
    QNetworkRequest terminationBase;
    if (tus && job) {
        terminationBase = job->requestFor(row->remoteUrl);
    } else if (tus) {
        terminationBase = storedRequest(*row);
        TransferJob::applyTrust(&terminationBase, trust);
    }
    if (job) {
        job->disconnect(this);
        job->cancel(); // its PATCH is aborted before the DELETE goes out
        job->deleteLater();
    }
    m_pending.remove(identifier);
    m_queue.remove(identifier);
    m_queue.release(identifier);
    m_meters.remove(identifier);
    if (tus)
        terminate(identifier, terminationBase, row->remoteUrl, trust);
    // Another owning process notices at its next checkpoint that the row is gone.
    m_store.remove(identifier);
    QFile::remove(row->partialPath);
    const NetworkResponse r = NetworkResponse::failure(identifier,
                                                       NetworkResponse::Error::Canceled,
                                                       QStringLiteral("The transfer was canceled"));
    schedulePump();
    resolve(row->kind, identifier, r);
    Q_EMIT removed(row->kind, identifier);
    Q_EMIT pendingChanged();
    return true;
}

bool TransferEngine::pause(const QString &identifier)
{
    if (!m_store.setPaused(identifier, true))
        return false; // unknown or finished
    const bool held = m_jobs.contains(identifier) || m_pending.contains(identifier);
    suspend(identifier, TransferInfo::State::Paused); // announces what it takes from the queue
    // Not queued here (restored later, or run by another process): the clients learn it too.
    if (!held && !m_remotePaused.contains(identifier)) {
        if (const std::optional<TransferRow> row = m_store.find(identifier)) {
            if (m_remote.contains(identifier))
                m_remotePaused.insert(identifier); // the wait here need not say it again
            Q_EMIT stateChanged(row->kind, identifier, TransferInfo::State::Paused);
        }
    }
    return true;
}

void TransferEngine::suspend(const QString &identifier, TransferInfo::State why)
{
    std::optional<Pending> held;
    if (TransferJob *job = m_jobs.take(identifier)) {
        held = Pending{job->row(), job->request(), job->configuration(), false};
        job->disconnect(this);
        job->stop(); // checkpoints what it has; the partial data stays
        job->deleteLater();
        m_store.releaseLease(identifier, m_ownerToken);
        if (m_jobs.isEmpty())
            m_pauseWatch.stop();
    } else if (m_pending.contains(identifier)) {
        held = m_pending.take(identifier);
    }
    m_queue.remove(identifier);
    m_queue.release(identifier);
    m_meters.remove(identifier);
    schedulePump();
    if (!held)
        return;
    qCInfo(lcEngine) << identifier << TransferInfo::stateName(why);
    if (why == TransferInfo::State::Paused) {
        // Whoever resumes it (this process or another) runs it; callers here keep waiting.
        waitRemotely(identifier, RemoteWait{held->request, held->config, held->row.kind});
        m_remotePaused.insert(identifier);
        Q_EMIT stateChanged(held->row.kind, identifier, why);
    } else if (const std::optional<TransferRow> row = m_store.find(identifier)) {
        enqueue(*row, held->request, held->config, held->storedRequest); // says why
    }
}

int TransferEngine::resumeAll(TransferInfo::Kind kind, const SessionConfiguration &config)
{
    // Callers here waiting for a paused transfer see it free at the next poll and queue it.
    m_store.unpauseAll(kind);
    restore(kind, config, true, 0);
    return int(m_store.unfinishedIdentifiers(kind).size());
}

void TransferEngine::applyQueueSettings(const SessionConfiguration &config)
{
    m_config.setMaximumConcurrentTransfers(config.maximumConcurrentTransfers());
    m_config.setMaximumConcurrentTransfersPerHost(config.maximumConcurrentTransfersPerHost());
    m_config.setAllowMetered(config.allowMetered());
    onNetworkChanged(); // may hold or free transfers, and runs the queue again
}

void TransferEngine::restoreOnStart(TransferInfo::Kind kind, const SessionConfiguration &config)
{
    bool &done = m_restored[kind == TransferInfo::Kind::Upload ? 1 : 0];
    if (done || !m_store.isOpen())
        return;
    done = true;
    // Soon, not now: the app connects its signals first.
    QTimer::singleShot(0, this, [this, kind, config] { restore(kind, config, false, 0); });
}

void TransferEngine::restore(TransferInfo::Kind kind,
                             const SessionConfiguration &config,
                             bool all,
                             qint64 afterSeq)
{
    const QList<QueuedTransfer> rows = m_store.restorable(kind, afterSeq, kRestoreBatch);
    int queued = 0;
    for (const QueuedTransfer &t : rows) {
        if (m_jobs.contains(t.identifier) || m_pending.contains(t.identifier)
            || m_remote.contains(t.identifier))
            continue;
        // Without its credentials it would only be refused; the app asks for it again.
        if (t.needsCredentials && !all)
            continue;
        TransferRow row;
        row.identifier = t.identifier;
        row.kind = kind;
        row.url = t.url;
        row.destination = t.destination;
        row.priority = t.priority;
        row.seq = t.seq;
        if (t.dueAt > 0) {
            row.state = TransferInfo::State::Waiting;
            row.nextAttemptAt = t.dueAt;
        }
        enqueue(row, QNetworkRequest(t.url), config, true);
        ++queued;
    }
    qCDebug(lcEngine) << "restored" << queued << "of" << rows.size() << "unfinished"
                      << (kind == TransferInfo::Kind::Upload ? "uploads" : "downloads");
    if (queued > 0)
        Q_EMIT pendingChanged();
    if (rows.size() == kRestoreBatch) {
        const qint64 last = rows.last().seq;
        QTimer::singleShot(0, this, [this, kind, config, all, last] {
            restore(kind, config, all, last);
        });
    }
}

void TransferEngine::onNetworkChanged()
{
    const bool allowed = networkAllowed();
    if (allowed != m_networkWasAllowed)
        qCInfo(lcNetwork) << "network" << (allowed ? "usable" : "not usable");
    m_networkWasAllowed = allowed;
    if (!allowed) {
        const QStringList running = m_jobs.keys();
        for (const QString &id : running) {
            const TransferJob *job = m_jobs.value(id);
            if (m_queue.isRunning(id) && needsNetwork(job->row().url))
                suspend(id, TransferInfo::State::WaitingForNetwork);
        }
    }
    schedulePump();
}

void TransferEngine::watchPaused()
{
    const QStringList paused = m_store.pausedLeasedBy(m_ownerToken);
    for (const QString &id : paused)
        suspend(id, TransferInfo::State::Paused);
}

void TransferEngine::terminate(const QString &identifier,
                               const QNetworkRequest &base,
                               const QUrl &uploadUrl,
                               const SessionConfiguration &trust)
{
    QNetworkReply *reply
            = network(trust)->deleteResource(TusUploadJob::terminationRequest(base, uploadUrl));
    connect(reply, &QNetworkReply::finished, this, [this, reply, identifier] {
        const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
        reply->deleteLater();
        // 404 and 410: the server had already dropped it, which is what was asked for.
        const bool acknowledged = (status >= 200 && status < 300) || status == 404 || status == 410;
        qCInfo(lcUpload) << identifier << "termination answered" << status;
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
        if (row->paused) {
            // Paused by this process or another: those waiting here hear it once.
            if (!m_remotePaused.contains(id)) {
                m_remotePaused.insert(id);
                Q_EMIT stateChanged(row->kind, id, TransferInfo::State::Paused);
            }
            continue;
        }
        m_remotePaused.remove(id);
        if (const std::optional<Lease> held = m_store.lease(id); held && leaseIsLive(*held))
            continue;
        // Resumed, or its owner is gone: the queue here takes it.
        qCInfo(lcEngine) << id << "is free; queueing it here";
        const RemoteWait wait = m_remote.take(id);
        m_remoteProgress.remove(id);
        enqueue(*row, wait.request, wait.config);
    }
    if (m_remote.isEmpty()) {
        m_remotePoll.stop();
        m_remotePaused.clear();
    }
}

} // namespace Background
