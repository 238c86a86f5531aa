#include "jsonreport.h"

#include "options.h"

#include <QtCore/QJsonDocument>
#include <QtCore/QMetaEnum>

#include <algorithm>
#include <array>
#include <charconv>
#include <iterator>
#include <string_view>
#include <variant>

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

// Every member name a report has, in the order QJsonObject keeps them (sorted), so that the
// text is written member by member without sorting.
enum class Key {
    Attempts,
    Bytes,
    BytesPerSecond,
    BytesReceived,
    BytesTotal,
    Error,
    ErrorCode,
    EtaSeconds,
    File,
    HttpStatus,
    Identifier,
    Kind,
    LastError,
    NextAttemptAt,
    Outcome,
    Priority,
    ResponseBody,
    ResponseBodyFile,
    ResumedFrom,
    RetryAfter,
    State,
    UploadUrl,
    Url,
    Count
};

constexpr std::string_view kKeyNames[] = {"attempts",
                                          "bytes",
                                          "bytesPerSecond",
                                          "bytesReceived",
                                          "bytesTotal",
                                          "error",
                                          "errorCode",
                                          "etaSeconds",
                                          "file",
                                          "httpStatus",
                                          "identifier",
                                          "kind",
                                          "lastError",
                                          "nextAttemptAt",
                                          "outcome",
                                          "priority",
                                          "responseBody",
                                          "responseBodyFile",
                                          "resumedFrom",
                                          "retryAfter",
                                          "state",
                                          "uploadUrl",
                                          "url"};
static_assert(std::size(kKeyNames) == size_t(Key::Count));

constexpr bool keyNamesAreSorted()
{
    for (size_t i = 1; i < std::size(kKeyNames); ++i) {
        if (!(kKeyNames[i - 1] < kKeyNames[i]))
            return false;
    }
    return true;
}
static_assert(keyNamesAreSorted(), "kKeyNames must be in QJsonObject's (sorted) order");

// A report's members: one description gives both the QJsonObject and, without QJsonObject's
// cost (a listing prints thousands), its text.
class JsonMembers
{
public:
    void setNull(Key key) { set(key, Value()); }
    void setNumber(Key key, qint64 value) { set(key, Value(value)); }
    void setString(Key key, const QString &value) { set(key, Value(value)); }
    void setStringOrNull(Key key, const QString &value)
    {
        if (value.isEmpty())
            setNull(key);
        else
            setString(key, value);
    }

    QJsonObject toObject() const
    {
        QJsonObject o;
        for (size_t k = 0; k < m_values.size(); ++k) {
            if (m_present & (1u << k))
                o.insert(name(k), toJsonValue(m_values[k]));
        }
        return o;
    }

    // Appends the same bytes as QJsonDocument(toObject()).toJson(QJsonDocument::Compact).
    void appendJson(QByteArray *out) const
    {
        // Sized for the worst case first, so that each byte is written without a check.
        qsizetype most = 2;
        for (size_t k = 0; k < m_values.size(); ++k) {
            if (!(m_present & (1u << k)))
                continue;
            most += qsizetype(kKeyNames[k].size()) + 4;
            if (const QString *s = std::get_if<QString>(&m_values[k]))
                most += 6 * s->size() + 2; // "\u001f" for each control character
            else
                most += 20; // a qint64's sign and digits, or null
        }
        const qsizetype start = out->size();
        out->resize(start + most);
        char *const begin = out->data() + start;
        char *p = begin;
        *p++ = '{';
        for (size_t k = 0; k < m_values.size(); ++k) {
            if (!(m_present & (1u << k)))
                continue;
            if (p != begin + 1)
                *p++ = ',';
            *p++ = '"';
            p = std::copy_n(kKeyNames[k].data(), kKeyNames[k].size(), p); // nothing to escape
            *p++ = '"';
            *p++ = ':';
            const Value &value = m_values[k];
            if (const qint64 *n = std::get_if<qint64>(&value)) {
                p = std::to_chars(p, p + 20, *n).ptr;
            } else if (const QString *s = std::get_if<QString>(&value)) {
                p = writeString(p, *s);
                if (!p) { // not valid UTF-16: Qt escapes a lone surrogate, so leave it to Qt
                    out->resize(start);
                    out->append(QJsonDocument(toObject()).toJson(QJsonDocument::Compact));
                    return;
                }
            } else {
                p = std::copy_n("null", 4, p);
            }
        }
        *p++ = '}';
        out->resize(start + (p - begin));
    }

private:
    using Value = std::variant<std::monostate, qint64, QString>;

