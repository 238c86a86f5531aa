#include "downloadjob.h"

#include "clock.h"
#include "fileops.h"
#include "httprules.h"
#include "logging.h"
#include "transferengine.h"

#include <QtCore/QDir>
#include <QtCore/QFileInfo>
#include <QtCore/QStorageInfo>
#include <QtNetwork/QNetworkAccessManager>
#include <QtNetwork/QNetworkReply>

namespace Background {

namespace {
constexpr qint64 kReadChunk = qint64(256) * 1024;
constexpr qint64 kReadBufferSize = qint64(1024) * 1024; // Qt's 0 means unbounded: never use it
constexpr int kProgressIntervalMs = 100;

} // namespace

DownloadJob::DownloadJob(TransferEngine *engine,
                         const TransferRow &row,
                         const QNetworkRequest &request,
                         const SessionConfiguration &configuration)
    : TransferJob(engine, row, request, configuration)
    , m_partial(row.partialPath)
{
    m_partial.setHashing(!row.expectedSha256.isEmpty());
    m_buffer.resize(kReadChunk);
    m_rateTimer.setSingleShot(true);
    connect(&m_rateTimer, &QTimer::timeout, this, &DownloadJob::readAvailable);
    connect(&m_backgroundSync, &QFutureWatcherBase::finished, this, &DownloadJob::onBackgroundSync);
}

DownloadJob::~DownloadJob() = default;

void DownloadJob::stop()
{
    m_finalizing = true;
    stopTimers();
    m_rateTimer.stop();
    m_reply.reset();
    if (m_partial.isOpen()) {
        checkpoint(true);
        m_partial.close();
    }
}

void DownloadJob::cancel()
{
    stop();
    m_partial.remove();
}

bool DownloadJob::prepareOffset()
{
    qint64 offset = 0;
    if (const auto failure = m_partial.openForResume(m_row, &offset)) {
        finalize(NetworkResponse::failure(m_row.identifier, failure->error, failure->message));
        return false;
    }
    m_offset = offset;
    return true;
}

void DownloadJob::beginAttempt()
{
    m_finalizing = false;
    if (!prepareOffset())
        return;
    m_received = 0;
    m_accepted = false;
    m_completeBy416 = false;
    m_status = 0;
    m_progressThisAttempt = false;
    m_finishPending = false;
    m_total = m_row.total;

    QNetworkRequest req = requestFor(m_currentUrl);
    // Qt would otherwise ask for gzip and decompress it, and byte ranges would no longer
    // refer to the bytes we have.
    req.setRawHeader("Accept-Encoding", "identity");
    req.setRawHeader("Range", QByteArray());
    req.setRawHeader("If-Range", QByteArray());
    if (m_offset > 0) {
        req.setRawHeader("Range", "bytes=" + QByteArray::number(m_offset) + '-');
        req.setRawHeader("If-Range", Http::ifRangeValidator(m_row.etag, m_row.lastModified));
    }

    m_row.attempts += 1;
    m_row.state = TransferInfo::State::Running;
    m_row.resumedFrom = m_offset;
    m_engine->store().saveAttemptState(m_row.identifier, m_row);
    qCInfo(lcDownload).noquote() << m_row.identifier << "attempt" << m_row.attempts << "from"
                                 << m_offset << m_currentUrl.toDisplayString();

    m_reply.reset(m_engine->network(m_config)->get(req));
    m_reply->setReadBufferSize(m_config.maximumRate() > 0 ? qBound<qint64>(
                                       16 * 1024, m_config.maximumRate() / 4, kReadBufferSize)
                                                          : kReadBufferSize);
    connect(m_reply.get(), &QNetworkReply::metaDataChanged, this, &DownloadJob::onMetaDataChanged);
    connect(m_reply.get(), &QNetworkReply::readyRead, this, &DownloadJob::onReadyRead);
    connect(m_reply.get(), &QNetworkReply::finished, this, &DownloadJob::onReplyFinished);
    m_stallTimer.start();
    m_checkpointClock.start();
    m_progressClock.start();
    m_rateClock.start();
    m_rateConsumed = 0;
    m_lastCheckpoint = m_offset;
    ++m_fileGeneration;
}

void DownloadJob::restartFromZero()
{
    ++m_fileGeneration;
    m_partial.truncate(0);
    m_offset = 0;
    m_row.etag.clear();
    m_row.lastModified.clear();
    m_row.total = -1;
    m_row.durableOffset = 0;
    m_row.checkpointBootId = FileOps::bootId();
    m_engine->store().saveEntity(m_row.identifier, 0, -1, {}, {}, FileOps::bootId());
}

void DownloadJob::onMetaDataChanged()
{
    if (!m_reply || m_status != 0)
        return;
    m_stallTimer.start();
    m_status = m_reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    if (const HeaderList head = replyHeaders(m_reply.get());
        m_status != 0 && !Http::responseHeadProblem(head).isEmpty()) {
        abortReply();
        refusedHead(m_status, head);
        return;
    }
    if (m_status >= 200 && m_status < 300 && m_status != 206) {
        if (m_offset > 0) {
            qCInfo(lcDownload) << m_row.identifier << "server sent the whole entity; starting over";
            ++m_fileGeneration;
            m_partial.truncate(0);
            m_offset = 0;
        }
        m_total = Http::parseContentLength(m_reply->rawHeader("Content-Length")).value_or(-1);
    } else if (m_status == 206) {
        const auto range = Http::parseContentRange(m_reply->rawHeader("Content-Range"));
        if (!range || range->isUnsatisfied() || range->first != m_offset) {
            qCWarning(lcDownload) << m_row.identifier << "206 with Content-Range"
                                  << m_reply->rawHeader("Content-Range") << "for offset" << m_offset
                                  << "; starting over";
            abortReply();
            restartFromZero();
            transient(NetworkResponse::Error::Interrupted,
                      QStringLiteral("The server answered with a range that does not start at "
                                     "the local offset"),
                      206,
                      std::nullopt,
                      {});
            return;
        }
        m_total = range->complete;
    } else if (m_status == 416) {
        const auto range = Http::parseContentRange(m_reply->rawHeader("Content-Range"));
        if (range && range->isUnsatisfied() && range->complete == m_offset && m_offset > 0) {
            m_completeBy416 = true; // everything is already on disk
            m_total = m_offset;
            return;
        }
        abortReply();
        restartFromZero();
        transient(NetworkResponse::Error::Interrupted,
                  QStringLiteral("The server refused the range and the local data does not "
                                 "match its size"),
                  416,
                  std::nullopt,
                  {});
        return;
    } else {
        return; // redirects and errors are handled when the reply finishes; the body is ignored
    }
    // Refused before a byte is written or any space is taken. Without an announced size the
    // free space is checked at each checkpoint.
    if (tooLarge(m_total) || (m_total >= 0 && noRoomFor(m_total - m_offset)))
        return;
    m_accepted = true;
    // A power loss may undo the first validators of a transfer: the store then holds none,
    // and nothing of the file is trusted. Replacing validators (or an offset) must be durable.
    const bool first = m_offset == 0 && m_row.durableOffset == 0 && m_row.etag.isEmpty()
                       && m_row.lastModified.isEmpty();
    m_row.etag = m_reply->rawHeader("ETag");
    m_row.lastModified = m_reply->rawHeader("Last-Modified");
    m_row.total = m_total;
    // The validators are stored with the offset they belong to, before any byte is written.
    if (!m_engine->store().saveEntity(m_row.identifier,
                                      m_offset,
                                      m_total,
                                      m_row.etag,
                                      m_row.lastModified,
                                      FileOps::bootId(),
                                      first ? TransferStore::Sync::Relaxed
                                            : TransferStore::Sync::Full)) {
        abortReply();
        finalize(NetworkResponse::failure(
                m_row.identifier,
                NetworkResponse::Error::Canceled,
                QStringLiteral("The transfer was removed from the store")));
        return;
    }
    // The next attempt decides what to keep from this copy, so it must match the store.
    m_row.durableOffset = m_offset;
    m_row.checkpointBootId = FileOps::bootId();
    m_lastCheckpoint = m_offset;
    emitProgress(true);
}

void DownloadJob::onReadyRead()
{
    m_stallTimer.start();
    if (!m_rateTimer.isActive())
        readAvailable();
}

void DownloadJob::readAvailable()
{
    if (!m_reply || !m_accepted)
        return;
    const qint64 rate = m_config.maximumRate();
    while (m_reply->bytesAvailable() > 0) {
        qint64 want = kReadChunk;
        if (rate > 0) {
            const qint64 allowance = rate * m_rateClock.elapsed() / 1000 - m_rateConsumed;
            if (allowance <= 0) {
                // Leave the data in Qt's bounded buffer; TCP pushes back on the server.
                const qint64 waitMs = qMax<qint64>(10, (-allowance * 1000) / rate + 10);
                m_rateTimer.start(int(qMin<qint64>(waitMs, 200)));
                break;
            }
            want = qMin(want, allowance);
        }
        const qint64 n = m_reply->read(m_buffer.data(), want);
        if (n <= 0)
            break;
        // Without an announced size the limit is checked as the data comes.
        if (tooLarge(m_offset + m_received + n))
            return;
        const qint64 written = m_partial.write(m_buffer.constData(), n);
        m_received += written; // a short write's bytes are in the file, and kept on DiskFull
        if (written != n) {
            failLocally(m_partial.ioFailure());
            return;
        }
        m_rateConsumed += n;
        m_progressThisAttempt = true;
        m_stallTimer.start();
    }
    const int checkpointsBefore = m_checkpointsStarted;
    if (!checkpoint(false))
        return;
    // Once per checkpoint, while more is to come: a body of unannounced size, or another
    // writer on the volume, must not eat into the reserve.
    const bool moreToCome = m_total >= 0
                                    ? bytesDone() < m_total
                                    : !(m_reply->isFinished() && m_reply->bytesAvailable() == 0);
    if (m_checkpointsStarted != checkpointsBefore && moreToCome
        && noRoomFor(m_total >= 0 ? m_total - bytesDone() : 0))
        return;
    emitProgress(false);
    if (m_finishPending && m_reply && m_reply->bytesAvailable() == 0) {
        m_finishPending = false;
        onReplyFinished();
    }
}

bool DownloadJob::tooLarge(qint64 size)
{
    const qint64 limit = m_config.maximumDownloadSize();
    if (limit <= 0 || size <= limit)
        return false;
    abortReply();
    fail(m_status,
         NetworkResponse::Error::TooLarge,
         QStringLiteral("The download has at least %1 bytes, more than the maximum download "
                        "size of %2 bytes")
                 .arg(size)
                 .arg(limit));
    return true;
}

bool DownloadJob::noRoomFor(qint64 toCome)
{
    const qint64 reserve = m_config.diskSpaceReserve();
    const QString directory = QFileInfo(m_partial.path()).absolutePath();
    const FileOps::VolumeSpace space = FileOps::volumeSpace(directory);
    const qint64 available = space.available;
    // Where the free space cannot be told, a full disk still ends it at the failing write.
    if (available < 0 || available - toCome >= reserve)
        return false;
    abortReply();
    const QStorageInfo volume(directory); // for the volume's name in the message
    if (space.total >= 0 && toCome > space.total) {
        // No amount of waiting or cleaning up makes room for this: an absurd size, not a full
        // disk to resume on later.
        fail(m_status,
             NetworkResponse::Error::TooLarge,
             QStringLiteral("The server announces %1 more bytes for %2, more than the whole "
                            "volume %3 holds (%4 bytes)")
                     .arg(toCome)
                     .arg(m_row.destination, QDir::toNativeSeparators(volume.rootPath()))
                     .arg(space.total));
        return true;
    }
    NetworkResponse r = baseResponse(m_status, {});
    r.setOutcome(NetworkResponse::Outcome::Failed);
    r.setBytes(bytesDone());
    const QString where = QDir::toNativeSeparators(volume.rootPath());
    r.setError(NetworkResponse::Error::DiskFull,
               toCome > 0 ? QStringLiteral("Not enough free disk space for %1: %2 more bytes to "
                                           "write, %3 bytes free on %4, and the disk space "
                                           "reserve of %5 bytes must stay free")
                                    .arg(m_row.destination)
                                    .arg(toCome)
                                    .arg(available)
                                    .arg(where)
                                    .arg(reserve)
                          : QStringLiteral("Not enough free disk space for %1: %2 bytes free on "
                                           "%3, less than the disk space reserve of %4 bytes")
                                    .arg(m_row.destination)
                                    .arg(available)
                                    .arg(where)
                                    .arg(reserve));
    finalize(r);
    return true;
}

void DownloadJob::failLocally(const PartialFile::Failure &failure)
{
    abortReply();
    NetworkResponse r = baseResponse(m_status, {});
    r.setOutcome(NetworkResponse::Outcome::Failed);
    r.setError(failure.error, failure.message);
    if (failure.error == NetworkResponse::Error::DiskFull)
        r.setBytes(bytesDone()); // kept for a resume
    finalize(r);
}

bool DownloadJob::checkpoint(bool force)
{
    const qint64 end = m_offset + m_received;
    if (end == m_lastCheckpoint)
        return true;
    if (!force && m_checkpointClock.elapsed() < m_config.checkpointInterval().count())
        return true;
    if (!force && m_backgroundSync.isRunning())
        return true; // the disk is slower than the interval: the next one starts when it ends
    m_checkpointClock.restart();
    ++m_checkpointsStarted;
    if (!force) {
        m_backgroundSyncEnd = end;
        m_backgroundSyncGeneration = m_fileGeneration;
        m_backgroundSync.setFuture(m_partial.syncInBackground());
        return true;
    }
    ++m_fileGeneration; // this sync covers whatever one in the background was doing
    if (!m_partial.sync()) {
        // Nothing past the last checkpoint is known to be on the disk: the offset stays.
        failLocally(m_partial.ioFailure());
        return false;
    }
    return recordCheckpoint(end);
}

void DownloadJob::onBackgroundSync()
{
    if (m_finalizing || m_backgroundSyncGeneration != m_fileGeneration
        || m_backgroundSyncEnd <= m_lastCheckpoint)
        return;
    if (const std::optional<PartialFile::Failure> failure = m_backgroundSync.result()) {
        failLocally(*failure);
        return;
    }
    recordCheckpoint(m_backgroundSyncEnd);
}

bool DownloadJob::recordCheckpoint(qint64 end)
{
    m_lastCheckpoint = end;
    m_row.durableOffset = end;
    m_row.checkpointBootId = FileOps::bootId();
    if (m_engine->store().saveCheckpoint(m_row.identifier, end, FileOps::bootId()))
        return true;
    // The row is gone: another process canceled the transfer.
    abortReply();
    finalize(NetworkResponse::failure(m_row.identifier,
                                      NetworkResponse::Error::Canceled,
                                      QStringLiteral("The transfer was canceled")));
    return false;
}

void DownloadJob::emitProgress(bool force)
{
    if (!force && m_progressClock.elapsed() < kProgressIntervalMs)
        return;
    m_progressClock.restart();
    Q_EMIT progress(m_offset + m_received, m_total);
}

void DownloadJob::onStalled()
{
    if (!m_reply)
        return;
    qCInfo(lcDownload) << m_row.identifier << "stalled for" << m_config.stallTimeout().count()
                       << "ms";
    abortReply();
    if (!checkpoint(true))
        return;
    transient(NetworkResponse::Error::StallTimeout,
              QStringLiteral("No data arrived for %1 ms").arg(m_config.stallTimeout().count()),
              m_status,
              std::nullopt,
              {});
}

void DownloadJob::abortReply()
{
    m_stallTimer.stop();
    m_rateTimer.stop();
    m_reply.reset(); // the deleter disconnects before it aborts
}

void DownloadJob::onReplyFinished()
{
    m_stallTimer.stop();
    if (!m_reply)
        return;
    if (!m_rateTimer.isActive())
        readAvailable();
    if (!m_reply)
        return; // a write error ended it
    if (m_rateTimer.isActive()) {
        // Data is still waiting in the reply's buffer: finish once the rate lets it be written.
        m_finishPending = true;
        return;
    }
    std::unique_ptr<QNetworkReply, ReplyDeleter> reply = std::move(m_reply);
    const QNetworkReply::NetworkError netError = reply->error();
    const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    const HeaderList headers = replyHeaders(reply.get());
    const QString netErrorString = reply->errorString();
    const QByteArray location = reply->rawHeader("Location");
    QObject::disconnect(reply.get(), nullptr, this, nullptr);
    reply.release()->deleteLater();

    if (!checkpoint(true))
        return; // ended: the disk, or the transfer was canceled meanwhile

    if (Http::isRedirectStatus(status)) {
        QUrl target;
        const Http::RedirectCheck check = Http::checkRedirect(m_currentUrl, location, &target);
        if (check != Http::RedirectCheck::Allowed) {
            NetworkResponse r = baseResponse(status, headers);
            r.setOutcome(NetworkResponse::Outcome::Rejected);
            r.setError(NetworkResponse::Error::RedirectRejected,
                       QStringLiteral("Refused to follow a redirect to %1")
                               .arg(QString::fromLatin1(location)));
            finalize(r);
            return;
        }
        if (++m_redirects > m_config.maximumRedirects()) {
            NetworkResponse r = baseResponse(status, headers);
            r.setOutcome(NetworkResponse::Outcome::Rejected);
            r.setError(NetworkResponse::Error::TooManyRedirects);
            finalize(r);
            return;
        }
        qCInfo(lcDownload).noquote()
                << m_row.identifier << "redirected to" << target.toDisplayString();
        m_currentUrl = target;
        m_row.attempts -= 1; // following a redirect is part of the same attempt
        beginAttempt();
        return;
    }

    if (m_completeBy416) {
        publish(416, headers);
        return;
    }

    if (status != 0 && !m_accepted) {
        const NetworkResponse::Outcome outcome = Http::outcomeForStatus(status);
        const auto ra = retryAfterOf(headers, m_engine->clock()->nowMs());
        const QString message = QStringLiteral("HTTP %1").arg(status);
        if (outcome == NetworkResponse::Outcome::Retry) {
            transient(NetworkResponse::Error::HttpError, message, status, ra, headers);
            return;
        }
        NetworkResponse r = baseResponse(status, headers);
        r.setOutcome(outcome == NetworkResponse::Outcome::Success ? NetworkResponse::Outcome::Failed
                                                                  : outcome);
        r.setRetryAfter(ra);
        r.setError(NetworkResponse::Error::HttpError, message);
        finalize(r);
        return;
    }

    if (netError != QNetworkReply::NoError) {
        const auto [error, isTransient] = classifyNetworkError(netError, m_accepted);
        if (isTransient) {
            transient(error, netErrorString, status, std::nullopt, headers);
        } else {
            NetworkResponse r = baseResponse(status, headers);
            r.setOutcome(NetworkResponse::Outcome::Failed);
            r.setError(error, netErrorString);
            finalize(r);
        }
        return;
    }

    if (!m_accepted) {
        NetworkResponse r = baseResponse(status, headers);
        r.setOutcome(NetworkResponse::Outcome::Failed);
        r.setError(NetworkResponse::Error::NetworkError,
                   QStringLiteral("The server sent no usable response"));
        finalize(r);
        return;
    }
    // Qt reports a body cut short without Content-Length as success: check against the total.
    const qint64 have = m_offset + m_received;
    if (m_total >= 0 && have != m_total) {
        transient(NetworkResponse::Error::Interrupted,
                  QStringLiteral("The body ended at %1 of %2 bytes").arg(have).arg(m_total),
                  status,
                  std::nullopt,
                  headers);
        return;
    }
    publish(status, headers);
}

void DownloadJob::publish(int status, const HeaderList &headers)
{
    const qint64 size = m_offset + m_received;
    NetworkResponse r = baseResponse(status, headers);
    // Durable order: steps 1-3 in PartialFile::publish(), the row in finalize(), then signals.
    if (const auto failure = m_partial.publish(m_row.destination, m_row.expectedSha256)) {
        r.setOutcome(NetworkResponse::Outcome::Failed);
        r.setError(failure->error, failure->message);
        finalize(r);
        return;
    }
    r.setOutcome(NetworkResponse::Outcome::Success);
    r.setFilePath(m_row.destination);
    r.setBytes(size);
    Q_EMIT progress(size, size);
    finalize(r);
}

qint64 DownloadJob::bytesDone() const
{
    return m_offset + m_received;
}

bool DownloadJob::isAttemptRunning() const
{
    return bool(m_reply);
}

void DownloadJob::releaseLocal(const NetworkResponse &response)
{
    m_rateTimer.stop();
    const bool diskFull = response.error() == NetworkResponse::Error::DiskFull;
    // A resume continues from the stored offset: it must cover what the file holds.
    if (diskFull && m_partial.isOpen())
        checkpoint(true);
    m_partial.close();
    if (response.outcome() != NetworkResponse::Outcome::Success
        && response.outcome() != NetworkResponse::Outcome::Retry && !diskFull) {
        m_partial.remove(); // nothing worth resuming
    }
}

} // namespace Background
