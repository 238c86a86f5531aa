// A write that fails for lack of room, in a real bgtransfer process: the file size limit
// (RLIMIT_FSIZE, with SIGXFSZ ignored so the write fails with EFBIG instead of killing it) ends
// the download as failed/DiskFull with the partial data kept, and a resume without the limit
// completes the file from there.

#include "clitestutil.h"
#include "faultserver.h"
#include "transferstore.h"

#include <QtCore/QFileInfo>
#include <QtTest/QSignalSpy>
#include <QtTest/QTest>

#include <cerrno>
#include <cstring>

using namespace CliTest;
using namespace FaultTest;

class tst_CliDiskFull : public Fixture
{
    Q_OBJECT

private Q_SLOTS:
    void fileSizeLimit();
};

namespace {

// `ulimit -f` counts 512-byte blocks in a POSIX shell. Not a multiple of any read size, so the
// last write is cut short at the limit, and the next one fails.
constexpr qint64 kLimitBlocks = 2047;
constexpr qint64 kLimitBytes = kLimitBlocks * 512;

// The start offset of a "bytes=N-" request header; -1 when there is none.
qint64 rangeStart(const RequestRecord &request)
{
    const QByteArray range = request.header("Range");
    if (!range.startsWith("bytes=") || !range.endsWith('-'))
        return -1;
    return range.mid(6).chopped(1).toLongLong();
}

} // namespace

void tst_CliDiskFull::fileSizeLimit()
{
#if !defined(Q_OS_UNIX)
    QSKIP("RLIMIT_FSIZE is POSIX");
#else
    const QByteArray rp = routePath();
    const Route route = plainRoute(8 * MiB, 53);
    m_server.setRoute(rp, route);
    const QString dest = path("big.bin");

    // The limit applies to the child only; an ignored signal stays ignored across exec.
    Run limited;
    {
        BackgroundTest::ChildProcesses children(m_dir->path());
        const QString script = QStringLiteral("ulimit -f %1 && trap '' XFSZ && exec \"$0\" \"$@\"")
                                       .arg(kLimitBlocks);
        QProcess *p = children.start(QStringLiteral("/bin/sh"),
                                     QStringList{"-c", script, BGTRANSFER_PATH} + store()
                                             + download(rp, dest, "d"),
                                     "TST_CLI_CHILD_LOGGING");
        QSignalSpy done(p, &QProcess::finished);
        QVERIFY(done.wait(kRunTimeoutMs) || !done.isEmpty());
        limited.exitCode = p->exitCode();
        limited.exitStatus = p->exitStatus();
        limited.out = p->readAllStandardOutput();
        limited.err = p->readAllStandardError();
    }
    QCOMPARE(limited.exitStatus, QProcess::NormalExit); // not killed by SIGXFSZ
    QVERIFY2(limited.exitCode == 4, qPrintable(describe(limited)));
    QVERIFY2(stderrProblem(limited).isEmpty(), qPrintable(describe(limited)));
    const QByteArray efbig = QByteArray(std::strerror(EFBIG));
    QVERIFY2(limited.err.contains(efbig), qPrintable(describe(limited)));
    QVERIFY(!QFileInfo::exists(dest));

    // Every byte written up to the limit is kept, and the store's offset covers them.
    const qint64 kept = partialBytes(dest);
    QCOMPARE(kept, kLimitBytes);
    {
        Background::TransferStore store(m_store);
        QVERIFY(store.open());
        const auto row = store.find(QStringLiteral("d"));
        QVERIFY(row);
        QCOMPARE(row->durableOffset, kept);
    }

    const Run result = run(store() + args("--json result d"));
    QVERIFY2(result.exitCode == 4, qPrintable(describe(result)));
    QVERIFY2(stderrProblem(result).isEmpty(), qPrintable(describe(result)));
    QString error;
    const QJsonObject o = parseObject(nonEmptyLines(result.out).value(0), &error);
    QVERIFY2(error.isEmpty(), qPrintable(error));
    QCOMPARE(o.value("outcome").toString(), "failed");
    QCOMPARE(o.value("errorCode").toString(), "DiskFull");
    QCOMPARE(o.value("bytes").toInteger(), kept);

    // Without the limit the kept result continues from its data.
    const Run resumed = run(store() + args("resume d"));
    QVERIFY2(resumed.exitCode == 0, qPrintable(describe(resumed)));
    QVERIFY2(stderrProblem(resumed).isEmpty(), qPrintable(describe(resumed)));
    QCOMPARE(fileSha256(dest), FaultServer::contentSha256(route.entity));
    QVERIFY(partialFiles(dest).isEmpty());
    const QList<RequestRecord> requests = m_server.requests(rp);
    QCOMPARE(requests.size(), 2);
    QCOMPARE(rangeStart(requests.last()), kept);
    QCOMPARE(requests.last().status, 206);
#endif
}

QTEST_GUILESS_MAIN(tst_CliDiskFull)
#include "tst_cli_diskfull.moc"
