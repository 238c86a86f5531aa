// Kill torture (issue 6): a child process downloading (crash_child) and one doing a rate-limited
// tus upload (the real bgtransfer) are SIGKILLed at random moments and started again on the same
// store, again and again. The kills are spread over runs: each run is one transfer of a few MiB,
// killed a few times, then let finish and checked byte for byte. At the end the store must pass
// SQLite's integrity check.
//
// BACKGROUND_STRESS_KILLS=N: kills per scenario (default: 20 for the download, 10 for tus).
// BACKGROUND_STRESS_SEED=S: the kill moments of a printed seed again (timing still varies).
// BACKGROUND_STRESS_KEEP=1 keeps a failed test's directory; TST_KILLTORTURE_CHILD_LOGGING=1 turns
// the children's log on (it goes to the failure message); BACKGROUND_STRESS_VERBOSE=1 prints a
// line per kill.
//
// A kill is armed when the transfer passed a random byte offset (the child's progress lines for
// the download, the server's offset for tus) and lands a random 0-100 ms later, so it hits
// reading, writing, checkpointing and finishing alike. Re-transfer per kill: what the server had
// to send again (download: where the killed request's body ended minus where the next request's
// Range started) or read again (tus: bytes read but not kept after the restart).

#include "faultserver.h"
#include "testsupport.h"

#include <QtCore/QDir>
#include <QtCore/QFile>
#include <QtCore/QJsonDocument>
#include <QtCore/QJsonObject>
#include <QtCore/QProcess>
#include <QtCore/QRandomGenerator>
#include <QtCore/QTemporaryDir>
#include <QtCore/QTimer>
#include <QtSql/QSqlDatabase>
#include <QtSql/QSqlError>
#include <QtSql/QSqlQuery>
#include <QtTest/QSignalSpy>
#include <QtTest/QTest>

#include <algorithm>
#include <memory>

using BackgroundTest::fileSha256;
using FaultTest::FaultServer;
using namespace std::chrono_literals;

namespace {

constexpr qint64 KiB = 1024;
constexpr qint64 MiB = 1024 * KiB;
constexpr qint64 kMinSize = 2 * MiB; // per run, plus up to kExtraSize more
constexpr qint64 kExtraSize = 3 * MiB;
constexpr qint64 kRate = 8 * MiB; // download: the server's throttle; tus: the client's limit
constexpr int kMinKillsPerRun = 2;
constexpr int kMaxKillsPerRun = 4;
constexpr int kMaxKillDelayMs = 100;
constexpr int kStepTimeoutMs = 30000;

int killTarget(int fallback)
{
    bool ok = false;
    const int n = qEnvironmentVariableIntValue("BACKGROUND_STRESS_KILLS", &ok);
    return ok && n > 0 ? n : fallback;
}

quint32 stressSeed()
{
    bool ok = false;
    const uint s = QString::fromLocal8Bit(qgetenv("BACKGROUND_STRESS_SEED")).toUInt(&ok);
    return ok ? s : QRandomGenerator::system()->generate();
}

// BACKGROUND_STRESS_VERBOSE=1: a line per kill.
bool verbose()
{
    return qEnvironmentVariableIsSet("BACKGROUND_STRESS_VERBOSE");
}

qint64 randomSize(QRandomGenerator &rng)
{
    return kMinSize + qint64(rng.bounded(quint32(kExtraSize)));
}

// Byte offsets at which one run's kills are armed, rising, between 5% and 90% of the size. One
// kill may land beyond the next offset; the next attempt is then killed once its bytes flow.
QList<qint64> killOffsets(QRandomGenerator &rng, int count, qint64 size)
{
    QList<qint64> out;
    for (int i = 0; i < count; ++i)
        out.append(size / 20 + qint64(rng.bounded(quint32(size * 17 / 20))));
    std::sort(out.begin(), out.end());
    return out;
}

// Where the body of a recorded download request started in the entity (416: where it would
// have, the end: the killed attempt had it all).
qint64 bodyStart(const FaultTest::RequestRecord &r)
{
    if (r.status != 206 && r.status != 416)
        return 0;
    const QByteArray range = r.header("Range");
    if (!range.startsWith("bytes="))
        return 0;
    return range.mid(6, range.indexOf('-') - 6).toLongLong();
}

// PRAGMA integrity_check of the store: "ok", or what is wrong.
QString storeIntegrity(const QString &path)
{
    const QString name = QStringLiteral("killtorture-integrity");
    QString verdict;
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), name);
        db.setDatabaseName(path);
        if (!db.open()) {
            verdict = db.lastError().text();
        } else {
            QSqlQuery q(db);
            if (!q.exec(QStringLiteral("PRAGMA integrity_check"))) {
                verdict = q.lastError().text();
            } else {
                QStringList rows;
                while (q.next())
                    rows.append(q.value(0).toString());
                verdict = rows.join(u'\n');
            }
        }
    }
    QSqlDatabase::removeDatabase(name);
    return verdict;
}

