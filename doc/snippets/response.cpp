// Code the NetworkResponse reference quotes. Compiled with the tests, never run.

#include <Background/downloader.h>
#include <Background/networkresponse.h>

#include <QtCore/QObject>
#include <QtCore/QTimer>
#include <QtNetwork/QNetworkRequest>

#include <chrono>

namespace ResponseSnippets {

// What an app would do with a result; declared only, so that the snippets read naturally.
void openFile(const QString &path);
void showProblem(const QString &identifier, const QString &message);

//! [outcomes]
void handleResult(Background::Downloader *downloader, const Background::NetworkResponse &response)
{
    using Background::NetworkResponse;
    const QString id = response.identifier();
    switch (response.outcome()) {
    case NetworkResponse::Outcome::Success:
        // The whole file is at its destination.
        openFile(response.filePath());
        break;
    case NetworkResponse::Outcome::Rejected:
        // The server said no (403, 404, a redirect that may not be followed): the same request
        // gets the same answer. Change it, forget() the result, and ask again.
        showProblem(id, QStringLiteral("HTTP %1").arg(response.httpStatus()));
        downloader->forget(id);
        break;
    case NetworkResponse::Outcome::Retry: {
        // Transient, and the automatic retries are used up. The partial data is kept, and
        // resume() continues from it; not before the time the server asked for.
        const std::chrono::seconds wait = response.retryAfter().value_or(std::chrono::minutes(1));
        QTimer::singleShot(wait, downloader, [downloader, id] { downloader->resume(id); });
        break;
    }
    case NetworkResponse::Outcome::Failed:
        // No verdict from the server: the network, TLS, the disk, the input, or a cancel.
        // A full disk keeps the partial data: make room, then resume().
        showProblem(id, response.errorString());
        break;
    }
}
//! [outcomes]

void ask(QObject *context, Background::Downloader *downloader, const QString &path)
{
    //! [ask]
    QNetworkRequest request(QUrl(QStringLiteral("https://example.com/maps/europe.pbf")));
    downloader->networkResponse(request, QStringLiteral("map-europe"), path)
            .then(context, [downloader](const Background::NetworkResponse &response) {
                handleResult(downloader, response);
            });
    //! [ask]
}

} // namespace ResponseSnippets
