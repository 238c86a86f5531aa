// Crash windows: a child process (crash_child for downloads, bgtransfer for uploads) runs with
// BACKGROUND_FAULT_POINT=<name> and kills itself at that durable step (doc/durability.md). The
// test checks what the crash left (files, store), then runs the same command again on the same
// store: the result is delivered exactly once, as Success, with the right bytes, the file in
// place and the store intact; a third run hands back the kept result without the network.
//
// "Delivered" means: a caller hears the result. A result committed before the crash was never
// heard, so the restart's networkResponse() hands back the kept one, and that is its delivery;
// it neither transfers nor publishes again.

#include "faultserver.h"
#include "networkresponse.h"
#include "testsupport.h"
#include "transferinfo.h"

#include <QtCore/QDir>
#include <QtCore/QFile>
#include <QtCore/QJsonDocument>
#include <QtCore/QJsonObject>
#include <QtCore/QProcess>
#include <QtCore/QTemporaryDir>
#include <QtSql/QSqlDatabase>
#include <QtSql/QSqlError>
#include <QtSql/QSqlQuery>
#include <QtTest/QSignalSpy>
#include <QtTest/QTest>

#include <memory>

#if defined(Q_OS_LINUX)
#include <csignal>
#include <sys/prctl.h>
#endif

using Background::NetworkResponse;
using Background::TransferInfo;
using BackgroundTest::fileSha256;
using FaultTest::FaultServer;
using namespace std::chrono_literals;

namespace {

constexpr qint64 kSize = 1024 * 1024 + 17;
constexpr int kStepTimeoutMs = 30000;
const QByteArray kPath = "/windows";
const QString kId = QStringLiteral("window");

enum class Kind { Download, Upload, Tus };

// One finished run of a child.
struct Run
{
    QProcess::ExitStatus status = QProcess::CrashExit;
    int exitCode = -1;
    QByteArray out;
    QByteArray err;
    // The result lines: crash_child's "result ..." lines, bgtransfer's JSON objects.
    QList<QByteArray> results;
    QString describe() const
    {
        return QStringLiteral("exit status %1, code %2\nstdout: %3\nstderr: %4")
                .arg(int(status))
                .arg(exitCode)
                .arg(QString::fromLocal8Bit(out), QString::fromLocal8Bit(err));
    }
};

// What the store holds, read through a read-only connection of our own.
struct StoreState
{
    QString integrity;
    int rows = -1;
    int state = -1;
    int outcome = -1;
    int leases = -1;
};

StoreState inspectStore(const QString &path)
{
    StoreState s;
    const QString name = QStringLiteral("tst_crashwindows");
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), name);
        db.setDatabaseName(path);
        db.setConnectOptions(QStringLiteral("QSQLITE_OPEN_READONLY"));
        if (db.open()) {
            QSqlQuery q(db);
            if (q.exec(QStringLiteral("PRAGMA integrity_check")) && q.next())
                s.integrity = q.value(0).toString();
            if (q.exec(QStringLiteral("SELECT count(*) FROM transfers")) && q.next())
                s.rows = q.value(0).toInt();
            if (q.exec(QStringLiteral("SELECT state, coalesce(outcome, -1) FROM transfers"))
                && q.next()) {
                s.state = q.value(0).toInt();
                s.outcome = q.value(1).toInt();
            }
            if (q.exec(QStringLiteral("SELECT count(*) FROM leases")) && q.next())
                s.leases = q.value(0).toInt();
        } else {
            s.integrity = db.lastError().text();
        }
    }
    QSqlDatabase::removeDatabase(name);
    return s;
}

} // namespace

Q_DECLARE_METATYPE(Kind)

class tst_CrashWindows : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void init();
    void cleanup();

    void crashAndRestart_data();
    void crashAndRestart();

