// Runs the real bgtransfer binary, as a user would, against a FaultServer in this process.
// The server lives on this thread's event loop, so children are awaited with QSignalSpy and
// never with waitForFinished(), which would starve the server.

#include "clitestutil.h"
#include "faultserver.h"

#include <QtCore/QDir>
#include <QtCore/QFileInfo>
#include <QtCore/QRegularExpression>
#include <QtCore/QTemporaryDir>
#include <QtCore/QTimer>
#include <QtNetwork/QTcpServer>
#include <QtTest/QSignalSpy>
#include <QtTest/QTest>

#include <memory>
#include <vector>

#ifdef Q_OS_LINUX
#include <sys/resource.h>
#endif

using namespace CliTest;
using namespace FaultTest;

Q_DECLARE_METATYPE(FaultTest::Route)

namespace {
constexpr int kRunTimeoutMs = 30000;
constexpr int kWatchdogMs = 55000;
} // namespace

class tst_Cli : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void init();
    void cleanup();

    void download_data();
    void download();
    void outcomes_data();
    void outcomes();
    void usageErrors_data();
    void usageErrors();
    void badInput_data();
    void badInput();
    void resultIsKept_data();
    void resultIsKept();
    void forgetThenResult();
    void list();
    void cancelAfterKill();
    void resumeAfterKill_data();
    void resumeAfterKill();
    void resumeLeavesSensitiveHeadersBehind();
    void resumeWorstStatusWins();
    void storeError();
    void memoryStaysBounded();

private:
    QStringList store() const { return {"--store", m_store}; }
    QStringList download(const QByteArray &route, const QString &dest, const QString &id) const
    {
        return {"download", m_server.url(route).toString(), "-o", dest, "--id", id};
    }
    QString path(const QString &name) const { return m_dir->filePath(name); }
    QByteArray routePath() const;
    QProcess *start(const QStringList &arguments) { return m_runner->start(arguments); }
    Run run(const QStringList &arguments, int timeoutMs = kRunTimeoutMs)
    {
        return m_runner->run(arguments, timeoutMs);
    }
    // Starts a download against a throttled route and SIGKILLs it once bytes are on disk.
    bool startAndKill(const QByteArray &route, const QString &id, const QString &destination);
    QList<QJsonObject> listJson(QString *error);

    FaultServer m_server;
    std::unique_ptr<QTemporaryDir> m_dir;
    QString m_store;
    QTimer m_watchdog;
    std::unique_ptr<Runner> m_runner;
};

void tst_Cli::initTestCase()
{
    QVERIFY2(QFileInfo(BGTRANSFER_PATH).isExecutable(), BGTRANSFER_PATH);
    QVERIFY(m_server.listen());
    m_watchdog.setSingleShot(true);
    m_watchdog.setInterval(kWatchdogMs);
    connect(&m_watchdog, &QTimer::timeout, this, [] {
        qFatal("tst_cli watchdog: %s did not finish in time", QTest::currentTestFunction());
    });
}

void tst_Cli::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
    m_store = path("store.sqlite");
    m_runner = std::make_unique<Runner>(m_dir->path());
    m_watchdog.start();
}

void tst_Cli::cleanup()
{
    m_watchdog.stop();
    m_runner.reset(); // kills what a failed test left running
    m_dir.reset();
}

QByteArray tst_Cli::routePath() const
{
    QByteArray tag = QByteArray(QTest::currentDataTag()).toLower();
    tag.replace(' ', '-');
    return '/' + QByteArray(QTest::currentTestFunction()) + '/' + tag;
}

bool tst_Cli::startAndKill(const QByteArray &route, const QString &id, const QString &destination)
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

QList<QJsonObject> tst_Cli::listJson(QString *error)
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

void tst_Cli::download_data()
{
    QTest::addColumn<bool>("json");
    QTest::newRow("json") << true;
    QTest::newRow("human") << false;
}

