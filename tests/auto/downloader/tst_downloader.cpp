// Downloader semantics against a real loopback server: joining, kept results, destination
// rules, outcomes, owners and sensitive headers. Resume, retries and cancel: tst_resume.cpp.

#include "downloadertest.h"

#include <QtCore/QLocale>
#include <QtNetwork/QTcpServer>
#include <QtTest/QTest>

#include <memory>

using namespace Background;
using namespace DownloaderTest;
using FaultTest::Fault;
using FaultTest::FaultServer;

Q_DECLARE_METATYPE(FaultTest::Fault)

namespace {

const QString kId = QStringLiteral("job");

// Values that must never be stored, and one that must be (so we know where to look).
const QByteArray kAuth = "Bearer secret-auth-5d1f0a";
const QByteArray kCookie = "session=secret-cookie-8c2e77";
const QByteArray kApiKey = "secret-key-3b7a19";
const QByteArray kTrace = "visible-trace-9e4c02";

QNetworkRequest withCredentials(QNetworkRequest request)
{
    request.setRawHeader("Authorization", kAuth);
    request.setRawHeader("Cookie", kCookie);
    request.setRawHeader("X-Api-Key", kApiKey);
    request.setRawHeader("X-Trace", kTrace);
    return request;
}

Fault redirectTo(int status, const QByteArray &location)
{
    Fault f;
    f.status = status;
    f.location = location;
    return f;
}

} // namespace

class tst_Downloader : public Fixture
{
    Q_OBJECT

private Q_SLOTS:
    void joinsRunningTransfer();
    void keptResultUntilForget();
    void resultStoredBeforeSignal_data();
    void resultStoredBeforeSignal();
    void partialFileBesideDestination();
    void failureLeavesDestinationAlone_data();
    void failureLeavesDestinationAlone();
    void existingDestinationReplacedOnSuccess();
    void outcomeForStatus_data();
    void outcomeForStatus();
    void retryAfterHttpDate();
    void crossOriginMovedPermanentlyIsFollowed();
    void connectionRefused();
    void invalidIdentifier_data();
    void invalidIdentifier();
    void unsupportedScheme_data();
    void unsupportedScheme();
    void identifierConflict_data();
    void identifierConflict();
    void liveOwnerIsWaitedFor();
    void deadOwnerIsTakenOver_data();
    void deadOwnerIsTakenOver();
    void sensitiveHeadersNotStored();
    void crossOriginRedirectDropsCredentials();
    void sameOriginRedirectKeepsCredentials();
    void redirectToFileRejected();

private:
    bool redirectToOther(FaultServer &other,
                         const QByteArray &path,
                         int status,
                         const QByteArray &target,
                         const FaultTest::Entity &e);
    SessionConfiguration withApiKeySensitive() const;
};

// `other` serves `e` at `target`; our server answers `path` with a redirect there.
bool tst_Downloader::redirectToOther(FaultServer &other,
                                     const QByteArray &path,
                                     int status,
                                     const QByteArray &target,
                                     const FaultTest::Entity &e)
{
    if (!other.listen())
        return false;
    other.setRoute(target, route(e));
    h->server.setRoute(path, route(e, {}, redirectTo(status, other.url(target).toEncoded())));
    return true;
}

// The harness's configuration, with X-Api-Key as a credential next to the built-in ones.
SessionConfiguration tst_Downloader::withApiKeySensitive() const
{
    SessionConfiguration cfg = h->config();
    cfg.addSensitiveHeader("X-Api-Key");
    return cfg;
}

void tst_Downloader::joinsRunningTransfer()
{
    const auto e = entity(128 * 1024);
    h->server.setRoute("/f", route(e, {}, throttled(256 * 1024)));
    Downloader dl(h->config());
    auto first = dl.networkResponse(h->request("/f"), kId, h->dest());
    auto second = dl.networkResponse(h->request("/f"), kId, h->dest());
    QVERIFY(!second.isFinished());
    // A third caller arrives while bytes are flowing.
    QTRY_VERIFY(h->server.bodyBytesSent("/f") > 0);
    QVERIFY(!first.isFinished());
    auto third = dl.networkResponse(h->request("/f"), kId, h->dest());

    BG_AWAIT(first);
    BG_AWAIT(second);
    BG_AWAIT(third);
    for (const auto &f : {first, second, third}) {
        const NetworkResponse r = f.result();
        QVERIFY2(r.isSuccess(), describe(r));
        QCOMPARE(r.filePath(), h->dest());
        QCOMPARE(r.bytes(), e.size);
        QCOMPARE(r.httpStatus(), 200);
    }
    QCOMPARE(h->server.requestCount("/f"), 1);
    QCOMPARE(fileSha256(h->dest()), FaultServer::contentSha256(e));
}

