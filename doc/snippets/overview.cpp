// The first example of the overview page (doc/src/index.qdoc). Compiled with the tests, never run.

#include <Background/downloader.h>

#include <QtCore/QObject>

namespace OverviewSnippets {

void start(QObject *context, const QString &path)
{
    //! [first download]
    auto *downloader = new Background::Downloader(context);
    QNetworkRequest request(QUrl(QStringLiteral("https://example.com/big.iso")));

    // The same call after a restart resumes the download, or hands back the kept result.
    downloader->networkResponse(request, QStringLiteral("big-iso"), path)
            .then(context, [downloader](const Background::NetworkResponse &response) {
                switch (response.outcome()) {
                case Background::NetworkResponse::Outcome::Success:
                    // use response.filePath(), then let the store drop the result
                    downloader->forget(response.identifier());
                    break;
                case Background::NetworkResponse::Outcome::Retry:
                    // transient: resume(identifier) later, after response.retryAfter()
                    break;
                case Background::NetworkResponse::Outcome::Rejected:
                case Background::NetworkResponse::Outcome::Failed:
                    // report response.httpStatus() or response.errorString()
                    break;
                }
            });
    //! [first download]
}

} // namespace OverviewSnippets
