#pragma once

#include "background_export.h"

#include <QtCore/QByteArray>
#include <QtCore/QList>
#include <QtCore/QMetaType>
#include <QtCore/QObject>
#include <QtCore/QPair>
#include <QtCore/QSharedDataPointer>
#include <QtCore/QString>
#include <QtCore/QUrl>

#include <chrono>
#include <optional>

namespace Background {

class NetworkResponseData;

using HeaderList = QList<QPair<QByteArray, QByteArray>>;

// The one classified result of a transfer. Every transfer ends in exactly one of them.
class BACKGROUND_EXPORT NetworkResponse
{
    Q_GADGET
    Q_PROPERTY(QString identifier READ identifier CONSTANT)
    Q_PROPERTY(Outcome outcome READ outcome CONSTANT)
    Q_PROPERTY(int httpStatus READ httpStatus CONSTANT)
    Q_PROPERTY(int retryAfterSeconds READ retryAfterSeconds CONSTANT)
    Q_PROPERTY(QString filePath READ filePath CONSTANT)
    Q_PROPERTY(qint64 bytes READ bytes CONSTANT)
    Q_PROPERTY(Error error READ error CONSTANT)
    Q_PROPERTY(QString errorString READ errorString CONSTANT)
    Q_PROPERTY(int attempts READ attempts CONSTANT)
    Q_PROPERTY(qint64 resumedFrom READ resumedFrom CONSTANT)

public:
    enum class Outcome {
        Success,  // the server delivered; the file is at filePath()
        Rejected, // the server refused the request (4xx, unfollowable 3xx): do not repeat as is
        Retry,    // transient: try again later, after retryAfter() when the server gave one
        Failed,   // nothing the server said; a retry is unlikely to help without a change
    };
    Q_ENUM(Outcome)

    enum class Error {
        NoError = 0,
        HttpError, // a non-success HTTP status; see httpStatus()
        ConnectionRefused,
        HostNotFound,
        TlsError,
        NetworkError,     // any other network failure before the server answered
        Interrupted,      // the connection dropped after the server answered
        StallTimeout,     // no data within the stall timeout
        RedirectRejected, // 3xx that may not be followed (scheme, downgrade, method)
        TooManyRedirects,
        LocalIoError,   // the partial file or the destination could not be written
        IntegrityError, // length or checksum mismatch
        InvalidRequest, // bad URL, scheme or destination
        InvalidIdentifier,
        IdentifierConflict, // identifier already used for another URL or destination
        Canceled,
        StoreError,    // the state store could not be opened or written
        SourceChanged, // the file to upload changed or vanished before it was sent
        ProtocolError, // the server broke the upload protocol (tus: no Location, bad offset)
        TooLarge,      // the download is larger than SessionConfiguration::maximumDownloadSize()
        DiskFull, // no room left (or less than the configured reserve); the partial data is kept
    };
    Q_ENUM(Error)

    NetworkResponse();
    NetworkResponse(const NetworkResponse &other);
    NetworkResponse(NetworkResponse &&other) noexcept;
    NetworkResponse &operator=(const NetworkResponse &other);
    NetworkResponse &operator=(NetworkResponse &&other) noexcept;
    ~NetworkResponse();

    // A Failed response carrying an error, for the paths that never reach the network.
    static NetworkResponse failure(const QString &identifier, Error error, const QString &message);

    QString identifier() const;
    void setIdentifier(const QString &identifier);

    Outcome outcome() const;
    void setOutcome(Outcome outcome);
    bool isSuccess() const { return outcome() == Outcome::Success; }

    int httpStatus() const; // 0 when the server never answered
    void setHttpStatus(int status);

    std::optional<std::chrono::seconds> retryAfter() const;
    void setRetryAfter(std::optional<std::chrono::seconds> delay);
    int retryAfterSeconds() const; // -1 when absent; for QML and JSON

    QUrl url() const;
    void setUrl(const QUrl &url);

    QString filePath() const;
    void setFilePath(const QString &path);

    qint64 bytes() const;
    void setBytes(qint64 bytes);

    Error error() const;
    QString errorString() const;
    void setError(Error error, const QString &errorString = QString());

    // The server's response body to an upload: up to 1 MiB is kept here; a larger one is kept
    // in the file bodyFilePath() names, and body() holds its first 1 MiB.
    QByteArray body() const;
    void setBody(const QByteArray &body);
    QString bodyFilePath() const;
    void setBodyFilePath(const QString &path);

    HeaderList headers() const;
    QByteArray header(const QByteArray &name) const; // case-insensitive
    void setHeaders(const HeaderList &headers);

    int attempts() const;
    void setAttempts(int attempts);

    qint64 resumedFrom() const; // the offset the last attempt started at
    void setResumedFrom(qint64 offset);

    static QString outcomeName(Outcome outcome); // "success", "rejected", "retry", "failed"
    static QString defaultErrorString(Error error);

private:
    QSharedDataPointer<NetworkResponseData> d;
};

BACKGROUND_EXPORT QDebug operator<<(QDebug debug, const NetworkResponse &response);

} // namespace Background

Q_DECLARE_METATYPE(Background::NetworkResponse)