// One scenario's tally.
struct Tally
{
    int runs = 0;
    QList<qint64> perKill;

    int kills() const { return int(perKill.size()); }
    void print(const char *scenario, quint32 seed) const
    {
        QList<qint64> sorted = perKill;
        std::sort(sorted.begin(), sorted.end());
        const qsizetype n = sorted.size();
        qint64 median = 0;
        if (n > 0)
            median = n % 2 ? sorted.at(n / 2) : (sorted.at(n / 2 - 1) + sorted.at(n / 2)) / 2;
        qint64 total = 0;
        for (const qint64 b : std::as_const(sorted))
            total += b;
        qInfo("%s: %d kills in %d runs, all byte-identical; re-transferred per kill: median %lld, "
              "worst %lld bytes (in all %lld); seed %u",
              scenario,
              kills(),
              runs,
              median,
              n == 0 ? 0 : sorted.last(),
              total,
              seed);
    }
};

} // namespace

class tst_KillTorture : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void init();
    void cleanup();

    void download();
    void tusUpload();

private:
    void startWatchdog(int kills);
    QString storePath() const { return m_dir->filePath(QStringLiteral("store.sqlite")); }
    QProcess *spawn(const QString &program, const QStringList &arguments);
    using RunFunction = void (tst_KillTorture::*)(QRandomGenerator &, int, int, Tally *);
    // Runs of `runOnce` until `target` kills landed, then the store check and the tally.
    void runScenario(const char *name, int target, RunFunction runOnce);
    void downloadRun(QRandomGenerator &rng, int run, int plannedKills, Tally *tally);
    void tusRun(QRandomGenerator &rng, int run, int plannedKills, Tally *tally);

    quint32 m_seed = 0;
    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<FaultServer> m_server;
    std::unique_ptr<BackgroundTest::ChildProcesses> m_children;
    std::unique_ptr<BackgroundTest::Watchdog> m_watchdog;
};

void tst_KillTorture::initTestCase()
{
    QVERIFY2(QFile::exists(QStringLiteral(CRASH_CHILD_PATH)), CRASH_CHILD_PATH);
    QVERIFY2(QFile::exists(QStringLiteral(BGTRANSFER_PATH)), BGTRANSFER_PATH);
    QVERIFY(QSqlDatabase::isDriverAvailable(QStringLiteral("QSQLITE")));
    m_seed = stressSeed();
    qInfo("seed %u (BACKGROUND_STRESS_SEED=%u replays the kill moments)", m_seed, m_seed);
}

void tst_KillTorture::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
    QVERIFY(QDir(m_dir->path()).mkpath(QStringLiteral("downloads")));
    QVERIFY(QDir(m_dir->path()).mkpath(QStringLiteral("sources")));
    m_server = std::make_unique<FaultServer>();
    QVERIFY(m_server->listen());
}

