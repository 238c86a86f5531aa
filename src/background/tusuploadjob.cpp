#include "tusuploadjob.h"

#include "clock.h"
#include "faultpoint.h"
#include "fileops.h"
#include "httprules.h"
#include "logging.h"
#include "transferengine.h"
#include "tusrules.h"
#include "uploadbody.h"

#include <QtCore/QCryptographicHash>
#include <QtCore/QFile>
#include <QtCore/QFileInfo>
#include <QtCore/QMimeDatabase>
#include <QtNetwork/QNetworkAccessManager>
#include <QtNetwork/QNetworkReply>

namespace Background {

namespace {

// Rounds of HEAD and PATCH that may pass without the offset moving before the attempt is
// given up as transient (a server answering 409 or 204 without taking bytes, again and again).
constexpr int kMaxRoundsWithoutProgress = 3;

} // namespace

TusUploadJob::TusUploadJob(TransferEngine *engine,
                           const TransferRow &row,
                           const QNetworkRequest &request,
                           const SessionConfiguration &configuration)
    : TransferJob(engine, row, request, configuration)
    , m_options(UploadOptions::deserialize(row.uploadSpec))
    , m_offset(row.durableOffset)
{}

TusUploadJob::~TusUploadJob()
{
    dropReply();
}

void TusUploadJob::stop()
{
    m_finalizing = true;
    stopTimers();
    dropReply();
}

void TusUploadJob::cancel()
{
    stop(); // the engine sends the DELETE: it outlives the job
}

QNetworkRequest TusUploadJob::terminationRequest(const QNetworkRequest &base, const QUrl &uploadUrl)
{
    QNetworkRequest req = base;
    req.setUrl(uploadUrl);
    req.setRawHeader("Tus-Resumable", Tus::Version);
    req.setAttribute(QNetworkRequest::RedirectPolicyAttribute,
                     QNetworkRequest::ManualRedirectPolicy);
    req.setTransferTimeout(15000);
    return req;
}

void TusUploadJob::dropReply()
{
    m_reply.reset(); // the deleter disconnects before it aborts
    if (m_body)
        m_body.release()->deleteLater(); // the reply may read it until it is deleted
    m_sentThisPatch = 0;
}

QNetworkRequest TusUploadJob::tusRequest(const QUrl &url) const
{
    QNetworkRequest req = requestFor(url);
    req.setRawHeader("Tus-Resumable", Tus::Version);
    return req;
}

void TusUploadJob::beginAttempt()
{
    m_finalizing = false;
    if (!sourceUnchanged())
        return;
    m_size = QFileInfo(m_row.destination).size();
    m_row.attempts += 1;
    m_row.state = TransferInfo::State::Running;
    m_engine->store().saveAttemptState(m_row.identifier, m_row);
    m_attemptStart = m_offset;
    m_progressThisAttempt = false;
    m_roundsWithoutProgress = 0;
    m_recreated = false;
    qCInfo(lcUpload).noquote() << m_row.identifier << "tus attempt" << m_row.attempts
                               << (m_row.remoteUrl.isEmpty() ? QStringLiteral("(new upload)")
                                                             : m_row.remoteUrl.toDisplayString());
    if (m_options.tusChecksum && !m_discovered)
        discover();
    else if (m_row.remoteUrl.isEmpty())
        create();
    else
        probe();
}

void TusUploadJob::send(Step step, const QNetworkRequest &request, const QByteArray &method)
{
    m_step = step;
    QNetworkAccessManager *network = m_engine->network(m_config);
    if (step == Step::Patch)
        m_reply.reset(network->sendCustomRequest(request, method, m_body.get()));
    else if (method == "HEAD")
        m_reply.reset(network->head(request));
    else
        m_reply.reset(network->sendCustomRequest(request, method, QByteArray()));
    m_reply->setReadBufferSize(qint64(64) * 1024);
    if (step == Step::Patch) {
        connect(m_reply.get(),
                &QNetworkReply::uploadProgress,
                this,
                [this](qint64 sent, qint64 total) {
                    if (sent == 0 && total == 0)
                        return; // Qt's closing report, not "nothing was sent"
                    m_stallTimer.start();
                    m_sentThisPatch = sent;
                    Q_EMIT progress(m_offset + sent, m_size);
                });
    }
    // Answers to tus requests are small; anything else is read and dropped.
    connect(m_reply.get(), &QNetworkReply::readyRead, this, [this] {
        m_stallTimer.start();
        while (m_reply && m_reply->bytesAvailable() > 0)
            m_reply->read(qint64(64) * 1024);
    });
    connect(m_reply.get(), &QNetworkReply::finished, this, &TusUploadJob::onReplyFinished);
    m_stallTimer.start();
}

// OPTIONS tells whether the server takes checksums; without an answer we go on without them.
void TusUploadJob::discover()
{
    QNetworkRequest req = tusRequest(m_currentUrl);
    send(Step::Options, req, "OPTIONS");
}

void TusUploadJob::create()
{
    QNetworkRequest req = tusRequest(m_currentUrl);
    req.setRawHeader("Upload-Length", QByteArray::number(m_size));
    QList<QPair<QString, QString>> metadata;
    metadata.append({QStringLiteral("filename"),
                     m_options.fileName.isEmpty() ? QFileInfo(m_row.destination).fileName()
                                                  : m_options.fileName});
    metadata.append({QStringLiteral("filetype"),
                     m_options.contentType.isEmpty()
                             ? QMimeDatabase().mimeTypeForFile(m_row.destination).name()
                             : QString::fromLatin1(m_options.contentType)});
    metadata.append(m_options.fields);
    req.setRawHeader("Upload-Metadata", Tus::encodeMetadata(metadata));
    req.setHeader(QNetworkRequest::ContentLengthHeader, 0);
    send(Step::Create, req, "POST");
}

void TusUploadJob::probe()
{
    QNetworkRequest req = tusRequest(m_row.remoteUrl);
    send(Step::Probe, req, "HEAD");
}

void TusUploadJob::patch()
{
    const qint64 length = Tus::nextChunkLength(m_offset, m_size, m_options.chunkSize);
    m_patchLength = length;
    QNetworkRequest req = tusRequest(m_row.remoteUrl);
    req.setRawHeader("Upload-Offset", QByteArray::number(m_offset));
    req.setHeader(QNetworkRequest::ContentTypeHeader, QByteArray(Tus::PatchContentType));
    req.setHeader(QNetworkRequest::ContentLengthHeader, length);
    m_body = std::make_unique<UploadBody>(m_row.destination);
    m_body->appendFileRange(m_offset, length);
    m_body->setMaximumRate(m_config.maximumRate());
    m_body->setRewindable(false); // a resend must start with HEAD, not with a stale offset
    if (!m_body->open(QIODevice::ReadOnly)) {
        m_body.reset();
        if (!sourceUnchanged())
            return;
        NetworkResponse r = baseResponse(0, {});
        r.setOutcome(NetworkResponse::Outcome::Failed);
        r.setError(NetworkResponse::Error::LocalIoError,
                   QStringLiteral("Cannot read %1").arg(m_row.destination));
        finalize(r);
        return;
    }
    if (m_useChecksum) {
        // One extra read of the chunk, in small blocks, before it is sent.
        QFile file(m_row.destination);
        QCryptographicHash sha1(QCryptographicHash::Sha1);
        QByteArray block;
        bool ok = file.open(QIODevice::ReadOnly) && file.seek(m_offset);
        for (qint64 left = length; ok && left > 0; left -= block.size()) {
            block = file.read(qMin<qint64>(left, 256 * 1024));
            ok = !block.isEmpty();
            sha1.addData(block);
        }
        if (ok)
            req.setRawHeader("Upload-Checksum", Tus::sha1ChecksumHeader(sha1.result()));
    }
    m_sentThisPatch = 0;
    send(Step::Patch, req, "PATCH");
}

void TusUploadJob::onStalled()
{
    if (!m_reply)
        return;
    qCInfo(lcUpload) << m_row.identifier << "tus request stalled for"
                     << m_config.stallTimeout().count() << "ms";
    dropReply();
    transient(NetworkResponse::Error::StallTimeout,
              QStringLiteral("Nothing moved for %1 ms").arg(m_config.stallTimeout().count()),
              0,
              std::nullopt,
              {});
}

void TusUploadJob::onReplyFinished()
{
    m_stallTimer.stop();
    if (!m_reply)
        return;
    const QNetworkReply::NetworkError netError = m_reply->error();
    const int status = m_reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    const HeaderList headers = replyHeaders(m_reply.get());
    const QString netErrorString = m_reply->errorString();
    const qint64 sent = m_sentThisPatch;
    dropReply();
    if (refusedHead(status, headers))
        return;

    if (m_step == Step::Options) {
        m_discovered = true;
        m_useChecksum = status >= 200 && status < 300
                        && Tus::listsToken(headerValue(headers, "Tus-Extension"), "checksum")
                        && Tus::listsToken(headerValue(headers, "Tus-Checksum-Algorithm"), "sha1");
        qCDebug(lcUpload) << m_row.identifier << "server takes sha1 checksums:" << m_useChecksum;
        if (m_row.remoteUrl.isEmpty())
            create();
        else
            probe();
        return;
    }
    if (status == 0) {
        auto [error, isTransient] = classifyNetworkError(netError, sent > 0);
        // A server that created this upload and now refuses connections is restarting, not
        // gone: the upload is still there to resume.
        if (netError == QNetworkReply::ConnectionRefusedError && !m_row.remoteUrl.isEmpty())
            isTransient = true;
        if (isTransient) {
            transient(error, netErrorString, 0, std::nullopt, headers);
            return;
        }
        NetworkResponse r = baseResponse(0, headers);
        r.setOutcome(NetworkResponse::Outcome::Failed);
        r.setError(error, netErrorString);
        finalize(r);
        return;
    }
    switch (m_step) {
    case Step::Create:
        onCreated(status, headers);
        return;
    case Step::Probe:
        onProbed(status, headers);
        return;
    case Step::Patch:
        onPatched(status, headers);
        return;
    case Step::Options:
        return;
    }
}

void TusUploadJob::onCreated(int status, const HeaderList &headers)
{
    if (status == 307 || status == 308) {
        // The endpoint moved: create there, the headers kept (requestFor() drops credentials
        // away from the home origin).
        QUrl target;
        const QByteArray location = headerValue(headers, "Location");
        if (Http::checkRedirect(m_currentUrl, location, &target) == Http::RedirectCheck::Allowed
            && ++m_redirects <= m_config.maximumRedirects()) {
            m_currentUrl = target;
            create();
            return;
        }
    }
    if (Tus::classify(status) != Tus::Reply::Ok) {
        statusOutcome(status, headers);
        return;
    }
    const std::optional<QUrl> url = Tus::uploadUrl(m_currentUrl, headerValue(headers, "Location"));
    if (!url) {
        protocolError(QStringLiteral("The tus server answered %1 to the creation without a usable "
                                     "Location (%2)")
                              .arg(status)
                              .arg(QString::fromLatin1(headerValue(headers, "Location"))),
                      status,
                      headers);
        return;
    }
    m_row.remoteUrl = *url;
    faultPoint("tus.after-create"); // the server has an upload the store does not know of
    if (!m_engine->store().saveRemoteUrl(m_row.identifier, *url)) {
        canceledElsewhere();
        return;
    }
    qCInfo(lcUpload).noquote() << m_row.identifier << "tus upload created at"
                               << url->toDisplayString();
    m_offset = 0;
    m_attemptStart = 0;
    if (!acceptOffset(0))
        return;
    if (m_size == 0)
        complete(status, headers);
    else
        patch();
}

void TusUploadJob::onProbed(int status, const HeaderList &headers)
{
    const Tus::Reply reply = Tus::classify(status);
    if (reply == Tus::Reply::Gone) {
        recreate();
        return;
    }
    if (reply != Tus::Reply::Ok) {
        statusOutcome(status, headers);
        return;
    }
    const std::optional<qint64> offset = Tus::parseOffset(headerValue(headers, "Upload-Offset"));
    const QByteArray lengthHeader = headerValue(headers, "Upload-Length");
    const std::optional<qint64> length = Tus::parseOffset(lengthHeader);
    if (!lengthHeader.isEmpty() && length && *length != m_size) {
        // Not the upload of this file (a server that reused the URL): start a new one.
        qCInfo(lcUpload) << m_row.identifier << "server's upload has length" << *length
                         << "instead of" << m_size;
        recreate();
        return;
    }
    if (!offset || *offset > m_size) {
        protocolError(QStringLiteral("The tus server answered HEAD with an invalid Upload-Offset "
                                     "'%1'")
                              .arg(QString::fromLatin1(headerValue(headers, "Upload-Offset"))),
                      status,
                      headers);
        return;
    }
    if (*offset < m_offset)
        qCInfo(lcUpload) << m_row.identifier << "server's offset went back from" << m_offset << "to"
                         << *offset;
    m_offset = *offset;
    if (!acceptOffset(*offset))
        return;
    if (m_row.resumedFrom == 0 && m_offset > 0)
        m_row.resumedFrom = m_offset;
    if (m_offset == m_size)
        complete(status, headers);
    else
        patch();
}

void TusUploadJob::onPatched(int status, const HeaderList &headers)
{
    switch (Tus::classify(status)) {
    case Tus::Reply::Conflict:
        // Our offset is not the server's (a lost answer, another writer): ask again.
        if (++m_roundsWithoutProgress >= kMaxRoundsWithoutProgress) {
            transient(NetworkResponse::Error::HttpError,
                      QStringLiteral("The tus server keeps answering 409 Conflict"),
                      status,
                      std::nullopt,
                      headers);
            return;
        }
        probe();
        return;
    case Tus::Reply::Gone:
        recreate();
        return;
    case Tus::Reply::ChecksumMismatch:
        transient(NetworkResponse::Error::IntegrityError,
                  QStringLiteral("The tus server refused the chunk at %1: checksum mismatch")
                          .arg(m_offset),
                  status,
                  std::nullopt,
                  headers);
        return;
    case Tus::Reply::Ok:
        break;
    case Tus::Reply::Locked:
    case Tus::Reply::Other:
        statusOutcome(status, headers);
        return;
    }
    const std::optional<qint64> offset = Tus::parseOffset(headerValue(headers, "Upload-Offset"));
    // The new offset is the old one plus what the server took of this PATCH, never more.
    if (!offset || *offset < m_offset || *offset > m_offset + m_patchLength) {
        protocolError(QStringLiteral("The tus server answered PATCH with an invalid "
                                     "Upload-Offset '%1' (sent %2 bytes from %3)")
                              .arg(QString::fromLatin1(headerValue(headers, "Upload-Offset")))
                              .arg(m_patchLength)
                              .arg(m_offset),
                      status,
                      headers);
        return;
    }
    if (*offset == m_offset && ++m_roundsWithoutProgress >= kMaxRoundsWithoutProgress) {
        transient(NetworkResponse::Error::HttpError,
                  QStringLiteral("The tus server takes no bytes at offset %1").arg(m_offset),
                  status,
                  std::nullopt,
                  headers);
        return;
    }
    m_offset = *offset;
    if (!acceptOffset(*offset))
        return;
    Q_EMIT progress(m_offset, m_size);
    if (m_offset == m_size) {
        complete(status, headers);
        return;
    }
    patch();
}

void TusUploadJob::recreate()
{
    qCInfo(lcUpload).noquote() << m_row.identifier << "the server no longer has"
                               << m_row.remoteUrl.toDisplayString() << "- creating a new upload";
    if (m_recreated) {
        protocolError(QStringLiteral("The tus server lost the upload it had just created"), 0, {});
        return;
    }
    m_recreated = true;
    m_row.remoteUrl.clear();
    m_offset = 0;
    m_attemptStart = 0;
    m_row.resumedFrom = 0;
    if (!m_engine->store().saveRemoteUrl(m_row.identifier, QUrl())) {
        canceledElsewhere();
        return;
    }
    create();
}

bool TusUploadJob::acceptOffset(qint64 offset)
{
    if (offset > m_attemptStart)
        m_progressThisAttempt = true;
    // Only an offset past the last confirmed one is progress: a HEAD repeating it is not.
    if (offset > m_row.durableOffset)
        m_roundsWithoutProgress = 0;
    m_row.durableOffset = offset;
    m_row.total = m_size;
    if (m_engine->store().saveEntity(m_row.identifier, offset, m_size, {}, {}, {}))
        return true;
    canceledElsewhere();
    return false;
}

void TusUploadJob::canceledElsewhere()
{
    dropReply();
    finalize(NetworkResponse::failure(m_row.identifier,
                                      NetworkResponse::Error::Canceled,
                                      QStringLiteral("The transfer was canceled")));
}

// A status that is not part of the tus conversation: the outcome table decides, as for any
// other request (423 Locked and 5xx retry, other 4xx and 3xx are rejected).
void TusUploadJob::statusOutcome(int status, const HeaderList &headers)
{
    const NetworkResponse::Outcome outcome
            = status == 423 ? NetworkResponse::Outcome::Retry : Http::outcomeForStatus(status);
    const QString message = QStringLiteral("HTTP %1").arg(status);
    if (outcome == NetworkResponse::Outcome::Retry) {
        transient(NetworkResponse::Error::HttpError,
                  message,
                  status,
                  retryAfterOf(headers, m_engine->clock()->nowMs()),
                  headers);
        return;
    }
    NetworkResponse r = baseResponse(status, headers);
    r.setOutcome(outcome == NetworkResponse::Outcome::Success ? NetworkResponse::Outcome::Failed
                                                              : outcome);
    r.setError(Http::isRedirectStatus(status) ? NetworkResponse::Error::RedirectRejected
                                              : NetworkResponse::Error::HttpError,
               Http::isRedirectStatus(status)
                       ? QStringLiteral("The tus server answered %1; only 307 and 308 to the "
                                        "creation request are followed")
                                 .arg(status)
                       : message);
    r.setFilePath(m_row.destination);
    r.setBytes(m_offset);
    finalize(r);
}

void TusUploadJob::protocolError(const QString &message, int status, const HeaderList &headers)
{
    NetworkResponse r = baseResponse(status, headers);
    r.setOutcome(NetworkResponse::Outcome::Failed);
    r.setError(NetworkResponse::Error::ProtocolError, message);
    r.setFilePath(m_row.destination);
    r.setBytes(m_offset);
    finalize(r);
}

void TusUploadJob::complete(int status, const HeaderList &headers)
{
    faultPoint("tus.before-commit"); // the server has every byte, the store does not know yet
    // Bytes read while the file changed are not the upload that was asked for.
    if (!sourceUnchanged())
        return;
    NetworkResponse r = baseResponse(status, headers);
    r.setOutcome(NetworkResponse::Outcome::Success);
    r.setFilePath(m_row.destination);
    r.setBytes(m_size);
    finalize(r);
}

void TusUploadJob::releaseLocal(const NetworkResponse &)
{
    dropReply();
}

} // namespace Background
