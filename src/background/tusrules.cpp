#include "tusrules.h"

#include "httprules.h"

#include <QtCore/QStringList>

namespace Background::Tus {

Reply classify(int status)
{
    if (status >= 200 && status < 300)
        return Reply::Ok;
    switch (status) {
    case 409:
        return Reply::Conflict;
    case 404:
    case 410:
        return Reply::Gone;
    case 423:
        return Reply::Locked;
    case 460:
        return Reply::ChecksumMismatch;
    default:
        return Reply::Other;
    }
}

std::optional<qint64> parseOffset(const QByteArray &value)
{
    const QByteArray digits = value.trimmed();
    if (digits.isEmpty() || digits.size() > 18)
        return std::nullopt; // beyond 18 digits it could overflow qint64
    for (const char c : digits) {
        if (c < '0' || c > '9')
            return std::nullopt;
    }
    return digits.toLongLong();
}

bool isValidMetadataKey(const QString &key)
{
    if (key.isEmpty())
        return false;
    for (const QChar c : key) {
        if (c.unicode() <= 0x20 || c.unicode() >= 0x7f || c == QLatin1Char(','))
            return false;
    }
    return true;
}

QByteArray encodeMetadata(const QList<QPair<QString, QString>> &pairs)
{
    QList<QByteArray> items;
    for (const auto &pair : pairs) {
        if (!isValidMetadataKey(pair.first))
            continue;
        QByteArray item = pair.first.toLatin1();
        if (!pair.second.isEmpty())
            item += ' ' + pair.second.toUtf8().toBase64();
        items.append(item);
    }
    return items.join(',');
}

std::optional<QList<QPair<QString, QString>>> decodeMetadata(const QByteArray &header)
{
    QList<QPair<QString, QString>> pairs;
    if (header.trimmed().isEmpty())
        return pairs;
    const QList<QByteArray> items = header.split(',');
    for (const QByteArray &raw : items) {
        const QByteArray item = raw.trimmed();
        const qsizetype space = item.indexOf(' ');
        const QByteArray key = space < 0 ? item : item.left(space);
        const QByteArray value = space < 0 ? QByteArray() : item.mid(space + 1);
        if (!isValidMetadataKey(QString::fromLatin1(key)) || value.contains(' '))
            return std::nullopt;
        const auto decoded
                = QByteArray::fromBase64Encoding(value, QByteArray::AbortOnBase64DecodingErrors);
        if (!decoded)
            return std::nullopt;
        pairs.append({QString::fromLatin1(key), QString::fromUtf8(*decoded)});
    }
    return pairs;
}

std::optional<QUrl> uploadUrl(const QUrl &endpoint, const QByteArray &location)
{
    QUrl target;
    if (Http::checkRedirect(endpoint, location, &target) != Http::RedirectCheck::Allowed)
        return std::nullopt;
    return target;
}

bool listsToken(const QByteArray &header, const QByteArray &token)
{
    const QList<QByteArray> items = header.split(',');
    for (const QByteArray &item : items) {
        if (item.trimmed().compare(token, Qt::CaseInsensitive) == 0)
            return true;
    }
    return false;
}

QByteArray sha1ChecksumHeader(const QByteArray &digest)
{
    return "sha1 " + digest.toBase64();
}

qint64 nextChunkLength(qint64 offset, qint64 total, qint64 chunkSize)
{
    const qint64 remainder = qMax<qint64>(0, total - offset);
    return chunkSize > 0 ? qMin(chunkSize, remainder) : remainder;
}

QString checkOptions(const UploadOptions &options)
{
    if (options.protocol != UploadOptions::Protocol::Tus)
        return {};
    if (options.body == UploadOptions::Body::Multipart)
        return QStringLiteral("A tus upload sends the file itself; multipart/form-data bodies "
                              "cannot be combined with tus (use metadata fields instead)");
    if (options.chunkSize < 0)
        return QStringLiteral("The chunk size must not be negative");
    QStringList seen = {QStringLiteral("filename"), QStringLiteral("filetype")};
    for (const auto &field : options.fields) {
        // Keys must be unique; the file's name and type come from fileName and contentType.
        if (seen.contains(field.first))
            return QStringLiteral("'%1' is given twice as tus metadata (filename and filetype "
                                  "come from the file name and content type)")
                    .arg(field.first);
        seen.append(field.first);
        if (!isValidMetadataKey(field.first))
            return QStringLiteral("'%1' cannot be a tus metadata key (ASCII without spaces or "
                                  "commas)")
                    .arg(field.first);
    }
    return {};
}

} // namespace Background::Tus