void tst_KillTorture::cleanup()
{
    if (QTest::currentTestFailed() && qEnvironmentVariableIsSet("BACKGROUND_STRESS_KEEP")) {
        m_dir->setAutoRemove(false); // the store, partial files and results, to look into
        qInfo("kept %s", qPrintable(m_dir->path()));
    }
    if (m_watchdog)
        m_watchdog->stop();
    m_watchdog.reset();
    m_children.reset(); // kills whatever still runs
    m_server.reset();
    m_dir.reset();
}

// A kill costs a process start and a little transfer: well under 2 s even under AddressSanitizer.
void tst_KillTorture::startWatchdog(int kills)
{
    m_watchdog = std::make_unique<BackgroundTest::Watchdog>(60s + kills * 2s);
    m_watchdog->start();
}

QProcess *tst_KillTorture::spawn(const QString &program, const QStringList &arguments)
{
    // One set per run, so a thousand kills do not keep a thousand QProcess objects.
    if (!m_children)
        m_children = std::make_unique<BackgroundTest::ChildProcesses>(m_dir->path());
    return m_children->start(program, arguments, "TST_KILLTORTURE_CHILD_LOGGING");
}

void tst_KillTorture::download()
{
    runScenario("download", killTarget(20), &tst_KillTorture::downloadRun);
}

void tst_KillTorture::runScenario(const char *name, int target, RunFunction runOnce)
{
    startWatchdog(target);
    QRandomGenerator rng(m_seed);
    Tally tally;
    for (int run = 0; tally.kills() < target; ++run) {
        // Kills that do not land (the run finished first) move on to the next run; a run
        // always lands at least one unless the transfer outruns every kill.
        QVERIFY2(run < 2 * target + 10, "the kills do not land: every run ends before them");
        const int planned = qMin(int(rng.bounded(kMinKillsPerRun, kMaxKillsPerRun + 1)),
                                 target - tally.kills());
        (this->*runOnce)(rng, run, planned, &tally);
        if (QTest::currentTestFailed())
            return;
        ++tally.runs;
    }
    const QString integrity = storeIntegrity(storePath());
    QVERIFY2(integrity == QLatin1String("ok"), qPrintable(integrity));
    tally.print(name, m_seed);
}