void tst_Cli::download()
{
    QFETCH(bool, json);
    const QByteArray route = routePath();
    const Route r = plainRoute(3 * MiB + 17);
    m_server.setRoute(route, r);
    const QString dest = path("file.bin");

    const Run run = this->run(store() + (json ? args("--json") : QStringList())
                              + download(route, dest, "dl-1"));
    QVERIFY2(run.exitCode == 0, qPrintable(describe(run)));
    QVERIFY2(stderrProblem(run).isEmpty(), qPrintable(describe(run)));
    QCOMPARE(fileSha256(dest), FaultServer::contentSha256(r.entity));
    QVERIFY(partialFiles(dest).isEmpty());

    const QList<QByteArray> lines = nonEmptyLines(run.out);
    QCOMPARE(lines.size(), 1);
    if (json) {
        QString error;
        const QJsonObject o = parseObject(lines.first(), &error);
        QVERIFY2(error.isEmpty(), qPrintable(error));
        QCOMPARE(o.value("identifier").toString(), "dl-1");
        QCOMPARE(o.value("outcome").toString(), "success");
        QCOMPARE(o.value("httpStatus").toInt(), 200);
        QCOMPARE(o.value("file").toString(), dest);
        QCOMPARE(o.value("bytes").toInteger(), r.entity.size);
        QVERIFY(o.value("retryAfter").isNull());
        QCOMPARE(o.value("attempts").toInt(), 1);
        QCOMPARE(o.value("resumedFrom").toInteger(), 0);
        QVERIFY(o.value("error").isNull());
    } else {
        QCOMPARE(QString::fromLocal8Bit(lines.first()),
                 QString("dl-1: success, 200, %1 bytes -> %2").arg(r.entity.size).arg(dest));
    }
}

void tst_Cli::outcomes_data()
{
    QTest::addColumn<Route>("route");
    QTest::addColumn<QString>("url"); // empty: the route's URL
    QTest::addColumn<QStringList>("globalArgs");
    QTest::addColumn<QStringList>("downloadArgs");
    QTest::addColumn<int>("exitCode");
    QTest::addColumn<QString>("outcome");
    QTest::addColumn<int>("httpStatus");
    QTest::addColumn<int>("retryAfter"); // -1: null
    QTest::addColumn<QString>("errorCode");

    const QStringList none;
    QTest::newRow("404") << faultRoute(statusFault(404)) << QString() << none << none << 2
                         << "rejected" << 404 << -1 << "HttpError";
    // The default of 5 retries honouring Retry-After would outlast the run's timeout.
    QTest::newRow("503 retry-after")
            << faultRoute(statusFault(503, "7")) << QString() << args("--retries 0") << none << 3
            << "retry" << 503 << 7 << "HttpError";
    Fault stall;
    stall.stallAfterBytes = 0; // headers, then nothing: no progress, so the attempt counts
    // The default 30 s stall timeout would outlast the run's timeout.
    QTest::newRow("stall") << faultRoute(stall, MiB) << QString()
                           << args("--retries 0 --stall-timeout 1") << none << 3 << "retry" << 200
                           << -1 << "StallTimeout";
    QTest::newRow("sha256 mismatch") << plainRoute(200 * 1024) << QString() << none
                                     << QStringList{"--sha256", QString(64, '0')} << 4 << "failed"
                                     << 200 << -1 << "IntegrityError";

    QTcpServer closed;
    QVERIFY(closed.listen(QHostAddress::LocalHost));
    const QString refusedUrl = QString("http://127.0.0.1:%1/nothing").arg(closed.serverPort());
    closed.close();
    QTest::newRow("connection refused") << plainRoute(1) << refusedUrl << none << none << 4
                                        << "failed" << 0 << -1 << "ConnectionRefused";
}

