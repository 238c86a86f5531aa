#include "testsupport.h"

#include <QtCore/QCoreApplication>
#include <QtCore/QCryptographicHash>
#include <QtCore/QDir>
#include <QtCore/QFile>
#include <QtCore/QFileInfo>
#include <QtCore/QProcess>
#include <QtTest/QSignalSpy>
#include <QtTest/QTest>

#ifdef Q_OS_LINUX
#include <csignal>
#include <sys/prctl.h>
#include <sys/resource.h>
#endif

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

long peakChildRssKiB()
{
#ifdef Q_OS_LINUX
    rusage usage = {};
    if (::getrusage(RUSAGE_CHILDREN, &usage) != 0)
        return -1;
    return usage.ru_maxrss; // Linux reports KiB
#else
    return -1;
#endif
}

ChildProcesses::ChildProcesses(const QString &dir)
    : m_dir(dir)
{}

ChildProcesses::~ChildProcesses()
{
    killAll();
}

QProcess *ChildProcesses::start(const QString &program,
                                const QStringList &arguments,
                                const char *loggingVariable)
{
    auto p = std::make_unique<QProcess>();
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    if (loggingVariable && qEnvironmentVariableIsSet(loggingVariable))
        env.insert(QStringLiteral("QT_LOGGING_RULES"), QStringLiteral("background.*=true"));
    else
        env.remove(QStringLiteral("QT_LOGGING_RULES"));
    // Loopback only: a proxy from the environment must not get in the way.
    for (const char *name : {"http_proxy", "https_proxy", "all_proxy", "no_proxy"}) {
        env.remove(QString::fromLatin1(name));
        env.remove(QString::fromLatin1(name).toUpper());
    }
    env.insert(QStringLiteral("HOME"), m_dir);
    env.insert(QStringLiteral("XDG_DATA_HOME"), QDir(m_dir).filePath(QStringLiteral("xdg")));
    p->setProcessEnvironment(env);
    p->setWorkingDirectory(m_dir);
#ifdef Q_OS_LINUX
    p->setChildProcessModifier([] { ::prctl(PR_SET_PDEATHSIG, SIGKILL); });
#endif
    p->start(program, arguments);
    m_children.push_back(std::move(p));
    return m_children.back().get();
}

void ChildProcesses::killAll()
{
    for (const auto &p : m_children) {
        if (p->state() != QProcess::NotRunning) {
            QSignalSpy done(p.get(), &QProcess::finished);
            p->kill();
            done.wait(5000);
        }
    }
    m_children.clear();
}

} // namespace BackgroundTest
