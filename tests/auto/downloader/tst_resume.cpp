// Resume safety against a real loopback server: which bytes on disk may be kept, what is asked
// of the server, and how every kind of wrong answer ends in the right file anyway. Also what
// ends or repeats an attempt: stalls, retries, backoff on the engine's clock, and cancel.

#include "downloadertest.h"

#include "clock.h"
#include "transferengine.h"

#include <QtCore/QRegularExpression>
#include <QtTest/QSignalSpy>
#include <QtTest/QTest>

#include <memory>

using namespace Background;
using namespace DownloaderTest;
using FaultTest::Entity;
using FaultTest::Fault;
using FaultTest::FaultServer;

Q_DECLARE_METATYPE(FaultTest::Fault)

namespace {

const QString kId = QStringLiteral("job");
constexpr qint64 kMiB = 1024 * 1024;

// The start offset of a "bytes=N-" request header; -1 when there is none.
qint64 rangeStart(const FaultTest::RequestRecord &request)
{
    const QByteArray range = request.header("Range");
    if (!range.startsWith("bytes=") || !range.endsWith('-'))
        return -1;
    return range.mid(6).chopped(1).toLongLong();
}

Fault gzipped()
{
    Fault f;
    f.gzipWhenAsked = true;
    return f;
}

} // namespace

class tst_Resume : public Fixture
{
    Q_OBJECT

private Q_SLOTS:
    void acceptEncodingIdentity();
    void resumeAfterDrop_data();
    void resumeAfterDrop();
    void wrongAnswers_data();
    void wrongAnswers();
    void completeBy416();
    void rebootRule_data();
    void rebootRule();
    void stallsEnd_data();
    void stallsEnd();
    void retries_data();
    void retries();
    void progressDoesNotCountAsRetry();
    void backoffWaitsForClock_data();
    void backoffWaitsForClock();
    void cancelDeletesPartialData();
    void checkpointsWhileRunning();

private:
    bool seedCrashedOwner(const Entity &e,
                          const QString &partial,
                          qint64 durableOffset,
                          const QByteArray &checkpointBoot);
};

// What an owner that died before publishing left in the store: the row for "/f" into h->dest()
// with `partial`, its entity and a checkpoint at `durableOffset`, and no lease.
bool tst_Resume::seedCrashedOwner(const Entity &e,
                                  const QString &partial,
                                  qint64 durableOffset,
                                  const QByteArray &checkpointBoot)
{
    TransferStore store(h->storePath());
    const QString owner = QStringLiteral("crashed");
    return store.open()
           && seedRow(store,
                      kId,
                      h->server.url("/f"),
                      h->dest(),
                      partial,
                      makeLease(owner, 1, FileOps::bootId(), QDateTime::currentMSecsSinceEpoch()))
           && store.saveEntity(kId, durableOffset, e.size, e.etag, e.lastModified, checkpointBoot)
           && store.releaseAllLeases(owner);
}

void tst_Resume::acceptEncodingIdentity()
{
    // A server that gzips whenever allowed; a drop makes the second request a range request,
    // whose offsets only mean something for identity bytes.
    const auto e = entity(512 * 1024);
    Fault first = gzipped();
    first.dropAfterBytes = 200 * 1024;
    h->server.setRoute("/f", route(e, {first}, gzipped()));
    Downloader dl(h->config());
    auto f = dl.networkResponse(h->request("/f"), kId, h->dest());
    BG_AWAIT(f);
    QVERIFY2(f.result().isSuccess(), describe(f.result()));
    const auto requests = h->server.requests("/f");
    QCOMPARE(requests.size(), 2);
    for (const auto &r : requests)
        QCOMPARE(r.header("Accept-Encoding"), QByteArray("identity"));
    QVERIFY(rangeStart(requests.at(1)) > 0);
    QCOMPARE(requests.at(1).status, 206);
    QCOMPARE(fileSha256(h->dest()), FaultServer::contentSha256(e));
}

