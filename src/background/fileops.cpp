#include "fileops.h"

#include <QtCore/QCoreApplication>
#include <QtCore/QCryptographicHash>
#include <QtCore/QDateTime>
#include <QtCore/QFile>
#include <QtCore/QFileInfo>
#include <QtCore/QStorageInfo>
#include <QtCore/QSysInfo>

#if defined(Q_OS_WIN)
#include <io.h>
#include <windows.h>
#else
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>
#endif

namespace Background::FileOps {

namespace {

#if defined(Q_OS_WIN)
void setError(IoError *error, DWORD code)
{
    if (!error)
        return;
    error->noSpace = code == ERROR_DISK_FULL || code == ERROR_HANDLE_DISK_FULL;
    error->message = qt_error_string(int(code));
}
#else
void setError(IoError *error, int code)
{
    if (!error)
        return;
    error->noSpace = code == ENOSPC || code == EFBIG
#if defined(EDQUOT)
                     || code == EDQUOT
#endif
            ;
    error->message = QString::fromLocal8Bit(std::strerror(code));
}
#endif

} // namespace

bool openPrivateFile(QFile &file, const QString &path, IoError *error)
{
#if defined(Q_OS_WIN)
    file.setFileName(path);
    const bool ok = file.open(QIODevice::ReadWrite | QIODevice::Unbuffered);
    if (!ok && error)
        error->message = file.errorString();
    return ok;
#else
    const QByteArray native = QFile::encodeName(path);
    // O_NONBLOCK: opening a planted FIFO must not wait for a writer; cleared below.
    const int fd = ::open(native.constData(),
                          O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK,
                          S_IRUSR | S_IWUSR);
    if (fd < 0) {
        const int code = errno;
        setError(error, code);
        if (error && code == ELOOP)
            error->message = QStringLiteral("it is a symbolic link");
        return false;
    }
    struct stat st = {};
    if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        ::close(fd);
        if (error)
            error->message = QStringLiteral("it is not a regular file");
        return false;
    }
    ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) & ~O_NONBLOCK);
    if (!file.open(
                fd, QIODevice::ReadWrite | QIODevice::Unbuffered, QFileDevice::AutoCloseHandle)) {
        ::close(fd);
        if (error)
            error->message = file.errorString();
        return false;
    }
    return true;
#endif
}

bool syncFile(QFile &file, IoError *error)
{
    if (!file.flush()) {
        if (error) {
            // Qt reports ENOSPC as a ResourceError and keeps only the text of the others.
            error->noSpace = file.error() == QFileDevice::ResourceError;
            error->message = file.errorString();
        }
        return false;
    }
    return syncHandle(file.handle(), error);
}

bool syncHandle(int handle, IoError *error)
{
#if defined(Q_OS_WIN)
    const auto osHandle = reinterpret_cast<HANDLE>(_get_osfhandle(handle));
    if (osHandle != INVALID_HANDLE_VALUE && FlushFileBuffers(osHandle))
        return true;
    setError(error, GetLastError());
    return false;
#elif defined(Q_OS_DARWIN)
    // fsync() on Apple platforms does not reach the platter; F_FULLFSYNC does.
    if (::fcntl(handle, F_FULLFSYNC) == 0 || ::fsync(handle) == 0)
        return true;
    setError(error, errno);
    return false;
#else
    if (::fsync(handle) == 0)
        return true;
    setError(error, errno);
    return false;
#endif
}

int duplicateHandle(QFile &file)
{
#if defined(Q_OS_WIN)
    return ::_dup(file.handle());
#else
    return ::fcntl(file.handle(), F_DUPFD_CLOEXEC, 0);
#endif
}

void closeHandle(int handle)
{
#if defined(Q_OS_WIN)
    ::_close(handle);
#else
    ::close(handle);
#endif
}