    static QLatin1String name(size_t key)
    {
        return QLatin1String(kKeyNames[key].data(), qsizetype(kKeyNames[key].size()));
    }

    void set(Key key, Value &&value)
    {
        m_values[size_t(key)] = std::move(value);
        m_present |= 1u << unsigned(key);
    }

    static QJsonValue toJsonValue(const Value &value)
    {
        if (const qint64 *n = std::get_if<qint64>(&value))
            return QJsonValue(*n);
        if (const QString *s = std::get_if<QString>(&value))
            return QJsonValue(*s);
        return QJsonValue(QJsonValue::Null);
    }

    // Escapes as QJsonDocument does: '"', '\\' and control characters; the rest is UTF-8.
    // Null for text that is not valid UTF-16.
    static char *writeString(char *p, const QString &text)
    {
        static const char hex[] = "0123456789abcdef";
        *p++ = '"';
        const QChar *c = text.constData();
        const QChar *const end = c + text.size();
        for (; c != end; ++c) {
            const char16_t u = c->unicode();
            if (u >= 0x80) {
                if (u < 0x800) {
                    *p++ = char(0xc0 | (u >> 6));
                } else if (!QChar::isSurrogate(u)) {
                    *p++ = char(0xe0 | (u >> 12));
                    *p++ = char(0x80 | ((u >> 6) & 0x3f));
                } else {
                    if (!QChar::isHighSurrogate(u) || c + 1 == end || !c[1].isLowSurrogate())
                        return nullptr;
                    const char32_t cp = QChar::surrogateToUcs4(u, (++c)->unicode());
                    *p++ = char(0xf0 | (cp >> 18));
                    *p++ = char(0x80 | ((cp >> 12) & 0x3f));
                    *p++ = char(0x80 | ((cp >> 6) & 0x3f));
                    *p++ = char(0x80 | (cp & 0x3f));
                    continue;
                }
                *p++ = char(0x80 | (u & 0x3f));
                continue;
            }
            switch (u) {
            case '"':
            case '\\':
                *p++ = '\\';
                *p++ = char(u);
                break;
            case '\b':
                p = std::copy_n("\\b", 2, p);
                break;
            case '\f':
                p = std::copy_n("\\f", 2, p);
                break;
            case '\n':
                p = std::copy_n("\\n", 2, p);
                break;
            case '\r':
                p = std::copy_n("\\r", 2, p);
                break;
            case '\t':
                p = std::copy_n("\\t", 2, p);
                break;
            default:
                if (u >= 0x20) {
                    *p++ = char(u);
                } else {
                    p = std::copy_n("\\u00", 4, p);
                    *p++ = hex[u >> 4];
                    *p++ = hex[u & 0xf];
                }
            }
        }
        *p++ = '"';
        return p;
    }

    std::array<Value, size_t(Key::Count)> m_values;
    quint32 m_present = 0; // a bit for each member set, by Key
};
static_assert(size_t(Key::Count) <= 32);

