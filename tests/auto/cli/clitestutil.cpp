#include "clitestutil.h"

#include <QtCore/QDir>
#include <QtCore/QFileInfo>
#include <QtTest/QSignalSpy>

namespace CliTest {

QStringList partialFiles(const QString &destination)
{
    const QFileInfo info(destination);
    return info.dir().entryList({'.' + info.fileName() + ".*.part"}, QDir::Files | QDir::Hidden);
}

qint64 partialBytes(const QString &destination)
{
    const QStringList parts = partialFiles(destination);
    if (parts.size() != 1)
        return 0;
    return QFileInfo(QFileInfo(destination).dir().filePath(parts.first())).size();
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

} // namespace CliTest
