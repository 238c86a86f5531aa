#include "clitestutil.h"

#include <QtCore/QDir>
#include <QtCore/QFileInfo>
#include <QtTest/QSignalSpy>
#include <QtTest/QTest>

namespace CliTest {

qint64 partialBytes(const QString &destination)
{
    const QStringList parts = partialFiles(destination);
    return parts.size() == 1 ? QFileInfo(parts.first()).size() : 0;
}

Runner::Runner(const QString &workingDirectory)
    : m_children(workingDirectory)
{}

QString Fixture::writeSource(const QString &name, qint64 size, quint32 seed) const
{
    const QString file = path(name);
    QFile f(file);
    if (!f.open(QIODevice::WriteOnly))
        return {};
    FaultTest::Entity e;
    e.size = size;
    e.seed = seed;
    return FaultTest::FaultServer::writeContent(&f, e) ? file : QString();
}

QProcess *Runner::start(const QStringList &arguments)
{
    return m_children.start(QStringLiteral(BGTRANSFER_PATH), arguments, "TST_CLI_CHILD_LOGGING");
}

Run Runner::run(const QStringList &arguments, int timeoutMs)
{
    QProcess *p = start(arguments);
    QSignalSpy done(p, &QProcess::finished);
    Run r;
    r.finished = done.wait(timeoutMs) || !done.isEmpty();
    if (!r.finished) {
        p->kill();
        done.wait(5000);
        qWarning() << "bgtransfer did not finish:" << arguments;
    }
    r.exitCode = p->exitCode();
    r.exitStatus = p->exitStatus();
    r.out = p->readAllStandardOutput();
    r.err = p->readAllStandardError();
    return r;
}

void Fixture::initTestCase()
{
    QVERIFY2(QFileInfo(BGTRANSFER_PATH).isExecutable(), BGTRANSFER_PATH);
    QVERIFY(m_server.listen());
}

void Fixture::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
    m_store = path("store.sqlite");
    m_runner = std::make_unique<Runner>(m_dir->path());
    m_watchdog.start();
}

void Fixture::cleanup()
{
    m_watchdog.stop();
    m_runner.reset(); // kills what a failed test left running
    m_dir.reset();
}

QByteArray Fixture::routePath() const
{
    QByteArray tag = QByteArray(QTest::currentDataTag()).toLower();
    tag.replace(' ', '-');
    return '/' + QByteArray(QTest::currentTestFunction()) + '/' + tag;
}

bool Fixture::startAndKill(const QByteArray &route, const QString &id, const QString &destination)
{
    QProcess *p = start(store() + download(route, destination, id));
    QSignalSpy done(p, &QProcess::finished);
    [&] { QTRY_VERIFY_WITH_TIMEOUT(partialBytes(destination) >= 256 * 1024, 20000); }();
    if (QTest::currentTestFailed())
        return false;
    p->kill(); // SIGKILL: no chance to clean up or checkpoint
    if (!done.wait(10000) && done.isEmpty())
        return false;
    return p->exitStatus() == QProcess::CrashExit;
}

QList<QJsonObject> Fixture::listJson(QString *error)
{
    const Run r = run(store() + args("--json list"));
    if (r.exitCode != 0 || !r.err.isEmpty()) {
        *error = describe(r);
        return {};
    }
    QList<QJsonObject> out;
    const QList<QByteArray> lines = nonEmptyLines(r.out);
    for (const QByteArray &line : lines)
        out.append(parseObject(line, error));
    return out;
}

} // namespace CliTest