void tst_Resume::resumeAfterDrop_data()
{
    QTest::addColumn<QByteArray>("etag");
    QTest::addColumn<QByteArray>("lastModified");
    QTest::addColumn<QByteArray>("ifRange");
    const QByteArray date = "Tue, 01 Sep 2026 10:00:00 GMT";
    QTest::newRow("strong ETag") << QByteArray("\"v1\"") << date << QByteArray("\"v1\"");
    QTest::newRow("Last-Modified only") << QByteArray() << date << date;
    // A weak tag cannot prove byte equality; Last-Modified must be used instead.
    QTest::newRow("weak ETag") << QByteArray("W/\"v1\"") << date << date;
}

void tst_Resume::resumeAfterDrop()
{
    QFETCH(QByteArray, etag);
    QFETCH(QByteArray, lastModified);
    QFETCH(QByteArray, ifRange);
    Entity e = entity(kMiB, 7, etag);
    e.lastModified = lastModified;
    const qint64 dropAt = 400 * 1024;
    h->server.setRoute("/f", route(e, {dropFault(dropAt)}));
    Downloader dl(h->config());
    auto f = dl.networkResponse(h->request("/f"), kId, h->dest());
    BG_AWAIT(f);
    const NetworkResponse r = f.result();
    QVERIFY2(r.isSuccess(), describe(r));

    const auto requests = h->server.requests("/f");
    QCOMPARE(requests.size(), 2);
    QCOMPARE(requests.at(0).header("Range"), QByteArray());
    const qint64 from = rangeStart(requests.at(1));
    QVERIFY2(from > 0 && from <= dropAt, requests.at(1).header("Range"));
    QCOMPARE(requests.at(1).header("If-Range"), ifRange);
    QCOMPARE(requests.at(1).status, 206);
    QCOMPARE(r.resumedFrom(), from);
    QCOMPARE(r.attempts(), 2);
    // The bytes already on disk were not fetched again (one socket buffer of slack).
    QVERIFY2(h->server.bodyBytesSent("/f") < e.size + 64 * 1024,
             QByteArray::number(h->server.bodyBytesSent("/f")));
    QCOMPARE(fileSha256(h->dest()), FaultServer::contentSha256(e));
    QCOMPARE(partialFiles(h->dest()), QStringList());
}

void tst_Resume::wrongAnswers_data()
{
    QTest::addColumn<Fault>("first");
    QTest::addColumn<Fault>("second");
    QTest::addColumn<bool>("validators");   // the entity has ETag and Last-Modified
    QTest::addColumn<bool>("changeEntity"); // a new version appears after the first request
    QTest::addColumn<int>("requests");
    QTest::addColumn<int>("secondStatus");
    QTest::addColumn<bool>("lastHasRange");

    const qint64 dropAt = 300 * 1024;
    const Fault drop = dropFault(dropAt);
    Fault ignoreRange;
    ignoreRange.ignoreRange = true;
    Fault shifted;
    shifted.contentRangeShift = 1000;
    Fault shortNoLength; // 206 without Content-Length, closed early: only the total tells
    shortNoLength.omitContentLength = true;
    shortNoLength.dropAfterBytes = 200 * 1024;
    Fault errorBody = statusFault(503);
    errorBody.errorBody = QByteArray(4096, 'E');

    QTest::newRow("entity changed") << drop << Fault() << true << true << 2 << 200 << true;
    QTest::newRow("200 to a range") << drop << ignoreRange << true << false << 2 << 200 << true;
    QTest::newRow("206 elsewhere") << drop << shifted << true << false << 3 << 206 << false;
    QTest::newRow("206 cut short") << drop << shortNoLength << true << false << 3 << 206 << true;
    QTest::newRow("200 cut short") << drop << drop << true << false << 3 << 206 << true;
    QTest::newRow("no validator") << drop << Fault() << false << false << 2 << 200 << false;
    QTest::newRow("error body first") << errorBody << Fault() << true << false << 2 << 200 << false;
    QTest::newRow("error body between") << drop << errorBody << true << false << 3 << 503 << true;
}

