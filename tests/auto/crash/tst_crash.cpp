// Restart safety with real processes: crash_child downloads from an in-process FaultServer, the
// test SIGKILLs it mid-transfer and starts it again on the same store.
//
// The server throttles (4 MiB/s), so the client drains its socket and little is in flight when
// it dies; what the server sends beyond the entity size is then what the restarts re-fetched.

#include "faultserver.h"
#include "testsupport.h"

#include <QtCore/QDir>
#include <QtCore/QFile>
#include <QtCore/QProcess>
#include <QtCore/QTemporaryDir>
#include <QtTest/QSignalSpy>
#include <QtTest/QTest>

#include <memory>
#include <vector>

using BackgroundTest::fileSha256;
using FaultTest::FaultServer;
using namespace std::chrono_literals;

namespace {

constexpr qint64 MiB = 1024 * 1024;
constexpr qint64 kThrottle = 4 * MiB;       // bytes per second, enforced by the server
constexpr qint64 kRefetchPerKill = 1 * MiB; // Qt's bounded read buffer plus a little
constexpr int kStepTimeoutMs = 30000;

// Where the body of a recorded request started in the entity.
qint64 bodyStart(const FaultTest::RequestRecord &r)
{
    if (r.status != 206)
        return 0;
    const QByteArray range = r.header("Range");
    if (!range.startsWith("bytes="))
        return 0;
    return range.mid(6, range.indexOf('-') - 6).toLongLong();
}

// One crash_child process and what it printed.
class Child
{
public:
    explicit Child(const QStringList &arguments)
    {
        m_process.setProgram(QStringLiteral(CRASH_CHILD_PATH));
        m_process.setArguments(arguments);
        m_process.setProcessChannelMode(QProcess::ForwardedErrorChannel); // its log, for failures
        QObject::connect(&m_process, &QProcess::readyReadStandardOutput, &m_process, [this] {
            readOutput();
        });
    }
    ~Child()
    {
        if (m_process.state() != QProcess::NotRunning) {
            m_process.kill();
            m_process.waitForFinished(5000); // teardown only; nothing else needs the loop now
        }
    }

    QProcess &process() { return m_process; }
    bool isRunning() const { return m_process.state() != QProcess::NotRunning; }
    qint64 progress() const { return m_progress; }
    int progressLines() const { return m_progressLines; }
    QString result() const { return m_result; }
    QStringList resultFields() const { return m_result.split(QLatin1Char(' ')); }
    QString transcript() const { return m_lines.mid(qMax(0, m_lines.size() - 8)).join(u'\n'); }

    void start() { m_process.start(); }

    void readOutput()
    {
        m_pending += m_process.readAllStandardOutput();
        for (qsizetype nl = m_pending.indexOf('\n'); nl >= 0; nl = m_pending.indexOf('\n')) {
            const QString line = QString::fromUtf8(m_pending.left(nl));
            m_pending.remove(0, nl + 1);
            m_lines.append(line);
            if (line.startsWith(QLatin1String("progress "))) {
                m_progress = line.section(QLatin1Char(' '), 1, 1).toLongLong();
                ++m_progressLines;
            } else if (line.startsWith(QLatin1String("result "))) {
                m_result = line;
            }
        }
    }

private:
    QProcess m_process;
    QByteArray m_pending;
    QStringList m_lines;
    qint64 m_progress = -1;
    int m_progressLines = 0;
    QString m_result;
};

} // namespace

class tst_Crash : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void init();
    void cleanup();

    void killAndResume_data();
    void killAndResume();
    void twoProcessesOneStore();
    void takeoverAfterKill();

private:
    FaultTest::Entity serve(const QByteArray &path, qint64 size);
    QStringList childArguments(const QByteArray &path, const QStringList &extra = {}) const;
    QStringList longLeaseArguments(const QByteArray &path) const;
    Child *spawn(const QStringList &arguments);
    bool killAndReap(Child *child);
    bool waitForExit(Child *child);
    static bool succeeded(Child *child);
    QString outPath() const { return m_dir->filePath(QStringLiteral("downloads/file.bin")); }

    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<FaultServer> m_server;
    std::vector<std::unique_ptr<Child>> m_children;
    BackgroundTest::Watchdog m_watchdog{60s};
};

void tst_Crash::initTestCase()
{
    QVERIFY2(QFile::exists(QStringLiteral(CRASH_CHILD_PATH)), CRASH_CHILD_PATH);
}

void tst_Crash::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
    QVERIFY(QDir(m_dir->path()).mkpath(QStringLiteral("downloads")));
    m_server = std::make_unique<FaultServer>();
    QVERIFY(m_server->listen());
    m_watchdog.start();
}

