// TransferModel against a real loopback server: rows appear when transfers are asked for,
// follow their progress and state, go when forgotten or canceled, survive a restart, and
// reload what another connection wrote. Every model is watched by QAbstractItemModelTester.

#include "queuetest.h"

#include "transfermodel.h"
#include "transferstore.h"
#include "uploader.h"

#include <QtTest/QAbstractItemModelTester>
#include <QtTest/QSignalSpy>
#include <QtTest/QTest>

#include <memory>

using namespace Background;
using namespace QueueTest;
using FaultTest::Entity;

Q_DECLARE_METATYPE(FaultTest::Fault)

namespace {

// The tester goes first, while the model is still whole.
struct Watched
{
    explicit Watched(const SessionConfiguration &config)
        : model(config)
        , tester(&model, QAbstractItemModelTester::FailureReportingMode::Fatal)
    {}
    TransferModel model;
    QAbstractItemModelTester tester;
};

QVariant value(const TransferModel &model, const QString &id, int role)
{
    const int row = model.indexOf(id);
    return row < 0 ? QVariant() : model.data(model.index(row), role);
}

QString stateName(const TransferModel &model, const QString &id)
{
    const QVariant v = value(model, id, TransferModel::StateNameRole);
    return v.isValid() ? v.toString() : QStringLiteral("<no row>");
}

// What a store connection of its own reads for `id`.
std::optional<TransferRow> storedRow(const QString &storePath, const QString &id)
{
    TransferStore store(storePath);
    return store.open() ? store.find(id) : std::nullopt;
}

} // namespace

class tst_TransferModel : public Fixture
{
    Q_OBJECT

public:
    tst_TransferModel()
    {
        // The system's network state must not decide these tests.
        qputenv("BACKGROUND_NETWORK_BACKEND", "none");
    }

private Q_SLOTS:
    void roleNames();
    void downloadAppearsAndFinishes();
    void progressChangesOnlyItsRow();
    void uploadRow();
    void removed_data();
    void removed();
    void canceledElsewhere();
    void existingStore();
    void reloadSeesAnotherConnection();
    void failure_data();
    void failure();
    void storePathSwitches();
};

void tst_TransferModel::roleNames()
{
    Watched w(h->config());
    const QHash<int, QByteArray> names = w.model.roleNames();
    const QList<QPair<int, QByteArray>> expected{
            {TransferModel::IdentifierRole, "identifier"},
            {TransferModel::KindRole, "kind"},
            {TransferModel::UrlRole, "url"},
            {TransferModel::LocalPathRole, "localPath"},
            {TransferModel::StateRole, "state"},
            {TransferModel::StateNameRole, "stateName"},
            {TransferModel::BytesDoneRole, "bytesDone"},
            {TransferModel::BytesTotalRole, "bytesTotal"},
            {TransferModel::ProgressRole, "progress"},
            {TransferModel::SpeedRole, "speed"},
            {TransferModel::EtaRole, "eta"},
            {TransferModel::OutcomeRole, "outcome"},
            {TransferModel::HttpStatusRole, "httpStatus"},
            {TransferModel::ErrorStringRole, "errorString"},
            {TransferModel::AttemptsRole, "attempts"},
            {TransferModel::NextAttemptAtRole, "nextAttemptAt"},
            {TransferModel::PriorityRole, "priority"},
    };
    for (const auto &[role, name] : expected)
        QCOMPARE(names.value(role), name);
}

