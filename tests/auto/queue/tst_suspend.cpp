// Taking a running download out of this process's hands while keeping its partial data:
// pause (here, after a restart, or from another connection to the store) with resume and
// cancel, and the network going away and coming back (a manual reachability, loopback made
// to wait for it).

#include "queuetest.h"

#include "reachability.h"
#include "transferengine.h"

#include <QtTest/QSignalSpy>
#include <QtTest/QTest>

#include <memory>

using namespace Background;
using namespace QueueTest;
using FaultTest::Entity;
using FaultTest::FaultServer;

namespace {

const QString kId = QStringLiteral("job");

} // namespace

class tst_Suspend : public Fixture
{
    Q_OBJECT

public:
    tst_Suspend()
    {
        // The system's network state must not decide these tests; and no backend may be
        // loaded before noSuchBackend() asks for one by name.
        qputenv("BACKGROUND_NETWORK_BACKEND", "none");
    }

private Q_SLOTS:
    void pauseKeepsPartialData();
    void pauseSurvivesRestart();
    void cancelPausedDeletesPartialData();
    void pauseFromAnotherConnection();
    void offlineWhileRunning();
    void askedWhileOffline();
    void metered_data();
    void metered();
    void noSuchBackend();

private:
    // 4 MiB whose first response trickles (for 16 s, so it is surely still running when the
    // test acts and when a QTRY gives up) and later ones come at full speed.
    Entity slowThenFast();
    QFuture<NetworkResponse> startAndWaitForData(Downloader &dl);
    qint64 partialSize() const;
    // The last request resumed from exactly `kept` bytes and the file is right.
    void checkResumed(qint64 kept, const Entity &e);
};

Entity tst_Suspend::slowThenFast()
{
    const Entity e = entity(4 * kMiB);
    h->server.setRoute("/f", route(e, {throttled(256 * kKiB)}));
    return e;
}

QFuture<NetworkResponse> tst_Suspend::startAndWaitForData(Downloader &dl)
{
    auto f = dl.networkResponse(h->request("/f"), kId, h->dest());
    if (!QTest::qWaitFor([&] { return partialFileHasData(h->dest()); }, kWaitMs))
        qWarning("no partial data arrived");
    return f;
}

qint64 tst_Suspend::partialSize() const
{
    const QStringList parts = partialFiles(h->dest());
    return parts.size() == 1 ? QFileInfo(parts.constFirst()).size() : -1;
}

void tst_Suspend::checkResumed(qint64 kept, const Entity &e)
{
    const auto seen = h->server.requests("/f");
    QCOMPARE(seen.size(), 2);
    QCOMPARE(rangeStart(seen.at(1)), kept);
    QCOMPARE(seen.at(1).status, 206);
    QCOMPARE(fileSha256(h->dest()), FaultServer::contentSha256(e));
    QCOMPARE(partialFiles(h->dest()), QStringList());
}

void tst_Suspend::pauseKeepsPartialData()
{
    const Entity e = slowThenFast();
    Downloader dl(queueConfig(*h));
    QSignalSpy states(&dl, &Downloader::stateChanged);
    auto f = startAndWaitForData(dl);
    QVERIFY(partialFileHasData(h->dest()));

    QVERIFY(dl.pause(kId));
    QCOMPARE(stateOf(dl, kId), QStringLiteral("paused"));
    QCOMPARE(states.last().at(1).value<TransferInfo::State>(), TransferInfo::State::Paused);
    QTRY_COMPARE(h->server.openConnections(), 0);
    const qint64 kept = partialSize();
    QVERIFY2(kept > 0 && kept < e.size, QByteArray::number(kept));
    // The caller keeps waiting, and nothing is asked of the server.
    QVERIFY(staysFalse([&] { return f.isFinished() || h->server.requestCount("/f") > 1; }, 300));
    QCOMPARE(partialSize(), kept);

    auto resumed = dl.resume(kId);
    BG_AWAIT(resumed);
    BG_AWAIT(f);
    QVERIFY2(resumed.result().isSuccess(), describe(resumed.result()));
    QVERIFY2(f.result().isSuccess(), describe(f.result()));
    QCOMPARE(f.result().resumedFrom(), kept);
    checkResumed(kept, e);
}

