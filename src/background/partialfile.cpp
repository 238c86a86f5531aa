#include "partialfile.h"

#include "faultpoint.h"
#include "fileops.h"
#include "httprules.h"
#include "transferstore.h"

#include <QtCore/QCryptographicHash>
#include <QtCore/QFileInfo>
#include <QtCore/QPromise>
#include <QtCore/QThreadPool>

#include <memory>

namespace Background {

namespace {
// Written bytes are handed to the disk in slices of this size as they arrive, and each write
// that starts a slice waits for the slice before it: at most about two slices are ever dirty,
// so a checkpoint's or the publish's fsync finds little left (a 1 GiB download fsynced once a
// second otherwise blocked the event loop for up to a second each time, and the network
// waited), and the event loop never waits longer than one slice takes to write.
constexpr qint64 kWritebackSlice = qint64(8) * 1024 * 1024;

// A full volume (or quota, or file size limit) is DiskFull: the data is kept for a resume.
// `action` names what failed, e.g. "write %1".
PartialFile::Failure
failureOf(const FileOps::IoError &error, const QString &action, const QString &path)
{
    if (error.noSpace)
        return {NetworkResponse::Error::DiskFull,
                QStringLiteral("No room left to %1: %2").arg(action.arg(path), error.message)};
    return {NetworkResponse::Error::LocalIoError,
            QStringLiteral("Cannot %1: %2").arg(action.arg(path), error.message)};
}
// fsyncs wait on the disk, not the CPU: a pool of their own keeps them from queueing behind
// the application's work in the global pool.
QThreadPool *syncPool()
{
    static QThreadPool pool;
    return &pool;
}
} // namespace

qint64 PartialFile::trustedOffset(qint64 onDisk, const TransferRow &row, const QByteArray &bootId)
{
    if (Http::ifRangeValidator(row.etag, row.lastModified).isEmpty())
        return 0;
    const bool sameBoot = !bootId.isEmpty() && bootId == row.checkpointBootId;
    return sameBoot ? onDisk : qMin(onDisk, row.durableOffset);
}

PartialFile::PartialFile(const QString &path)
    : m_path(path)
{}

std::optional<PartialFile::Failure> PartialFile::openForResume(const TransferRow &row,
                                                               qint64 *offset)
{
    if (!m_file.isOpen()) {
        // Unbuffered: writes go straight to the OS, which says why one fails (see write()).
        FileOps::IoError error;
        if (!FileOps::openPrivateFile(m_file, m_path, &error))
            return failureOf(error, QStringLiteral("open %1"), path());
    }
    const qint64 onDisk = m_file.size();
    *offset = trustedOffset(onDisk, row, FileOps::bootId());
    if (*offset != onDisk) {
        if (auto failure = truncate(*offset))
            return failure;
    }
    if (m_hashing && m_hashed != *offset && !rehash(*offset))
        return Failure{NetworkResponse::Error::LocalIoError,
                       QStringLiteral("Cannot read back %1: %2").arg(path(), m_file.errorString())};
    m_file.seek(*offset);
    m_end = m_writebackFrom = m_waitedUpTo = *offset;
    m_syncedEnd = -1;
    return std::nullopt;
}

std::optional<PartialFile::Failure> PartialFile::truncate(qint64 size)
{
    if (m_file.resize(size) && m_file.seek(size)) {
        m_end = m_writebackFrom = m_waitedUpTo = size;
        m_syncedEnd = -1;
        if (m_hashing && size < m_hashed && !rehash(size))
            return Failure{
                    NetworkResponse::Error::LocalIoError,
                    QStringLiteral("Cannot read back %1: %2").arg(path(), m_file.errorString())};
        return std::nullopt;
    }
    return Failure{NetworkResponse::Error::LocalIoError,
                   QStringLiteral("Cannot truncate %1: %2").arg(path(), m_file.errorString())};
}

qint64 PartialFile::write(const char *data, qint64 size)
{
    FileOps::IoError error;
    const qint64 written = FileOps::writeFully(m_file, data, size, &error);
    // What reached the file before a failure is in it, and in the hash.
    if (m_hashing && written > 0) {
        m_hash.addData(QByteArrayView(data, written));
        m_hashed += written;
    }
    m_end += qMax<qint64>(written, 0);
    if (m_end - m_writebackFrom >= kWritebackSlice) {
        FileOps::startWriteback(m_file, m_writebackFrom, m_end - m_writebackFrom);
        FileOps::waitForWriteback(m_file, m_waitedUpTo, m_writebackFrom - m_waitedUpTo);
        m_waitedUpTo = m_writebackFrom;
        m_writebackFrom = m_end;
    }
    if (written < size)
        m_ioFailure = failureOf(error, QStringLiteral("write %1"), path());
    return written;
}

bool PartialFile::rehash(qint64 size)
{
    m_hash.reset();
    m_hashed = 0;
    if (!m_file.seek(0))
        return false;
    QByteArray block;
    while (m_hashed < size) {
        block = m_file.read(qMin<qint64>(size - m_hashed, 1024 * 1024));
        if (block.isEmpty())
            return false;
        m_hash.addData(block);
        m_hashed += block.size();
        m_readForHash += block.size();
    }
    return m_file.seek(size);
}

bool PartialFile::sync()
{
    // The end of a body is synced by its checkpoint and then by the publish: once is enough.
    if (m_syncedEnd == m_end)
        return true;
    FileOps::IoError error;
    if (FileOps::syncFile(m_file, &error)) {
        m_syncedEnd = m_end;
        return true;
    }
    m_ioFailure = failureOf(error, QStringLiteral("flush %1 to the disk"), path());
    return false;
}

QFuture<std::optional<PartialFile::Failure>> PartialFile::syncInBackground()
{
    auto promise = std::make_shared<QPromise<std::optional<Failure>>>();
    QFuture<std::optional<Failure>> future = promise->future();
    promise->start();
    const int handle = FileOps::duplicateHandle(m_file);
    if (handle < 0) { // no second handle: sync here and now
        promise->addResult(sync() ? std::nullopt : std::optional<Failure>(m_ioFailure));
        promise->finish();
        return future;
    }
    syncPool()->start([promise, handle, path = m_path] {
        FileOps::IoError error;
        std::optional<Failure> failure;
        if (!FileOps::syncHandle(handle, &error))
            failure = failureOf(error, QStringLiteral("flush %1 to the disk"), path);
        FileOps::closeHandle(handle);
        promise->addResult(failure);
        promise->finish();
    });
    return future;
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
        return m_ioFailure;
    faultPoint("download.after-data-sync");
    if (!expectedSha256.isEmpty()) {
        // The running hash covers the file unless hashing was off or the file was written
        // around it; then it is read once more.
        if ((!m_hashing || m_hashed != m_file.size()) && !rehash(m_file.size()))
            return Failure{NetworkResponse::Error::LocalIoError,
                           QStringLiteral("Cannot read back %1").arg(path())};
        const QByteArray actual = m_hash.result().toHex();
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
    faultPoint("download.after-rename");
    FileOps::syncDirectory(QFileInfo(destination).absolutePath());
    faultPoint("download.after-dir-sync");
    return std::nullopt;
}

} // namespace Background
