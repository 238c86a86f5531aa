#include "networkresponse.h"

#include <QtCore/QDebug>
#include <QtCore/QSharedData>

namespace Background {

/*!
    \typealias Background::HeaderList
    \relates Background::NetworkResponse

    The header fields of an HTTP answer: a list of name and value pairs, in the order the server
    sent them, as QNetworkReply reports them (Qt joins repeated fields of one name into one
    value). Names keep the server's spelling; compare them case-insensitively, as
    NetworkResponse::header() does.

    \sa NetworkResponse::headers(), Background::NetworkResponse
*/

/*!
    \class Background::NetworkResponse
    \inmodule Background
    \inheaderfile Background/networkresponse.h
    \brief The result of one transfer: one of four outcomes, with what the server and the library
    knew about it.

    Every download and every upload ends in exactly one NetworkResponse. It arrives in the
    QFuture that \l Downloader::networkResponse() and
    \l Uploader::networkResponse() return, in their \c finished() signals, and as
    \l Background::TransferInfo::result of a finished transfer. The transfer store keeps it until
    \l Downloader::forget() drops it (or
    \l SessionConfiguration::resultLifetime() expires it), so asking again for the
    same identifier, later in the same process or after a restart, answers at once with the same
    result and sends no request.

    \snippet response.cpp ask

    \section1 The four outcomes

    outcome() sorts every way a transfer can end into four answers, each of which asks the app
    for a different reaction. The app does not need to interpret status codes or network errors
    to decide what to do next:

    \table
    \header
        \li Outcome
        \li When
        \li What the app does
    \row
        \li \c Success
        \li The server answered with a 2xx status and the whole body is at filePath() (a
            download), or the server took the whole file (an upload; its answer is in body()).
        \li Uses the file or the answer.
    \row
        \li \c Rejected
        \li The server refused the request: a 4xx status other than 408 and 429, a 5xx status
            other than 500, 502, 503 and 504, or a redirect that may not be followed.
        \li Does not send the same request again: it would get the same answer. It fixes the
            request (URL, credentials), calls \c forget() and asks again.
    \row
        \li \c Retry
        \li Something transient: the status 408, 429, 500, 502, 503 or 504 (or 423 from a tus
            server), a connection that timed out or dropped, a transfer that stalled. The
            library already retried as often as the \l Background::RetryPolicy allows.
        \li Tries again later, not before retryAfter() when the server named a time. The partial
            data is kept: \l Downloader::resume() continues from it.
    \row
        \li \c Failed
        \li No verdict from the server: the connection was refused, the host is unknown, TLS
            failed, a local file could not be written, the disk is full, a size or integrity
            check failed, the input was invalid, the transfer was canceled or the store could not
            be used. error() says which.
        \li Reports errorString(). Asking again unchanged rarely helps; after a full disk
            (Error::DiskFull) it does, once there is room: \c resume() continues from the data
            already on disk.
    \endtable

    A single failed attempt never reaches the app: transient failures are retried with
    exponential backoff first (SessionConfiguration::retryPolicy()), and a \c Retry result means
    those retries are used up. A download that does not end in \c Success never leaves anything
    at its destination path.

    A switch over the outcomes:

    \snippet response.cpp outcomes

    The \c bgtransfer command-line tool (\c examples/cli) turns them into its exit status, after
    singling out the results that mean its own input was wrong:

    \snippet cli/jsonreport.cpp exit-codes

    \section1 Status codes and errors

    The outcome of an HTTP status, for every request the library sends:

    \table
    \header
        \li Status
        \li Outcome
    \row
        \li 200 to 299
        \li \c Success (a download that resumes expects 206 with a Content-Range that starts at
            its offset; 200 starts it over from the first byte)
    \row
        \li 301, 302, 303, 307, 308
        \li followed by a download, up to
            \l {SessionConfiguration::maximumRedirects()}{maximumRedirects()}
            times, to http or https and never from https to http; otherwise \c Rejected. An
            upload follows only 307 and 308, which keep its method and body.
    \row
        \li 408, 429, 500, 502, 503, 504
        \li retried, then \c Retry
    \row
        \li other 3xx, 4xx and 5xx
        \li \c Rejected
    \row
        \li 1xx, or anything outside 100 to 599
        \li \c Failed
    \endtable

    error() names the cause more precisely (the description of Error says which outcome each
    value comes with), and errorString() describes it for people, naming the file, the size or
    the status involved. httpStatus() is 0 when no server answered.

    Responses that answer a call at once, without a transfer (Error::InvalidRequest,
    Error::InvalidIdentifier, Error::IdentifierConflict, a store that cannot be opened) and
    those of canceled transfers are not kept in the store: asking again tries again.

    \section1 A value type

    NetworkResponse is implicitly shared: copies are cheap and it can be passed and stored by
    value, through queued connections and futures. It is a Q_GADGET, so QML reads its
    properties (\c outcome, \c filePath, \c httpStatus, \c errorString and the others) and its
    enums (\c {NetworkResponse.Success}).

    The library fills responses in. The setters are public so that an app can build responses
    of its own, for tests or for a layer above the library.

    \sa Background::TransferInfo, Background::RetryPolicy, Background::Downloader,
        Background::Uploader
*/

/*!
    \enum Background::NetworkResponse::Outcome

    The four ways a transfer can end. Each asks for a different reaction from the app; the
    class description explains them and shows a switch over them.

    \value Success
        The server delivered. A download's file is complete at filePath(); an upload's server
        took the whole file and its answer is in body().
    \value Rejected
        The server refused the request (a 4xx status other than 408 and 429, some 5xx, a
        redirect that may not be followed). Repeating the same request would get the same
        answer.
    \value Retry
        A transient failure that outlasted the automatic retries. Try again later, not before
        retryAfter() when it is set; a download's partial data is kept for that.
    \value Failed
        Nothing the server said: a network, TLS, local file, integrity or input problem, a
        cancel, or an unusable store. error() tells which. A default-constructed
        NetworkResponse has this outcome.

    \sa outcome(), outcomeName()
*/

/*!
    \enum Background::NetworkResponse::Error

    Why a transfer did not succeed. Each value names the outcome it comes with.

    \value NoError
        No error: the outcome is \c Success (or the response was default-constructed).
    \value HttpError
        The server answered with a status that is not a success; httpStatus() holds it. The
        outcome follows the status: \c Retry for 408, 429, 500, 502, 503 and 504 (and a tus
        server's 423) once the retries are used up, \c Failed for a 1xx status or one outside
        100 to 599, \c Rejected for every other one.
    \value ConnectionRefused
        The server refused the connection. \c Failed, without retries.
    \value HostNotFound
        The host name could not be resolved. \c Failed, without retries.
    \value TlsError
        The TLS handshake failed, for instance because the server's certificate is not trusted.
        \c Failed. The library never ignores a TLS error; a private certificate authority can
        be trusted with \l SessionConfiguration::setCaCertificates().
    \value NetworkError
        Another network failure before the server answered. A timeout, a closed connection or a
        temporary failure is retried and ends as \c Retry; other failures, and a server that
        sent nothing usable, are \c Failed at once.
    \value Interrupted
        The connection dropped after the server had answered (or, for an upload, after bytes
        were sent), the body ended before its announced length, or a resumed download got a
        range that did not fit the data on disk. Retried; \c Retry when the retries are used
        up.
    \value StallTimeout
        Nothing moved for \l SessionConfiguration::stallTimeout(). Retried;
        \c Retry when the retries are used up.
    \value RedirectRejected
        A redirect that may not be followed: to a scheme other than http and https, from https
        to http, without a usable Location, or a 301, 302 or 303 answer to an upload (which
        would turn it into a GET without its body). \c Rejected.
    \value TooManyRedirects
        A download was redirected more than
        \l SessionConfiguration::maximumRedirects() times. \c Rejected.
    \value LocalIoError
        A local file could not be read or written: the partial file, the destination, the file
        to upload; also a link or FIFO found where the library writes a file. \c Failed.
    \value IntegrityError
        The data failed a check: a download's SHA-256 differs from the one the app expected
        (\c Failed, and the data is deleted), or a tus server kept refusing a chunk's checksum
        (\c Retry once the retries are used up).
    \value InvalidRequest
        The request cannot be sent: the URL is not http or https with a host, the destination
        is not a file path, the expected SHA-256 is not 64 hexadecimal digits, the file to
        upload is not readable, or the upload options contradict each other. \c Failed at
        once, not kept.
    \value InvalidIdentifier
        The identifier is empty, longer than 1024 characters, not valid Unicode or contains a
        control character; or \c resume() named an identifier the store does not know.
        \c Failed at once, not kept.
    \value IdentifierConflict
        The identifier already names a transfer of another URL, destination or kind. \c Failed
        at once, not kept; \c forget() the old one first, or choose another identifier.
    \value Canceled
        The transfer was canceled by \c cancel(), here or in another process. \c Failed, not
        kept. A future still waiting when every client of its store in that thread (Downloader,
        Uploader, TransferModel) is destroyed ends this way too; the transfer itself then stays
        unfinished in the store, for a later run to continue.
    \value StoreError
        The transfer store could not be opened or written, or a stored transfer could not be
        read back. \c Failed. \l Downloader::storeErrorString() names the problem,
        and \l recoverStore() moves an unusable store aside.
    \value SourceChanged
        The file to upload changed or vanished between the time the upload was asked for and
        the time the server had all of it. \c Failed.
    \value ProtocolError
        The server's answer broke the rules: a response head larger than 64 KiB, with more than
        100 fields or none at all, a malformed or contradictory Content-Length, or a tus server
        that broke the upload protocol. \c Failed, without retries.
    \value TooLarge
        The download is larger than
        \l SessionConfiguration::maximumDownloadSize(), or announces more bytes than
        its whole volume holds. \c Failed; the partial data is deleted.
    \value DiskFull
        The disk is full, or the download would leave less free space than
        \l SessionConfiguration::diskSpaceReserve(). \c Failed, but the partial data
        is kept: \l Downloader::resume() continues from it once there is room.

    \sa error(), errorString(), defaultErrorString()
*/

/*!
    \property Background::NetworkResponse::identifier
    \brief The identifier the app gave the transfer.
*/

/*!
    \property Background::NetworkResponse::outcome
    \brief Which of the four outcomes the transfer ended in.

    The class description explains what each means for the app.
*/

/*!
    \property Background::NetworkResponse::httpStatus
    \brief The status of the server's last answer, or 0 when no server answered.
*/

/*!
    \property Background::NetworkResponse::retryAfterSeconds
    \brief The wait the server asked for in its Retry-After field, in seconds, or -1 when it
    asked for none.

    QML and JSON have no \c std::optional; C++ code reads retryAfter().
*/

/*!
    \property Background::NetworkResponse::filePath
    \brief The local file of the transfer: a download's destination once it succeeded, an
    upload's source.
*/

/*!
    \property Background::NetworkResponse::bytes
    \brief How many bytes the transfer moved: the size of a downloaded file, the bytes kept on
    disk after \c Retry or a full disk, the bytes an upload sent.
*/

/*!
    \property Background::NetworkResponse::error
    \brief Why the transfer did not succeed; NoError when it did.
*/

/*!
    \property Background::NetworkResponse::errorString
    \brief A description of the error for people, or an empty string when there is none.
*/

/*!
    \property Background::NetworkResponse::attempts
    \brief How many attempts the transfer took, over every process that worked on it.
*/

/*!
    \property Background::NetworkResponse::resumedFrom
    \brief The byte offset the last attempt started at; above 0 when a download resumed.
*/
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

/*!
    \fn Background::NetworkResponse::NetworkResponse()

    Constructs an empty response: no identifier, outcome \c Failed, error \c NoError.
*/
NetworkResponse::NetworkResponse()
    : d(new NetworkResponseData)
{}

/*!
    \fn Background::NetworkResponse::NetworkResponse(const NetworkResponse &other)

    Constructs a copy of \a other. The data is shared until one of them changes.
*/
NetworkResponse::NetworkResponse(const NetworkResponse &other) = default;

/*!
    \fn Background::NetworkResponse::NetworkResponse(NetworkResponse &&other)

    Move-constructs a response from \a other, which may then only be assigned to or destroyed.
*/
NetworkResponse::NetworkResponse(NetworkResponse &&other) noexcept = default;

/*!
    \fn Background::NetworkResponse &Background::NetworkResponse::operator=(const NetworkResponse &other)

    Makes this response a copy of \a other and returns a reference to it.
*/
NetworkResponse &NetworkResponse::operator=(const NetworkResponse &other) = default;

/*!
    \fn Background::NetworkResponse &Background::NetworkResponse::operator=(NetworkResponse &&other)

    Move-assigns \a other to this response and returns a reference to it.
*/
NetworkResponse &NetworkResponse::operator=(NetworkResponse &&other) noexcept = default;

/*!
    \fn Background::NetworkResponse::~NetworkResponse()

    Destroys the response.
*/
NetworkResponse::~NetworkResponse() = default;

NetworkResponse

/*!
    \fn Background::NetworkResponse Background::NetworkResponse::failure(const QString &identifier, Background::NetworkResponse::Error error, const QString &message)

    Returns a response with the outcome \c Failed for the transfer \a identifier, carrying
    \a error and \a message. The library answers this way when a call fails before any request
    is sent (an invalid URL or identifier, an unusable store).
*/
NetworkResponse::failure(const QString &identifier, Error error, const QString &message)
{
    NetworkResponse r;
    r.setIdentifier(identifier);
    r.setOutcome(Outcome::Failed);
    r.setError(error, message);
    return r;
}

/*!
    \fn QString Background::NetworkResponse::identifier() const

    Returns the identifier the app gave the transfer.

    \sa setIdentifier()
*/
QString NetworkResponse::identifier() const
{
    return d->identifier;
}

/*!
    \fn void Background::NetworkResponse::setIdentifier(const QString &identifier)

    Sets the transfer's identifier to \a identifier.

    \sa identifier()
*/
void NetworkResponse::setIdentifier(const QString &identifier)
{
    d->identifier = identifier;
}

/*!
    \fn Background::NetworkResponse::Outcome Background::NetworkResponse::outcome() const

    Returns the outcome of the transfer. The class description explains what the app does with
    each.

    \sa isSuccess(), setOutcome(), outcomeName()
*/
NetworkResponse::Outcome NetworkResponse::outcome() const
{
    return d->outcome;
}

/*!
    \fn void Background::NetworkResponse::setOutcome(Background::NetworkResponse::Outcome outcome)

    Sets the outcome to \a outcome.

    \sa outcome()
*/

/*!
    \fn bool Background::NetworkResponse::isSuccess() const

    Returns \c true when outcome() is \c Success.
*/
void NetworkResponse::setOutcome(Outcome outcome)
{
    d->outcome = outcome;
}

/*!
    \fn int Background::NetworkResponse::httpStatus() const

    Returns the HTTP status of the server's last answer, or 0 when no server answered (the
    connection was refused, the host unknown, the request invalid).

    A download that was already complete on disk when it resumed succeeds with 416: the server
    said there was nothing left to send, and its Content-Range confirmed the size.

    \sa setHttpStatus()
*/
int NetworkResponse::httpStatus() const
{
    return d->httpStatus;
}

/*!
    \fn void Background::NetworkResponse::setHttpStatus(int status)

    Sets the HTTP status to \a status.

    \sa httpStatus()
*/
void NetworkResponse::setHttpStatus(int status)
{
    d->httpStatus = status;
}

/*!
    \fn std::optional<std::chrono::seconds> Background::NetworkResponse::retryAfter() const

    Returns how long the server asked the client to wait before it tries again, from the
    Retry-After field of its last answer (delta-seconds, or an HTTP date relative to the time
    the answer came). Empty when the server named no time.

    It matters for \c Retry: do not try again before this time has passed, counted from
    when the response arrived. In a \c Retry result it is capped at
    \l Background::RetryPolicy::maxRetryAfter. A \c Rejected download (a 403 that names a
    time, say) carries the server's value too.

    While retries remain, the library itself waits at least this long before the next attempt.

    \sa retryAfterSeconds(), Background::RetryPolicy
*/
std::optional<std::chrono::seconds> NetworkResponse::retryAfter() const
{
    return d->retryAfter;
}

/*!
    \fn void Background::NetworkResponse::setRetryAfter(std::optional<std::chrono::seconds> delay)

    Sets the server's requested wait to \a delay; \c std::nullopt for none.

    \sa retryAfter()
*/
void NetworkResponse::setRetryAfter(std::optional<std::chrono::seconds> delay)
{
    d->retryAfter = delay;
}

/*!
    \fn int Background::NetworkResponse::retryAfterSeconds() const

    Returns retryAfter() in seconds, or -1 when it is empty. For QML and JSON, which have no
    optional values.
*/
int NetworkResponse::retryAfterSeconds() const
{
    return d->retryAfter ? int(d->retryAfter->count()) : -1;
}

/*!
    \fn QUrl Background::NetworkResponse::url() const

    Returns the URL the app asked for. When the transfer followed redirects this is still the
    original URL, not the one that answered last.

    \sa setUrl()
*/
QUrl NetworkResponse::url() const
{
    return d->url;
}

/*!
    \fn void Background::NetworkResponse::setUrl(const QUrl &url)

    Sets the transfer's URL to \a url.

    \sa url()
*/
void NetworkResponse::setUrl(const QUrl &url)
{
    d->url = url;
}

/*!
    \fn QString Background::NetworkResponse::filePath() const

    Returns the local file of the transfer, as an absolute path.

    For a download it is the destination, set only when the outcome is \c Success: the complete
    file was moved there atomically. Any other outcome leaves the destination untouched and
    this empty. For an upload it is the file that was sent (or was to be sent), whatever the
    outcome.

    \sa setFilePath()
*/
QString NetworkResponse::filePath() const
{
    return d->filePath;
}

/*!
    \fn void Background::NetworkResponse::setFilePath(const QString &path)

    Sets the local file to \a path.

    \sa filePath()
*/
void NetworkResponse::setFilePath(const QString &path)
{
    d->filePath = path;
}

/*!
    \fn qint64 Background::NetworkResponse::bytes() const

    Returns how many bytes the transfer moved. For a successful download, the size of the file;
    after \c Retry or Error::DiskFull, the bytes kept on disk that a resume continues from. For
    an upload, the bytes sent (a tus upload: the server's confirmed offset). 0 when nothing
    moved.

    \sa setBytes()
*/
qint64 NetworkResponse::bytes() const
{
    return d->bytes;
}

/*!
    \fn void Background::NetworkResponse::setBytes(qint64 bytes)

    Sets the byte count to \a bytes.

    \sa bytes()
*/
void NetworkResponse::setBytes(qint64 bytes)
{
    d->bytes = bytes;
}

/*!
    \fn Background::NetworkResponse::Error Background::NetworkResponse::error() const

    Returns why the transfer did not succeed, or NoError when it did. The description of
    Error says which outcome each value comes with.

    \sa errorString(), setError()
*/
NetworkResponse::Error NetworkResponse::error() const
{
    return d->error;
}

/*!
    \fn QString Background::NetworkResponse::errorString() const

    Returns a description of the error for people, in English: the message the library
    recorded (which names the file, status or size involved), or defaultErrorString() of
    error() when there is none. Empty when error() is NoError.

    \sa error()
*/
QString NetworkResponse::errorString() const
{
    if (!d->errorString.isEmpty() || d->error == Error::NoError)
        return d->errorString;
    return defaultErrorString(d->error);
}

/*!
    \fn void Background::NetworkResponse::setError(Background::NetworkResponse::Error error, const QString &errorString)

    Sets the error to \a error, described by \a errorString. With an empty \a errorString,
    errorString() returns defaultErrorString() of \a error.

    \sa error(), errorString()
*/
void NetworkResponse::setError(Error error, const QString &errorString)
{
    d->error = error;
    d->errorString = errorString;
}

/*!
    \fn QByteArray Background::NetworkResponse::body() const

    Returns the body of the server's answer to an upload, up to its first 1 MiB. It is kept
    whenever that answer ended the upload, so a \c Rejected upload carries the server's
    explanation too; a \c Retry result has none. Downloads write their body to the file and
    leave this empty.

    When the answer is larger than 1 MiB, bodyFilePath() names a file that holds it whole (up
    to 64 MiB; the rest is read and dropped).

    \sa bodyFilePath(), setBody()
*/
QByteArray NetworkResponse::body() const
{
    return d->body;
}

/*!
    \fn void Background::NetworkResponse::setBody(const QByteArray &body)

    Sets the answer body to \a body.

    \sa body()
*/
void NetworkResponse::setBody(const QByteArray &body)
{
    d->body = body;
}

/*!
    \fn QString Background::NetworkResponse::bodyFilePath() const

    Returns the path of the file that holds an upload's answer when it is larger than 1 MiB,
    or an empty string when body() holds all of it. The file lies beside the store, in the
    directory \c {<store>.bodies}, readable by the owner only; the library deletes it when the
    result is forgotten or expires.

    \sa body(), setBodyFilePath()
*/
QString NetworkResponse::bodyFilePath() const
{
    return d->bodyFilePath;
}

/*!
    \fn void Background::NetworkResponse::setBodyFilePath(const QString &path)

    Sets the path of the answer's file to \a path.

    \sa bodyFilePath()
*/
void NetworkResponse::setBodyFilePath(const QString &path)
{
    d->bodyFilePath = path;
}

/*!
    \fn Background::HeaderList Background::NetworkResponse::headers() const

    Returns the header fields of the server's last answer, in the order they came. Empty when
    no server answered.

    \sa header(), setHeaders()
*/
HeaderList NetworkResponse::headers() const
{
    return d->headers;
}

/*!
    \fn QByteArray Background::NetworkResponse::header(const QByteArray &name) const

    Returns the value of the header field \a name in the server's last answer, compared
    case-insensitively, or an empty QByteArray when there is no such field.

    \sa headers()
*/
QByteArray NetworkResponse::header(const QByteArray &name) const
{
    for (const auto &h : d->headers) {
        if (h.first.compare(name, Qt::CaseInsensitive) == 0)
            return h.second;
    }
    return {};
}

/*!
    \fn void Background::NetworkResponse::setHeaders(const Background::HeaderList &headers)

    Sets the answer's header fields to \a headers.

    \sa headers()
*/
void NetworkResponse::setHeaders(const HeaderList &headers)
{
    d->headers = headers;
}

/*!
    \fn int Background::NetworkResponse::attempts() const

    Returns how many attempts the transfer took, counting those of earlier runs and of other
    processes that worked on it. Following a redirect is part of the same attempt.

    \sa setAttempts(), Background::RetryPolicy
*/
int NetworkResponse::attempts() const
{
    return d->attempts;
}

/*!
    \fn void Background::NetworkResponse::setAttempts(int attempts)

    Sets the number of attempts to \a attempts.

    \sa attempts()
*/
void NetworkResponse::setAttempts(int attempts)
{
    d->attempts = attempts;
}

/*!
    \fn qint64 Background::NetworkResponse::resumedFrom() const

    Returns the byte offset the last attempt started at: 0 when it began at the first byte,
    more when a download resumed from data already on disk (or a tus upload from the server's
    offset).

    \sa setResumedFrom()
*/
qint64 NetworkResponse::resumedFrom() const
{
    return d->resumedFrom;
}

/*!
    \fn void Background::NetworkResponse::setResumedFrom(qint64 offset)

    Sets the offset the last attempt started at to \a offset.

    \sa resumedFrom()
*/
void NetworkResponse::setResumedFrom(qint64 offset)
{
    d->resumedFrom = offset;
}

/*!
    \fn QString Background::NetworkResponse::outcomeName(Background::NetworkResponse::Outcome outcome)

    Returns the name of \a outcome in lower case: \c success, \c rejected, \c retry or
    \c failed. Stable, for logs and machine-readable output (the \c bgtransfer tool prints
    them).
*/
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

/*!
    \fn QString Background::NetworkResponse::defaultErrorString(Background::NetworkResponse::Error error)

    Returns a generic English sentence that describes \a error, or an empty string for
    NoError. errorString() falls back on it when no more specific message was recorded.
*/
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

/*!
    \fn QDebug Background::operator<<(QDebug debug, const Background::NetworkResponse &response)
    \relates Background::NetworkResponse

    Writes \a response to \a debug: its identifier, outcome name and HTTP status, and the error
    with its description when there is one. Returns \a debug.
*/
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