void tst_KillTorture::downloadRun(QRandomGenerator &rng, int run, int plannedKills, Tally *tally)
{
    const QByteArray path = "/dl" + QByteArray::number(run) + ".bin";
    FaultTest::Route route;
    route.entity.size = randomSize(rng);
    route.entity.seed = 20261128 + quint32(run);
    route.entity.etag = "\"run" + QByteArray::number(run) + '"';
    route.then.throttle = kRate; // little in flight when the child dies, and time to kill it
    m_server->setRoute(path, route);
    const FaultTest::Entity &entity = route.entity;
    QSignalSpy responsesOver(m_server.get(), &FaultServer::responseFinished);

    const QString out = m_dir->filePath(QStringLiteral("downloads/run%1.bin").arg(run));
    const QStringList args = {QStringLiteral("--store"),
                              storePath(),
                              QStringLiteral("--url"),
                              m_server->url(path).toString(),
                              QStringLiteral("--id"),
                              QStringLiteral("dl-%1").arg(run),
                              QStringLiteral("--out"),
                              out,
                              QStringLiteral("--checkpoint-ms"),
                              QString::number(rng.bounded(20, 1000))};
    const QList<qint64> killAt = killOffsets(rng, plannedKills, entity.size);

    QList<int> firstRequest; // per attempt: its first request's index in requests(path)
    QList<qint64> killedAtProgress;
    QString lastResult;
    QByteArray transcript;
    for (int attempt = 0;; ++attempt) {
        const qint64 threshold = attempt < killAt.size() ? killAt.at(attempt) : -1;
        const int delayMs = int(rng.bounded(kMaxKillDelayMs + 1));
        firstRequest.append(m_server->requestCount(path));
        QProcess *p = spawn(QStringLiteral(CRASH_CHILD_PATH), args);
        QSignalSpy finished(p, &QProcess::finished);
        QTimer killer;
        killer.setSingleShot(true);
        killer.setInterval(delayMs);
        bool killed = false;
        qint64 progress = -1;
        connect(&killer, &QTimer::timeout, p, [&] {
            if (p->state() == QProcess::NotRunning)
                return;
            killed = true;
            p->kill(); // SIGKILL: no destructor, no last checkpoint
        });
        QByteArray pending;
        const auto readLines = [&] {
            pending += p->readAllStandardOutput();
            for (qsizetype nl = pending.indexOf('\n'); nl >= 0; nl = pending.indexOf('\n')) {
                const QByteArray line = pending.left(nl);
                pending.remove(0, nl + 1);
                transcript += line + '\n';
                if (line.startsWith("progress "))
                    progress = line.split(' ').value(1).toLongLong();
                else if (line.startsWith("result "))
                    lastResult = QString::fromUtf8(line);
            }
            // Armed only once this attempt's own request has bytes on the way: a kill that
            // lands mid-transfer, whatever the attempt resumed from.
            if (threshold < 0 || killer.isActive() || killed || progress < threshold
                || m_server->requestCount(path) <= firstRequest.last()
                || m_server->requests(path).last().bodyBytesSent == 0) {
                return;
            }
            killer.start();
        };
        // Unhooked before this attempt's locals go away.
        const QMetaObject::Connection reader
                = connect(p, &QProcess::readyReadStandardOutput, p, readLines);
        const bool ended = finished.wait(kStepTimeoutMs) || !finished.isEmpty();
        disconnect(reader);
        QVERIFY2(ended,
                 qPrintable(QStringLiteral("run %1 attempt %2 hangs: %3")
                                    .arg(run)
                                    .arg(attempt)
                                    .arg(QString::fromUtf8(transcript.right(400)))));
        readLines();
        const QByteArray err = p->readAllStandardError();
        if (killed && p->exitStatus() == QProcess::CrashExit) {
            killedAtProgress.append(progress);
            continue;
        }
        // Not killed (or it ended just before): this attempt must have finished the run.
        QVERIFY2(p->exitStatus() == QProcess::NormalExit && p->exitCode() == 0,
                 qPrintable(QStringLiteral("run %1 attempt %2 failed (exit %3): %4%5")
                                    .arg(run)
                                    .arg(attempt)
                                    .arg(p->exitCode())
                                    .arg(QString::fromUtf8(transcript.right(400)),
                                         QString::fromLocal8Bit(err))));
        break;
    }
    m_children.reset();

    // The result: the served bytes, in place, with no partial file left beside it.
    const QStringList fields = lastResult.split(u' ');
    QCOMPARE(fields.value(1), QStringLiteral("success"));
    QCOMPARE(fields.value(3).toLongLong(), entity.size);
    QCOMPARE(fileSha256(out), FaultServer::contentSha256(entity));
    QCOMPARE(BackgroundTest::partialFiles(out), QStringList());

    // Every response must be over before its byte count is final.
    const auto overHere = [&] {
        return std::count_if(
                responsesOver.cbegin(), responsesOver.cend(), [&](const QList<QVariant> &a) {
                    return a.at(0).toByteArray() == path;
                });
    };
    QTRY_COMPARE_WITH_TIMEOUT(int(overHere()), m_server->requestCount(path), kStepTimeoutMs);

    // Kill k ended attempt k: its last request stopped where its body stopped; attempt k + 1's
    // first request (if it needed one) started where the restart resumed.
    const QList<FaultTest::RequestRecord> requests = m_server->requests(path);
    const int kills = int(killedAtProgress.size());
    for (int k = 0; k < kills; ++k) {
        const int next = firstRequest.at(k + 1);
        const int nextEnd
                = k + 2 < firstRequest.size() ? firstRequest.at(k + 2) : int(requests.size());
        QVERIFY(next > firstRequest.at(k)); // armed only with a request of its own
        const FaultTest::RequestRecord &killedRequest = requests.at(next - 1);
        const qint64 ended = bodyStart(killedRequest) + killedRequest.bodyBytesSent;
        const qint64 resumed = next < nextEnd ? bodyStart(requests.at(next)) : ended;
        QVERIFY2(resumed <= ended,
                 qPrintable(QStringLiteral("run %1: after kill %2 the restart resumed at %3, but "
                                           "the server had only sent up to %4")
                                    .arg(run)
                                    .arg(k + 1)
                                    .arg(resumed)
                                    .arg(ended)));
        tally->perKill.append(ended - resumed);
        if (verbose()) {
            qInfo("run %d kill %d: progress %lld, request %d (%d) ended at %lld, next resumed at "
                  "%lld (status %d; 0: it needed no request)",
                  run,
                  k + 1,
                  killedAtProgress.at(k),
                  next - 1,
                  killedRequest.status,
                  ended,
                  resumed,
                  next < nextEnd ? requests.at(next).status : 0);
        }
    }
}