void tst_Resume::wrongAnswers()
{
    QFETCH(Fault, first);
    QFETCH(Fault, second);
    QFETCH(bool, validators);
    QFETCH(bool, changeEntity);
    QFETCH(int, requests);
    QFETCH(int, secondStatus);
    QFETCH(bool, lastHasRange);

    Entity e = entity(kMiB, 7, validators ? QByteArray("\"v1\"") : QByteArray());
    if (!validators)
        e.lastModified.clear();
    Entity changed = entity(kMiB - 12345, 99, "\"v2\"");
    changed.lastModified = "Wed, 02 Sep 2026 10:00:00 GMT";
    h->server.setRoute("/f", route(e, {first, second}));
    if (changeEntity) {
        connect(&h->server,
                &FaultServer::responseFinished,
                this,
                [&](const QByteArray &path, int index) {
                    if (index == 0)
                        h->server.setEntity(path, changed);
                });
    }
    if (second.contentRangeShift != 0)
        QTest::ignoreMessage(QtWarningMsg,
                             QRegularExpression(QStringLiteral("206 with Content-Range")));

    Downloader dl(h->config(1));
    auto f = dl.networkResponse(h->request("/f"), kId, h->dest());
    BG_AWAIT(f);
    QVERIFY2(f.result().isSuccess(), describe(f.result()));

    const auto seen = h->server.requests("/f");
    QCOMPARE(seen.size(), requests);
    QCOMPARE(seen.at(1).status, secondStatus);
    QCOMPARE(rangeStart(seen.constLast()) > 0, lastHasRange);
    if (first.dropAfterBytes > 0 && validators)
        QVERIFY(rangeStart(seen.at(1)) > 0); // the second request did try to resume
    if (requests == 3 && lastHasRange && secondStatus == 206)
        QVERIFY(rangeStart(seen.at(2)) > rangeStart(seen.at(1))); // kept what the 206 brought
    const Entity &expected = changeEntity ? changed : e;
    QCOMPARE(QFileInfo(h->dest()).size(), expected.size);
    QCOMPARE(fileSha256(h->dest()), FaultServer::contentSha256(expected));
}

void tst_Resume::completeBy416()
{
    // A previous owner had received every byte but died before publishing.
    const auto e = entity(256 * 1024);
    h->server.setRoute("/f", route(e));
    const QString partial = h->dest(QStringLiteral(".file.bin.seeded.part"));
    QVERIFY(writeFile(partial, content(e, 0, e.size)));
    QVERIFY(seedCrashedOwner(e, partial, e.size, FileOps::bootId()));

    Downloader dl(h->config());
    auto f = dl.networkResponse(h->request("/f"), kId, h->dest());
    BG_AWAIT(f);
    QVERIFY2(f.result().isSuccess(), describe(f.result()));
    QCOMPARE(f.result().bytes(), e.size);
    const auto requests = h->server.requests("/f");
    QCOMPARE(requests.size(), 1);
    QCOMPARE(rangeStart(requests.at(0)), e.size);
    QCOMPARE(requests.at(0).status, 416);
    QCOMPARE(h->server.bodyBytesSent("/f"), qint64(0));
    QCOMPARE(fileSha256(h->dest()), FaultServer::contentSha256(e));
    QVERIFY(!QFile::exists(partial));
}

void tst_Resume::rebootRule_data()
{
    QTest::addColumn<QByteArray>("checkpointBoot");   // "current" stands for this boot
    QTest::addColumn<bool>("garbageAfterCheckpoint"); // bytes past the checkpoint are wrong
    QTest::addColumn<bool>("resumeFromFileEnd");      // else from the checkpoint

    // Same boot: the page cache kept every written byte, even after SIGKILL.
    QTest::newRow("same boot") << QByteArray("current") << false << true;
    // After a reboot only the fsynced checkpoint is trusted; what lies past it may be garbage.
    QTest::newRow("other boot") << QByteArray("other-boot") << true << false;
    QTest::newRow("unknown boot") << QByteArray() << true << false;
}