void tst_TransferModel::downloadAppearsAndFinishes()
{
    const Entity e = entity(64 * kKiB);
    h->server.setRoute("/a", route(e));
    Watched w(h->config());
    TransferModel &m = w.model;
    QCOMPARE(m.rowCount(), 0);
    QCOMPARE(m.property("count").toInt(), 0);

    Downloader dl(h->config());
    // What the model says whenever the engine announces a state (the model heard it first):
    // the state just announced, even before the job wrote it to the store.
    QStringList announced;
    QStringList shown;
    connect(&dl, &Downloader::stateChanged, this, [&](const QString &id, TransferInfo::State s) {
        announced.append(TransferInfo::stateName(s));
        shown.append(stateName(m, id));
    });
    QSignalSpy inserted(&m, &QAbstractItemModel::rowsInserted);
    QSignalSpy counted(&m, &TransferModel::countChanged);
    auto f = dl.networkResponse(h->request("/a"), QStringLiteral("a"), h->dest());
    // There as soon as it is asked for, before anything ran.
    QCOMPARE(inserted.size(), 1);
    QCOMPARE(inserted.at(0).at(1).toInt(), 0);
    QCOMPARE(counted.size(), 1);
    QCOMPARE(m.count(), 1);
    QCOMPARE(m.indexOf(QStringLiteral("a")), 0);
    const QModelIndex at = m.index(0);
    QCOMPARE(at.data(Qt::DisplayRole).toString(), QStringLiteral("a"));
    QCOMPARE(at.data(TransferModel::IdentifierRole).toString(), QStringLiteral("a"));
    QCOMPARE(at.data(TransferModel::KindRole).toString(), QStringLiteral("download"));
    QCOMPARE(at.data(TransferModel::UrlRole).toUrl(), h->server.url("/a"));
    QCOMPARE(at.data(TransferModel::LocalPathRole).toString(), h->dest());
    QCOMPARE(at.data(TransferModel::StateNameRole).toString(), QStringLiteral("queued"));
    QCOMPARE(at.data(TransferModel::StateRole).toInt(), int(TransferInfo::State::Queued));
    QCOMPARE(at.data(TransferModel::OutcomeRole).toInt(), -1);
    QCOMPARE(m.transfer(0).identifier, QStringLiteral("a"));

    BG_AWAIT(f);
    QVERIFY2(f.result().isSuccess(), describe(f.result()));
    QTRY_COMPARE(stateName(m, QStringLiteral("a")), QStringLiteral("finished"));
    QCOMPARE(at.data(TransferModel::StateRole).toInt(), int(TransferInfo::State::Finished));
    QCOMPARE(at.data(TransferModel::OutcomeRole).toInt(), int(NetworkResponse::Outcome::Success));
    QCOMPARE(at.data(TransferModel::HttpStatusRole).toInt(), 200);
    QCOMPARE(at.data(TransferModel::ProgressRole).toDouble(), 1.0);
    QCOMPARE(at.data(TransferModel::BytesDoneRole).toLongLong(), e.size);
    QCOMPARE(at.data(TransferModel::BytesTotalRole).toLongLong(), e.size);
    QCOMPARE(at.data(TransferModel::ErrorStringRole).toString(), QString());
    QCOMPARE(inserted.size(), 1);
    QCOMPARE(announced,
             (QStringList{QStringLiteral("queued"),
                          QStringLiteral("running"),
                          QStringLiteral("finished")}));
    QCOMPARE(shown, announced);
    QCOMPARE(m.count(), 1);
}

