// The tus rules that read server bytes: Upload-Offset/Upload-Length (Tus::parseOffset),
// Upload-Metadata (decodeMetadata, with encodeMetadata as its inverse), the creation answer's
// Location (uploadUrl), Tus-Extension/Tus-Checksum-Algorithm lists (listsToken), the status
// classes. Input: lines "offset \n metadata \n location \n token list \n token".

#include "fuzzcheck.h"
#include "tusrules.h"

using namespace Background;

namespace {

bool allDigits(const QByteArray &s)
{
    for (char c : s) {
        if (c < '0' || c > '9')
            return false;
    }
    return !s.isEmpty();
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const QList<QByteArray> parts = FuzzInput::bytes(data, size).split('\n');
    const QByteArray offsetValue = parts.value(0);
    const QByteArray metadata = parts.value(1);
    const QByteArray location = parts.value(2);
    const QByteArray list = parts.value(3);
    const QByteArray token = parts.value(4);

    // Offsets: plain decimals only, never negative, and exactly the digits sent.
    const std::optional<qint64> offset = Tus::parseOffset(offsetValue);
    if (offset) {
        FUZZ_CHECK(*offset >= 0);
        FUZZ_CHECK(allDigits(offsetValue.trimmed()));
        FUZZ_CHECK(QByteArray::number(*offset)
                   == QByteArray::number(offsetValue.trimmed().toLongLong()));
    } else if (allDigits(offsetValue.trimmed())) {
        FUZZ_CHECK(offsetValue.trimmed().size() > 18); // only refused for its length
    }

    // Metadata: what decodes encodes back to the same pairs.
    if (const auto pairs = Tus::decodeMetadata(metadata)) {
        for (const auto &pair : *pairs)
            FUZZ_CHECK(Tus::isValidMetadataKey(pair.first));
        const auto again = Tus::decodeMetadata(Tus::encodeMetadata(*pairs));
        FUZZ_CHECK(again && *again == *pairs);
    }
    // And any pairs with valid keys survive encoding, whatever their values.
    QList<QPair<QString, QString>> made;
    for (qsizetype i = 0; i + 1 < parts.size(); i += 2)
        made.append({QString::fromUtf8(parts.at(i)), QString::fromUtf8(parts.at(i + 1))});
    QList<QPair<QString, QString>> valid;
    for (const auto &pair : made) {
        if (Tus::isValidMetadataKey(pair.first))
            valid.append(pair);
    }
    const auto decodedMade = Tus::decodeMetadata(Tus::encodeMetadata(made));
    FUZZ_CHECK(decodedMade && *decodedMade == valid);

    // The upload URL is always an http(s) URL with a host, never a downgrade.
    static const QUrl endpoints[] = {QUrl(QStringLiteral("https://tus.example.org/files/")),
                                     QUrl(QStringLiteral("http://127.0.0.1:1080/files"))};
    for (const QUrl &endpoint : endpoints) {
        if (const std::optional<QUrl> url = Tus::uploadUrl(endpoint, location)) {
            FUZZ_CHECK(url->isValid() && !url->host().isEmpty());
            const QString scheme = url->scheme().toLower();
            FUZZ_CHECK(scheme == QLatin1String("https")
                       || (scheme == QLatin1String("http")
                           && endpoint.scheme() == QLatin1String("http")));
        }
    }

    // A listed token is in the list; the empty list lists nothing but the empty token.
    if (Tus::listsToken(list, token))
        FUZZ_CHECK(list.toLower().contains(token.trimmed().toLower()));

    const int status = int(size * 13 % 700);
    const int reply = int(Tus::classify(status));
    FUZZ_CHECK(reply >= 0 && reply <= int(Tus::Reply::Other));
    return 0;
}