void tst_Downloader::keptResultUntilForget()
{
    const auto e = entity(64 * 1024);
    h->server.setRoute("/f", route(e));
    auto dl = std::make_unique<Downloader>(h->config());
    auto first = dl->networkResponse(h->request("/f"), kId, h->dest());
    BG_AWAIT(first);
    QVERIFY2(first.result().isSuccess(), describe(first.result()));
    QCOMPARE(h->server.requestCount("/f"), 1);

    // Known result: answered at once, without the network.
    auto again = dl->networkResponse(h->request("/f"), kId, h->dest());
    QVERIFY(again.isFinished());
    QVERIFY(again.result().isSuccess());
    QCOMPARE(again.result().bytes(), e.size);
    QCOMPARE(again.result().filePath(), h->dest());

    // Still kept by a new engine on the same store (what a restarted app sees).
    dl.reset();
    dl = std::make_unique<Downloader>(h->config());
    auto afterRestart = dl->networkResponse(h->request("/f"), kId, h->dest());
    QVERIFY(afterRestart.isFinished());
    QVERIFY(afterRestart.result().isSuccess());
    QCOMPARE(afterRestart.result().httpStatus(), 200);
    QVERIFY(staysFalse([&] { return h->server.requestCount("/f") > 1; }, 100));
    QCOMPARE(h->server.requestCount("/f"), 1);

    QVERIFY(!dl->forget(QStringLiteral("never-seen")));
    QVERIFY(dl->forget(kId));
    QVERIFY(!dl->transfer(kId));
    QVERIFY(QFile::exists(h->dest())); // forget drops the record, not the file
    auto fresh = dl->networkResponse(h->request("/f"), kId, h->dest());
    BG_AWAIT(fresh);
    QVERIFY2(fresh.result().isSuccess(), describe(fresh.result()));
    QCOMPARE(h->server.requestCount("/f"), 2);
}

void tst_Downloader::resultStoredBeforeSignal_data()
{
    QTest::addColumn<Fault>("fault");
    QTest::addColumn<Outcome>("outcome");
    QTest::newRow("success") << Fault() << Outcome::Success;
    QTest::newRow("rejected") << statusFault(404) << Outcome::Rejected;
}

void tst_Downloader::resultStoredBeforeSignal()
{
    QFETCH(Fault, fault);
    QFETCH(Outcome, outcome);
    h->server.setRoute("/f", route(entity(64 * 1024), {}, fault));
    Downloader dl(h->config());
    int emitted = 0;
    std::optional<TransferInfo> seen;
    bool fileInPlace = false;
    connect(&dl, &Downloader::finished, this, [&](const QString &id, const NetworkResponse &) {
        ++emitted;
        seen = dl.transfer(id);
        fileInPlace = QFile::exists(h->dest());
    });
    auto f = dl.networkResponse(h->request("/f"), kId, h->dest());
    BG_AWAIT(f);
    QCOMPARE(emitted, 1);
    QVERIFY(seen);
    QCOMPARE(seen->state, TransferInfo::State::Finished);
    QVERIFY(seen->result);
    QCOMPARE(seen->result->outcome(), outcome);
    QCOMPARE(fileInPlace, outcome == Outcome::Success);
}

void tst_Downloader::partialFileBesideDestination()
{
    const auto e = entity(256 * 1024);
    h->server.setRoute("/f", route(e, {}, throttled(256 * 1024)));
    Downloader dl(h->config());
    auto f = dl.networkResponse(h->request("/f"), kId, h->dest());
    QTRY_VERIFY(partialFileHasData(h->dest()));
    QVERIFY(!QFile::exists(h->dest()));
    QVERIFY(!f.isFinished());
    QCOMPARE(partialFiles(h->dest()).size(), 1);

    BG_AWAIT(f);
    QVERIFY2(f.result().isSuccess(), describe(f.result()));
    QCOMPARE(fileSha256(h->dest()), FaultServer::contentSha256(e));
    QCOMPARE(partialFiles(h->dest()), QStringList());
}