void tst_TransferModel::progressChangesOnlyItsRow()
{
    const Entity e = entity(256 * kKiB);
    h->server.setRoute("/done", route(entity(16 * kKiB)));
    h->server.setRoute("/slow", route(e, {throttled(128 * kKiB)})); // about two seconds
    Watched w(h->config());
    TransferModel &m = w.model;
    Downloader dl(h->config());
    auto first = dl.networkResponse(
            h->request("/done"), QStringLiteral("done"), h->dest(QStringLiteral("d")));
    BG_AWAIT(first);
    QTRY_COMPARE(stateName(m, QStringLiteral("done")), QStringLiteral("finished"));

    QSignalSpy changed(&m, &QAbstractItemModel::dataChanged);
    // What the row said at each change (a view reads it then, too).
    QList<qint64> bytesSeen;
    QList<double> progressSeen;
    QStringList statesSeen;
    connect(&m, &QAbstractItemModel::dataChanged, this, [&](const QModelIndex &topLeft) {
        bytesSeen.append(topLeft.data(TransferModel::BytesDoneRole).toLongLong());
        progressSeen.append(topLeft.data(TransferModel::ProgressRole).toDouble());
        statesSeen.append(topLeft.data(TransferModel::StateNameRole).toString());
    });
    auto slow = dl.networkResponse(
            h->request("/slow"), QStringLiteral("slow"), h->dest(QStringLiteral("s")));
    QCOMPARE(m.indexOf(QStringLiteral("slow")), 1);
    BG_AWAIT(slow);
    QVERIFY2(slow.result().isSuccess(), describe(slow.result()));
    QTRY_COMPARE(stateName(m, QStringLiteral("slow")), QStringLiteral("finished"));

    for (const QList<QVariant> &args : std::as_const(changed)) {
        QCOMPARE(args.at(0).toModelIndex().row(), 1);
        QCOMPARE(args.at(1).toModelIndex().row(), 1);
    }
    QVERIFY(statesSeen.contains(QStringLiteral("running")));
    // Bytes and progress moved through the middle, never backwards.
    const auto between = [&](qint64 b) { return b > 0 && b < e.size; };
    QVERIFY2(std::count_if(bytesSeen.cbegin(), bytesSeen.cend(), between) >= 2,
             QByteArray::number(bytesSeen.size()));
    QVERIFY(std::is_sorted(bytesSeen.cbegin(), bytesSeen.cend()));
    QVERIFY(std::any_of(progressSeen.cbegin(), progressSeen.cend(), [](double p) {
        return p > 0.0 && p < 1.0;
    }));
    QCOMPARE(bytesSeen.last(), e.size);
    QCOMPARE(progressSeen.last(), 1.0);
    QCOMPARE(value(m, QStringLiteral("done"), TransferModel::BytesDoneRole).toLongLong(),
             16 * kKiB);
}

void tst_TransferModel::uploadRow()
{
    h->server.setUploadRoute("/up", FaultTest::UploadRoute());
    const QString source = h->source(40 * kKiB);
    QVERIFY(!source.isEmpty());
    Watched w(h->config());
    Uploader up(h->config());
    auto f = up.networkResponse(h->request("/up"), source, QStringLiteral("u"));
    QCOMPARE(w.model.count(), 1);
    QCOMPARE(value(w.model, QStringLiteral("u"), TransferModel::KindRole).toString(),
             QStringLiteral("upload"));
    QCOMPARE(value(w.model, QStringLiteral("u"), TransferModel::LocalPathRole).toString(), source);
    BG_AWAIT(f);
    QVERIFY2(f.result().isSuccess(), describe(f.result()));
    QTRY_COMPARE(stateName(w.model, QStringLiteral("u")), QStringLiteral("finished"));
    QCOMPARE(value(w.model, QStringLiteral("u"), TransferModel::HttpStatusRole).toInt(), 201);
    QCOMPARE(value(w.model, QStringLiteral("u"), TransferModel::KindRole).toString(),
             QStringLiteral("upload"));
}

void tst_TransferModel::removed_data()
{
    QTest::addColumn<bool>("forget"); // else cancel, while it runs
    QTest::newRow("forget") << true;
    QTest::newRow("cancel") << false;
}