void tst_Suspend::pauseSurvivesRestart()
{
    const Entity e = slowThenFast();
    qint64 kept = -1;
    {
        Downloader dl(queueConfig(*h));
        auto f = startAndWaitForData(dl);
        QVERIFY(dl.pause(kId));
        QTRY_COMPARE(h->server.openConnections(), 0);
        kept = partialSize();
        QVERIFY2(kept > 0, QByteArray::number(kept));
    }
    // resumeOnStart continues unfinished transfers, but not paused ones.
    Downloader dl(queueConfig(*h));
    QCOMPARE(stateOf(dl, kId), QStringLiteral("paused"));
    QVERIFY(staysFalse([&] { return h->server.requestCount("/f") > 1; }, 300));
    QCOMPARE(stateOf(dl, kId), QStringLiteral("paused"));
    QCOMPARE(dl.pendingIdentifiers(), QStringList{kId});
    QCOMPARE(partialSize(), kept);

    auto f = dl.resume(kId);
    BG_AWAIT(f);
    QVERIFY2(f.result().isSuccess(), describe(f.result()));
    checkResumed(kept, e);
}

void tst_Suspend::cancelPausedDeletesPartialData()
{
    slowThenFast();
    Downloader dl(queueConfig(*h));
    auto f = startAndWaitForData(dl);
    QVERIFY(dl.pause(kId));
    QTRY_COMPARE(h->server.openConnections(), 0);
    QVERIFY(partialFileHasData(h->dest()));

    QVERIFY(dl.cancel(kId));
    BG_AWAIT(f);
    QCOMPARE(f.result().error(), NetworkResponse::Error::Canceled);
    QCOMPARE(partialFiles(h->dest()), QStringList());
    QVERIFY(!QFile::exists(h->dest()));
    QVERIFY(!dl.transfer(kId));
    QCOMPARE(dl.pendingIdentifiers(), QStringList());
    QVERIFY(staysFalse([&] { return h->server.requestCount("/f") > 1; }, 200));
}

void tst_Suspend::pauseFromAnotherConnection()
{
    const Entity e = slowThenFast();
    Downloader dl(queueConfig(*h));
    QSignalSpy states(&dl, &Downloader::stateChanged);
    auto f = startAndWaitForData(dl);
    QVERIFY(dl.transfer(kId)->state == TransferInfo::State::Running);

    // Another process (here: another connection to the same file) pauses it.
    TransferStore other(h->storePath());
    QVERIFY(other.open());
    QVERIFY(other.setPaused(kId, true));
    // The flag alone already reads "paused"; what matters is that the runner lets go.
    QTRY_COMPARE(h->server.openConnections(), 0);
    QVERIFY(!f.isFinished());
    QTRY_VERIFY(!other.lease(kId));
    QCOMPARE(states.last().at(1).value<TransferInfo::State>(), TransferInfo::State::Paused);
    const qint64 kept = partialSize();
    QVERIFY2(kept > 0 && kept < e.size, QByteArray::number(kept));
    QVERIFY(staysFalse([&] { return f.isFinished() || h->server.requestCount("/f") > 1; }, 300));

    // Resumed over there: the caller here still gets its answer.
    QVERIFY(other.setPaused(kId, false));
    BG_AWAIT(f);
    QVERIFY2(f.result().isSuccess(), describe(f.result()));
    checkResumed(kept, e);
}

void tst_Suspend::offlineWhileRunning()
{
    ManualReachability reach;
    const SessionConfiguration cfg = queueConfig(*h);
    const std::shared_ptr<TransferEngine> engine = TransferEngine::forConfiguration(cfg);
    engine->setReachability(&reach);
    engine->setLoopbackNeedsNetwork(true);
    const Entity e = slowThenFast();
    Downloader dl(cfg);
    auto f = startAndWaitForData(dl);

    reach.setOnline(false);
    QTRY_COMPARE(stateOf(dl, kId), QStringLiteral("waiting-for-network"));
    QTRY_COMPARE(h->server.openConnections(), 0);
    const qint64 kept = partialSize();
    QVERIFY2(kept > 0 && kept < e.size, QByteArray::number(kept));
    QVERIFY(staysFalse([&] { return f.isFinished() || h->server.requestCount("/f") > 1; }, 300));
    QCOMPARE(stateOf(dl, kId), QStringLiteral("waiting-for-network"));

    reach.setOnline(true);
    BG_AWAIT(f);
    QVERIFY2(f.result().isSuccess(), describe(f.result()));
    checkResumed(kept, e);
}

