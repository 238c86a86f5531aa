#pragma once

// The partial file of a download: what of it may be trusted on resume, and the durable steps
// that turn it into the destination.

#include "background_private_export.h"
#include "networkresponse.h"

#include <QtCore/QCryptographicHash>
#include <QtCore/QFile>
#include <QtCore/QFuture>

#include <optional>

namespace Background {

struct TransferRow;

class BACKGROUND_AUTOTEST_EXPORT PartialFile
{
public:
    struct Failure
    {
        NetworkResponse::Error error;
        QString message;
    };

    // How many bytes of a partial file of `onDisk` bytes a resume may keep. On the boot that
    // wrote the last checkpoint the page cache still holds every written byte, even after
    // SIGKILL; after a reboot only the fsynced checkpoint is on the disk. Without a validator
    // the entity cannot be proven unchanged, so nothing is kept.
    static qint64 trustedOffset(qint64 onDisk, const TransferRow &row, const QByteArray &bootId);

    explicit PartialFile(const QString &path);

    // Keep a running SHA-256 of the file's bytes, so that publish() need not read it again.
    void setHashing(bool on) { m_hashing = on; }

    // Opens (creating it owner-only), truncates it to what may be trusted and seeks there.
    // With hashing on, the bytes kept are hashed unless the running hash already covers them
    // (a retry in this process): after a restart only what was written before it is re-read.
    std::optional<Failure> openForResume(const TransferRow &row, qint64 *offset);
    std::optional<Failure> truncate(qint64 size);
    // Returns the bytes that reached the file; fewer than `size` only with ioFailure() set.
    qint64 write(const char *data, qint64 size);
    // Bytes read back from the disk for the hash so far (for tests and the benchmarks).
    qint64 bytesReadForHash() const { return m_readForHash; }
    bool sync();
    // The same fsync on a worker thread, on a handle of its own, while this thread keeps
    // writing: the result (no value when every byte written before the call reached the disk)
    // comes through the future. Closing or removing the file meanwhile is safe.
    QFuture<std::optional<Failure>> syncInBackground();
    // Why the last write() or sync() failed: DiskFull when the volume, the quota or the file
    // size limit is full (the OS's text says which), LocalIoError for anything else.
    Failure ioFailure() const { return m_ioFailure; }
    void close();
    void remove();
    bool isOpen() const { return m_file.isOpen(); }
    QString path() const { return m_path; }
    QString errorString() const { return m_file.errorString(); }

    // Durable steps 1 to 3: fsync, integrity check (when a SHA-256 is expected), atomic rename
    // onto the destination and fsync of its directory. A checksum mismatch removes the data.
    std::optional<Failure> publish(const QString &destination, const QByteArray &expectedSha256);

private:
    bool rehash(qint64 size); // the running hash restarted over the file's first `size` bytes

    QString m_path; // m_file, opened by handle, does not keep it
    QFile m_file;
    bool m_hashing = false;
    QCryptographicHash m_hash{QCryptographicHash::Sha256};
    qint64 m_hashed = 0; // bytes from the start of the file the running hash covers
    qint64 m_readForHash = 0;
    qint64 m_end = 0;           // the file position: where the next write() goes
    qint64 m_writebackFrom = 0; // bytes before this were handed to the OS's writeback
    qint64 m_waitedUpTo = 0;    // bytes before this are known to be written (not fsynced)
    qint64 m_syncedEnd = -1;    // m_end at the last sync() here, if nothing changed since
    Failure m_ioFailure{NetworkResponse::Error::NoError, {}};
};

} // namespace Background
