// quick-transfers --screenshot: the example starts offscreen over a store holding a finished, a
// rejected and a paused download, shows all three and writes a non-empty PNG.

#include "downloadertest.h"

#include <QtCore/QProcess>
#include <QtCore/QSet>
#include <QtGui/QImage>

using namespace DownloaderTest;
using Background::Downloader;
using Background::SessionConfiguration;
using Background::TransferInfo;

class tst_QuickTransfers : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void init() { m_watchdog.start(); }
    void cleanup() { m_watchdog.stop(); }
    void screenshot();

private:
    Watchdog m_watchdog{90s};
};

void tst_QuickTransfers::screenshot()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    FaultTest::FaultServer server;
    QVERIFY(server.listen());
    const auto done = entity(64 * 1024);
    const auto slow = entity(8 * 1024 * 1024, 9);
    server.setRoute("/done.bin", route(done));
    server.setRoute("/missing.bin", route(done, {statusFault(404)}, statusFault(404)));
    server.setRoute("/slow.bin", route(slow, {}, throttled(256 * 1024)));

    const QString store = dir.filePath(QStringLiteral("store.sqlite"));
    {
        SessionConfiguration config;
        config.setStorePath(store);
        config.setResumeOnStart(false);
        Downloader dl(config);
        auto ok = dl.networkResponse(QNetworkRequest(server.url("/done.bin")),
                                     QStringLiteral("done"),
                                     dir.filePath(QStringLiteral("done.bin")));
        auto refused = dl.networkResponse(QNetworkRequest(server.url("/missing.bin")),
                                          QStringLiteral("missing"),
                                          dir.filePath(QStringLiteral("missing.bin")));
        dl.networkResponse(QNetworkRequest(server.url("/slow.bin")),
                           QStringLiteral("slow"),
                           dir.filePath(QStringLiteral("slow.bin")));
        BG_AWAIT(ok);
        QVERIFY2(ok.result().isSuccess(), describe(ok.result()));
        BG_AWAIT(refused);
        QCOMPARE(refused.result().outcome(), Outcome::Rejected);
        QTRY_VERIFY(dl.transfer(QStringLiteral("slow"))->bytesReceived > 0);
        QVERIFY(dl.pause(QStringLiteral("slow")));
        QCOMPARE(dl.transfer(QStringLiteral("slow"))->state, TransferInfo::State::Paused);
    }

    const QString png = dir.filePath(QStringLiteral("shot.png"));
    QProcess app;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("QT_QPA_PLATFORM"), QStringLiteral("offscreen"));
    env.insert(QStringLiteral("QML_IMPORT_PATH"), QStringLiteral(BACKGROUND_QML_DIR));
    env.insert(QStringLiteral("HOME"), dir.path());
    env.insert(QStringLiteral("XDG_DATA_HOME"), dir.filePath(QStringLiteral("xdg")));
    env.remove(QStringLiteral("QT_LOGGING_RULES"));
    app.setProcessEnvironment(env);
    app.start(QStringLiteral(QUICK_TRANSFERS_BIN),
              {QStringLiteral("--store"),
               store,
               QStringLiteral("--download-dir"),
               dir.path(),
               QStringLiteral("--screenshot"),
               png});
    QVERIFY2(app.waitForStarted(), qPrintable(app.errorString()));
    QVERIFY(app.waitForFinished(60000));
    const QByteArray out = app.readAllStandardOutput();
    const QByteArray err = app.readAllStandardError();
    QVERIFY2(app.exitStatus() == QProcess::NormalExit && app.exitCode() == 0, err.constData());
    // The app says how many rows its list showed when it took the picture, and QML had nothing
    // to complain about (a broken delegate warns with its qrc: URL and draws nothing).
    QVERIFY2(out.contains("3 transfers shown"), (out + err).constData());
    QVERIFY2(!err.contains("qrc:/"), err.constData());

    const QImage image(png);
    QVERIFY2(!image.isNull(), qPrintable(png));
    QVERIFY(image.width() >= 400 && image.height() >= 300);
    // Text, progress bars and buttons: many colours, not a blank window.
    QSet<QRgb> colours;
    for (int y = 0; y < image.height() && colours.size() <= 16; y += 3) {
        for (int x = 0; x < image.width() && colours.size() <= 16; x += 3)
            colours.insert(image.pixel(x, y));
    }
    QVERIFY2(colours.size() > 16, qPrintable(QString::number(colours.size())));
}

QTEST_GUILESS_MAIN(tst_QuickTransfers)
#include "tst_quicktransfers.moc"