void tst_Downloader::failureLeavesDestinationAlone_data()
{
    QTest::addColumn<Fault>("fault");
    QTest::addColumn<bool>("preexisting");
    QTest::addColumn<Outcome>("outcome");
    QTest::newRow("404") << statusFault(404) << false << Outcome::Rejected;
    QTest::newRow("404 over a file") << statusFault(404) << true << Outcome::Rejected;
    QTest::newRow("503") << statusFault(503) << false << Outcome::Retry;
    QTest::newRow("503 over a file") << statusFault(503) << true << Outcome::Retry;
}

void tst_Downloader::failureLeavesDestinationAlone()
{
    QFETCH(Fault, fault);
    QFETCH(bool, preexisting);
    QFETCH(Outcome, outcome);
    const QByteArray old = "the app's previous copy\n";
    if (preexisting)
        QVERIFY(writeFile(h->dest(), old));
    h->server.setRoute("/f", route(entity(64 * 1024), {}, fault));
    Downloader dl(h->config(0));
    auto f = dl.networkResponse(h->request("/f"), kId, h->dest());
    BG_AWAIT(f);
    QCOMPARE(f.result().outcome(), outcome);
    QVERIFY(f.result().filePath().isEmpty());
    if (preexisting)
        QCOMPARE(readFile(h->dest()), old);
    else
        QVERIFY(!QFile::exists(h->dest()));
    if (outcome == Outcome::Rejected)
        QCOMPARE(partialFiles(h->dest()), QStringList());
}

void tst_Downloader::existingDestinationReplacedOnSuccess()
{
    const QByteArray old = "the app's previous copy\n";
    QVERIFY(writeFile(h->dest(), old));
    const auto e = entity(64 * 1024);
    h->server.setRoute("/f", route(e, {statusFault(404)}));
    Downloader dl(h->config());
    auto rejected = dl.networkResponse(h->request("/f"), kId, h->dest());
    BG_AWAIT(rejected);
    QCOMPARE(rejected.result().outcome(), Outcome::Rejected);
    QCOMPARE(readFile(h->dest()), old);

    QVERIFY(dl.forget(kId));
    auto ok = dl.networkResponse(h->request("/f"), kId, h->dest());
    BG_AWAIT(ok);
    QVERIFY2(ok.result().isSuccess(), describe(ok.result()));
    QCOMPARE(fileSha256(h->dest()), FaultServer::contentSha256(e));
}

void tst_Downloader::outcomeForStatus_data()
{
    QTest::addColumn<Fault>("fault");
    QTest::addColumn<Outcome>("outcome");
    QTest::addColumn<int>("retryAfter");
    QTest::newRow("404") << statusFault(404) << Outcome::Rejected << -1;
    QTest::newRow("403") << statusFault(403) << Outcome::Rejected << -1;
    QTest::newRow("410") << statusFault(410) << Outcome::Rejected << -1;
    QTest::newRow("503 Retry-After 7") << statusFault(503, "7") << Outcome::Retry << 7;
    QTest::newRow("500") << statusFault(500) << Outcome::Retry << -1;
    QTest::newRow("429") << statusFault(429) << Outcome::Retry << -1;
}

void tst_Downloader::outcomeForStatus()
{
    QFETCH(Fault, fault);
    QFETCH(Outcome, outcome);
    QFETCH(int, retryAfter);
    h->server.setRoute("/f", route(entity(64 * 1024), {}, fault));
    Downloader dl(h->config(0));
    auto f = dl.networkResponse(h->request("/f"), kId, h->dest());
    BG_AWAIT(f);
    const NetworkResponse r = f.result();
    QCOMPARE(r.outcome(), outcome);
    QCOMPARE(r.error(), Error::HttpError);
    QCOMPARE(r.httpStatus(), fault.status);
    QCOMPARE(r.retryAfterSeconds(), retryAfter);
    QCOMPARE(r.attempts(), 1);
    QCOMPARE(h->server.requestCount("/f"), 1);
    QVERIFY(!QFile::exists(h->dest()));
}

void tst_Downloader::retryAfterHttpDate()
{
    const QDateTime when = QDateTime::currentDateTimeUtc().addSecs(120);
    const QByteArray date
            = QLocale::c().toString(when, QStringLiteral("ddd, dd MMM yyyy hh:mm:ss")).toLatin1()
              + " GMT";
    h->server.setRoute("/f", route(entity(1024), {}, statusFault(429, date)));
    Downloader dl(h->config(0));
    auto f = dl.networkResponse(h->request("/f"), kId, h->dest());
    BG_AWAIT(f);
    const NetworkResponse r = f.result();
    QCOMPARE(r.outcome(), Outcome::Retry);
    QVERIFY2(qAbs(r.retryAfterSeconds() - 120) <= 2, describe(r));
}