void tst_TransferModel::removed()
{
    QFETCH(bool, forget);
    h->server.setRoute("/fast", route(entity(8 * kKiB)));
    h->server.setRoute("/held", route(entity(1 * kMiB), {held()}));
    Watched w(queueConfig(*h));
    TransferModel &m = w.model;
    Downloader dl(queueConfig(*h));
    auto a = dl.networkResponse(
            h->request("/fast"), QStringLiteral("a"), h->dest(QStringLiteral("a")));
    auto b = dl.networkResponse(h->request(forget ? "/fast" : "/held"),
                                QStringLiteral("b"),
                                h->dest(QStringLiteral("b")));
    auto c = dl.networkResponse(
            h->request("/fast"), QStringLiteral("c"), h->dest(QStringLiteral("c")));
    BG_AWAIT(a);
    BG_AWAIT(c);
    if (forget)
        BG_AWAIT(b);
    else
        QTRY_VERIFY(partialFileHasData(h->dest(QStringLiteral("b"))));
    QTRY_COMPARE(stateName(m, QStringLiteral("b")),
                 forget ? QStringLiteral("finished") : QStringLiteral("running"));
    QCOMPARE(m.count(), 3);

    QSignalSpy removedRows(&m, &QAbstractItemModel::rowsRemoved);
    QSignalSpy counted(&m, &TransferModel::countChanged);
    QVERIFY(forget ? dl.forget(QStringLiteral("b")) : dl.cancel(QStringLiteral("b")));
    QCOMPARE(removedRows.size(), 1);
    QCOMPARE(removedRows.at(0).at(1).toInt(), 1);
    QCOMPARE(removedRows.at(0).at(2).toInt(), 1);
    QCOMPARE(counted.size(), 1);
    QCOMPARE(m.count(), 2);
    QCOMPARE(m.property("count").toInt(), 2);
    QCOMPARE(m.indexOf(QStringLiteral("b")), -1);
    // The rows after it moved up, and are found where they are.
    QCOMPARE(m.indexOf(QStringLiteral("c")), 1);
    QCOMPARE(m.index(1).data(TransferModel::IdentifierRole).toString(), QStringLiteral("c"));
    QCOMPARE(m.indexOf(QStringLiteral("a")), 0);
    BG_AWAIT(b);
    // Nothing later brings it back.
    QVERIFY(staysFalse([&] { return m.count() != 2; }, 200));
}

void tst_TransferModel::canceledElsewhere()
{
    h->server.setRoute("/held", route(entity(1 * kMiB), {held()}));
    h->server.setRoute("/fast", route(entity(8 * kKiB)));
    SessionConfiguration config = queueConfig(*h);
    config.setMaximumConcurrentTransfers(1); // "waits" stays queued behind "runs"
    Watched w(config);
    TransferModel &m = w.model;
    Downloader dl(config);
    auto runs = dl.networkResponse(h->request("/held"), QStringLiteral("runs"), h->dest());
    auto waits = dl.networkResponse(
            h->request("/fast"), QStringLiteral("waits"), h->dest(QStringLiteral("w")));
    QTRY_COMPARE(stateName(m, QStringLiteral("runs")), QStringLiteral("running"));
    QCOMPARE(stateName(m, QStringLiteral("waits")), QStringLiteral("queued"));

    // Another process cancels the queued one: only its Canceled result tells this one.
    TransferStore other(h->storePath());
    QVERIFY(other.open());
    QVERIFY(other.remove(QStringLiteral("waits")));
    QCOMPARE(m.count(), 2);
    QSignalSpy removedRows(&m, &QAbstractItemModel::rowsRemoved);
    QVERIFY(dl.cancel(QStringLiteral("runs"))); // frees the slot: the queue reaches "waits"
    BG_AWAIT(waits);
    QCOMPARE(waits.result().error(), NetworkResponse::Error::Canceled);
    QTRY_COMPARE(m.count(), 0);
    QCOMPARE(removedRows.size(), 2);
    QCOMPARE(h->server.requestCount("/fast"), 0);
}

