// widgets-uploader: pick a file, upload it with Background::Uploader, watch the progress bar.
// Quit mid-upload and start the app again: the upload continues (from the server's offset
// with tus, from the first byte otherwise) and the window shows it.

#include "uploadwindow.h"

#include <QtWidgets/QApplication>

int main(int argc, char **argv)
{
    QApplication app(argc, argv);
    QApplication::setApplicationName(QStringLiteral("widgets-uploader"));
    UploadWindow window;
    window.show();
    return QApplication::exec();
}