void tst_Downloader::crossOriginMovedPermanentlyIsFollowed()
{
    FaultServer other;
    const auto e = entity(64 * 1024);
    QVERIFY(redirectToOther(other, "/old", 301, "/new", e));
    Downloader dl(h->config());
    auto f = dl.networkResponse(h->request("/old"), kId, h->dest());
    BG_AWAIT(f);
    QVERIFY2(f.result().isSuccess(), describe(f.result()));
    QCOMPARE(h->server.requestCount("/old"), 1);
    QCOMPARE(other.requestCount("/new"), 1);
    QCOMPARE(other.requests("/new").constFirst().method, QByteArray("GET"));
    QCOMPARE(fileSha256(h->dest()), FaultServer::contentSha256(e));
}

void tst_Downloader::connectionRefused()
{
    QTcpServer closed;
    QVERIFY(closed.listen(QHostAddress::LocalHost));
    const quint16 port = closed.serverPort();
    closed.close();
    Downloader dl(h->config());
    QNetworkRequest request(QUrl(QStringLiteral("http://127.0.0.1:%1/f").arg(port)));
    auto f = dl.networkResponse(request, kId, h->dest());
    BG_AWAIT(f);
    QCOMPARE(f.result().outcome(), Outcome::Failed);
    QCOMPARE(f.result().error(), Error::ConnectionRefused);
    QCOMPARE(f.result().httpStatus(), 0);
    QVERIFY(!QFile::exists(h->dest()));
}

void tst_Downloader::invalidIdentifier_data()
{
    QTest::addColumn<QString>("identifier");
    QTest::newRow("empty") << QString();
    QTest::newRow("newline") << QStringLiteral("a\nb");
    QTest::newRow("nul") << QStringLiteral("a") + QChar(0) + QStringLiteral("b");
    QTest::newRow("tab") << QStringLiteral("a\tb");
    QTest::newRow("delete") << QStringLiteral("a") + QChar(0x7f) + QStringLiteral("b");
    QTest::newRow("escape sequence") << QStringLiteral("\x1b[31mred");
    QTest::newRow("one over the limit") << QString(1025, QLatin1Char('x'));
    QTest::newRow("huge") << QString(1024 * 1024, QLatin1Char('x'));
    QTest::newRow("lone surrogate") << QStringLiteral("a") + QChar(0xd800) + QStringLiteral("b");
}

void tst_Downloader::invalidIdentifier()
{
    QFETCH(QString, identifier);
    h->server.setRoute("/f", route(entity(1024)));
    Downloader dl(h->config());
    auto f = dl.networkResponse(h->request("/f"), identifier, h->dest());
    QVERIFY(f.isFinished());
    QCOMPARE(f.result().outcome(), Outcome::Failed);
    QCOMPARE(f.result().error(), Error::InvalidIdentifier);
    QVERIFY(dl.transfers().isEmpty());
    QVERIFY(staysFalse([&] { return h->server.requestCount("/f") > 0; }, 100));
}

void tst_Downloader::unsupportedScheme_data()
{
    QTest::addColumn<QUrl>("url");
    QTest::newRow("ftp") << QUrl(QStringLiteral("ftp://127.0.0.1/f"));
    QTest::newRow("file") << QUrl(QStringLiteral("file:///etc/passwd"));
}

void tst_Downloader::unsupportedScheme()
{
    QFETCH(QUrl, url);
    Downloader dl(h->config());
    auto f = dl.networkResponse(QNetworkRequest(url), kId, h->dest());
    QVERIFY(f.isFinished());
    QCOMPARE(f.result().outcome(), Outcome::Failed);
    QCOMPARE(f.result().error(), Error::InvalidRequest);
    QVERIFY(dl.transfers().isEmpty());
    QVERIFY(!QFile::exists(h->dest()));
}

void tst_Downloader::identifierConflict_data()
{
    QTest::addColumn<bool>("whileRunning");
    QTest::addColumn<bool>("otherUrl"); // else another destination
    QTest::newRow("running, other URL") << true << true;
    QTest::newRow("running, other destination") << true << false;
    QTest::newRow("kept, other URL") << false << true;
    QTest::newRow("kept, other destination") << false << false;
}