JsonMembers responseMembers(const NetworkResponse &r)
{
    JsonMembers o;
    o.setString(Key::Identifier, r.identifier());
    o.setString(Key::Outcome, NetworkResponse::outcomeName(r.outcome()));
    o.setNumber(Key::HttpStatus, r.httpStatus());
    // Only a success leaves a file behind.
    o.setStringOrNull(Key::File, r.filePath());
    o.setNumber(Key::Bytes, r.bytes());
    if (r.retryAfter())
        o.setNumber(Key::RetryAfter, qint64(r.retryAfter()->count()));
    else
        o.setNull(Key::RetryAfter);
    o.setNumber(Key::Attempts, r.attempts());
    o.setNumber(Key::ResumedFrom, r.resumedFrom());
    o.setStringOrNull(Key::Error, errorText(r));
    if (r.error() == NetworkResponse::Error::NoError)
        o.setNull(Key::ErrorCode);
    else
        o.setString(Key::ErrorCode, errorCodeName(r.error()));
    return o;
}

JsonMembers
uploadResponseMembers(const NetworkResponse &r, const QString &source, const QUrl &uploadUrl)
{
    JsonMembers o = responseMembers(r);
    if (!uploadUrl.isEmpty())
        o.setString(Key::UploadUrl, uploadUrl.toString(QUrl::FullyEncoded));
    o.setStringOrNull(Key::File, uploadSource(r, source));
    if (r.body().isEmpty())
        o.setNull(Key::ResponseBody);
    else
        o.setString(Key::ResponseBody, bodyText(r.body()));
    o.setStringOrNull(Key::ResponseBodyFile, r.bodyFilePath());
    return o;
}

JsonMembers transferMembers(const TransferInfo &t)
{
    const bool upload = t.kind == TransferInfo::Kind::Upload;
    JsonMembers o;
    if (t.result)
        o = upload ? uploadResponseMembers(*t.result, t.localPath, t.remoteUrl)
                   : responseMembers(*t.result);
    if (upload && !t.remoteUrl.isEmpty())
        o.setString(Key::UploadUrl, t.remoteUrl.toString(QUrl::FullyEncoded));
    o.setString(Key::Identifier, t.identifier);
    o.setString(Key::Kind, upload ? QStringLiteral("upload") : QStringLiteral("download"));
    o.setString(Key::State, TransferInfo::stateName(t.state));
    o.setString(Key::Priority, TransferInfo::priorityName(t.priority));
    o.setString(Key::Url, t.url.toString(QUrl::FullyEncoded));
    // Where a download writes to, where an upload reads from.
    o.setString(Key::File, t.localPath);
    o.setNumber(Key::BytesReceived, t.bytesReceived);
    o.setNumber(Key::BytesTotal, t.bytesTotal);
    // Known only in the process running the transfer: 0 and null elsewhere.
    o.setNumber(Key::BytesPerSecond, t.bytesPerSecond);
    if (t.etaSeconds >= 0)
        o.setNumber(Key::EtaSeconds, t.etaSeconds);
    else
        o.setNull(Key::EtaSeconds);
    o.setNumber(Key::Attempts, t.attempts);
    if (t.nextAttemptAt.isValid())
        o.setString(Key::NextAttemptAt, t.nextAttemptAt.toUTC().toString(Qt::ISODateWithMs));
    else
        o.setNull(Key::NextAttemptAt);
    o.setStringOrNull(Key::LastError, t.lastError);
    return o;
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

//! [exit-codes]
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
//! [exit-codes]

int worseExitCode(int a, int b)
{
    return severity(b) > severity(a) ? b : a;
}

QJsonObject responseJson(const NetworkResponse &r)
{
    return responseMembers(r).toObject();
}

QJsonObject
uploadResponseJson(const NetworkResponse &r, const QString &source, const QUrl &uploadUrl)
{
    return uploadResponseMembers(r, source, uploadUrl).toObject();
}

QJsonObject transferJson(const TransferInfo &t)
{
    return transferMembers(t).toObject();
}

void appendTransferJson(QByteArray *out, const TransferInfo &t)
{
    transferMembers(t).appendJson(out);
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
