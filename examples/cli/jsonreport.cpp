#include "jsonreport.h"

#include "options.h"

#include <QtCore/QJsonDocument>
#include <QtCore/QMetaEnum>

using Background::NetworkResponse;
using Background::TransferInfo;

namespace Cli {

namespace {

int severity(int exitCode)
{
    switch (exitCode) {
    case ExitSuccess:
        return 0;
    case ExitRejected:
        return 1;
    case ExitRetry:
        return 2;
    case ExitPaused: // no result yet, but nothing went wrong either
        return 3;
    case ExitFailed:
        return 4;
    default:
        return 5; // usage, bad input, interrupted: worse than any outcome
    }
}

QString errorText(const NetworkResponse &r)
{
    return r.error() == NetworkResponse::Error::NoError ? QString() : r.errorString();
}

QString errorCodeName(NetworkResponse::Error error)
{
    return QString::fromLatin1(
            QMetaEnum::fromType<NetworkResponse::Error>().valueToKey(int(error)));
}

QString statusText(int status)
{
    return status > 0 ? QString::number(status) : QStringLiteral("no response");
}

QJsonValue stringOrNull(const QString &text)
{
    return text.isEmpty() ? QJsonValue(QJsonValue::Null) : QJsonValue(text);
}

// The first 64 KiB as text, not cut inside a UTF-8 sequence.
QString bodyText(const QByteArray &body)
{
    constexpr qsizetype limit = 64 * 1024;
    if (body.size() <= limit)
        return QString::fromUtf8(body);
    qsizetype end = limit;
    while (end > limit - 4 && (uchar(body.at(end)) & 0xc0) == 0x80)
        --end;
    return QString::fromUtf8(body.left(end));
}

QString uploadSource(const NetworkResponse &r, const QString &source)
{
    return r.filePath().isEmpty() ? source : r.filePath();
}

} // namespace

QString mebibytes(qint64 bytes)
{
    return QString::number(double(bytes) / (1024.0 * 1024.0), 'f', 1);
}

bool isInputError(const NetworkResponse &r)
{
    switch (r.error()) {
    case NetworkResponse::Error::InvalidRequest:
    case NetworkResponse::Error::InvalidIdentifier:
    case NetworkResponse::Error::IdentifierConflict:
        return true;
    default:
        return false;
    }
}

int exitCodeFor(const NetworkResponse &r)
{
    if (isInputError(r))
        return ExitBadInput;
    switch (r.outcome()) {
    case NetworkResponse::Outcome::Success:
        return ExitSuccess;
    case NetworkResponse::Outcome::Rejected:
        return ExitRejected;
    case NetworkResponse::Outcome::Retry:
        return ExitRetry;
    case NetworkResponse::Outcome::Failed:
        break;
    }
    return ExitFailed;
}

int worseExitCode(int a, int b)
{
    return severity(b) > severity(a) ? b : a;
}

QJsonObject responseJson(const NetworkResponse &r)
{
    QJsonObject o;
    o.insert(QStringLiteral("identifier"), r.identifier());
    o.insert(QStringLiteral("outcome"), NetworkResponse::outcomeName(r.outcome()));
    o.insert(QStringLiteral("httpStatus"), r.httpStatus());
    // Only a success leaves a file behind.
    o.insert(QStringLiteral("file"),
             r.filePath().isEmpty() ? QJsonValue(QJsonValue::Null) : QJsonValue(r.filePath()));
    o.insert(QStringLiteral("bytes"), r.bytes());
    o.insert(QStringLiteral("retryAfter"),
             r.retryAfter() ? QJsonValue(qint64(r.retryAfter()->count()))
                            : QJsonValue(QJsonValue::Null));
    o.insert(QStringLiteral("attempts"), r.attempts());
    o.insert(QStringLiteral("resumedFrom"), r.resumedFrom());
    const QString error = errorText(r);
    o.insert(QStringLiteral("error"),
             error.isEmpty() ? QJsonValue(QJsonValue::Null) : QJsonValue(error));
    o.insert(QStringLiteral("errorCode"),
             r.error() == NetworkResponse::Error::NoError ? QJsonValue(QJsonValue::Null)
                                                          : QJsonValue(errorCodeName(r.error())));
    return o;
}

QString responseLine(const NetworkResponse &r)
{
    QString line = r.identifier() + QStringLiteral(": ") + NetworkResponse::outcomeName(r.outcome())
                   + QStringLiteral(", ") + statusText(r.httpStatus());
    if (r.isSuccess()) {
        line += QStringLiteral(", %1 bytes -> %2").arg(r.bytes()).arg(r.filePath());
    } else {
        line += QStringLiteral(", ") + errorText(r);
        if (r.retryAfter())
            line += QStringLiteral(", retry after %1 s").arg(r.retryAfter()->count());
    }
    if (r.resumedFrom() > 0)
        line += QStringLiteral(" (resumed at %1 MiB)").arg(mebibytes(r.resumedFrom()));
    return line;
}

QJsonObject
uploadResponseJson(const NetworkResponse &r, const QString &source, const QUrl &uploadUrl)
{
    QJsonObject o = responseJson(r);
    if (!uploadUrl.isEmpty())
        o.insert(QStringLiteral("uploadUrl"), uploadUrl.toString(QUrl::FullyEncoded));
    o.insert(QStringLiteral("file"), stringOrNull(uploadSource(r, source)));
    o.insert(QStringLiteral("responseBody"),
             r.body().isEmpty() ? QJsonValue(QJsonValue::Null) : QJsonValue(bodyText(r.body())));
    o.insert(QStringLiteral("responseBodyFile"), stringOrNull(r.bodyFilePath()));
    return o;
}

QString uploadResponseLine(const NetworkResponse &r, const QString &source)
{
    QString line = r.identifier() + QStringLiteral(": ") + NetworkResponse::outcomeName(r.outcome())
                   + QStringLiteral(", ") + statusText(r.httpStatus());
    if (r.isSuccess()) {
        line += QStringLiteral(", %1 bytes sent from %2")
                        .arg(r.bytes())
                        .arg(uploadSource(r, source));
    } else {
        line += QStringLiteral(", ") + errorText(r);
        if (r.retryAfter())
            line += QStringLiteral(", retry after %1 s").arg(r.retryAfter()->count());
    }
    return line;
}

QString responseProblem(const NetworkResponse &r)
{
    if (isInputError(r))
        return errorText(r);
    QString text = r.identifier() + QStringLiteral(": ") + NetworkResponse::outcomeName(r.outcome())
                   + QStringLiteral(": ") + errorText(r);
    if (r.retryAfter())
        text += QStringLiteral(" (retry after %1 s)").arg(r.retryAfter()->count());
    return text;
}

QJsonObject transferJson(const TransferInfo &t)
{
    const bool upload = t.kind == TransferInfo::Kind::Upload;
    QJsonObject o;
    if (t.result)
        o = upload ? uploadResponseJson(*t.result, t.localPath, t.remoteUrl)
                   : responseJson(*t.result);
    if (upload && !t.remoteUrl.isEmpty())
        o.insert(QStringLiteral("uploadUrl"), t.remoteUrl.toString(QUrl::FullyEncoded));
    o.insert(QStringLiteral("identifier"), t.identifier);
    o.insert(QStringLiteral("kind"),
             upload ? QStringLiteral("upload") : QStringLiteral("download"));
    o.insert(QStringLiteral("state"), TransferInfo::stateName(t.state));
    o.insert(QStringLiteral("priority"), TransferInfo::priorityName(t.priority));
    o.insert(QStringLiteral("url"), t.url.toString(QUrl::FullyEncoded));
    // Where a download writes to, where an upload reads from.
    o.insert(QStringLiteral("file"), t.localPath);
    o.insert(QStringLiteral("bytesReceived"), t.bytesReceived);
    o.insert(QStringLiteral("bytesTotal"), t.bytesTotal);
    // Known only in the process running the transfer: 0 and null elsewhere.
    o.insert(QStringLiteral("bytesPerSecond"), t.bytesPerSecond);
    o.insert(QStringLiteral("etaSeconds"),
             t.etaSeconds >= 0 ? QJsonValue(t.etaSeconds) : QJsonValue(QJsonValue::Null));
    o.insert(QStringLiteral("attempts"), t.attempts);
    o.insert(QStringLiteral("nextAttemptAt"),
             t.nextAttemptAt.isValid()
                     ? QJsonValue(t.nextAttemptAt.toUTC().toString(Qt::ISODateWithMs))
                     : QJsonValue(QJsonValue::Null));
    o.insert(QStringLiteral("lastError"),
             t.lastError.isEmpty() ? QJsonValue(QJsonValue::Null) : QJsonValue(t.lastError));
    return o;
}

QString progressText(const TransferInfo &t)
{
    if (t.bytesTotal < 0)
        return QStringLiteral("%1 MiB").arg(mebibytes(t.bytesReceived));
    const double percent
            = t.bytesTotal > 0 ? 100.0 * double(t.bytesReceived) / double(t.bytesTotal) : 100.0;
    return QStringLiteral("%1/%2 MiB %3%")
            .arg(mebibytes(t.bytesReceived),
                 mebibytes(t.bytesTotal),
                 QString::number(qBound(0.0, percent, 100.0), 'f', 1));
}

static QString nextAttemptText(const QDateTime &at)
{
    return at.toLocalTime().toString(QStringLiteral("yyyy-MM-dd HH:mm:ss"));
}

QString transferLine(const TransferInfo &t)
{
    QString state = TransferInfo::stateName(t.state);
    if (t.result)
        state += QLatin1Char(' ') + NetworkResponse::outcomeName(t.result->outcome());
    const QString attempts = t.attempts == 1 ? QStringLiteral("1 attempt")
                                             : QStringLiteral("%1 attempts").arg(t.attempts);
    const bool upload = t.kind == TransferInfo::Kind::Upload;
    const QString url = t.url.toDisplayString();
    QString line = QStringLiteral("%1  %2  %3  %4  %5  %6")
                           .arg(t.identifier,
                                upload ? QStringLiteral("upload") : QStringLiteral("download"),
                                state,
                                TransferInfo::priorityName(t.priority),
                                progressText(t),
                                attempts);
    if (t.state == TransferInfo::State::Waiting && t.nextAttemptAt.isValid())
        line += QStringLiteral("  next attempt at %1").arg(nextAttemptText(t.nextAttemptAt));
    line += QStringLiteral("  %1 -> %2")
                    .arg(upload ? t.localPath : url, upload ? url : t.localPath);
    if (!t.lastError.isEmpty() && !(t.result && t.result->isSuccess()))
        line += QStringLiteral("  (%1)").arg(t.lastError);
    return line;
}

QString pausedLine(const TransferInfo &t)
{
    return QStringLiteral("%1: paused at %2").arg(t.identifier, progressText(t));
}

QString jsonLine(const QJsonObject &object)
{
    return QString::fromUtf8(QJsonDocument(object).toJson(QJsonDocument::Compact));
}

} // namespace Cli