void tst_Downloader::identifierConflict()
{
    QFETCH(bool, whileRunning);
    QFETCH(bool, otherUrl);
    const auto e = entity(128 * 1024);
    h->server.setRoute("/f", route(e, {}, throttled(whileRunning ? 256 * 1024 : 0)));
    h->server.setRoute("/g", route(entity(1024, 9)));
    Downloader dl(h->config());
    auto first = dl.networkResponse(h->request("/f"), kId, h->dest());
    if (!whileRunning) {
        BG_AWAIT(first);
        QVERIFY(first.result().isSuccess());
    }
    auto second = otherUrl ? dl.networkResponse(h->request("/g"), kId, h->dest())
                           : dl.networkResponse(
                                   h->request("/f"), kId, h->dest(QStringLiteral("other.bin")));
    QVERIFY(second.isFinished());
    QCOMPARE(second.result().outcome(), Outcome::Failed);
    QCOMPARE(second.result().error(), Error::IdentifierConflict);

    BG_AWAIT(first);
    QVERIFY2(first.result().isSuccess(), describe(first.result()));
    QCOMPARE(dl.transfer(kId)->url, h->server.url("/f"));
    QCOMPARE(dl.transfer(kId)->localPath, h->dest());
    QCOMPARE(h->server.requestCount("/g"), 0);
    QVERIFY(!QFile::exists(h->dest(QStringLiteral("other.bin"))));
    QCOMPARE(fileSha256(h->dest()), FaultServer::contentSha256(e));
}

void tst_Downloader::liveOwnerIsWaitedFor()
{
    h->server.setRoute("/f", route(entity(64 * 1024)));
    // Another owner, alive (our own pid) and with a fresh heartbeat, holds the transfer.
    TransferStore other(h->storePath());
    QVERIFY(other.open());
    const QString partial = h->dest(QStringLiteral(".file.bin.other.part"));
    QVERIFY(seedRow(other,
                    kId,
                    h->server.url("/f"),
                    h->dest(),
                    partial,
                    makeLease(QStringLiteral("other"),
                              QCoreApplication::applicationPid(),
                              FileOps::bootId(),
                              QDateTime::currentMSecsSinceEpoch())));

    Downloader dl(h->config());
    auto f = dl.networkResponse(h->request("/f"), kId, h->dest());
    // Several of the engine's polls go by; it must keep waiting.
    QVERIFY(staysFalse([&] { return h->server.requestCount("/f") > 0 || f.isFinished(); }, 800));
    QCOMPARE(dl.pendingIdentifiers(), QStringList{kId});

    NetworkResponse done;
    done.setIdentifier(kId);
    done.setUrl(h->server.url("/f"));
    done.setOutcome(Outcome::Success);
    done.setHttpStatus(200);
    done.setBytes(4242);
    QVERIFY(other.finish(kId, done));

    BG_AWAIT(f);
    const NetworkResponse r = f.result();
    QVERIFY2(r.isSuccess(), describe(r));
    QCOMPARE(r.bytes(), qint64(4242));
    QCOMPARE(r.filePath(), h->dest());
    QCOMPARE(h->server.requestCount("/f"), 0);
}

void tst_Downloader::deadOwnerIsTakenOver_data()
{
    QTest::addColumn<QString>("owner");
    QTest::newRow("dead pid") << QStringLiteral("dead pid");
    QTest::newRow("other boot") << QStringLiteral("other boot");
    QTest::newRow("stale heartbeat") << QStringLiteral("stale heartbeat");
}

void tst_Downloader::deadOwnerIsTakenOver()
{
    QFETCH(QString, owner);
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    Lease held = makeLease(
            QStringLiteral("other"), QCoreApplication::applicationPid(), FileOps::bootId(), now);
    if (owner == QLatin1String("dead pid")) {
        held.pid = deadPid();
        QVERIFY(held.pid > 0);
        QVERIFY(!FileOps::isProcessAlive(held.pid));
    } else if (owner == QLatin1String("other boot")) {
        held.bootId = "other-boot";
    } else {
        held.heartbeat = now - 60000;
    }
    const auto e = entity(64 * 1024);
    h->server.setRoute("/f", route(e));
    {
        TransferStore other(h->storePath());
        QVERIFY(other.open());
        QVERIFY(seedRow(other,
                        kId,
                        h->server.url("/f"),
                        h->dest(),
                        h->dest(QStringLiteral(".file.bin.other.part")),
                        held));
    }
    Downloader dl(h->config());
    auto f = dl.networkResponse(h->request("/f"), kId, h->dest());
    // Taken over at the queue's next turn of the event loop, not after some later poll.
    QCoreApplication::processEvents();
    QCOMPARE(stateOf(dl, kId), QStringLiteral("running"));
    BG_AWAIT(f);
    QVERIFY2(f.result().isSuccess(), describe(f.result()));
    QCOMPARE(h->server.requestCount("/f"), 1);
    QCOMPARE(fileSha256(h->dest()), FaultServer::contentSha256(e));
}

