// bg-restore-bench: how long the first Downloader of a store with many unfinished downloads
// takes to queue them all (resumeOnStart), how long it blocks the event loop meanwhile, and
// how long listing them (Downloader::transfers()) takes.
//
// The rows point at a closed loopback port, and the engine sees an offline network with
// loopback made to wait for it, so nothing is ever requested: only the restore is measured.
//
// Usage: bg-restore-bench [ROWS=10000] [--dir DIR] [--reuse] [--listings N]
// --reuse keeps a store that DIR already holds (from an earlier run with the same ROWS): the
// restore writes nothing, so a profile can skip the slow seeding.

#include "downloader.h"
#include "reachability.h"
#include "transferengine.h"
#include "transferstore.h"

#include <QtCore/QCommandLineParser>
#include <QtCore/QCoreApplication>
#include <QtCore/QDir>
#include <QtCore/QElapsedTimer>
#include <QtCore/QLoggingCategory>
#include <QtCore/QTemporaryDir>
#include <QtCore/QTimer>
#include <QtNetwork/QHostAddress>
#include <QtNetwork/QTcpServer>

#include <algorithm>
#include <cstdio>
#include <memory>
#include <vector>

using namespace Background;

namespace {

double ms(qint64 ns)
{
    return double(ns) / 1e6;
}

// A loopback port nobody listens on (it was free a moment ago; nothing connects anyway).
quint16 closedPort()
{
    QTcpServer probe;
    probe.listen(QHostAddress::LocalHost, 0);
    return probe.serverPort();
}

// The longest time between two turns of the event loop, seen by a 1 ms timer.
class StallMeter : public QObject
{
public:
    StallMeter()
    {
        m_timer.setTimerType(Qt::PreciseTimer);
        m_timer.setInterval(1);
        connect(&m_timer, &QTimer::timeout, this, [this] {
            const qint64 now = m_clock.nsecsElapsed();
            m_max = std::max(m_max, now - m_last);
            m_last = now;
        });
    }
    void start()
    {
        m_clock.start();
        m_last = 0;
        m_max = 0;
        m_timer.start();
    }
    // The gap still open counts too: a stall that has not ended yet is a stall.
    qint64 maxNs() const { return std::max(m_max, m_clock.nsecsElapsed() - m_last); }
    void stop() { m_timer.stop(); }

private:
    QTimer m_timer;
    QElapsedTimer m_clock;
    qint64 m_last = 0;
    qint64 m_max = 0;
};

// Runs the event loop for `msecs`.
void spin(int msecs)
{
    QElapsedTimer t;
    t.start();
    while (t.elapsed() < msecs)
        QCoreApplication::processEvents(QEventLoop::WaitForMoreEvents, 5);
}

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    QLoggingCategory::setFilterRules(QStringLiteral("background.*.info=false"));
    qputenv("BACKGROUND_NETWORK_BACKEND", "none"); // the engine's own view must not matter

    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("Restore-on-start benchmark"));
    parser.addHelpOption();
    parser.addPositionalArgument(QStringLiteral("rows"), QStringLiteral("Unfinished rows (10000)"));
    const QCommandLineOption dirOption(QStringLiteral("dir"),
                                       QStringLiteral("Where the store goes (a temporary dir)"),
                                       QStringLiteral("dir"));
    const QCommandLineOption listingsOption(QStringLiteral("listings"),
                                            QStringLiteral("How often to time transfers() (5)"),
                                            QStringLiteral("n"),
                                            QStringLiteral("5"));
    const QCommandLineOption reuseOption(QStringLiteral("reuse"),
                                         QStringLiteral("Keep the store DIR already holds"));
    parser.addOption(dirOption);
    parser.addOption(reuseOption);
    parser.addOption(listingsOption);
    parser.process(app);
    const int rows = parser.positionalArguments().value(0, QStringLiteral("10000")).toInt();
    const int listings = qMax(0, parser.value(listingsOption).toInt());
    if (rows <= 0) {
        std::fprintf(stderr, "ROWS must be a positive number\n");
        return 2;
    }

    std::unique_ptr<QTemporaryDir> temp;
    QString dir = parser.value(dirOption);
    if (dir.isEmpty()) {
        temp = std::make_unique<QTemporaryDir>(QDir::tempPath()
                                               + QStringLiteral("/bg-restore-bench-XXXXXX"));
        dir = temp->path();
    }
    QDir().mkpath(dir);
    const QString storePath = QDir(dir).filePath(QStringLiteral("restore-bench.sqlite"));
    const bool reuse = parser.isSet(reuseOption) && QFile::exists(storePath);
    if (!reuse) {
        for (const QString &suffix : {QString(), QStringLiteral("-wal"), QStringLiteral("-shm")})
            QFile::remove(storePath + suffix);
    }

    // 1. Seed: what a process that asked for `rows` downloads and quit leaves in its store.
    // TransferStore has no bulk insert, so one enqueue (one transaction) per row.
    const QString base = QStringLiteral("http://127.0.0.1:%1/file-").arg(closedPort());
    QElapsedTimer seedClock;
    seedClock.start();
    if (!reuse) {
        TransferStore store(storePath);
        if (!store.open()) {
            std::fprintf(stderr, "cannot open %s\n", qPrintable(storePath));
            return 1;
        }
        for (int i = 0; i < rows; ++i) {
            TransferRow fresh;
            fresh.identifier = QStringLiteral("bench-%1").arg(i);
            fresh.url = QUrl(base + QString::number(i));
            fresh.destination = QDir(dir).filePath(QStringLiteral("file-%1.bin").arg(i));
            fresh.partialPath = QDir(dir).filePath(QStringLiteral(".file-%1.bin.part").arg(i));
            TransferRow row;
            if (store.enqueue(fresh, &row) != TransferStore::Claim::Queued) {
                std::fprintf(stderr, "enqueue %d failed\n", i);
                return 1;
            }
        }
    }
    const qint64 seedNs = seedClock.nsecsElapsed();

    // 2. The engine first, offline, so the restore cannot start anything.
    ManualReachability reach;
    reach.setOnline(false);
    SessionConfiguration cfg;
    cfg.setStorePath(storePath);
    cfg.setResumeOnStart(true);
    QElapsedTimer engineClock;
    engineClock.start();
    std::shared_ptr<TransferEngine> engine = TransferEngine::forConfiguration(cfg);
    const qint64 engineNs = engineClock.nsecsElapsed();
    engine->setReachability(&reach);
    engine->setLoopbackNeedsNetwork(true);

    // 3. The Downloader restores one event-loop turn after it is made.
    StallMeter stalls;
    stalls.start();
    QElapsedTimer restoreClock;
    restoreClock.start();
    Downloader dl(cfg);
    const qint64 constructNs = restoreClock.nsecsElapsed();
    int queued = 0;
    qint64 allQueuedNs = -1;
    QObject::connect(
            &dl, &Downloader::stateChanged, &dl, [&](const QString &, TransferInfo::State s) {
                if (s != TransferInfo::State::WaitingForNetwork)
                    return;
                if (++queued == rows)
                    allQueuedNs = restoreClock.nsecsElapsed();
            });
    qint64 pendingChangedNs = -1;
    QObject::connect(&dl, &Downloader::pendingIdentifiersChanged, &dl, [&] {
        if (pendingChangedNs < 0)
            pendingChangedNs = restoreClock.nsecsElapsed();
    });
    QElapsedTimer wait;
    wait.start();
    // Every row announces itself (waiting for the network) as it is queued; the restore may
    // take several turns of the loop.
    while (queued < rows && wait.elapsed() < 600000)
        QCoreApplication::processEvents(QEventLoop::WaitForMoreEvents, 5);
    const qint64 stallDuringRestore = stalls.maxNs();
    // The queue's first pass over what was restored runs one turn later; count it in.
    spin(300);
    const qint64 stallWithPump = stalls.maxNs();
    stalls.stop();

    // 4. The listing an app shows: every row, as a snapshot.
    std::vector<qint64> listNs;
    qsizetype listed = 0;
    for (int i = 0; i < listings; ++i) {
        QElapsedTimer t;
        t.start();
        listed = dl.transfers().size();
        listNs.push_back(t.nsecsElapsed());
    }
    std::sort(listNs.begin(), listNs.end());
    QElapsedTimer pendingClock;
    pendingClock.start();
    const qsizetype pending = dl.pendingIdentifiers().size();
    const qint64 pendingNs = pendingClock.nsecsElapsed();

    const auto line = [](const char *label, const QString &value) {
        std::printf("%-40s %s\n", label, qPrintable(value));
    };
    const auto msText
            = [](qint64 ns) { return QString::number(ms(ns), 'f', 1) + QStringLiteral(" ms"); };
    line("rows", QString::number(rows));
    line("store", storePath);
    line("seeding, one enqueue per row",
         reuse ? QStringLiteral("skipped (--reuse)")
               : msText(seedNs) + QStringLiteral(" (%1 ms/row)").arg(ms(seedNs) / rows, 0, 'f', 3));
    line("engine construction (opens the store)", msText(engineNs));
    line("Downloader constructor", msText(constructNs));
    line("restore: every row queued after",
         msText(allQueuedNs) + QStringLiteral(" (%1 state signals)").arg(queued));
    line("restore: first pendingIdentifiersChanged", msText(pendingChangedNs));
    line("longest event-loop stall, restore", msText(stallDuringRestore));
    line("longest stall, with the first queue pass", msText(stallWithPump));
    if (!listNs.empty())
        line("transfers()",
             QStringLiteral("min %1, median %2 (%3 rows, %4 runs)")
                     .arg(msText(listNs.front()), msText(listNs[listNs.size() / 2]))
                     .arg(listed)
                     .arg(listings));
    line("pendingIdentifiers()",
         msText(pendingNs) + QStringLiteral(" (%1 identifiers)").arg(pending));
    const bool ok = queued == rows && (listings == 0 || listed == rows) && pending == rows;
    if (!ok)
        std::fprintf(stderr,
                     "unexpected counts: queued %d, listed %lld, pending %lld\n",
                     queued,
                     qlonglong(listed),
                     qlonglong(pending));
    return ok ? 0 : 1;
}
