#include "fileops.h"

#include <QtCore/QCoreApplication>
#include <QtCore/QCryptographicHash>
#include <QtCore/QDateTime>
#include <QtCore/QFile>
#include <QtCore/QFileInfo>
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
#include <unistd.h>
#endif

namespace Background::FileOps {

bool syncFile(QFile &file)
{
    if (!file.flush())
        return false;
#if defined(Q_OS_WIN)
    const auto handle = reinterpret_cast<HANDLE>(_get_osfhandle(file.handle()));
    return handle != INVALID_HANDLE_VALUE && FlushFileBuffers(handle);
#elif defined(Q_OS_DARWIN)
    // fsync() on Apple platforms does not reach the platter; F_FULLFSYNC does.
    return ::fcntl(file.handle(), F_FULLFSYNC) == 0 || ::fsync(file.handle()) == 0;
#else
    return ::fsync(file.handle()) == 0;
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
    constexpr qint64 kEdge = 64 * 1024;
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

QByteArray bootId()
{
    return QSysInfo::bootUniqueId();
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
