// The queue's pure parts: which entry TransferQueue hands out next under the session's and the
// host's limits, due times and the network; and how SpeedMeter turns byte counts into a speed
// and a time left.

#include "speedmeter.h"
#include "transferqueue.h"

#include <QtTest/QTest>

#include <optional>

using namespace Background;
using Priority = TransferInfo::Priority;

Q_DECLARE_METATYPE(Background::QueueEntry)

namespace {

constexpr qint64 kNow = 1'800'000'000'000; // ms since the epoch; any fixed instant will do

const QString A = QStringLiteral("http://a:80");
const QString B = QStringLiteral("http://b:80");

QueueEntry entry(const char *id,
                 Priority priority = Priority::Normal,
                 qint64 seq = 0,
                 const QString &host = A,
                 qint64 dueAt = 0,
                 bool needsNetwork = true)
{
    QueueEntry e;
    e.identifier = QString::fromLatin1(id);
    e.priority = priority;
    e.seq = seq;
    e.host = host;
    e.dueAt = dueAt;
    e.needsNetwork = needsNetwork;
    return e;
}

TransferQueue::Limits bounds(int total = 100, int perHost = 100, bool networkUp = true)
{
    TransferQueue::Limits l;
    l.total = total;
    l.perHost = perHost;
    l.networkUp = networkUp;
    return l;
}

// Takes entries until the queue says no, occupying a slot for each as the engine does.
QStringList drain(TransferQueue &queue, const TransferQueue::Limits &l, qint64 now = kNow)
{
    QStringList taken;
    while (const std::optional<QueueEntry> next = queue.takeNext(now, l)) {
        taken.append(next->identifier);
        queue.occupy(next->identifier, next->host);
    }
    return taken;
}

QStringList ids(std::initializer_list<const char *> list)
{
    QStringList out;
    for (const char *id : list)
        out.append(QString::fromLatin1(id));
    return out;
}

QUrl url(const char *text)
{
    return QUrl(QString::fromLatin1(text));
}

} // namespace

class tst_TransferQueue : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void order_data();
    void order();
    void limits_data();
    void limits();
    void occupyAndRelease();
    void dueAt_data();
    void dueAt();
    void network_data();
    void network();
    void hostKey_data();
    void hostKey();
    void isLoopback_data();
    void isLoopback();

    void speedConstantRate_data();
    void speedConstantRate();
    void speedSmoothsAStep();
    void speedRestartFromZero();
    void eta_data();
    void eta();
    void unknown();
};

void tst_TransferQueue::order_data()
{
    QTest::addColumn<QList<QueueEntry>>("inserted");
    QTest::addColumn<QStringList>("expected");
    const auto L = Priority::Low;
    const auto N = Priority::Normal;
    const auto H = Priority::High;
    QTest::newRow("priority beats first come")
            << QList<QueueEntry>{entry("low", L, 1), entry("normal", N, 2), entry("high", H, 3)}
            << ids({"high", "normal", "low"});
    // First come is the store's seq, not the order of insertion (a restore inserts late).
    QTest::newRow("seq within a priority")
            << QList<QueueEntry>{entry("mid", N, 30), entry("zeta", N, 10), entry("alpha", N, 20)}
            << ids({"zeta", "alpha", "mid"});
    QTest::newRow("mixed") << QList<QueueEntry>{entry("n1", N, 1),
                                                entry("l2", L, 2),
                                                entry("h3", H, 3),
                                                entry("n4", N, 4),
                                                entry("h5", H, 5),
                                                entry("l6", L, 6)}
                           << ids({"h3", "h5", "n1", "n4", "l2", "l6"});
    // Inserting an identifier again replaces its entry: the queue holds it once.
    QTest::newRow("reinsert replaces")
            << QList<QueueEntry>{entry("x", H, 1), entry("y", N, 2), entry("x", L, 1)}
            << ids({"y", "x"});
}

void tst_TransferQueue::order()
{
    QFETCH(QList<QueueEntry>, inserted);
    QFETCH(QStringList, expected);
    TransferQueue queue;
    for (const QueueEntry &e : inserted)
        queue.insert(e);
    QCOMPARE(queue.size(), expected.size());
    for (const QString &id : expected)
        QVERIFY(queue.contains(id));
    QCOMPARE(drain(queue, bounds()), expected);
    QVERIFY(queue.isEmpty());
    QCOMPARE(queue.running(), expected.size());
}