void tst_TransferModel::existingStore()
{
    h->server.setRoute("/done", route(entity(64 * kKiB)));
    h->server.setRoute("/part", route(entity(1 * kMiB), {held(96 * kKiB)}));
    h->server.setRoute("/paused", route(entity(1 * kMiB), {held(48 * kKiB)}));
    {
        Downloader dl(queueConfig(*h));
        auto done = dl.networkResponse(
                h->request("/done"), QStringLiteral("done"), h->dest(QStringLiteral("d")));
        auto part = dl.networkResponse(
                h->request("/part"), QStringLiteral("part"), h->dest(QStringLiteral("p")));
        auto paused = dl.networkResponse(
                h->request("/paused"), QStringLiteral("paused"), h->dest(QStringLiteral("q")));
        BG_AWAIT(done);
        QTRY_VERIFY(partialFileHasData(h->dest(QStringLiteral("p"))));
        QTRY_VERIFY(partialFileHasData(h->dest(QStringLiteral("q"))));
        QVERIFY(dl.pause(QStringLiteral("paused")));
    } // the engine goes: "part" keeps what it has, unfinished

    const auto part = storedRow(h->storePath(), QStringLiteral("part"));
    const auto paused = storedRow(h->storePath(), QStringLiteral("paused"));
    QVERIFY(part && paused);
    QVERIFY2(part->durableOffset > 0, QByteArray::number(part->durableOffset));
    QVERIFY2(paused->durableOffset > 0, QByteArray::number(paused->durableOffset));

    Watched w(queueConfig(*h));
    TransferModel &m = w.model;
    QCOMPARE(m.count(), 3);
    const QStringList order{
            QStringLiteral("done"), QStringLiteral("part"), QStringLiteral("paused")};
    for (int row = 0; row < order.size(); ++row)
        QCOMPARE(m.index(row).data(TransferModel::IdentifierRole).toString(), order.at(row));
    QCOMPARE(stateName(m, QStringLiteral("done")), QStringLiteral("finished"));
    QCOMPARE(value(m, QStringLiteral("done"), TransferModel::BytesDoneRole).toLongLong(),
             64 * kKiB);
    QCOMPARE(stateName(m, QStringLiteral("part")), QStringLiteral("queued"));
    QCOMPARE(value(m, QStringLiteral("part"), TransferModel::BytesDoneRole).toLongLong(),
             part->durableOffset);
    QCOMPARE(value(m, QStringLiteral("part"), TransferModel::BytesTotalRole).toLongLong(), kMiB);
    QCOMPARE(stateName(m, QStringLiteral("paused")), QStringLiteral("paused"));
    QCOMPARE(value(m, QStringLiteral("paused"), TransferModel::BytesDoneRole).toLongLong(),
             paused->durableOffset);
    // The model alone never resumes what it shows.
    QVERIFY(staysFalse([&] { return h->server.requestCount("/part") > 1; }, 300));

    SessionConfiguration quiet = queueConfig(*h);
    quiet.setResumeOnStart(false);
    Downloader dl(quiet);
    QSignalSpy changed(&m, &QAbstractItemModel::dataChanged);
    QVERIFY(dl.pause(QStringLiteral("part")));
    QTRY_COMPARE(stateName(m, QStringLiteral("part")), QStringLiteral("paused"));
    QCOMPARE(value(m, QStringLiteral("part"), TransferModel::StateRole).toInt(),
             int(TransferInfo::State::Paused));
    QCOMPARE(changed.size(), 1);
    QCOMPARE(changed.at(0).at(0).toModelIndex().row(), 1);
    QCOMPARE(value(m, QStringLiteral("part"), TransferModel::BytesDoneRole).toLongLong(),
             part->durableOffset);
}

void tst_TransferModel::reloadSeesAnotherConnection()
{
    Watched w(h->config());
    TransferModel &m = w.model;
    QCOMPARE(m.count(), 0);

    TransferStore other(h->storePath());
    QVERIFY(other.open());
    const auto add = [&](const QString &id) {
        TransferRow fresh;
        fresh.identifier = id;
        fresh.url = h->server.url("/elsewhere");
        fresh.destination = h->dest(id);
        fresh.partialPath = h->dest(id + QStringLiteral(".part"));
        TransferRow stored;
        return other.enqueue(fresh, &stored) == TransferStore::Claim::Queued;
    };
    QVERIFY(add(QStringLiteral("x")));
    QVERIFY(add(QStringLiteral("y")));
    QCOMPARE(m.count(), 0); // nothing told this process

    QSignalSpy counted(&m, &TransferModel::countChanged);
    m.reload();
    QCOMPARE(m.count(), 2);
    QCOMPARE(counted.size(), 1);
    QCOMPARE(m.indexOf(QStringLiteral("y")), 1);
    QCOMPARE(stateName(m, QStringLiteral("x")), QStringLiteral("queued"));
    QCOMPARE(value(m, QStringLiteral("x"), TransferModel::UrlRole).toUrl(),
             h->server.url("/elsewhere"));

    QVERIFY(other.remove(QStringLiteral("x")));
    m.reload();
    QCOMPARE(m.count(), 1);
    QCOMPARE(counted.size(), 2);
    QCOMPARE(m.indexOf(QStringLiteral("y")), 0);
    QCOMPARE(m.indexOf(QStringLiteral("x")), -1);
}