private:
    Run runChild(Kind kind, const QByteArray &faultPoint);
    int requestsSoFar(Kind kind) const;
    QString storePath() const { return m_dir->filePath(QStringLiteral("store.sqlite")); }
    QString destination() const { return m_dir->filePath(QStringLiteral("out/file.bin")); }
    QString source() const { return m_dir->filePath(QStringLiteral("source.bin")); }
    QStringList leftInOut() const
    {
        return QDir(m_dir->filePath(QStringLiteral("out")))
                .entryList(QDir::AllEntries | QDir::Hidden | QDir::NoDotAndDotDot);
    }

    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<FaultServer> m_server;
    FaultTest::Entity m_entity;
    BackgroundTest::Watchdog m_watchdog{90s};
};

void tst_CrashWindows::initTestCase()
{
    QVERIFY2(QFile::exists(QStringLiteral(CRASH_CHILD_PATH)), CRASH_CHILD_PATH);
    QVERIFY2(QFile::exists(QStringLiteral(BGTRANSFER_PATH)), BGTRANSFER_PATH);
    m_entity.size = kSize;
    m_entity.seed = 20261128;
}

void tst_CrashWindows::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
    QVERIFY(QDir(m_dir->path()).mkpath(QStringLiteral("out")));
    m_server = std::make_unique<FaultServer>();
    QVERIFY(m_server->listen());
    m_watchdog.start();
}

void tst_CrashWindows::cleanup()
{
    m_watchdog.stop();
    m_server.reset();
    m_dir.reset();
}

// Runs the child to its end with the event loop turning (the server lives in this thread).
Run tst_CrashWindows::runChild(Kind kind, const QByteArray &faultPoint)
{
    QProcess p;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.remove(QStringLiteral("QT_LOGGING_RULES")); // stderr must hold only the fault line
    for (const char *name : {"http_proxy", "https_proxy", "all_proxy", "no_proxy"}) {
        env.remove(QString::fromLatin1(name));
        env.remove(QString::fromLatin1(name).toUpper());
    }
    env.insert(QStringLiteral("HOME"), m_dir->path());
    if (faultPoint.isEmpty())
        env.remove(QStringLiteral("BACKGROUND_FAULT_POINT"));
    else
        env.insert(QStringLiteral("BACKGROUND_FAULT_POINT"), QString::fromLatin1(faultPoint));
    p.setProcessEnvironment(env);
    p.setWorkingDirectory(m_dir->path());
#if defined(Q_OS_LINUX)
    p.setChildProcessModifier([] { ::prctl(PR_SET_PDEATHSIG, SIGKILL); });
#endif
    const QString url = m_server->url(kPath).toString();
    if (kind == Kind::Download) {
        p.start(QStringLiteral(CRASH_CHILD_PATH),
                {QStringLiteral("--store"),
                 storePath(),
                 QStringLiteral("--url"),
                 url,
                 QStringLiteral("--id"),
                 kId,
                 QStringLiteral("--out"),
                 destination()});
    } else {
        QStringList args = {QStringLiteral("--store"),
                            storePath(),
                            QStringLiteral("--json"),
                            QStringLiteral("upload"),
                            source(),
                            url,
                            QStringLiteral("--id"),
                            kId};
        if (kind == Kind::Tus)
            args << QStringLiteral("--tus");
        p.start(QStringLiteral(BGTRANSFER_PATH), args);
    }
    Run run;
    QSignalSpy finished(&p, &QProcess::finished);
    if (!p.waitForStarted(kStepTimeoutMs) || !finished.wait(kStepTimeoutMs)) {
        p.kill();
        p.waitForFinished(5000);
        run.err = "the child did not end in time";
        return run;
    }
    run.status = p.exitStatus();
    run.exitCode = p.exitCode();
    run.out = p.readAllStandardOutput();
    run.err = p.readAllStandardError();
    const QList<QByteArray> lines = run.out.split('\n');
    for (const QByteArray &line : lines) {
        if (line.startsWith("result ") || line.startsWith('{'))
            run.results.append(line);
    }
    return run;
}

int tst_CrashWindows::requestsSoFar(Kind kind) const
{
    if (kind == Kind::Upload)
        return int(m_server->uploads(kPath).size());
    return m_server->requestCount(kPath); // tus: every method on the route and its uploads
}

