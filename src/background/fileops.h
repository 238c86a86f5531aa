#pragma once

// The few file-system calls that differ per platform, each behind one small helper.

#include "background_private_export.h"

#include <QtCore/QByteArray>
#include <QtCore/QString>

class QFile;

namespace Background::FileOps {

// Why a write or a flush failed: `noSpace` for a full volume, an exhausted quota or the file
// size limit (ENOSPC, EDQUOT, EFBIG; ERROR_DISK_FULL, ERROR_HANDLE_DISK_FULL), with the OS text.
// Past RLIMIT_FSIZE a write fails with EFBIG only in a process that ignores SIGXFSZ; by default
// the signal kills it. Signal dispositions are the application's, so the library leaves it.
struct IoError
{
    bool noSpace = false;
    QString message;
};

// Flush Qt's buffer and ask the OS to put the data on stable storage.
BACKGROUND_AUTOTEST_EXPORT bool syncFile(QFile &file, IoError *error = nullptr);
// The same for an OS handle (a file descriptor; on Windows a C runtime one): for a handle from
// duplicateHandle(), synced on another thread while the file's own thread keeps writing.
BACKGROUND_AUTOTEST_EXPORT bool syncHandle(int handle, IoError *error = nullptr);
// A second handle on an open file, usable from any thread; -1 when the OS refuses one.
BACKGROUND_AUTOTEST_EXPORT int duplicateHandle(QFile &file);
BACKGROUND_AUTOTEST_EXPORT void closeHandle(int handle);

// Writes all of `data` at the file's position with the OS call itself, so that the reason of a
// failure is not lost (QFile keeps only a text). The file must be open Unbuffered. Returns the
// bytes written; fewer than `size` only with `*error` set.
BACKGROUND_AUTOTEST_EXPORT qint64 writeFully(QFile &file,
                                             const char *data,
                                             qint64 size,
                                             IoError *error);

// Asks the OS to start writing the file's bytes [offset, offset + length) to the disk now,
// without waiting for them: a later syncFile() then has little left to do, and the disk works
// while the network does. A hint only (Linux: sync_file_range); a no-op elsewhere.
BACKGROUND_AUTOTEST_EXPORT void startWriteback(QFile &file, qint64 offset, qint64 length);
// Waits until the OS has written that range (started or not) to the disk; no fsync: the disk's
// own cache and the file's metadata are left to syncFile(). A no-op where startWriteback() is.
BACKGROUND_AUTOTEST_EXPORT void waitForWriteback(QFile &file, qint64 offset, qint64 length);

// Make a rename inside dirPath durable. POSIX: fsync of the directory. Windows: no-op,
// because replaceFile() already asks for MOVEFILE_WRITE_THROUGH.
BACKGROUND_AUTOTEST_EXPORT bool syncDirectory(const QString &dirPath);

// Atomically replace `to` with `from` (rename(2) / MoveFileEx with REPLACE_EXISTING).
BACKGROUND_AUTOTEST_EXPORT bool replaceFile(const QString &from, const QString &to, QString *error);

// Opens (creating if missing) the owner-only file `path` for reading and writing, Unbuffered,
// without following a symbolic link at its last component, and refuses anything but a regular
// file: a link or FIFO planted where a partial file will go is never written through.
// Where the platform has no such flags, an ordinary QFile::open.
// QFile forgets the name of a file it opened by handle: keep `path` yourself.
BACKGROUND_AUTOTEST_EXPORT bool
openPrivateFile(QFile &file, const QString &path, IoError *error = nullptr);

// Owner-only access: 0600 for files, 0700 for directories. A no-op where modes do not exist.
BACKGROUND_AUTOTEST_EXPORT bool makePrivate(const QString &path, bool isDirectory);

// The mode a newly created file would get (0666 less the umask), for a published download:
// the partial file is owner-only while it is being written, the result is an ordinary file.
BACKGROUND_AUTOTEST_EXPORT bool makeOrdinary(const QString &path);

// Size, modification time and a SHA-256 of the first and last 64 KiB: cheap for a 4 GiB file,
// and any ordinary change to it shows. Empty when the file cannot be read.
BACKGROUND_AUTOTEST_EXPORT QByteArray fingerprint(const QString &path);

// Free space for an unprivileged writer and size of the volume holding `path`, in bytes; -1
// each when they cannot be told. statvfs() where it exists: QStorageInfo reads the whole mount
// table for the same two numbers, once per download.
struct VolumeSpace
{
    qint64 available = -1;
    qint64 total = -1;
};
BACKGROUND_AUTOTEST_EXPORT VolumeSpace volumeSpace(const QString &path);

// Changes on every boot; empty where the platform cannot tell (then nothing is trusted
// beyond the last fsynced checkpoint). Read once per process.
BACKGROUND_AUTOTEST_EXPORT QByteArray bootId();

BACKGROUND_AUTOTEST_EXPORT qint64 currentProcessId();

// False only when the process certainly does not exist; where we cannot tell, true (the lease
// heartbeat then decides).
BACKGROUND_AUTOTEST_EXPORT bool isProcessAlive(qint64 pid);

} // namespace Background::FileOps