void tst_TransferQueue::limits_data()
{
    QTest::addColumn<QList<QueueEntry>>("inserted");
    QTest::addColumn<QStringList>("alreadyRunning"); // "id@host"
    QTest::addColumn<int>("total");
    QTest::addColumn<int>("perHost");
    QTest::addColumn<QStringList>("expected");
    const auto N = Priority::Normal;
    const auto H = Priority::High;
    const QList<QueueEntry> threeAndOne{
            entry("a1", N, 1, A), entry("a2", N, 2, A), entry("a3", N, 3, A), entry("b1", N, 4, B)};
    QTest::newRow("session limit") << threeAndOne << QStringList() << 2 << 4 << ids({"a1", "a2"});
    // A host at its limit is skipped, not waited for: the next host's entry goes first.
    QTest::newRow("host limit skips")
            << threeAndOne << QStringList() << 6 << 2 << ids({"a1", "a2", "b1"});
    QTest::newRow("both") << threeAndOne << QStringList() << 2 << 1 << ids({"a1", "b1"});
    QTest::newRow("running counts for the host")
            << threeAndOne << QStringList{QStringLiteral("r@") + A} << 6 << 1 << ids({"b1"});
    QTest::newRow("running counts for the session")
            << threeAndOne << QStringList{QStringLiteral("r1@") + A, QStringLiteral("r2@") + B} << 2
            << 4 << QStringList();
    // The host limit does not override priority elsewhere: the high one on B still goes first.
    QTest::newRow("priority across hosts")
            << QList<QueueEntry>{entry("a1", N, 1, A), entry("b2", H, 2, B), entry("a3", N, 3, A)}
            << QStringList() << 6 << 1 << ids({"b2", "a1"});
}

void tst_TransferQueue::limits()
{
    QFETCH(QList<QueueEntry>, inserted);
    QFETCH(QStringList, alreadyRunning);
    QFETCH(int, total);
    QFETCH(int, perHost);
    QFETCH(QStringList, expected);
    TransferQueue queue;
    for (const QString &r : alreadyRunning)
        queue.occupy(r.section(QLatin1Char('@'), 0, 0), r.section(QLatin1Char('@'), 1));
    for (const QueueEntry &e : inserted)
        queue.insert(e);
    QCOMPARE(drain(queue, bounds(total, perHost)), expected);
    QCOMPARE(queue.size(), inserted.size() - expected.size());
    QVERIFY(queue.running() <= total);
    QVERIFY(queue.runningOn(A) <= perHost);
    QVERIFY(queue.runningOn(B) <= perHost);
}

void tst_TransferQueue::occupyAndRelease()
{
    TransferQueue queue;
    queue.insert(entry("a1", Priority::Normal, 1, A));
    queue.insert(entry("a2", Priority::Normal, 2, A));
    queue.insert(entry("b1", Priority::Normal, 3, B));
    const auto l = bounds(6, 1);
    QCOMPARE(drain(queue, l), (ids({"a1", "b1"})));
    QCOMPARE(queue.running(), 2);
    QCOMPARE(queue.runningOn(A), 1);
    QCOMPARE(queue.runningOn(B), 1);
    QVERIFY(queue.isRunning(QStringLiteral("a1")));
    QVERIFY(!queue.isRunning(QStringLiteral("a2")));

    // Reported twice, counted once; an unknown release changes nothing.
    queue.occupy(QStringLiteral("a1"), A);
    QCOMPARE(queue.runningOn(A), 1);
    queue.release(QStringLiteral("nobody"));
    QCOMPARE(queue.running(), 2);

    queue.release(QStringLiteral("b1"));
    QCOMPARE(queue.runningOn(B), 0);
    QVERIFY(!queue.takeNext(kNow, l)); // B's free slot does not help A's entry
    queue.release(QStringLiteral("a1"));
    QCOMPARE(queue.runningOn(A), 0);
    QCOMPARE(queue.running(), 0);
    QCOMPARE(drain(queue, l), ids({"a2"}));
    queue.release(QStringLiteral("a2"));
    queue.release(QStringLiteral("a2"));
    QCOMPARE(queue.running(), 0);
    QCOMPARE(queue.runningOn(A), 0);

    // remove() takes a waiting entry out; it never runs.
    queue.insert(entry("c", Priority::Normal, 4, A));
    QVERIFY(queue.remove(QStringLiteral("c")));
    QVERIFY(!queue.remove(QStringLiteral("c")));
    QVERIFY(queue.isEmpty());
    QVERIFY(!queue.takeNext(kNow, l));
}