void tst_CrashWindows::crashAndRestart_data()
{
    QTest::addColumn<Kind>("kind");
    QTest::addColumn<QByteArray>("point");
    QTest::addColumn<bool>("committed");      // the result is in the store when the process dies
    QTest::addColumn<bool>("published");      // downloads: the destination is in place then
    QTest::addColumn<int>("restartRequests"); // what the restart asks of the server

    // Downloads. The complete partial file is resumed with Range, and the server's 416 says
    // it is all there (1 request); once renamed, the partial file is gone and the store does
    // not know the destination is the result: downloaded again (1 request).
    QTest::newRow("download.after-data-sync")
            << Kind::Download << QByteArray("download.after-data-sync") << false << false << 1;
    QTest::newRow("download.after-rename")
            << Kind::Download << QByteArray("download.after-rename") << false << true << 1;
    QTest::newRow("download.after-dir-sync")
            << Kind::Download << QByteArray("download.after-dir-sync") << false << true << 1;
    QTest::newRow("download result.after-commit")
            << Kind::Download << QByteArray("result.after-commit") << true << true << 0;
    QTest::newRow("download result.before-signal")
            << Kind::Download << QByteArray("result.before-signal") << true << true << 0;

    // Plain uploads cannot resume: answered but not committed, the body is sent again.
    QTest::newRow("upload.before-commit")
            << Kind::Upload << QByteArray("upload.before-commit") << false << false << 1;
    QTest::newRow("upload result.after-commit")
            << Kind::Upload << QByteArray("result.after-commit") << true << false << 0;
    QTest::newRow("upload result.before-signal")
            << Kind::Upload << QByteArray("result.before-signal") << true << false << 0;

    // tus: an upload created but not committed is orphaned and a new one made (POST, PATCH);
    // all bytes stored but not committed: HEAD shows the offset at the end.
    QTest::newRow("tus.after-create")
            << Kind::Tus << QByteArray("tus.after-create") << false << false << 2;
    QTest::newRow("tus.before-commit")
            << Kind::Tus << QByteArray("tus.before-commit") << false << false << 1;
    QTest::newRow("tus result.after-commit")
            << Kind::Tus << QByteArray("result.after-commit") << true << false << 0;
    QTest::newRow("tus result.before-signal")
            << Kind::Tus << QByteArray("result.before-signal") << true << false << 0;
}

