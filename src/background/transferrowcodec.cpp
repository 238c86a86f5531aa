#include "transferrowcodec.h"

#include <QtCore/QVariant>

#include <climits>
#include <optional>

namespace Background::RowCodec {

namespace {

bool isBlank(char c)
{
    return c == ' ' || c == '\t';
}

// A name decodeHeaders() gives back unchanged.
bool isStorableName(const QByteArray &name)
{
    return !name.isEmpty() && !isBlank(name.front()) && !name.contains(':') && !name.contains('\n');
}

// An integer column as written by the store; nullopt for NULL, text or a fraction.
std::optional<qint64> integer(const QVariant &value)
{
    if (value.isNull())
        return std::nullopt;
    bool ok = false;
    const qint64 n = value.toLongLong(&ok);
    return ok ? std::optional<qint64>(n) : std::nullopt;
}

// The enum value when `value` is one of 0..last, else nullopt.
std::optional<int> enumValue(const QVariant &value, int last)
{
    const std::optional<qint64> n = integer(value);
    if (!n || *n < 0 || *n > last)
        return std::nullopt;
    return int(*n);
}

qint64 nonNegative(const QVariant &value)
{
    return qMax<qint64>(0, value.toLongLong());
}

int nonNegativeInt(const QVariant &value)
{
    return int(qBound(qint64(0), value.toLongLong(), qint64(INT_MAX)));
}

constexpr int kMaxState = int(TransferInfo::State::WaitingForNetwork);
constexpr int kMaxKind = int(TransferInfo::Kind::Upload);
constexpr int kMaxOutcome = int(NetworkResponse::Outcome::Failed);
constexpr int kMaxError = int(NetworkResponse::Error::DiskFull);

} // namespace

QByteArray encodeHeaders(const HeaderList &headers)
{
    QByteArray out;
    for (const auto &h : headers) {
        if (!isStorableName(h.first))
            continue;
        QByteArray value = h.second.trimmed();
        value.replace('\n', "\n ");
        out += h.first + ": " + value + '\n';
    }
    return out;
}

HeaderList decodeHeaders(const QByteArray &data)
{
    HeaderList out;
    if (data.isEmpty())
        return out; // most rows: spares split()'s list
    const QList<QByteArray> lines = data.split('\n');
    QByteArray value; // of out.last(), trimmed once complete
    auto flush = [&] {
        if (!out.isEmpty())
            out.last().second = value.trimmed();
    };
    for (const QByteArray &line : lines) {
        if (!line.isEmpty() && isBlank(line.front())) {
            if (!out.isEmpty())
                value += '\n' + line.mid(1);
            continue;
        }
        const qsizetype colon = line.indexOf(':');
        if (colon > 0) {
            flush();
            out.append({line.left(colon), QByteArray()});
            value = line.mid(colon + 1);
        }
    }
    flush();
    return out;
}

TransferRow rowFromValues(const QVariantList &values)
{
    static const QVariant missing;
    const auto v = [&values](Column c) -> const QVariant & {
        return c < values.size() ? values.at(c) : missing;
    };
    TransferRow r;
    r.identifier = v(Identifier).toString();
    r.url = QUrl::fromEncoded(v(Url).toByteArray(), QUrl::StrictMode);
    r.destination = v(Destination).toString();
    r.partialPath = v(PartialPath).toString();
    // Most rows have none, and parsing even an empty URL costs a listing of thousands.
    if (const QByteArray remote = v(RemoteUrl).toByteArray(); !remote.isEmpty())
        r.remoteUrl = QUrl::fromEncoded(remote, QUrl::StrictMode);
    r.requestHeaders = decodeHeaders(v(RequestHeaders).toByteArray());
    r.expectedSha256 = v(ExpectedSha256).toByteArray();
    r.durableOffset = nonNegative(v(DurableOffset));
    r.checkpointBootId = v(CheckpointBootId).toByteArray();
    r.total = qMax<qint64>(-1, v(Total).toLongLong());
    r.etag = v(ETag).toByteArray();
    r.lastModified = v(LastModified).toByteArray();
    r.attempts = nonNegativeInt(v(Attempts));
    r.countedAttempts = nonNegativeInt(v(CountedAttempts));
    r.nextAttemptAt = v(NextAttemptAt).toLongLong();
    r.lastError = v(LastError).toString();
    r.resumedFrom = nonNegative(v(ResumedFrom));
    r.uploadSpec = v(UploadSpec).toByteArray();
    r.fingerprint = v(Fingerprint).toByteArray();
    r.priority = TransferInfo::Priority(qBound(qint64(0), v(Priority).toLongLong(), qint64(2)));
    r.paused = v(Paused).toBool();
    r.seq = v(Seq).toLongLong();
    r.needsCredentials = v(NeedsCredentials).toBool();

    QString corrupt; // which value cannot be trusted, empty when none
    const std::optional<int> state = enumValue(v(State), kMaxState);
    const std::optional<int> kind = enumValue(v(Kind), kMaxKind);
    if (state)
        r.state = TransferInfo::State(*state);
    else
        corrupt = QStringLiteral("state %1").arg(v(State).toString());
    if (kind)
        r.kind = TransferInfo::Kind(*kind);
    else if (corrupt.isEmpty())
        corrupt = QStringLiteral("kind %1").arg(v(Kind).toString());

    std::optional<int> outcome;
    std::optional<int> error;
    const bool hasResult = r.state == TransferInfo::State::Finished && !v(Outcome).isNull();
    if (corrupt.isEmpty() && hasResult) {
        outcome = enumValue(v(Outcome), kMaxOutcome);
        // NULL reads as NoError, as it always has.
        error = v(Error).isNull() ? 0 : enumValue(v(Error), kMaxError);
        if (!outcome)
            corrupt = QStringLiteral("outcome %1").arg(v(Outcome).toString());
        else if (!error)
            corrupt = QStringLiteral("error %1").arg(v(Error).toString());
    }

    if (corrupt.isEmpty() && !hasResult)
        return r;

    NetworkResponse res;
    res.setIdentifier(r.identifier);
    res.setUrl(r.url);
    if (!corrupt.isEmpty()) {
        // Never run it: report it as a kept failure the app can see and forget().
        r.state = TransferInfo::State::Finished;
        res.setOutcome(NetworkResponse::Outcome::Failed);
        res.setError(NetworkResponse::Error::StoreError,
                     QStringLiteral("The stored transfer is corrupt (%1)").arg(corrupt));
    } else {
        res.setOutcome(NetworkResponse::Outcome(*outcome));
        res.setHttpStatus(v(HttpStatus).toInt());
        res.setError(NetworkResponse::Error(*error), v(ErrorString).toString());
        // Clamped like a parsed Retry-After, so that retryAfterSeconds() fits its int.
        if (const std::optional<qint64> s = integer(v(RetryAfter)); s && *s >= 0)
            res.setRetryAfter(std::chrono::seconds(qMin<qint64>(*s, INT_MAX)));
        res.setHeaders(decodeHeaders(v(ResponseHeaders).toByteArray()));
        res.setBytes(nonNegative(v(Bytes)));
        res.setBody(v(ResponseBody).toByteArray());
        res.setBodyFilePath(v(ResponseBodyPath).toString());
    }
    res.setAttempts(r.attempts);
    res.setResumedFrom(r.resumedFrom);
    if (res.outcome() == NetworkResponse::Outcome::Success || r.kind == TransferInfo::Kind::Upload)
        res.setFilePath(r.destination);
    r.result = res;
    return r;
}

} // namespace Background::RowCodec
