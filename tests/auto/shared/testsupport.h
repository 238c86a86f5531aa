#pragma once

// Small helpers that several test folders need: files, partial files, leases and a per-test
// watchdog. Test code only; FaultTest::Server must not depend on this (it has no Background).

#include "transferstore.h"

#include <QtCore/QByteArray>
#include <QtCore/QProcess>
#include <QtCore/QString>
#include <QtCore/QStringList>
#include <QtCore/QTimer>

#include <chrono>
#include <memory>
#include <vector>

namespace BackgroundTest {

// Hex SHA-256 of a file; a text naming the file when it cannot be read, so that a comparison
// with a real digest fails with a readable message.
QByteArray fileSha256(const QString &path);

QByteArray readFile(const QString &path); // empty if it cannot be read
bool writeFile(const QString &path, const QByteArray &data);

// Absolute paths of the hidden partial files the library keeps beside `destination`
// (".<name>.<token>.part").
QStringList partialFiles(const QString &destination);

// A pid that certainly belonged to a process and certainly no longer does (it was reaped).
// Runs this test binary once more with -functions, so only call it from a QTest executable.
qint64 deadPid();

Background::Lease
makeLease(const QString &owner, qint64 pid, const QByteArray &boot, qint64 heartbeat);

// Peak RSS in KiB of the largest child this process waited for; -1 where it is not known.
long peakChildRssKiB();

// Child processes (bgtransfer, helpers) started the same way by every test that runs them:
// no proxy and no logging rules from the environment (the child's stderr is checked), HOME and
// XDG_DATA_HOME inside `dir` so a run that forgot --store cannot touch the user's data, and on
// Linux they die with the test. Leftovers are killed when the set goes away.
class ChildProcesses
{
public:
    explicit ChildProcesses(const QString &dir);
    ~ChildProcesses();
    ChildProcesses(const ChildProcesses &) = delete;
    ChildProcesses &operator=(const ChildProcesses &) = delete;

    // `loggingVariable` set in the test's environment turns the library's log on in the child
    // (then stderr checks fail; for debugging).
    QProcess *start(const QString &program,
                    const QStringList &arguments,
                    const char *loggingVariable = nullptr);
    void killAll();

private:
    QString m_dir;
    std::vector<std::unique_ptr<QProcess>> m_children;
};

// Aborts the whole binary when one test function runs too long: the log then names the test,
// which beats hanging until ctest's timeout. start() in init(); stop() in cleanup().
class Watchdog
{
public:
    explicit Watchdog(std::chrono::milliseconds limit);
    void start();
    void stop();

private:
    QTimer m_timer;
};

} // namespace BackgroundTest