void tst_Downloader::sensitiveHeadersNotStored()
{
    const auto e = entity(64 * 1024);
    // The 503 makes the engine write the row several times before the result.
    h->server.setRoute("/f", route(e, {statusFault(503)}));
    auto dl = std::make_unique<Downloader>(withApiKeySensitive());
    auto f = dl->networkResponse(withCredentials(h->request("/f")), kId, h->dest());
    BG_AWAIT(f);
    QVERIFY2(f.result().isSuccess(), describe(f.result()));
    const auto sent = h->server.requests("/f").constLast();
    QCOMPARE(sent.header("Authorization"), kAuth);
    QCOMPARE(sent.header("X-Api-Key"), kApiKey);

    // While the store is open (WAL in use), then after it was closed and checkpointed.
    for (int pass = 0; pass < 2; ++pass) {
        const QByteArray bytes = h->storeFileBytes();
        QVERIFY(bytes.contains(kTrace));
        QVERIFY(!bytes.contains(kAuth));
        QVERIFY(!bytes.contains(kCookie));
        QVERIFY(!bytes.contains(kApiKey));
        dl.reset();
    }
}

void tst_Downloader::crossOriginRedirectDropsCredentials()
{
    FaultServer other;
    const auto e = entity(64 * 1024);
    QVERIFY(redirectToOther(other, "/r", 302, "/f", e));
    Downloader dl(withApiKeySensitive());
    auto f = dl.networkResponse(withCredentials(h->request("/r")), kId, h->dest());
    BG_AWAIT(f);
    QVERIFY2(f.result().isSuccess(), describe(f.result()));
    QCOMPARE(fileSha256(h->dest()), FaultServer::contentSha256(e));

    QCOMPARE(h->server.requests("/r").constFirst().header("Authorization"), kAuth);
    QCOMPARE(other.requestCount("/f"), 1);
    const auto there = other.requests("/f").constFirst();
    QCOMPARE(there.header("Authorization"), QByteArray());
    QCOMPARE(there.header("Cookie"), QByteArray());
    QCOMPARE(there.header("X-Api-Key"), QByteArray());
    QCOMPARE(there.header("X-Trace"), kTrace); // ordinary headers still go along
}

void tst_Downloader::sameOriginRedirectKeepsCredentials()
{
    const auto e = entity(64 * 1024);
    h->server.setRoute("/f", route(e));
    h->server.setRoute("/r", route(e, {}, redirectTo(302, "/f")));
    Downloader dl(withApiKeySensitive());
    auto f = dl.networkResponse(withCredentials(h->request("/r")), kId, h->dest());
    BG_AWAIT(f);
    QVERIFY2(f.result().isSuccess(), describe(f.result()));
    QCOMPARE(h->server.requestCount("/f"), 1);
    const auto there = h->server.requests("/f").constFirst();
    QCOMPARE(there.header("Authorization"), kAuth);
    QCOMPARE(there.header("X-Api-Key"), kApiKey);
    QCOMPARE(fileSha256(h->dest()), FaultServer::contentSha256(e));
}

void tst_Downloader::redirectToFileRejected()
{
    h->server.setRoute("/r", route(entity(1024), {}, redirectTo(302, "file:///etc/passwd")));
    Downloader dl(h->config());
    auto f = dl.networkResponse(h->request("/r"), kId, h->dest());
    BG_AWAIT(f);
    QCOMPARE(f.result().outcome(), Outcome::Rejected);
    QCOMPARE(f.result().error(), Error::RedirectRejected);
    QCOMPARE(f.result().httpStatus(), 302);
    QVERIFY(!QFile::exists(h->dest()));
    QCOMPARE(partialFiles(h->dest()), QStringList());
    QCOMPARE(h->server.requestCount("/r"), 1);
}

QTEST_GUILESS_MAIN(tst_Downloader)
#include "tst_downloader.moc"
