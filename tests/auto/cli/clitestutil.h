#pragma once

// Small helpers for tst_cli: the result of one bgtransfer run and how to judge it.

#include "faultserver.h"

#include <QtCore/QByteArray>
#include <QtCore/QCryptographicHash>
#include <QtCore/QFile>
#include <QtCore/QJsonDocument>
#include <QtCore/QJsonObject>
#include <QtCore/QProcess>
#include <QtCore/QStringList>

#include <memory>
#include <vector>

namespace CliTest {

constexpr qint64 MiB = 1024 * 1024;

struct Run
{
    bool finished = false;
    int exitCode = -1;
    QProcess::ExitStatus exitStatus = QProcess::CrashExit;
    QByteArray out;
    QByteArray err;
};

// "download @URL -o @OUT" -> {"download", "@URL", "-o", "@OUT"}; for arguments without spaces.
inline QStringList args(const char *spaceSeparated)
{
    return QString::fromUtf8(spaceSeparated).split(QLatin1Char(' '), Qt::SkipEmptyParts);
}

inline QList<QByteArray> nonEmptyLines(const QByteArray &text)
{
    QList<QByteArray> lines = text.split('\n');
    lines.removeAll(QByteArray());
    return lines;
}

inline QString describe(const Run &r)
{
    return QStringLiteral("exit %1\nstdout: %2\nstderr: %3")
            .arg(r.exitCode)
            .arg(QString::fromLocal8Bit(r.out), QString::fromLocal8Bit(r.err));
}

// Empty when `r` keeps the stderr promise: silence on success, exactly one line starting with
// "bgtransfer: " otherwise.
inline QString stderrProblem(const Run &r)
{
    if (r.exitCode == 0)
        return r.err.isEmpty() ? QString() : QStringLiteral("stderr is not empty on success");
    if (!r.err.startsWith("bgtransfer: ") || r.err.count('\n') != 1 || !r.err.endsWith('\n'))
        return QStringLiteral("stderr is not one line starting with 'bgtransfer: '");
    return {};
}

inline QJsonObject parseObject(const QByteArray &line, QString *error)
{
    QJsonParseError e;
    const QJsonDocument doc = QJsonDocument::fromJson(line, &e);
    if (e.error != QJsonParseError::NoError || !doc.isObject()) {
        *error = QStringLiteral("not a JSON object: %1").arg(QString::fromUtf8(line));
        return {};
    }
    return doc.object();
}

inline QByteArray fileSha256(const QString &path)
{
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly))
        return {};
    QCryptographicHash hash(QCryptographicHash::Sha256);
    hash.addData(&f);
    return hash.result().toHex();
}

inline FaultTest::Route plainRoute(qint64 size, quint32 seed = 11)
{
    FaultTest::Route r;
    r.entity.size = size;
    r.entity.seed = seed;
    return r;
}

// `fault` for every request.
inline FaultTest::Route faultRoute(const FaultTest::Fault &fault, qint64 size = 64 * 1024)
{
    FaultTest::Route r = plainRoute(size);
    r.then = fault;
    return r;
}

// The first request throttled (to be killed while it runs), the later ones get `then`.
inline FaultTest::Route slowFirstRoute(qint64 size, quint32 seed, const FaultTest::Fault &then = {})
{
    FaultTest::Route r = plainRoute(size, seed);
    FaultTest::Fault slow;
    slow.throttle = 512 * 1024;
    r.script = {slow};
    r.then = then;
    return r;
}

inline FaultTest::Fault statusFault(int status, const QByteArray &retryAfter = QByteArray())
{
    FaultTest::Fault f;
    f.status = status;
    f.retryAfter = retryAfter;
    return f;
}

// The hidden partial files the library keeps next to `destination` (".<name>.<token>.part").
QStringList partialFiles(const QString &destination);
qint64 partialBytes(const QString &destination); // 0 unless there is exactly one

// Starts bgtransfer children in a clean environment and kills leftovers.
class Runner
{
public:
    explicit Runner(const QString &workingDirectory);
    ~Runner();
    QProcess *start(const QStringList &arguments);
    // Waits with QSignalSpy, so the caller's event loop (and the server on it) keeps running.
    Run run(const QStringList &arguments, int timeoutMs);

private:
    QString m_dir;
    std::vector<std::unique_ptr<QProcess>> m_children;
};

} // namespace CliTest