void tst_Resume::rebootRule()
{
    QFETCH(QByteArray, checkpointBoot);
    QFETCH(bool, garbageAfterCheckpoint);
    QFETCH(bool, resumeFromFileEnd);
    if (checkpointBoot == "current") {
        checkpointBoot = FileOps::bootId();
        if (checkpointBoot.isEmpty())
            QSKIP("This platform has no boot id");
    }
    const auto e = entity(kMiB);
    const qint64 checkpoint = 120 * 1024;
    const qint64 onDisk = 300 * 1024;
    h->server.setRoute("/f", route(e));
    const QString partial = h->dest(QStringLiteral(".file.bin.seeded.part"));
    const QByteArray tail = garbageAfterCheckpoint ? QByteArray(onDisk - checkpoint, 'G')
                                                   : content(e, checkpoint, onDisk - checkpoint);
    QVERIFY(writeFile(partial, content(e, 0, checkpoint) + tail));
    QVERIFY(seedCrashedOwner(e, partial, checkpoint, checkpointBoot));

    Downloader dl(h->config());
    auto f = dl.networkResponse(h->request("/f"), kId, h->dest());
    BG_AWAIT(f);
    QVERIFY2(f.result().isSuccess(), describe(f.result()));
    const auto requests = h->server.requests("/f");
    QCOMPARE(requests.size(), 1);
    QCOMPARE(rangeStart(requests.at(0)), resumeFromFileEnd ? onDisk : checkpoint);
    QCOMPARE(requests.at(0).header("If-Range"), e.etag);
    QCOMPARE(f.result().resumedFrom(), resumeFromFileEnd ? onDisk : checkpoint);
    QCOMPARE(fileSha256(h->dest()), FaultServer::contentSha256(e));
}

void tst_Resume::stallsEnd_data()
{
    QTest::addColumn<qint64>("stallAfter");
    QTest::addColumn<int>("maxRetries");
    QTest::addColumn<Outcome>("outcome");
    QTest::newRow("no retries") << qint64(0) << 0 << Outcome::Retry;
    QTest::newRow("no retries after progress") << qint64(100 * 1024) << 0 << Outcome::Retry;
    QTest::newRow("retried") << qint64(100 * 1024) << 2 << Outcome::Success;
}

void tst_Resume::stallsEnd()
{
    QFETCH(qint64, stallAfter);
    QFETCH(int, maxRetries);
    QFETCH(Outcome, outcome);
    const auto e = entity(512 * 1024);
    Fault stall;
    stall.stallAfterBytes = stallAfter;
    // With no retries every request stalls; otherwise only the first.
    h->server.setRoute("/f", outcome == Outcome::Retry ? route(e, {}, stall) : route(e, {stall}));
    SessionConfiguration cfg = h->config(maxRetries);
    cfg.setStallTimeout(300ms);
    Downloader dl(cfg);
    auto f = dl.networkResponse(h->request("/f"), kId, h->dest());
    BG_AWAIT(f);
    const NetworkResponse r = f.result();
    QVERIFY2(r.outcome() == outcome, describe(r));
    if (outcome == Outcome::Retry) {
        QCOMPARE(r.error(), Error::StallTimeout);
        QCOMPARE(h->server.requestCount("/f"), 1);
        QVERIFY(!QFile::exists(h->dest()));
    } else {
        QCOMPARE(h->server.requestCount("/f"), 2);
        QVERIFY(rangeStart(h->server.requests("/f").at(1)) > 0);
        QCOMPARE(fileSha256(h->dest()), FaultServer::contentSha256(e));
    }
    // The stalled connection is not left hanging.
    QTRY_COMPARE(h->server.openConnections(), 0);
}

void tst_Resume::retries_data()
{
    QTest::addColumn<int>("failures");
    QTest::addColumn<int>("maxRetries");
    QTest::addColumn<Outcome>("outcome");
    QTest::newRow("exhausted") << 3 << 2 << Outcome::Retry;
    QTest::newRow("recovers") << 2 << 2 << Outcome::Success;
    QTest::newRow("no retries") << 1 << 0 << Outcome::Retry;
}

