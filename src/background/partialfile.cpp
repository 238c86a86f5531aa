#include "partialfile.h"

#include "fileops.h"
#include "httprules.h"
#include "transferstore.h"

#include <QtCore/QCryptographicHash>
#include <QtCore/QFileInfo>

namespace Background {

qint64 PartialFile::trustedOffset(qint64 onDisk, const TransferRow &row, const QByteArray &bootId)
{
    if (Http::ifRangeValidator(row.etag, row.lastModified).isEmpty())
        return 0;
    const bool sameBoot = !bootId.isEmpty() && bootId == row.checkpointBootId;
    return sameBoot ? onDisk : qMin(onDisk, row.durableOffset);
}

PartialFile::PartialFile(const QString &path)
    : m_file(path)
{}

std::optional<PartialFile::Failure> PartialFile::openForResume(const TransferRow &row,
                                                               qint64 *offset)
{
    if (!m_file.isOpen()) {
        const bool existed = m_file.exists();
        if (!m_file.open(QIODevice::ReadWrite))
            return Failure{NetworkResponse::Error::LocalIoError,
                           QStringLiteral("Cannot open %1: %2").arg(path(), m_file.errorString())};
        if (!existed)
            FileOps::makePrivate(path(), false);
    }
    const qint64 onDisk = m_file.size();
    *offset = trustedOffset(onDisk, row, FileOps::bootId());
    if (*offset != onDisk) {
        if (auto failure = truncate(*offset))
            return failure;
    }
    m_file.seek(*offset);
    return std::nullopt;
}

std::optional<PartialFile::Failure> PartialFile::truncate(qint64 size)
{
    if (m_file.resize(size) && m_file.seek(size))
        return std::nullopt;
    return Failure{NetworkResponse::Error::LocalIoError,
                   QStringLiteral("Cannot truncate %1: %2").arg(path(), m_file.errorString())};
}

bool PartialFile::sync()
{
    return FileOps::syncFile(m_file);
}

void PartialFile::close()
{
    if (m_file.isOpen())
        m_file.close();
}

void PartialFile::remove()
{
    close();
    QFile::remove(path());
}

std::optional<PartialFile::Failure> PartialFile::publish(const QString &destination,
                                                         const QByteArray &expectedSha256)
{
    if (!sync())
        return Failure{NetworkResponse::Error::LocalIoError,
                       QStringLiteral("Cannot flush %1: %2").arg(path(), m_file.errorString())};
    if (!expectedSha256.isEmpty()) {
        QCryptographicHash hash(QCryptographicHash::Sha256);
        m_file.seek(0);
        if (!hash.addData(&m_file))
            return Failure{NetworkResponse::Error::LocalIoError,
                           QStringLiteral("Cannot read back %1").arg(path())};
        const QByteArray actual = hash.result().toHex();
        if (actual != expectedSha256.toLower()) {
            remove();
            return Failure{
                    NetworkResponse::Error::IntegrityError,
                    QStringLiteral("SHA-256 mismatch: expected %1, got %2")
                            .arg(QString::fromLatin1(expectedSha256), QString::fromLatin1(actual))};
        }
    }
    close();
    FileOps::makeOrdinary(path());
    QString why;
    if (!FileOps::replaceFile(path(), destination, &why))
        return Failure{NetworkResponse::Error::LocalIoError,
                       QStringLiteral("Cannot move the download to %1: %2").arg(destination, why)};
    FileOps::syncDirectory(QFileInfo(destination).absolutePath());
    return std::nullopt;
}

} // namespace Background