void tst_Cli::outcomes()
{
    QFETCH(Route, route);
    QFETCH(QString, url);
    QFETCH(QStringList, globalArgs);
    QFETCH(QStringList, downloadArgs);
    QFETCH(int, exitCode);
    QFETCH(QString, outcome);
    QFETCH(int, httpStatus);
    QFETCH(int, retryAfter);
    QFETCH(QString, errorCode);

    const QByteArray rp = routePath();
    m_server.setRoute(rp, route);
    if (url.isEmpty())
        url = m_server.url(rp).toString();
    const QString dest = path("out.bin");
    const Run run
            = this->run(store() + globalArgs + args("--json")
                        + QStringList{"download", url, "-o", dest, "--id", "x"} + downloadArgs);
    QVERIFY2(run.exitCode == exitCode, qPrintable(describe(run)));
    QVERIFY2(stderrProblem(run).isEmpty(), qPrintable(describe(run)));
    QVERIFY2(!QFileInfo::exists(dest), "a failed transfer left a file at the destination");

    const QList<QByteArray> lines = nonEmptyLines(run.out);
    QCOMPARE(lines.size(), 1);
    QString error;
    const QJsonObject o = parseObject(lines.first(), &error);
    QVERIFY2(error.isEmpty(), qPrintable(error));
    QCOMPARE(o.value("identifier").toString(), "x");
    QCOMPARE(o.value("outcome").toString(), outcome);
    QCOMPARE(o.value("httpStatus").toInt(), httpStatus);
    if (retryAfter < 0)
        QVERIFY(o.value("retryAfter").isNull());
    else
        QCOMPARE(o.value("retryAfter").toInt(), retryAfter);
    QVERIFY(o.value("file").isNull());
    QVERIFY(o.value("error").isString());
    QCOMPARE(o.value("errorCode").toString(), errorCode);
    QCOMPARE(o.value("attempts").toInt(), 1);
}

void tst_Cli::usageErrors_data()
{
    QTest::addColumn<QStringList>("arguments"); // after --store; @URL and @OUT are filled in

    const char *dl = "download @URL -o @OUT --id u ";
    QTest::newRow("no command") << QStringList();
    QTest::newRow("only global options") << args("--json");
    QTest::newRow("unknown command") << args("frobnicate");
    QTest::newRow("global option after list") << args("list --json");
    QTest::newRow("global option after download") << args(dl) + args("--retries 1");
    QTest::newRow("store after result") << args("result u --store elsewhere.sqlite");
    QTest::newRow("unknown global option") << args("--bogus list");
    QTest::newRow("unknown download option") << args(dl) + args("--bogus");
    QTest::newRow("missing option value") << args("--retries");
    QTest::newRow("bad retries") << args("--retries many list");
    QTest::newRow("bad limit-rate") << args("--limit-rate fast list");
    QTest::newRow("bad stall-timeout") << args("--stall-timeout -1 list");
    QTest::newRow("result without id") << args("result");
    QTest::newRow("extra argument") << args("list extra");
    QTest::newRow("download without url") << args("download -o @OUT --id u");
}

void tst_Cli::usageErrors()
{
    QFETCH(QStringList, arguments);
    const QByteArray rp = routePath();
    m_server.setRoute(rp, plainRoute(1024));
    arguments.replaceInStrings("@URL", m_server.url(rp).toString());
    arguments.replaceInStrings("@OUT", path("u.bin"));

    const Run run = this->run(store() + arguments);
    QVERIFY2(run.exitCode == 64, qPrintable(describe(run)));
    QVERIFY2(stderrProblem(run).isEmpty(), qPrintable(describe(run)));
    QVERIFY(run.out.isEmpty());
    QCOMPARE(m_server.requestCount(rp), 0);
}

void tst_Cli::badInput_data()
{
    QTest::addColumn<QStringList>("arguments"); // after --store; @URL and @OUT are filled in

    const QStringList dl = args("download @URL -o @OUT --id b");
    auto dlFrom = [](const char *url) { return args("download -o @OUT --id b") << url; };
    QTest::newRow("ftp url") << dlFrom("ftp://127.0.0.1/file.bin");
    QTest::newRow("file url") << dlFrom("file:///etc/hostname");
    QTest::newRow("not a url") << dlFrom("http://");
    QTest::newRow("header without colon") << dl + QStringList{"-H", "X-Foo"};
    QTest::newRow("header name with space") << dl + QStringList{"-H", "X Foo: bar"};
    QTest::newRow("header with newline") << dl + QStringList{"-H", "X-Foo: a\r\nHost: evil"};
    QTest::newRow("sha256 too short") << dl + args("--sha256 abc");
    QTest::newRow("sha256 not hex") << dl + QStringList{"--sha256", QString(64, 'g')};
    QTest::newRow("missing -o") << args("download @URL --id b");
    QTest::newRow("missing --id") << args("download @URL -o @OUT");
    QTest::newRow("id with control character") << (args("download @URL -o @OUT --id") << "a\tb");
    QTest::newRow("result of unknown id") << args("result nope");
    QTest::newRow("forget unknown id") << args("forget nope");
    QTest::newRow("cancel unknown id") << args("cancel nope");
}