void tst_CrashWindows::crashAndRestart()
{
    QFETCH(Kind, kind);
    QFETCH(QByteArray, point);
    QFETCH(bool, committed);
    QFETCH(bool, published);
    QFETCH(int, restartRequests);

    const QByteArray sha = FaultServer::contentSha256(m_entity);
    if (kind == Kind::Download) {
        FaultTest::Route route;
        route.entity = m_entity;
        m_server->setRoute(kPath, route);
    } else {
        QFile f(source());
        QVERIFY(f.open(QIODevice::WriteOnly));
        QVERIFY(FaultServer::writeContent(&f, m_entity));
        f.close();
        if (kind == Kind::Upload)
            m_server->setUploadRoute(kPath, FaultTest::UploadRoute());
        else
            m_server->setTusRoute(kPath, FaultTest::TusRoute());
    }
    const int expectedStatus = kind == Kind::Upload ? 201 : (kind == Kind::Tus ? 204 : 200);

    // 1. Killed at the fault point, before anyone heard a result.
    const Run crashed = runChild(kind, point);
    QVERIFY2(crashed.status == QProcess::CrashExit, qPrintable(crashed.describe()));
    // The library's log may come before it; nothing comes after.
    QCOMPARE(QString::fromLocal8Bit(crashed.err.trimmed().split('\n').last()),
             QStringLiteral("background: fault point %1 reached, killing the process")
                     .arg(QString::fromLatin1(point)));
    QVERIFY2(crashed.results.isEmpty(), qPrintable(crashed.describe()));
    const int requestsAtCrash = requestsSoFar(kind);

    // What the crash left: the durable steps before the point are done, none after it.
    StoreState store = inspectStore(storePath());
    QCOMPARE(store.integrity, QStringLiteral("ok"));
    QCOMPARE(store.rows, 1);
    QCOMPARE(store.state == int(TransferInfo::State::Finished), committed);
    if (committed)
        QCOMPARE(store.outcome, int(NetworkResponse::Outcome::Success));
    if (kind == Kind::Download) {
        QCOMPARE(QFile::exists(destination()), published);
        if (published) {
            QCOMPARE(fileSha256(destination()), sha);
            QCOMPARE(leftInOut(), QStringList{QStringLiteral("file.bin")});
        } else {
            QCOMPARE(leftInOut().size(), 1); // the complete partial file, not yet renamed
        }
    }

    // 2. The restart delivers the result once.
    const Run restarted = runChild(kind, QByteArray());
    QVERIFY2(restarted.status == QProcess::NormalExit && restarted.exitCode == 0,
             qPrintable(restarted.describe()));
    QVERIFY2(!restarted.err.contains("fault point"), restarted.err.constData());
    QCOMPARE(restarted.results.size(), 1);
    QCOMPARE(requestsSoFar(kind) - requestsAtCrash, restartRequests);
    const int requestsAfterRestart = requestsSoFar(kind);

    // One result in the words of each child: (outcome, status, bytes).
    const auto fieldsOf = [kind](const QByteArray &line) {
        if (kind == Kind::Download) {
            const QList<QByteArray> f = line.split(' ');
            return QStringList{QString::fromLatin1(f.value(1)),
                               QString::fromLatin1(f.value(2)),
                               QString::fromLatin1(f.value(3))};
        }
        const QJsonObject o = QJsonDocument::fromJson(line).object();
        return QStringList{o.value(QStringLiteral("outcome")).toString(),
                           QString::number(o.value(QStringLiteral("httpStatus")).toInt()),
                           QString::number(o.value(QStringLiteral("bytes")).toInteger())};
    };
    const QStringList delivered = fieldsOf(restarted.results.first());
    QCOMPARE(delivered.value(0), QStringLiteral("success"));
    QCOMPARE(delivered.value(2).toLongLong(), kSize);
    // A kept result says what the first run saw; a live one what the restart saw (206 or 416
    // for a resumed download, 200 for tus's HEAD).
    if (committed)
        QCOMPARE(delivered.value(1).toInt(), expectedStatus);

    if (kind == Kind::Download) {
        QCOMPARE(fileSha256(destination()), sha);
        QCOMPARE(leftInOut(), QStringList{QStringLiteral("file.bin")}); // no partial file
        // A complete partial file is not fetched again: the server only confirms its size.
        if (restartRequests > 0 && !published)
            QCOMPARE(m_server->requests(kPath).last().status, 416);
    } else if (kind == Kind::Upload) {
        const QList<FaultTest::ReceivedUpload> got = m_server->uploads(kPath);
        QCOMPARE(got.last().sha256, sha);
    } else {
        const QList<FaultTest::TusUpload> uploads = m_server->tusUploads(kPath);
        QCOMPARE(uploads.last().offset, kSize);
        QCOMPARE(uploads.last().sha256, sha);
    }
    store = inspectStore(storePath());
    QCOMPARE(store.integrity, QStringLiteral("ok"));
    QCOMPARE(store.rows, 1);
    QCOMPARE(store.state, int(TransferInfo::State::Finished));
    QCOMPARE(store.outcome, int(NetworkResponse::Outcome::Success));
    QCOMPARE(store.leases, 0);

    // 3. Asked again, the kept result comes back without the network.
    const Run again = runChild(kind, QByteArray());
    QVERIFY2(again.status == QProcess::NormalExit && again.exitCode == 0,
             qPrintable(again.describe()));
    QCOMPARE(again.results.size(), 1);
    QCOMPARE(fieldsOf(again.results.first()), delivered);
    QCOMPARE(requestsSoFar(kind), requestsAfterRestart);
    if (kind == Kind::Download)
        QCOMPARE(fileSha256(destination()), sha);
    QCOMPARE(inspectStore(storePath()).integrity, QStringLiteral("ok"));
}

QTEST_GUILESS_MAIN(tst_CrashWindows)

#include "tst_crashwindows.moc"
