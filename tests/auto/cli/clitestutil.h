#pragma once

// Helpers for tst_cli and tst_cli_resume: the result of one bgtransfer run, how to judge it,
// and the fixture both test classes derive from.

#include "faultserver.h"
#include "testsupport.h"

#include <QtCore/QByteArray>
#include <QtCore/QFile>
#include <QtCore/QJsonDocument>
#include <QtCore/QJsonObject>
#include <QtCore/QObject>
#include <QtCore/QProcess>
#include <QtCore/QStringList>
#include <QtCore/QTemporaryDir>

#include <memory>
#include <vector>

namespace CliTest {

using BackgroundTest::fileSha256;
using BackgroundTest::partialFiles;

constexpr qint64 MiB = 1024 * 1024;
constexpr int kRunTimeoutMs = 30000;

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

// The size of the partial file beside `destination`; 0 unless there is exactly one.
qint64 partialBytes(const QString &destination);

// Starts bgtransfer children in a clean environment and kills leftovers.
class Runner
{
public:
    explicit Runner(const QString &workingDirectory);
    QProcess *start(const QStringList &arguments);
    // Waits with QSignalSpy, so the caller's event loop (and the server on it) keeps running.
    Run run(const QStringList &arguments, int timeoutMs);

private:
    BackgroundTest::ChildProcesses m_children;
};

// Base of the CLI test classes: one FaultServer for the whole binary (routePath() gives each test
// row a route of its own), a fresh directory, store and Runner per test function, and a
// watchdog. QTest finds these inherited slots; the test classes add only test functions.
class Fixture : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void init();
    void cleanup();

protected:
    QStringList store() const { return {"--store", m_store}; }
    QStringList download(const QByteArray &route, const QString &dest, const QString &id) const
    {
        return {"download", m_server.url(route).toString(), "-o", dest, "--id", id};
    }
    QString path(const QString &name) const { return m_dir->filePath(name); }
    // A source file of `size` deterministic bytes in the test's directory; empty on failure.
    QString writeSource(const QString &name, qint64 size, quint32 seed = 5) const;
    QByteArray routePath() const; // "/<test function>/<data tag>"
    QProcess *start(const QStringList &arguments) { return m_runner->start(arguments); }
    Run run(const QStringList &arguments, int timeoutMs = kRunTimeoutMs)
    {
        return m_runner->run(arguments, timeoutMs);
    }
    // Starts a download against a throttled route and SIGKILLs it once bytes are on disk.
    bool startAndKill(const QByteArray &route, const QString &id, const QString &destination);
    QList<QJsonObject> listJson(QString *error);

    FaultTest::FaultServer m_server;
    std::unique_ptr<QTemporaryDir> m_dir;
    QString m_store;

private:
    BackgroundTest::Watchdog m_watchdog{std::chrono::milliseconds(55000)};
    std::unique_ptr<Runner> m_runner;
};

} // namespace CliTest