void tst_TransferQueue::dueAt_data()
{
    QTest::addColumn<QList<QueueEntry>>("inserted");
    QTest::addColumn<QStringList>("expected");
    QTest::addColumn<qint64>("nextDue");
    const auto L = Priority::Low;
    const auto H = Priority::High;
    QTest::newRow("future is held")
            << QList<QueueEntry>{entry("x", H, 1, A, kNow + 100)} << QStringList() << kNow + 100;
    QTest::newRow("due now runs") << QList<QueueEntry>{entry("x", H, 1, A, kNow)} << ids({"x"})
                                  << qint64(0);
    QTest::newRow("past runs") << QList<QueueEntry>{entry("x", H, 1, A, kNow - 5000)} << ids({"x"})
                               << qint64(0);
    // Waiting for its time does not hold back those behind it.
    QTest::newRow("a later high one lets a low one by")
            << QList<QueueEntry>{entry("high", H, 1, A, kNow + 7000), entry("low", L, 2, A)}
            << ids({"low"}) << kNow + 7000;
    QTest::newRow("earliest of several") << QList<QueueEntry>{entry("x", H, 1, A, kNow + 9000),
                                                              entry("y", H, 2, A, kNow + 3000),
                                                              entry("z", H, 3, A, kNow + 5000),
                                                              entry("due", H, 4, A, kNow - 1)}
                                         << ids({"due"}) << kNow + 3000;
    QTest::newRow("nothing waiting") << QList<QueueEntry>{} << QStringList() << qint64(0);
}

void tst_TransferQueue::dueAt()
{
    QFETCH(QList<QueueEntry>, inserted);
    QFETCH(QStringList, expected);
    QFETCH(qint64, nextDue);
    TransferQueue queue;
    for (const QueueEntry &e : inserted)
        queue.insert(e);
    QCOMPARE(drain(queue, bounds()), expected);
    QCOMPARE(queue.nextDueAt(kNow), nextDue);
    if (nextDue == 0)
        return;
    // At its time it runs, and nothing more is due.
    QVERIFY(!queue.takeNext(nextDue - 1, bounds()));
    QCOMPARE(queue.takeNext(nextDue, bounds())->dueAt, nextDue);
}

void tst_TransferQueue::network_data()
{
    QTest::addColumn<bool>("networkUp");
    QTest::addColumn<QStringList>("expected");
    QTest::newRow("up") << true << ids({"remote1", "loopback", "remote2"});
    QTest::newRow("down") << false << ids({"loopback"});
}

void tst_TransferQueue::network()
{
    QFETCH(bool, networkUp);
    QFETCH(QStringList, expected);
    TransferQueue queue;
    queue.insert(entry("remote1", Priority::Normal, 1, A, 0, true));
    queue.insert(entry("loopback", Priority::Normal, 2, B, 0, false));
    queue.insert(entry("remote2", Priority::Normal, 3, A, 0, true));
    QCOMPARE(drain(queue, bounds(6, 4, networkUp)), expected);
    // Held ones stay queued, and run once the network is back.
    QCOMPARE(queue.size(), 3 - expected.size());
    if (!networkUp)
        QCOMPARE(drain(queue, bounds(6, 4, true)), (ids({"remote1", "remote2"})));
}