void tst_Crash::cleanup()
{
    m_watchdog.stop();
    m_children.clear(); // kills whatever still runs
    m_server.reset();
    m_dir.reset();
}

FaultTest::Entity tst_Crash::serve(const QByteArray &path, qint64 size)
{
    FaultTest::Route route;
    route.entity.size = size;
    route.entity.seed = 20260901;
    route.then.throttle = kThrottle;
    m_server->setRoute(path, route);
    return route.entity;
}

QStringList tst_Crash::childArguments(const QByteArray &path, const QStringList &extra) const
{
    return QStringList{QStringLiteral("--store"),
                       m_dir->filePath(QStringLiteral("store.sqlite")),
                       QStringLiteral("--url"),
                       m_server->url(path).toString(),
                       QStringLiteral("--id"),
                       QStringLiteral("crash-file"),
                       QStringLiteral("--out"),
                       outPath()}
           + extra;
}

// With this lease timeout a fresh heartbeat never expires in a test: a second process can only
// wait for the first, or take its lease over because the first one's pid is gone.
QStringList tst_Crash::longLeaseArguments(const QByteArray &path) const
{
    return childArguments(path, {QStringLiteral("--lease-timeout-ms"), QStringLiteral("600000")});
}

Child *tst_Crash::spawn(const QStringList &arguments)
{
    m_children.push_back(std::make_unique<Child>(arguments));
    Child *child = m_children.back().get();
    child->start();
    return child;
}

bool tst_Crash::killAndReap(Child *child)
{
    QSignalSpy finished(&child->process(), &QProcess::finished);
    child->process().kill(); // SIGKILL on Unix: no destructor, no last checkpoint
    // Reaped, so its pid is gone for good and the next owner may take its lease over.
    return finished.wait(10000) && child->process().exitStatus() == QProcess::CrashExit;
}

bool tst_Crash::waitForExit(Child *child)
{
    if (child->isRunning()) {
        QSignalSpy finished(&child->process(), &QProcess::finished);
        if (!finished.wait(kStepTimeoutMs))
            return false;
    }
    child->readOutput();
    return true;
}

bool tst_Crash::succeeded(Child *child)
{
    return child->process().exitStatus() == QProcess::NormalExit
           && child->process().exitCode() == 0;
}

void tst_Crash::killAndResume_data()
{
    QTest::addColumn<QList<int>>("killAtPercent");
    QTest::addColumn<int>("checkpointMs");

    QTest::newRow("kill once at 50%") << QList<int>{50} << 1000;
    QTest::newRow("kill three times") << QList<int>{15, 45, 80} << 1000;
    // Checkpoints never happen after the first byte: only trusting the partial file's real
    // length (same boot) keeps the re-fetch small.
    QTest::newRow("kill three times, no checkpoints") << QList<int>{15, 45, 80} << 60000;
}

void tst_Crash::killAndResume()
{
    QFETCH(QList<int>, killAtPercent);
    QFETCH(int, checkpointMs);

    const QByteArray path = "/big.bin";
    const FaultTest::Entity entity = serve(path, 24 * MiB);
    QSignalSpy responsesOver(m_server.get(), &FaultServer::responseFinished);
    const QStringList args = childArguments(
            path, {QStringLiteral("--checkpoint-ms"), QString::number(checkpointMs)});

    for (const int percent : std::as_const(killAtPercent)) {
        Child *child = spawn(args);
        const qint64 target = entity.size * percent / 100;
        QTRY_VERIFY_WITH_TIMEOUT(child->progress() >= target || !child->isRunning(),
                                 kStepTimeoutMs);
        QVERIFY2(child->isRunning(), qPrintable(child->transcript()));
        QVERIFY(killAndReap(child));
        qInfo("killed at %lld of %lld bytes", child->progress(), entity.size);
    }

    Child *last = spawn(args);
    QVERIFY2(waitForExit(last), qPrintable(last->transcript()));
    QVERIFY2(succeeded(last), qPrintable(last->transcript()));
    QCOMPARE(fileSha256(outPath()), FaultServer::contentSha256(entity));
    const QStringList left
            = QDir(m_dir->filePath(QStringLiteral("downloads")))
                      .entryList(QDir::AllEntries | QDir::Hidden | QDir::NoDotAndDotDot);
    QCOMPARE(left, QStringList{QStringLiteral("file.bin")}); // no partial file stays

    // Every response must be over before its byte count is final.
    const int kills = int(killAtPercent.size());
    QTRY_COMPARE_WITH_TIMEOUT(responsesOver.size(), m_server->requestCount(path), kStepTimeoutMs);

    // Request i-1 ended where its bytes stopped; request i started where the restart resumed.
    const QList<FaultTest::RequestRecord> requests = m_server->requests(path);
    qint64 worst = 0;
    for (int i = 1; i < requests.size(); ++i) {
        const FaultTest::RequestRecord &before = requests.at(i - 1);
        const qint64 ended = bodyStart(before) + before.bodyBytesSent;
        const qint64 refetched = ended - bodyStart(requests.at(i));
        qInfo("request %d: previous one ended at %lld, this one resumed at %lld: re-fetched %lld",
              i,
              ended,
              bodyStart(requests.at(i)),
              refetched);
        QVERIFY2(refetched >= 0, "a restart skipped bytes it never received");
        worst = qMax(worst, refetched);
    }
    const qint64 total = m_server->bodyBytesSent(path) - entity.size;
    qInfo("re-fetched %lld bytes over %d kills, worst per kill %lld", total, kills, worst);
    QVERIFY2(total <= kills * kRefetchPerKill,
             qPrintable(QStringLiteral("re-fetched %1 bytes, more than %2 per kill")
                                .arg(total)
                                .arg(kRefetchPerKill)));

    QCOMPARE(requests.size(), kills + 1); // one request per process, no retries
    for (int i = 1; i < requests.size(); ++i) {
        // A restart asks for the rest, proving the entity is the one it has the start of.
        QCOMPARE(requests.at(i).status, 206);
        QCOMPARE(requests.at(i).header("If-Range"), entity.etag);
    }
    const QStringList fields = last->resultFields();
    QCOMPARE(fields.value(1), QStringLiteral("success"));
    QCOMPARE(fields.value(2), QStringLiteral("206"));
    QCOMPARE(fields.value(3).toLongLong(), entity.size);
    QVERIFY2(fields.value(4).toLongLong() > 0, qPrintable(last->result()));
}

