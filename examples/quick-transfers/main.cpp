// quick-transfers: the Background QML module in a small Qt Quick Controls app.
//
//   quick-transfers [--store FILE] [--download-dir DIR] [--screenshot FILE.png]
//
// Kill it mid-download and start it again: the list is the same and unfinished transfers
// continue. --screenshot renders the window offscreen once the list is shown, saves it and quits.

#include <QtCore/QCommandLineParser>
#include <QtCore/QDir>
#include <QtCore/QStandardPaths>
#include <QtCore/QTimer>
#include <QtGui/QGuiApplication>
#include <QtGui/QImage>
#include <QtQml/QQmlApplicationEngine>
#include <QtQuick/QQuickWindow>

#include <cstdio>

int main(int argc, char **argv)
{
    QCommandLineParser parser;
    const QCommandLineOption store(QStringLiteral("store"),
                                   QStringLiteral("The transfer store (default: the app's)."),
                                   QStringLiteral("FILE"));
    const QCommandLineOption downloadDir(QStringLiteral("download-dir"),
                                         QStringLiteral("Where downloads go."),
                                         QStringLiteral("DIR"));
    const QCommandLineOption screenshot(QStringLiteral("screenshot"),
                                        QStringLiteral("Render the window to FILE and quit."),
                                        QStringLiteral("FILE"));
    parser.addOptions({store, downloadDir, screenshot});
    parser.addHelpOption();

    // Offscreen rendering without a GPU needs the software scene graph.
    bool shooting = false;
    for (int i = 1; i < argc; ++i)
        shooting = shooting || qstrcmp(argv[i], "--screenshot") == 0;
    if (shooting)
        QQuickWindow::setGraphicsApi(QSGRendererInterface::Software);

    QGuiApplication app(argc, argv);
    QGuiApplication::setApplicationName(QStringLiteral("quick-transfers"));
    parser.process(app);

    QString dir = parser.value(downloadDir);
    if (dir.isEmpty())
        dir = QStandardPaths::writableLocation(QStandardPaths::DownloadLocation);
    QDir().mkpath(dir);

    QQmlApplicationEngine engine;
#ifdef QUICK_TRANSFERS_QML_DIR
    engine.addImportPath(QStringLiteral(QUICK_TRANSFERS_QML_DIR));
#endif
    engine.setInitialProperties({{QStringLiteral("storePath"), parser.value(store)},
                                 {QStringLiteral("downloadDir"), QDir(dir).absolutePath()}});
    QObject::connect(
            &engine,
            &QQmlApplicationEngine::objectCreationFailed,
            &app,
            [] { QCoreApplication::exit(1); },
            Qt::QueuedConnection);
    engine.load(QUrl(QStringLiteral("qrc:/Main.qml")));
    if (engine.rootObjects().isEmpty())
        return 1;

    if (shooting) {
        auto *window = qobject_cast<QQuickWindow *>(engine.rootObjects().constFirst());
        const QString file = parser.value(screenshot);
        // Give the model a moment to read the store and the scene graph a few frames.
        QTimer::singleShot(1500, window, [window, file] {
            const QImage image = window->grabWindow();
            if (image.isNull() || !image.save(file)) {
                std::fprintf(stderr, "quick-transfers: cannot write %s\n", qPrintable(file));
                QCoreApplication::exit(1);
                return;
            }
            const QObject *model = window->findChild<QObject *>(QStringLiteral("transfers"));
            std::printf("quick-transfers: %d transfers shown, %s written\n",
                        model ? model->property("count").toInt() : -1,
                        qPrintable(file));
            QCoreApplication::quit();
        });
    }
    return QGuiApplication::exec();
}