void tst_TransferModel::failure_data()
{
    QTest::addColumn<FaultTest::Fault>("fault");
    QTest::addColumn<int>("outcome");
    QTest::addColumn<int>("status");
    QTest::newRow("404 rejected") << statusFault(404) << int(NetworkResponse::Outcome::Rejected)
                                  << 404;
    QTest::newRow("503 retry") << statusFault(503) << int(NetworkResponse::Outcome::Retry) << 503;
}

void tst_TransferModel::failure()
{
    QFETCH(FaultTest::Fault, fault);
    QFETCH(int, outcome);
    QFETCH(int, status);
    h->server.setRoute("/bad", route(entity(64 * kKiB), {}, fault));
    const SessionConfiguration config = h->config(0); // no retries: the first failure is kept
    Watched w(config);
    Downloader dl(config);
    auto f = dl.networkResponse(h->request("/bad"), QStringLiteral("bad"), h->dest());
    BG_AWAIT(f);
    QVERIFY(!f.result().isSuccess());
    const QString id = QStringLiteral("bad");
    QTRY_COMPARE(stateName(w.model, id), QStringLiteral("finished"));
    QCOMPARE(value(w.model, id, TransferModel::OutcomeRole).toInt(), outcome);
    QCOMPARE(value(w.model, id, TransferModel::HttpStatusRole).toInt(), status);
    const QString error = value(w.model, id, TransferModel::ErrorStringRole).toString();
    QVERIFY(!error.isEmpty());
    QCOMPARE(error, f.result().errorString());
}

void tst_TransferModel::storePathSwitches()
{
    h->server.setRoute("/a", route(entity(8 * kKiB)));
    const QString second = h->path(QStringLiteral("second.sqlite"));
    // Lives through the switches, and its engine with it.
    Downloader old(h->config());
    auto first = old.networkResponse(h->request("/a"), QStringLiteral("first"), h->dest());
    BG_AWAIT(first);
    // Set right after construction, as QML does: the default store is never read.
    TransferModel m;
    QAbstractItemModelTester tester(&m, QAbstractItemModelTester::FailureReportingMode::Fatal);
    QSignalSpy pathChanged(&m, &TransferModel::storePathChanged);
    m.setStorePath(h->storePath());
    QCOMPARE(pathChanged.size(), 1);
    QCOMPARE(m.storePath(), h->storePath());
    QCOMPARE(m.count(), 1);
    QSignalSpy resets(&m, &QAbstractItemModel::modelReset);
    QCoreApplication::processEvents(); // the default store's turn comes and goes
    QCOMPARE(resets.size(), 0);
    QCOMPARE(m.indexOf(QStringLiteral("first")), 0);

    QSignalSpy counted(&m, &TransferModel::countChanged);
    m.setStorePath(second);
    QCOMPARE(resets.size(), 1);
    QCOMPARE(pathChanged.size(), 2);
    QCOMPARE(counted.size(), 1);
    QCOMPARE(m.count(), 0);

    // Live on the new store, deaf to the old one, even where identifiers are the same.
    SessionConfiguration other = h->config();
    other.setStorePath(second);
    Downloader dl(other);
    const QString id = QStringLiteral("first");
    auto f = dl.networkResponse(h->request("/a"), id, h->dest(QStringLiteral("2")));
    QCOMPARE(m.count(), 1);
    QCOMPARE(m.indexOf(id), 0);
    auto g = old.networkResponse(
            h->request("/a"), QStringLiteral("old"), h->dest(QStringLiteral("3")));
    QCOMPARE(m.count(), 1);
    BG_AWAIT(f);
    BG_AWAIT(g);
    QVERIFY(old.forget(id)); // the first store's
    QCOMPARE(m.count(), 1);
    QCOMPARE(m.indexOf(id), 0);

    m.setStorePath(h->storePath());
    QCOMPARE(m.count(), 1);
    QCOMPARE(m.indexOf(QStringLiteral("old")), 0);
}

QTEST_GUILESS_MAIN(tst_TransferModel)
#include "tst_transfermodel.moc"
