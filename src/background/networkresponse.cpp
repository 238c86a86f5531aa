#include "networkresponse.h"

#include <QtCore/QDebug>
#include <QtCore/QSharedData>

namespace Background {

class NetworkResponseData : public QSharedData
{
public:
    QString identifier;
    NetworkResponse::Outcome outcome = NetworkResponse::Outcome::Failed;
    int httpStatus = 0;
    std::optional<std::chrono::seconds> retryAfter;
    QUrl url;
    QString filePath;
    qint64 bytes = 0;
    NetworkResponse::Error error = NetworkResponse::Error::NoError;
    QString errorString;
    HeaderList headers;
    QByteArray body;
    QString bodyFilePath;
    int attempts = 0;
    qint64 resumedFrom = 0;
};

NetworkResponse::NetworkResponse()
    : d(new NetworkResponseData)
{}
NetworkResponse::NetworkResponse(const NetworkResponse &other) = default;
NetworkResponse::NetworkResponse(NetworkResponse &&other) noexcept = default;
NetworkResponse &NetworkResponse::operator=(const NetworkResponse &other) = default;
NetworkResponse &NetworkResponse::operator=(NetworkResponse &&other) noexcept = default;
NetworkResponse::~NetworkResponse() = default;

NetworkResponse
NetworkResponse::failure(const QString &identifier, Error error, const QString &message)
{
    NetworkResponse r;
    r.setIdentifier(identifier);
    r.setOutcome(Outcome::Failed);
    r.setError(error, message);
    return r;
}

QString NetworkResponse::identifier() const
{
    return d->identifier;
}
void NetworkResponse::setIdentifier(const QString &identifier)
{
    d->identifier = identifier;
}
NetworkResponse::Outcome NetworkResponse::outcome() const
{
    return d->outcome;
}
void NetworkResponse::setOutcome(Outcome outcome)
{
    d->outcome = outcome;
}
int NetworkResponse::httpStatus() const
{
    return d->httpStatus;
}
void NetworkResponse::setHttpStatus(int status)
{
    d->httpStatus = status;
}
std::optional<std::chrono::seconds> NetworkResponse::retryAfter() const
{
    return d->retryAfter;
}
void NetworkResponse::setRetryAfter(std::optional<std::chrono::seconds> delay)
{
    d->retryAfter = delay;
}
int NetworkResponse::retryAfterSeconds() const
{
    return d->retryAfter ? int(d->retryAfter->count()) : -1;
}
QUrl NetworkResponse::url() const
{
    return d->url;
}
void NetworkResponse::setUrl(const QUrl &url)
{
    d->url = url;
}
QString NetworkResponse::filePath() const
{
    return d->filePath;
}
void NetworkResponse::setFilePath(const QString &path)
{
    d->filePath = path;
}
qint64 NetworkResponse::bytes() const
{
    return d->bytes;
}
void NetworkResponse::setBytes(qint64 bytes)
{
    d->bytes = bytes;
}
NetworkResponse::Error NetworkResponse::error() const
{
    return d->error;
}

QString NetworkResponse::errorString() const
{
    if (!d->errorString.isEmpty() || d->error == Error::NoError)
        return d->errorString;
    return defaultErrorString(d->error);
}

void NetworkResponse::setError(Error error, const QString &errorString)
{
    d->error = error;
    d->errorString = errorString;
}

QByteArray NetworkResponse::body() const
{
    return d->body;
}
void NetworkResponse::setBody(const QByteArray &body)
{
    d->body = body;
}
QString NetworkResponse::bodyFilePath() const
{
    return d->bodyFilePath;
}
void NetworkResponse::setBodyFilePath(const QString &path)
{
    d->bodyFilePath = path;
}

HeaderList NetworkResponse::headers() const
{
    return d->headers;
}

QByteArray NetworkResponse::header(const QByteArray &name) const
{
    for (const auto &h : d->headers) {
        if (h.first.compare(name, Qt::CaseInsensitive) == 0)
            return h.second;
    }
    return {};
}

void NetworkResponse::setHeaders(const HeaderList &headers)
{
    d->headers = headers;
}
int NetworkResponse::attempts() const
{
    return d->attempts;
}
void NetworkResponse::setAttempts(int attempts)
{
    d->attempts = attempts;
}
qint64 NetworkResponse::resumedFrom() const
{
    return d->resumedFrom;
}
void NetworkResponse::setResumedFrom(qint64 offset)
{
    d->resumedFrom = offset;
}

QString NetworkResponse::outcomeName(Outcome outcome)
{
    switch (outcome) {
    case Outcome::Success:
        return QStringLiteral("success");
    case Outcome::Rejected:
        return QStringLiteral("rejected");
    case Outcome::Retry:
        return QStringLiteral("retry");
    case Outcome::Failed:
        break;
    }
    return QStringLiteral("failed");
}

QString NetworkResponse::defaultErrorString(Error error)
{
    switch (error) {
    case Error::NoError:
        return {};
    case Error::HttpError:
        return QStringLiteral("The server answered with an error status");
    case Error::ConnectionRefused:
        return QStringLiteral("The connection was refused");
    case Error::HostNotFound:
        return QStringLiteral("The host was not found");
    case Error::TlsError:
        return QStringLiteral("The TLS handshake failed");
    case Error::NetworkError:
        return QStringLiteral("A network error occurred");
    case Error::Interrupted:
        return QStringLiteral("The transfer was interrupted");
    case Error::StallTimeout:
        return QStringLiteral("No data arrived within the stall timeout");
    case Error::RedirectRejected:
        return QStringLiteral("The redirect may not be followed");
    case Error::TooManyRedirects:
        return QStringLiteral("Too many redirects");
    case Error::LocalIoError:
        return QStringLiteral("A local file could not be written");
    case Error::IntegrityError:
        return QStringLiteral("The received data failed the integrity check");
    case Error::InvalidRequest:
        return QStringLiteral("The request is invalid");
    case Error::InvalidIdentifier:
        return QStringLiteral("The identifier is invalid");
    case Error::IdentifierConflict:
        return QStringLiteral("The identifier is already used for another transfer");
    case Error::Canceled:
        return QStringLiteral("The transfer was canceled");
    case Error::StoreError:
        return QStringLiteral("The transfer store could not be used");
    case Error::SourceChanged:
        return QStringLiteral("The file to upload changed or vanished before it was sent");
    case Error::ProtocolError:
        return QStringLiteral("The server broke the upload protocol");
    case Error::TooLarge:
        return QStringLiteral("The download is larger than the configured maximum");
    case Error::DiskFull:
        return QStringLiteral("There is not enough free disk space");
    }
    return QStringLiteral("Unknown error");
}

QDebug operator<<(QDebug debug, const NetworkResponse &r)
{
    QDebugStateSaver saver(debug);
    debug.nospace() << "NetworkResponse(" << r.identifier() << ", "
                    << NetworkResponse::outcomeName(r.outcome()) << ", status " << r.httpStatus();
    if (r.error() != NetworkResponse::Error::NoError)
        debug << ", " << r.error() << ": " << r.errorString();
    debug << ')';
    return debug;
}

} // namespace Background