void tst_Resume::retries()
{
    QFETCH(int, failures);
    QFETCH(int, maxRetries);
    QFETCH(Outcome, outcome);
    const auto e = entity(64 * 1024);
    h->server.setRoute("/f", route(e, QList<Fault>(failures, statusFault(503))));
    Downloader dl(h->config(maxRetries));
    auto f = dl.networkResponse(h->request("/f"), kId, h->dest());
    BG_AWAIT(f);
    const NetworkResponse r = f.result();
    QVERIFY2(r.outcome() == outcome, describe(r));
    const int expectedRequests = qMin(failures, maxRetries + 1) + (r.isSuccess() ? 1 : 0);
    QCOMPARE(r.attempts(), expectedRequests);
    QVERIFY(staysFalse([&] { return h->server.requestCount("/f") > expectedRequests; }, 100));
    QCOMPARE(h->server.requestCount("/f"), expectedRequests);
    if (r.isSuccess())
        QCOMPARE(fileSha256(h->dest()), FaultServer::contentSha256(e));
    else
        QCOMPARE(r.httpStatus(), 503);
}

void tst_Resume::progressDoesNotCountAsRetry()
{
    const auto e = entity(1024 * 1024);
    const qint64 tenth = e.size / 10;
    h->server.setRoute("/f", route(e, {dropFault(tenth), dropFault(tenth), dropFault(tenth)}));
    Downloader dl(h->config(1));
    auto f = dl.networkResponse(h->request("/f"), kId, h->dest());
    BG_AWAIT(f);
    QVERIFY2(f.result().isSuccess(), describe(f.result()));
    const auto requests = h->server.requests("/f");
    QCOMPARE(requests.size(), 4);
    qint64 previous = 0;
    for (int i = 1; i < requests.size(); ++i) {
        const QByteArray range = requests.at(i).header("Range");
        QVERIFY2(range.startsWith("bytes="), range);
        const qint64 from = range.mid(6).chopped(1).toLongLong();
        QVERIFY2(from > previous, range);
        previous = from;
    }
    QCOMPARE(fileSha256(h->dest()), FaultServer::contentSha256(e));
}

void tst_Resume::backoffWaitsForClock_data()
{
    QTest::addColumn<QByteArray>("retryAfter");
    QTest::addColumn<qint64>("delayMs");
    // baseDelay 60 s, jitter 0.5: the first retry waits 30 s of the manual clock.
    QTest::newRow("jitter") << QByteArray() << qint64(30000);
    // The server's Retry-After is a floor above the jittered delay.
    QTest::newRow("Retry-After") << QByteArray("90") << qint64(90000);
}

void tst_Resume::backoffWaitsForClock()
{
    QFETCH(QByteArray, retryAfter);
    QFETCH(qint64, delayMs);
    const qint64 start = QDateTime::currentMSecsSinceEpoch();
    ManualClock clock(start);
    clock.setRandom(0.5);
    SessionConfiguration cfg = h->config(1);
    RetryPolicy policy = cfg.retryPolicy();
    policy.baseDelay = 60s;
    policy.maxDelay = 60s;
    cfg.setRetryPolicy(policy);
    // The Downloader gets this same engine, so it runs on the manual clock.
    const std::shared_ptr<TransferEngine> engine = TransferEngine::forConfiguration(cfg);
    engine->setClock(&clock);
    const auto e = entity(64 * 1024);
    h->server.setRoute("/f", route(e, {statusFault(503, retryAfter)}));
    Downloader dl(cfg);
    auto f = dl.networkResponse(h->request("/f"), kId, h->dest());
    QTRY_COMPARE(stateOf(dl, kId), QStringLiteral("waiting"));
    QCOMPARE(dl.transfer(kId)->nextAttemptAt.toMSecsSinceEpoch(), start + delayMs);

    QVERIFY(staysFalse([&] { return h->server.requestCount("/f") > 1; }, 300));
    clock.advance(delayMs - 1);
    QVERIFY(staysFalse([&] { return h->server.requestCount("/f") > 1; }, 200));
    QVERIFY(!f.isFinished());
    clock.advance(1);
    QTRY_COMPARE(h->server.requestCount("/f"), 2);
    BG_AWAIT(f);
    QVERIFY2(f.result().isSuccess(), describe(f.result()));
    QCOMPARE(fileSha256(h->dest()), FaultServer::contentSha256(e));
}

