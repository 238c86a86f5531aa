// The engine's queue against FaultServer on loopback: how many transfers run at once (per
// session and per host), which starts first, that a transfer waiting to retry gives its slot
// back and keeps its due time across a restart, what the first Downloader of a store restores,
// and how often progress is reported.

#include "queuetest.h"

#include "clock.h"
#include "transferengine.h"

#include <QtCore/QElapsedTimer>
#include <QtTest/QSignalSpy>
#include <QtTest/QTest>

#include <algorithm>
#include <memory>

using namespace Background;
using namespace QueueTest;
using FaultTest::Entity;
using FaultTest::FaultServer;

namespace {

QString idOf(const QByteArray &path)
{
    return QString::fromLatin1(path.mid(1));
}

QString fileOf(const QByteArray &path)
{
    return idOf(path) + QStringLiteral(".bin");
}

QByteArray numbered(const char *prefix, int i)
{
    return QByteArray(prefix) + QByteArray::number(i);
}

} // namespace

class tst_Scheduler : public Fixture
{
    Q_OBJECT

public:
    tst_Scheduler()
    {
        // The system's network state must not decide these tests (loopback never waits anyway).
        qputenv("BACKGROUND_NETWORK_BACKEND", "none");
    }

private Q_SLOTS:
    void sessionLimit();
    void hostLimit_data();
    void hostLimit();
    void priority_data();
    void priority();
    void resumeOfQueuedKeepsCredentials();
    void retryWaitGivesSlotBack();
    void dueTimeSurvivesRestart();
    void restoreOnStart_data();
    void restoreOnStart();
    void restoreSkipsCredentials();
    void progressThrottled();
    void speedAndEta();

private:
    // Starts downloads of `paths` (each held after 64 KiB) and destroys the Downloader once
    // every one has data on disk: what a process that quit mid-transfer leaves behind. The
    // routes then serve normally.
    bool leaveUnfinished(const QList<QByteArray> &paths, const QList<QNetworkRequest> &requests);
    QHash<QByteArray, Entity> m_entities;
};

bool tst_Scheduler::leaveUnfinished(const QList<QByteArray> &paths,
                                    const QList<QNetworkRequest> &requests)
{
    m_entities.clear();
    {
        Downloader dl(queueConfig(*h));
        for (int i = 0; i < paths.size(); ++i) {
            const Entity e = entity(512 * kKiB, 20 + i);
            m_entities.insert(paths.at(i), e);
            h->server.setRoute(paths.at(i), route(e, {held(64 * kKiB)}));
            dl.networkResponse(requests.at(i), idOf(paths.at(i)), h->dest(fileOf(paths.at(i))));
        }
        for (const QByteArray &path : paths) {
            if (!QTest::qWaitFor([&] { return partialFileHasData(h->dest(fileOf(path))); },
                                 kWaitMs))
                return false;
        }
    }
    // The held responses end as the client leaves; later requests get the whole entity.
    return QTest::qWaitFor([&] { return h->server.openConnections() == 0; }, kWaitMs);
}

void tst_Scheduler::sessionLimit()
{
    SessionConfiguration cfg = queueConfig(*h);
    cfg.setMaximumConcurrentTransfers(2);
    InFlight inFlight(&h->server);
    Downloader dl(cfg);
    QList<QByteArray> paths;
    QList<QFuture<NetworkResponse>> futures;
    for (int i = 0; i < 6; ++i) {
        paths.append(numbered("/f", i));
        h->server.setRoute(paths.last(), route(entity(128 * kKiB, 10 + i), {held()}));
        futures.append(dl.networkResponse(
                h->request(paths.last()), idOf(paths.last()), h->dest(fileOf(paths.last()))));
    }
    QTRY_COMPARE(inFlight.now(), 2);
    QVERIFY(staysFalse([&] { return h->server.requestCount({}) > 2; }, 300));
    // The first two asked for (their two connections may reach the server in either order).
    QByteArrayList first = requestOrder(h->server);
    std::sort(first.begin(), first.end());
    QCOMPARE(first, paths.mid(0, 2));

    // One at a time, in the order they started: each release frees the slot for the next.
    for (const QByteArray &path : std::as_const(paths)) {
        QTRY_COMPARE(h->server.requestCount(path), 1);
        QCOMPARE(h->server.releaseStalled(path), 1);
    }
    for (int i = 0; i < futures.size(); ++i) {
        BG_AWAIT(futures.at(i));
        QVERIFY2(futures.at(i).result().isSuccess(), describe(futures.at(i).result()));
        QCOMPARE(fileSha256(h->dest(fileOf(paths.at(i)))),
                 FaultServer::contentSha256(entity(128 * kKiB, 10 + i)));
    }
    QCOMPARE(inFlight.max(), 2);
    QCOMPARE(h->server.requestCount({}), 6);
}