void tst_Cli::badInput()
{
    QFETCH(QStringList, arguments);
    const QByteArray rp = routePath();
    m_server.setRoute(rp, plainRoute(1024));
    const QString dest = path("b.bin");
    arguments.replaceInStrings("@URL", m_server.url(rp).toString());
    arguments.replaceInStrings("@OUT", dest);

    const Run run = this->run(store() + arguments);
    QVERIFY2(run.exitCode == 65, qPrintable(describe(run)));
    QVERIFY2(stderrProblem(run).isEmpty(), qPrintable(describe(run)));
    QVERIFY(run.out.isEmpty());
    QCOMPARE(m_server.requestCount(rp), 0);
    QVERIFY(!QFileInfo::exists(dest));
}

void tst_Cli::resultIsKept_data()
{
    QTest::addColumn<Route>("route");
    QTest::addColumn<int>("exitCode");
    QTest::addColumn<QString>("outcome");

    QTest::newRow("success") << plainRoute(100 * 1024) << 0 << "success";
    QTest::newRow("rejected") << faultRoute(statusFault(410)) << 2 << "rejected";
    QTest::newRow("retry") << faultRoute(statusFault(503, "9")) << 3 << "retry";
}

void tst_Cli::resultIsKept()
{
    QFETCH(Route, route);
    QFETCH(int, exitCode);
    QFETCH(QString, outcome);

    const QByteArray rp = routePath();
    m_server.setRoute(rp, route);
    const QStringList downloadArgs
            = store() + args("--json --retries 0") + download(rp, path("kept.bin"), "kept");
    const Run first = run(downloadArgs);
    QVERIFY2(first.exitCode == exitCode, qPrintable(describe(first)));
    QCOMPARE(m_server.requestCount(rp), 1);

    const Run kept = run(store() + args("--json result kept"));
    QVERIFY2(kept.exitCode == exitCode, qPrintable(describe(kept)));
    QVERIFY2(stderrProblem(kept).isEmpty(), qPrintable(describe(kept)));
    QCOMPARE(kept.out, first.out);
    QString error;
    const QJsonObject o = parseObject(nonEmptyLines(kept.out).value(0), &error);
    QVERIFY2(error.isEmpty(), qPrintable(error));
    QCOMPARE(o.value("outcome").toString(), outcome);

    // Asking to download it again answers with the kept result too, without the network.
    const Run again = run(downloadArgs);
    QVERIFY2(again.exitCode == exitCode, qPrintable(describe(again)));
    QCOMPARE(again.out, first.out);
    QCOMPARE(m_server.requestCount(rp), 1);
}

void tst_Cli::forgetThenResult()
{
    m_server.setRoute("/forget", plainRoute(50 * 1024));
    const QString dest = path("f.bin");
    const Run first = run(store() + download("/forget", dest, "f"));
    QVERIFY2(first.exitCode == 0, qPrintable(describe(first)));

    const Run forget = run(store() + args("forget f"));
    QVERIFY2(forget.exitCode == 0, qPrintable(describe(forget)));
    QVERIFY2(stderrProblem(forget).isEmpty(), qPrintable(describe(forget)));
    QVERIFY2(QFileInfo::exists(dest), "forget must leave the downloaded file alone");

    const Run result = run(store() + args("result f"));
    QVERIFY2(result.exitCode == 65, qPrintable(describe(result)));
    QVERIFY2(stderrProblem(result).isEmpty(), qPrintable(describe(result)));

    QString error;
    const QList<QJsonObject> all = listJson(&error);
    QVERIFY2(error.isEmpty(), qPrintable(error));
    QVERIFY(all.isEmpty());

    const Run twice = run(store() + args("forget f"));
    QVERIFY2(twice.exitCode == 65, qPrintable(describe(twice)));
}