void tst_Suspend::askedWhileOffline()
{
    ManualReachability reach;
    reach.setOnline(false);
    const SessionConfiguration cfg = queueConfig(*h);
    const std::shared_ptr<TransferEngine> engine = TransferEngine::forConfiguration(cfg);
    engine->setReachability(&reach);
    engine->setLoopbackNeedsNetwork(true);
    const Entity e = entity(256 * kKiB);
    h->server.setRoute("/f", route(e));
    Downloader dl(cfg);
    auto f = dl.networkResponse(h->request("/f"), kId, h->dest());
    QTRY_COMPARE(stateOf(dl, kId), QStringLiteral("waiting-for-network"));
    QVERIFY(staysFalse([&] { return h->server.requestCount("/f") > 0; }, 300));

    reach.setOnline(true);
    BG_AWAIT(f);
    QVERIFY2(f.result().isSuccess(), describe(f.result()));
    QCOMPARE(h->server.requestCount("/f"), 1);
    QCOMPARE(fileSha256(h->dest()), FaultServer::contentSha256(e));
}

void tst_Suspend::metered_data()
{
    QTest::addColumn<bool>("allowMetered");
    QTest::newRow("metered allowed") << true;
    QTest::newRow("metered not allowed") << false;
}

void tst_Suspend::metered()
{
    QFETCH(bool, allowMetered);
    ManualReachability reach;
    reach.setMetered(true);
    SessionConfiguration cfg = queueConfig(*h);
    cfg.setAllowMetered(allowMetered); // the engine takes it from its first client
    const std::shared_ptr<TransferEngine> engine = TransferEngine::forConfiguration(cfg);
    engine->setReachability(&reach);
    engine->setLoopbackNeedsNetwork(true);
    const Entity e = entity(256 * kKiB);
    h->server.setRoute("/f", route(e));
    Downloader dl(cfg);
    auto f = dl.networkResponse(h->request("/f"), kId, h->dest());
    if (!allowMetered) {
        QTRY_COMPARE(stateOf(dl, kId), QStringLiteral("waiting-for-network"));
        QVERIFY(staysFalse([&] { return h->server.requestCount("/f") > 0; }, 300));
        reach.setMetered(false);
    }
    BG_AWAIT(f);
    QVERIFY2(f.result().isSuccess(), describe(f.result()));
    QCOMPARE(fileSha256(h->dest()), FaultServer::contentSha256(e));
}

void tst_Suspend::noSuchBackend()
{
    // No backend of that name: the checks are off, and nothing waits for them.
    SystemReachability system(QStringLiteral("no-such-backend"));
    QVERIFY(!system.hasBackend());
    QVERIFY(system.isOnline());
    QVERIFY(!system.isMetered());
    QCOMPARE(system.backendName(), QString());

    const SessionConfiguration cfg = queueConfig(*h);
    const std::shared_ptr<TransferEngine> engine = TransferEngine::forConfiguration(cfg);
    engine->setReachability(&system);
    engine->setLoopbackNeedsNetwork(true);
    QVERIFY(engine->networkAllowed());
    const Entity e = entity(256 * kKiB);
    h->server.setRoute("/f", route(e));
    Downloader dl(cfg);
    auto f = dl.networkResponse(h->request("/f"), kId, h->dest());
    BG_AWAIT(f);
    QVERIFY2(f.result().isSuccess(), describe(f.result()));
    QCOMPARE(fileSha256(h->dest()), FaultServer::contentSha256(e));
}

QTEST_GUILESS_MAIN(tst_Suspend)
#include "tst_suspend.moc"