void tst_Scheduler::hostLimit_data()
{
    QTest::addColumn<int>("total");
    QTest::addColumn<int>("perHost");
    QTest::addColumn<int>("runningA"); // at first, of three asked for on each host
    QTest::addColumn<int>("runningB");
    QTest::newRow("host limit binds") << 6 << 2 << 2 << 2;
    QTest::newRow("one per host") << 6 << 1 << 1 << 1;
    // The session's limit is above the host's, and binds once both hosts are busy.
    QTest::newRow("session limit binds") << 3 << 2 << 2 << 1;
}

void tst_Scheduler::hostLimit()
{
    QFETCH(int, total);
    QFETCH(int, perHost);
    QFETCH(int, runningA);
    QFETCH(int, runningB);
    SessionConfiguration cfg = queueConfig(*h);
    cfg.setMaximumConcurrentTransfers(total);
    cfg.setMaximumConcurrentTransfersPerHost(perHost);
    // One server, two host keys: 127.0.0.1 and localhost are different names.
    const QByteArray port = QByteArray::number(h->server.port());
    const QByteArray hostA = "127.0.0.1:" + port;
    const QByteArray hostB = "localhost:" + port;
    InFlight inFlight(&h->server);
    Downloader dl(cfg);
    QList<QByteArray> paths;
    QList<QFuture<NetworkResponse>> futures;
    for (const char *prefix : {"/a", "/b"}) {
        for (int i = 0; i < 3; ++i) {
            const QByteArray path = numbered(prefix, i);
            paths.append(path);
            h->server.setRoute(path, route(entity(64 * kKiB, quint32(paths.size())), {held()}));
            const QUrl url(QStringLiteral("http://%1%2")
                                   .arg(QString::fromLatin1(prefix[1] == 'a' ? hostA : hostB),
                                        QString::fromLatin1(path)));
            futures.append(
                    dl.networkResponse(QNetworkRequest(url), idOf(path), h->dest(fileOf(path))));
        }
    }
    QTRY_COMPARE(inFlight.now(hostA), runningA);
    QTRY_COMPARE(inFlight.now(hostB), runningB);
    QVERIFY(staysFalse([&] { return h->server.requestCount({}) > runningA + runningB; }, 300));

    // Now let every response go as soon as it starts, and see the limits hold to the end.
    QObject releaser;
    connect(
            &h->server,
            &FaultServer::requestReceived,
            &releaser,
            [this](const QByteArray &path) { h->server.releaseStalled(path); },
            Qt::QueuedConnection);
    for (const QByteArray &path : std::as_const(paths))
        h->server.releaseStalled(path);
    for (const auto &f : std::as_const(futures)) {
        BG_AWAIT(f);
        QVERIFY2(f.result().isSuccess(), describe(f.result()));
    }
    QCOMPARE(h->server.requestCount({}), 6);
    QVERIFY2(inFlight.max(hostA) <= perHost, QByteArray::number(inFlight.max(hostA)));
    QVERIFY2(inFlight.max(hostB) <= perHost, QByteArray::number(inFlight.max(hostB)));
    QVERIFY2(inFlight.max() <= total, QByteArray::number(inFlight.max()));
}

void tst_Scheduler::priority_data()
{
    QTest::addColumn<bool>("behindRunning");
    // The only slot is busy while they are asked for; they start as it frees.
    QTest::newRow("behind a running transfer") << true;
    // Nothing runs: transfers asked for in one event-loop turn are ordered before any starts.
    QTest::newRow("asked for together") << false;
}