void tst_TransferQueue::hostKey_data()
{
    QTest::addColumn<QUrl>("url");
    QTest::addColumn<QString>("key");
    QTest::newRow("default http port")
            << url("http://example.com/a") << QStringLiteral("http://example.com:80");
    QTest::newRow("default https port")
            << url("https://example.com/a?b") << QStringLiteral("https://example.com:443");
    QTest::newRow("explicit default")
            << url("https://example.com:443/") << QStringLiteral("https://example.com:443");
    QTest::newRow("other port") << url("http://example.com:8080/x")
                                << QStringLiteral("http://example.com:8080");
    QTest::newRow("case") << url("http://EXAMPLE.Com/") << QStringLiteral("http://example.com:80");
    QTest::newRow("scheme counts")
            << url("https://example.com:80/") << QStringLiteral("https://example.com:80");
    QTest::newRow("user info ignored")
            << url("http://user:pw@example.com/") << QStringLiteral("http://example.com:80");
    // Names are not resolved: two names for one address are two hosts.
    QTest::newRow("address") << url("http://127.0.0.1:5000/")
                             << QStringLiteral("http://127.0.0.1:5000");
    QTest::newRow("localhost") << url("http://localhost:5000/")
                               << QStringLiteral("http://localhost:5000");
}

void tst_TransferQueue::hostKey()
{
    QFETCH(QUrl, url);
    QFETCH(QString, key);
    QCOMPARE(TransferQueue::hostKey(url), key);
}

void tst_TransferQueue::isLoopback_data()
{
    QTest::addColumn<QUrl>("url");
    QTest::addColumn<bool>("loopback");
    QTest::newRow("localhost") << url("http://localhost:1/") << true;
    QTest::newRow("LOCALHOST") << url("http://LOCALHOST/") << true;
    QTest::newRow("sub.localhost") << url("http://app.localhost/") << true;
    QTest::newRow("127.0.0.1") << url("http://127.0.0.1:8080/") << true;
    QTest::newRow("127/8") << url("http://127.1.2.3/") << true;
    QTest::newRow("::1") << url("http://[::1]:8080/") << true;
    QTest::newRow("name") << url("https://example.com/") << false;
    QTest::newRow("localhost as a label") << url("http://localhost.example.com/") << false;
    QTest::newRow("not quite") << url("http://notlocalhost/") << false;
    QTest::newRow("private address") << url("http://10.0.0.1/") << false;
    QTest::newRow("any address") << url("http://0.0.0.0/") << false;
    QTest::newRow("128.0.0.1") << url("http://128.0.0.1/") << false;
}

void tst_TransferQueue::isLoopback()
{
    QFETCH(QUrl, url);
    QFETCH(bool, loopback);
    QCOMPARE(TransferQueue::isLoopback(url), loopback);
}

