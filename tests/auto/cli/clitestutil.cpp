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
    : m_dir(workingDirectory)
{}

Runner::~Runner()
{
    for (const auto &p : m_children) {
        if (p->state() != QProcess::NotRunning) {
            QSignalSpy done(p.get(), &QProcess::finished);
            p->kill();
            done.wait(5000);
        }
    }
}

QProcess *Runner::start(const QStringList &arguments)
{
    auto p = std::make_unique<QProcess>();
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    // The tool's stderr must be its own; TST_CLI_CHILD_LOGGING=1 shows the library's log when
    // debugging (and then the stderr checks fail).
    if (qEnvironmentVariableIsSet("TST_CLI_CHILD_LOGGING"))
        env.insert("QT_LOGGING_RULES", "background.*=true");
    else
        env.remove("QT_LOGGING_RULES");
    // Loopback only: a proxy from the environment must not get in the way.
    for (const QString &name : {"http_proxy", "https_proxy", "all_proxy", "no_proxy"}) {
        env.remove(name);
        env.remove(name.toUpper());
    }
    // A run that forgot --store must not touch the real user's data.
    env.insert("HOME", m_dir);
    env.insert("XDG_DATA_HOME", QDir(m_dir).filePath("xdg"));
    p->setProcessEnvironment(env);
    p->setWorkingDirectory(m_dir);
    p->setProgram(BGTRANSFER_PATH);
    p->setArguments(arguments);
    p->start();
    m_children.push_back(std::move(p));
    return m_children.back().get();
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