void tst_Scheduler::priority()
{
    QFETCH(bool, behindRunning);
    SessionConfiguration cfg = queueConfig(*h);
    cfg.setMaximumConcurrentTransfers(1);
    Downloader dl(cfg);
    QList<QFuture<NetworkResponse>> futures;
    QByteArrayList expected;
    if (behindRunning) {
        h->server.setRoute("/first", route(entity(64 * kKiB, 1), {held()}));
        futures.append(dl.networkResponse(h->request("/first"), idOf("/first"), h->dest()));
        QTRY_COMPARE(h->server.requestCount("/first"), 1);
        expected.append("/first");
    }
    const QList<QPair<QByteArray, TransferInfo::Priority>> asked{
            {"/low", TransferInfo::Priority::Low},
            {"/normal", TransferInfo::Priority::Normal},
            {"/high", TransferInfo::Priority::High},
            {"/normal2", TransferInfo::Priority::Normal}};
    for (const auto &[path, priority] : asked) {
        h->server.setRoute(path, route(entity(16 * kKiB, 2)));
        DownloadOptions options;
        options.priority = priority;
        futures.append(
                dl.networkResponse(h->request(path), idOf(path), h->dest(fileOf(path)), options));
    }
    QCOMPARE(dl.transfer(QStringLiteral("high"))->priority, TransferInfo::Priority::High);
    if (behindRunning) {
        QVERIFY(staysFalse([&] { return h->server.requestCount({}) > 1; }, 200));
        QCOMPARE(h->server.releaseStalled("/first"), 1);
    }
    for (const auto &f : std::as_const(futures)) {
        BG_AWAIT(f);
        QVERIFY2(f.result().isSuccess(), describe(f.result()));
    }
    expected += QByteArrayList{"/high", "/normal", "/normal2", "/low"};
    QCOMPARE(requestOrder(h->server), expected);
}

// resume() of a transfer queued in this process joins it: the app's request, with its
// credentials, stays the one that is sent.
void tst_Scheduler::resumeOfQueuedKeepsCredentials()
{
    SessionConfiguration cfg = queueConfig(*h);
    cfg.setMaximumConcurrentTransfers(1);
    Downloader dl(cfg);
    h->server.setRoute("/first", route(entity(64 * kKiB, 1), {held()}));
    auto first = dl.networkResponse(h->request("/first"), idOf("/first"), h->dest());
    QTRY_COMPARE(h->server.requestCount("/first"), 1);

    h->server.setRoute("/secret", route(entity(16 * kKiB, 2)));
    QNetworkRequest request = h->request("/secret");
    request.setRawHeader("Authorization", "Bearer only-the-app-knows");
    auto asked = dl.networkResponse(request, idOf("/secret"), h->dest(fileOf("/secret")));
    QCOMPARE(stateOf(dl, idOf("/secret")), QStringLiteral("queued"));
    auto resumed = dl.resume(idOf("/secret"));
    QVERIFY(!resumed.isFinished());

    QCOMPARE(h->server.releaseStalled("/first"), 1);
    BG_AWAIT(first);
    BG_AWAIT(asked);
    BG_AWAIT(resumed);
    QVERIFY2(asked.result().isSuccess(), describe(asked.result()));
    QVERIFY2(resumed.result().isSuccess(), describe(resumed.result()));
    const auto seen = h->server.requests("/secret");
    QCOMPARE(seen.size(), 1);
    QCOMPARE(seen.at(0).header("Authorization"), QByteArray("Bearer only-the-app-knows"));
}

void tst_Scheduler::retryWaitGivesSlotBack()
{
    ManualClock clock(QDateTime::currentMSecsSinceEpoch());
    SessionConfiguration cfg = queueConfig(*h);
    cfg.setMaximumConcurrentTransfers(1);
    std::shared_ptr<TransferEngine> engine = TransferEngine::forConfiguration(cfg);
    engine->setClock(&clock);
    const Entity a = entity(64 * kKiB, 1);
    const Entity b = entity(64 * kKiB, 2);
    h->server.setRoute("/a", route(a, {statusFault(503, "120")}));
    h->server.setRoute("/b", route(b));
    Downloader dl(cfg);
    auto fa = dl.networkResponse(h->request("/a"), idOf("/a"), h->dest(fileOf("/a")));
    auto fb = dl.networkResponse(h->request("/b"), idOf("/b"), h->dest(fileOf("/b")));

    // While "a" waits two minutes of the manual clock, "b" has the only slot and finishes.
    BG_AWAIT(fb);
    QVERIFY2(fb.result().isSuccess(), describe(fb.result()));
    QCOMPARE(stateOf(dl, idOf("/a")), QStringLiteral("waiting"));
    QVERIFY(!fa.isFinished());
    QCOMPARE(h->server.requestCount("/a"), 1);

    clock.advance(120 * 1000);
    BG_AWAIT(fa);
    QVERIFY2(fa.result().isSuccess(), describe(fa.result()));
    QCOMPARE(h->server.requestCount("/a"), 2);
    QCOMPARE(fileSha256(h->dest(fileOf("/a"))), FaultServer::contentSha256(a));
    QCOMPARE(fileSha256(h->dest(fileOf("/b"))), FaultServer::contentSha256(b));
}

