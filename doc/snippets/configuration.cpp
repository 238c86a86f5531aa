// Code the SessionConfiguration and RetryPolicy reference quotes. Compiled with the tests, never
// run.

#include <Background/downloader.h>
#include <Background/retrypolicy.h>
#include <Background/sessionconfiguration.h>

#include <QtCore/QDir>
#include <QtCore/QObject>

#include <chrono>

namespace ConfigurationSnippets {

using namespace std::chrono_literals;

Background::Downloader *makeDownloader(QObject *parent, const QString &dataDirectory)
{
    //! [configuration]
    Background::SessionConfiguration config;
    // One store per app is usual; the default lives under AppLocalDataLocation.
    config.setStorePath(QDir(dataDirectory).filePath(QStringLiteral("transfers.sqlite")));
    config.setStallTimeout(60s);             // a slow mobile link
    config.setMaximumConcurrentTransfers(3); // 3 at once, 2 to one host
    config.setMaximumConcurrentTransfersPerHost(2);
    config.setAllowMetered(false);                             // wait for Wi-Fi
    config.addSensitiveHeader(QByteArrayLiteral("X-Api-Key")); // never stored
    config.addCaCertificatesFromFile(QStringLiteral("/etc/example/company-ca.pem"));

    auto *downloader = new Background::Downloader(config, parent);
    //! [configuration]
    return downloader;
}

Background::SessionConfiguration patientConfiguration()
{
    //! [retry-policy]
    Background::RetryPolicy retry;
    retry.maxRetries = 10;  // ten retries after the first attempt...
    retry.baseDelay = 2s;   // ...waiting up to 2 s, 4 s, 8 s... before them
    retry.maxDelay = 10min; // but never more than 10 minutes
    Background::SessionConfiguration config;
    config.setRetryPolicy(retry);
    //! [retry-policy]
    return config;
}

} // namespace ConfigurationSnippets