void tst_KillTorture::tusUpload()
{
    runScenario("tus upload", killTarget(10), &tst_KillTorture::tusRun);
}

void tst_KillTorture::tusRun(QRandomGenerator &rng, int run, int plannedKills, Tally *tally)
{
    // A route per run keeps its records (scanned on every progress report) short.
    const QByteArray route = "/tus" + QByteArray::number(run);
    m_server->setTusRoute(route, FaultTest::TusRoute());
    QSignalSpy requestsOver(m_server.get(), &FaultServer::tusRequestFinished);

    FaultTest::Entity content;
    content.size = randomSize(rng);
    content.seed = 20261129 + quint32(run);
    const QString src = m_dir->filePath(QStringLiteral("sources/run%1.bin").arg(run));
    {
        QFile f(src);
        QVERIFY(f.open(QIODevice::WriteOnly));
        QVERIFY(FaultServer::writeContent(&f, content));
    }
    const QByteArray srcSha = fileSha256(src);

    // Whole remainder, or chunks: kills then also fall between PATCHes and on lost answers.
    const qint64 chunkSizes[] = {0, 256 * KiB, 1 * MiB};
    const qint64 chunkSize = chunkSizes[rng.bounded(3)];
    QStringList command = {QStringLiteral("--store"),
                           storePath(),
                           QStringLiteral("--json"),
                           QStringLiteral("--limit-rate"),
                           QString::number(kRate),
                           QStringLiteral("upload"),
                           src,
                           m_server->url(route).toString(),
                           QStringLiteral("--id"),
                           QStringLiteral("tus-%1").arg(run),
                           QStringLiteral("--tus")};
    if (chunkSize > 0)
        command << QStringLiteral("--chunk-size") << QString::number(chunkSize);
    const QList<qint64> killAt = killOffsets(rng, plannedKills, content.size);

    const auto offset = [&] {
        const QList<FaultTest::TusUpload> uploads = m_server->tusUploads(route);
        return uploads.isEmpty() ? qint64(0) : uploads.first().offset;
    };
    // Taken as each attempt ends: bytes the server read so far, and bytes it kept.
    struct Snapshot
    {
        qint64 read = 0;
        qint64 kept = 0;
    };
    QList<Snapshot> snapshots = {Snapshot{}};
    QByteArray out;
    QByteArray err;
    for (int attempt = 0;; ++attempt) {
        const qint64 threshold = attempt < killAt.size() ? killAt.at(attempt) : -1;
        const int delayMs = int(rng.bounded(kMaxKillDelayMs + 1));
        const qsizetype firstPatch = m_server->uploads(route).size();
        QProcess *p = spawn(QStringLiteral(BGTRANSFER_PATH), command);
        QSignalSpy finished(p, &QProcess::finished);
        QTimer killer;
        killer.setSingleShot(true);
        killer.setInterval(delayMs);
        bool killed = false;
        connect(&killer, &QTimer::timeout, p, [&] {
            if (p->state() == QProcess::NotRunning)
                return;
            killed = true;
            p->kill();
        });
        // Armed from the server's offset once a PATCH of this attempt arrives: bytes the dead
        // one left in flight do not count.
        const QMetaObject::Connection trigger = connect(
                m_server.get(), &FaultServer::uploadProgress, p, [&](const QByteArray &path) {
                    if (path != route || threshold < 0 || killer.isActive() || killed
                        || m_server->uploads(route).size() <= firstPatch || offset() < threshold) {
                        return;
                    }
                    killer.start();
                });
        const bool ended = finished.wait(kStepTimeoutMs) || !finished.isEmpty();
        disconnect(trigger);
        QVERIFY2(ended,
                 qPrintable(QStringLiteral("run %1 attempt %2 hangs").arg(run).arg(attempt)));
        out = p->readAllStandardOutput();
        err = p->readAllStandardError();
        // Restarted at once: what the dead one had in flight may still arrive and is kept.
        snapshots.append({m_server->tusBytesReceived(route), offset()});
        if (killed && p->exitStatus() == QProcess::CrashExit) {
            if (verbose()) {
                qInfo("run %d (chunks %lld) kill %d: server offset %lld, read %lld",
                      run,
                      chunkSize,
                      attempt + 1,
                      snapshots.last().kept,
                      snapshots.last().read);
            }
            continue;
        }
        QVERIFY2(
                p->exitStatus() == QProcess::NormalExit && p->exitCode() == 0,
                qPrintable(QStringLiteral("run %1 attempt %2 failed (exit %3): %4%5")
                                   .arg(run)
                                   .arg(attempt)
                                   .arg(p->exitCode())
                                   .arg(QString::fromLocal8Bit(out), QString::fromLocal8Bit(err))));
        break;
    }
    m_children.reset();
    QVERIFY2(err.isEmpty(), err.constData());

    // Every request is over, so the counts are final.
    const auto overHere = [&] {
        return std::count_if(
                requestsOver.cbegin(), requestsOver.cend(), [&](const QList<QVariant> &a) {
                    return a.at(0).toByteArray() == route;
                });
    };
    QTRY_COMPARE_WITH_TIMEOUT(int(overHere()), m_server->requestCount(route), kStepTimeoutMs);
    snapshots.last() = {m_server->tusBytesReceived(route), offset()};

    // One upload, created once, holding the source byte for byte.
    const QList<FaultTest::TusUpload> uploads = m_server->tusUploads(route);
    QCOMPARE(uploads.size(), 1);
    QCOMPARE(uploads.first().offset, content.size);
    QCOMPARE(uploads.first().sha256, srcSha);
    QCOMPARE(fileSha256(uploads.first().file), srcSha);
    QJsonParseError jsonError;
    const QJsonObject o = QJsonDocument::fromJson(out.trimmed(), &jsonError).object();
    QVERIFY2(jsonError.error == QJsonParseError::NoError, out.constData());
    QCOMPARE(o.value(QStringLiteral("outcome")).toString(), QStringLiteral("success"));
    QCOMPARE(o.value(QStringLiteral("bytes")).toInteger(), content.size);

    // The attempt after kill k pays for it: bytes the server read then but did not keep.
    for (qsizetype k = 2; k < snapshots.size(); ++k) {
        const qint64 read = snapshots.at(k).read - snapshots.at(k - 1).read;
        const qint64 kept = snapshots.at(k).kept - snapshots.at(k - 1).kept;
        tally->perKill.append(read - kept);
    }
}

int main(int argc, char **argv)
{
    // QtTest's own watchdog ends a test function after 5 minutes; a long run takes longer, and
    // each function has its watchdog sized by its kill count.
    if (!qEnvironmentVariableIsSet("QTEST_FUNCTION_TIMEOUT")) {
        const qint64 ms = qMax<qint64>(300, 120 + qint64(killTarget(20)) * 3) * 1000;
        qputenv("QTEST_FUNCTION_TIMEOUT", QByteArray::number(ms));
    }
    QCoreApplication app(argc, argv);
    tst_KillTorture test;
    QTEST_SET_MAIN_SOURCE_PATH
    return QTest::qExec(&test, argc, argv);
}

#include "tst_killtorture.moc"