void tst_Crash::twoProcessesOneStore()
{
    const QByteArray path = "/shared.bin";
    const FaultTest::Entity entity = serve(path, 12 * MiB);
    const QStringList args = longLeaseArguments(path); // B can only wait for A

    Child *a = spawn(args);
    QTRY_VERIFY_WITH_TIMEOUT(a->progress() > 0 || !a->isRunning(), kStepTimeoutMs);
    QVERIFY2(a->isRunning(), qPrintable(a->transcript()));

    Child *b = spawn(args);
    // B reports the owner's durable progress from the store while it waits.
    QTRY_VERIFY_WITH_TIMEOUT(b->progressLines() > 0 || !b->isRunning(), kStepTimeoutMs);
    QVERIFY2(a->isRunning(), "A finished before B joined; the overlap was not tested");
    QVERIFY2(b->isRunning(), qPrintable(b->transcript()));
    QCOMPARE(m_server->requestCount(path), 1);

    QVERIFY2(waitForExit(a), qPrintable(a->transcript()));
    QCOMPARE(a->process().exitCode(), 0);
    QCOMPARE(m_server->requestCount(path), 1); // B made no request while A lived
    QVERIFY2(waitForExit(b), qPrintable(b->transcript()));
    QVERIFY2(succeeded(b), qPrintable(b->transcript()));
    QCOMPARE(m_server->requestCount(path), 1); // ... nor after: it got A's kept result

    QCOMPARE(a->resultFields().value(1), QStringLiteral("success"));
    QCOMPARE(b->result(), a->result());
    QCOMPARE(fileSha256(outPath()), FaultServer::contentSha256(entity));
}

void tst_Crash::takeoverAfterKill()
{
    const QByteArray path = "/takeover.bin";
    const FaultTest::Entity entity = serve(path, 12 * MiB);
    const QStringList args = longLeaseArguments(path); // B takes over only because A is gone

    Child *a = spawn(args);
    QTRY_VERIFY_WITH_TIMEOUT(a->progress() >= entity.size * 4 / 10 || !a->isRunning(),
                             kStepTimeoutMs);
    QVERIFY2(a->isRunning(), qPrintable(a->transcript()));
    QVERIFY(killAndReap(a));

    Child *b = spawn(args);
    QVERIFY2(waitForExit(b), qPrintable(b->transcript()));
    QVERIFY2(succeeded(b), qPrintable(b->transcript()));
    const QStringList fields = b->resultFields();
    QCOMPARE(fields.value(1), QStringLiteral("success"));
    QVERIFY2(fields.value(4).toLongLong() > 0, qPrintable(b->result()));
    QCOMPARE(m_server->requestCount(path), 2);
    QVERIFY(!m_server->requests(path).at(1).header("Range").isEmpty());
    QCOMPARE(fileSha256(outPath()), FaultServer::contentSha256(entity));
}

QTEST_GUILESS_MAIN(tst_Crash)

#include "tst_crash.moc"