qint64 writeFully(QFile &file, const char *data, qint64 size, IoError *error)
{
    qint64 written = 0;
#if defined(Q_OS_WIN)
    const auto handle = reinterpret_cast<HANDLE>(_get_osfhandle(file.handle()));
    while (written < size) {
        DWORD n = 0;
        const DWORD chunk = DWORD(qMin<qint64>(size - written, 1 << 30));
        if (!WriteFile(handle, data + written, chunk, &n, nullptr)) {
            setError(error, GetLastError());
            break;
        }
        if (n == 0) {
            setError(error, ERROR_WRITE_FAULT);
            break;
        }
        written += n;
    }
#else
    const int fd = file.handle();
    while (written < size) {
        const ssize_t n = ::write(fd, data + written, size_t(size - written));
        if (n > 0) {
            written += n;
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        // errno is read at once: nothing between the call and here may change it.
        setError(error, n < 0 ? errno : EIO);
        break;
    }
#endif
    return written;
}

void startWriteback(QFile &file, qint64 offset, qint64 length)
{
#if defined(Q_OS_LINUX)
    if (length > 0)
        ::sync_file_range(file.handle(), offset, length, SYNC_FILE_RANGE_WRITE);
#else
    Q_UNUSED(file);
    Q_UNUSED(offset);
    Q_UNUSED(length);
#endif
}

void waitForWriteback(QFile &file, qint64 offset, qint64 length)
{
#if defined(Q_OS_LINUX)
    if (length > 0)
        ::sync_file_range(file.handle(),
                          offset,
                          length,
                          SYNC_FILE_RANGE_WAIT_BEFORE | SYNC_FILE_RANGE_WRITE
                                  | SYNC_FILE_RANGE_WAIT_AFTER);
#else
    Q_UNUSED(file);
    Q_UNUSED(offset);
    Q_UNUSED(length);
#endif
}

bool syncDirectory(const QString &dirPath)
{
#if defined(Q_OS_WIN)
    Q_UNUSED(dirPath);
    return true;
#else
    const QByteArray native = QFile::encodeName(dirPath);
    const int fd = ::open(native.constData(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return false;
    const bool ok = ::fsync(fd) == 0;
    ::close(fd);
    return ok;
#endif
}

bool replaceFile(const QString &from, const QString &to, QString *error)
{
#if defined(Q_OS_WIN)
    const bool ok = MoveFileExW(reinterpret_cast<const wchar_t *>(from.utf16()),
                                reinterpret_cast<const wchar_t *>(to.utf16()),
                                MOVEFILE_REPLACE_EXISTING | MOVEFILE_WRITE_THROUGH);
    if (!ok && error)
        *error = QStringLiteral("MoveFileEx failed with error %1").arg(GetLastError());
    return ok;
#else
    if (::rename(QFile::encodeName(from).constData(), QFile::encodeName(to).constData()) == 0)
        return true;
    if (error)
        *error = QString::fromLocal8Bit(std::strerror(errno));
    return false;
#endif
}

bool makePrivate(const QString &path, bool isDirectory)
{
#if defined(Q_OS_WIN)
    Q_UNUSED(path);
    Q_UNUSED(isDirectory);
    return true;
#else
    return ::chmod(QFile::encodeName(path).constData(), isDirectory ? 0700 : 0600) == 0;
#endif
}

bool makeOrdinary(const QString &path)
{
#if defined(Q_OS_WIN)
    Q_UNUSED(path);
    return true;
#else
    // umask() can only be read by setting it, which races with other threads; Linux shows it
    // in /proc, elsewhere the common 022 is assumed.
    mode_t mask = 022;
#if defined(Q_OS_LINUX)
    QFile status(QStringLiteral("/proc/self/status"));
    if (status.open(QIODevice::ReadOnly)) {
        const QList<QByteArray> lines = status.readAll().split('\n');
        for (const QByteArray &line : lines) {
            if (line.startsWith("Umask:")) {
                bool ok = false;
                const uint value = line.mid(6).trimmed().toUInt(&ok, 8);
                if (ok)
                    mask = mode_t(value);
                break;
            }
        }
    }
#endif
    return ::chmod(QFile::encodeName(path).constData(), 0666 & ~mask) == 0;
#endif
}

QByteArray fingerprint(const QString &path)
{
    constexpr qint64 kEdge = qint64(64) * 1024;
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return {};
    const QFileInfo info(file);
    const qint64 size = file.size();
    QCryptographicHash hash(QCryptographicHash::Sha256);
    hash.addData(file.read(qMin(size, kEdge)));
    if (size > kEdge) {
        file.seek(qMax(kEdge, size - kEdge));
        hash.addData(file.read(kEdge));
    }
    return QByteArray::number(size) + ':'
           + QByteArray::number(info.lastModified().toMSecsSinceEpoch()) + ':'
           + hash.result().toHex();
}

VolumeSpace volumeSpace(const QString &path)
{
    VolumeSpace space;
#if defined(Q_OS_UNIX)
    struct statvfs info;
    const QByteArray native = QFile::encodeName(path);
    if (::statvfs(native.constData(), &info) == 0) {
        space.available = qint64(info.f_bavail) * qint64(info.f_frsize);
        space.total = qint64(info.f_blocks) * qint64(info.f_frsize);
    }
#else
    const QStorageInfo volume(path);
    if (volume.isValid()) {
        space.available = volume.bytesAvailable();
        space.total = volume.bytesTotal();
    }
#endif
    return space;
}

QByteArray bootId()
{
    // The boot cannot change under a running process; reading it per checkpoint cost a file
    // open per small download.
    static const QByteArray id = QSysInfo::bootUniqueId();
    return id;
}

qint64 currentProcessId()
{
    return QCoreApplication::applicationPid();
}

bool isProcessAlive(qint64 pid)
{
    if (pid <= 0)
        return false;
#if defined(Q_OS_WIN)
    HANDLE h = OpenProcess(PROCESS_QUERY_LIMITED_INFORMATION, FALSE, DWORD(pid));
    if (!h)
        return GetLastError() == ERROR_ACCESS_DENIED;
    DWORD code = 0;
    const bool running = GetExitCodeProcess(h, &code) && code == STILL_ACTIVE;
    CloseHandle(h);
    return running;
#else
    return ::kill(pid_t(pid), 0) == 0 || errno == EPERM;
#endif
}

} // namespace Background::FileOps