void tst_Cli::list()
{
    const Route goodRoute = plainRoute(70 * 1024);
    m_server.setRoute("/list/good", goodRoute);
    m_server.setRoute("/list/gone", faultRoute(statusFault(404)));
    const QString goodDest = path("good.bin");
    QCOMPARE(run(store() + download("/list/good", goodDest, "good")).exitCode, 0);
    QCOMPARE(run(store() + download("/list/gone", path("gone.bin"), "gone")).exitCode, 2);

    QString error;
    const QList<QJsonObject> all = listJson(&error);
    QVERIFY2(error.isEmpty(), qPrintable(error));
    QCOMPARE(all.size(), 2);
    QHash<QString, QJsonObject> byId;
    for (const QJsonObject &o : all)
        byId.insert(o.value("identifier").toString(), o);
    const QJsonObject g = byId.value("good");
    QCOMPARE(g.value("state").toString(), "finished");
    QCOMPARE(g.value("outcome").toString(), "success");
    QCOMPARE(g.value("url").toString(), m_server.url("/list/good").toString());
    QCOMPARE(g.value("file").toString(), goodDest);
    QCOMPARE(g.value("bytesReceived").toInteger(), goodRoute.entity.size);
    QCOMPARE(g.value("bytesTotal").toInteger(), goodRoute.entity.size);
    QCOMPARE(g.value("attempts").toInt(), 1);
    QVERIFY(g.contains("nextAttemptAt"));
    QVERIFY(g.value("lastError").isNull());
    const QJsonObject n = byId.value("gone");
    QCOMPARE(n.value("state").toString(), "finished");
    QCOMPARE(n.value("outcome").toString(), "rejected");
    QCOMPARE(n.value("httpStatus").toInt(), 404);

    const Run human = run(store() + args("list"));
    QVERIFY2(human.exitCode == 0 && human.err.isEmpty(), qPrintable(describe(human)));
    const QList<QByteArray> lines = nonEmptyLines(human.out);
    QCOMPARE(lines.size(), 2);
    for (const QByteArray &line : lines) {
        QVERIFY2((line.startsWith("good ") || line.startsWith("gone "))
                         && line.contains("finished"),
                 line.constData());
    }
}

void tst_Cli::cancelAfterKill()
{
    Route route = plainRoute(8 * MiB);
    route.then.throttle = 512 * 1024;
    m_server.setRoute("/cancel", route);
    const QString dest = path("c.bin");
    QVERIFY(startAndKill("/cancel", "c", dest));
    QCOMPARE(partialFiles(dest).size(), 1);

    QString error;
    QList<QJsonObject> all = listJson(&error);
    QVERIFY2(error.isEmpty(), qPrintable(error));
    QCOMPARE(all.size(), 1);
    QCOMPARE(all.first().value("identifier").toString(), "c");
    // Its owner was killed, so it is not running: it waits to be resumed.
    QCOMPARE(all.first().value("state").toString(), "queued");

    const Run cancel = run(store() + args("cancel c"));
    QVERIFY2(cancel.exitCode == 0, qPrintable(describe(cancel)));
    QVERIFY2(stderrProblem(cancel).isEmpty(), qPrintable(describe(cancel)));
    QVERIFY2(partialFiles(dest).isEmpty(), qPrintable(partialFiles(dest).join(' ')));
    QVERIFY(!QFileInfo::exists(dest));
    all = listJson(&error);
    QVERIFY2(error.isEmpty(), qPrintable(error));
    QVERIFY(all.isEmpty());

    const Run again = run(store() + args("cancel c"));
    QVERIFY2(again.exitCode == 65, qPrintable(describe(again)));
}

