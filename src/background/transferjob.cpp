#include "transferjob.h"

#include "clock.h"
#include "faultpoint.h"
#include "fileops.h"
#include "httprules.h"
#include "logging.h"
#include "transferengine.h"

#include <QtCore/QDateTime>
#include <QtCore/QFileInfo>
#include <QtNetwork/QSslConfiguration>

#include <limits>

namespace Background {

TransferJob::TransferJob(TransferEngine *engine,
                         const TransferRow &row,
                         const QNetworkRequest &request,
                         const SessionConfiguration &configuration)
    : m_engine(engine)
    , m_row(row)
    , m_request(request)
    , m_config(configuration)
    , m_currentUrl(row.url)
{
    m_stallTimer.setSingleShot(true);
    m_stallTimer.setInterval(m_config.stallTimeout());
    connect(&m_stallTimer, &QTimer::timeout, this, [this] { onStalled(); });
    m_retryTimer.setSingleShot(true);
    connect(&m_retryTimer, &QTimer::timeout, this, &TransferJob::checkDue);
    connect(m_engine->clock(), &Clock::advanced, this, &TransferJob::checkDue);
}

void TransferJob::start()
{
    if (m_row.state == TransferInfo::State::Waiting
        && m_row.nextAttemptAt > m_engine->clock()->nowMs()) {
        scheduleRetry(); // a restart must not retry before the persisted due time
        m_engine->jobWaiting(this);
        return;
    }
    beginAttempt();
}

void TransferJob::runAttempt()
{
    m_retryTimer.stop();
    m_currentUrl = m_row.url;
    m_redirects = 0;
    beginAttempt();
}

QNetworkRequest TransferJob::requestFor(const QUrl &url) const
{
    QNetworkRequest req = m_request;
    req.setUrl(url);
    if (!Http::isSameOrigin(url, m_row.url)) {
        // Credentials stay with the origin they were given for; a retry that starts again at
        // that origin has them again.
        const QList<QByteArray> names = m_request.rawHeaderList();
        for (const QByteArray &name : names) {
            if (m_config.isSensitiveHeader(name))
                req.setRawHeader(name, QByteArray());
        }
    }
    // Redirects are ours to follow: Qt's policy would forward credentials to other origins
    // and turn uploads into GETs.
    req.setAttribute(QNetworkRequest::RedirectPolicyAttribute,
                     QNetworkRequest::ManualRedirectPolicy);
    applyTrust(&req, m_config);
    return req;
}

void TransferJob::applyTrust(QNetworkRequest *request, const SessionConfiguration &config)
{
    const QList<QSslCertificate> authorities = config.caCertificates();
    if (authorities.isEmpty())
        return; // the request's own configuration: the system's default unless the app set one
    // Added to this request's copy only: the process-wide default stays as it is.
    QSslConfiguration ssl = request->sslConfiguration();
    QList<QSslCertificate> trusted = ssl.caCertificates();
    if (trusted.isEmpty()) {
        // Qt looks the system's CAs up on demand only while a configuration lists none of its
        // own, so once ours are added the system's must be listed too. Read once per process.
        static const QList<QSslCertificate> system = QSslConfiguration::systemCaCertificates();
        trusted = system;
    }
    ssl.setCaCertificates(trusted + authorities);
    request->setSslConfiguration(ssl);
}

std::optional<std::chrono::seconds> TransferJob::retryAfterOf(const HeaderList &headers,
                                                              qint64 nowMs)
{
    const QByteArray value = headerValue(headers, "Retry-After");
    if (value.isEmpty())
        return std::nullopt;
    return Http::parseRetryAfter(value, QDateTime::fromMSecsSinceEpoch(nowMs, Qt::UTC));
}

NetworkResponse TransferJob::baseResponse(int status, const HeaderList &headers) const
{
    NetworkResponse r;
    r.setIdentifier(m_row.identifier);
    r.setUrl(m_row.url);
    r.setHttpStatus(status);
    r.setHeaders(headers);
    r.setAttempts(m_row.attempts);
    r.setResumedFrom(m_row.resumedFrom);
    return r;
}

void TransferJob::transient(NetworkResponse::Error error,
                            const QString &message,
                            int status,
                            std::optional<std::chrono::seconds> retryAfter,
                            const HeaderList &headers)
{
    // An attempt that moved the transfer forward does not count against the retry limit.
    if (!m_progressThisAttempt)
        m_row.countedAttempts += 1;
    const RetryPolicy policy = m_config.retryPolicy();
    // maxRetries 0 reports the first outcome as it is, even after progress.
    if (policy.maxRetries == 0 || m_row.countedAttempts > policy.maxRetries) {
        NetworkResponse r = baseResponse(status, headers);
        r.setOutcome(NetworkResponse::Outcome::Retry);
        r.setRetryAfter(retryAfter ? std::optional(std::min(*retryAfter, policy.maxRetryAfter))
                                   : std::nullopt);
        r.setError(error, message);
        r.setBytes(bytesDone());
        finalize(r);
        return;
    }
    const auto delay = policy.delayForRetry(
            qMax(1, m_row.countedAttempts), retryAfter, m_engine->clock()->random01());
    m_row.state = TransferInfo::State::Waiting;
    m_row.nextAttemptAt = m_engine->clock()->nowMs() + delay.count();
    m_row.lastError = message;
    m_engine->store().saveAttemptState(m_row.identifier, m_row);
    qCInfo(lcEngine).noquote() << m_row.identifier << "transient:" << message << "- retry in"
                               << delay.count() << "ms";
    scheduleRetry();
    m_engine->jobWaiting(this);
}

void TransferJob::scheduleRetry()
{
    const qint64 wait = m_row.nextAttemptAt - m_engine->clock()->nowMs();
    m_retryTimer.start(int(qBound<qint64>(0, wait, qint64(std::numeric_limits<int>::max()))));
}

void TransferJob::checkDue()
{
    if (m_row.state != TransferInfo::State::Waiting || isAttemptRunning() || m_finalizing)
        return;
    if (m_engine->clock()->nowMs() < m_row.nextAttemptAt) {
        scheduleRetry();
        return;
    }
    m_retryTimer.stop();
    m_engine->jobDue(this); // the queue decides when it runs
}

// Failures before the server answered are final when retrying cannot help (refused, unknown
// host, TLS); anything that cuts a transfer the server had accepted is an interruption.
TransferJob::ErrorClass TransferJob::classifyNetworkError(QNetworkReply::NetworkError error,
                                                          bool answered)
{
    using E = NetworkResponse::Error;
    switch (error) {
    case QNetworkReply::ConnectionRefusedError:
        return {E::ConnectionRefused, false};
    case QNetworkReply::HostNotFoundError:
        return {E::HostNotFound, false};
    case QNetworkReply::SslHandshakeFailedError:
    case QNetworkReply::InsecureRedirectError:
        return {E::TlsError, false};
    case QNetworkReply::RemoteHostClosedError:
    case QNetworkReply::TimeoutError:
    case QNetworkReply::TemporaryNetworkFailureError:
    case QNetworkReply::NetworkSessionFailedError:
    case QNetworkReply::ProxyTimeoutError:
    case QNetworkReply::UnknownNetworkError:
    case QNetworkReply::OperationCanceledError:
        return {answered ? E::Interrupted : E::NetworkError, true};
    default:
        return answered ? ErrorClass{E::Interrupted, true} : ErrorClass{E::NetworkError, false};
    }
}

void TransferJob::ReplyDeleter::operator()(QNetworkReply *reply) const
{
    if (reply) {
        QObject::disconnect(reply, nullptr, receiver, nullptr);
        reply->abort();
        reply->deleteLater();
    }
}

bool TransferJob::refusedHead(int status, const HeaderList &headers)
{
    const QString why = status != 0 ? Http::responseHeadProblem(headers) : QString();
    if (why.isEmpty())
        return false;
    qCWarning(lcEngine).noquote() << m_row.identifier << why;
    fail(status, NetworkResponse::Error::ProtocolError, why);
    return true;
}

void TransferJob::fail(int status, NetworkResponse::Error error, const QString &message)
{
    NetworkResponse r = baseResponse(status, {});
    r.setOutcome(NetworkResponse::Outcome::Failed);
    r.setError(error, message);
    finalize(r);
}

HeaderList TransferJob::replyHeaders(const QNetworkReply *reply)
{
    HeaderList out;
    const auto &pairs = reply->rawHeaderPairs();
    for (const auto &p : pairs)
        out.append(p);
    return out;
}

QByteArray TransferJob::headerValue(const HeaderList &headers, const char *name)
{
    for (const auto &h : headers) {
        if (h.first.compare(name, Qt::CaseInsensitive) == 0)
            return h.second;
    }
    return {};
}

bool TransferJob::sourceUnchanged()
{
    if (FileOps::fingerprint(m_row.destination) == m_row.fingerprint)
        return true;
    NetworkResponse r = baseResponse(0, {});
    r.setOutcome(NetworkResponse::Outcome::Failed);
    r.setError(NetworkResponse::Error::SourceChanged,
               QFileInfo::exists(m_row.destination)
                       ? QStringLiteral("%1 changed after the upload was asked for; what was not "
                                        "sent yet was not sent")
                                 .arg(m_row.destination)
                       : QStringLiteral("%1 no longer exists").arg(m_row.destination));
    finalize(r);
    return false;
}

void TransferJob::stopTimers()
{
    m_stallTimer.stop();
    m_retryTimer.stop();
}

void TransferJob::finalize(NetworkResponse response)
{
    if (m_finalizing)
        return;
    m_finalizing = true;
    stopTimers();
    response.setIdentifier(m_row.identifier);
    response.setUrl(m_row.url);
    response.setAttempts(m_row.attempts);
    response.setResumedFrom(m_row.resumedFrom);
    releaseLocal(response);
    if (response.error() != NetworkResponse::Error::Canceled
        && !m_engine->store().finish(m_row.identifier, response)) {
        // The row is gone when another process canceled it; otherwise the store failed (a full
        // disk under it, say), and the caller hears that rather than a result nobody kept.
        response = m_engine->store().find(m_row.identifier)
                           ? NetworkResponse::failure(
                                     m_row.identifier,
                                     NetworkResponse::Error::StoreError,
                                     QStringLiteral("The result could not be recorded in %1")
                                             .arg(m_engine->store().path()))
                           : NetworkResponse::failure(m_row.identifier,
                                                      NetworkResponse::Error::Canceled,
                                                      QStringLiteral("The transfer was canceled"));
    }
    faultPoint("result.after-commit");
    Q_EMIT finished(response);
}

} // namespace Background
