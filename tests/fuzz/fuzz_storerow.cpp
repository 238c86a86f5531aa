// The store's row decoding (RowCodec::rowFromValues, decodeHeaders/encodeHeaders), fed rows a
// corrupt or hostile store file could hold. Input: for each column a tag byte (null, 64-bit
// integer, small integer, bytes, text) and its value; what is left is a header blob.

#include "fuzzcheck.h"
#include "transferrowcodec.h"

#include <QtCore/QVariant>

using namespace Background;

namespace {

QVariant column(FuzzInput::Reader &in)
{
    switch (in.byte() % 5) {
    case 0:
        return QVariant();
    case 1:
        return QVariant(in.integer());
    case 2:
        return QVariant(qint64(qint8(in.byte())));
    case 3:
        return QVariant(in.chunk());
    default:
        return QVariant(QString::fromUtf8(in.chunk()));
    }
}

void checkHeaders(const HeaderList &headers)
{
    for (const auto &h : headers) {
        FUZZ_CHECK(!h.first.isEmpty() && !h.first.contains(':') && !h.first.contains('\n'));
        FUZZ_CHECK(h.second == h.second.trimmed());
    }
    FUZZ_CHECK(RowCodec::decodeHeaders(RowCodec::encodeHeaders(headers)) == headers);
}

// What the store would write for `r` (the inverse of rowFromValues for a sound row).
QVariantList valuesOf(const TransferRow &r)
{
    QVariantList v(RowCodec::ColumnCount);
    v[RowCodec::Identifier] = r.identifier;
    v[RowCodec::Url] = r.url.toEncoded();
    v[RowCodec::Destination] = r.destination;
    v[RowCodec::PartialPath] = r.partialPath;
    v[RowCodec::RequestHeaders] = RowCodec::encodeHeaders(r.requestHeaders);
    v[RowCodec::ExpectedSha256] = r.expectedSha256;
    v[RowCodec::State] = int(r.state);
    v[RowCodec::DurableOffset] = r.durableOffset;
    v[RowCodec::CheckpointBootId] = r.checkpointBootId;
    v[RowCodec::Total] = r.total;
    v[RowCodec::ETag] = r.etag;
    v[RowCodec::LastModified] = r.lastModified;
    v[RowCodec::Attempts] = r.attempts;
    v[RowCodec::CountedAttempts] = r.countedAttempts;
    v[RowCodec::NextAttemptAt] = r.nextAttemptAt;
    v[RowCodec::LastError] = r.lastError;
    v[RowCodec::ResumedFrom] = r.resumedFrom;
    v[RowCodec::Kind] = int(r.kind);
    v[RowCodec::UploadSpec] = r.uploadSpec;
    v[RowCodec::Fingerprint] = r.fingerprint;
    v[RowCodec::RemoteUrl] = r.remoteUrl.toEncoded();
    v[RowCodec::Priority] = int(r.priority);
    v[RowCodec::Paused] = r.paused ? 1 : 0;
    v[RowCodec::Seq] = r.seq;
    v[RowCodec::NeedsCredentials] = r.needsCredentials ? 1 : 0;
    if (r.result) {
        const NetworkResponse &res = *r.result;
        v[RowCodec::Outcome] = int(res.outcome());
        v[RowCodec::HttpStatus] = res.httpStatus();
        v[RowCodec::Error] = int(res.error());
        v[RowCodec::ErrorString] = res.errorString();
        if (res.retryAfter())
            v[RowCodec::RetryAfter] = qint64(res.retryAfter()->count());
        v[RowCodec::ResponseHeaders] = RowCodec::encodeHeaders(res.headers());
        v[RowCodec::Bytes] = res.bytes();
        v[RowCodec::ResponseBody] = res.body();
        v[RowCodec::ResponseBodyPath] = res.bodyFilePath();
    }
    return v;
}

bool sameResult(const std::optional<NetworkResponse> &a, const std::optional<NetworkResponse> &b)
{
    if (!a || !b)
        return !a && !b;
    return a->outcome() == b->outcome() && a->httpStatus() == b->httpStatus()
           && a->error() == b->error() && a->errorString() == b->errorString()
           && a->retryAfterSeconds() == b->retryAfterSeconds() && a->headers() == b->headers()
           && a->bytes() == b->bytes() && a->body() == b->body()
           && a->bodyFilePath() == b->bodyFilePath() && a->filePath() == b->filePath()
           && a->attempts() == b->attempts() && a->resumedFrom() == b->resumedFrom();
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    FuzzInput::Reader in(data, size);
    QVariantList values;
    for (int i = 0; i < RowCodec::ColumnCount && !in.atEnd(); ++i)
        values.append(column(in));
    const QByteArray blob = in.rest();

    const TransferRow r = RowCodec::rowFromValues(values);
    FUZZ_CHECK(int(r.state) >= 0 && r.state <= TransferInfo::State::WaitingForNetwork);
    FUZZ_CHECK(r.kind == TransferInfo::Kind::Download || r.kind == TransferInfo::Kind::Upload);
    FUZZ_CHECK(int(r.priority) >= 0 && r.priority <= TransferInfo::Priority::High);
    FUZZ_CHECK(r.durableOffset >= 0 && r.total >= -1 && r.resumedFrom >= 0);
    FUZZ_CHECK(r.attempts >= 0 && r.countedAttempts >= 0);
    if (r.result) {
        FUZZ_CHECK(r.state == TransferInfo::State::Finished);
        const NetworkResponse &res = *r.result;
        FUZZ_CHECK(int(res.outcome()) >= 0 && res.outcome() <= NetworkResponse::Outcome::Failed);
        FUZZ_CHECK(int(res.error()) >= 0 && res.error() <= NetworkResponse::Error::DiskFull);
        FUZZ_CHECK(res.bytes() >= 0 && res.retryAfterSeconds() >= -1);
        checkHeaders(res.headers());
    }
    checkHeaders(r.requestHeaders);

    // A decoded row is sound: stored again, it reads back the same.
    const TransferRow again = RowCodec::rowFromValues(valuesOf(r));
    FUZZ_CHECK(again.identifier == r.identifier && again.url.toEncoded() == r.url.toEncoded()
               && again.destination == r.destination && again.partialPath == r.partialPath
               && again.requestHeaders == r.requestHeaders && again.state == r.state
               && again.kind == r.kind && again.durableOffset == r.durableOffset
               && again.total == r.total && again.attempts == r.attempts
               && again.countedAttempts == r.countedAttempts && again.resumedFrom == r.resumedFrom
               && again.priority == r.priority && again.paused == r.paused
               && again.remoteUrl.toEncoded() == r.remoteUrl.toEncoded()
               && again.uploadSpec == r.uploadSpec);
    FUZZ_CHECK(sameResult(again.result, r.result));

    // Any header blob decodes to headers that survive storing.
    checkHeaders(RowCodec::decodeHeaders(blob));
    return 0;
}