void tst_Cli::resumeAfterKill_data()
{
    QTest::addColumn<bool>("viaResume"); // false: the same download command again
    QTest::addColumn<bool>("json");
    QTest::newRow("resume json") << true << true;
    QTest::newRow("resume human") << true << false;
    QTest::newRow("download again") << false << false;
}

void tst_Cli::resumeAfterKill()
{
    QFETCH(bool, viaResume);
    QFETCH(bool, json);
    const QByteArray rp = routePath();
    // Slow until the kill, then fast, so the resumed part does not cost test time.
    const Route route = slowFirstRoute(6 * MiB + 5, 23);
    m_server.setRoute(rp, route);
    const QString dest = path("r.bin");
    QVERIFY(startAndKill(rp, "r", dest));

    const Run run = this->run(store() + (json ? args("--json") : QStringList())
                              + (viaResume ? args("resume") : download(rp, dest, "r")));
    QVERIFY2(run.exitCode == 0, qPrintable(describe(run)));
    QVERIFY2(stderrProblem(run).isEmpty(), qPrintable(describe(run)));
    QCOMPARE(fileSha256(dest), FaultServer::contentSha256(route.entity));
    QVERIFY(partialFiles(dest).isEmpty());

    // The second request asked for the rest only.
    const QList<RequestRecord> requests = m_server.requests(rp);
    QCOMPARE(requests.size(), 2);
    const QByteArray range = requests.last().header("Range");
    QVERIFY2(range.startsWith("bytes=") && range.endsWith('-'), range.constData());
    const qint64 offset = range.mid(6, range.size() - 7).toLongLong();
    QVERIFY(offset > 0);

    const QList<QByteArray> lines = nonEmptyLines(run.out);
    QCOMPARE(lines.size(), 1);
    if (json) {
        QString error;
        const QJsonObject o = parseObject(lines.first(), &error);
        QVERIFY2(error.isEmpty(), qPrintable(error));
        QCOMPARE(o.value("identifier").toString(), "r");
        QCOMPARE(o.value("outcome").toString(), "success");
        QCOMPARE(o.value("bytes").toInteger(), route.entity.size);
        QCOMPARE(o.value("resumedFrom").toInteger(), offset);
        QCOMPARE(o.value("httpStatus").toInt(), 206);
    } else {
        // scripts/demo.sh relies on this wording.
        const QRegularExpression re(
                QString("^r: success, 206, %1 bytes -> %2 \\(resumed at ([0-9]+\\.[0-9]) MiB\\)$")
                        .arg(route.entity.size)
                        .arg(QRegularExpression::escape(dest)));
        const QRegularExpressionMatch m = re.match(QString::fromLocal8Bit(lines.first()));
        QVERIFY2(m.hasMatch(), lines.first().constData());
        QCOMPARE(m.captured(1), QString::number(double(offset) / MiB, 'f', 1));
    }
}

// The store never holds credentials, so a resume from the store goes out without them.
void tst_Cli::resumeLeavesSensitiveHeadersBehind()
{
    const QByteArray rp = routePath();
    const Route route = slowFirstRoute(6 * MiB + 5, 29);
    m_server.setRoute(rp, route);
    const QString dest = path("s.bin");
    QProcess *p = start(store() + download(rp, dest, "s")
                        + QStringList{"-H", "Authorization: Bearer very-secret", "-H",
                                      "X-Trace: kept-123"});
    QSignalSpy done(p, &QProcess::finished);
    QTRY_VERIFY_WITH_TIMEOUT(partialBytes(dest) >= 256 * 1024, 20000);
    p->kill();
    QVERIFY(done.wait(10000) || !done.isEmpty());

    const Run run = this->run(store() + args("resume"));
    QVERIFY2(run.exitCode == 0, qPrintable(describe(run)));
    QCOMPARE(fileSha256(dest), FaultServer::contentSha256(route.entity));
    const QList<RequestRecord> requests = m_server.requests(rp);
    QCOMPARE(requests.size(), 2);
    QCOMPARE(requests.first().header("Authorization"), QByteArray("Bearer very-secret"));
    QCOMPARE(requests.last().header("Authorization"), QByteArray());
    QCOMPARE(requests.last().header("X-Trace"), QByteArray("kept-123"));
}

