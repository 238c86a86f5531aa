#include "uploadjob.h"

#include "clock.h"
#include "faultpoint.h"
#include "fileops.h"
#include "httprules.h"
#include "logging.h"
#include "transferengine.h"
#include "uploadbody.h"

#include <QtCore/QDir>
#include <QtCore/QFileInfo>
#include <QtCore/QMimeDatabase>
#include <QtNetwork/QNetworkAccessManager>
#include <QtNetwork/QNetworkReply>

namespace Background {

UploadJob::UploadJob(TransferEngine *engine,
                     const TransferRow &row,
                     const QNetworkRequest &request,
                     const SessionConfiguration &configuration)
    : TransferJob(engine, row, request, configuration)
    , m_options(UploadOptions::deserialize(row.uploadSpec))
    , m_responseFile(row.partialPath)
{}

UploadJob::~UploadJob()
{
    dropReply();
}

void UploadJob::stop()
{
    m_finalizing = true;
    stopTimers();
    dropReply();
}

void UploadJob::cancel()
{
    stop();
    m_responseFile.close();
    QFile::remove(m_row.partialPath);
}

void UploadJob::dropReply()
{
    m_reply.reset(); // the deleter disconnects before it aborts
    // The reply may still read the body until it is deleted; the body goes after it.
    if (m_body)
        m_body.release()->deleteLater();
}

bool UploadJob::makeBody(QNetworkRequest *request)
{
    m_body = std::make_unique<UploadBody>(m_row.destination);
    m_body->setMaximumRate(m_config.maximumRate());
    const qint64 fileSize = QFileInfo(m_row.destination).size();
    if (m_options.body == UploadOptions::Body::Raw) {
        m_body->appendFileRange(0, fileSize);
        request->setHeader(QNetworkRequest::ContentTypeHeader,
                           m_options.contentType.isEmpty()
                                   ? QByteArrayLiteral("application/octet-stream")
                                   : m_options.contentType);
    } else {
        const MultipartForm form = MultipartForm::build(
                m_options.fields,
                m_options.fileField,
                m_options.fileName.isEmpty() ? QFileInfo(m_row.destination).fileName()
                                             : m_options.fileName,
                m_options.contentType.isEmpty()
                        ? QMimeDatabase().mimeTypeForFile(m_row.destination).name().toLatin1()
                        : m_options.contentType,
                {});
        m_body->appendBytes(form.head);
        m_body->appendFileRange(0, fileSize);
        m_body->appendBytes(form.tail);
        request->setHeader(QNetworkRequest::ContentTypeHeader, form.contentType());
    }
    if (!m_body->open(QIODevice::ReadOnly)) {
        m_body.reset();
        return false;
    }
    m_total = m_body->size();
    request->setHeader(QNetworkRequest::ContentLengthHeader, m_total);
    return true;
}

void UploadJob::beginAttempt()
{
    m_finalizing = false;
    if (!sourceUnchanged())
        return;
    m_sent = 0;
    m_responseBody.clear();
    m_responseFile.close();
    m_responseFileFailed = false;
    m_responseDropped = 0;
    QFile::remove(m_row.partialPath);

    QNetworkRequest req = requestFor(m_currentUrl);
    if (!makeBody(&req)) {
        NetworkResponse r = baseResponse(0, {});
        r.setOutcome(NetworkResponse::Outcome::Failed);
        r.setError(NetworkResponse::Error::LocalIoError,
                   QStringLiteral("Cannot read %1").arg(m_row.destination));
        finalize(r);
        return;
    }

    m_row.attempts += 1;
    m_row.state = TransferInfo::State::Running;
    m_engine->store().saveAttemptState(m_row.identifier, m_row);
    qCInfo(lcUpload).noquote() << m_row.identifier << "upload attempt" << m_row.attempts << "to"
                               << m_currentUrl.toDisplayString();

    const QByteArray method = UploadOptions::methodName(m_options.method);
    m_reply.reset(m_engine->network(m_config)->sendCustomRequest(req, method, m_body.get()));
    m_reply->setReadBufferSize(qint64(256) * 1024);
    connect(m_reply.get(), &QNetworkReply::uploadProgress, this, &UploadJob::onUploadProgress);
    connect(m_reply.get(), &QNetworkReply::readyRead, this, &UploadJob::onReadyRead);
    connect(m_reply.get(), &QNetworkReply::finished, this, &UploadJob::onReplyFinished);
    m_stallTimer.start();
}

void UploadJob::onUploadProgress(qint64 sent, qint64 total)
{
    // Qt reports (0, 0) once the reply finishes; that is not "nothing was sent".
    if (sent == 0 && total == 0)
        return;
    m_stallTimer.start();
    m_sent = sent;
    if (total > 0)
        m_total = total;
    Q_EMIT progress(sent, m_total);
}

void UploadJob::onReadyRead()
{
    m_stallTimer.start();
    // The response is kept up to KeptBodyLimit in memory (and the store); past that it goes to
    // a file beside the store, so a huge answer cannot grow the process.
    while (m_reply && m_reply->bytesAvailable() > 0) {
        const QByteArray chunk = m_reply->read(qint64(64) * 1024);
        const qint64 room = KeptBodyLimit - m_responseBody.size();
        if (room > 0)
            m_responseBody.append(chunk.left(room));
        if (m_responseBody.size() < KeptBodyLimit && chunk.size() <= room)
            continue;
        if (!m_responseFile.isOpen() && !m_responseFileFailed) {
            const QString dir = QFileInfo(m_row.partialPath).absolutePath();
            if (QDir().mkpath(dir))
                FileOps::makePrivate(dir, true);
            // Its name is predictable: never write through a link planted there.
            if (!FileOps::openPrivateFile(m_responseFile, m_row.partialPath)
                || !m_responseFile.resize(0)) {
                qCWarning(lcUpload).noquote()
                        << m_row.identifier << "cannot keep the answer in" << m_row.partialPath;
                m_responseFile.close();
                m_responseFileFailed = true; // keep what fits in the store, drop the rest
            } else {
                m_responseFile.write(m_responseBody);
            }
        }
        keepInFile(chunk.mid(qMax<qint64>(0, room))); // what is not in m_responseBody
    }
}

void UploadJob::keepInFile(const QByteArray &data)
{
    // Still read to the end, so the reply's buffer never grows.
    const qint64 room = m_responseFile.isOpen() ? KeptFileLimit - m_responseFile.size() : 0;
    const qint64 kept = qBound<qint64>(0, room, data.size());
    if (kept > 0)
        m_responseFile.write(data.constData(), kept);
    if (kept < data.size() && m_responseDropped == 0)
        qCWarning(lcUpload) << m_row.identifier << "the server's answer passes" << KeptFileLimit
                            << "bytes; the rest is not kept";
    m_responseDropped += data.size() - kept;
}

void UploadJob::onStalled()
{
    if (!m_reply)
        return;
    qCInfo(lcUpload) << m_row.identifier << "upload stalled for" << m_config.stallTimeout().count()
                     << "ms";
    dropReply();
    transient(NetworkResponse::Error::StallTimeout,
              QStringLiteral("Nothing moved for %1 ms").arg(m_config.stallTimeout().count()),
              0,
              std::nullopt,
              {});
}

void UploadJob::onReplyFinished()
{
    m_stallTimer.stop();
    if (!m_reply)
        return;
    onReadyRead();
    const QNetworkReply::NetworkError netError = m_reply->error();
    const int status = m_reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    const HeaderList headers = replyHeaders(m_reply.get());
    const QString netErrorString = m_reply->errorString();
    const QByteArray location = m_reply->rawHeader("Location");
    dropReply();
    if (refusedHead(status, headers))
        return;

    if (status == 307 || status == 308) {
        QUrl target;
        const Http::RedirectCheck check = Http::checkRedirect(m_currentUrl, location, &target);
        if (check == Http::RedirectCheck::Allowed && ++m_redirects <= m_config.maximumRedirects()) {
            m_currentUrl = target; // requestFor() drops credentials away from the home origin
            m_row.attempts -= 1;   // following a redirect is part of the same attempt
            beginAttempt();
            return;
        }
    }
    if (Http::isRedirectStatus(status)) {
        NetworkResponse r = baseResponse(status, headers);
        r.setOutcome(NetworkResponse::Outcome::Rejected);
        r.setError(NetworkResponse::Error::RedirectRejected,
                   status == 307 || status == 308
                           ? QStringLiteral("Refused to follow the upload's redirect to %1")
                                     .arg(QString::fromLatin1(location))
                           : QStringLiteral("The server answered %1, which would turn the upload "
                                            "into a GET without its body; only 307 and 308 are "
                                            "followed")
                                     .arg(status));
        finalize(r);
        return;
    }
    if (status != 0) {
        finishWith(status, headers);
        return;
    }
    const auto [error, isTransient] = classifyNetworkError(netError, m_sent > 0);
    if (isTransient) {
        transient(error, netErrorString, 0, std::nullopt, headers);
        return;
    }
    NetworkResponse r = baseResponse(0, headers);
    r.setOutcome(NetworkResponse::Outcome::Failed);
    r.setError(error, netErrorString);
    finalize(r);
}

void UploadJob::finishWith(int status, const HeaderList &headers)
{
    const NetworkResponse::Outcome outcome = Http::outcomeForStatus(status);
    const QString message = QStringLiteral("HTTP %1").arg(status);
    if (outcome == NetworkResponse::Outcome::Retry) {
        transient(NetworkResponse::Error::HttpError,
                  message,
                  status,
                  retryAfterOf(headers, m_engine->clock()->nowMs()),
                  headers);
        return;
    }
    // The server took bytes that were read while the file changed: not the upload asked for.
    if (outcome == NetworkResponse::Outcome::Success && !sourceUnchanged())
        return;
    NetworkResponse r = baseResponse(status, headers);
    r.setOutcome(outcome);
    r.setBody(m_responseBody);
    if (m_responseFile.isOpen()) {
        // Durable before the result that points to it is committed.
        FileOps::syncFile(m_responseFile);
        m_responseFile.close();
        FileOps::syncDirectory(QFileInfo(m_row.partialPath).absolutePath());
        r.setBodyFilePath(m_row.partialPath);
    }
    r.setFilePath(m_row.destination);
    r.setBytes(m_sent);
    if (outcome != NetworkResponse::Outcome::Success)
        r.setError(NetworkResponse::Error::HttpError, message);
    faultPoint("upload.before-commit"); // the server has the body, the store does not know yet
    finalize(r);
}

void UploadJob::releaseLocal(const NetworkResponse &response)
{
    dropReply();
    if (m_responseFile.isOpen())
        m_responseFile.close();
    if (response.bodyFilePath().isEmpty())
        QFile::remove(m_row.partialPath);
}

} // namespace Background
