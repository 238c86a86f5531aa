// Code the reference quotes for Background::Uploader and Background::UploadOptions. Compiled
// with the tests, never called.

#include <Background/uploader.h>

#include <QtCore/QDebug>
#include <QtCore/QFuture>
#include <QtCore/QObject>
#include <QtNetwork/QNetworkRequest>

namespace UploaderSnippets {

void put(QObject *owner, Background::Uploader *uploader, const QString &path)
{
    //! [put]
    // The defaults PUT the file as the body, as application/octet-stream.
    QNetworkRequest request(QUrl(QStringLiteral("https://example.com/files/report.pdf")));
    uploader->networkResponse(request, path, QStringLiteral("report-2026-11"))
            .then(owner, [uploader](const Background::NetworkResponse &response) {
                if (response.isSuccess()) {
                    // The server's answer: up to 1 MiB in body(), all of it in bodyFilePath()
                    // when it is larger.
                    qInfo() << "uploaded; the server says" << response.body();
                } else {
                    qWarning() << response.outcome() << response.httpStatus()
                               << response.errorString();
                }
                uploader->forget(response.identifier());
            });
    //! [put]
}

void multipart(Background::Uploader *uploader, const QString &crashReportPath)
{
    //! [multipart]
    Background::UploadOptions options;
    options.method = Background::UploadOptions::Method::Post;
    options.body = Background::UploadOptions::Body::Multipart;
    options.fileField = QStringLiteral("report"); // the name of the file's part
    options.fields = {{QStringLiteral("app"), QStringLiteral("1.2.0")},
                      {QStringLiteral("platform"), QStringLiteral("linux")}};
    QNetworkRequest request(QUrl(QStringLiteral("https://crash.example.com/submit")));
    uploader->networkResponse(
            request, crashReportPath, QStringLiteral("crash-2026-11-24"), options);
    //! [multipart]
}

void tus(Background::Uploader *uploader, const QString &videoPath)
{
    //! [tus]
    Background::UploadOptions options;
    options.protocol = Background::UploadOptions::Protocol::Tus;
    options.chunkSize = 8 * 1024 * 1024; // optional: at most 8 MiB per PATCH
    options.fields = {{QStringLiteral("album"), QStringLiteral("holidays")}}; // Upload-Metadata

    // The URL is the server's creation endpoint; the upload gets a URL of its own.
    const QUrl endpoint(QStringLiteral("https://tus.example.com/files/"));
    const QString identifier = QStringLiteral("video-42");
    uploader->networkResponse(QNetworkRequest(endpoint), videoPath, identifier, options);

    // Once the server has created it:
    if (const std::optional<Background::TransferInfo> info = uploader->transfer(identifier))
        qInfo() << "uploading to" << info->remoteUrl;
    //! [tus]
}

void cancelTus(QObject *owner, Background::Uploader *uploader)
{
    //! [cancel]
    QObject::connect(uploader,
                     &Background::Uploader::terminated,
                     owner,
                     [](const QString &identifier, bool acknowledged) {
                         if (!acknowledged)
                             qWarning() << identifier << "may stay on the server until it expires";
                     });
    uploader->cancel(QStringLiteral("video-42"));
    //! [cancel]
}

void options()
{
    //! [options]
    Background::UploadOptions options;
    options.contentType = QByteArrayLiteral("application/pdf");
    options.priority = Background::TransferInfo::Priority::Low;
    //! [options]
    Q_UNUSED(options)
}

} // namespace UploaderSnippets