void tst_Resume::cancelDeletesPartialData()
{
    const auto e = entity(512 * 1024);
    h->server.setRoute("/f", route(e, {}, throttled(128 * 1024)));
    Downloader dl(h->config());
    auto f = dl.networkResponse(h->request("/f"), kId, h->dest());
    QTRY_VERIFY(partialFileHasData(h->dest()));
    QCOMPARE(dl.pendingIdentifiers(), QStringList{kId});
    QSignalSpy pendingChanged(&dl, &Downloader::pendingIdentifiersChanged);

    QVERIFY(dl.cancel(kId));
    BG_AWAIT(f);
    QCOMPARE(f.result().outcome(), Outcome::Failed);
    QCOMPARE(f.result().error(), Error::Canceled);
    QCOMPARE(partialFiles(h->dest()), QStringList());
    QVERIFY(!QFile::exists(h->dest()));
    QCOMPARE(dl.pendingIdentifiers(), QStringList());
    QVERIFY(!pendingChanged.isEmpty());
    QVERIFY(!dl.transfer(kId));
    QVERIFY(!dl.cancel(kId));
    QTRY_COMPARE(h->server.openConnections(), 0);
    QCOMPARE(h->server.requestCount("/f"), 1);
}

// Unforced checkpoints fsync off the event loop and record their offset when the fsync ends:
// the stored offset moves while the body is still coming, never past the bytes on the disk.
void tst_Resume::checkpointsWhileRunning()
{
    const auto e = entity(2 * kMiB);
    // Many checkpoint intervals' worth of body, then held until released: the transfer is
    // certainly unfinished while the store is looked at.
    const qint64 stallAt = 512 * 1024;
    Fault slow = throttled(256 * 1024);
    slow.stallAfterBytes = stallAt;
    h->server.setRoute("/f", route(e, {slow}));
    SessionConfiguration cfg = h->config(0);
    // A stall's forced checkpoint would record an offset too, and hide a missing background one.
    cfg.setStallTimeout(10min);
    QCOMPARE(cfg.checkpointInterval(), 50ms);
    Downloader dl(cfg);
    auto f = dl.networkResponse(h->request("/f"), kId, h->dest());

    // Read as another process would: through a connection of its own.
    TransferStore store(h->storePath());
    QVERIFY(store.open());
    std::optional<TransferRow> row;
    qint64 highest = 0;
    QByteArray violation;
    const auto sample = [&] {
        row = store.find(kId);
        if (!row)
            return false;
        // The row first: the file only grows in this test, so its size read after can only be
        // larger than when the offset was recorded.
        const qint64 onDisk = QFileInfo(row->partialPath).size();
        if (violation.isEmpty() && row->durableOffset > onDisk)
            violation = "durable offset " + QByteArray::number(row->durableOffset)
                        + " > partial file " + QByteArray::number(onDisk);
        if (violation.isEmpty() && row->durableOffset < highest)
            violation = "durable offset went back from " + QByteArray::number(highest) + " to "
                        + QByteArray::number(row->durableOffset);
        highest = qMax(highest, row->durableOffset);
        return row->durableOffset > 0;
    };
    QTRY_VERIFY_WITH_TIMEOUT(sample(), kWaitMs);
    QVERIFY2(violation.isEmpty(), violation);
    QCOMPARE(row->state, TransferInfo::State::Running);
    QVERIFY(!row->result);
    QVERIFY(!f.isFinished());

    // Keep looking until the server reaches its stall point.
    const auto stalled = [&] {
        sample();
        return h->server.bodyBytesSent("/f") >= stallAt;
    };
    QTRY_VERIFY_WITH_TIMEOUT(stalled(), kWaitMs);
    QVERIFY(sample());
    QVERIFY2(violation.isEmpty(), violation);
    QCOMPARE(row->state, TransferInfo::State::Running);
    QVERIFY(!f.isFinished());

    QCOMPARE(h->server.releaseStalled("/f"), 1);
    BG_AWAIT(f);
    QVERIFY2(f.result().isSuccess(), describe(f.result()));
    QCOMPARE(h->server.requestCount("/f"), 1);
    QCOMPARE(fileSha256(h->dest()), FaultServer::contentSha256(e));
    QCOMPARE(partialFiles(h->dest()), QStringList());
}

QTEST_GUILESS_MAIN(tst_Resume)
#include "tst_resume.moc"