void tst_Cli::resumeWorstStatusWins()
{
    // Two interrupted transfers: on resume one completes, the server refuses the other.
    const Route fine = slowFirstRoute(2 * MiB, 31);
    m_server.setRoute("/worst/fine", fine);
    m_server.setRoute("/worst/refused", slowFirstRoute(2 * MiB, 32, statusFault(403)));
    const QString fineDest = path("fine.bin");
    const QString refusedDest = path("refused.bin");
    QVERIFY(startAndKill("/worst/fine", "fine", fineDest));
    QVERIFY(startAndKill("/worst/refused", "refused", refusedDest));

    const Run run = this->run(store() + args("--json resume"));
    QVERIFY2(run.exitCode == 2, qPrintable(describe(run)));
    QVERIFY2(stderrProblem(run).isEmpty(), qPrintable(describe(run)));
    QVERIFY2(run.err.contains("refused"), run.err.constData());
    QHash<QString, QString> outcomes;
    const QList<QByteArray> lines = nonEmptyLines(run.out);
    for (const QByteArray &line : lines) {
        QString error;
        const QJsonObject o = parseObject(line, &error);
        QVERIFY2(error.isEmpty(), qPrintable(error));
        outcomes.insert(o.value("identifier").toString(), o.value("outcome").toString());
    }
    QCOMPARE(outcomes.size(), 2);
    QCOMPARE(outcomes.value("fine"), "success");
    QCOMPARE(outcomes.value("refused"), "rejected");
    QCOMPARE(fileSha256(fineDest), FaultServer::contentSha256(fine.entity));
    QVERIFY(!QFileInfo::exists(refusedDest));
}

void tst_Cli::storeError()
{
    QFile garbage(m_store);
    QVERIFY(garbage.open(QIODevice::WriteOnly));
    for (int i = 0; i < 200; ++i)
        garbage.write("this is not an SQLite database, whatever its name says\n");
    garbage.close();
    m_server.setRoute("/store-error", plainRoute(1024));

    const Run listRun = run(store() + args("list"));
    QVERIFY2(listRun.exitCode == 4, qPrintable(describe(listRun)));
    QVERIFY2(stderrProblem(listRun).isEmpty(), qPrintable(describe(listRun)));
    QVERIFY2(listRun.err.contains(m_store.toLocal8Bit()), listRun.err.constData());

    const Run dl = run(store() + args("--json") + download("/store-error", path("s.bin"), "s"));
    QVERIFY2(dl.exitCode == 4, qPrintable(describe(dl)));
    QVERIFY2(stderrProblem(dl).isEmpty(), qPrintable(describe(dl)));
    QVERIFY2(dl.err.contains(m_store.toLocal8Bit()), dl.err.constData());
    QCOMPARE(m_server.requestCount("/store-error"), 0);
}

void tst_Cli::memoryStaysBounded()
{
#ifdef Q_OS_LINUX
    // 256 MiB through a process whose peak RSS stays far below it: no body is held in memory.
    const Route route = plainRoute(256 * MiB);
    m_server.setRoute("/big", route);
    const QString dest = path("big.bin");
    const Run run = this->run(store() + args("--json") + download("/big", dest, "big"), 45000);
    QVERIFY2(run.exitCode == 0, qPrintable(describe(run)));
    QCOMPARE(QFileInfo(dest).size(), route.entity.size);

    rusage usage = {};
    QCOMPARE(::getrusage(RUSAGE_CHILDREN, &usage), 0);
    const long peakKiB = usage.ru_maxrss; // Linux reports KiB; the largest waited-for child
    qInfo("peak RSS of the largest bgtransfer run: %ld KiB", peakKiB);
    QVERIFY(peakKiB > 0);
    QVERIFY2(peakKiB < 100 * 1024, qPrintable(QString::number(peakKiB)));
#else
    QSKIP("ru_maxrss of children is only checked on Linux");
#endif
}

QTEST_GUILESS_MAIN(tst_Cli)
#include "tst_cli.moc"