void tst_Scheduler::dueTimeSurvivesRestart()
{
    const qint64 start = QDateTime::currentMSecsSinceEpoch();
    ManualClock clock(start);
    const SessionConfiguration cfg = queueConfig(*h);
    const Entity e = entity(64 * kKiB);
    h->server.setRoute("/f", route(e, {statusFault(503, "120")}));
    const QString id = idOf("/f");
    {
        std::shared_ptr<TransferEngine> engine = TransferEngine::forConfiguration(cfg);
        engine->setClock(&clock);
        Downloader dl(cfg);
        engine.reset(); // the Downloader's is the last reference: the engine goes with it
        auto f = dl.networkResponse(h->request("/f"), id, h->dest());
        QTRY_COMPARE(stateOf(dl, id), QStringLiteral("waiting"));
        QCOMPARE(dl.transfer(id)->nextAttemptAt.toMSecsSinceEpoch(), start + 120 * 1000);
    }
    // A new engine on the same store, on the same clock before its restore runs.
    std::shared_ptr<TransferEngine> engine = TransferEngine::forConfiguration(cfg);
    engine->setClock(&clock);
    Downloader dl(cfg);
    QVERIFY(staysFalse([&] { return h->server.requestCount("/f") > 1; }, 300));
    QCOMPARE(stateOf(dl, id), QStringLiteral("waiting"));
    clock.advance(120 * 1000 - 1);
    QVERIFY(staysFalse([&] { return h->server.requestCount("/f") > 1; }, 200));
    clock.advance(1);
    QTRY_COMPARE(h->server.requestCount("/f"), 2);
    QTRY_COMPARE(stateOf(dl, id), QStringLiteral("finished"));
    QVERIFY2(dl.transfer(id)->result->isSuccess(), describe(*dl.transfer(id)->result));
    QCOMPARE(fileSha256(h->dest()), FaultServer::contentSha256(e));
}

void tst_Scheduler::restoreOnStart_data()
{
    QTest::addColumn<bool>("resumeOnStart");
    QTest::newRow("resumeOnStart") << true;
    QTest::newRow("not resumeOnStart") << false;
}

void tst_Scheduler::restoreOnStart()
{
    QFETCH(bool, resumeOnStart);
    const QList<QByteArray> paths{"/r0", "/r1", "/r2"};
    QList<QNetworkRequest> requests;
    for (const QByteArray &path : paths)
        requests.append(h->request(path));
    QVERIFY(leaveUnfinished(paths, requests));

    SessionConfiguration cfg = queueConfig(*h);
    cfg.setResumeOnStart(resumeOnStart);
    Downloader dl(cfg);
    QCOMPARE(dl.pendingIdentifiers().size(), 3);
    if (!resumeOnStart) {
        QVERIFY(staysFalse([&] { return h->server.requestCount({}) > 3; }, 300));
        for (const QByteArray &path : paths)
            QCOMPARE(stateOf(dl, idOf(path)), QStringLiteral("queued"));
        return;
    }
    // Nobody calls networkResponse(): the store alone says what to continue.
    QTRY_VERIFY_WITH_TIMEOUT(dl.pendingIdentifiers().isEmpty(), kWaitMs);
    for (const QByteArray &path : paths) {
        const auto info = dl.transfer(idOf(path));
        QVERIFY(info && info->result);
        QVERIFY2(info->result->isSuccess(), describe(*info->result));
        const auto seen = h->server.requests(path);
        QCOMPARE(seen.size(), 2);
        QVERIFY2(rangeStart(seen.at(1)) > 0, seen.at(1).header("Range"));
        QCOMPARE(fileSha256(h->dest(fileOf(path))),
                 FaultServer::contentSha256(m_entities.value(path)));
    }
}