void tst_TransferQueue::speedConstantRate_data()
{
    QTest::addColumn<qint64>("rate");         // bytes per second
    QTest::addColumn<QList<qint64>>("steps"); // ms between samples, repeated
    QTest::newRow("1 KB/s every 100 ms") << qint64(1000) << QList<qint64>{100};
    QTest::newRow("10 MB/s every 250 ms") << qint64(10'000'000) << QList<qint64>{250};
    QTest::newRow("irregular samples") << qint64(64'000) << QList<qint64>{10, 500, 40, 1000, 125};
}

void tst_TransferQueue::speedConstantRate()
{
    QFETCH(qint64, rate);
    QFETCH(QList<qint64>, steps);
    SpeedMeter meter;
    qint64 t = kNow;
    qint64 bytes = 0;
    meter.sample(t, bytes);
    for (int i = 0; i < 40; ++i) {
        const qint64 dt = steps.at(i % steps.size());
        t += dt;
        bytes += rate * dt / 1000;
        meter.sample(t, bytes);
        QCOMPARE(meter.bytesPerSecond(), rate);
    }
    QCOMPARE(meter.bytes(), bytes);
}

void tst_TransferQueue::speedSmoothsAStep()
{
    const qint64 before = 1000;
    const qint64 after = 5000;
    SpeedMeter meter;
    qint64 t = kNow;
    qint64 bytes = 0;
    const auto run = [&](qint64 rate, qint64 ms) {
        for (qint64 done = 0; done < ms; done += 100) {
            t += 100;
            bytes += rate / 10;
            meter.sample(t, bytes);
        }
    };
    meter.sample(t, bytes);
    run(before, 10000);
    QCOMPARE(meter.bytesPerSecond(), before);

    // One sample at the new rate moves the figure a little, towards the new rate.
    run(after, 100);
    const qint64 first = meter.bytesPerSecond();
    QVERIFY2(first > before && first < (before + after) / 2, QByteArray::number(first));
    // It keeps moving and never overshoots.
    qint64 previous = first;
    for (int i = 0; i < 29; ++i) {
        run(after, 100);
        QVERIFY(meter.bytesPerSecond() >= previous);
        QVERIFY(meter.bytesPerSecond() <= after);
        previous = meter.bytesPerSecond();
    }
    // After one window it is most of the way there; after five, within one percent.
    QVERIFY2(previous > (before + after) / 2, QByteArray::number(previous));
    run(after, 4 * SpeedMeter::WindowMs);
    QVERIFY2(meter.bytesPerSecond() >= after * 99 / 100,
             QByteArray::number(meter.bytesPerSecond()));
}

void tst_TransferQueue::speedRestartFromZero()
{
    SpeedMeter meter;
    meter.sample(kNow, 0);
    meter.sample(kNow + 1000, 50'000);
    meter.sample(kNow + 2000, 100'000);
    QCOMPARE(meter.bytesPerSecond(), qint64(50'000));

    // Fewer bytes than before: the transfer started over, and the old rate means nothing.
    meter.sample(kNow + 2100, 10);
    QCOMPARE(meter.bytesPerSecond(), qint64(0));
    QCOMPARE(meter.etaSeconds(1000), qint64(-1));
    QCOMPARE(meter.bytes(), qint64(10));
    meter.sample(kNow + 3100, 2010);
    QCOMPARE(meter.bytesPerSecond(), qint64(2000));
    QCOMPARE(meter.etaSeconds(6010), qint64(2));
}

void tst_TransferQueue::eta_data()
{
    QTest::addColumn<qint64>("done");
    QTest::addColumn<qint64>("total");
    QTest::addColumn<qint64>("eta");
    // 1000 bytes per second; seconds are rounded up, so "0" only ever means done.
    QTest::newRow("exact") << qint64(2000) << qint64(5000) << qint64(3);
    QTest::newRow("rounded up") << qint64(2000) << qint64(3500) << qint64(2);
    QTest::newRow("one byte left") << qint64(2000) << qint64(2001) << qint64(1);
    QTest::newRow("done") << qint64(2000) << qint64(2000) << qint64(0);
    QTest::newRow("more than announced") << qint64(2000) << qint64(1500) << qint64(0);
    QTest::newRow("unknown total") << qint64(2000) << qint64(-1) << qint64(-1);
}

void tst_TransferQueue::eta()
{
    QFETCH(qint64, done);
    QFETCH(qint64, total);
    QFETCH(qint64, eta);
    SpeedMeter meter;
    meter.sample(kNow, done - 1000);
    meter.sample(kNow + 1000, done);
    QCOMPARE(meter.bytesPerSecond(), qint64(1000));
    QCOMPARE(meter.etaSeconds(total), eta);
}

void tst_TransferQueue::unknown()
{
    SpeedMeter meter;
    QCOMPARE(meter.bytesPerSecond(), qint64(0));
    QCOMPARE(meter.etaSeconds(1000), qint64(-1));
    // One sample is no speed yet; a second at the same instant is none either.
    meter.sample(kNow, 100);
    QCOMPARE(meter.bytesPerSecond(), qint64(0));
    QCOMPARE(meter.etaSeconds(1000), qint64(-1));
    meter.sample(kNow, 500);
    QCOMPARE(meter.bytesPerSecond(), qint64(0));
    QCOMPARE(meter.etaSeconds(1000), qint64(-1));
    // Bytes at the same instant count in the next interval.
    meter.sample(kNow + 1000, 900);
    QCOMPARE(meter.bytesPerSecond(), qint64(800));
    // Standing still: no speed, so no time left either.
    SpeedMeter idle;
    idle.sample(kNow, 100);
    idle.sample(kNow + 1000, 100);
    QCOMPARE(idle.bytesPerSecond(), qint64(0));
    QCOMPARE(idle.etaSeconds(1000), qint64(-1));
    QCOMPARE(idle.etaSeconds(100), qint64(0)); // but done is done
}

QTEST_GUILESS_MAIN(tst_TransferQueue)
#include "tst_transferqueue.moc"
