#include "testsupport.h"

#include <QtCore/QCoreApplication>
#include <QtCore/QCryptographicHash>
#include <QtCore/QDir>
#include <QtCore/QFile>
#include <QtCore/QFileInfo>
#include <QtCore/QProcess>
#include <QtTest/QTest>

namespace BackgroundTest {

QByteArray fileSha256(const QString &path)
{
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly))
        return QByteArray("<cannot open ") + QFile::encodeName(path) + '>';
    QCryptographicHash hash(QCryptographicHash::Sha256);
    hash.addData(&f);
    return hash.result().toHex();
}

QByteArray readFile(const QString &path)
{
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

bool writeFile(const QString &path, const QByteArray &data)
{
    QFile f(path);
    return f.open(QIODevice::WriteOnly | QIODevice::Truncate) && f.write(data) == data.size();
}

QStringList partialFiles(const QString &destination)
{
    const QFileInfo info(destination);
    const QDir dir = info.absoluteDir();
    const QString prefix = QLatin1Char('.') + info.fileName() + QLatin1Char('.');
    const QStringList names = dir.entryList(QDir::Files | QDir::Hidden);
    QStringList out;
    for (const QString &n : names) {
        if (n.startsWith(prefix) && n.endsWith(QLatin1String(".part")))
            out.append(dir.filePath(n));
    }
    return out;
}

qint64 deadPid()
{
    QProcess p;
    p.start(QCoreApplication::applicationFilePath(), {QStringLiteral("-functions")});
    if (!p.waitForStarted(10000))
        return 0;
    const qint64 pid = p.processId();
    p.waitForFinished(10000); // it prints its test functions and exits; nothing else runs
    return pid;
}

Background::Lease
makeLease(const QString &owner, qint64 pid, const QByteArray &boot, qint64 heartbeat)
{
    Background::Lease l;
    l.ownerToken = owner;
    l.pid = pid;
    l.bootId = boot;
    l.startedAt = heartbeat;
    l.heartbeat = heartbeat;
    return l;
}

Watchdog::Watchdog(std::chrono::milliseconds limit)
{
    m_timer.setSingleShot(true);
    m_timer.setInterval(limit);
    QObject::connect(&m_timer, &QTimer::timeout, &m_timer, [limit] {
        qFatal("watchdog: %s did not end within %lld ms",
               QTest::currentTestFunction(),
               qlonglong(limit.count()));
    });
}

void Watchdog::start()
{
    m_timer.start();
}

void Watchdog::stop()
{
    m_timer.stop();
}

} // namespace BackgroundTest