void tst_Scheduler::restoreSkipsCredentials()
{
    const QList<QByteArray> paths{"/plain0", "/secret", "/plain1"};
    QList<QNetworkRequest> requests;
    for (const QByteArray &path : paths)
        requests.append(h->request(path));
    requests[1].setRawHeader("Authorization", "Bearer only-the-app-knows");
    QVERIFY(leaveUnfinished(paths, requests));

    Downloader dl(queueConfig(*h));
    QTRY_COMPARE_WITH_TIMEOUT(dl.pendingIdentifiers(), QStringList{idOf("/secret")}, kWaitMs);
    // Without its credentials it would only be refused: it waits for the app.
    QVERIFY(staysFalse([&] { return h->server.requestCount("/secret") > 1; }, 300));
    QCOMPARE(stateOf(dl, idOf("/secret")), QStringLiteral("queued"));

    auto f = dl.networkResponse(requests.at(1), idOf("/secret"), h->dest(fileOf("/secret")));
    BG_AWAIT(f);
    QVERIFY2(f.result().isSuccess(), describe(f.result()));
    const auto seen = h->server.requests("/secret");
    QCOMPARE(seen.size(), 2);
    QCOMPARE(seen.at(1).header("Authorization"), QByteArray("Bearer only-the-app-knows"));
    QVERIFY(rangeStart(seen.at(1)) > 0);
    QCOMPARE(fileSha256(h->dest(fileOf("/secret"))),
             FaultServer::contentSha256(m_entities.value("/secret")));
}

void tst_Scheduler::progressThrottled()
{
    // The engine's clock never moves: after the first report only the last may go out.
    ManualClock clock(QDateTime::currentMSecsSinceEpoch());
    const SessionConfiguration cfg = queueConfig(*h);
    const std::shared_ptr<TransferEngine> engine = TransferEngine::forConfiguration(cfg);
    engine->setClock(&clock);
    const Entity e = entity(2 * kMiB);
    // About a second: the job reports every 100 ms of real time, so about ten times.
    h->server.setRoute("/f", route(e, {}, throttled(2 * kMiB)));
    Downloader dl(cfg);
    QSignalSpy progress(&dl, &Downloader::progress);
    QElapsedTimer elapsed;
    elapsed.start();
    auto f = dl.networkResponse(h->request("/f"), idOf("/f"), h->dest());
    BG_AWAIT(f);
    QVERIFY2(f.result().isSuccess(), describe(f.result()));
    QVERIFY2(elapsed.elapsed() >= 500, QByteArray::number(elapsed.elapsed())); // precondition
    QByteArray seen; // what was reported, for the failure message
    for (const QList<QVariant> &p : std::as_const(progress))
        seen += QByteArray::number(p.at(1).toLongLong()) + '/'
                + QByteArray::number(p.at(2).toLongLong()) + ' ';
    // The first and the last only; the job reports its end twice, the engine passes it once.
    QVERIFY2(progress.size() >= 1 && progress.size() <= 2, seen);
    QCOMPARE(progress.last().at(1).toLongLong(), e.size);
    QCOMPARE(progress.last().at(2).toLongLong(), e.size);
}

void tst_Scheduler::speedAndEta()
{
    const Entity e = entity(512 * kKiB);
    h->server.setRoute("/f", route(e, {}, throttled(256 * kKiB)));
    Downloader dl(queueConfig(*h));
    const QString id = idOf("/f");
    auto f = dl.networkResponse(h->request("/f"), id, h->dest());
    // Values depend on timing; only that they are known while it runs.
    QTRY_VERIFY_WITH_TIMEOUT(
            [&] {
                const auto info = dl.transfer(id);
                return info && info->state == TransferInfo::State::Running
                       && info->bytesPerSecond > 0 && info->etaSeconds >= 0;
            }(),
            kWaitMs);
    BG_AWAIT(f);
    QVERIFY2(f.result().isSuccess(), describe(f.result()));
    // Known only while it runs.
    QCOMPARE(dl.transfer(id)->bytesPerSecond, qint64(0));
    QCOMPARE(dl.transfer(id)->etaSeconds, qint64(-1));
}

QTEST_GUILESS_MAIN(tst_Scheduler)
#include "tst_scheduler.moc"
